"""Every list call walks all its pages (moto returns one page only, so botocore's Stubber serves them)."""

import json

import pytest
from botocore.stub import Stubber

from auditor.findings import Severity
from tests.live.conftest import ACCOUNT, REGION, audit, ids, snapshot

FN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:"
POLICY = lambda api, fn: json.dumps({"Version": "2012-10-17", "Statement": [{
    "Sid": "apigw", "Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
    "Action": "lambda:InvokeFunction", "Resource": fn,
    "Condition": {"ArnLike": {"AWS:SourceArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api}/*"}}}]})


def api(api_id):
    return {"ApiId": api_id, "Name": api_id, "ProtocolType": "HTTP", "RouteSelectionExpression": "$request.method $request.path"}


def route(n, integration, authorizer=None):
    out = {"RouteId": f"r{n}", "RouteKey": f"GET /r{n}", "Target": f"integrations/{integration}",
           "AuthorizationType": "CUSTOM" if authorizer else "NONE"}
    if authorizer:
        out["AuthorizerId"] = authorizer
    return out


def integration(integration_id, uri):
    return {"IntegrationId": integration_id, "IntegrationType": "AWS_PROXY", "IntegrationUri": uri,
            "PayloadFormatVersion": "2.0", "TimeoutInMillis": 30000}


STAGE = {"StageName": "$default", "AutoDeploy": True, "AccessLogSettings": {
    "DestinationArn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:access", "Format": "$context.requestId"}}


def function(name):
    return {"FunctionName": name, "FunctionArn": FN + name, "Timeout": 3, "Runtime": "python3.12",
            "Environment": {"Variables": {"TOKEN": "secret-value"}}}


@pytest.fixture
def stubbed(aws):
    """Stubbed apigatewayv2 and lambda clients (sts stays on moto), served in a fixed order."""
    clients = {}

    def factory(session, service, region, config, endpoint_url):
        client = session.client(service, region_name=region, config=config, endpoint_url=endpoint_url)
        if service in ("apigatewayv2", "lambda"):
            stubber = Stubber(client)
            stubber.activate()
            clients[service] = stubber
        return client

    return factory, clients


def test_every_page_is_read(stubbed):
    factory, clients = stubbed
    # apigatewayv2 pages, in the order a single worker asks for them
    agw = [
        ("get_apis", {"Items": [api("api1")], "NextToken": "a2"}, {}),
        ("get_apis", {"Items": [api("api2")]}, {"NextToken": "a2"}),
        ("get_domain_names", {"Items": []}, {}),  # auditor.live_domains, queued right after the API list
        ("get_routes", {"Items": [route(1, "i1")], "NextToken": "r2"}, {"ApiId": "api1"}),
        ("get_routes", {"Items": [route(2, "i1", authorizer="au1")]}, {"ApiId": "api1", "NextToken": "r2"}),
        ("get_integrations", {"Items": [integration("i1", FN + "f1")], "NextToken": "i2"}, {"ApiId": "api1"}),
        ("get_integrations", {"Items": [integration("i2", FN + "f2:live")]}, {"ApiId": "api1", "NextToken": "i2"}),
        ("get_stages", {"Items": [STAGE]}, {"ApiId": "api1"}),
        ("get_authorizers", {"Items": [], "NextToken": "z2"}, {"ApiId": "api1"}),
        ("get_authorizers", {"Items": [{"AuthorizerId": "au1", "Name": "auth", "AuthorizerType": "REQUEST",
                                        "AuthorizerUri": f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{FN}f3/invocations"}]},
         {"ApiId": "api1", "NextToken": "z2"}),
        ("get_routes", {"Items": [route(3, "i3")]}, {"ApiId": "api2"}),
        ("get_integrations", {"Items": [integration("i3", FN + "f1")]}, {"ApiId": "api2"}),
        ("get_stages", {"Items": [STAGE]}, {"ApiId": "api2"}),
    ]
    lam = [
        ("list_functions", {"Functions": [function("f1"), function("f2")], "NextMarker": "m2"}, {}),
        ("list_functions", {"Functions": [function("f3"), function("unused")]}, {"Marker": "m2"}),
        ("get_policy", {"Policy": POLICY("*", FN + "f1")}, {"FunctionName": "f1"}),
        ("get_policy", {"Policy": POLICY("api1", FN + "f2")}, {"FunctionName": "f2"}),
        ("list_aliases", {"Aliases": [{"Name": "blue", "AliasArn": FN + "f2:blue", "FunctionVersion": "1"}],
                          "NextMarker": "l2"}, {"FunctionName": "f2"}),
        ("list_aliases", {"Aliases": [{"Name": "live", "AliasArn": FN + "f2:live", "FunctionVersion": "2"}]},
         {"FunctionName": "f2", "Marker": "l2"}),
        ("get_policy", {"Policy": POLICY("api1", FN + "f2:live")}, {"FunctionName": "f2", "Qualifier": "live"}),
        ("get_policy", {"Policy": json.dumps({"Version": "2012-10-17", "Statement": [{
            "Sid": "auth", "Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
            "Action": "lambda:InvokeFunction", "Resource": FN + "f3", "Condition": {"ArnLike": {
                "AWS:SourceArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT}:api1/authorizers/au1"}}}]})},
         {"FunctionName": "f3"}),
        ("get_policy", None, {"FunctionName": "unused"}),  # no policy: ResourceNotFoundException
    ]
    def factory_with_responses(session, service, region, config, endpoint_url):
        client = factory(session, service, region, config, endpoint_url)
        for method, response, params in {"apigatewayv2": agw, "lambda": lam}.get(service, []):
            if response is None:
                clients[service].add_client_error(method, "ResourceNotFoundException", expected_params=params)
            else:
                clients[service].add_response(method, response, params)
        return client

    document, stats = snapshot(max_workers=1, client_factory=factory_with_responses)
    for stubber in clients.values():
        stubber.assert_no_pending_responses()
    [scope] = document["Scopes"]
    assert scope["Complete"] is True and scope["Errors"] == []
    apis = {a["ApiId"]: a for a in scope["Apis"]}
    assert list(apis) == ["api1", "api2"]
    assert [r["RouteKey"] for r in apis["api1"]["Routes"]] == ["GET /r1", "GET /r2"]
    assert [i["IntegrationId"] for i in apis["api1"]["Integrations"]] == ["i1", "i2"]
    assert [a["AuthorizerId"] for a in apis["api1"]["Authorizers"]] == ["au1"]
    assert "Authorizers" not in apis["api2"]  # no route of api2 uses an authorizer
    functions = {f["FunctionName"]: f for f in scope["Functions"]}
    assert list(functions) == ["f1", "f2", "f3", "unused"]
    assert functions["unused"]["Policy"] is None  # every function's policy is read, referenced or not
    assert [a["Name"] for a in functions["f2"]["Aliases"]] == ["blue", "live"]
    assert "Policy" in functions["f2"]["Aliases"][1] and "Policy" not in functions["f2"]["Aliases"][0]
    assert "secret-value" not in json.dumps(document)
    # one call per page, nothing more
    assert stats.operations == {"GetCallerIdentity": 1, "GetApis": 2, "GetDomainNames": 1, "GetRoutes": 3, "GetIntegrations": 3,
                                "GetStages": 2, "GetAuthorizers": 2, "ListFunctions": 2, "GetPolicy": 5,
                                "ListAliases": 2, "GetResources": 1, "GetRestApis": 1}
    assert stats.calls == 25
    findings = audit(document)
    assert "AGW301" not in ids(findings)
    assert "AGW302" in ids(findings)  # f1's SourceArn has a wildcard API id
    assert "AGW205" not in ids(findings) and ids(findings, Severity.HIGH) == []

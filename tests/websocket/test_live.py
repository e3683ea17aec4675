"""Live collection of WebSocket APIs (moto): route responses of two-way routes are read, then judged.

moto 5 does not implement GetRouteResponses/GetIntegrationResponses: their answers are given by a
before-call hook (what botocore's Stubber does), everything else is moto's.
"""

import boto3

from tests.live.conftest import (ACCOUNT, REGION, audit, aws, aws_env, hooked_factory, ids,  # noqa: F401
                                 make_function, snapshot)

RESPONSES: dict = {}  # RouteId -> route responses; IntegrationId -> integration responses


class _Http:
    status_code = 200
    headers: dict = {}


def _answer(model, params, **_):
    parts = params["url_path"].strip("/").split("/")  # /v2/apis/<api>/routes/<route-id>/routeresponses
    key = parts[-2]
    return _Http(), {"Items": RESPONSES.get(key, []), "ResponseMetadata": {"HTTPStatusCode": 200}}


FACTORY = hooked_factory([("apigatewayv2", None, "before-call.apigatewayv2.GetRouteResponses", _answer),
                          ("apigatewayv2", None, "before-call.apigatewayv2.GetIntegrationResponses", _answer)])


def _chat(two_way_response: bool, connect_permission: bool = True):
    arn = make_function("OnConnect")
    apigw = boto3.client("apigatewayv2", region_name=REGION)
    api_id = apigw.create_api(Name="chat", ProtocolType="WEBSOCKET",
                              RouteSelectionExpression="$request.body.action")["ApiId"]
    integration = apigw.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY",
                                           IntegrationUri=arn)["IntegrationId"]
    apigw.create_route(ApiId=api_id, RouteKey="$connect", Target=f"integrations/{integration}")
    send = apigw.create_route(ApiId=api_id, RouteKey="sendmessage", Target=f"integrations/{integration}",
                              RouteResponseSelectionExpression="$default")["RouteId"]
    RESPONSES.clear()
    if two_way_response:
        RESPONSES[send] = [{"RouteResponseId": "rr1", "RouteResponseKey": "$default"}]
    apigw.create_stage(ApiId=api_id, StageName="prod", DeploymentId="dep1")
    if connect_permission:
        boto3.client("lambda", region_name=REGION).add_permission(
            FunctionName="OnConnect", StatementId="ws", Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com", SourceArn=f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api_id}/*")
    return api_id


def test_live_websocket_api_is_collected_and_clean(aws):
    api_id = _chat(two_way_response=True)
    document, _ = snapshot(client_factory=FACTORY)
    (api,) = document["Scopes"][0]["Apis"]
    assert api["ApiId"] == api_id and api["RouteSelectionExpression"] == "$request.body.action"
    send = next(r for r in api["Routes"] if r["RouteKey"] == "sendmessage")
    assert [r["RouteResponseKey"] for r in send["RouteResponses"]] == ["$default"]
    connect = next(r for r in api["Routes"] if r["RouteKey"] == "$connect")
    assert "RouteResponses" not in connect  # one-way: not read, not needed
    assert not set(ids(audit(document))) & {"AGW130", "AGW201", "AGW230"}


def test_live_two_way_route_without_response_and_missing_connect_permission(aws):
    _chat(two_way_response=False, connect_permission=False)
    document, _ = snapshot(client_factory=FACTORY)
    found = set(ids(audit(document)))
    assert {"AGW130", "AGW201", "AGW230"} <= found


def test_live_route_responses_unreadable_is_not_collected_not_empty(aws):
    _chat(two_way_response=False)
    document, _ = snapshot()  # moto answers GetRouteResponses with an error
    send = next(r for r in document["Scopes"][0]["Apis"][0]["Routes"] if r["RouteKey"] == "sendmessage")
    assert "RouteResponses" not in send
    found = set(ids(audit(document)))
    assert "AGW130" not in found and "AGW000" in found

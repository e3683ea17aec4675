"""REST APIs collected live from moto (read-only, counted calls): each planted mistake is found at the
right method, stage or API, and the correct API audits clean."""

import json

import boto3
import pytest

from auditor.live import collect, LiveOptions
from tests.live.conftest import ACCOUNT, REGION, aws, aws_env, make_function, audit  # noqa: F401


def _uri(arn):
    return f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{arn}/invocations"


def _api(gw, name, endpoint="REGIONAL", policy=None):
    kwargs = {"endpointConfiguration": {"types": [endpoint]}}
    if policy is not None:
        kwargs["policy"] = json.dumps(policy)
    api = gw.create_rest_api(name=name, **kwargs)
    root = next(r["id"] for r in gw.get_resources(restApiId=api["id"])["items"] if r["path"] == "/")
    return api["id"], root


def _method(gw, api_id, parent, part, verb, arn, *, integration_method="POST", key=False, kind="AWS_PROXY",
            authorizer=None):
    resource_id = gw.create_resource(restApiId=api_id, parentId=parent, pathPart=part)["id"] if part else parent
    extra = {"authorizerId": authorizer} if authorizer else {}
    gw.put_method(restApiId=api_id, resourceId=resource_id, httpMethod=verb,
                  authorizationType="CUSTOM" if authorizer else "NONE", apiKeyRequired=key, **extra)
    gw.put_integration(restApiId=api_id, resourceId=resource_id, httpMethod=verb, type=kind,
                       integrationHttpMethod=integration_method, uri=_uri(arn))
    return resource_id


def _grant(lam, name, sid, source_arn):
    lam.add_permission(FunctionName=name, StatementId=sid, Action="lambda:InvokeFunction",
                       Principal="apigateway.amazonaws.com", SourceArn=source_arn)


def _arn(api_id, tail):
    return f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api_id}{tail}"


@pytest.fixture
def estate(aws):  # noqa: F811
    gw, lam = boto3.client("apigateway", region_name=REGION), boto3.client("lambda", region_name=REGION)
    good_fn, bad_fn, auth_fn = make_function("good"), make_function("unpermitted"), make_function("authfn")
    out = {}
    # 1. correct: /items GET + /items/{id} ANY, permission on the whole API, deployed to prod
    api_id, root = _api(gw, "correct")
    items = _method(gw, api_id, root, "items", "GET", good_fn)
    _method(gw, api_id, items, "{id}", "ANY", good_fn)
    legacy = _method(gw, api_id, root, "legacy", "GET", good_fn, kind="AWS")  # non-proxy, with a default response
    gw.put_method_response(restApiId=api_id, resourceId=legacy, httpMethod="GET", statusCode="200")
    gw.put_integration_response(restApiId=api_id, resourceId=legacy, httpMethod="GET", statusCode="200",
                                selectionPattern="")
    gw.create_deployment(restApiId=api_id, stageName="prod")
    _grant(lam, "good", "correct", _arn(api_id, "/*"))
    out["correct"] = api_id
    # 2. broken: no permission (AGW201), GET integration method (AGW120), a narrow grant leaves POST (AGW203),
    #    API key without usage plan (AGW122), an authorizer whose function has no permission (AGW205)
    api_id, root = _api(gw, "broken")
    pets = _method(gw, api_id, root, "pets", "GET", good_fn, integration_method="GET")
    gw.put_method(restApiId=api_id, resourceId=pets, httpMethod="POST", authorizationType="NONE")
    gw.put_integration(restApiId=api_id, resourceId=pets, httpMethod="POST", type="AWS_PROXY",
                       integrationHttpMethod="POST", uri=_uri(good_fn))
    _method(gw, api_id, root, "nope", "GET", bad_fn)
    _method(gw, api_id, root, "keyed", "GET", good_fn, key=True)
    _method(gw, api_id, root, "legacy", "GET", good_fn, kind="AWS")  # non-proxy without any integration response
    authorizer = gw.create_authorizer(restApiId=api_id, name="tok", type="TOKEN", authorizerUri=_uri(auth_fn),
                                      identitySource="method.request.header.Authorization")["id"]
    _method(gw, api_id, root, "guarded", "GET", good_fn, authorizer=authorizer)
    gw.create_deployment(restApiId=api_id, stageName="dev")
    _grant(lam, "good", "broken-narrow", _arn(api_id, "/*/GET/*"))
    out["broken"], out["authorizer"] = api_id, authorizer
    # 3. private without policy (AGW220)
    api_id, root = _api(gw, "private", endpoint="PRIVATE")
    _method(gw, api_id, root, "x", "GET", good_fn)
    _grant(lam, "good", "private", _arn(api_id, "/*"))
    out["private"] = api_id
    # 4. a resource policy that denies every POST (AGW221 on POST only)
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"},
        {"Sid": "no-post", "Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke",
         "Resource": "execute-api:/*/POST/*"}]}
    api_id, root = _api(gw, "denied", policy=policy)
    things = _method(gw, api_id, root, "things", "GET", good_fn)
    gw.put_method(restApiId=api_id, resourceId=things, httpMethod="POST", authorizationType="NONE")
    gw.put_integration(restApiId=api_id, resourceId=things, httpMethod="POST", type="AWS_PROXY",
                       integrationHttpMethod="POST", uri=_uri(good_fn))
    gw.create_deployment(restApiId=api_id, stageName="prod")
    _grant(lam, "good", "denied", _arn(api_id, "/*"))
    out["denied"] = api_id
    return out


def test_rest_estate_collected_live_finds_every_planted_mistake(estate):
    document, stats = collect(LiveOptions(regions=[REGION], progress=False))
    scope = document["Scopes"][0]
    assert {a["name"] for a in scope["RestApis"]} == {"correct", "broken", "private", "denied"}
    assert scope["UsagePlans"] == []
    findings = audit(document)
    by_api = {}
    for f in findings:
        by_api.setdefault(f.resource.api_id, set()).add((f.rule_id, f.resource.route_key or f.resource.stage or ""))
    assert estate["correct"] not in by_api  # the correct API is clean
    broken = by_api[estate["broken"]]
    assert ("AGW120", "GET /pets") in broken
    assert ("AGW203", "POST /pets") in broken
    assert ("AGW122", "dev") in broken
    assert ("AGW121", "GET /legacy") in broken
    assert any(rule == "AGW201" for rule, _ in broken)  # `unpermitted` has no permission at all
    assert ("AGW205", "") in {(r, "") for r, _ in broken if r == "AGW205"}
    assert {r for r, _ in by_api[estate["private"]]} == {"AGW220"}
    assert by_api[estate["denied"]] == {("AGW221", "POST /things")}
    # read-only, with the calls the contract names
    operations = set(stats.operations)
    assert {"GetRestApis", "GetResources", "GetStages", "GetDeployment", "GetAuthorizers", "GetGatewayResponses",
            "GetUsagePlans"} <= operations
    assert not any(op.startswith(("Create", "Put", "Update", "Delete")) for op in operations)
    assert stats.operations["GetAuthorizers"] == 1  # only the API whose methods name one
    import jsonschema
    from importlib.resources import files
    from auditor.live import dumps
    schema = json.loads(files("auditor").joinpath("schemas/snapshot.schema.json").read_text())
    jsonschema.validate(json.loads(dumps(document)), schema)  # what `apigw-auditor snapshot` writes


def test_a_usage_plan_on_the_stage_clears_agw122(estate):
    gw = boto3.client("apigateway", region_name=REGION)
    gw.create_usage_plan(name="plan", apiStages=[{"apiId": estate["broken"], "stage": "dev"}])
    document, _ = collect(LiveOptions(regions=[REGION], progress=False))
    assert not [f for f in audit(document) if f.rule_id == "AGW122"]


def test_failed_rest_listing_is_agw000_not_clean(estate, monkeypatch):
    from tests.live.conftest import hooked_factory, error_response

    def deny(**_):
        return error_response(403, "AccessDeniedException", "not allowed")
    document, _ = collect(LiveOptions(regions=[REGION], progress=False, client_factory=hooked_factory(
        [("apigateway", None, "before-send.api-gateway.GetResources", deny)])))
    findings = audit(document)
    assert "AGW000" in {f.rule_id for f in findings}
    assert not [f for f in findings if f.rule_id == "AGW201"]  # methods not collected: nothing judged on them


def test_api_id_narrows_to_a_rest_api_without_a_v2_error(estate):
    document, _ = collect(LiveOptions(regions=[REGION], progress=False, api_ids=[estate["broken"]]))
    [scope] = document["Scopes"]
    assert [a["id"] for a in scope["RestApis"]] == [estate["broken"]]
    assert scope["Errors"] == [] and scope["Apis"] == []
    assert "AGW120" in {f.rule_id for f in audit(document)}

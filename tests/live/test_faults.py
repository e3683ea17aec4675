"""Faults do not abort a run: they are recorded, the scope is incomplete, and the audit says AGW000.
Errors are injected with botocore event hooks in front of moto."""

import boto3
import pytest

from auditor.findings import Severity
from auditor.live import MAX_ATTEMPTS
from tests.live.conftest import REGION, audit, build_seed, error_response, hooked_factory, ids, snapshot


@pytest.fixture
def no_sleep(monkeypatch):
    """botocore's retry backoff sleeps; record the sleeps instead of waiting them out."""
    import botocore.endpoint
    slept = []
    monkeypatch.setattr(botocore.endpoint.time, "sleep", slept.append)
    return slept


def failing(status, code, times=None, only=lambda request: True):
    state = {"sent": 0}

    def handler(request, **_):
        if only(request) and (times is None or state["sent"] < times):
            state["sent"] += 1
            return error_response(status, code, f"injected {code}")
        return None
    handler.state = state
    return handler


def two_apis():
    seed = build_seed()
    apigw = boto3.client("apigatewayv2", region_name=REGION)
    other = apigw.create_api(Name="other", ProtocolType="HTTP")["ApiId"]
    apigw.create_stage(ApiId=other, StageName="$default", AutoDeploy=True)
    integration = apigw.create_integration(ApiId=other, IntegrationType="AWS_PROXY", PayloadFormatVersion="1.0",
                                           IntegrationUri=seed["function_arn"])["IntegrationId"]
    apigw.create_route(ApiId=other, RouteKey="GET /other", Target=f"integrations/{integration}")
    return seed, other


def _text(body) -> str:
    return body.decode() if isinstance(body, bytes) else str(body or "")


def agw000(findings):
    return [f for f in findings if f.rule_id == "AGW000" and f.severity >= Severity.MEDIUM]


def test_access_denied_on_one_api_keeps_the_rest(aws):
    seed, other = two_apis()
    deny = failing(403, "AccessDeniedException", only=lambda r: f"/apis/{other}/routes" in r.url)
    document, stats = snapshot(client_factory=hooked_factory(
        [("apigatewayv2", None, "before-send.apigatewayv2.GetRoutes", deny)]))
    [scope] = document["Scopes"]
    assert scope["Complete"] is False
    assert scope["Errors"] == [{"Operation": "GetRoutes", "Resource": other, "Code": "AccessDeniedException",
                                "Message": "injected AccessDeniedException"}]
    apis = {a["ApiId"]: a for a in scope["Apis"]}
    assert "Routes" not in apis[other] and apis[other]["Integrations"]  # the rest of that API is there
    assert len(apis[seed["api_id"]]["Routes"]) == 4
    findings = audit(document)
    [denied] = agw000(findings)
    assert "GetRoutes" in denied.message and "AccessDeniedException" in denied.message
    assert "AGW111" in ids(findings)  # the other API's integration is still judged
    assert deny.state["sent"] == 1  # AccessDenied is not retried


def test_access_denied_on_get_policy_is_not_a_missing_permission(aws):
    build_seed()
    deny = failing(403, "AccessDeniedException")
    document, _ = snapshot(client_factory=hooked_factory([("lambda", None, "before-send.lambda.GetPolicy", deny)]))
    [scope] = document["Scopes"]
    assert scope["Functions"] == [] and scope["Complete"] is False
    findings = audit(document)
    assert "AGW201" not in ids(findings)  # unknown policy, not "no permission"
    assert [e["Operation"] for e in scope["Errors"]] == ["GetPolicy"]
    assert any("not in the snapshot" in f.message for f in findings if f.rule_id == "AGW000")
    assert agw000(findings)


def test_list_functions_denied_falls_back_to_the_referenced_functions(aws):
    build_seed(permission=False)
    deny = failing(403, "AccessDeniedException")
    document, stats = snapshot(client_factory=hooked_factory([("lambda", None, "before-send.lambda.ListFunctions", deny)]))
    [scope] = document["Scopes"]
    assert [e["Operation"] for e in scope["Errors"]] == ["ListFunctions"]
    assert [f["FunctionName"] for f in scope["Functions"]] == ["my-frontend-app-api"]
    assert stats.operations["GetFunctionConfiguration"] == 1
    assert {"AGW000", "AGW201"} <= set(ids(audit(document)))


def test_throttling_is_retried_adaptively(aws, no_sleep):
    build_seed()
    throttle = failing(429, "TooManyRequestsException", times=2)
    document, stats = snapshot(client_factory=hooked_factory([("apigatewayv2", None, "before-send.apigatewayv2.GetApis", throttle)]))
    [scope] = document["Scopes"]
    assert scope["Complete"] is True and scope["Errors"] == []
    assert throttle.state["sent"] == 2
    assert stats.operations["GetApis"] == 1
    assert stats.attempts == stats.calls + 2  # two retries, each after a backoff
    assert len([s for s in no_sleep if s > 0]) >= 2
    assert ids(audit(document), Severity.MEDIUM) == []


def test_throttling_that_never_ends_is_recorded(aws, no_sleep):
    seed, other = two_apis()
    throttle = failing(429, "TooManyRequestsException", only=lambda r: f"/apis/{other}/stages" in r.url)
    document, stats = snapshot(client_factory=hooked_factory([("apigatewayv2", None, "before-send.apigatewayv2.GetStages", throttle)]))
    [scope] = document["Scopes"]
    assert throttle.state["sent"] == MAX_ATTEMPTS
    assert [(e["Operation"], e["Resource"], e["Code"]) for e in scope["Errors"]] == [("GetStages", other, "TooManyRequestsException")]
    apis = {a["ApiId"]: a for a in scope["Apis"]}
    assert "Stages" not in apis[other] and apis[seed["api_id"]]["Stages"]
    assert agw000(audit(document))


def test_server_errors_are_retried(aws, no_sleep):
    build_seed()
    flaky = failing(503, "ServiceUnavailableException", times=1)
    document, stats = snapshot(client_factory=hooked_factory([("lambda", None, "before-send.lambda.ListFunctions", flaky)]))
    assert document["Scopes"][0]["Complete"] is True
    assert flaky.state["sent"] == 1 and len(document["Scopes"][0]["Functions"]) == 1


def test_api_deleted_mid_run(aws):
    seed, other = two_apis()

    def delete_after_listing(**_):
        boto3.client("apigatewayv2", region_name=REGION).delete_api(ApiId=other)
    document, _ = snapshot(max_workers=1, client_factory=hooked_factory(
        [("apigatewayv2", None, "after-call.apigatewayv2.GetApis", delete_after_listing)]))
    [scope] = document["Scopes"]
    assert {(e["Operation"], e["Resource"], e["Code"]) for e in scope["Errors"]} == {
        (op, other, "NotFoundException") for op in ("GetRoutes", "GetIntegrations", "GetStages")}
    assert scope["Complete"] is False
    apis = {a["ApiId"]: a for a in scope["Apis"]}
    assert len(apis[seed["api_id"]]["Routes"]) == 4
    assert len(agw000(audit(document))) == 3


def test_region_not_enabled_does_not_stop_the_others(aws):
    build_seed()
    rejected = failing(403, "UnrecognizedClientException")
    hooks = [(service, "ap-east-1", f"before-send.{service}", rejected)
             for service in ("apigatewayv2", "lambda", "resourcegroupstaggingapi")]
    document, _ = snapshot(regions=[REGION, "ap-east-1"], client_factory=hooked_factory(hooks))
    scopes = {s["Region"]: s for s in document["Scopes"]}
    assert scopes[REGION]["Complete"] is True and len(scopes[REGION]["Apis"]) == 1
    assert scopes["ap-east-1"]["Complete"] is False
    assert {e["Operation"] for e in scopes["ap-east-1"]["Errors"]} == {"GetApis", "ListFunctions", "tag:GetResources"}
    findings = audit(document)
    assert {f.resource.region for f in agw000(findings)} == {"ap-east-1"}


def test_role_that_cannot_be_assumed(aws):
    build_seed()
    deny = failing(403, "AccessDenied", only=lambda r: "222222222222" in _text(r.body))
    # sts speaks the query protocol: its errors are XML
    from botocore.awsrequest import AWSResponse
    from tests.live.conftest import _Body

    def sts_deny(request, **kwargs):
        if deny(request, **kwargs) is None:
            return None
        body = (b"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
                b"<Message>not authorized to perform sts:AssumeRole</Message></Error></ErrorResponse>")
        return AWSResponse("https://injected.invalid/", 403, {}, _Body(body))
    roles = ["arn:aws:iam::123456789012:role/auditor", "arn:aws:iam::222222222222:role/auditor"]
    document, _ = snapshot(role_arns=roles, client_factory=hooked_factory(
        [("sts", None, "before-send.sts.AssumeRole", sts_deny)]))
    scopes = {s["AccountId"]: s for s in document["Scopes"]}
    assert scopes["123456789012"]["Complete"] is True and len(scopes["123456789012"]["Apis"]) == 1
    assert scopes["222222222222"]["Complete"] is False
    assert [(e["Operation"], e["Code"]) for e in scopes["222222222222"]["Errors"]] == [("AssumeRole", "AccessDenied")]
    assert [f.resource.account for f in agw000(audit(document))] == ["222222222222"]


def test_unreadable_tags_cost_only_suppressions(aws):
    build_seed()
    deny = failing(403, "AccessDeniedException")
    document, _ = snapshot(client_factory=hooked_factory(
        [("resourcegroupstaggingapi", None, "before-send.resourcegroupstaggingapi.GetResources", deny)]))
    [scope] = document["Scopes"]
    assert scope["Complete"] is True  # every API and function is there: AGW114/AGW402 may still conclude
    assert [e["Operation"] for e in scope["Errors"]] == ["tag:GetResources"]
    findings = audit(document)
    [note] = [f for f in findings if f.rule_id == "AGW000"]
    assert note.severity == Severity.LOW and "suppression tags on functions were not (all) read" in note.message

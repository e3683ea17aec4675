"""Live collection when a proxy or a broken endpoint answers with something that is not the API's
response (issue 14, defect 5): that scope is AGW000 and incomplete, never a clean result or a traceback.
moto serves AWS; botocore before-send hooks replace one answer with the malformed body."""

import pytest

from auditor.cli import main
from tests.live.conftest import (REGION, _Body, audit, aws, aws_env, build_seed, hooked_factory,  # noqa: F401
                                 snapshot)


def answer(body: bytes, content_type: str, status: int = 200):
    def handler(request, **_):
        from botocore.awsrequest import AWSResponse
        return AWSResponse("https://proxy.invalid/", status, {"Content-Type": content_type}, _Body(body))
    return handler


HTML = b"<html><body><h1>Corporate proxy: please log in</h1></body></html>"


def collect_with(service, event, handler, **options):
    return snapshot(client_factory=hooked_factory([(service, None, event, handler)]), **options)


def agw000(document):
    return [f for f in audit(document) if f.rule_id == "AGW000"]


@pytest.mark.parametrize("operation, body, content_type", [
    ("GetApis", HTML, "text/html"),
    ("GetRoutes", HTML, "text/html"),
    ("GetStages", b"\x00\xffgarbage", "application/json"),
    ("GetStages", b'{"items": ["not an object", 3]}', "application/json"),
    ("GetIntegrations", b'{"items": [{"IntegrationType": "AWS_PROXY"}]}', "application/json"),
])
def test_api_gateway_answers_that_do_not_parse_are_agw000(aws, operation, body, content_type):
    build_seed()
    document, _ = collect_with("apigatewayv2", f"before-send.apigatewayv2.{operation}", answer(body, content_type))
    [scope] = document["Scopes"]
    assert scope["Complete"] is False
    [error] = scope["Errors"]
    assert error["Operation"] == operation and error["Code"] == "MalformedResponse", error
    assert any(operation in f.message for f in agw000(document))
    if operation == "GetStages":  # no stage list was read: no false "API has no stage" (AGW105)
        assert "AGW105" not in {f.rule_id for f in audit(document)}


@pytest.mark.parametrize("body", [b"{}", b'{"Policy": 42}', HTML])
def test_get_policy_answer_without_a_policy_is_agw000(aws, body):
    seed = build_seed()
    document, _ = collect_with("lambda", "before-send.lambda.GetPolicy", answer(body, "application/json"))
    [scope] = document["Scopes"]
    assert scope["Complete"] is False
    assert [e["Operation"] for e in scope["Errors"]] == ["GetPolicy"]
    assert scope["Errors"][0]["Code"] == "MalformedResponse"
    findings = audit(document)
    assert "AGW201" not in {f.rule_id for f in findings}  # an unreadable policy is not a missing permission
    assert any(seed["function_arn"] in f.message for f in findings if f.rule_id == "AGW000")


@pytest.mark.parametrize("body", [HTML, b"<GetCallerIdentityResponse><nothing/></GetCallerIdentityResponse>"])
def test_sts_answer_that_does_not_parse_is_one_line(aws, capsys, monkeypatch, body):
    build_seed()
    from auditor import live
    original = live.Collector._client

    def hooked(self, session, service, region):
        client = original(self, session, service, region)
        if service == "sts":
            client.meta.events.register_first("before-send.sts.GetCallerIdentity", answer(body, "text/xml"))
        return client
    monkeypatch.setattr(live.Collector, "_client", hooked)
    code = main(["audit", "--live", "--region", REGION])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    [line] = err.strip().splitlines()
    assert "sts:GetCallerIdentity" in line and "not a valid AWS answer" in line


def test_list_regions_failure_notice_is_one_short_line(aws):
    build_seed()
    page = b"<html><head><title>502 Bad Gateway</title></head><body>" + b"<p>upstream error</p>" * 200 + b"</body></html>"
    _, stats = collect_with("ec2", "before-send.ec2.DescribeRegions", answer(page, "text/html", 502),
                            regions=None, all_regions=True)
    [notice] = [n for n in stats.notices if "DescribeRegions" in n]
    assert "<" not in notice and "\n" not in notice and len(notice) < 400, notice

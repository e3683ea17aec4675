"""The shortcuts that keep 100,000-route audits fast must answer exactly as the general code does:
the loader's shape check, the add-permission statement reader, and the whole-API grant verdict."""

import contextlib
import io
import json

import pytest
from hypothesis import given, settings, strategies as st

from auditor.core.analysis import Grants, Index
from auditor.core.policy import _read_add_permission, _read_general, read_add_permission_policy, read_statement
from auditor.snapshot import read_snapshot_document
from tests.seed import API_ARN, FUNCTION_ARN, Seed, audit_document, grant


def _audit(tmp_path, capsys, doc) -> tuple[int, str]:
    """(exit code, stderr) of `apigw-auditor audit` on a document."""
    from auditor.cli import main
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(doc))
    capsys.readouterr()
    code = main(["audit", str(path), "--format", "json"])
    return code, capsys.readouterr().err


def _many_routes(seed: Seed, count: int = 5) -> None:
    for n in range(count):
        seed.add_route(f"GET /extra{n}")


@pytest.mark.parametrize("break_it, path, message", [
    (lambda s: s.api["Routes"][4].update(RouteKey=5), "Apis[0].Routes[4].RouteKey", "expected a string"),
    (lambda s: s.api["Routes"].insert(3, "GET /x"), "Apis[0].Routes[3]", "expected an object, got a string"),
    (lambda s: s.api["Routes"][5].update(Target=["integrations/a1b2c3"]), "Apis[0].Routes[5].Target", "expected a string"),
    (lambda s: s.api["Routes"][2].pop("RouteKey"), "Apis[0].Routes[2]", "required key 'RouteKey' is missing"),
    (lambda s: s.api["Routes"][6].update(AuthorizationType=False), "Apis[0].Routes[6].AuthorizationType",
     "expected a string, got a boolean"),
    (lambda s: s.integration.update(IntegrationUri=5), "Apis[0].Integrations[0].IntegrationUri", "expected a string"),
    (lambda s: s.api["Stages"][0].update(AccessLogSettings=["x"]), "Apis[0].Stages[0].AccessLogSettings",
     "expected an object, got a list"),
    (lambda s: s.api["Stages"][0].update(AccessLogSettings={"DestinationArn": 5}),
     "Apis[0].Stages[0].AccessLogSettings.DestinationArn", "expected a string"),
    (lambda s: s.api["Stages"][0].update(AutoDeploy="yes"), "Apis[0].Stages[0].AutoDeploy", "expected a boolean"),
    (lambda s: s.api.update(Authorizers=[{"AuthorizerId": "a"}, {"AuthorizerId": "b", "Name": 5}]),
     "Apis[0].Authorizers[1].Name", "expected a string"),
    (lambda s: s.scope["Functions"].append({"FunctionArn": FUNCTION_ARN + "2", "Timeout": "10"}),
     "Functions[1].Timeout", "expected an integer"),
])
def test_a_bad_item_after_good_ones_is_named(tmp_path, capsys, break_it, path, message):
    """Items are checked by the tuple of their field types, remembered once valid: a later item with
    another tuple must still be checked and named."""
    seed = Seed()
    _many_routes(seed)
    assert _audit(tmp_path, capsys, seed.doc)[0] == 0
    break_it(seed)
    code, error = _audit(tmp_path, capsys, seed.doc)
    assert code == 2 and f"$.Scopes[0].{path}: {message}" in error and "Traceback" not in error


def _policy_error(tmp_path, capsys, text: str) -> tuple[int, str]:
    seed = Seed()
    seed.function["Policy"] = text
    return _audit(tmp_path, capsys, seed.doc)


def test_policy_strings_are_json_exactly(tmp_path, capsys):
    text = Seed().function["Policy"]
    assert _policy_error(tmp_path, capsys, f" \n{text}\t ")[0] == 0  # JSON allows whitespace around a value
    for bad, said in ((text + " x", "Extra data"), (text[:-1], "Expecting"), ("\x0b" + text, "Expecting value")):
        code, error = _policy_error(tmp_path, capsys, bad)
        assert code == 2 and "Functions[0].Policy: Policy is a string but not JSON" in error and said in error


values = st.one_of(st.none(), st.integers(0, 2), st.text("ab*:", max_size=4), st.lists(st.sampled_from(["a", "*"]), max_size=2))
source_keys = st.sampled_from(["AWS:SourceArn", "aws:sourcearn", "AWS:SourceAccount", "lambda:InvokedViaFunctionUrl"])
statements = st.fixed_dictionaries({}, optional={
    "Sid": st.one_of(st.just("s1"), values),
    "Effect": st.sampled_from(["Allow", "Deny", 1]),
    "Principal": st.one_of(st.just("*"), st.fixed_dictionaries(
        {}, optional={"Service": st.sampled_from(["apigateway.amazonaws.com", "lambda.amazonaws.com", ["x"]]),
                      "AWS": st.sampled_from(["*", "arn:aws:iam::1:root"])})),
    "Action": st.sampled_from(["lambda:InvokeFunction", "lambda:*", "*", "lambda:GetFunction",
                               ["lambda:InvokeFunction"], "LAMBDA:invokefunction"]),
    "Resource": st.sampled_from([FUNCTION_ARN, FUNCTION_ARN + ":live", "*", [FUNCTION_ARN]]),
    "Condition": st.dictionaries(st.sampled_from(["ArnLike", "StringEquals", "ArnNotLike", "Bool"]),
                                 st.dictionaries(source_keys, st.one_of(st.just(API_ARN + "/*"), values),
                                                 max_size=2), max_size=2),
})


@settings(max_examples=400, deadline=None)
@given(raw=statements)
def test_the_add_permission_reader_agrees_with_the_general_one(raw):
    plain = _read_add_permission(raw, "$.p")
    assert plain is None or plain == _read_general(raw, "$.p") == read_statement(raw, "$.p")


def test_the_add_permission_reader_takes_what_add_permission_writes():
    assert _read_add_permission(grant(API_ARN + "/*"), "$.p") == _read_general(grant(API_ARN + "/*"), "$.p")


policy_statements = st.lists(st.sampled_from([
    grant(API_ARN + "/*"),
    grant(API_ARN + "/*/GET/*", sid="get-only"),
    grant("arn:aws:execute-api:us-east-1:123456789012:other0api1/*", sid="other"),
    grant(API_ARN + "/*", sid="alias", resource=FUNCTION_ARN + ":live"),
    {**grant(API_ARN + "/*/POST/*", sid="deny-post"), "Effect": "Deny"},
    {**grant(API_ARN + "/*", sid="deny-elsewhere"), "Effect": "Deny", "Resource": FUNCTION_ARN + ":other"},
    grant(API_ARN + "/*", sid="account", condition={"ArnLike": {"AWS:SourceArn": API_ARN + "/*"},
                                                    "StringEquals": {"AWS:SourceAccount": "999999999999"}}),
    grant(sid="any-api"),
]), max_size=4)


@settings(max_examples=300, deadline=None)
@given(chosen=policy_statements)
def test_the_whole_api_shortcut_agrees_with_the_statement_by_statement_verdict(chosen):
    seed = Seed()
    seed.set_statements([{**s, "Sid": f"{s['Sid']}-{n}"} for n, s in enumerate(chosen)])
    snapshot = read_snapshot_document(seed.doc, "generated.json")
    index = Index(snapshot)
    (check,) = index.permission_checks
    if check.whole_api:
        grants = Grants(check.function.statements, check.ref.arn, check.api)
        assert grants.names_api and grants.covers_whole_api and check.status == "ok"
        assert all(coverage.verdict == "allowed" for coverage in check.coverage)
    assert check.whole_api == (grant(API_ARN + "/*") in chosen
                               and not any(s["Effect"] == "Deny" for s in chosen))


def test_json_report_puts_each_finding_on_one_line(tmp_path, capsys):
    seed = Seed()
    seed.set_statements([])
    code, report = audit_document(tmp_path, capsys, seed.doc)
    text = (tmp_path / "out.json")
    from auditor.cli import main
    main(["audit", str(tmp_path / "snapshot.json"), "--format", "json", "--output", str(text), "--fail-on", "never"])
    lines = text.read_text().splitlines()
    finding_lines = [line for line in lines if line.lstrip().startswith('{"rule_id"')]
    assert len(finding_lines) == len(report["findings"]) > 0
    assert [json.loads(line.strip().rstrip(",")) for line in finding_lines] == report["findings"]


# Regressions found by comparing this version with the one before the speed work, input by input.

def _report(tmp_path, capsys, doc):
    code, report = audit_document(tmp_path, capsys, doc)
    return code, {(f["rule_id"], f["resource"].get("route_key"), f["resource"].get("function_arn")) for f in report["findings"]}


def test_a_grant_in_another_functions_policy_does_not_count(tmp_path, capsys):
    """Each function's own policy decides: a statement naming fnB in fnA's policy does not let API Gateway call fnB."""
    seed = Seed()
    other = FUNCTION_ARN + "-b"
    seed.scope["Functions"].append({"FunctionName": "my-frontend-app-api-b", "FunctionArn": other, "Timeout": 3})
    seed.set_statements(seed.statements() + [grant(API_ARN + "/*", sid="for-b", resource=other)])
    seed.integration["IntegrationUri"] = other
    code, found = _report(tmp_path, capsys, seed.doc)
    assert code == 1 and ("AGW201", None, other) in found


def test_the_copy_of_a_function_the_audit_uses_is_the_one_whose_policy_counts(tmp_path, capsys):
    seed = Seed()
    seed.doc["Scopes"].append({"AccountId": seed.scope["AccountId"], "Region": seed.scope["Region"],
                               "Functions": [{**seed.function, "Policy": None}]})
    code, found = _report(tmp_path, capsys, seed.doc)
    assert code == 1 and ("AGW201", None, FUNCTION_ARN) in found


def test_routes_sharing_an_unresolved_target_are_each_judged_by_their_own_hint(tmp_path, capsys):
    seed = Seed()
    other = {"ApiId": "other00001", "Name": "other", "ProtocolType": "HTTP",
             "Routes": [{"RouteId": "o1", "RouteKey": "GET /o", "Target": "integrations/foreign1"}],
             "Integrations": [{"IntegrationId": "foreign1", "IntegrationType": "AWS_PROXY",
                               "IntegrationUri": FUNCTION_ARN, "PayloadFormatVersion": "2.0"}],
             "Stages": [{"StageName": "$default", "AutoDeploy": True}]}
    seed.scope["Apis"].append(other)
    target = "${unresolved:aws_apigatewayv2_route.x.target}"
    seed.api["Routes"] = [
        {"RouteId": "r1", "RouteKey": "GET /a", "Target": target, "TargetIntegrationId": "foreign1"},
        {"RouteId": "r2", "RouteKey": "GET /b", "Target": target, "TargetIntegrationId": "a1b2c3"}]
    verdicts = []
    for _ in range(2):
        code, found = _report(tmp_path, capsys, seed.doc)
        verdicts.append({(rule, key) for rule, key, _ in found if rule in ("AGW000", "AGW102", "AGW401")})
        seed.api["Routes"].reverse()
    assert verdicts[0] == verdicts[1]
    assert ("AGW102", "GET /a") in verdicts[0] and ("AGW000", "GET /b") in verdicts[0]
    assert not any(rule == "AGW401" for rule, _ in verdicts[0])  # GET /b's hint names a1b2c3: it is used


def test_a_permission_naming_an_imported_api_is_not_taken_as_checked(tmp_path):
    """The permission's SourceArn and the route's API are the same import: equal texts, but not a checked grant."""
    from auditor.cli import main
    from tests.seed import ROOT
    fixture = (ROOT / "tests" / "iac" / "fixtures" / "misc" / "imported-api.cfn.yaml").read_text()
    template = tmp_path / "imported.cfn.yaml"
    template.write_text(fixture.replace("  Permission:\n", "  Route:\n    Type: AWS::ApiGatewayV2::Route\n"
                                        "    Properties: {ApiId: !ImportValue shared-api-id, RouteKey: GET /items, "
                                        "Target: !Sub \"integrations/${Integration}\"}\n  Permission:\n", 1))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["audit", str(template), "--format", "json", "--fail-on", "never"])
    messages = [f["message"] for f in json.loads(out.getvalue())["findings"] if f["rule_id"] == "AGW000"]
    assert any("names an API or function through a value not known before deployment" in m for m in messages)


def test_a_null_condition_is_no_condition(tmp_path, capsys):
    seed = Seed()
    seed.set_statements([{**grant(), "Condition": None}])
    code, found = _report(tmp_path, capsys, seed.doc)
    assert code == 1 and ("AGW301", None, FUNCTION_ARN) in found


def _by_dicts(text: str) -> list:
    """The policy read as a document, statement by statement (the general path)."""
    document = json.loads(text)
    return [read_statement(raw, f"$.p.Statement[{n}]") for n, raw in enumerate(document["Statement"])]


@settings(max_examples=400, deadline=None)
@given(chosen=st.lists(st.one_of(statements, st.sampled_from([
    grant(API_ARN + "/*"), grant(API_ARN + "/*/GET/*", sid="get"), {**grant(API_ARN + "/*"), "Effect": "Deny"},
    {**grant(API_ARN + "/*"), "Principal": {"Service": "lambda.amazonaws.com"}}])), max_size=3), extra=st.sampled_from(["", ', "Version": "2012-10-17"',
                                                                        ', "Id": 5', ', "Statement": []']))
def test_the_typed_policy_reader_agrees_with_the_document_reader(chosen, extra):
    """A policy string decoded straight into add-permission statements (msgspec) reads exactly as the same
    string parsed and read statement by statement; any other policy is left to that path (None)."""
    text = '{"Statement": ' + json.dumps(chosen) + extra + "}"
    typed = read_add_permission_policy(text, "$.p")
    if typed is not None:
        assert typed == _by_dicts(text)
        assert all(_read_add_permission(raw, "$.p") is not None for raw in json.loads(text)["Statement"])


def test_the_typed_policy_reader_takes_what_add_permission_writes():
    text = json.dumps({"Version": "2012-10-17", "Id": "default",
                       "Statement": [grant(API_ARN + "/*"), grant(API_ARN + "/*/GET/*", sid="get")]})
    assert read_add_permission_policy(text, "$.p") == _by_dicts(text)
    for other in ({**grant(API_ARN + "/*"), "NotPrincipal": {"AWS": "x"}},
                  grant(API_ARN + "/*", condition={"ArnLike": {"AWS:SourceArn": API_ARN + "/*"},
                                                   "StringEquals": {"AWS:SourceAccount": "123456789012"}})):
        assert read_add_permission_policy(json.dumps({"Statement": [other]}), "$.p") is None

"""AGW210: roles API Gateway must assume (integration CredentialsArn, authorizer AuthorizerCredentialsArn).

The seed's correct snapshot with its integration switched to a credentials role, the role's trust
policy given in the scope's `Roles` (iam:GetRole's shape); audit and explain must agree.
"""

import json
import shlex
from pathlib import Path
from urllib.parse import quote

import pytest

from auditor.cli import main
from tests.seed import ACCOUNT, API_ID

ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/service-role/items-invoke"
FIXTURES = Path(__file__).resolve().parents[1] / "iac" / "fixtures" / "roles"
LAMBDA_ONLY = [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]
APIGATEWAY = [{"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole"}]


def with_role(seed, statements, encoded=False, on="integration"):
    document = {"Version": "2012-10-17", "Statement": statements}
    seed.scope["Roles"] = [{"RoleName": "items-invoke", "Arn": ROLE_ARN,
                            "AssumeRolePolicyDocument": quote(json.dumps(document)) if encoded else document}]
    if on == "integration":
        seed.integration["CredentialsArn"] = ROLE_ARN
    return seed.doc


def agw210(report):
    return [f for f in report["findings"] if f["rule_id"] == "AGW210"]


def test_a_role_trusting_only_lambda_is_high_with_the_exact_fix(seed, audit):
    [finding] = agw210(audit(with_role(seed, LAMBDA_ONLY)))
    assert finding["severity"] == "high"
    assert "lambda.amazonaws.com" in finding["message"] and "GET /items" in finding["message"]
    assert finding["location"]["path"] == "$.Scopes[0].Roles[0]"
    words = shlex.split(finding["remediation"])
    assert words[:5] == ["aws", "iam", "update-assume-role-policy", "--role-name", "items-invoke"]
    fixed = json.loads(words[words.index("--policy-document") + 1])
    assert fixed["Statement"] == LAMBDA_ONLY + APIGATEWAY  # the old statements kept, API Gateway added


@pytest.mark.parametrize("statements", [
    APIGATEWAY,
    [{"Effect": "Allow", "Principal": {"Service": ["lambda.amazonaws.com", "apigateway.amazonaws.com"]},
      "Action": ["sts:AssumeRole", "sts:TagSession"]}],
    [{"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:*",
      "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}}],  # a condition we cannot judge: met
    [{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}],
    [{"Effect": "Allow", "NotPrincipal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],  # unknown
    [APIGATEWAY[0], {"Effect": "Deny", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole",
                     "Condition": {"StringNotEquals": {"aws:SourceAccount": ACCOUNT}}}],  # a conditional Deny
])
def test_a_role_api_gateway_may_assume_or_that_is_beyond_the_model_is_not_reported(seed, audit, statements):
    assert agw210(audit(with_role(seed, statements))) == []


def test_the_url_encoded_string_iam_returns_is_read(seed, audit):
    assert len(agw210(audit(with_role(seed, LAMBDA_ONLY, encoded=True)))) == 1
    assert agw210(audit(with_role(seed, APIGATEWAY, encoded=True))) == []


def test_an_unconditional_deny_refuses_and_the_fix_drops_it(seed, audit):
    deny = {"Effect": "Deny", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole"}
    [finding] = agw210(audit(with_role(seed, APIGATEWAY + [deny])))
    words = shlex.split(finding["remediation"])
    assert deny not in json.loads(words[words.index("--policy-document") + 1])["Statement"]


def test_a_role_missing_from_the_input_is_never_a_false_high(seed, audit):
    seed.integration["CredentialsArn"] = ROLE_ARN
    report = audit(seed.doc)
    assert agw210(report) == [] and not [f for f in report["findings"] if f["severity"] in ("high", "critical")]


def test_an_integration_no_route_reaches_is_not_reported(seed, audit):
    doc = with_role(seed, LAMBDA_ONLY)
    seed.api["Routes"] = []
    assert agw210(audit(doc)) == []


def test_an_authorizer_role_is_judged_only_when_a_route_uses_the_authorizer(seed, audit):
    doc = with_role(seed, LAMBDA_ONLY, on="authorizer")
    seed.api["Authorizers"] = [{"AuthorizerId": "au1", "Name": "token", "AuthorizerType": "REQUEST",
                                "AuthorizerUri": seed.integration["IntegrationUri"], "AuthorizerCredentialsArn": ROLE_ARN}]
    assert agw210(audit(doc)) == []
    seed.route("GET /items").update(AuthorizationType="CUSTOM", AuthorizerId="au1")
    [finding] = agw210(audit(doc))
    assert finding["resource"]["authorizer_id"] == "au1" and "GET /items" in finding["message"]


def test_a_malformed_trust_policy_is_a_clear_input_error(seed, tmp_path, capsys):
    doc = with_role(seed, LAMBDA_ONLY)
    seed.scope["Roles"][0]["AssumeRolePolicyDocument"] = "{not json"
    path = tmp_path / "snap.json"
    path.write_text(json.dumps(doc))
    assert main(["audit", str(path)]) == 2
    err = capsys.readouterr().err
    assert "$.Scopes[0].Roles[0].AssumeRolePolicyDocument" in err and "Traceback" not in err


def _explain(tmp_path, capsys, doc, *request):
    path = tmp_path / "snap.json"
    path.write_text(json.dumps(doc))
    main(["explain", str(path), "--api", API_ID, "--format", "json", *request])
    return json.loads(capsys.readouterr().out)["verdict"]


def test_explain_predicts_500_for_a_role_api_gateway_cannot_assume(seed, tmp_path, capsys):
    verdict = _explain(tmp_path, capsys, with_role(seed, LAMBDA_ONLY), "GET", "/items")
    assert verdict["status"] == 500 and verdict["rule_id"] == "AGW210" and verdict["fix"].startswith("aws iam")
    trusted = _explain(tmp_path, capsys, with_role(seed, APIGATEWAY), "GET", "/items")
    assert trusted["reaches"] and trusted["rule_id"] is None


@pytest.mark.parametrize("template, expected", [
    ("credentials-lambda-role.cfn.yaml", 1),  # the function's execution role reused as CredentialsArn
    ("authorizer-lambda-role.sam.yaml", 1),  # FunctionInvokeRole: the role SAM generates for the authorizer
    ("credentials-apigateway-role.cfn.yaml", 0),
])
def test_templates_roles_are_read(capsys, template, expected):
    assert main(["audit", str(FIXTURES / template), "--format", "json", "--fail-on", "never"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert len(agw210(report)) == expected
    assert not [f for f in report["findings"] if f["severity"] == "high" and f["rule_id"] != "AGW210"]


def test_a_role_held_twice_with_different_trust_is_reported_once_and_resolved_whatever_the_order(
        seed, tmp_path, capsys):
    older, newer = tmp_path / "2026-11-01.json", tmp_path / "2026-11-29.json"
    older.write_text(json.dumps(with_role(seed, APIGATEWAY)))
    newer.write_text(json.dumps(with_role(seed, LAMBDA_ONLY)))
    reports = []
    for order in ((older, newer), (newer, older)):
        main(["audit", *map(str, order), "--format", "json", "--fail-on", "never"])
        reports.append(json.loads(capsys.readouterr().out)["findings"])
    assert reports[0] == reports[1]
    [conflict] = [f for f in reports[0] if f["rule_id"] == "AGW000" and "twice" in f["message"]]
    assert f"Role {ROLE_ARN}" in conflict["message"] and str(older) in conflict["message"]
    assert len(agw210({"findings": reports[0]})) == 1  # the newer file's copy is judged


@pytest.mark.parametrize("trust, expected", [(LAMBDA_ONLY, 1), (APIGATEWAY, 0)])
def test_terraform_plans_roles_are_read(tmp_path, capsys, trust, expected):
    plan = json.loads((FIXTURES.parent / "seed" / "correct.tfplan.json").read_text())
    arn = f"arn:aws:iam::{ACCOUNT}:role/items-invoke"
    role = {"address": "aws_iam_role.invoke", "mode": "managed", "type": "aws_iam_role", "name": "invoke",
            "values": {"name": "items-invoke", "arn": arn,
                       "assume_role_policy": json.dumps({"Version": "2012-10-17", "Statement": trust})}}
    resources = plan["planned_values"]["root_module"]["resources"]
    resources.append(role)
    next(r for r in resources if r["type"] == "aws_apigatewayv2_integration")["values"]["credentials_arn"] = arn
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    assert main(["audit", str(path), "--format", "json", "--fail-on", "never"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert len(agw210(report)) == expected
    assert all("in aws_iam_role.invoke, add to assume_role_policy" in f["remediation"] for f in agw210(report))

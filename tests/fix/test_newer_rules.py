"""`fix` for the rules that came after it: AGW210 (credentials role API Gateway cannot assume) repaired
live and in a template, AGW403 (unused authorizer) deleted at --fail-on low, and AGW106/AGW206 (and
any finding without an automatic fix) listed for a person, with the plan exiting 1."""

import copy
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import boto3
import yaml

from auditor.cli import main
from tests.fix.test_template_diff import lint_errors
from tests.live.conftest import ACCOUNT, REGION, build_seed

ROOT = Path(__file__).resolve().parents[2]
SEED = json.loads((ROOT / "examples/seed-correct.json").read_text())


def _gated(args, capsys, floor=("medium", "high", "critical")) -> list[str]:
    main(["audit", *args, "--format", "json"])
    return sorted(f["rule_id"] for f in json.loads(capsys.readouterr().out)["findings"] if f["severity"] in floor)


def _env(server):
    return dict(os.environ, AWS_ENDPOINT_URL=server, AWS_DEFAULT_REGION=REGION,
                PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])


def _snapshot(tmp_path, change) -> Path:
    document = copy.deepcopy(SEED)
    change(document["Scopes"][0]["Apis"][0])
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(document))
    return path


# -- AGW210 -------------------------------------------------------------------------------------

def test_untrusted_credentials_role_is_repaired_live_with_the_aws_cli(moto_server, tmp_path, capsys):
    server = moto_server
    seed = build_seed(endpoint_url=server)  # its function's role trusts lambda.amazonaws.com only
    iam = boto3.client("iam", region_name=REGION, endpoint_url=server)
    role_arn = iam.get_role(RoleName="lambda-role")["Role"]["Arn"]
    boto3.client("apigatewayv2", region_name=REGION, endpoint_url=server).update_integration(
        ApiId=seed["api_id"], IntegrationId=seed["integration_id"], CredentialsArn=role_arn)
    live = ["--live", "--endpoint-url", server, "--region", REGION]
    assert "AGW210" in _gated(live, capsys)

    script = tmp_path / "fix.sh"
    assert main(["fix", *live, "-o", str(script)]) == 0
    summary = capsys.readouterr().err
    assert "role lambda-role: let API Gateway assume it" in summary and "0 at or above medium" in summary
    text = script.read_text()
    assert "aws iam update-assume-role-policy --role-name lambda-role --policy-document" in text
    done = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=300, env=_env(server))
    assert done.returncode == 0, done.stderr[-2000:]

    assert "AGW210" not in _gated(live, capsys, floor=("info", "low", "medium", "high", "critical"))
    trust = iam.get_role(RoleName="lambda-role")["Role"]["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    principals = [s["Principal"]["Service"] for s in trust["Statement"]]
    assert principals == ["lambda.amazonaws.com", "apigateway.amazonaws.com"]  # the function keeps its role


def test_untrusted_credentials_role_in_a_snapshot_keeps_other_statements_and_drops_the_deny(tmp_path, capsys):
    role_arn = f"arn:aws:iam::{ACCOUNT}:role/creds"
    lambda_trust = {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    deny = {"Effect": "Deny", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole"}
    document = copy.deepcopy(SEED)
    document["Scopes"][0]["Apis"][0]["Integrations"][0]["CredentialsArn"] = role_arn
    document["Scopes"][0]["Roles"] = [{"RoleName": "creds", "Arn": role_arn, "AssumeRolePolicyDocument": {
        "Version": "2012-10-17", "Statement": [lambda_trust, deny]}}]
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(document))
    assert _gated([str(path)], capsys) == ["AGW210"]

    assert main(["fix", str(path)]) == 0
    script = capsys.readouterr().out
    command = next(line for line in script.splitlines() if line.startswith("aws iam update-assume-role-policy"))
    policy = json.loads(command.split("--policy-document ", 1)[1].strip("'"))
    assert policy["Statement"] == [lambda_trust, {"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
                                                  "Action": "sts:AssumeRole"}]
    # audit prints the same command the plan runs
    main(["audit", str(path), "--format", "json"])
    finding = next(f for f in json.loads(capsys.readouterr().out)["findings"] if f["rule_id"] == "AGW210")
    assert finding["remediation"] == command


def test_untrusted_credentials_role_in_cloudformation_is_patched(tmp_path, capsys):
    fixture = ROOT / "tests/iac/fixtures/roles/credentials-lambda-role.cfn.yaml"
    template = tmp_path / fixture.name
    shutil.copy(fixture, template)
    original = tmp_path / "original.cfn.yaml"
    shutil.copy(fixture, original)
    assert _gated([str(template)], capsys) == ["AGW210"]
    assert main(["fix", str(template), "--write"]) == 0
    capsys.readouterr()
    assert _gated([str(template)], capsys) == []

    class Loader(yaml.SafeLoader):
        pass
    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    patched = yaml.load(template.read_text(), Loader=Loader)
    statements = patched["Resources"]["ItemsFunctionRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert [s["Principal"]["Service"] for s in statements] == ["lambda.amazonaws.com", "apigateway.amazonaws.com"]
    assert "Principal: {Service: lambda.amazonaws.com}" in template.read_text()  # the rest stays as written
    assert lint_errors(template) <= lint_errors(original)


def test_sam_generated_credentials_role_is_left_for_a_person(tmp_path, capsys):
    fixture = ROOT / "tests/iac/fixtures/roles/authorizer-lambda-role.sam.yaml"
    template = tmp_path / fixture.name
    shutil.copy(fixture, template)
    original = template.read_text()
    assert main(["fix", str(template), "--write"]) == 1
    err = capsys.readouterr().err
    assert "left for a person" in err and "give the integration or authorizer a role of its own" in err
    assert template.read_text() == original


# -- AGW403 -------------------------------------------------------------------------------------

AUTHORIZER = {"AuthorizerId": "auth01", "AuthorizerType": "JWT", "Name": "cognito",
              "IdentitySource": ["$request.header.Authorization"],
              "JwtConfiguration": {"Audience": ["client"], "Issuer": "https://issuer.example.com"}}


def test_unused_authorizer_is_deleted_at_low(tmp_path, capsys):
    path = _snapshot(tmp_path, lambda api: api.setdefault("Authorizers", []).append(dict(AUTHORIZER)))
    flags = ["--fail-on", "low", "--ignore", "AGW304,AGW305"]
    assert _gated([str(path), *flags], capsys, floor=("low",)) == ["AGW403"]
    assert main(["fix", str(path), *flags]) == 0
    out, err = capsys.readouterr()
    assert "aws apigatewayv2 delete-authorizer --api-id abc123def4 --authorizer-id auth01 --region us-east-1" in out
    assert "Findings after (predicted by re-auditing the fixed model): no findings" in err
    assert main(["fix", str(path)]) == 0  # at medium it is not gated: nothing to change
    assert "delete-authorizer" not in capsys.readouterr().out


def test_authorizer_a_route_is_given_is_not_deleted(tmp_path, capsys):
    """At --fail-on info AGW304 attaches the API's only authorizer to its open routes; AGW403 (low, so
    planned first) must not delete it in the same plan: once attached, it is used."""
    path = _snapshot(tmp_path, lambda api: api.setdefault("Authorizers", []).append(dict(AUTHORIZER)))
    assert main(["fix", str(path), "--fail-on", "info", "--ignore", "AGW305"]) == 0
    out, err = capsys.readouterr()
    assert out.count("update-route") == 4 and "--authorizer-id auth01" in out and "delete-authorizer" not in out
    assert "Findings after (predicted by re-auditing the fixed model): no findings" in err


def _template_with_authorizer(tmp_path, extra: str = "") -> Path:
    text = (ROOT / "examples/iac/seed-correct.cfn.yaml").read_text()
    head, resources = text.split("Resources:\n", 1)
    block = ("  UnusedAuthorizer:\n    Type: AWS::ApiGatewayV2::Authorizer\n    Properties:\n      ApiId: !Ref HttpApi\n"
             "      AuthorizerType: JWT\n      Name: cognito\n      IdentitySource:\n        - $request.header.Authorization\n"
             "      JwtConfiguration:\n        Audience: [client]\n        Issuer: https://issuer.example.com\n")
    path = tmp_path / "api.cfn.yaml"
    path.write_text(head + "Resources:\n" + block + resources + extra)
    return path


def test_unused_authorizer_resource_is_removed_from_the_template(tmp_path, capsys):
    path = _template_with_authorizer(tmp_path)
    flags = ["--fail-on", "low", "--select", "AGW403"]
    assert _gated([str(path), *flags], capsys, floor=("low",)) == ["AGW403"]
    assert main(["fix", str(path), *flags, "--write"]) == 0
    capsys.readouterr()
    assert "UnusedAuthorizer" not in path.read_text()
    assert _gated([str(path), *flags], capsys, floor=("low",)) == []


def test_referenced_authorizer_resource_is_left_for_a_person(tmp_path, capsys):
    path = _template_with_authorizer(tmp_path, "Outputs:\n  AuthorizerId:\n    Value: !Ref UnusedAuthorizer\n")
    original = path.read_text()
    assert main(["fix", str(path), "--fail-on", "low", "--select", "AGW403", "--write"]) == 1
    assert "UnusedAuthorizer is still referenced" in capsys.readouterr().err
    assert path.read_text() == original


# -- for a person -------------------------------------------------------------------------------

def _throttle_to_zero(api):
    api["Stages"][0]["DefaultRouteSettings"] = {"ThrottlingRateLimit": 0, "ThrottlingBurstLimit": 0}


def test_route_throttled_to_zero_is_left_for_a_person_with_where_to_set_it(tmp_path, capsys):
    path = _snapshot(tmp_path, _throttle_to_zero)
    assert "AGW106" in _gated([str(path)], capsys)
    assert main(["fix", str(path)]) == 1
    out, err = capsys.readouterr()
    person = err.split("Left for a person", 1)[1]
    assert "AGW106" in person and "--default-route-settings 'ThrottlingRateLimit=<requests-per-second>," \
                                  "ThrottlingBurstLimit=<burst>'" in person
    assert not any(line.startswith("aws ") and "update-stage" in line for line in out.splitlines())  # no guessed number
    main(["audit", str(path), "--format", "json"])
    findings = [f for f in json.loads(capsys.readouterr().out)["findings"] if f["rule_id"] == "AGW106"]
    assert findings and all("<requests-per-second>" in f["remediation"] and "100" not in f["remediation"]
                            for f in findings)


def test_route_throttled_to_zero_by_route_settings_names_the_route(tmp_path, capsys):
    path = _snapshot(tmp_path, lambda api: api["Stages"][0].update(
        RouteSettings={"GET /items": {"ThrottlingBurstLimit": 0, "ThrottlingRateLimit": 10}}))
    assert main(["fix", str(path)]) == 1
    err = capsys.readouterr().err
    assert """--route-settings '{"GET /items": {"ThrottlingRateLimit": <requests-per-second>""" in err


def test_function_out_of_reach_is_left_for_a_person_with_candidates(tmp_path, capsys):
    def other_partition(api):
        api["Integrations"][0]["IntegrationUri"] = \
            f"arn:aws-cn:lambda:cn-north-1:{ACCOUNT}:function:my-frontend-app-api"
    path = _snapshot(tmp_path, other_partition)
    assert "AGW206" in _gated([str(path)], capsys)
    assert main(["fix", str(path)]) == 1
    err = capsys.readouterr().err
    person = err.split("Left for a person", 1)[1]
    assert "AGW206" in person and f"function arn:aws:lambda:us-east-1:{ACCOUNT}:function:my-frontend-app-api" in person


def test_finding_without_an_automatic_fix_is_listed_for_a_person(tmp_path, capsys):
    rules = ROOT / "examples/custom-rules/route-authorizer.toml"
    args = [str(ROOT / "examples/seed-correct.json"), "--rules-file", str(rules), "--ignore", "AGW304"]
    assert main(["fix", *args]) == 1
    err = capsys.readouterr().err
    assert "Changes: 0" in err and "Left for a person (4):" in err
    person = err.split("Left for a person", 1)[1]
    assert person.count("ORG001") == 4 and "--authorization-type JWT" in person  # the rule's own remediation


def test_audit_prints_the_deletion_the_plan_makes(tmp_path, capsys):
    path = _snapshot(tmp_path, lambda api: api.setdefault("Authorizers", []).append(dict(AUTHORIZER)))
    main(["audit", str(path), "--format", "json"])
    finding = next(f for f in json.loads(capsys.readouterr().out)["findings"] if f["rule_id"] == "AGW403")
    main(["fix", str(path), "--fail-on", "low", "--select", "AGW403"])
    script = capsys.readouterr().out
    assert finding["remediation"] in script


def _terraform_with_credentials(tmp_path, trust_edit=lambda text: text) -> Path:
    folder = tmp_path / "tf"
    folder.mkdir()
    text = (ROOT / "tests/iac/hcl/fixtures/seed-correct/main.tf").read_text()
    line = "  integration_uri        = aws_lambda_function.items.invoke_arn\n"
    assert line in text
    text = text.replace(line, line + "  credentials_arn        = aws_iam_role.items.arn\n")
    (folder / "main.tf").write_text(trust_edit(text))
    return folder


def test_untrusted_credentials_role_in_terraform_is_patched(tmp_path, capsys):
    import hcl2
    folder = _terraform_with_credentials(tmp_path)
    assert _gated([str(folder)], capsys) == ["AGW210"]
    assert main(["fix", str(folder), "--write"]) == 0
    capsys.readouterr()
    patched = (folder / "main.tf").read_text()
    hcl2.loads(patched)  # still Terraform
    assert '"Service": "apigateway.amazonaws.com"' in patched and '"Service": "lambda.amazonaws.com"' in patched
    assert _gated([str(folder)], capsys) == []


def test_terraform_trust_policy_naming_other_values_is_left_for_a_person(tmp_path, capsys):
    folder = _terraform_with_credentials(tmp_path, lambda text: text.replace(
        'Principal = { Service = "lambda.amazonaws.com" }',
        'Principal = { Service = "lambda.amazonaws.com" } # the function\'s own'))
    original = (folder / "main.tf").read_text()
    assert main(["fix", str(folder), "--write"]) == 1
    err = capsys.readouterr().err
    assert "left for a person" in err and "set assume_role_policy of aws_iam_role.items to {" in err
    assert (folder / "main.tf").read_text() == original

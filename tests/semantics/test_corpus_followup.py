"""Defects a trial on public templates found, each as the user meets it: the CLI's report, explanation
and stderr (fixtures under tests/iac/fixtures/followup/ are small templates written for these cases)."""

import json
import os
import subprocess
import sys

from auditor.cli import main
from auditor.inputs import load_inputs
from tests.seed import ROOT

FIXTURES = ROOT / "tests" / "iac" / "fixtures" / "followup"


def fixture(name: str) -> str:
    return str(FIXTURES / name)


def audit(capsys, *argv):
    code = main(["audit", *argv, "--format", "json"])
    out = capsys.readouterr().out
    assert code in (0, 1), f"audit exited {code}"
    return json.loads(out)["findings"]


def explain(capsys, *argv):
    code = main(["explain", *argv, "--format", "json"])
    captured = capsys.readouterr()
    assert code in (0, 1), f"explain exited {code}: {captured.err}"
    return json.loads(captured.out)


def cli(*argv):
    env = dict(os.environ, AWS_DEFAULT_REGION="us-east-1")
    return subprocess.run([sys.executable, "-m", "auditor", *argv], capture_output=True, text=True, cwd=ROOT, env=env)


# -- aws-sam-translator's own log lines stay off stderr ------------------------------------------

def test_sam_translator_warnings_do_not_reach_stderr():
    """Several SAM templates in one run (the translator's "unpublished metrics" warning fires as each
    expansion's metrics object is dropped) and a REST Api with an OpenAPI 3 body (its feature-toggle warning)."""
    done = cli("audit", fixture("sam_http_items.yaml"), fixture("sam_http_orders.yaml"), fixture("sam_rest_openapi.yaml"),
               "--format", "json")
    assert done.returncode in (0, 1), done.stderr
    assert "unpublished metrics" not in done.stderr
    assert "Feature Toggle" not in done.stderr
    assert done.stderr == ""


def test_our_own_errors_still_reach_stderr(tmp_path):
    broken = tmp_path / "template.yaml"
    broken.write_text("Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
                      "    Properties:\n      Handler: x\n      Runtime: python3.12\n      Events:\n        E:\n"
                      "          Type: HttpApi\n          Properties: {Path: 12, Method: GET}\n")
    done = cli("audit", str(broken))
    assert done.returncode == 2
    assert done.stderr.startswith(f"apigw-auditor: error: {broken}")
    assert "unpublished metrics" not in done.stderr


# -- explain: SAM HttpApi DisableExecuteApiEndpoint, URL case, stage wording ------------------------

def test_sam_disable_execute_api_endpoint_is_kept(capsys):
    """SAM writes DisableExecuteApiEndpoint into the OpenAPI body under `servers` (OpenAPI 3.0's place for
    x-amazon-apigateway-endpoint-configuration): the default hostname does not serve the API."""
    template = fixture("sam_http_endpoint_disabled.yaml")
    by_path = explain(capsys, template, "GET", "/live/orders")
    assert by_path["steps"]["endpoint"]["default_endpoint_disabled"] is True
    assert any("custom domain" in c for c in by_path["verdict"]["conditions"])
    by_url = explain(capsys, template, "https://OrdersApi.execute-api.us-east-1.amazonaws.com/live/orders")
    assert by_url["verdict"]["reaches"] is False
    assert by_url["verdict"]["status"] == 403
    assert "DisableExecuteApiEndpoint" in by_url["verdict"]["summary"]


def test_openapi_3_servers_endpoint_configuration_is_read(tmp_path, capsys):
    body = tmp_path / "api.yaml"
    body.write_text("openapi: 3.0.1\ninfo: {title: pets, version: '1'}\nservers:\n  - url: https://pets.example.com\n"
                    "    x-amazon-apigateway-endpoint-configuration: {disableExecuteApiEndpoint: true}\npaths: {}\n")
    snapshot = load_inputs([str(body)])
    assert snapshot.scopes[0].apis[0].raw.get("DisableExecuteApiEndpoint") is True


def test_invoke_url_keeps_the_api_id_as_written(capsys):
    """A template's API id is its logical id (MyApi-like); urlsplit lowercases host names."""
    template = fixture("sam_http_items.yaml")
    explained = explain(capsys, template, "https://ServerlessHttpApi.execute-api.us-east-1.amazonaws.com/items")
    assert explained["request"]["api_id"] == "ServerlessHttpApi"
    assert explained["verdict"]["reaches"] is True
    lowered = explain(capsys, template, "https://serverlesshttpapi.execute-api.us-east-1.amazonaws.com/items")
    assert lowered["verdict"]["reaches"] is True


def test_no_stage_wording_names_the_path_not_none(capsys):
    code = main(["explain", fixture("cfn_stage_from_parameter.yaml"), "GET", "/"])
    out = capsys.readouterr().out
    assert code == 1
    assert "None" not in out
    assert "the path `/` names no stage and the API has no `$default` stage" in out


# -- quick create: AWS::ApiGatewayV2::ApiGatewayManagedOverrides ---------------------------------

def _by_rule(findings) -> dict:
    return {f["rule_id"]: f for f in findings}


def test_managed_overrides_apply_to_quick_create(capsys):
    """The overrides' stage access logs, integration payload 1.0 and 8 s timeout are what AWS deploys."""
    found = _by_rule(audit(capsys, fixture("cfn_quick_create_overrides.yaml")))
    assert "AGW305" not in found  # access logs are set, through the overrides
    assert "AGW105" not in found  # AutoDeploy false: quick create's own deployment still serves
    assert "AGW111" in found and "1.0" in found["AGW111"]["message"]
    assert "8000 ms" in found["AGW115"]["message"]  # the function may run 20 s


def test_quick_create_fixes_name_the_overrides_resource(capsys):
    found = _by_rule(audit(capsys, fixture("cfn_quick_create_overrides.yaml")))
    fix = found["AGW111"]["remediation"]
    assert "in resource NotesOverrides (AWS::ApiGatewayV2::ApiGatewayManagedOverrides)" in fix
    assert "Integration:" in fix and 'PayloadFormatVersion: "2.0"' in fix
    assert "cfn_quick_create_overrides.yaml:8" in fix  # the overrides resource's line


def test_quick_create_without_overrides_is_told_to_add_one(capsys):
    found = _by_rule(audit(capsys, fixture("cfn_quick_create_plain.yaml")))
    fix = found["AGW305"]["remediation"]
    assert "add a resource of type AWS::ApiGatewayV2::ApiGatewayManagedOverrides" in fix
    assert "ApiId: !Ref NotesApi" in fix and "AccessLogSettings:" in fix
    assert "AGW111" not in found  # quick create alone sends the 2.0 payload


# -- Lambda authorizers: the id in `<api>/authorizers/<id>` is API Gateway's ------------------------

def _authorizer_findings(capsys, name):
    return [f for f in audit(capsys, fixture(name), "--select", "AGW205")]


def test_sam_http_authorizer_without_default_permissions_is_reported(capsys):
    """SAM HttpApi Lambda authorizers get no permission unless EnableFunctionDefaultPermissions is true."""
    (finding,) = _authorizer_findings(capsys, "sam_http_lambda_authorizer.yaml")
    assert finding["severity"] == "high"
    assert "${TasksApi}/authorizers/*" in finding["remediation"]
    assert _authorizer_findings(capsys, "sam_http_lambda_authorizer_default_permissions.yaml") == []


def test_sam_authorizer_name_is_not_its_id(capsys):
    """A permission for `<api>/authorizers/TokenCheck` (the SAM key) does not let API Gateway invoke the
    authorizer, whose id is assigned at deployment; `<api>/authorizers/*` does."""
    (finding,) = _authorizer_findings(capsys, "sam_http_lambda_authorizer_named_permission.yaml")
    assert "TasksApi/authorizers/<authorizer-id>" in finding["message"]
    assert "authorizers/TokenCheck" not in finding["remediation"]
    assert "${TasksApi}/authorizers/*" in finding["remediation"]
    assert _authorizer_findings(capsys, "sam_http_lambda_authorizer_wildcard_permission.yaml") == []


def test_explain_stops_at_an_authorizer_granted_by_name(capsys):
    named = explain(capsys, fixture("sam_http_lambda_authorizer_named_permission.yaml"), "GET", "/tasks")
    assert named["verdict"]["reaches"] is False and named["verdict"]["rule_id"] == "AGW205"
    granted = explain(capsys, fixture("sam_http_lambda_authorizer_wildcard_permission.yaml"), "GET", "/tasks")
    assert granted["verdict"]["reaches"] is True


def test_cloudformation_authorizer_id_is_its_ref(capsys):
    """`!Ref` of an AWS::ApiGatewayV2::Authorizer is its id: a SourceArn built from it covers the authorizer;
    one naming the authorizer's Name does not, and the fix uses the Ref."""
    assert _authorizer_findings(capsys, "cfn_lambda_authorizer_ref.yaml") == []
    (finding,) = _authorizer_findings(capsys, "cfn_lambda_authorizer_by_name.yaml")
    assert "${BooksApi}/authorizers/${BooksAuthorizer}" in finding["remediation"]

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


# -- Terraform plans: an authorizer's id is known after apply -------------------------------------

def _plans():
    import importlib.util
    spec = importlib.util.spec_from_file_location("generate_plans", ROOT / "tests/iac/fixtures/seed/generate_plans.py")
    gp = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gp)
    return gp


def _tf_authorizer_plan(gp, known_source=None, gate_permission_too=True):
    """The seed plan with GET /items behind a REQUEST authorizer whose function is `gate`."""

    def gate_fn():
        r = gp.function()
        for part in (r["planned"], r["change"], r["config"]):
            part["name"], part["address"] = "gate", "aws_lambda_function.gate"
        r["planned"]["values"]["function_name"] = "gate"
        r["change"]["change"]["after"] = r["planned"]["values"]
        r["config"]["expressions"]["function_name"] = gp.const("gate")
        return r

    def authorizer():
        return gp.resource("aws_apigatewayv2_authorizer", "gate",
                           {"authorizer_type": "REQUEST", "name": "gate", "authorizer_payload_format_version": "2.0",
                            "identity_sources": ["$request.header.Authorization"], "authorizer_credentials_arn": None},
                           ["id", "api_id", "authorizer_uri"],
                           {"api_id": gp.ref("aws_apigatewayv2_api.http.id", "aws_apigatewayv2_api.http"),
                            "authorizer_type": gp.const("REQUEST"), "name": gp.const("gate"),
                            "authorizer_uri": gp.ref("aws_lambda_function.gate.invoke_arn", "aws_lambda_function.gate")})

    def guarded_route():
        r = gp.route("get_items", "GET /items")
        r["planned"]["values"]["authorization_type"] = "CUSTOM"
        r["change"]["change"]["after_unknown"]["authorizer_id"] = True
        r["config"]["expressions"]["authorizer_id"] = gp.ref("aws_apigatewayv2_authorizer.gate.id",
                                                             "aws_apigatewayv2_authorizer.gate")
        r["config"]["expressions"]["authorization_type"] = gp.const("CUSTOM")
        return r

    def gate_permission():  # source_arn = "${aws_apigatewayv2_api.http.execution_arn}/authorizers/${...gate.id}"
        r = gp.permission("gate")
        r["planned"]["values"].update(function_name="gate", statement_id="AllowAuthorizer")
        r["config"]["expressions"]["function_name"] = gp.ref("aws_lambda_function.gate.function_name",
                                                             "aws_lambda_function.gate")
        r["config"]["expressions"]["source_arn"] = gp.ref(
            "aws_apigatewayv2_api.http.execution_arn", "aws_apigatewayv2_api.http",
            "aws_apigatewayv2_authorizer.gate.id", "aws_apigatewayv2_authorizer.gate")
        return r

    resources = [r for r in gp.correct() if r["planned"]["address"] != "aws_apigatewayv2_route.get_items"]
    resources += [gate_fn(), authorizer(), guarded_route()] + ([gate_permission()] if gate_permission_too else [])
    if known_source is None:
        return gp.plan(resources)
    gate_arn = "arn:aws:lambda:us-east-1:123456789012:function:gate"
    out = gp.known(resources)
    for r in out:
        address, values = r["planned"]["address"], r["planned"]["values"]
        if address == "aws_apigatewayv2_authorizer.gate":
            values.update(id="au1234", api_id="abc123def4", authorizer_uri=(
                f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{gate_arn}/invocations"))
        elif address == "aws_apigatewayv2_route.get_items":
            values["authorizer_id"] = "au1234"
        elif address == "aws_lambda_permission.gate":
            values["source_arn"] = "arn:aws:execute-api:us-east-1:123456789012:abc123def4/authorizers/" + known_source
        elif address == "aws_lambda_function.gate":
            values.update(arn=gate_arn, invoke_arn=(
                f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{gate_arn}/invocations"))
        unknown = r["change"]["change"]["after_unknown"]
        for key in [k for k in unknown if values.get(k) is not None]:
            del unknown[key]
    return gp.plan(out)


def _audit_plan(capsys, tmp_path, plan, name):
    path = tmp_path / f"{name}.tfplan.json"
    path.write_text(json.dumps(plan))
    return audit(capsys, str(path), "--region", "us-east-1", "--account", "123456789012")


def test_terraform_authorizer_permission_known_after_apply_is_not_judged(capsys, tmp_path):
    """At plan time the permission's source_arn (built from the authorizer's id) is unknown: AGW000, not AGW205."""
    found = _audit_plan(capsys, tmp_path, _tf_authorizer_plan(_plans()), "create")
    assert not [f for f in found if f["rule_id"] == "AGW205"]
    assert any(f["rule_id"] == "AGW000" and "Authorizer gate" in f["message"] for f in found)


def test_terraform_authorizer_fix_references_the_authorizer(capsys, tmp_path):
    found = _audit_plan(capsys, tmp_path, _tf_authorizer_plan(_plans(), gate_permission_too=False), "none")
    (finding,) = [f for f in found if f["rule_id"] == "AGW205"]
    assert "/authorizers/${aws_apigatewayv2_authorizer.gate.id}" in finding["remediation"]


def test_terraform_authorizer_known_ids(capsys, tmp_path):
    gp = _plans()
    assert not [f for f in _audit_plan(capsys, tmp_path, _tf_authorizer_plan(gp, "au1234"), "ok")
                if f["rule_id"] == "AGW205"]
    named = [f for f in _audit_plan(capsys, tmp_path, _tf_authorizer_plan(gp, "gate"), "named") if f["rule_id"] == "AGW205"]
    assert len(named) == 1 and "abc123def4/authorizers/au1234" in named[0]["message"]

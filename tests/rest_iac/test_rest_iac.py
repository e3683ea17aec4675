"""REST APIs (v1) read from infrastructure as code: the snapshot the readers build (what the rules read),
and the IaC-only rules AGW125 (CloudFormation deployment not depending on every method) and AGW126
(Terraform deployment without triggers), through the real command line."""

import json
import shutil
from pathlib import Path

import pytest

from auditor.iac import load_file
from auditor.snapshot import read_snapshot_document
from tests.iac.conftest import audit_json, run_cli

FIXTURES = Path(__file__).parent / "fixtures"


def model(path):
    """The snapshot model an audit reads from an IaC file (its REST APIs, by id)."""
    snapshot = read_snapshot_document(load_file(str(path), None, None, None, None), str(path))
    return {api.id: api for scope in snapshot.scopes for api in scope.rest_apis}, snapshot


def findings(path, rule, *extra):
    return [f for f in audit_json(path, *extra)["findings"] if f["rule_id"] == rule]


# -- CloudFormation ---------------------------------------------------------------------------
def test_cloudformation_resource_tree_methods_and_locations():
    apis, snapshot = model(FIXTURES / "cfn-deployment-races.yaml")
    api = apis["Api"]
    assert api.endpoint_types == ["REGIONAL"]
    method = {m.key: m for m in api.methods}["GET /items/{id}"]
    assert method.authorization_type == "NONE"
    assert method.integration.type == "AWS_PROXY" and method.integration.integration_http_method == "POST"
    assert method.integration.function_ref.name == "items"
    assert (method.location.line, method.location.resource) == (28, "GetItem")
    assert [(s.name, s.deployment_id) for s in api.stages] == [("prod", "Deployment")]
    assert api.stages[0].method_settings == {"*/*": {"throttlingRateLimit": 10}}
    policy = snapshot.scopes[0].functions[0].raw["Policy"]
    assert policy["Statement"][0]["Condition"]["ArnLike"]["AWS:SourceArn"].endswith(":Api/*/GET/items/*")


def test_agw125_fires_on_a_deployment_that_does_not_depend_on_a_method():
    found = findings(FIXTURES / "cfn-deployment-races.yaml", "AGW125")
    assert len(found) == 1
    finding = found[0]
    assert finding["location"]["line"] == 39 and finding["location"]["resource"] == "Deployment"
    assert "GET /items/{id}" in finding["message"] and "GetItem" in finding["message"]
    assert "DependsOn" in finding["remediation"] and "- GetItem" in finding["remediation"]


@pytest.mark.parametrize("name", ["cfn-deployment-depends.yaml", "cfn-deployment-chain.yaml"])
def test_agw125_silent_when_the_deployment_depends_on_every_method(name):
    assert findings(FIXTURES / name, "AGW125") == []
    apis, _ = model(FIXTURES / name)
    # with every method known to be in it, the deployment's API summary is known too
    assert apis["Api"].deployments[0].api_summary == {"/items/{id}": {"GET": {"authorizationType": "NONE",
                                                                              "apiKeyRequired": False}}}


def test_unreadable_body_is_reported_not_guessed(tmp_path):
    template = tmp_path / "t.yaml"
    template.write_text("Resources:\n  Api:\n    Type: AWS::ApiGateway::RestApi\n    Properties:\n"
                        "      BodyS3Location: {Bucket: b, Key: api.yaml}\n")
    report = audit_json(template)
    assert any(f["rule_id"] == "AGW000" and "BodyS3Location" in f["message"] for f in report["findings"])
    apis, _ = model(template)
    assert apis["Api"].has_resources is False  # unknown, not empty


def test_method_of_an_api_from_another_stack_does_not_crash(tmp_path):
    template = tmp_path / "t.yaml"
    template.write_text("Resources:\n  Get:\n    Type: AWS::ApiGateway::Method\n    Properties:\n"
                        "      RestApiId: !ImportValue shared-api\n      ResourceId: !ImportValue shared-root\n"
                        "      HttpMethod: GET\n      AuthorizationType: NONE\n"
                        "      Integration: {Type: MOCK}\n")
    code, out, err = run_cli("audit", template, "--fail-on", "never")
    assert code == 0 and "Traceback" not in err


# -- SAM --------------------------------------------------------------------------------------
def test_sam_rest_api_auth_usage_plan_and_implicit_api():
    apis, snapshot = model(FIXTURES / "sam-rest.yaml")
    api = apis["MyApi"]
    method = {m.key: m for m in api.methods}["GET /items/{id}"]
    assert (method.authorization_type, method.authorizer_id, method.api_key_required) == ("CUSTOM", "TokenAuth", True)
    assert method.location.line == 29 and method.location.resource == "ItemsFn"  # the function's event
    assert [a.type for a in api.authorizers] == ["TOKEN"]
    assert {s.name for s in api.stages} >= {"prod"}
    assert snapshot.scopes[0].usage_plans[0].serves("MyApi", "prod")
    implicit = apis["ServerlessRestApi"]
    assert [m.key for m in implicit.methods] == ["ANY /hello"]
    assert {s.name for s in implicit.stages} >= {"Prod"}
    assert findings(FIXTURES / "sam-rest.yaml", "AGW125") == []  # SAM's deployment holds the body


# -- OpenAPI exports --------------------------------------------------------------------------
def test_swagger_export_is_read_as_a_rest_api():
    apis, snapshot = model(FIXTURES / "petstore-export.json")
    api = apis["PetStore"]
    method = api.methods[0]
    assert method.key == "GET /pets" and method.api_key_required is True
    assert method.integration.type == "AWS" and method.integration.integration_responses["200"]["statusCode"] == "200"
    assert api.has_stages is False  # an export holds no stage: unknown
    assert snapshot.scopes[0].apis == []


def test_http_api_openapi_stays_an_http_api(tmp_path):
    definition = tmp_path / "http.yaml"
    definition.write_text("openapi: 3.0.1\ninfo: {title: h, version: '1'}\npaths:\n  /items:\n    get:\n"
                          "      x-amazon-apigateway-integration:\n        type: aws_proxy\n        httpMethod: POST\n"
                          "        uri: arn:aws:lambda:us-east-1:123456789012:function:f\n"
                          "        payloadFormatVersion: '2.0'\n")
    apis, snapshot = model(definition)
    assert apis == {} and [r.key for r in snapshot.scopes[0].apis[0].routes] == ["GET /items"]


# -- Terraform --------------------------------------------------------------------------------
def test_terraform_source_maps_rest_resources():
    apis, snapshot = model(FIXTURES / "tf-no-triggers" / "main.tf")
    api = apis["aws_api_gateway_rest_api.api"]
    method = api.methods[0]
    assert method.key == "GET /items"
    assert method.integration.function_ref.name == "items"
    assert method.location.resource == "aws_api_gateway_method.get" and method.location.line == 17
    assert [(s.name, s.deployment_id) for s in api.stages] == [("prod", "aws_api_gateway_deployment.d")]


@pytest.mark.parametrize("source", ["tf-no-triggers", "tf-plan-no-triggers.json"])
def test_agw126_fires_on_a_deployment_without_triggers(source):
    found = findings(FIXTURES / source, "AGW126")
    assert len(found) == 1
    assert found[0]["location"]["resource"] == "aws_api_gateway_deployment.d"
    assert "triggers" in found[0]["remediation"] and "create_before_destroy" in found[0]["remediation"]


@pytest.mark.parametrize("source", ["tf-triggers", "tf-plan-triggers.json"])
def test_agw126_silent_with_triggers(source):
    assert findings(FIXTURES / source, "AGW126") == []


def test_agw126_silent_when_a_description_changes_with_the_api(tmp_path):
    folder = tmp_path / "tf"
    shutil.copytree(FIXTURES / "tf-no-triggers", folder)
    main = folder / "main.tf"
    main.write_text(main.read_text().replace("depends_on = [aws_api_gateway_integration.get]",
                                             'description = "deployed ${md5(file("main.tf"))}"'))
    assert findings(folder, "AGW126") == []


def test_terraform_plan_rebuilds_ids_from_references():
    apis, _ = model(FIXTURES / "tf-plan-no-triggers.json")
    api = apis["aws_api_gateway_rest_api.api"]
    assert [m.key for m in api.methods] == ["GET /items"]
    assert api.methods[0].integration.timeout_ms == 29000
    assert api.stages[0].deployment_id == "aws_api_gateway_deployment.d"


def test_agw125_terraform_deployment_not_depending_on_method_and_integration():
    found = findings(FIXTURES / "tf-plan-no-triggers.json", "AGW125")
    assert len(found) == 1
    assert "aws_api_gateway_method.get" in found[0]["message"]
    assert "aws_api_gateway_integration.get" in found[0]["message"]
    assert "aws_api_gateway_integration.get.id" in found[0]["remediation"]


@pytest.mark.parametrize("source", ["tf-no-triggers", "tf-triggers", "tf-plan-triggers.json"])
def test_agw125_terraform_silent_when_depends_on_or_triggers_reach_every_method(source):
    # tf-no-triggers: depends_on the integration, which references the method
    assert findings(FIXTURES / source, "AGW125") == []


def test_terraform_source_builds_a_resource_path_for_source_arn(tmp_path):
    folder = tmp_path / "tf"
    shutil.copytree(FIXTURES / "tf-triggers", folder)
    main = folder / "main.tf"
    main.write_text(main.read_text().replace(
        'source_arn    = "${aws_api_gateway_rest_api.api.execution_arn}/*/*"',
        'source_arn    = "${aws_api_gateway_rest_api.api.execution_arn}/*/${aws_api_gateway_method.get.http_method}'
        '${aws_api_gateway_resource.items.path}"'))
    _, snapshot = model(main)
    statement = snapshot.scopes[0].functions[0].raw["Policy"]["Statement"][0]
    assert statement["Condition"]["ArnLike"]["AWS:SourceArn"].endswith(":aws_api_gateway_rest_api.api/*/GET/items")
    assert [f for f in audit_json(folder)["findings"] if f["severity"] in ("high", "critical")] == []


def test_cdk_out_lambda_rest_api_audits_clean_and_its_mistakes_are_found(tmp_path):
    assert [f for f in audit_json(FIXTURES / "cdk.out")["findings"] if f["severity"] != "info"] == []
    broken = tmp_path / "cdk.out"
    shutil.copytree(FIXTURES / "cdk.out", broken)
    template = broken / "LambdaRestStack.template.json"
    document = json.loads(template.read_text())
    resources = document["Resources"]
    resources["ApiDeploymentB17BE62Dabc123"]["DependsOn"].remove("ApiproxyANY7F13F09C")
    del resources["ApiproxyANYApiPermission"]
    template.write_text(json.dumps(document, indent=1))
    found = {f["rule_id"]: f for f in audit_json(broken)["findings"]}
    assert "ApiproxyANY7F13F09C" in found["AGW125"]["message"]
    assert found["AGW125"]["location"]["resource"] == "ApiDeploymentB17BE62Dabc123"
    # the test-invoke-stage grant remains, so the function has a permission, but none for stage prod
    assert found["AGW203"]["severity"] == "high" and "/prod/" in found["AGW203"]["message"]


@pytest.mark.parametrize("source", ["bad/cfn-odd-values.yaml", "bad/tf-odd-values"])
def test_values_of_unexpected_types_are_audited_without_a_traceback(source):
    code, out, err = run_cli("audit", FIXTURES / source, "--fail-on", "never")
    assert code == 0 and "Traceback" not in err


def test_an_unreadable_terraform_body_is_named_and_the_rest_audited():
    report = audit_json(FIXTURES / "bad" / "tf-odd-values")
    error = next(f for f in report["findings"] if f["rule_id"] == "AGW000" and "body is neither JSON nor YAML" in f["message"])
    assert "aws_api_gateway_rest_api.api" in error["message"] and "main.tf" in error["remediation"]


def test_an_integration_timeout_of_the_wrong_type_names_file_and_line(tmp_path):
    template = tmp_path / "t.yaml"
    template.write_text((FIXTURES / "bad" / "cfn-odd-values.yaml").read_text().replace(
        "timeoutInMillis: 100", 'timeoutInMillis: "abc"'))
    code, out, err = run_cli("audit", template)
    assert code == 2 and "Traceback" not in err
    assert f"{template}:16:" in err and "timeoutInMillis must be an integer" in err


def test_terraform_heredoc_closing_marker_with_trailing_spaces_is_read(tmp_path):
    folder = tmp_path / "tf"
    shutil.copytree(FIXTURES / "tf-triggers", folder)
    (folder / "policy.tf").write_text('resource "aws_api_gateway_rest_api_policy" "p" {\n'
                                      '  rest_api_id = aws_api_gateway_rest_api.api.id\n'
                                      '  policy = <<POLICY3\n{"Version": "2012-10-17", "Statement": []}\nPOLICY3  \n}\n')
    code, out, err = run_cli("audit", folder, "--fail-on", "never")
    assert code == 0, err  # Terraform trims the marker's line; python-hcl2 alone would reject it
    from auditor.iac import load_folder
    (_, document), = load_folder(folder, "terraform", None, None, None)
    api = document["Scopes"][0]["RestApis"][0]
    assert api["id"] == "aws_api_gateway_rest_api.api" and '"Statement": []' in api["policy"]


def test_sam_api_definition_uri_local_file_is_read_and_a_missing_one_named(tmp_path):
    (tmp_path / "api.yaml").write_text(
        "swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths:\n  /pets:\n    get:\n"
        "      x-amazon-apigateway-integration: {type: mock}\n")
    template = tmp_path / "t.yaml"
    template.write_text("Transform: AWS::Serverless-2016-10-31\nResources:\n  Api:\n    Type: AWS::Serverless::Api\n"
                        "    Properties:\n      StageName: prod\n      DefinitionUri: api.yaml\n")
    apis, _ = model(template)
    assert [m.key for m in apis["Api"].methods] == ["GET /pets"]
    (tmp_path / "api.yaml").unlink()
    report = audit_json(template)
    assert any(f["rule_id"] == "AGW000" and "DefinitionUri names no local file" in f["message"]
               for f in report["findings"])


def test_terraform_body_with_values_known_only_after_apply_is_read(tmp_path):
    folder = tmp_path / "tf"
    folder.mkdir()
    (folder / "main.tf").write_text('''
resource "aws_iam_role" "apigw" {
  assume_role_policy = "{}"
}
resource "aws_api_gateway_rest_api" "api" {
  name = "pets"
  body = jsonencode({
    swagger = "2.0"
    info    = { title = "pets", version = "1" }
    paths = {
      "/pets" = {
        post = {
          "x-amazon-apigateway-integration" = {
            type        = "aws"
            httpMethod  = "POST"
            credentials = aws_iam_role.apigw.arn
            uri         = "arn:aws:apigateway:us-east-1:dynamodb:action/PutItem"
            responses   = { default = { statusCode = "200" } }
          }
        }
      }
    }
  })
}
''')
    from auditor.iac import load_folder
    (_, document), = load_folder(folder, "terraform", None, None, None)
    api = document["Scopes"][0]["RestApis"][0]
    post = next(r for r in api["Resources"] if r["path"] == "/pets")["resourceMethods"]["POST"]
    assert post["methodIntegration"]["credentials"].startswith("${unresolved:")  # the role's name is made at apply
    assert not any(e["Operation"] == "ReadBody" for e in document["Scopes"][0].get("Errors", []))


def _remediation(path, rule):
    return next(f for f in audit_json(path)["findings"] if f["rule_id"] == rule)["remediation"]


def test_rest_fixes_are_written_in_the_template_syntax(tmp_path):
    cfn = tmp_path / "t.yaml"
    cfn.write_text((FIXTURES / "cfn-deployment-depends.yaml").read_text().replace(
        "IntegrationHttpMethod: POST", "IntegrationHttpMethod: GET"))
    text = _remediation(cfn, "AGW120")
    assert "in resource GetItem (AWS::ApiGateway::Method)" in text and "IntegrationHttpMethod: POST" in text
    folder = tmp_path / "tf"
    shutil.copytree(FIXTURES / "tf-triggers", folder)
    main = folder / "main.tf"
    main.write_text(main.read_text().replace('integration_http_method = "POST"', 'integration_http_method = "GET"'))
    text = _remediation(folder, "AGW120")
    assert "in aws_api_gateway_integration.get" in text and 'integration_http_method = "POST"' in text
    export = tmp_path / "export.json"
    export.write_text((FIXTURES / "petstore-export.json").read_text().replace(
        '"responses": {"default": {"statusCode": "200"}}, ', ""))
    text = _remediation(export, "AGW121")
    assert "x-amazon-apigateway-integration" in text and '"statusCode": "200"' in text

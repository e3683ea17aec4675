"""Reading each IaC input kind: what a user sees in the report (rule ids, locations, fixes)."""

import json

import pytest

from auditor.inputs import load_inputs
from tests.iac.conftest import FIXTURES, SEED, audit_json, rule_ids, run_cli

MISC = FIXTURES / "misc"


def findings_by_rule(report, rule_id):
    return [f for f in report["findings"] if f["rule_id"] == rule_id]


# -- CloudFormation -------------------------------------------------------------------------------

def test_intrinsics_link_routes_integrations_functions_and_permissions():
    # Sub, Join and GetAtt all resolve: no AGW000, no wiring or permission finding on the correct template.
    report = audit_json(SEED / "correct.cfn.yaml")
    assert rule_ids(report) == {"AGW304", "AGW305"}
    route = next(f for f in report["findings"] if f["resource"].get("route_key") == "POST /items")
    assert route["location"]["resource"] == "PostItemsRoute"  # its Target is a !Join
    assert route["location"]["line"] == 46


def test_missing_permission_fix_is_a_cloudformation_resource_not_a_cli_command():
    report = audit_json(SEED / "missing-permission.cfn.yaml")
    fix = findings_by_rule(report, "AGW201")[0]["remediation"]
    assert "aws lambda add-permission" not in fix
    assert "Type: AWS::Lambda::Permission" in fix
    assert "FunctionName: !GetAtt ItemsFunction.Arn" in fix
    assert "${AWS::AccountId}:${HttpApi}/*" in fix


def test_prefix_fix_uses_the_templates_own_reference():
    fix = findings_by_rule(audit_json(SEED / "missing-prefix.cfn.yaml"), "AGW101")[0]["remediation"]
    assert "PostItemsRoute" in fix and "Target: !Sub \"integrations/${ItemsIntegration}\"" in fix


def test_payload_fix_in_terraform_is_hcl():
    report = audit_json(SEED / "payload-v1.tfplan.json")
    fix = findings_by_rule(report, "AGW111")[0]["remediation"]
    assert 'resource "aws_apigatewayv2_integration" "items"' in fix
    assert 'payload_format_version = "2.0"' in fix


def test_missing_permission_fix_in_terraform_is_an_aws_lambda_permission_block():
    fix = findings_by_rule(audit_json(SEED / "missing-permission.tfplan.json"), "AGW201")[0]["remediation"]
    assert 'resource "aws_lambda_permission"' in fix
    assert "function_name = aws_lambda_function.items.function_name" in fix
    assert 'source_arn    = "${aws_apigatewayv2_api.http.execution_arn}/*"' in fix


def test_sam_fix_points_at_the_event():
    report = audit_json(SEED / "payload-v1.sam.yaml")
    finding = findings_by_rule(report, "AGW111")[0]
    assert finding["location"]["resource"] == "ItemsFunction"
    assert "HttpApi event ListItems of ItemsFunction" in finding["remediation"]
    assert "PayloadFormatVersion: \"2.0\"" in finding["remediation"]


def test_values_the_template_leaves_open_say_cannot_check_instead_of_guessing():
    report = audit_json(MISC / "symbolic.cfn.yaml")
    # ImportValue'd function, a parameter without a value, a SourceArn naming an imported API id:
    assert rule_ids(report) == {"AGW000", "AGW304", "AGW305"}
    assert {f["severity"] for f in findings_by_rule(report, "AGW000")} == {"info"}
    messages = " ".join(f["message"] for f in findings_by_rule(report, "AGW000"))
    assert "ImportValue shared-stack-FunctionArn" in messages and "not known before deployment" in messages


def test_parameters_region_and_account_fill_in_what_the_template_leaves_open():
    arn = "arn:aws:lambda:eu-west-1:111122223333:function:orders"
    report = audit_json(MISC / "symbolic.cfn.yaml", "--parameter", "Stage=prod", "--parameter",
                        f"OrdersFunctionArn={arn}", "--region", "eu-west-1", "--account", "111122223333")
    stage = findings_by_rule(report, "AGW305")[0]
    assert stage["resource"] == {"account": "111122223333", "region": "eu-west-1", "api_id": "Api", "stage": "prod"}
    # The ARN is known now: the function is outside the template (not "cannot resolve").
    orders = [f for f in findings_by_rule(report, "AGW000") if f["resource"].get("integration_id") == "OrdersIntegration"]
    assert "not in the snapshot" in orders[0]["message"]


def test_hard_coded_account_and_region_are_used_when_not_given(tmp_path):
    template = (SEED / "correct.cfn.yaml").read_text().replace(
        "${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${HttpApi}/*",
        "aws:execute-api:eu-central-1:444455556666:${HttpApi}/*")
    path = tmp_path / "hardcoded.yaml"
    path.write_text(template)
    report = audit_json(path)
    assert rule_ids(report) == {"AGW304", "AGW305"}  # no AGW202: the assumed account is the hard-coded one
    assert report["findings"][0]["resource"]["account"] == "444455556666"


def test_local_include_is_read_and_s3_include_makes_the_audit_incomplete():
    report = audit_json(MISC / "include.cfn.yaml")
    payload = findings_by_rule(report, "AGW111")[0]
    assert payload["location"]["file"].endswith("include-api.yaml") and payload["location"]["line"] == 13
    assert "paths[\"/items\"].post.x-amazon-apigateway-integration.payloadFormatVersion" in payload["remediation"]
    uncovered = findings_by_rule(report, "AGW203")
    assert [f["resource"]["route_key"] for f in uncovered] == ["POST /items"]
    incomplete = findings_by_rule(report, "AGW000")
    assert incomplete and "s3://my-bucket/api.yaml" in incomplete[0]["message"]


def test_quick_create_makes_route_integration_and_stage_but_no_permission():
    report = audit_json(MISC / "quick-create.cfn.json")
    assert "AGW201" in rule_ids(report) and "AGW111" not in rule_ids(report)
    assert findings_by_rule(report, "AGW201")[0]["location"] == {
        "file": str(MISC / "quick-create.cfn.json"),
        "path": "$.Scopes[0].Apis[0].Integrations[0]", "line": 15, "resource": "QuickApi",
        "input_type": "cloudformation"}


def test_suppression_metadata_and_terraform_tags_are_carried_as_snapshot_tags(tmp_path):
    snapshot = load_inputs([str(MISC / "quick-create.cfn.json")])
    api = snapshot.scopes[0].apis[0]
    assert api.tags == {"apigw-auditor:ignore": "AGW305", "apigw-auditor:reason": "logs go to the ALB"}
    template = (SEED / "correct.cfn.yaml").read_text().replace(
        "  GetItemsRoute:\n    Type: AWS::ApiGatewayV2::Route\n",
        "  GetItemsRoute:\n    Type: AWS::ApiGatewayV2::Route\n    Metadata:\n      apigw-auditor:\n"
        "        ignore: [AGW304]\n        reason: public catalogue\n")
    path = tmp_path / "t.yaml"
    path.write_text(template)
    route = next(r for r in load_inputs([str(path)]).scopes[0].apis[0].routes if r.key == "GET /items")
    assert route.raw["Tags"] == {"apigw-auditor:ignore": "AGW304", "apigw-auditor:reason": "public catalogue"}


def test_json_template_lines_point_at_the_resource():
    report = audit_json(FIXTURES / "cdk.out")
    lines = {f["location"]["resource"]: f["location"]["line"] for f in report["findings"]}
    text = (FIXTURES / "cdk.out" / "ItemsStack.template.json").read_text().splitlines()
    for resource, line in lines.items():
        assert f'"{resource}"' in text[line - 1]


def test_cdk_out_folder_audits_clean_and_says_the_template_is_generated():
    report = audit_json(FIXTURES / "cdk.out")
    assert rule_ids(report) == {"AGW304", "AGW305"}
    assert all(f["location"]["input_type"] == "cdk" for f in report["findings"])
    assert "construct" in report["findings"][0]["remediation"]


# -- SAM ------------------------------------------------------------------------------------------

def test_sam_implicit_permissions_audit_clean_with_path_parameters_greedy_paths_and_any():
    report = audit_json(SEED / "correct.sam.yaml")
    assert rule_ids(report) == {"AGW304", "AGW305"}


def test_sam_inline_code_null_sections_and_explicit_api(tmp_path):
    path = tmp_path / "template.yaml"
    path.write_text("""Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    CodeUri: ./shared
    Timeout: 5
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
  Inline:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "def handler(e, c): return {}"
      Handler: index.handler
      Runtime: python3.12
      Events:
        Proxy:
          Type: HttpApi
          Properties: {ApiId: !Ref Api, Path: "/files/{proxy+}", Method: ANY}
        Root:
          Type: HttpApi
          Properties: {ApiId: !Ref Api, Path: "/files", Method: get}
  Packaged:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
      Events:
        Default:
          Type: HttpApi
          Properties: {ApiId: !Ref Api}
""")
    report = audit_json(path)
    assert rule_ids(report) == {"AGW304", "AGW305"}


def test_sam_translator_rejection_exits_2_with_file_and_line(tmp_path):
    path = tmp_path / "bad-sam.yaml"
    path.write_text("Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
                    "    Properties:\n      Handler: a.b\n      Runtime: python3.12\n      Events:\n        E:\n"
                    "          Type: HttpApi\n          Properties: {ApiId: NotAnApi}\n")
    code, _, err = run_cli("audit", path)
    assert code == 2
    assert str(path) in err and "aws-sam-translator" in err and "Traceback" not in err


# -- Terraform ------------------------------------------------------------------------------------

def test_unknown_terraform_plan_format_version_exits_2_with_file_and_line(tmp_path):
    plan = json.loads((SEED / "correct.tfplan.json").read_text())
    plan["format_version"] = "2.0"
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan, indent=2))
    code, _, err = run_cli("audit", path)
    assert code == 2
    assert f"{path}:2:" in err and "unknown Terraform plan format version '2.0'" in err


def test_terraform_state_json_is_read_too(tmp_path):
    plan = json.loads((SEED / "correct-known.tfplan.json").read_text())
    state = {"format_version": "1.0", "terraform_version": "1.9.5", "values": plan["planned_values"]}
    path = tmp_path / "state.json"
    path.write_text(json.dumps(state))
    assert rule_ids(audit_json(path)) == {"AGW304", "AGW305"}


def test_terraform_payload_format_version_defaults_to_1_0(tmp_path):
    plan = json.loads((SEED / "correct-known.tfplan.json").read_text())
    for resource in plan["planned_values"]["root_module"]["resources"]:
        resource["values"].pop("payload_format_version", None)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    assert "AGW111" in rule_ids(audit_json(path))


# -- OpenAPI and CLI outputs ----------------------------------------------------------------------

def test_standalone_openapi_definition():
    report = audit_json(MISC / "api.openapi.yaml")
    assert rule_ids(report) == {"AGW000", "AGW111", "AGW304"}
    assert findings_by_rule(report, "AGW111")[0]["location"]["line"] == 8
    assert all(f["severity"] == "info" for f in findings_by_rule(report, "AGW000"))  # function not in the input


def test_folder_of_cli_outputs_keeps_cli_remediations():
    report = audit_json(FIXTURES / "cli-outputs")
    prefix = findings_by_rule(report, "AGW101")[0]
    assert prefix["location"]["file"].endswith("api/get-routes.json") and prefix["location"]["line"] == 13
    assert prefix["remediation"].startswith("aws apigatewayv2 update-route --api-id abc123def4 --route-id xyz790")
    assert rule_ids(report) == {"AGW101", "AGW304", "AGW305"}


# -- bad input and options ------------------------------------------------------------------------

@pytest.mark.parametrize("text, line, message", [
    ("Resources:\n  Api:\n    Type: [unclosed\n", 4, "invalid YAML"),
    ("Description: not a template\nOutputs: {}\n", 1, "not a recognised input"),
    ("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Api:\n    Properties: {}\n", 3, "has no 'Type'"),
    ("AWSTemplateFormatVersion: '2010-09-09'\nResources: []\n", 2, "no 'Resources' mapping"),
])
def test_bad_templates_exit_2_with_file_and_line(tmp_path, text, line, message):
    path = tmp_path / "template.yaml"
    path.write_text(text)
    code, _, err = run_cli("audit", path)
    assert code == 2
    assert f"{path}:{line}:" in err and message in err and "Traceback" not in err


def test_yaml_that_is_not_cloudformation_with_input_type(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("- just\n- a list\n")
    code, _, err = run_cli("audit", path, "--input-type", "cloudformation")
    assert code == 2 and f"{path}:1:" in err and "not a CloudFormation template" in err


def test_option_errors_exit_2():
    assert run_cli("audit", SEED / "correct.cfn.yaml", "--parameter", "NoEquals")[0] == 2
    code, _, err = run_cli("audit", SEED / "correct.cfn.yaml", "--region", "us-east-1", "--region", "eu-west-1")
    assert code == 2 and "one region" in err


def test_input_type_overrides_detection():
    # The SAM template read as plain CloudFormation: its Serverless resources are not API Gateway ones.
    # (so nothing is audited: without --allow-empty that is exit 2, see tests/qa/test_first_hour.py)
    report = audit_json(SEED / "correct.sam.yaml", "--input-type", "cloudformation", "--allow-empty")
    assert report["findings"] == []


def test_permission_findings_point_at_the_permission_resource_with_a_template_fix(tmp_path):
    template = (SEED / "correct.cfn.yaml").read_text() + """  OpenPermission:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: !GetAtt ItemsFunction.Arn
      Principal: apigateway.amazonaws.com
  PublicPermission:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: !Ref ItemsFunction
      Principal: "*"
"""
    path = tmp_path / "exposed.yaml"
    path.write_text(template)
    report = audit_json(path)
    no_source = findings_by_rule(report, "AGW301")[0]
    assert no_source["location"]["resource"] == "OpenPermission"
    assert no_source["location"]["line"] == template.splitlines().index("  OpenPermission:") + 1
    assert "in resource OpenPermission (AWS::Lambda::Permission)" in no_source["remediation"]
    assert "SourceArn: !Sub \"arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${HttpApi}/*\"" \
        in no_source["remediation"]
    public = findings_by_rule(report, "AGW303")[0]
    assert public["location"]["resource"] == "PublicPermission" and public["severity"] == "critical"


def test_terraform_modules_and_references_inside_them(tmp_path):
    plan = json.loads((SEED / "missing-permission.tfplan.json").read_text())
    resources = plan["planned_values"]["root_module"].pop("resources")
    for resource in resources:
        resource["address"] = "module.api." + resource["address"]
    plan["planned_values"]["root_module"]["child_modules"] = [{"address": "module.api", "resources": resources}]
    for change in plan["resource_changes"]:
        change["address"] = "module.api." + change["address"]
        change["module_address"] = "module.api"
    config = plan["configuration"]["root_module"]
    config["module_calls"] = {"api": {"source": "./modules/api", "module": {"resources": config.pop("resources")}}}
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan, indent=1))
    report = audit_json(path)
    assert rule_ids(report, exclude_info_meta=True) == {"AGW201", "AGW304", "AGW305"}
    finding = findings_by_rule(report, "AGW201")[0]
    assert finding["location"]["resource"] == "module.api.aws_apigatewayv2_integration.items"
    assert "(in module.api)" in finding["remediation"]


def test_terraform_module_input_variables_are_followed_to_the_callers_resources(tmp_path):
    """A module per route (`api_id = var.api_id`, `integration_uri = var.invoke_arn`), as many configurations do."""
    plan = json.loads((SEED / "correct.tfplan.json").read_text())
    root = plan["planned_values"]["root_module"]
    inner = [r for r in root["resources"] if r["type"] in ("aws_apigatewayv2_integration", "aws_apigatewayv2_route")]
    root["resources"] = [r for r in root["resources"] if r not in inner]
    for resource in inner:
        resource["address"] = "module.routes." + resource["address"]
    root["child_modules"] = [{"address": "module.routes", "resources": inner}]
    for change in plan["resource_changes"]:
        if change["type"] in ("aws_apigatewayv2_integration", "aws_apigatewayv2_route"):
            change["address"] = "module.routes." + change["address"]
    config = plan["configuration"]["root_module"]
    moved = [r for r in config["resources"] if r["type"] in ("aws_apigatewayv2_integration", "aws_apigatewayv2_route")]
    config["resources"] = [r for r in config["resources"] if r not in moved]
    for resource in moved:
        for name, expression in resource["expressions"].items():
            if name == "api_id":
                resource["expressions"][name] = {"references": ["var.api_id"]}
            if name == "integration_uri":
                resource["expressions"][name] = {"references": ["var.invoke_arn"]}
    config["module_calls"] = {"routes": {"source": "./routes", "module": {"resources": moved}, "expressions": {
        "api_id": {"references": ["aws_apigatewayv2_api.http.id", "aws_apigatewayv2_api.http"]},
        "invoke_arn": {"references": ["aws_lambda_function.items.invoke_arn", "aws_lambda_function.items"]}}}}
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    report = audit_json(path)
    assert rule_ids(report, exclude_info_meta=True) == {"AGW304", "AGW305"}
    routes = [f for f in report["findings"] if f["rule_id"] == "AGW304"]
    assert {f["resource"]["api_id"] for f in routes} == {"aws_apigatewayv2_api.http"}
    assert not any("names its function through" in f["message"] for f in report["findings"])  # invoke_arn resolved


def test_adding_to_an_api_of_another_stack_raises_nothing_about_what_is_not_in_the_template():
    # No AGW105 "no routes", no AGW401 "unused", no AGW202 for the imported API id.
    assert audit_json(MISC / "imported-api.cfn.yaml")["findings"] == []


@pytest.mark.parametrize("name", ["service-integration.sam.yaml", "alias.sam.yaml"])
def test_common_sam_patterns_audit_clean(name):
    # Written for this project after public serverless patterns (see docs/iac.md, "Real-world templates tried").
    assert rule_ids(audit_json(FIXTURES / "patterns" / name)) == {"AGW304", "AGW305"}


def test_each_value_left_to_deployment_is_listed_not_skipped_silently(tmp_path):
    """A route key, integration type or payload version the template leaves open is not judged by
    AGW104/AGW111/AGW112, and AGW000 (info) names each one."""
    template = (SEED / "correct.cfn.yaml").read_text()
    template = template.replace("Parameters:\n", "Parameters:\n  Key: {Type: String}\n  Payload: {Type: String}\n", 1)
    template = template.replace("RouteKey: GET /items\n", "RouteKey: !Ref Key\n", 1)
    template = template.replace('PayloadFormatVersion: "2.0"', "PayloadFormatVersion: !Ref Payload", 1)
    path = tmp_path / "open.cfn.yaml"
    path.write_text(template)
    report = audit_json(path)
    assert not rule_ids(report) & {"AGW104", "AGW111", "AGW112"}
    notes = [f["message"] for f in findings_by_rule(report, "AGW000")]
    assert any(m.startswith("Route key `${unresolved:") and "(AGW104) was not checked" in m for m in notes), notes
    assert any("PayloadFormatVersion is not known before deployment" in m for m in notes), notes


def test_an_integration_type_left_to_deployment_names_every_check_it_skips(tmp_path):
    template = (SEED / "missing-permission.cfn.yaml").read_text()
    template = template.replace("Parameters:\n", "Parameters:\n  T: {Type: String}\n", 1)
    template = template.replace("IntegrationType: AWS_PROXY", "IntegrationType: !Ref T", 1)
    path = tmp_path / "type.cfn.yaml"
    path.write_text(template)
    report = audit_json(path)
    assert "AGW201" not in rule_ids(report)  # not judged: the type may not be a Lambda proxy at all
    assert any("IntegrationType is not known before deployment" in f["message"] and "every Lambda check" in f["message"]
               for f in findings_by_rule(report, "AGW000"))

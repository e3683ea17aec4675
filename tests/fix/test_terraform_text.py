"""The diff emitter on Terraform source: attributes set in place as references, blocks added and removed,
everything else (comments, alignment) untouched. The registry entry stands in for the .tf reader."""

import shutil
from pathlib import Path

from auditor.fix.edits import AddPermission, CreateStage, RemovePermission, SetIntegration, SetRoute
from auditor.fix.textdiff import render_diff
from auditor.iac import remediation
from auditor.core.model import Location

FIXTURE = Path(__file__).parent / "fixtures" / "seed.tf"
ACCOUNT, REGION, API = "123456789012", "us-east-1", "api-http"
FUNCTION = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:my-frontend-app-api"


def test_terraform_source_is_edited_in_place(tmp_path):
    tf = tmp_path / "main.tf"
    shutil.copy(FIXTURE, tf)
    file = str(tf)
    hints = {"$.I": {"kind": "tf", "address": "aws_apigatewayv2_integration.items"},
             "$.R": {"kind": "tf", "address": "aws_apigatewayv2_route.post_items"},
             "$.A": {"kind": "tf", "address": "aws_apigatewayv2_api.http"},
             "$.F": {"kind": "tf", "address": "aws_lambda_function.items"},
             "$.P": {"kind": "tf", "address": "aws_lambda_permission.old", "type": "aws_lambda_permission"}}
    context = {"input_type": "terraform", "apis": {API: "aws_apigatewayv2_api.http"},
               "integrations": {"int-items": "aws_apigatewayv2_integration.items"},
               "functions": {FUNCTION: "aws_lambda_function.items"}}
    remediation.register(file, context, hints)
    at = lambda path: Location(file, path, None, None, "terraform")
    base = {"account": ACCOUNT, "region": REGION}
    edits = [
        AddPermission(**base, location=at("$.F"), function_arn=FUNCTION, function_name="my-frontend-app-api",
                      statement_id="apigateway-invoke-api-http", source_arn=f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API}/*"),
        SetIntegration(**base, location=at("$.I"), api_id=API, integration_id="int-items",
                       values={"PayloadFormatVersion": "2.0"}),
        SetRoute(**base, location=at("$.R"), api_id=API, route_id="r1", route_key="POST /items",
                 values={"Target": "integrations/int-items"}),
        CreateStage(**base, location=at("$.A"), api_id=API, stage="$default"),
        RemovePermission(**base, location=at("$.P"), function_arn=FUNCTION, function_name="my-frontend-app-api",
                         statement_id="old-api"),
    ]
    patched = render_diff(edits)
    assert patched.problems == []
    text = patched.text(file)
    assert '  payload_format_version = "2.0"\n' in text  # the comment calling 1.0 a mistake is dropped with it
    assert '  target    = "integrations/${aws_apigatewayv2_integration.items.id}"' in text
    assert 'source_arn    = "${aws_apigatewayv2_api.http.execution_arn}/*"' in text
    assert "function_name = aws_lambda_function.items.function_name" in text
    assert 'resource "aws_apigatewayv2_stage" "http_default"' in text and 'name        = "$default"' in text
    assert "old-api" not in text and "left over from a deleted API" not in text
    assert "123456789012" not in text  # references, never the placeholder account
    assert text.count("{") == text.count("}")
    assert "# The seed tutorial's API as Terraform source, with its mistakes." in text
    diff = patched.diff()
    assert diff.startswith(f"--- {file}") and "-  payload_format_version = \"1.0\"" in diff


def test_module_resources_are_left_for_a_person(tmp_path):
    tf = tmp_path / "main.tf"
    shutil.copy(FIXTURE, tf)
    file = str(tf)
    remediation.register(file, {"input_type": "terraform"},
                         {"$.I": {"kind": "tf", "address": "module.api.aws_apigatewayv2_integration.this"}})
    edit = SetIntegration(account=ACCOUNT, region=REGION, location=Location(file, "$.I", None, None, "terraform"),
                          api_id=API, integration_id="x", values={"PayloadFormatVersion": "2.0"})
    patched = render_diff([edit])
    assert patched.changed == [] and "made by a module" in patched.problems[0]


def test_a_statement_of_a_whole_resource_policy_is_never_removed_with_its_resource(tmp_path):
    """aws_lambda_resource_policy holds every statement (Deny ones too): removing or narrowing one of them must
    not delete or rewrite the block as if it were an aws_lambda_permission; the plan says what to change."""
    from auditor.fix.edits import ReplaceStatement
    tf = tmp_path / "main.tf"
    tf.write_text('resource "aws_lambda_resource_policy" "items" {\n'
                  '  resource_arn = aws_lambda_function.items.arn\n'
                  '  policy       = jsonencode({ Version = "2012-10-17", Statement = [] })\n}\n')
    file = str(tf)
    remediation.register(file, {"input_type": "terraform", "apis": {API: "aws_apigatewayv2_api.http"},
                                "functions": {FUNCTION: "aws_lambda_function.items"}},
                         {"$.P": {"kind": "tf", "address": "aws_lambda_resource_policy.items",
                                  "type": "aws_lambda_resource_policy"}})
    at = Location(file, "$.P", None, None, "terraform")
    base = {"account": ACCOUNT, "region": REGION}
    remove = RemovePermission(**base, location=at, function_arn=FUNCTION, function_name="my-frontend-app-api",
                              statement_id="wide")
    grant = AddPermission(**base, location=at, function_arn=FUNCTION, function_name="my-frontend-app-api",
                          statement_id="wide-scoped", source_arn=f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API}/*")
    patched = render_diff([ReplaceStatement(**base, location=at, remove=remove, grants=[grant]), remove])
    assert patched.changed == [] and tf.read_text().startswith('resource "aws_lambda_resource_policy"')
    assert len(patched.problems) == 2
    assert all("aws_lambda_resource_policy.items, a whole resource-based policy" in p for p in patched.problems)
    assert "Sid `wide`" in patched.problems[0] and "execution_arn" in patched.problems[0]

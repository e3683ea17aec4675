"""Expressions as Terraform evaluates them before a plan; what it could not know stays unresolved
(the `${unresolved:...}` marker, reported by AGW000), never guessed."""

from auditor.iac.hcl import load_source
from tests.iac.conftest import audit_json

API = 'resource "aws_apigatewayv2_api" "a" {\n  name = "a"\n  protocol_type = "HTTP"\n}\n'


def routes(tmp_path, body: str, **kwargs) -> list[dict]:
    (tmp_path / "main.tf").write_text(API + body)
    document = load_source(str(tmp_path), None, None, None, **kwargs)
    return document["Scopes"][0]["Apis"][0].get("Routes", [])


def route(key_expr: str, extra: str = "") -> str:
    return (f'{extra}\nresource "aws_apigatewayv2_route" "r" {{\n  api_id = aws_apigatewayv2_api.a.id\n'
            f'  route_key = {key_expr}\n}}\n')


def test_functions_and_operators(tmp_path):
    cases = {
        'format("%s /%s", upper("get"), join("/", ["items", "{id}"]))': "GET /items/{id}",
        'lookup({ a = "GET /a" }, "a", "x")': "GET /a",
        'try(local.m.missing, "GET /fallback")': "GET /fallback",
        'jsondecode(jsonencode({ k = "GET /j" })).k': "GET /j",
        'merge({ a = "x" }, { a = "GET /m" }).a': "GET /m",
        '1 + 2 * 3 == 7 && !false ? "GET /ok" : "GET /no"': "GET /ok",
        '"GET /${replace("a_b", "_", "-")}-$${literal}"': "GET /a-b-${literal}",
        '[for k, v in { b = 2, a = 1 } : "GET /${k}${v}" if v > 1][0]': "GET /b2",
        '{ for s in ["x"] : s => "GET /${s}" }["x"]': "GET /x",
        'coalesce("", null, "GET /c")': "GET /c",
    }
    for expression, expected in cases.items():
        found = routes(tmp_path, route(expression, 'locals {\n  m = {}\n}\n'))
        assert [r["RouteKey"] for r in found] == [expected], expression


def test_unknown_values_stay_unresolved(tmp_path):
    for expression in ("data.aws_ssm_parameter.p.value", "timestamp()", "var.no_default", "self.x"):
        extra = 'variable "no_default" {}\n'
        [found] = routes(tmp_path, route(expression, extra))
        assert found["RouteKey"].startswith("${unresolved:"), expression


def test_heredoc_and_count_index(tmp_path):
    body = ('resource "aws_apigatewayv2_route" "r" {\n  count = 2\n  api_id = aws_apigatewayv2_api.a.id\n'
            '  route_key = <<-EOT\n    GET /n${count.index}\n  EOT\n}\n')
    assert [r["RouteKey"] for r in routes(tmp_path, body)] == ["GET /n0\n", "GET /n1\n"]


def test_for_each_over_an_unknown_value_is_reported_not_guessed(tmp_path):
    (tmp_path / "main.tf").write_text(API + 'resource "aws_apigatewayv2_route" "r" {\n'
                                      '  for_each = toset(data.aws_x.y.keys)\n  api_id = aws_apigatewayv2_api.a.id\n'
                                      '  route_key = each.key\n}\n')
    report = audit_json(tmp_path)
    assert any(f["rule_id"] == "AGW000" and "for_each" in f["message"] for f in report["findings"])


def test_var_flag_typed_by_the_declaration(tmp_path):
    body = 'variable "keys" {\n  type = list(string)\n}\n' + route("var.keys[1]")
    [found] = routes(tmp_path, body, variables={"keys": '["GET /a", "GET /b"]'})
    assert found["RouteKey"] == "GET /b"


def test_role_trust_policy_in_the_scope(tmp_path):
    (tmp_path / "main.tf").write_text(
        'resource "aws_iam_role" "invoke" {\n  name = "apigw-invoke"\n  assume_role_policy = jsonencode({\n'
        '    Version = "2012-10-17"\n    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole",\n'
        '      Principal = { Service = "apigateway.amazonaws.com" } }]\n  })\n}\n')
    [role] = load_source(str(tmp_path), None, "111122223333", None)["Scopes"][0]["Roles"]
    assert role["RoleName"] == "apigw-invoke"
    assert role["Arn"] == "arn:aws:iam::111122223333:role/apigw-invoke"
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "apigateway.amazonaws.com"}


def test_openapi_body_from_templatefile_is_read(tmp_path):
    (tmp_path / "api.yaml").write_text(
        'openapi: "3.0.1"\ninfo:\n  title: a\npaths:\n  /items:\n    get:\n      x-amazon-apigateway-integration:\n'
        '        type: aws_proxy\n        httpMethod: POST\n        uri: "${arn}"\n        payloadFormatVersion: "2.0"\n')
    (tmp_path / "main.tf").write_text(
        'resource "aws_lambda_function" "f" {\n  function_name = "items"\n}\n'
        'resource "aws_apigatewayv2_api" "a" {\n  name = "a"\n  protocol_type = "HTTP"\n'
        '  body = templatefile("${path.module}/api.yaml", { arn = aws_lambda_function.f.invoke_arn })\n}\n'
        'resource "aws_apigatewayv2_stage" "s" {\n  api_id = aws_apigatewayv2_api.a.id\n  name = "$default"\n'
        '  auto_deploy = true\n}\n')
    report = audit_json(tmp_path)
    assert {f["rule_id"] for f in report["findings"] if f["severity"] == "high"} == {"AGW201"}  # no permission
    assert any(f["rule_id"] == "AGW304" and "GET /items" in f["message"] for f in report["findings"])


def test_role_without_a_name_has_no_guessed_arn(tmp_path):
    (tmp_path / "main.tf").write_text('resource "aws_iam_role" "r" {\n  assume_role_policy = "{}"\n}\n'
                                      'resource "aws_iam_role" "p" {\n  name = "x"\n  path = "/svc/"\n'
                                      '  assume_role_policy = "{}"\n}\n')
    unnamed, named = load_source(str(tmp_path), None, None, None)["Scopes"][0]["Roles"]
    assert unnamed["Arn"].startswith("${unresolved:") and unnamed["RoleName"].startswith("${unresolved:")
    assert named["Arn"] == "arn:aws:iam::123456789012:role/svc/x"


def test_trust_policy_from_a_data_source_is_unknown_not_an_input_error(tmp_path):
    """`assume_role_policy = data.aws_iam_policy_document.x.json`, the usual Terraform form, is not read:
    the role is left out (never judged by AGW210), and the audit goes on (it used to exit 2)."""
    (tmp_path / "main.tf").write_text(
        'data "aws_iam_policy_document" "trust" {\n  statement {\n    actions = ["sts:AssumeRole"]\n'
        '    principals {\n      type        = "Service"\n      identifiers = ["lambda.amazonaws.com"]\n    }\n'
        '  }\n}\nresource "aws_iam_role" "r" {\n  name               = "r"\n'
        '  assume_role_policy = data.aws_iam_policy_document.trust.json\n}\n'
        'resource "aws_apigatewayv2_api" "a" {\n  name          = "a"\n  protocol_type = "HTTP"\n}\n'
        'resource "aws_apigatewayv2_integration" "i" {\n  api_id             = aws_apigatewayv2_api.a.id\n'
        '  integration_type   = "AWS_PROXY"\n  integration_subtype = "SQS-SendMessage"\n'
        '  credentials_arn    = aws_iam_role.r.arn\n  payload_format_version = "1.0"\n}\n'
        'resource "aws_apigatewayv2_route" "r" {\n  api_id    = aws_apigatewayv2_api.a.id\n'
        '  route_key = "POST /q"\n  target    = "integrations/${aws_apigatewayv2_integration.i.id}"\n}\n'
        'resource "aws_apigatewayv2_stage" "s" {\n  api_id      = aws_apigatewayv2_api.a.id\n'
        '  name        = "$default"\n  auto_deploy = true\n}\n')
    report = audit_json(tmp_path)
    assert "AGW210" not in {f["rule_id"] for f in report["findings"]}
    assert report["summary"]["apis"] == 1

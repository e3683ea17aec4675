"""WebSocket APIs read from CloudFormation/SAM, cdk.out, Terraform (source and plan) and CLI-output
folders, with the mistakes the issue plants."""

import copy
import json
from pathlib import Path

import pytest

from auditor.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
CORRECT = (FIXTURES / "chat-correct.yaml").read_text()
PERMISSION = "${ChatApi}/*/$connect"


@pytest.fixture
def audit_text(tmp_path, capsys):
    def run(text, name="template.yaml"):
        path = tmp_path / name
        path.write_text(text)
        capsys.readouterr()
        code = main(["audit", str(path), "--format", "json"])
        return code, json.loads(capsys.readouterr().out)
    return run


def _ids(report):
    return {f["rule_id"] for f in report["findings"]}


def test_correct_template_audits_clean(audit_text):
    code, report = audit_text(CORRECT)
    assert code == 0 and report["findings"] == []


def test_wrong_source_arn_form_is_found(audit_text):
    code, report = audit_text(CORRECT.replace(PERMISSION, "${ChatApi}/*/GET/*"))
    assert code == 1
    assert {"AGW203", "AGW230"} <= _ids(report)
    (finding,) = [f for f in report["findings"] if f["rule_id"] == "AGW203"]
    assert finding["location"]["line"] > 1 and "HTTP form" in finding["message"]


def test_missing_connect_permission_is_found(audit_text):
    start = CORRECT.index("  OnConnectPermission:")
    end = CORRECT.index("  SendMessagePermission:")
    code, report = audit_text(CORRECT[:start] + CORRECT[end:])
    assert code == 1 and {"AGW201", "AGW230"} <= _ids(report)


def test_authorizer_on_a_message_route_is_found(audit_text):
    text = CORRECT.replace("""      RouteKey: sendmessage
      AuthorizationType: NONE""", """      RouteKey: sendmessage
      AuthorizationType: CUSTOM
      AuthorizerId: !Ref ChatAuthorizer""")
    code, report = audit_text(text)
    assert code == 1 and "AGW231" in _ids(report)


def test_two_way_route_without_its_route_response_resource_is_found(audit_text):
    start = CORRECT.index("  SendRouteResponse:")
    end = CORRECT.index("  SendIntegration:")
    code, report = audit_text(CORRECT[:start] + CORRECT[end:])
    assert "AGW130" in _ids(report)


def test_route_response_with_an_unknown_route_is_not_judged(audit_text):
    text = CORRECT.replace("RouteId: !Ref SendRoute", "RouteId: !ImportValue other-stack-route")
    code, report = audit_text(text)
    assert "AGW130" not in _ids(report)


TERRAFORM = '''
resource "aws_apigatewayv2_api" "chat" {
  name                       = "chat"
  protocol_type              = "WEBSOCKET"
  route_selection_expression = "$request.body.action"
}
resource "aws_apigatewayv2_integration" "connect" {
  api_id           = aws_apigatewayv2_api.chat.id
  integration_type = "AWS_PROXY"
  integration_uri  = aws_lambda_function.connect.invoke_arn
}
resource "aws_apigatewayv2_route" "connect" {
  api_id    = aws_apigatewayv2_api.chat.id
  route_key = "$connect"
  target    = "integrations/${aws_apigatewayv2_integration.connect.id}"
}
resource "aws_apigatewayv2_route" "send" {
  api_id    = aws_apigatewayv2_api.chat.id
  route_key = "sendmessage"
  target    = "integrations/${aws_apigatewayv2_integration.connect.id}"
  route_response_selection_expression = "$default"
}
resource "aws_apigatewayv2_route_response" "send" {
  api_id             = aws_apigatewayv2_api.chat.id
  route_id           = aws_apigatewayv2_route.send.id
  route_response_key = "$default"
}
resource "aws_apigatewayv2_deployment" "chat" {
  api_id = aws_apigatewayv2_api.chat.id
}
resource "aws_apigatewayv2_stage" "prod" {
  api_id        = aws_apigatewayv2_api.chat.id
  name          = "prod"
  deployment_id = aws_apigatewayv2_deployment.chat.id
  access_log_settings {
    destination_arn = "arn:aws:logs:us-east-1:123456789012:log-group:chat"
    format          = "$context.requestId"
  }
}
resource "aws_lambda_function" "connect" {
  function_name = "chat-connect"
  role          = "arn:aws:iam::123456789012:role/x"
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "app.zip"
}
resource "aws_lambda_permission" "connect" {
  statement_id  = "AllowAPIGateway"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.connect.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.chat.execution_arn}/*/$connect"
}
'''


def test_terraform_source_websocket_api(audit_text):
    code, report = audit_text(TERRAFORM, "main.tf")
    assert report["summary"]["skipped_apis"] == []
    # the permission names `$connect` only: the message route `sendmessage` is uncovered
    uncovered = [f for f in report["findings"] if f["rule_id"] == "AGW203"]
    assert [f["resource"]["route_key"] for f in uncovered] == ["sendmessage"]
    assert "AGW230" not in _ids(report) and "AGW130" not in _ids(report)


def test_terraform_two_way_route_without_response(audit_text):
    start = TERRAFORM.index('resource "aws_apigatewayv2_route_response"')
    end = TERRAFORM.index('resource "aws_apigatewayv2_deployment"')
    code, report = audit_text(TERRAFORM[:start] + TERRAFORM[end:], "main.tf")
    assert "AGW130" in _ids(report)


def test_cli_outputs_folder_with_a_websocket_api(tmp_path, capsys):
    from tests.websocket.chat import Chat
    chat = Chat()
    api = dict(chat.api)
    folder = tmp_path / "cli"
    (folder / "api").mkdir(parents=True)
    routes = [dict(r) for r in api.pop("Routes")]
    for route in routes:
        route.pop("RouteResponses")
    routes[2]["RouteResponseSelectionExpression"] = "$default"
    (folder / "api" / "get-routes.json").write_text(json.dumps({"Items": routes}))
    integrations = [dict(i) for i in api.pop("Integrations")]
    (folder / "api" / "get-integrations.json").write_text(json.dumps({"Items": integrations}))
    (folder / "api" / "get-stages.json").write_text(json.dumps({"Items": api.pop("Stages")}))
    api.pop("Authorizers")
    (folder / "api" / "get-api.json").write_text(json.dumps(api))
    for function in chat.doc["Scopes"][0]["Functions"]:
        sub = folder / function["FunctionName"]
        sub.mkdir()
        (sub / "get-function-configuration.json").write_text(json.dumps(
            {"FunctionArn": function["FunctionArn"], "FunctionName": function["FunctionName"], "Runtime": "x"}))
        (sub / "get-policy.json").write_text(json.dumps({"Policy": function["Policy"], "RevisionId": "1"}))

    def run():
        capsys.readouterr()
        main(["audit", str(folder), "--format", "json"])
        return {f["rule_id"] for f in json.loads(capsys.readouterr().out)["findings"]}

    assert "AGW130" not in run()  # two-way, its responses not given: not judged
    (folder / "api" / "get-route-responses-rs.json").write_text(json.dumps({"Items": []}))
    assert "AGW130" in run()
    (folder / "api" / "get-route-responses-rs.json").write_text(
        json.dumps({"Items": [{"RouteResponseId": "x", "RouteResponseKey": "$default"}]}))
    assert "AGW130" not in run()


def _generate_plans():
    import importlib.util
    path = Path(__file__).parents[1] / "iac" / "fixtures" / "seed" / "generate_plans.py"
    spec = importlib.util.spec_from_file_location("generate_plans", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _websocket_plan(with_response: bool) -> dict:
    """A `terraform show -json` plan of a WebSocket chat API (the seed plans' shapes, protocol WEBSOCKET)."""
    g = _generate_plans()
    ws = g.resource("aws_apigatewayv2_api", "chat",
                    {"name": "chat", "protocol_type": "WEBSOCKET", "route_selection_expression": "$request.body.action"},
                    ["id", "execution_arn"], {"name": g.const("chat"), "protocol_type": g.const("WEBSOCKET")})
    integration = g.integration("connect", "chat")
    integration["planned"]["values"]["payload_format_version"] = None
    connect = g.route("connect", "$connect", "connect", "chat")
    send = g.route("send", "sendmessage", "connect", "chat")
    send["planned"]["values"]["route_response_selection_expression"] = "$default"
    send["change"]["change"]["after"] = send["planned"]["values"]
    resources = [ws, integration, connect, send, g.stage("default", "chat"), g.function(),
                 g.permission("apigw", "chat")]
    if with_response:
        resources.append(g.resource(
            "aws_apigatewayv2_route_response", "send", {"route_response_key": "$default"}, ["id", "api_id", "route_id"],
            {"api_id": g.ref("aws_apigatewayv2_api.chat.id", "aws_apigatewayv2_api.chat"),
             "route_id": g.ref("aws_apigatewayv2_route.send.id", "aws_apigatewayv2_route.send")}))
    return g.plan(resources)


def test_terraform_plan_websocket_api(audit_text):
    code, report = audit_text(json.dumps(_websocket_plan(True)), "plan.json")
    assert report["summary"]["skipped_apis"] == []
    assert "AGW130" not in _ids(report)
    code, report = audit_text(json.dumps(_websocket_plan(False)), "plan.json")
    assert "AGW130" in _ids(report)


CDK_TEMPLATE = {
    "Resources": {
        "ChatApi1D2B3C4D": {"Type": "AWS::ApiGatewayV2::Api",
                            "Properties": {"Name": "chat", "ProtocolType": "WEBSOCKET",
                                           "RouteSelectionExpression": "$request.body.action"}},
        "ChatApiconnectRouteIntegration5E6F": {
            "Type": "AWS::ApiGatewayV2::Integration",
            "Properties": {"ApiId": {"Ref": "ChatApi1D2B3C4D"}, "IntegrationType": "AWS_PROXY",
                           "IntegrationUri": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"},
                                                                ":apigateway:", {"Ref": "AWS::Region"},
                                                                ":lambda:path/2015-03-31/functions/",
                                                                {"Fn::GetAtt": ["ConnectFn0A1B", "Arn"]},
                                                                "/invocations"]]}}},
        "ChatApiconnectRoute7A8B": {
            "Type": "AWS::ApiGatewayV2::Route",
            "Properties": {"ApiId": {"Ref": "ChatApi1D2B3C4D"}, "RouteKey": "$connect", "AuthorizationType": "NONE",
                           "Target": {"Fn::Join": ["", ["integrations/",
                                                        {"Ref": "ChatApiconnectRouteIntegration5E6F"}]]}}},
        "ChatApiconnectRouteChatApiconnectRoutePermission9C0D": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {"Action": "lambda:InvokeFunction", "FunctionName": {"Fn::GetAtt": ["ConnectFn0A1B", "Arn"]},
                           "Principal": "apigateway.amazonaws.com",
                           "SourceArn": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":execute-api:",
                                                           {"Ref": "AWS::Region"}, ":", {"Ref": "AWS::AccountId"},
                                                           ":", {"Ref": "ChatApi1D2B3C4D"}, "/*/*$connect"]]}}},
        "ConnectFn0A1B": {"Type": "AWS::Lambda::Function",
                          "Properties": {"Runtime": "nodejs20.x", "Handler": "index.handler",
                                         "Code": {"ZipFile": "exports.handler=async()=>({statusCode:200})"},
                                         "Role": "arn:aws:iam::123456789012:role/r"}},
        "ChatStageE1F2": {"Type": "AWS::ApiGatewayV2::Stage",
                          "Properties": {"ApiId": {"Ref": "ChatApi1D2B3C4D"}, "StageName": "prod",
                                         "AutoDeploy": True}},
    }
}


def test_cdk_out_websocket_api(tmp_path, capsys):
    """CDK's WebSocketLambdaIntegration grants `<api>/*/*$connect` (a `*` before the key): it covers `$connect`."""
    folder = tmp_path / "cdk.out"
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({"version": "36.0.0", "artifacts": {"Chat": {
        "type": "aws:cloudformation:stack", "environment": "aws://unknown-account/unknown-region",
        "properties": {"templateFile": "Chat.template.json"}}}}))
    template = copy.deepcopy(CDK_TEMPLATE)
    (folder / "Chat.template.json").write_text(json.dumps(template))
    capsys.readouterr()
    main(["audit", str(folder), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert report["summary"]["skipped_apis"] == []
    assert not {"AGW201", "AGW203", "AGW230"} & _ids(report)
    template["Resources"]["ChatApiconnectRouteChatApiconnectRoutePermission9C0D"]["Properties"]["SourceArn"][
        "Fn::Join"][1][-1] = "/*/GET/*"
    (folder / "Chat.template.json").write_text(json.dumps(template))
    capsys.readouterr()
    main(["audit", str(folder), "--format", "json"])
    assert {"AGW203", "AGW230"} <= _ids(json.loads(capsys.readouterr().out))

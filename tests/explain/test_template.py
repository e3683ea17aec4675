"""explain reads templates through auditor.inputs, and gives the fix in the template's syntax, as `audit` does."""

import json

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: items-fn
      Runtime: nodejs20.x
      Handler: index.handler
      Role: arn:aws:iam::123456789012:role/fn
      Code: {ZipFile: "exports.handler = async () => ({statusCode: 200})"}
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: items, ProtocolType: HTTP}
  Integration:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Api
      IntegrationType: AWS_PROXY
      IntegrationUri: !GetAtt Fn.Arn
      PayloadFormatVersion: "2.0"
  GetItems:
    Type: AWS::ApiGatewayV2::Route
    Properties: {ApiId: !Ref Api, RouteKey: GET /items, Target: !Sub "integrations/${Integration}"}
  PostItems:
    Type: AWS::ApiGatewayV2::Route
    Properties: {ApiId: !Ref Api, RouteKey: POST /items, Target: !Sub "integrations/${Integration}"}
  Stage:
    Type: AWS::ApiGatewayV2::Stage
    Properties: {ApiId: !Ref Api, StageName: $default, AutoDeploy: true}
  Permission:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: !Ref Fn
      Principal: apigateway.amazonaws.com
      SourceArn: !Sub "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/*/GET/items"
"""


def test_template_request_and_fix_in_template_syntax(tmp_path, cli):
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE)
    code, out, err = cli("explain", path, "--format", "json", "GET", "/items")
    assert code == 0, err
    code, out, err = cli("explain", path, "--format", "json", "--region", "eu-west-1", "POST", "/items")
    assert code == 1, err
    doc = json.loads(out)
    assert doc["request"]["region"] == "eu-west-1"
    assert doc["verdict"]["rule_id"] == "AGW203" and doc["verdict"]["status"] == 500
    code, report, _ = cli("audit", path, "--format", "json", "--region", "eu-west-1")
    (finding,) = [f for f in json.loads(report)["findings"] if f["rule_id"] == "AGW203"]
    assert doc["verdict"]["fix"] == finding["remediation"]
    code, out, _ = cli("routes", path, "--format", "json")
    rows = {r["route_key"]: r["permission"]["status"] for r in json.loads(out)["routes"]}
    assert rows == {"GET /items": "covered", "POST /items": "uncovered"}

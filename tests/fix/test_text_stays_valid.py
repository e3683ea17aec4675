"""`fix --diff/--write` never prints or writes a template it has broken: an edit the text editor cannot place
safely (here: a key added under a flow-style mapping) is left for a person, and the file still loads."""

from auditor.cli import main
from auditor.iac.yamlload import load_template_text

TEMPLATE = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: items
      Runtime: nodejs20.x
      Handler: index.handler
      Role: arn:aws:iam::123456789012:role/x
      Code: {ZipFile: "x"}
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: a, ProtocolType: HTTP}
  Integ:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Api
      IntegrationType: AWS_PROXY
      IntegrationUri: !GetAtt Fn.Arn
      PayloadFormatVersion: "2.0"
  Route:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Api
      RouteKey: GET /items
      Target: !Sub integrations/${Integ}
  Stage:
    Type: AWS::ApiGatewayV2::Stage
    Properties: {ApiId: !Ref Api, StageName: $default, AutoDeploy: true}
"""


def test_an_edit_that_would_break_the_text_is_left_for_a_person(tmp_path, capsys):
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE)
    assert main(["fix", str(path), "--write", "--fail-on", "low"]) == 1  # something is left for a person
    err = capsys.readouterr().err
    assert "AccessLogSettings" in err and "make this change by hand" in err
    text = path.read_text()
    load_template_text(text, str(path))  # still a template
    assert "AWS::Lambda::Permission" in text  # the edit that fits was made
    assert main(["audit", str(path), "--fail-on", "medium", "--quiet"]) == 0

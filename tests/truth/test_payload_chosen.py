"""Payload format 1.0 written in a template on purpose is low; 1.0 from a default gates at medium
(issue 22, item 8)."""

import json
import textwrap

import pytest

from auditor.cli import main

SAM = textwrap.dedent("""\
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Fn:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: dotnet8
          Handler: Orders::Orders.Functions_Get_Generated::Get
          InlineCode: x
          Events:
            Get:
              Type: HttpApi
              Properties: {Path: /items, Method: GET%s}
    """)

TF = textwrap.dedent("""\
    resource "aws_lambda_function" "f" {
      function_name = "f"
      role          = "arn:aws:iam::123456789012:role/f"
      runtime       = "nodejs20.x"
      handler       = "index.handler"
      filename      = "f.zip"
    }
    resource "aws_apigatewayv2_api" "http" {
      name          = "orders"
      protocol_type = "HTTP"
    }
    resource "aws_apigatewayv2_integration" "f" {
      api_id           = aws_apigatewayv2_api.http.id
      integration_type = "AWS_PROXY"
      integration_uri  = aws_lambda_function.f.invoke_arn%s
    }
    resource "aws_apigatewayv2_route" "get" {
      api_id    = aws_apigatewayv2_api.http.id
      route_key = "GET /items"
      target    = "integrations/${aws_apigatewayv2_integration.f.id}"
    }
    """)


def agw111(capsys, path):
    capsys.readouterr()
    main(["audit", str(path), "--format", "json"])
    return [f for f in json.loads(capsys.readouterr().out)["findings"] if f["rule_id"] == "AGW111"]


def test_sam_event_with_payload_1_0_written_is_low(capsys, tmp_path):
    """What .NET Lambda Annotations' HttpApiVersion.V1 generates: PayloadFormatVersion 1.0 on the event."""
    path = tmp_path / "serverless.yaml"
    path.write_text(SAM % ", PayloadFormatVersion: '1.0'")
    [finding] = agw111(capsys, path)
    assert finding["severity"] == "low" and "on purpose" in finding["message"]


@pytest.mark.parametrize("line, severity", [("", "medium"), ('\n  payload_format_version = "1.0"', "low")])
def test_terraform_default_gates_and_written_is_low(capsys, tmp_path, line, severity):
    (tmp_path / "main.tf").write_text(TF % line)
    [finding] = agw111(capsys, tmp_path)
    assert finding["severity"] == severity


def test_a_live_snapshot_still_gates(capsys):
    from tests.seed import SEED_BROKEN
    assert {f["severity"] for f in agw111(capsys, SEED_BROKEN)} == {"medium"}


def test_written_1_0_for_a_function_another_integration_gives_2_0_still_gates(capsys):
    """examples/iac/seed-broken.cfn.yaml: the same function behind a 2.0 integration reads the 2.0 event."""
    from tests.seed import ROOT
    [finding] = agw111(capsys, ROOT / "examples" / "iac" / "seed-broken.cfn.yaml")
    assert finding["severity"] == "medium" and "DevIntegration invokes the same function with 2.0" in finding["message"]

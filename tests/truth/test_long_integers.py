"""Integers past Python's 4,300-digit conversion limit in a template: a clear one-line error (exit 2) or
read as no value, never a traceback (issue 22, item 10)."""

import pytest

from auditor.cli import main

DIGITS = "9" * 5000


def run(capsys, path):
    capsys.readouterr()
    code = main(["audit", str(path)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    return code, captured.err


@pytest.mark.parametrize("where", [
    "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Timeout: {n}\n",
    "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
    "    Properties:\n      InlineCode: x\n      Handler: a.b\n      Runtime: python3.12\n      MemorySize: {n}\n",
    "Resources:\n  Api:\n    Type: AWS::ApiGatewayV2::Api\n    Properties:\n      Name: x\n      Tags: {{a: {n}}}\n",
])
def test_a_long_integer_in_yaml_is_a_clear_error(capsys, tmp_path, where):
    path = tmp_path / "template.yaml"
    path.write_text(where.format(n=DIGITS))
    code, err = run(capsys, path)
    assert code == 2 and "more than 4300 digits" in err and f"{path}:" in err


def test_a_long_digit_string_is_no_value(capsys, tmp_path):
    path = tmp_path / "template.yaml"
    path.write_text(f"Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Timeout: '{DIGITS}'\n")
    code, _ = run(capsys, path)
    assert code in (0, 1)

"""Defects a trial on public templates found, each as the user meets it: the CLI's report, explanation
and stderr (fixtures under tests/iac/fixtures/followup/ are small templates written for these cases)."""

import json
import os
import subprocess
import sys

from auditor.cli import main
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

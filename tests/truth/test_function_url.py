"""SAM FunctionUrlConfig AuthType NONE: a grant that opens the URL, not an API (issue 22, item 2)."""

import textwrap

import pytest

from tests.seed import FUNCTION_ARN

SAM = textwrap.dedent("""\
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Fn:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: app.handler
          InlineCode: "def handler(e, c): return 1"
          FunctionUrlConfig:
            AuthType: NONE
    """)
EVENTS = textwrap.indent(textwrap.dedent("""\
    Events:
      Get:
        Type: HttpApi
        Properties: {Path: /items, Method: GET}
    """), " " * 6)


def findings(report, rule_id):
    return [f for f in report["findings"] if f["rule_id"] == rule_id]


@pytest.mark.parametrize("events", ["", EVENTS])
def test_a_deliberate_public_url_is_not_a_public_function_finding(tmp_path, audit, events):
    path = tmp_path / "template.yaml"
    path.write_text(SAM + events)
    report = audit(str(path))
    assert not findings(report, "AGW303")
    assert len(findings(report, "AGW340")) == (1 if events else 0)


def test_the_url_beside_an_api_is_low_and_names_the_api(tmp_path, audit):
    path = tmp_path / "template.yaml"
    path.write_text(SAM + EVENTS)
    [finding] = findings(audit(str(path)), "AGW340")
    assert finding["severity"] == "low" and "public function URL" in finding["message"]
    assert "--auth-type AWS_IAM" in finding["remediation"]


def test_the_url_grant_in_a_snapshot_does_not_admit_api_gateway(seed, audit):
    seed.set_statements([{"Sid": "url", "Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunction",
                          "Resource": FUNCTION_ARN, "Condition": {"Bool": {"lambda:InvokedViaFunctionUrl": "true"}}}])
    report = audit(seed.doc)
    assert findings(report, "AGW201") and not findings(report, "AGW303")
    assert findings(report, "AGW340")

import copy
import json
from pathlib import Path

import pytest

from auditor.cli import main

ROOT = Path(__file__).resolve().parents[2]
SEED_CORRECT = json.loads((ROOT / "examples" / "seed-correct.json").read_text())
ACCOUNT, REGION, API_ID = "123456789012", "us-east-1", "abc123def4"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:my-frontend-app-api"


class Seed:
    """The tutorial's final, correct setup as a snapshot document, with handles to break it."""

    def __init__(self):
        self.doc = copy.deepcopy(SEED_CORRECT)

    @property
    def scope(self):
        return self.doc["Scopes"][0]

    @property
    def api(self):
        return self.scope["Apis"][0]

    @property
    def integration(self):
        return self.api["Integrations"][0]

    @property
    def function(self):
        return self.scope["Functions"][0]

    def route(self, key):
        return next(r for r in self.api["Routes"] if r["RouteKey"] == key)

    def statements(self):
        return json.loads(self.function["Policy"])["Statement"]

    def set_statements(self, statements):
        self.function["Policy"] = json.dumps({"Version": "2012-10-17", "Statement": statements})

    def grant(self, source_arn=None, sid="apigateway-invoke", resource=FUNCTION_ARN, principal=None, condition=None):
        statement = {"Sid": sid, "Effect": "Allow", "Principal": principal or {"Service": "apigateway.amazonaws.com"},
                     "Action": "lambda:InvokeFunction", "Resource": resource}
        if condition is not None:
            statement["Condition"] = condition
        elif source_arn is not None:
            statement["Condition"] = {"ArnLike": {"AWS:SourceArn": source_arn}}
        return statement


@pytest.fixture
def seed():
    return Seed()


@pytest.fixture
def audit(tmp_path, capsys):
    """Run `apigw-auditor audit --format json` on a document; return (exit code, report)."""

    def run(doc, *args):
        path = tmp_path / "snapshot.json"
        path.write_text(json.dumps(doc) if not isinstance(doc, str) else doc)
        capsys.readouterr()
        code = main(["audit", str(path), "--format", "json", *args])
        out = capsys.readouterr().out
        return code, (json.loads(out) if out.strip() else None)

    return run


def ids(report, severity_at_least=None):
    order = ["info", "low", "medium", "high", "critical"]
    return sorted({f["rule_id"] for f in report["findings"]
                   if severity_at_least is None or order.index(f["severity"]) >= order.index(severity_at_least)})


def findings_of(report, rule_id):
    return [f for f in report["findings"] if f["rule_id"] == rule_id]

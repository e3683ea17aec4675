import copy
import json
from pathlib import Path

import pytest

from auditor.cli import main

ROOT = Path(__file__).resolve().parents[2]
SEED_CORRECT = json.loads((ROOT / "examples" / "seed-correct.json").read_text())
SEED_BROKEN = ROOT / "examples" / "seed-broken.json"
ACCOUNT, REGION, API_ID = "123456789012", "us-east-1", "abc123def4"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:my-frontend-app-api"
API_ARN = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API_ID}"


def grant(source_arn=None, sid="apigateway-invoke", resource=FUNCTION_ARN):
    statement = {"Sid": sid, "Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
                 "Action": "lambda:InvokeFunction", "Resource": resource}
    if source_arn is not None:
        statement["Condition"] = {"ArnLike": {"AWS:SourceArn": source_arn}}
    return statement


class Seed:
    """The tutorial's final, correct setup, with handles to break it the ways the tutorial warns about."""

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

    def add_route(self, key, target="integrations/a1b2c3", route_id=None):
        self.api["Routes"].append({"RouteId": route_id or f"r{len(self.api['Routes'])}", "RouteKey": key,
                                   "Target": target, "AuthorizationType": "NONE"})

    def set_statements(self, statements):
        self.function["Policy"] = json.dumps({"Version": "2012-10-17", "Statement": statements})


@pytest.fixture
def seed():
    return Seed()


@pytest.fixture
def cli(tmp_path, capsys):
    """Run the CLI on a document (or a path); return (exit code, stdout, stderr)."""

    def run(command, doc, *args):
        if isinstance(doc, (str, Path)):
            path = str(doc)
        else:
            path = str(tmp_path / "snapshot.json")
            Path(path).write_text(json.dumps(doc))
        capsys.readouterr()
        code = main([command, path, *args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.fixture
def explain(cli):
    """`explain --format json`: (exit code, document)."""

    def run(doc, *args):
        code, out, err = cli("explain", doc, "--format", "json", *args)
        assert code in (0, 1), err
        return code, json.loads(out)

    return run


@pytest.fixture
def audit(cli):
    def run(doc):
        code, out, err = cli("audit", doc, "--format", "json")
        return json.loads(out)["findings"]

    return run

"""The seed tutorial's final, correct setup as a snapshot document, shared by every test area."""

import copy
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SEED_CORRECT = json.loads((EXAMPLES / "seed-correct.json").read_text())
SEED_BROKEN = EXAMPLES / "seed-broken.json"
_BROKEN_DOC = json.loads(SEED_BROKEN.read_text())
ACCOUNT, REGION, API_ID = "123456789012", "us-east-1", "abc123def4"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:my-frontend-app-api"
API_ARN = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API_ID}"


def grant(source_arn=None, sid="apigateway-invoke", resource=FUNCTION_ARN, principal=None, condition=None):
    """A policy statement as `aws lambda add-permission` writes it."""
    statement = {"Sid": sid, "Effect": "Allow", "Principal": principal or {"Service": "apigateway.amazonaws.com"},
                 "Action": "lambda:InvokeFunction", "Resource": resource}
    if condition is not None:
        statement["Condition"] = condition
    elif source_arn is not None:
        statement["Condition"] = {"ArnLike": {"AWS:SourceArn": source_arn}}
    return statement


class Seed:
    """The tutorial's correct setup, with handles to break it the ways the tutorial warns about."""

    grant = staticmethod(grant)

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

    def statements(self):
        return json.loads(self.function["Policy"])["Statement"]

    def set_statements(self, statements):
        self.function["Policy"] = json.dumps({"Version": "2012-10-17", "Statement": statements})


def broken() -> dict:
    """A fresh copy of examples/seed-broken.json."""
    return copy.deepcopy(_BROKEN_DOC)


def correct() -> dict:
    """A fresh copy of examples/seed-correct.json."""
    return copy.deepcopy(SEED_CORRECT)


def api(doc, index=0):
    return doc["Scopes"][0]["Apis"][index]


def function(doc, name):
    return next(f for f in doc["Scopes"][0]["Functions"] if f["FunctionName"] == name)


def route(doc, key, index=0):
    return next(r for r in api(doc, index)["Routes"] if r["RouteKey"] == key)


def audit_document(tmp_path, capsys, doc, *args) -> tuple[int, dict | None]:
    """`apigw-auditor audit FILE --format json` on a document (or raw text): (exit code, parsed report)."""
    from auditor.cli import main
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(doc) if not isinstance(doc, str) else doc)
    capsys.readouterr()
    code = main(["audit", str(path), "--format", "json", *args])
    out = capsys.readouterr().out
    return code, (json.loads(out) if out.strip() else None)

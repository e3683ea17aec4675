import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"
SEED = FIXTURES / "seed"
SEED_CORRECT = json.loads((ROOT / "examples" / "seed-correct.json").read_text())


def run_cli(*args, cwd=None):
    """The real command line, as a user runs it (exit code, stdout, stderr)."""
    proc = subprocess.run([sys.executable, "-m", "auditor", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd or ROOT)
    return proc.returncode, proc.stdout, proc.stderr


def audit_json(*args):
    code, out, err = run_cli("audit", *args, "--format", "json", "--fail-on", "never")
    assert code == 0, err
    return json.loads(out)


def rule_ids(report, exclude_info_meta=False) -> set:
    return {f["rule_id"] for f in report["findings"]
            if not (exclude_info_meta and f["rule_id"] == "AGW000" and f["severity"] == "info")}


def seed_mistake(name: str) -> dict:
    """The snapshot form of the seed tutorial's setup with one of its common mistakes."""
    doc = copy.deepcopy(SEED_CORRECT)
    scope = doc["Scopes"][0]
    api = scope["Apis"][0]
    routes = {r["RouteKey"]: r for r in api["Routes"]}
    if name == "missing-prefix":
        routes["POST /items"]["Target"] = "a1b2c3"
    elif name == "payload-v1":
        api["Integrations"][0]["PayloadFormatVersion"] = "1.0"
    elif name == "missing-permission":
        scope["Functions"][0]["Policy"] = None
    elif name == "mismatched-api":
        routes["GET /items/{id}"]["Target"] = "integrations/q9w8e7"
        dev = {"ApiId": "xyz987uvw6", "Name": "my-frontend-app-api-dev", "ProtocolType": "HTTP", "Routes": [],
               "Integrations": [dict(api["Integrations"][0], IntegrationId="q9w8e7", PayloadFormatVersion="2.0")],
               "Stages": [], "Authorizers": []}
        scope["Apis"].append(dev)
    elif name != "correct":
        raise ValueError(name)
    return doc


@pytest.fixture
def snapshot_form(tmp_path):
    def make(name):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(seed_mistake(name)))
        return path
    return make

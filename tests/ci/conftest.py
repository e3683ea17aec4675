import copy
import json
from pathlib import Path

import pytest

from auditor.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
SEED_BROKEN = json.loads((EXAMPLES / "seed-broken.json").read_text())
SEED_CORRECT = json.loads((EXAMPLES / "seed-correct.json").read_text())
# CI clones the repository with the shared folder beside it: <clone>/../shared
SARIF_SCHEMA = ROOT.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"


def broken():
    return copy.deepcopy(SEED_BROKEN)


def correct():
    return copy.deepcopy(SEED_CORRECT)


def api(doc, index=0):
    return doc["Scopes"][0]["Apis"][index]


def route(doc, key, index=0):
    return next(r for r in api(doc, index)["Routes"] if r["RouteKey"] == key)


def line_of(text: str, needle: str) -> int:
    """1-based line of the `{` opening the (flat) object whose line holds `needle`, in an indented dump."""
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if needle in line)
    while lines[at].strip() != "{":
        at -= 1
    return at + 1


class Cli:
    """Run `apigw-auditor` in a fresh working directory (tmp_path), so paths are relative to it."""

    def __init__(self, tmp_path, capsys, monkeypatch):
        self.dir = tmp_path
        self.capsys = capsys
        monkeypatch.chdir(tmp_path)

    def write(self, doc, name="snapshot.json", indent=2) -> str:
        path = self.dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(doc if isinstance(doc, str) else json.dumps(doc, indent=indent))
        return name

    def __call__(self, *args):
        self.capsys.readouterr()
        code = main([str(a) for a in args])
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err


@pytest.fixture
def cli(tmp_path, capsys, monkeypatch):
    return Cli(tmp_path, capsys, monkeypatch)

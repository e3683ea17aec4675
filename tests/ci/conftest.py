import json
from pathlib import Path

import pytest

from auditor.cli import main
from tests.seed import EXAMPLES, ROOT, api, broken, correct, route  # noqa: F401

# CI clones the repository with the shared folder beside it: <clone>/../shared
SARIF_SCHEMA = ROOT.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"


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

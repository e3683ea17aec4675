import json
from pathlib import Path

import pytest

from auditor.cli import main
from tests.seed import EXAMPLES, ROOT, api, broken, correct, function, route  # noqa: F401

ROUTE_RULE = EXAMPLES / "custom-rules" / "route-authorizer.toml"
INVOKER_RULE = EXAMPLES / "custom-rules" / "foreign-invokers.yaml"


class Cli:
    """Run the CLI in a fresh working directory (so no configuration above it leaks in)."""

    def __init__(self, tmp_path, capsys):
        self.dir = tmp_path
        self.capsys = capsys

    def write(self, name, content) -> Path:
        path = self.dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content if isinstance(content, str) else json.dumps(content))
        return path

    def run(self, *args):
        self.capsys.readouterr()
        code = main([str(a) for a in args])
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err

    def audit_json(self, doc_or_path, *args):
        """`audit --format json`: (exit code, report, stderr)."""
        path = doc_or_path if isinstance(doc_or_path, (str, Path)) else self.write("snapshot.json", doc_or_path)
        code, out, err = self.run("audit", path, "--format", "json", *args)
        return code, (json.loads(out) if out.strip() else None), err


@pytest.fixture
def cli(tmp_path, capsys, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return Cli(work, capsys)


def rule_ids(report):
    return sorted({f["rule_id"] for f in report["findings"]})


def findings_of(report, rule_id):
    return [f for f in report["findings"] if f["rule_id"] == rule_id]

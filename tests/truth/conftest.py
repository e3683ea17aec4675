import json
from pathlib import Path

import pytest

from auditor.cli import main
from tests.seed import Seed


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
def audit(cli):
    """`audit --format json`: the parsed report (exit 0 or 1 only)."""

    def run(doc, *args):
        code, out, err = cli("audit", doc, "--format", "json", *args)
        assert code in (0, 1), err
        return json.loads(out)

    return run


@pytest.fixture
def explain(cli):
    """`explain --format json`: (exit code, document)."""

    def run(doc, *args):
        code, out, err = cli("explain", doc, "--format", "json", *args)
        assert code in (0, 1), err
        return code, json.loads(out)

    return run

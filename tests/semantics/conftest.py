import json

import pytest

from auditor.cli import main
from tests.seed import Seed


@pytest.fixture
def seed():
    return Seed()


@pytest.fixture
def audit(tmp_path, capsys):
    """Run `apigw-auditor audit PATH --format json` on a snapshot document; return the parsed report."""

    def run(doc, *args):
        path = tmp_path / "snapshot.json"
        path.write_text(json.dumps(doc))
        capsys.readouterr()
        code = main(["audit", str(path), "--format", "json", *args])
        out = capsys.readouterr().out
        assert code in (0, 1), f"audit exited {code}"
        return json.loads(out)

    return run

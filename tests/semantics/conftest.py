import pytest

from tests.seed import Seed, audit_document


@pytest.fixture
def seed():
    return Seed()


@pytest.fixture
def audit(tmp_path, capsys):
    """Run `apigw-auditor audit PATH --format json` on a snapshot document; return the parsed report."""

    def run(doc, *args):
        code, report = audit_document(tmp_path, capsys, doc, *args)
        assert code in (0, 1), f"audit exited {code}"
        return report

    return run

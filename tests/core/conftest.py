import pytest

from tests.seed import (ACCOUNT, API_ID, FUNCTION_ARN, REGION, ROOT, SEED_CORRECT, Seed,  # noqa: F401
                        audit_document)


@pytest.fixture
def seed():
    return Seed()


@pytest.fixture
def audit(tmp_path, capsys):
    """Run `apigw-auditor audit --format json` on a document; return (exit code, report)."""

    def run(doc, *args):
        return audit_document(tmp_path, capsys, doc, *args)

    return run


def ids(report, severity_at_least=None):
    order = ["info", "low", "medium", "high", "critical"]
    return sorted({f["rule_id"] for f in report["findings"]
                   if severity_at_least is None or order.index(f["severity"]) >= order.index(severity_at_least)})


def findings_of(report, rule_id):
    return [f for f in report["findings"] if f["rule_id"] == rule_id]

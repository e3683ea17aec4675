import pytest

from tests.seed import audit_document


@pytest.fixture
def audit(tmp_path, capsys):
    """`apigw-auditor audit --format json` on a document: (exit code, report)."""

    def run(doc, *args):
        return audit_document(tmp_path, capsys, doc, *args)

    return run


def found(report, rule_id):
    return [f for f in report["findings"] if f["rule_id"] == rule_id]

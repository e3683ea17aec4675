import pytest

from tests.seed import audit_document
from tests.websocket.chat import Chat


@pytest.fixture
def chat():
    return Chat()


@pytest.fixture
def audit(tmp_path, capsys):
    def run(doc, *args):
        return audit_document(tmp_path, capsys, doc, *args)
    return run


def rule_ids(report, at_least="info"):
    order = ["info", "low", "medium", "high", "critical"]
    return sorted({f["rule_id"] for f in report["findings"] if order.index(f["severity"]) >= order.index(at_least)})


def findings_of(report, rule_id):
    return [f for f in report["findings"] if f["rule_id"] == rule_id]

"""An unpinned community module called with another major's inputs is "not read as called" (AGW000), not
an API with no routes (AGW105 high) (issue 22, item 6)."""

import json
from pathlib import Path

from auditor.cli import main

FIXTURES = Path(__file__).parent / "fixtures"


def findings(capsys, path):
    capsys.readouterr()
    assert main(["audit", str(path), "--format", "json"]) in (0, 1)
    return json.loads(capsys.readouterr().out)["findings"]


def test_unpinned_apigateway_v2_called_with_v4_integrations(capsys):
    found = findings(capsys, FIXTURES / "community-v4-unpinned")
    assert "AGW105" not in {f["rule_id"] for f in found}
    [note] = [f for f in found if f["rule_id"] == "AGW000"]
    assert "module not read as called" in note["message"] and "integrations" in note["message"]


def test_unpinned_module_called_with_v5_routes_is_still_read(capsys, tmp_path):
    (tmp_path / "main.tf").write_text((FIXTURES / "community-v4-unpinned" / "main.tf").read_text()
                                      .replace("create_api_domain_name", "create_domain_name")
                                      .replace("integrations = {", "routes = {")
                                      .replace('"GET /items" = {\n      lambda_arn             = ',
                                               '"GET /items" = {\n      integration = { uri = ')
                                      .replace('payload_format_version = "2.0"\n    }',
                                               'payload_format_version = "2.0" }\n    }'))
    found = findings(capsys, tmp_path)
    assert "AGW105" not in {f["rule_id"] for f in found}
    assert not [f for f in found if f["rule_id"] == "AGW000" and "not read as called" in f["message"]]
    assert [f["message"] for f in found if f["rule_id"] == "AGW304"] == [
        "Route `GET /items` has AuthorizationType NONE: anyone can call it."]  # read as v5: its route is there

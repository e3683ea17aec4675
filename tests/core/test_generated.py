"""Checked-in artefacts stay in step with the code: rule pages and JSON schemas (reports/: tests/ci)."""

import json
import jsonschema
import pytest

from auditor.cli import main
from tests.core.conftest import ROOT

SCHEMAS = ROOT / "auditor" / "schemas"


def test_rule_pages_are_current(tmp_path):
    assert main(["rules", "--docs", str(tmp_path)]) == 0
    generated = {p.name: p.read_text() for p in tmp_path.iterdir()}
    committed = {p.name: p.read_text() for p in (ROOT / "rules").glob("*.md")}
    stale = sorted(n for n in generated.keys() | committed.keys() if generated.get(n) != committed.get(n))
    assert not stale, f"rules/ is stale, run `apigw-auditor rules --docs rules/`: {stale}"


@pytest.mark.parametrize("example", sorted((ROOT / "examples").glob("*.json")), ids=lambda p: p.name)
def test_examples_match_the_snapshot_schema(example):
    schema = json.loads((SCHEMAS / "snapshot.schema.json").read_text())
    jsonschema.validate(json.loads(example.read_text()), schema)


def test_schema_rejects_what_the_loader_rejects():
    schema = json.loads((SCHEMAS / "snapshot.schema.json").read_text())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"SnapshotVersion": 1, "Scopes": [{"AccountId": "1", "Region": "r", "Apis": [{"Name": "x"}]}]}, schema)


def test_json_report_matches_its_schema(capsys):
    schema = json.loads((SCHEMAS / "report.schema.json").read_text())
    main(["audit", str(ROOT / "examples" / "seed-broken.json"), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    jsonschema.validate(report, schema)
    assert report["findings"]


def test_schemas_ship_inside_the_package():
    from importlib.resources import files
    assert json.loads(files("auditor").joinpath("schemas/snapshot.schema.json").read_text())["title"].startswith("apigw-auditor")

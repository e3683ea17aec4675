"""Baselines: create, then audit reporting and gating only new findings and naming gone ones."""

import json
import shutil
import subprocess

import pytest

from tests.team.conftest import broken, function, route


def create(cli, doc, *args, name="baseline.json"):
    snapshot = cli.write("today.json", doc)
    code, out, err = cli.run("baseline", "create", name, snapshot, *args)
    assert code == 0, err
    return cli.dir / name


def test_create_records_fingerprints_versioned(cli):
    path = create(cli, broken())
    document = json.loads(path.read_text())
    assert document["version"] == 1
    _, report, _ = cli.audit_json(broken())
    assert sorted(e["fingerprint"] for e in document["findings"]) == sorted(f["fingerprint"] for f in report["findings"])
    assert {"rule_id", "severity", "message", "resource"} <= set(document["findings"][0])
    first = path.read_bytes()
    create(cli, broken())
    assert path.read_bytes() == first  # same findings, same file: no noise in version control


def test_audit_with_unchanged_input_reports_nothing_and_passes(cli):
    path = create(cli, broken())
    code, report, _ = cli.audit_json(broken(), "--baseline", path)
    assert report["findings"] == [] and code == 0
    assert report["summary"]["baseline"]["known"] == 15
    assert report["summary"]["baseline"]["gone"] == []


def test_only_new_findings_are_reported_and_gate(cli):
    path = create(cli, broken())
    doc = broken()
    route(doc, "GET /items")["Target"] = "a1b2c3"  # a new AGW101
    code, report, _ = cli.audit_json(doc, "--baseline", path)
    assert [(f["rule_id"], f["resource"]["route_key"]) for f in report["findings"]] == [("AGW101", "GET /items")]
    assert code == 1


def test_gone_entries_are_named_in_summary_and_table(cli):
    path = create(cli, broken())
    doc = broken()
    route(doc, "POST /items")["Target"] = "integrations/a1b2c3"  # fixes AGW101 on POST /items
    code, report, _ = cli.audit_json(doc, "--baseline", path)
    gone = report["summary"]["baseline"]["gone"]
    assert [(e["rule_id"], e["resource"]["route_key"]) for e in gone] == [("AGW101", "POST /items")]
    # the fixed route now reaches the function, which lacks its permission: that one is new
    assert [(f["rule_id"], f["resource"]["route_key"]) for f in report["findings"]] == [("AGW203", "POST /items")]
    assert code == 1
    snapshot = cli.write("fixed.json", doc)
    _, out, _ = cli.run("audit", snapshot, "--baseline", path)
    line = next(l for l in out.splitlines() if l.startswith("Baseline "))
    assert "1 baseline entry gone" in line and "AGW101" in line and gone[0]["fingerprint"] in line


def test_entries_of_rules_not_run_are_not_called_gone(cli):
    path = create(cli, broken())
    _, report, _ = cli.audit_json(broken(), "--baseline", path, "--select", "AGW3")
    assert report["summary"]["baseline"]["gone"] == []
    assert report["summary"]["baseline"]["not_checked"] == 15 - 7  # AGW301, 5 x AGW304, AGW305 were checked


def test_show_suppressed_lists_baselined_findings(cli):
    path = create(cli, broken())
    _, report, _ = cli.audit_json(broken(), "--baseline", path, "--show-suppressed")
    assert len(report["suppressed"]) == 15
    assert {s["suppression"]["kind"] for s in report["suppressed"]} == {"baseline"}


def test_tag_suppressed_finding_keeps_its_entry(cli):
    path = create(cli, broken())
    doc = broken()
    function(doc, "legacy-worker")["Tags"] = {"apigw-auditor:ignore": "AGW301", "apigw-auditor:reason": "OPS-7"}
    _, report, _ = cli.audit_json(doc, "--baseline", path)
    assert report["summary"]["baseline"]["gone"] == [] and report["summary"]["suppressed"] == 1


def test_baseline_create_honours_configuration(cli):
    cli.write(".apigw-auditor.toml", 'select = ["AGW304"]\n')
    path = create(cli, broken())
    assert {e["rule_id"] for e in json.loads(path.read_text())["findings"]} == {"AGW304"}


@pytest.mark.parametrize("content, expected", [
    (None, "no such baseline file"),
    ("{not json", "invalid JSON"),
    ('{"version": 7, "findings": []}', "unsupported baseline version"),
    ('{"version": 1, "findings": [{"rule_id": "AGW101"}]}', "$.findings[0].fingerprint"),
    ('[1, 2]', "not an apigw-auditor baseline"),
])
def test_bad_baseline_file_exits_2_naming_it(cli, content, expected):
    if content is not None:
        cli.write("bad-baseline.json", content)
    code, report, err = cli.audit_json(broken(), "--baseline", "bad-baseline.json")
    assert code == 2 and report is None
    assert "bad-baseline.json" in err and expected in err and "Traceback" not in err


def test_baseline_create_rejects_unknown_options(cli):
    snapshot = cli.write("today.json", broken())
    code, _, err = cli.run("baseline", "create", "b.json", snapshot, "--bogus")
    assert code == 2 and "--bogus" in err and not (cli.dir / "b.json").exists()


@pytest.mark.skipif(shutil.which("apigw-auditor") is None, reason="the apigw-auditor script is not installed")
def test_installed_cli_round_trip(cli):
    snapshot = cli.write("today.json", broken())
    created = subprocess.run(["apigw-auditor", "baseline", "create", "b.json", str(snapshot)], cwd=cli.dir,
                             capture_output=True, text=True)
    assert created.returncode == 0 and "15 finding(s) recorded" in created.stderr
    audited = subprocess.run(["apigw-auditor", "audit", str(snapshot), "--baseline", "b.json"], cwd=cli.dir,
                             capture_output=True, text=True)
    assert audited.returncode == 0 and "15 known finding(s) not reported" in audited.stdout

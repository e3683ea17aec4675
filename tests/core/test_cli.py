"""The CLI contract: exit codes, selection, output files, folders, bad input (exit 2, never a traceback)."""

import json
import os
import subprocess
import sys

import pytest

from auditor.cli import main
from tests.core.conftest import ROOT

BROKEN = str(ROOT / "examples" / "seed-broken.json")
CORRECT = str(ROOT / "examples" / "seed-correct.json")


def run_cli(*args):
    """The installed entry point, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "auditor", *args], capture_output=True, text=True, cwd=ROOT)


def test_exit_codes_follow_fail_on():
    assert run_cli("audit", CORRECT).returncode == 0
    assert run_cli("audit", BROKEN).returncode == 1
    assert run_cli("audit", BROKEN, "--fail-on", "critical").returncode == 0
    assert run_cli("audit", CORRECT, "--fail-on", "low").returncode == 1
    assert run_cli("audit", BROKEN, "--fail-on", "never").returncode == 0


def test_table_groups_by_api_and_prints_fixes():
    out = run_cli("audit", BROKEN).stdout
    assert "API abc123def4 (123456789012/us-east-1)" in out
    assert "AGW101" in out and "How to fix:" in out
    assert "aws apigatewayv2 update-route --api-id abc123def4 --route-id xyz790 --target integrations/a1b2c3" in out
    assert "\033[" not in out  # no colour when not a terminal
    assert out.rstrip().endswith("FAILED (--fail-on medium).")


def test_select_and_ignore(capsys):
    assert main(["audit", BROKEN, "--format", "json", "--select", "AGW1", "--ignore", "AGW104,payload-format-v1"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert {f["rule_id"] for f in report["findings"]} == {"AGW101", "AGW102", "AGW105"}


@pytest.mark.parametrize("args, message", [
    (["--select", "AGW999"], "unknown rule 'AGW999'"),
    (["--fail-on", "severe"], "unknown severity"),
    (["--format", "yaml"], "invalid choice"),
])
def test_usage_errors_exit_2(args, message):
    result = run_cli("audit", CORRECT, *args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("content, message", [
    ("{not json", "invalid JSON"),
    ("[]", "a snapshot is a JSON object"),
    ('{"Scopes": []}', "'SnapshotVersion' is missing"),
    ('{"SnapshotVersion": 7, "Scopes": []}', "unsupported snapshot version 7"),
    ('{"SnapshotVersion": 1, "Scopes": {}}', "$.Scopes: expected a list"),
    ('{"SnapshotVersion": 1, "Scopes": [{"AccountId": "1", "Region": "r", "Apis": [{"Name": "x"}]}]}',
     "$.Scopes[0].Apis[0]: required key 'ApiId' is missing"),
    ('{"SnapshotVersion": 1, "Scopes": [{"AccountId": "1", "Region": "r", "Apis": [{"ApiId": "a", "Routes": [{"RouteKey": 5}]}]}]}',
     "$.Scopes[0].Apis[0].Routes[0].RouteKey: expected a string, got an integer"),
    ('{"SnapshotVersion": 1, "Scopes": [{"AccountId": "1", "Region": "r", "Complete": "yes"}]}',
     "$.Scopes[0].Complete: expected a boolean"),
    ('{"SnapshotVersion": 1, "Scopes": [{"AccountId": "1", "Region": "r", "Functions": [{"FunctionArn": "a", "Policy": "{oops"}]}]}',
     "$.Scopes[0].Functions[0].Policy: Policy is a string but not JSON"),
    ('{"SnapshotVersion": 1, "Scopes": [{"AccountId": "1", "Region": "r", "Functions": [{"FunctionArn": "a", "Policy": {"Statement": ["x"]}}]}]}',
     "$.Scopes[0].Functions[0].Policy.Statement[0]: expected a statement object"),
    ('{"SnapshotVersion": 1, "Scopes": [{"AccountId": "1", "Region": "r", "Apis": [{"ApiId": "a", "Integrations": [{"IntegrationId": "i", "TimeoutInMillis": true}]}]}]}',
     "TimeoutInMillis: expected an integer, got a boolean"),
])
def test_malformed_snapshots_exit_2_naming_file_and_path(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    result = run_cli("audit", str(path))
    assert result.returncode == 2, result.stderr
    assert str(path) in result.stderr and message in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_missing_file_empty_folder_and_binary_file(tmp_path):
    assert "no such file" in run_cli("audit", str(tmp_path / "nope.json")).stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run_cli("audit", str(empty))
    assert result.returncode == 2 and "holds no *.json" in result.stderr
    binary = tmp_path / "bin.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    result = run_cli("audit", str(binary))
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_folder_of_snapshots_resolves_across_files(tmp_path):
    doc = json.loads((ROOT / "examples" / "seed-correct.json").read_text())
    functions = doc["Scopes"][0].pop("Functions")
    doc["Scopes"][0]["Complete"] = False
    (tmp_path / "a-apis.json").write_text(json.dumps(doc))
    (tmp_path / "b-functions.json").write_text(json.dumps(
        {"SnapshotVersion": 1, "Scopes": [{"AccountId": "123456789012", "Region": "us-east-1", "Functions": functions}]}))
    result = run_cli("audit", str(tmp_path), "--format", "json", "--fail-on", "medium")
    report = json.loads(result.stdout)
    assert result.returncode == 0 and report["summary"]["files"] == [str(tmp_path / "a-apis.json"), str(tmp_path / "b-functions.json")]
    assert not [f for f in report["findings"] if f["rule_id"] == "AGW000"]


def test_output_file_is_written_whole_and_only_on_success(tmp_path):
    out = tmp_path / "report.json"
    assert run_cli("audit", BROKEN, "--format", "json", "--output", str(out)).returncode == 1
    assert json.loads(out.read_text())["summary"]["findings"] > 0
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    target = tmp_path / "second.json"
    assert run_cli("audit", str(bad), "--output", str(target)).returncode == 2
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".apigw")] == []
    result = run_cli("audit", BROKEN, "--output", str(tmp_path / "no" / "dir" / "r.txt"))
    assert result.returncode == 2 and "output folder does not exist" in result.stderr


def test_json_report_fields_and_stable_fingerprints(capsys):
    main(["audit", BROKEN, "--format", "json"])
    first = json.loads(capsys.readouterr().out)
    main(["audit", BROKEN, "--format", "json"])
    second = json.loads(capsys.readouterr().out)
    assert first == second
    finding = first["findings"][0]
    assert set(finding) >= {"rule_id", "rule", "severity", "message", "resource", "location", "remediation", "fingerprint"}
    assert finding["location"]["path"].startswith("$.Scopes[0].Apis[0]")
    assert len({f["fingerprint"] for f in first["findings"]}) == len(first["findings"])


def test_fingerprint_ignores_message_wording_and_order(tmp_path, capsys):
    doc = json.loads((ROOT / "examples" / "seed-broken.json").read_text())
    doc["Scopes"][0]["Apis"][0]["Routes"].reverse()
    path = tmp_path / "reordered.json"
    path.write_text(json.dumps(doc))
    main(["audit", BROKEN, "--format", "json"])
    original = {f["fingerprint"] for f in json.loads(capsys.readouterr().out)["findings"]}
    main(["audit", str(path), "--format", "json"])
    reordered = {f["fingerprint"] for f in json.loads(capsys.readouterr().out)["findings"]}
    assert original == reordered


def test_help_documents_exit_codes():
    out = run_cli("audit", "--help").stdout
    assert "exit codes:" in out and "--fail-on" in out
    assert run_cli().returncode == 2


def test_rules_command_formats(capsys):
    assert main(["rules", "--format", "json"]) == 0
    catalogue = json.loads(capsys.readouterr().out)
    assert len(catalogue) >= 23
    assert all(r["rationale"] and r["fix"] and r["client_sees"] for r in catalogue)
    assert main(["rules", "--format", "markdown"]) == 0
    assert "| [AGW201](AGW201-permission-missing.md)" in capsys.readouterr().out


def test_a_file_named_twice_is_audited_once(capsys):
    main(["audit", BROKEN, "--format", "json"])
    once = json.loads(capsys.readouterr().out)["summary"]["findings"]
    main(["audit", BROKEN, BROKEN, "--format", "json"])
    assert json.loads(capsys.readouterr().out)["summary"]["findings"] == once


def test_folder_of_templates_is_read(tmp_path):
    """A folder's templates are audited (issue 20: never dropped); one declaring nothing is 'nothing audited'."""
    (tmp_path / "template.yaml").write_text("Resources: {}\n")
    result = run_cli("audit", str(tmp_path))
    assert result.returncode == 2 and "nothing was audited" in result.stderr


@pytest.mark.parametrize("field, value", [("Action", [None]), ("Resource", 5), ("Principal", ["x"])])
def test_policy_statement_field_types_are_checked(tmp_path, field, value):
    doc = json.loads((ROOT / "examples" / "seed-correct.json").read_text())
    function = doc["Scopes"][0]["Functions"][0]
    policy = json.loads(function["Policy"])
    policy["Statement"][0][field] = value
    function["Policy"] = policy
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    result = run_cli("audit", str(path))
    assert result.returncode == 2 and f"$.Scopes[0].Functions[0].Policy.Statement[0].{field}" in result.stderr


def test_a_cut_pipe_never_reports_success():
    """`apigw-auditor audit ... | head` in CI: once the reader is gone the exit code must not be 0."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader has already gone, as `head` does after its first lines
    try:
        writer = subprocess.run([sys.executable, "-m", "auditor", "audit", BROKEN, "--format", "json",
                                 "--fail-on", "never"], stdout=write_end, stderr=subprocess.PIPE, cwd=ROOT)
    finally:
        os.close(write_end)
    assert writer.returncode == 141 and b"Traceback" not in writer.stderr


def test_the_same_api_from_two_files_is_reported(capsys):
    assert main(["audit", str(ROOT / "examples"), "--format", "json", "--select", "AGW000"]) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert sorted(f["resource"].get("api_id") or f["resource"]["function_arn"] for f in findings) == [
        "abc123def4", "arn:aws:lambda:us-east-1:123456789012:function:my-frontend-app-api"]
    assert all("in the input twice with different content" in f["message"] for f in findings)

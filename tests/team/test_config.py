"""Configuration: discovery by walking up, --config, precedence of flags, strict validation."""

from tests.team.conftest import broken, correct, findings_of, rule_ids


def test_dedicated_file_found_walking_up(cli, monkeypatch):
    cli.write(".apigw-auditor.toml", 'select = ["AGW304"]\n')
    deeper = cli.dir / "a" / "b"
    deeper.mkdir(parents=True)
    snapshot = cli.write("snapshot.json", broken())
    monkeypatch.chdir(deeper)
    code, report, _ = cli.audit_json(snapshot)
    assert rule_ids(report) == ["AGW304"]
    assert code == 0  # AGW304 is info, below the default medium gate


def test_pyproject_table_found_and_pyproject_without_table_skipped(cli, monkeypatch):
    cli.write("pyproject.toml", '[tool.apigw-auditor]\nselect = ["AGW3"]\nfail-on = "never"\n')
    cli.write("svc/pyproject.toml", '[project]\nname = "svc"\n')  # nearer, but not ours: keep walking
    snapshot = cli.write("snapshot.json", broken())
    monkeypatch.chdir(cli.dir / "svc")
    code, report, _ = cli.audit_json(snapshot)
    assert rule_ids(report) == ["AGW301", "AGW304", "AGW305"]
    assert report["summary"]["fail_on"] == "never" and code == 0


def test_dedicated_file_wins_over_pyproject_in_same_folder(cli):
    cli.write("pyproject.toml", '[tool.apigw-auditor]\nselect = ["AGW1"]\n')
    cli.write(".apigw-auditor.toml", 'select = ["AGW305"]\n')
    _, report, _ = cli.audit_json(broken())
    assert rule_ids(report) == ["AGW305"]


def test_config_flag_names_a_file_outside_the_walk(cli, tmp_path):
    elsewhere = tmp_path / "shared-config.toml"
    elsewhere.write_text('ignore = ["AGW304", "AGW305"]\n')
    cli.write(".apigw-auditor.toml", 'select = ["AGW101"]\n')  # ignored: --config names the file
    _, report, _ = cli.audit_json(correct(), "--config", elsewhere)
    assert report["findings"] == []


def test_flags_override_the_file(cli):
    cli.write(".apigw-auditor.toml", 'select = ["AGW304"]\nfail-on = "never"\n')
    code, report, _ = cli.audit_json(broken(), "--select", "AGW301", "--fail-on", "high")
    assert rule_ids(report) == ["AGW301"]
    assert report["summary"]["fail_on"] == "high" and code == 1


def test_file_fail_on_applies_without_flag(cli):
    cli.write(".apigw-auditor.toml", 'fail-on = "critical"\n')
    code, report, _ = cli.audit_json(broken())
    assert report["summary"]["fail_on"] == "critical"
    assert findings_of(report, "AGW101") and code == 0  # highs found, but the gate is critical


def test_severity_override_changes_exit_code(cli):
    code, report, _ = cli.audit_json(correct())
    assert code == 0 and {f["severity"] for f in findings_of(report, "AGW304")} == {"info"}
    cli.write(".apigw-auditor.toml", '[severity]\nAGW304 = "high"\n')
    code, report, _ = cli.audit_json(correct())
    assert code == 1
    assert {f["severity"] for f in findings_of(report, "AGW304")} == {"high"}


def test_severity_override_by_rule_name_in_pyproject(cli):
    cli.write("pyproject.toml", '[tool.apigw-auditor.severity]\nstage-no-access-logs = "medium"\n')
    code, report, _ = cli.audit_json(correct())
    assert findings_of(report, "AGW305")[0]["severity"] == "medium" and code == 1


def test_per_path_ignores_suppress_only_matching_files(cli):
    cli.write(".apigw-auditor.toml", '[per-path-ignores]\n"legacy/*.json" = ["AGW1", "AGW402"]\n')
    legacy = cli.write("legacy/old.json", broken())
    code, report, _ = cli.audit_json(legacy)
    assert not [f for f in report["findings"] if f["rule_id"].startswith("AGW1") or f["rule_id"] == "AGW402"]
    assert report["summary"]["suppressed"] == 6  # AGW101, 102, 104, 105, 111 and AGW402
    assert code == 1  # AGW203/AGW301 still gate
    current = cli.write("current/new.json", broken())
    _, report, _ = cli.audit_json(current)
    assert findings_of(report, "AGW101") and report["summary"]["suppressed"] == 0


def test_unknown_key_is_an_error_naming_it(cli):
    config = cli.write(".apigw-auditor.toml", 'select = ["AGW1"]\nfail_on = "high"\n')
    code, report, err = cli.audit_json(correct())
    assert code == 2 and report is None
    assert str(config) in err and "fail_on" in err and "unknown key" in err


def test_unknown_key_in_pyproject_names_the_table(cli):
    cli.write("pyproject.toml", '[tool.apigw-auditor]\nselct = ["AGW1"]\n')
    code, _, err = cli.audit_json(correct())
    assert code == 2 and "tool.apigw-auditor.selct" in err


def test_unknown_rule_ids_are_errors(cli):
    for text, named in [('select = ["AGW9"]\n', "AGW9"), ('ignore = ["AGW301", "no-such-rule"]\n', "no-such-rule"),
                        ('[severity]\nAGW777 = "low"\n', "AGW777"),
                        ('[per-path-ignores]\n"*.json" = ["XYZ1"]\n', "XYZ1")]:
        cli.write(".apigw-auditor.toml", text)
        code, _, err = cli.audit_json(correct())
        assert code == 2, text
        assert named in err and ".apigw-auditor.toml" in err and "unknown rule" in err


def test_bad_values_are_errors(cli):
    for text, named in [('fail-on = "severe"\n', "fail-on"), ('[severity]\nAGW304 = "urgent"\n', "severity.AGW304"),
                        ('select = "AGW1"\nrules-files = "x.toml"\n', "rules-files"),
                        ("select = [\n", "invalid TOML")]:
        cli.write(".apigw-auditor.toml", text)
        code, _, err = cli.audit_json(correct())
        assert code == 2 and named in err and "Traceback" not in err, text


def test_missing_config_flag_file_is_an_error(cli):
    code, _, err = cli.audit_json(correct(), "--config", "nope.toml")
    assert code == 2 and "nope.toml" in err

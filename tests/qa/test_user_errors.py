"""QA regressions: mistakes a first-time user makes get exit 2 and a one-line message naming the file,
never a traceback; reports and fixes read well."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.cli import main

ROOT = Path(__file__).resolve().parents[2]
BROKEN = str(ROOT / "examples" / "seed-broken.json")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(err: str) -> str:
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("apigw-auditor: error: ")
    return lines[0]


# --- --output / baseline FILE onto a folder (was: IsADirectoryError traceback after the whole audit)

@pytest.mark.parametrize("output", ["{dir}", "sarif={dir}"])
def test_audit_output_onto_a_directory(tmp_path, capsys, output):
    code, out, err = run(capsys, "audit", BROKEN, "--output", output.format(dir=tmp_path))
    assert code == 2
    assert one_line_error(err) == f"apigw-auditor: error: {tmp_path}: is a directory; give a file name for the output"
    assert os.listdir(tmp_path) == []  # no temporary file left behind
    assert out == ""  # checked before anything is written, stdout included


def test_routes_and_explain_output_onto_a_directory(tmp_path, capsys):
    for argv in (["routes", BROKEN, "--api", "abc123def4", "-o", str(tmp_path)],
                 ["explain", BROKEN, "--api", "abc123def4", "-o", str(tmp_path), "GET", "/items"]):
        code, _, err = run(capsys, *argv)
        assert code == 2 and f"{tmp_path}: is a directory" in one_line_error(err)
    assert os.listdir(tmp_path) == []


def test_baseline_create_onto_a_directory(tmp_path, capsys):
    code, _, err = run(capsys, "baseline", "create", str(tmp_path), BROKEN)
    assert code == 2 and f"{tmp_path}: is a directory" in one_line_error(err)
    assert os.listdir(tmp_path) == []


def test_output_write_failure_is_an_input_error(tmp_path, capsys, monkeypatch):
    def refuse(src, dst):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr("auditor.output.os.replace", refuse)
    code, _, err = run(capsys, "audit", BROKEN, "-o", str(tmp_path / "r.txt"))
    assert code == 2
    assert one_line_error(err) == f"apigw-auditor: error: {tmp_path / 'r.txt'}: cannot write (Permission denied)"
    assert os.listdir(tmp_path) == []  # the temporary file is gone too


def test_snapshot_output_checked_before_collecting(tmp_path, capsys):
    # no AWS call is needed to learn that the output cannot be written
    code, _, err = run(capsys, "snapshot", "--region", "us-east-1", "--output", str(tmp_path))
    assert code == 2 and f"{tmp_path}: is a directory" in one_line_error(err)


# --- baseline create: audit report options silently did nothing

@pytest.mark.parametrize("option, named", [
    (["--format", "json"], "--format"), (["-o", "x.json"], "--output"), (["--fail-on", "high"], "--fail-on"),
    (["--show-suppressed"], "--show-suppressed")])
def test_baseline_create_rejects_report_options(tmp_path, capsys, option, named):
    baseline = tmp_path / "b.json"
    code, _, err = run(capsys, "baseline", "create", str(baseline), BROKEN, *option)
    assert code == 2
    assert f"baseline create: {named} does not apply" in one_line_error(err)
    assert not baseline.exists() and not (Path.cwd() / "x.json").exists()


def test_baseline_create_usage_names_the_command(tmp_path, capsys):
    code, _, err = run(capsys, "baseline", "create", str(tmp_path / "b.json"), BROKEN, "--fail-on", "bogus")
    assert code == 2
    assert "usage: apigw-auditor baseline create FILE [-h]" in err and "FILE audit" not in err


# --- explain / routes

def test_explain_malformed_url(capsys):
    code, _, err = run(capsys, "explain", BROKEN, "http://[::1/items")
    assert code == 2
    assert one_line_error(err) == "apigw-auditor: error: not an invoke URL: 'http://[::1/items' (Invalid IPv6 URL)"


@pytest.mark.parametrize("command", [["routes", BROKEN, "--api", "nope"],
                                     ["explain", BROKEN, "--api", "nope", "GET", "/items"]])
def test_unknown_api_id_names_the_input(capsys, command):
    code, _, err = run(capsys, *command)
    assert code == 2
    line = one_line_error(err)
    assert line.startswith(f"apigw-auditor: error: {BROKEN}: unknown API id 'nope'; the input holds abc123def4")


def test_several_apis_names_the_input(capsys):
    code, _, err = run(capsys, "routes", BROKEN)
    assert code == 2 and f"{BROKEN}: the input holds several HTTP APIs" in one_line_error(err)


# --- option values

@pytest.mark.parametrize("command", [["audit", BROKEN], ["explain", BROKEN, "GET", "/items"]])
def test_account_must_be_twelve_digits(capsys, command):
    with pytest.raises(SystemExit) as exit_:
        main([command[0], "--account", "abc", *command[1:]])
    assert exit_.value.code == 2
    assert "an AWS account id is 12 digits, got 'abc'" in capsys.readouterr().err


def test_empty_select_is_an_error_not_every_rule(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["audit", BROKEN, "--select", ""])
    assert exit_.value.code == 2
    assert "argument --select: expected comma-separated rule ids" in capsys.readouterr().err


# --- a standalone OpenAPI file (as AWS::Include takes it) with intrinsics or wrong types

def test_openapi_with_intrinsics_is_not_a_snapshot_error(capsys):
    fixture = str(ROOT / "tests" / "iac" / "fixtures" / "misc" / "include-api.yaml")
    code, out, err = run(capsys, "audit", fixture, "--format", "json", "--fail-on", "never")
    assert code == 0, err
    assert json.loads(out)["summary"]["apis"] == 1


def test_openapi_wrong_type_names_file_and_line(tmp_path, capsys):
    definition = tmp_path / "api.yaml"
    definition.write_text('openapi: "3.0.1"\ninfo: {title: t, version: "1"}\npaths:\n  /items:\n    get:\n'
                          "      x-amazon-apigateway-integration:\n        type: aws_proxy\n        uri: [1]\n")
    code, _, err = run(capsys, "audit", str(definition))
    assert code == 2
    assert one_line_error(err) == (f"apigw-auditor: error: {definition}:6: x-amazon-apigateway-integration.uri "
                                   "must be a string, got list: [1]")


# --- the table: a multi-line fix (a template snippet) stays under its number

def test_table_indents_multi_line_fixes(tmp_path, capsys):
    template = tmp_path / "t.yaml"
    template.write_text("Resources:\n  Route:\n    Type: AWS::ApiGatewayV2::Route\n    Properties:\n"
                        "      ApiId: abc123def4\n      RouteKey: GET /items\n      Target: integrations/x\n")
    code, out, _ = run(capsys, "audit", str(template), "--select", "AGW304")
    fixes = out.split("How to fix:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert fixes[0].startswith("  [1] ") and len(fixes) > 1
    assert all(line.startswith(" " * 6) for line in fixes[1:]), fixes


# --- Ctrl-C while the command starts (imports every command module) or runs

def test_ctrl_c_while_starting_is_not_a_traceback(capsys, monkeypatch):
    def interrupted():
        raise KeyboardInterrupt
    monkeypatch.setattr("auditor.cli.build_parser", interrupted)  # importing the command modules takes a while
    code, _, err = run(capsys, "audit", BROKEN)
    assert code == 130 and err == "apigw-auditor: interrupted\n"


def test_ctrl_c_while_writing_leaves_nothing(tmp_path, capsys, monkeypatch):
    def interrupted(src, dst):
        raise KeyboardInterrupt
    monkeypatch.setattr("auditor.output.os.replace", interrupted)  # the moment the report file is put in place
    code, out, err = run(capsys, "audit", BROKEN, "-o", str(tmp_path / "r.txt"), "--output",
                         f"sarif={tmp_path / 'r.sarif'}")
    assert code == 130 and err == "apigw-auditor: interrupted\n" and out == ""
    assert os.listdir(tmp_path) == []  # neither report, nor a temporary file


def test_config_none_does_not_break_the_input_check(tmp_path, capsys):
    baseline = tmp_path / "b.json"
    assert run(capsys, "baseline", "create", str(baseline), BROKEN)[0] == 0
    assert run(capsys, "baseline", "create", str(baseline), BROKEN)[0] == 0  # replacing an existing baseline


# --- live options that botocore would reject mid-run with a traceback (no AWS call is made)

@pytest.mark.parametrize("option, message", [
    (["--endpoint-url", "notaurl", "--region", "us-east-1"], "--endpoint-url 'notaurl' is not a URL"),
    (["--endpoint-url", "http://localhost:abc", "--region", "us-east-1"], "--endpoint-url 'http://localhost:abc' is not a URL"),
    (["--region", "us east"], "--region 'us east' is not a region botocore's endpoint data knows")])
@pytest.mark.parametrize("command", [["snapshot"], ["audit", "--live"]])
def test_live_options_checked_before_any_call(capsys, command, option, message):
    code, _, err = run(capsys, *command, *option)
    assert code == 2 and message in one_line_error(err)


# --- help texts say what the options take

def test_help_texts(capsys):
    with pytest.raises(SystemExit):
        main(["audit", "--help"])
    out = capsys.readouterr().out
    assert "CloudFormation/SAM template" in out and "Terraform plan" in out  # PATH is not only a snapshot
    with pytest.raises(SystemExit):
        main(["routes", "--help"])
    assert "--url URL" in capsys.readouterr().out  # explain's "give --url" hints apply to routes too
    with pytest.raises(SystemExit):
        main(["rules", "--help"])
    assert "catalogue format" in capsys.readouterr().out


def test_rules_docs_rejects_format(tmp_path, capsys):
    code, _, err = run(capsys, "rules", "--docs", str(tmp_path / "docs"), "--format", "json")
    assert code == 2 and "--format does not apply" in one_line_error(err)
    assert not (tmp_path / "docs").exists()


# --- Terraform plans of the wrong shape (were AttributeError/TypeError tracebacks)

TF_PLAN = ROOT / "tests" / "iac" / "fixtures" / "seed" / "missing-permission.tfplan.json"


def _plan_error(tmp_path, capsys, mutate) -> str:
    plan = json.loads(TF_PLAN.read_text())
    mutate(plan)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan, indent=2))
    code, _, err = run(capsys, "audit", str(path))
    assert code == 2, err
    return one_line_error(err).removeprefix(f"apigw-auditor: error: {path}")


def test_terraform_plan_shapes(tmp_path, capsys):
    assert _plan_error(tmp_path, capsys, lambda p: p.__setitem__("planned_values", "s")) == \
        " at $.planned_values: expected an object, got str"
    assert _plan_error(tmp_path, capsys, lambda p: p["planned_values"]["root_module"].__setitem__("resources", 5)) == \
        " at $.planned_values.root_module.resources: expected a list, got int"
    assert _plan_error(tmp_path, capsys,
                       lambda p: p["planned_values"]["root_module"]["resources"][0].__setitem__("values", True)) == \
        " at $.planned_values.root_module.resources[0].values: expected an object, got bool"
    assert _plan_error(tmp_path, capsys, lambda p: p.__setitem__("resource_changes", 5)) == \
        " at $.resource_changes: expected a list, got int"


def test_terraform_tags_not_a_map_names_the_resource(tmp_path, capsys):
    def mutate(plan):
        resource = plan["planned_values"]["root_module"]["resources"][0]
        resource["values"]["tags"] = ["x"]
        mutate.address = resource["address"]
    message = _plan_error(tmp_path, capsys, mutate)
    assert message.startswith(":") and f"{mutate.address}: tags must be a map, got list" in message


def test_terraform_odd_provider_config_is_an_input_error(tmp_path, capsys):
    message = _plan_error(tmp_path, capsys, lambda p: p["configuration"].__setitem__("provider_config", [1]))
    assert message.startswith(": not a Terraform plan this tool can read")


# --- custom rules: a JMESPath function raising TypeError on the snapshot (was a traceback)

def test_custom_rule_select_type_error(tmp_path, capsys):
    rules = (ROOT / "examples" / "custom-rules" / "route-authorizer.toml").read_text().splitlines()
    rules = [('select = "Apis[].Routes[] | [?contains(RouteKey, `5`)]"' if line.startswith("select =") else line)
             for line in rules]
    path = tmp_path / "rules.toml"
    path.write_text("\n".join(rules) + "\n")
    code, _, err = run(capsys, "audit", BROKEN, "--rules-file", str(path))
    assert code == 2
    assert one_line_error(err).startswith(f"apigw-auditor: error: {path}: rule ORG001: `select` failed on the "
                                          "snapshot: a function got an argument of the wrong type")


# --- an output that is one of the inputs (was: the snapshot replaced by its own report)

@pytest.mark.parametrize("argv", [
    ["audit", "{s}", "-o", "{s}"], ["audit", "{s}", "--output", "sarif={s}"], ["baseline", "create", "{s}", "{s}"],
    ["routes", "{s}", "--api", "abc123def4", "-o", "{s}"],
    ["explain", "{s}", "--api", "abc123def4", "-o", "{s}", "GET", "/items"]])
def test_output_onto_an_input_is_refused(tmp_path, capsys, argv):
    snapshot = tmp_path / "snap.json"
    original = Path(BROKEN).read_bytes()
    snapshot.write_bytes(original)
    code, _, err = run(capsys, *[a.format(s=snapshot) for a in argv])
    assert code == 2
    assert one_line_error(err) == (f"apigw-auditor: error: the output {snapshot} is also an input: writing it would "
                                   f"replace {snapshot}")
    assert snapshot.read_bytes() == original


# --- files saved on Windows: UTF-8 with a BOM (Notepad, PowerShell Out-File) and UTF-16 (PowerShell `>`)

@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_snapshot_with_a_byte_order_mark(tmp_path, capsys, encoding):
    snapshot = tmp_path / "snap.json"
    snapshot.write_bytes(Path(BROKEN).read_text().encode(encoding))
    code, out, err = run(capsys, "audit", str(snapshot), "--format", "json")
    assert code == 1, err
    assert json.loads(out)["summary"]["apis"] == 2
    code, out, err = run(capsys, "explain", str(snapshot), "--api", "abc123def4", "GET", "/items")
    assert code == 0, err


def test_template_with_a_byte_order_mark(tmp_path, capsys):
    template = tmp_path / "template.yaml"
    template.write_bytes((ROOT / "examples" / "iac" / "seed-broken.cfn.yaml").read_text().encode("utf-16"))
    code, out, err = run(capsys, "audit", str(template), "--format", "json")
    assert code == 1, err
    assert json.loads(out)["summary"]["apis"] >= 1


def test_truncated_utf16_names_the_encoding(tmp_path, capsys):
    bad = tmp_path / "snap.json"
    bad.write_bytes(b"\xff\xfe{")
    code, _, err = run(capsys, "audit", str(bad))
    assert code == 2 and one_line_error(err) == f"apigw-auditor: error: {bad}: not UTF-16 text (truncated data)"


def test_live_rejects_template_options(capsys):
    code, _, err = run(capsys, "audit", "--live", "--input-type", "sam", "--parameter", "A=b")
    assert code == 2
    assert one_line_error(err) == ("apigw-auditor: error: --input-type, --parameter describe(s) PATH inputs "
                                   "(templates, plans); not used with --live")


def test_rules_docs_folder_under_a_file(tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    code, _, err = run(capsys, "rules", "--docs", str(tmp_path / "file" / "docs"))
    assert code == 2
    assert one_line_error(err) == f"apigw-auditor: error: {tmp_path / 'file' / 'docs'}: cannot create the folder (Not a directory)"


def test_as_a_user_runs_it_no_traceback(tmp_path):
    """The installed module end to end: --output onto a folder, an invalid URL, a bad plan."""
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"format_version": "1.2", "planned_values": "s"}))
    for argv, message in ((["audit", BROKEN, "-o", str(tmp_path)], f"{tmp_path}: is a directory"),
                          (["explain", BROKEN, "http://[::1/items"], "not an invoke URL"),
                          (["audit", str(plan)], f"{plan} at $.planned_values: expected an object, got str")):
        done = subprocess.run([sys.executable, "-m", "auditor", *argv], capture_output=True, text=True, cwd=ROOT)
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert message in one_line_error(done.stderr)


def test_empty_input_says_nothing_was_checked(tmp_path, capsys):
    snapshot = tmp_path / "snap.json"
    snapshot.write_text('{"SnapshotVersion": 1, "Scopes": []}')
    code, out, err = run(capsys, "audit", str(snapshot))
    assert code == 2 and "nothing was audited" in err  # issue 20: never a pass
    code, out, _ = run(capsys, "audit", str(snapshot), "--allow-empty")
    assert code == 0
    assert "Note: the input holds no API and no function, so nothing was checked" in out
    code, out, _ = run(capsys, "audit", BROKEN, "--fail-on", "never")
    assert "nothing was checked" not in out

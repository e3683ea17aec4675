"""Hostile inputs (issue 14): each one once ran for minutes or ended in a traceback; now each gives a
report or a one-line exit-2 message naming the file (and line or JSON path)."""

import json
import re

import pytest

from auditor.cli import main
from tests.fuzz import hostile


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_yaml_alias_bomb_is_refused_at_load_with_its_line(tmp_path, capsys):
    path = tmp_path / "laughs.yaml"
    path.write_text(hostile.billion_laughs_yaml(9))
    code, out, err = run(capsys, "audit", str(path))
    assert code == 2 and out == ""
    assert re.fullmatch(rf"apigw-auditor: error: {re.escape(str(path))}:\d+: invalid YAML: its aliases expand to "
                        r"more than 100,000 nodes \(an alias bomb\)", one_line(err))


def test_yaml_with_a_few_aliases_still_reads(tmp_path, capsys):
    path = tmp_path / "aliases.yaml"
    path.write_text(hostile.billion_laughs_yaml(2))  # 1,000 nodes: a template may use aliases
    code, _, err = run(capsys, "audit", str(path), "--format", "json")
    assert code in (0, 1), err


@pytest.mark.parametrize("text, message", [
    ("a: &a [*a]\n", "an alias refers to a node that contains it"),
    ("a: " + "[" * 500 + "]" * 500 + "\n", "nested more than 200 levels deep"),
    ("Resources:\n  Fn:\n\tType: AWS::Serverless::Function\n", "indented with a tab"),
    ("Resources:\n  a: \"x\x00\"\n", "character #x0000 is not allowed"),
])
def test_yaml_problems_are_one_line(tmp_path, capsys, text, message):
    path = tmp_path / "t.yaml"
    path.write_text(text)
    code, _, err = run(capsys, "audit", str(path))
    assert code == 2 and message in one_line(err) and str(path) in err


@pytest.mark.parametrize("text, message, where", [
    ("[" * 100_000 + "]" * 100_000, "JSON nested more than 200 levels deep", ":1"),
    ('{"SnapshotVersion": 1, "Scopes": [], "x": ' + "[" * 300 + "]" * 300 + "}", "nested more than 200", ":1"),
    ('{"SnapshotVersion": 1,\n "Scopes": [], "n": ' + "9" * 5000 + "}", "a number with more than 4300 digits", ":2"),
    ('{"SnapshotVersion": 1, "Scopes": [{"AccountId": "\\ud800"}]}', "half a UTF-16 surrogate pair",
     " at $.Scopes[0].AccountId"),
    ("", "empty file: expected JSON", ""),
])
@pytest.mark.parametrize("option", ["audit", "--baseline"])
def test_hostile_json_in_any_json_input_is_one_line(tmp_path, capsys, text, message, where, option):
    path = tmp_path / "input.json"
    path.write_text(text)
    argv = ["audit", str(path)] if option == "audit" else ["audit", str(hostile.SEED), option, str(path)]
    code, _, err = run(capsys, *argv)
    line = one_line(err)
    assert code == 2, err
    assert line.startswith(f"apigw-auditor: error: {path}{where}"), line
    assert message in line


@pytest.mark.parametrize("text, message", [
    ("rules: " + "[" * 500 + "]" * 500, "nested more than 200 levels deep"),
    (hostile.billion_laughs_yaml(6).replace("Resources:", "rules: []\nResources:"), "alias bomb"),
])
def test_hostile_yaml_rules_file(tmp_path, capsys, text, message):
    path = tmp_path / "rules.yaml"
    path.write_text(text)
    code, _, err = run(capsys, "audit", str(hostile.SEED), "--rules-file", str(path))
    assert code == 2 and message in one_line(err) and str(path) in err


def test_lone_surrogate_in_a_cli_output_folder(tmp_path, capsys):
    folder = tmp_path / "api"
    folder.mkdir()
    (folder / "get-api.json").write_text('{"ApiId": "abc", "Name": "\\udcff", "ProtocolType": "HTTP"}')
    code, _, err = run(capsys, "audit", str(tmp_path))
    assert code == 2 and "half a UTF-16 surrogate pair" in one_line(err) and "get-api.json" in err


def test_arnlike_with_a_long_run_of_question_marks(tmp_path, capsys):
    path = tmp_path / "q.json"
    path.write_text(hostile.question_runs_snapshot(29_000))  # took 20 s of CPU before
    code, out, _ = run(capsys, "audit", str(path), "--format", "json")
    assert code == 1 and json.loads(out)["summary"]["findings"] > 0


def test_markdown_with_backtick_runs(tmp_path, capsys):
    path = tmp_path / "b.json"
    path.write_text(hostile.backtick_message_snapshot(10_000))  # took a minute before
    code, out, _ = run(capsys, "audit", str(path), "--format", "markdown")
    assert code == 1 and "`" * 10_000 in out


def test_cfn_json_key_scan_with_escaped_quotes(tmp_path, capsys):
    path = tmp_path / "q.cfn.json"
    path.write_text(hostile.escaped_quotes_cfn_json(40_000))  # took over a minute before
    code, out, err = run(capsys, "audit", str(path), "--format", "json")
    assert code in (0, 1), err


def test_terraform_addresses_with_bracket_runs(tmp_path, capsys):
    path = tmp_path / "b.tfplan.json"
    path.write_text(hostile.bracket_runs_tfplan(30_000))  # took 15 s before
    code, _, err = run(capsys, "audit", str(path), "--format", "json")
    assert code in (0, 1, 2) and (code != 2 or len(err.strip().splitlines()) == 1)


def test_table_caps_a_long_cell_and_says_so(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    path = tmp_path / "long.json"
    path.write_text(hostile.long_route_key_snapshot(10_000))  # within AWS's limit, far beyond a cell
    code, out, _ = run(capsys, "audit", str(path))
    table = out.split("How to fix:")[0]
    assert code == 1
    assert all(len(line) <= 100 for line in table.splitlines()), max(table.splitlines(), key=len)
    assert "…" in table and "(Cells cut at 6 lines end in …; --format json holds every value whole.)" in out


def test_values_beyond_aws_limits_are_agw000_not_processed(tmp_path, capsys):
    path = tmp_path / "long.json"
    path.write_text(hostile.long_route_key_snapshot(1_000_000))  # tabulate's wrapping took minutes before
    code, out, _ = run(capsys, "audit", str(path), "--format", "json")
    report = json.loads(out)
    [limit] = [f for f in report["findings"] if "BeyondAwsLimit" in f["message"]]
    assert code == 1 and limit["rule_id"] == "AGW000" and limit["severity"] == "medium"
    assert "route key of 1,000,005 characters" in limit["message"] and "10,240 bytes" in limit["message"]
    assert len(out) < 100_000  # the key is not repeated into every finding
    document = hostile.seed()
    policy = json.loads(document["Scopes"][0]["Functions"][0]["Policy"])
    policy["Statement"] *= 80  # about 27 KB: Lambda refuses a policy over 20,480 bytes
    document["Scopes"][0]["Functions"][0]["Policy"] = json.dumps(policy)
    path.write_text(json.dumps(document))
    code, out, _ = run(capsys, "audit", str(path), "--format", "json")
    messages = [f["message"] for f in json.loads(out)["findings"] if f["rule_id"] == "AGW000"]
    assert code == 1 and any("Lambda allows at most 20,480" in m for m in messages)


def test_table_fits_the_terminal_width(capsys, monkeypatch):
    for columns in (80, 160):
        monkeypatch.setenv("COLUMNS", str(columns))
        code, out, _ = run(capsys, "audit", str(hostile.SEED))
        table = out.split("How to fix:")[0]
        assert code == 1 and all(len(line) <= columns for line in table.splitlines())
        assert max(len(line) for line in table.splitlines()) > columns - 20  # and uses the room it has


def test_quiet_prints_the_verdict_only(tmp_path, capsys):
    report = tmp_path / "r.sarif"
    code, out, _ = run(capsys, "audit", str(hostile.SEED), "--quiet", "--output", f"sarif={report}")
    assert code == 1
    from auditor.engine import all_rules
    assert out.splitlines() == [f"2 API(s), 2 function(s), {len(all_rules())} rules: 15 finding(s) (6 high, 1 medium, "
                                "3 low, 5 info); FAILED (--fail-on medium)."]
    assert json.loads(report.read_text())["runs"][0]["results"]


# --- defect 3: the remaining tracebacks

@pytest.mark.parametrize("source_arn", ["!Ref SourceArnWithoutDefault", "!FindInMap [Arns, api, source]"])
def test_explain_with_a_source_arn_unknown_before_deployment(tmp_path, capsys, source_arn):
    text = (hostile.ROOT / "examples" / "iac" / "seed-correct.cfn.yaml").read_text()
    text = text.replace("Parameters:\n", "Parameters:\n  SourceArnWithoutDefault:\n    Type: String\n", 1)
    text = re.sub(r"SourceArn: .*", "SourceArn: " + source_arn, text)
    path = tmp_path / "t.cfn.yaml"
    path.write_text(text)
    code, out, err = run(capsys, "explain", str(path), "GET", "/items")
    assert code in (0, 1), err  # explain's verdict, not a traceback
    assert "Verdict (cannot tell)" in out and "not known before deployment" in out and "AGW000" in out


def test_include_transform_with_parameters_not_an_object(tmp_path, capsys):
    text = (hostile.ROOT / "examples" / "iac" / "seed-correct.cfn.yaml").read_text()
    text += "  Extra:\n    Type: AWS::ApiGatewayV2::Stage\n    Properties:\n" \
            "      Fn::Transform: {Name: AWS::Include, Parameters: x}\n"
    path = tmp_path / "t.cfn.yaml"
    path.write_text(text)
    code, _, err = run(capsys, "audit", str(path))
    line = text.count("\n", 0, text.index("Fn::Transform: {Name")) + 1
    assert code == 2
    assert one_line(err) == (f"apigw-auditor: error: {path}:{line}: Fn::Transform AWS::Include needs "
                             "Parameters: {Location: FILE}, got str")


def test_cli_output_get_apis_item_without_api_id(tmp_path, capsys):
    folder = tmp_path / "api"
    folder.mkdir()
    (folder / "get-apis.json").write_text(json.dumps({"Items": [{"Name": "x", "ProtocolType": "HTTP"}]}))
    (folder / "get-routes.json").write_text(json.dumps({"Items": [{"RouteId": "r1", "RouteKey": "GET /"}]}))
    code, _, err = run(capsys, "audit", str(tmp_path))
    assert code == 2
    assert one_line(err) == (f"apigw-auditor: error: {folder / 'get-apis.json'} at $.Items[0]: expected "
                             "`aws apigatewayv2 get-apis` output: its item has no ApiId")


def test_ctrl_c_at_the_very_end_is_a_quiet_130(capsys, monkeypatch):
    from auditor import cli

    def interrupted():
        raise KeyboardInterrupt
    monkeypatch.setattr(cli.gc, "freeze", interrupted)
    monkeypatch.setattr("sys.argv", ["apigw-auditor", "audit", str(hostile.SEED), "--quiet"])
    assert cli.entry() == 130
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("format_name", ["json", "sarif", "table"])
def test_lone_surrogate_inside_a_policy_string(tmp_path, capsys, format_name):
    document = hostile.seed()
    function = document["Scopes"][0]["Functions"][1]
    policy = json.loads(function["Policy"])
    policy["Statement"][0]["Sid"] = "SURROGATE"
    function["Policy"] = json.dumps(policy).replace("SURROGATE", "\\udcff")  # crashed json/sarif before
    path = tmp_path / "s.json"
    path.write_text(json.dumps(document))
    code, _, err = run(capsys, "audit", str(path), "--format", format_name)
    assert code == 2 and one_line(err) == (
        f"apigw-auditor: error: {path} at $.Scopes[0].Functions[1].Policy.Statement[0].Sid: Policy: a \\u escape "
        "that is half a UTF-16 surrogate pair: no such character exists (fix the escape)")

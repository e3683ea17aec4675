"""Friction a new user hit (issue 14): options in any case, suggestions on typos, each command's own
exit codes in --help, routes --url, and messages that say what a wrong input is."""

import json

import pytest

from auditor.cli import main
from tests.fuzz.hostile import ROOT, SEED


def run(capsys, *argv):
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse
        code = exc.code
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


@pytest.mark.parametrize("argv", [["--format", "JSON"], ["--format", "Json", "--fail-on", "HIGH"],
                                  ["--select", "agw101", "--format", "json"], ["--output", "JSON=-"],
                                  ["--input-type", "SNAPSHOT", "--format", "json"]])
def test_options_ignore_case(capsys, argv):
    code, out, err = run(capsys, "audit", str(SEED), *argv)
    assert code == 1, err
    report = json.loads(out)
    if "--select" in argv:
        assert {f["rule_id"] for f in report["findings"]} == {"AGW101"}


@pytest.mark.parametrize("argv, suggestion", [
    (["--format", "jsn"], "did you mean json?"),
    (["--fail-on", "hihg"], "did you mean high?"),
    (["--select", "AGW1O1"], "did you mean AGW101?"),
    (["--ignore", "agw10l"], "did you mean AGW101?"),
    (["--output", "sarf=x.sarif"], "did you mean sarif?"),
])
def test_typos_get_the_closest_name(capsys, argv, suggestion):
    code, _, err = run(capsys, "audit", str(SEED), *argv)
    assert code == 2 and suggestion in err.strip().splitlines()[-1]


def test_fail_on_lists_never_among_its_choices(capsys):
    code, _, err = run(capsys, "audit", str(SEED), "--fail-on", "bogus")
    assert code == 2 and "(choose from info, low, medium, high, critical, never)" in err


@pytest.mark.parametrize("command, first_code", [
    (["snapshot"], "0  the snapshot was written"),
    (["rules"], "0  the catalogue was printed"),
    (["routes"], "0  the routing table was printed"),
    (["baseline"], "0  the baseline file was written"),
    (["baseline", "create"], "0  the baseline file was written"),
    (["audit"], "0  no finding at or above --fail-on"),
    (["explain"], "0  the request reaches the function"),
])
def test_each_command_help_shows_its_own_exit_codes(capsys, command, first_code):
    code, out, _ = run(capsys, *command, "--help")
    assert code == 0
    codes = out.split("exit codes:")[1]
    assert first_code in codes
    if command[0] != "audit":
        assert "at least one finding at or above --fail-on" not in codes


def test_routes_accepts_url(capsys):
    code, out, err = run(capsys, "routes", str(SEED), "--url",
                         "https://abc123def4.execute-api.us-east-1.amazonaws.com/items", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["api"]["id"] == "abc123def4"
    code, _, err = run(capsys, "routes", str(SEED), "--api", "xyz987uvw6", "--url",
                       "https://abc123def4.execute-api.us-east-1.amazonaws.com/")
    assert code == 2 and "contradicts" in err


@pytest.mark.parametrize("name, command", [("api/get-routes.json", "aws apigatewayv2 get-routes"),
                                           ("api/get-integrations.json", "aws apigatewayv2 get-integrations"),
                                           ("api/get-api.json", "aws apigatewayv2 get-api"),
                                           ("function/get-policy.json", "aws lambda get-policy")])
def test_one_cli_output_given_alone_says_what_it_is(capsys, name, command):
    path = ROOT / "tests" / "iac" / "fixtures" / "cli-outputs" / name
    code, _, err = run(capsys, "audit", str(path))
    [line] = err.strip().splitlines()
    assert code == 2 and line.startswith(f"apigw-auditor: error: {path}: this is the output of `{command}`")
    assert "get-routes.json" in line and "audit the folder" in line


def test_items_object_pasted_where_a_list_goes(tmp_path, capsys):
    document = json.loads(SEED.read_text())
    api = document["Scopes"][0]["Apis"][0]
    api["Routes"] = {"Items": api["Routes"]}
    path = tmp_path / "s.json"
    path.write_text(json.dumps(document))
    code, _, err = run(capsys, "audit", str(path))
    assert code == 2 and err.strip() == (
        f"apigw-auditor: error: {path} at $.Scopes[0].Apis[0].Routes: expected a list, got an object "
        '({"Items": [...]} as the AWS CLI prints it: put the list inside Items here, not the object)')


def test_folder_hint_suggests_only_templates(tmp_path, capsys):
    (tmp_path / ".pre-commit-hooks.yaml").write_text("- id: apigw-auditor\n  entry: apigw-auditor audit\n")
    (tmp_path / "mkdocs.yml").write_text("site_name: x\n")
    code, _, err = run(capsys, "audit", str(tmp_path))
    assert code == 2 and err.strip() == f"apigw-auditor: error: {tmp_path}: folder holds no *.json snapshot"
    (tmp_path / "template.yaml").write_text("Resources: {}\n")
    code, _, err = run(capsys, "audit", str(tmp_path))  # the template is read now (issue 20): it declares nothing
    assert code == 2 and "nothing was audited" in err


def test_sam_translator_rejection_names_the_line(tmp_path, capsys):
    text = (ROOT / "examples" / "iac" / "seed-correct.sam.yaml").read_text()
    text = text.replace("      Timeout: 3\n", "      Timeout: 3\n      Bogus: 1\n", 1)
    path = tmp_path / "t.sam.yaml"
    path.write_text(text)
    code, _, err = run(capsys, "audit", str(path))
    line = text.splitlines().index("  ItemsFunction:") + 1
    assert code == 2 and err.startswith(f"apigw-auditor: error: {path}:{line}: SAM template rejected")
    event = text.replace("            Path: /items\n", "            Path: 42\n", 1)
    path.write_text(event)
    code, _, err = run(capsys, "audit", str(path))
    line = event.splitlines().index("        ListItems:") + 1
    assert code == 2 and err.startswith(f"apigw-auditor: error: {path}:{line}: SAM template rejected")
    assert "There are unpublished metrics" not in err


@pytest.mark.parametrize("format_name", ["table", "markdown"])
def test_unresolved_parameters_read_as_placeholders(tmp_path, capsys, format_name):
    text = (ROOT / "examples" / "iac" / "seed-correct.cfn.yaml").read_text()
    text = text.replace("Parameters:\n", "Parameters:\n  StageName:\n    Type: String\n", 1)
    text = text.replace("StageName: $default", "StageName: !Ref StageName")
    path = tmp_path / "t.cfn.yaml"
    path.write_text(text)
    code, out, err = run(capsys, "audit", str(path), "--format", format_name)
    assert code in (0, 1), err
    assert "${unresolved" not in out and "unresolved:parameter" not in out
    assert ("stage <StageName>" if format_name == "table" else "stage `<StageName>`") in out


@pytest.mark.parametrize("name, text, message", [("e.json", "", "empty file: expected JSON"),
                                                 ("w.json", " \n\t\n", "empty file: expected JSON"),
                                                 ("e.yaml", "", "empty file: expected a template (YAML or JSON)")])
def test_empty_files_say_so(tmp_path, capsys, name, text, message):
    path = tmp_path / name
    path.write_text(text)
    code, _, err = run(capsys, "audit", str(path))
    assert code == 2 and err.strip() == f"apigw-auditor: error: {path}: {message}"


def test_parameters_without_a_value_are_listed_in_one_agw000(tmp_path, capsys):
    text = (ROOT / "examples" / "iac" / "seed-correct.cfn.yaml").read_text()
    text = text.replace("Parameters:\n", "Parameters:\n  StageName:\n    Type: String\n  RoutePath:\n"
                                         "    Type: String\n", 1)
    text = text.replace("StageName: $default", "StageName: !Ref StageName")
    text = text.replace("RouteKey: GET /items\n", "RouteKey: !Sub GET /${RoutePath}\n", 1)
    path = tmp_path / "t.cfn.yaml"
    path.write_text(text)
    code, out, _ = run(capsys, "audit", str(path), "--format", "json")
    listed = [f for f in json.loads(out)["findings"] if "no Default and no --parameter value" in f["message"]]
    assert len(listed) == 1 and listed[0]["rule_id"] == "AGW000" and listed[0]["severity"] == "info"
    assert listed[0]["message"].startswith("parameter(s) RoutePath, StageName have no Default")
    assert listed[0]["remediation"].endswith("--parameter RoutePath=VALUE --parameter StageName=VALUE")
    code, out, _ = run(capsys, "audit", str(path), "--format", "json", "--parameter", "StageName=prod",
                       "--parameter", "RoutePath=items")
    assert not [f for f in json.loads(out)["findings"] if "no --parameter value" in f["message"]]

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

"""Names from the input are the input author's text: they never become a shell command, drive the terminal,
or turn into a link, heading, table row or HTML in a Markdown report (issue 20)."""

import json
import os
import re
import stat
import subprocess
import sys

import pytest

from auditor.cli import main
from auditor.escape import shell_word
from tests.fuzz.hostile import seed

ESC = "\x1b[2J\x1b[HPASSED"
EVIL_NAME = ("evil [click](https://evil.example) www.evil.com x@evil.com\n# Heading\n| a | b |\n<img src=x onerror=alert(1)>"
             "\n```\n~~~\n<b>bold</b>")


def hostile_snapshot(markers) -> dict:
    """The seed with a command hidden in every name the fix script and the reports quote."""
    def inject(name):
        return f"\ntouch {markers}/{name}\n"

    data = seed()
    scope = data["Scopes"][0]
    api = scope["Apis"][0]
    api["Name"] = EVIL_NAME
    api["Routes"][3]["RouteKey"] = ("PUT /items" + inject("route") + f"`touch {markers}/backtick`"
                                    f"$(touch {markers}/dollar)'\"#" + ESC)
    old_id = api["Integrations"][0]["IntegrationId"]
    new_id = old_id + inject("integration")
    api["Integrations"][0]["IntegrationId"] = new_id
    for route in api["Routes"]:
        route["Target"] = route["Target"].replace(old_id, new_id)
    api["Authorizers"] = [{"AuthorizerId": "au1" + inject("authorizer-id"), "Name": "auth" + inject("authorizer") + ESC,
                           "AuthorizerType": "JWT", "IdentitySource": ["$request.header.Authorization"],
                           "JwtConfiguration": {"Audience": ["x"], "Issuer": "https://example.com"}}]
    function = scope["Functions"][1]
    policy = json.loads(function["Policy"])
    policy["Statement"][0]["Sid"] = "apigateway-any-api" + inject("sid")
    function["Policy"] = json.dumps(policy)
    function["FunctionName"] = "legacy-worker" + inject("function")
    return data


@pytest.fixture
def hostile(tmp_path):
    markers = tmp_path / "markers"
    markers.mkdir()
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(hostile_snapshot(markers)))
    return path, markers


def aws_shim(tmp_path):
    """A PATH where `aws` only records its argv (one JSON list a line)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "aws"
    shim.write_text(f"#!{sys.executable}\nimport json, sys\n"
                    f"open({str(tmp_path / 'argv.jsonl')!r}, 'a').write(json.dumps(sys.argv[1:]) + '\\n')\n")
    shim.chmod(shim.stat().st_mode | stat.S_IEXEC)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    return env, tmp_path / "argv.jsonl"


def recorded(argv_file) -> list[list[str]]:
    return [json.loads(line) for line in argv_file.read_text().splitlines()] if argv_file.exists() else []


def test_fix_script_runs_no_injected_command_and_passes_names_exactly(hostile, tmp_path, capsys):
    path, markers = hostile
    script = tmp_path / "fix.sh"
    assert main(["fix", str(path), "--fail-on", "low", "--output", str(script)]) == 1
    capsys.readouterr()
    env, argv_file = aws_shim(tmp_path)
    run = subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert os.listdir(markers) == []  # was: route, backtick, dollar, integration, authorizer, function ran
    calls = recorded(argv_file)
    assert calls
    # each value reaches aws as one argument, exactly as the input spells it
    integration_id = "a1b2c3" + f"\ntouch {markers}/integration\n"
    assert any(c[:2] == ["apigatewayv2", "update-integration"] and integration_id in c for c in calls)
    # (the removal is guarded by a get-policy check that this recorder cannot answer: the guard gets the name)
    assert any(c[:2] in (["lambda", "remove-permission"], ["lambda", "get-policy"])
               and f"legacy-worker\ntouch {markers}/function\n" in c for c in calls)
    # every comment line is one line: no line of the script starts with a name's text
    for line in script.read_text().splitlines():
        assert not line.startswith(("touch", "`", " of API", ": remove")), line
        assert "\x1b" not in line


def test_how_to_fix_commands_of_the_table_run_no_injected_command(hostile, tmp_path, capsys):
    path, markers = hostile
    main(["audit", str(path), "--fail-on", "never"])
    out = capsys.readouterr().out
    commands = [m.group(1) for m in re.finditer(r"^  \[\d+\] (.*)$", out, re.M)]
    assert len(commands) >= 10
    env, argv_file = aws_shim(tmp_path)
    for command in commands:
        subprocess.run(["bash", "-c", command], env=env, capture_output=True, timeout=60)
    assert os.listdir(markers) == []
    assert any(f"au1\ntouch {markers}/authorizer-id\n" in call for call in recorded(argv_file))


@pytest.mark.parametrize("value", ["plain", "$default", "it's", "a\nb", "\x1b[2J", "tab\there", "back\\slash'\n",
                                   "\u2028\u202e", "$(touch x)`y`"])
def test_shell_word_is_one_line_and_bash_reads_it_back_exactly(value):
    word = shell_word(value)
    assert "\n" not in word and "\x1b" not in word
    echoed = subprocess.run(["bash", "-c", f"printf %s {word}"], capture_output=True, timeout=10).stdout
    assert echoed.decode() == value


def _no_raw_control(text: str) -> None:
    for char in ("\x1b", "\r", "\x07", "\x9b"):
        assert char not in text


def test_terminal_writers_show_escapes_never_send_them(hostile, capsys):
    path, _ = hostile
    main(["audit", str(path), "--fail-on", "never"])
    table = capsys.readouterr().out
    _no_raw_control(table)
    assert "\\x1b[2J" in table  # shown, visibly
    assert not any(line.startswith(("touch", "PASSED", "# Heading")) for line in table.splitlines())
    main(["routes", str(path), "--api", "abc123def4"])
    routes = capsys.readouterr().out
    _no_raw_control(routes)
    assert not any(line.startswith(("touch", "# Heading")) for line in routes.splitlines())
    main(["explain", str(path), "--api", "abc123def4", "PUT", "/items"])
    explain = capsys.readouterr().out
    _no_raw_control(explain)
    assert not any(line.startswith(("touch", "# Heading")) for line in explain.splitlines())
    for fmt in ("mermaid", "dot"):
        main(["graph", str(path), "--format", fmt])
        _no_raw_control(capsys.readouterr().out)
    main(["fix", str(path), "--fail-on", "low"])
    captured = capsys.readouterr()
    _no_raw_control(captured.err)
    assert not any(line.startswith(("touch", "PASSED")) for line in captured.err.splitlines())


def test_error_messages_show_escapes(tmp_path, capsys):
    bad = tmp_path / "x\x1b[2Jy.json"
    bad.write_text("{")
    assert main(["audit", str(bad)]) == 2
    err = capsys.readouterr().err
    _no_raw_control(err)
    assert "\\x1b[2J" in err


def _rendered(markdown: str) -> str:
    cmarkgfm = pytest.importorskip("cmarkgfm")
    return cmarkgfm.github_flavored_markdown_to_html(markdown)


def test_markdown_report_makes_no_link_heading_row_or_html_from_a_name(hostile, tmp_path, capsys):
    path, _ = hostile
    clean = tmp_path / "clean.json"
    data = seed()
    clean.write_text(json.dumps(data))
    main(["audit", str(clean), "--format", "markdown", "--fail-on", "never"])
    baseline = _rendered(capsys.readouterr().out)
    main(["audit", str(path), "--format", "markdown", "--fail-on", "never"])
    markdown = capsys.readouterr().out
    html = _rendered(markdown)
    assert "<a " not in html  # was: <a href="https://evil.example">
    assert re.findall(r"<h\d>", html) == re.findall(r"<h\d>", baseline)  # no heading of the name's making
    assert "<img" not in html and "Heading</h" not in html and "<b>" not in html
    table_lines = [line for line in markdown.splitlines() if line.startswith("|") and not line.startswith("|--")]
    assert len(re.findall(r"<tr>", html)) == len(table_lines)  # every row is one we wrote
    assert not any(line.startswith(("# Heading", "\\| a", "<img", "touch")) for line in markdown.splitlines())
    assert "| a | b |" in html  # shown, as text
    assert "evil [click](https://evil.example)" in html.replace("\u200b", "")  # shown, as text


@pytest.mark.parametrize("fmt", ["sarif", "junit", "github", "html", "json"])
def test_machine_formats_carry_no_raw_escape_sequence(hostile, capsys, fmt):
    path, _ = hostile
    main(["audit", str(path), "--format", fmt, "--fail-on", "never"])
    out = capsys.readouterr().out
    assert "\x1b" not in out
    if fmt == "github":  # one workflow command a line: a name's newline is %0A
        assert all(line.startswith(("::", "apigw-auditor:")) for line in out.splitlines())
    if fmt == "html":
        assert "<img src=x" not in out


from hypothesis import given, settings, strategies as st  # noqa: E402

_TEXT = st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=60, derandomize=True, deadline=None)
@given(_TEXT)
def test_any_text_is_one_shell_word_bash_reads_back(value):
    word = shell_word(value)
    assert "\n" not in word and "\r" not in word
    echoed = subprocess.run(["bash", "-c", f"printf %s {word}"], capture_output=True, timeout=10).stdout
    assert echoed.decode("utf-8", "surrogateescape") == value


@settings(max_examples=200, derandomize=True, deadline=None)
@given(_TEXT)
def test_visible_text_holds_no_control_character(value):
    from auditor.escape import terminal, visible
    shown = visible(value)
    assert not re.search("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]", shown)
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f]", terminal(value))


def _markdown_text_by_regex(text: str) -> str:
    """markdown_text as it was written before its one-pass translation table (the reference)."""
    from auditor.escape import visible
    text = re.sub(r"([\\`*_\[\]<>#!|~&$])", r"\\\1", visible(text))
    text = re.sub(r"(:)(?=//)|(?<=www)(\.)", lambda m: "\\" + m.group(0), text, flags=re.IGNORECASE)
    return text.replace("@", "@\u200b")


@settings(max_examples=400, derandomize=True, deadline=None)
@given(st.text(st.sampled_from("\\`*_[]<>#!|~&$@:/.wW x\n\t\u202e"), max_size=30) | _TEXT)
def test_markdown_text_escapes_as_the_regex_reference_does(value):
    from auditor.escape import markdown_text
    assert markdown_text(value) == _markdown_text_by_regex(value)

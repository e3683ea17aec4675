"""`--format markdown`: a pull-request comment: verdict, counts, a table per API, fixes in code blocks."""

import re

from tests.ci.conftest import api, broken, correct, route

UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def markdown(cli, *args):
    code, out, _ = cli("audit", *args, "--format", "markdown")
    return code, out


def tables(text):
    """{heading: [rows as lists of cells]} for each `### heading` followed by a table."""
    out, heading = {}, None
    for line in text.splitlines():
        if line.startswith("### "):
            heading = line[4:]
        elif line.startswith("|") and heading and not line.startswith("|---"):
            out.setdefault(heading, []).append([c.strip() for c in UNESCAPED_PIPE.split(line)[1:-1]])
    return out


def test_counts_by_severity_table_per_api_and_verdict(cli):
    code, text = markdown(cli, cli.write(broken()))
    assert code == 1
    assert text.startswith("## apigw-auditor: failed")
    for row in ("| critical | 0 |", "| high | 6 |", "| medium | 1 |", "| low | 3 |", "| info | 5 |"):
        assert row in text
    by_api = tables(text)
    assert set(by_api) >= {"API abc123def4 (123456789012/us-east-1)", "API xyz987uvw6 (123456789012/us-east-1)"}
    header, *rows = by_api["API abc123def4 (123456789012/us-east-1)"]
    assert header == ["#", "Severity", "Rule", "Where", "Finding"]
    assert len(rows) == 11 and all(len(row) == 5 for row in rows)
    assert rows[0][1] == "**high**" and "`AGW101`" in rows[0][2] and "`snapshot.json:" in rows[0][3]


def test_remediation_commands_are_in_fenced_code_blocks(cli):
    _, text = markdown(cli, cli.write(broken()))
    blocks = re.findall(r"^```sh\n(.*?)\n```$", text, re.MULTILINE | re.DOTALL)
    assert len(blocks) == 15
    assert any(b.startswith("aws apigatewayv2 update-route --api-id abc123def4 --route-id xyz790 --target "
                            "integrations/a1b2c3") for b in blocks)


def test_pipes_and_markup_from_the_input_cannot_break_the_table(cli):
    doc = broken()
    route(doc, "POST /items")["RouteKey"] = "POST /a|b"
    api(doc, 1)["ApiId"] = "x|<b>*y*"
    _, text = markdown(cli, cli.write(doc))
    for heading, rows in tables(text).items():
        assert all(len(row) == len(rows[0]) for row in rows), heading
    assert "`POST /a\\|b`" in text
    outside_code = re.sub(r"`+[^`]*`+", "", re.sub(r"^```.*?^```$", "", text, flags=re.MULTILINE | re.DOTALL))
    assert "<b>" not in outside_code and "*y*" not in outside_code  # raw markup only inside code
    assert "### API x\\|\\<b\\>\\*y\\* (123456789012/us-east-1)" in text


def test_a_clean_audit_says_so(cli):
    doc = correct()
    code, text = markdown(cli, cli.write(doc), "--ignore", "AGW304,AGW305")
    assert code == 0
    assert text.startswith("## apigw-auditor: passed") and "No findings" in text and "###" not in text

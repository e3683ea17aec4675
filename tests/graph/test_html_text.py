"""The HTML report as text: self-contained (no URL to fetch, a CSP that forbids it) and escaped."""

import re

from auditor.cli import main
from tests.graph.conftest import HOSTILE_HTML, write
from tests.seed import EXAMPLES


def html_of(capsys, path) -> str:
    capsys.readouterr()
    main(["audit", str(path), "--format", "html"])
    return capsys.readouterr().out


def test_the_report_names_nothing_to_fetch(capsys):
    text = html_of(capsys, EXAMPLES / "seed-broken.json")
    assert text.startswith("<!DOCTYPE html>")
    assert "default-src 'none'" in text
    assert not re.search(r'\b(src|href)\s*=', text)  # no script, style, image or link by URL
    assert "@import" not in text and "url(http" not in text


def test_input_text_cannot_leave_its_element(capsys, tmp_path, hostile_doc):
    text = html_of(capsys, write(tmp_path, hostile_doc))
    assert text.count("<script") == 2 and text.count("</script>") == 2  # the data and our code, nothing else
    assert "<img" not in text
    assert html_escape_of(HOSTILE_HTML) in text  # in the tables, as text


def html_escape_of(value: str) -> str:
    import html
    return html.escape(value, quote=True)

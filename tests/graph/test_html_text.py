"""The HTML report as text: self-contained (no URL to fetch, a CSP that forbids it) and escaped."""

import re

import pytest

from auditor.cli import main
from tests.graph.conftest import HOSTILE_HTML, api, broken, fixture_inputs, graphs_of, write
from tests.graph.mermaid_grammar import parse
from tests.seed import EXAMPLES


def run_graph(capsys, *args):
    capsys.readouterr()
    code = main(["graph", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def html_of(capsys, path) -> str:
    capsys.readouterr()
    main(["audit", str(path), "--format", "html", "--allow-empty"])  # fixtures holding only unjudged APIs (REST) audit nothing
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


@pytest.mark.parametrize("path", fixture_inputs(), ids=lambda p: p.name)
def test_every_fixture_renders_a_page_with_one_drawing_per_http_api(capsys, path):
    graphs = graphs_of(path)
    if graphs is None:
        pytest.skip(f"{path.name} is not an input on its own")
    text = html_of(capsys, path)
    assert text.count('class="svg-holder"') == len(graphs)
    assert text.rstrip().endswith("</html>")


def test_an_api_listed_without_its_routes_is_drawn_as_unknown_not_broken(capsys, tmp_path):
    doc = broken()
    del api(doc)["Routes"]
    code, out, err = run_graph(capsys, write(tmp_path, doc), "--api", "abc123def4")
    chart = parse(out)
    assert code == 0 and not err and not chart.red
    assert not [label for label in chart.nodes.values() if label.startswith(("GET", "POST", "PUT"))]

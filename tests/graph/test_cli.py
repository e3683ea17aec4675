"""`apigw-auditor graph`: formats, exit codes, errors; DOT quoting; the Markdown report's picture."""

import re
import shutil
import subprocess

import pytest

from auditor.cli import main
from tests.graph.conftest import write
from tests.graph.mermaid_grammar import parse, red_edges
from tests.seed import EXAMPLES, correct

BROKEN, CORRECT = str(EXAMPLES / "seed-broken.json"), str(EXAMPLES / "seed-correct.json")


def run(capsys, *args):
    capsys.readouterr()
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_one_api_gives_mermaid_text_and_exit_1_when_an_edge_is_broken(capsys):
    code, out, err = run(capsys, "graph", BROKEN, "--api", "abc123def4")
    assert code == 1 and not err
    assert len(red_edges(parse(out))) == 4


def test_a_healthy_api_exits_0(capsys):
    code, out, _ = run(capsys, "graph", CORRECT)
    assert code == 0 and not parse(out).red


def test_several_apis_give_markdown_with_one_block_each(capsys):
    code, out, _ = run(capsys, "graph", BROKEN)
    blocks = re.findall(r"^```mermaid\n(.*?)^```$", out, re.MULTILINE | re.DOTALL)
    assert code == 1 and len(blocks) == 2
    assert all(parse(block) for block in blocks)
    assert "## Wiring of API abc123def4 (my-frontend-app-api)" in out


def test_unknown_api_and_bad_input_are_usage_errors(capsys, tmp_path):
    code, out, err = run(capsys, "graph", BROKEN, "--api", "nope")
    assert code == 2 and not out and "unknown API id 'nope'" in err and "seed-broken.json" in err
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    code, out, err = run(capsys, "graph", str(bad))
    assert code == 2 and "bad.json" in err and "Traceback" not in err


def test_output_file_is_written_whole(capsys, tmp_path):
    target = tmp_path / "wiring.dot"
    code, out, _ = run(capsys, "graph", BROKEN, "--format", "dot", "-o", target)
    assert code == 1 and not out and target.read_text().startswith("digraph wiring {")


def test_help_names_its_exit_codes(capsys):
    with pytest.raises(SystemExit):
        main(["graph", "--help"])
    text = capsys.readouterr().out
    assert "exit codes:" in text and "at least one edge is broken" in text and "--format FORMAT" in text
    assert "mermaid (GitHub renders it) or dot (Graphviz)" in " ".join(text.split())


def test_dot_marks_the_broken_edges_red(capsys):
    _, out, _ = run(capsys, "graph", BROKEN, "--format", "dot")
    red = [line for line in out.splitlines() if "->" in line and 'color="#d32f2f"' in line]
    assert sorted(re.search(r'label="(AGW\d+)', line).group(1) for line in red) == [
        "AGW101", "AGW102", "AGW104", "AGW105", "AGW203"]


def test_dot_quotes_hostile_text(capsys, tmp_path, hostile_doc):
    _, out, _ = run(capsys, "graph", write(tmp_path, hostile_doc), "--format", "dot")
    for line in out.splitlines():
        # outside the quoted strings, only our own syntax
        bare = re.sub(r'"(?:[^"\\]|\\.)*"', '""', line)
        assert re.fullmatch(r'\s*(digraph wiring \{|rankdir=LR;|node \[.*\];|edge \[.*\];|subgraph cluster_\d+ \{|'
                            r'label="";|a\d+_n\d+ \[[^\[\]]*\];|\{ rank=same;[ a-z0-9_;]*\}|'
                            r'a\d+_n\d+ -> a\d+_n\d+( \[[^\[\]]*\])?;|\})', bare), line


@pytest.mark.skipif(not shutil.which("dot"), reason="Graphviz `dot` is not installed (optional)")
def test_graphviz_accepts_the_dot(capsys, tmp_path, hostile_doc):
    _, out, _ = run(capsys, "graph", write(tmp_path, hostile_doc), "--format", "dot")
    done = subprocess.run(["dot", "-Tsvg"], input=out, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_the_markdown_report_draws_the_wiring(capsys, tmp_path):
    code, out, _ = run(capsys, "audit", BROKEN, "--format", "markdown")
    blocks = re.findall(r"^```mermaid\n(.*?)^```$", out, re.MULTILINE | re.DOTALL)
    assert "## Wiring" in out and len(blocks) == 2
    assert sum(len(red_edges(parse(b))) for b in blocks) == 5
    code, out, _ = run(capsys, "audit", write(tmp_path, correct()), "--format", "markdown")
    [block] = re.findall(r"^```mermaid\n(.*?)^```$", out, re.MULTILINE | re.DOTALL)
    assert not parse(block).red and "Every edge is healthy." in out


@pytest.mark.parametrize("method, path, route_key", [
    ("GET", "/items", "GET /items"), ("POST", "/items", "POST /items"), ("PUT", "/items", "PUT /items"),
    ("GET", "/items/42", "GET /items/{id}"), ("DELETE", "/items/42", "DELETE /items/{id}/")])
def test_each_edge_tells_what_explain_tells(capsys, method, path, route_key):
    """The drawing and `explain` agree on every route of the seed's broken API: same rule, same status."""
    import json
    from auditor.inputs import load_inputs
    from auditor.reports.wiring_graph import build_graphs
    code, out, _ = run(capsys, "explain", BROKEN, "--api", "abc123def4", "--format", "json", method, path)
    verdict = json.loads(out)["verdict"]
    [graph] = build_graphs(load_inputs([BROKEN]), api_id="abc123def4")
    [drawn] = [v for v in graph.verdicts if v.route_key == route_key]
    edge = next(e for e in graph.edges if e.id == drawn.route_edge)
    assert drawn.rule_id == verdict["rule_id"]
    assert drawn.status == ("/".join(map(str, verdict["statuses"])) or None)
    assert edge.broken == (code == 1)
    if edge.broken:
        assert edge.label == f"{verdict['rule_id']}: client gets {drawn.status}"

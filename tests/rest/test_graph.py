"""graph, HTML and Markdown pictures of REST APIs: the resource tree, broken methods red with their rule."""

import json

from auditor.cli import main
from tests.rest.estate import arn, fresh, grant, policy


def _file(tmp_path, doc):
    path = tmp_path / "rest.json"
    path.write_text(json.dumps(doc))
    return path


def test_mermaid_draws_the_resource_tree_and_the_broken_methods(tmp_path, capsys):
    doc = fresh()
    policy(doc)["Statement"] = [grant("a", arn("/*/GET/*"))]
    path = _file(tmp_path, doc)
    capsys.readouterr()
    assert main(["graph", str(path), "--format", "mermaid"]) == 1
    text = capsys.readouterr().out
    lines = text.splitlines()
    root = lines.index('  subgraph res0["resource /"]')
    pets = next(i for i, line in enumerate(lines) if 'resource pets"]' in line)
    param = next(i for i, line in enumerate(lines) if "resource #123;id#125;" in line)
    assert root < pets < param  # nested: / holds pets, which holds {id}
    assert lines[pets].startswith("    subgraph") and lines[param].startswith("      subgraph")
    assert '"AGW203: client gets 500"' in text and "linkStyle" in text


def test_correct_rest_api_graph_is_healthy_and_reports_draw_it(tmp_path, capsys):
    path = _file(tmp_path, fresh())
    capsys.readouterr()
    assert main(["graph", str(path), "--format", "mermaid"]) == 0
    assert "linkStyle" not in capsys.readouterr().out
    assert main(["graph", str(path), "--format", "dot"]) == 0
    dot = capsys.readouterr().out
    assert "REST API r3st000001" in dot and '"resource /pets/{id}", shape=folder' in dot
    out = tmp_path / "report.html"
    assert main(["audit", str(path), "--format", "html", "--output", str(out)]) == 0
    assert "r3st000001" in out.read_text()
    assert main(["audit", str(path), "--format", "markdown"]) == 0
    markdown = capsys.readouterr().out
    assert "```mermaid" in markdown and "resource pets" in markdown

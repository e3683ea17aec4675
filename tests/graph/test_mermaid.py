"""The Mermaid flowcharts: in the grammar we emit on every fixture, red exactly where the seed
tutorial's broken setup fails, within GitHub's limits on large APIs, and immune to hostile input."""

import re

import pytest

from auditor.inputs import load_inputs
from auditor.reports.mermaid import flowchart, mermaid_document
from auditor.reports.wiring_graph import build_graphs
from tests.graph.conftest import HOSTILE, big_api, fixture_inputs, graphs_of, write
from tests.graph.mermaid_grammar import GrammarError, parse, red_edges
from tests.seed import EXAMPLES


@pytest.mark.parametrize("path", fixture_inputs(), ids=lambda p: p.name)
def test_every_fixture_draws_in_the_grammar(path):
    graphs = graphs_of(path)
    if graphs is None:
        pytest.skip(f"{path.name} is not an input on its own")
    for graph in graphs:
        chart = parse(flowchart(graph)[0])
        routes = [n for n in graph.nodes if n.kind == "route"]
        drawn = [label for label in chart.nodes.values() if label.split("\n")[0] in {r.label for r in routes}]
        assert len(drawn) == len(routes)  # small fixtures: every route drawn, none folded
        assert len(chart.red) == len(graph.broken_edges)


def test_enough_fixtures_are_drawn():
    drawn = [p for p in fixture_inputs() if graphs_of(p)]
    assert len(drawn) >= 20


def test_the_seed_broken_example_is_red_exactly_where_requests_fail():
    graphs = build_graphs(load_inputs([str(EXAMPLES / "seed-broken.json")]))
    charts = {g.api_id: parse(flowchart(g)[0]) for g in graphs}
    assert red_edges(charts["abc123def4"]) == {
        ("POST /items", "integration a1b2c3", "AGW101: client gets 500/404"),
        ("GET /items/{id}", "integrations/q9w8e7", "AGW102: client gets 500/404"),
        ("DELETE /items/{id}/", "integration a1b2c3", "AGW104: client gets 404"),
        ("PUT /items", "integration a1b2c3", "AGW203: client gets 500"),
    }
    healthy = [e for i, e in enumerate(charts["abc123def4"].edges) if i not in charts["abc123def4"].red]
    assert ("allowed by apigateway-get-items" in {label for _, _, label, _ in healthy})  # the permission gate
    assert red_edges(charts["xyz987uvw6"]) == {("no stage", "API xyz987uvw6", "AGW105: client gets 404")}


def test_the_seed_correct_example_has_no_red_edge():
    [graph] = build_graphs(load_inputs([str(EXAMPLES / "seed-correct.json")]))
    chart = parse(flowchart(graph)[0])
    assert not chart.red and not chart.classes.get("broken")
    assert sum(1 for _, _, label, _ in chart.edges if label == "allowed by apigateway-invoke") == 4


def test_a_qualified_function_is_drawn_with_its_qualifier(tmp_path):
    from tests.seed import api, correct
    doc = correct()
    integration = api(doc)["Integrations"][0]
    integration["IntegrationUri"] += ":live"
    [graph] = build_graphs(load_inputs([str(write(tmp_path, doc))]))
    chart = parse(flowchart(graph)[0])
    assert "my-frontend-app-api:live\nqualifier live" in chart.nodes.values()


@pytest.mark.parametrize("routes", [700, 2000])
def test_a_large_api_stays_within_githubs_limits_and_says_what_it_left_out(tmp_path, routes):
    [graph] = build_graphs(load_inputs([str(write(tmp_path, big_api(routes)))]))
    text, left_out = flowchart(graph)
    chart = parse(text, max_text=40_000, max_edges=400)
    broken_routes = sorted(f"GET /res{i}/{{id}}" for i in range(0, routes, 97))
    shown = {label.split("\n")[0] for label in chart.nodes.values()}
    if len(broken_routes) <= 60:
        assert set(broken_routes) <= shown  # every broken route keeps its own red edge
    assert any("more route(s)" in label for label in shown)
    assert left_out and f"of {routes} routes folded" in left_out[0]
    assert any("left out" in comment for comment in chart.comments)


def test_too_many_integrations_to_draw_still_gives_a_valid_diagram(tmp_path):
    [graph] = build_graphs(load_inputs([str(write(tmp_path, big_api(600, integrations=600, broken_every=10**9)))]))
    text, left_out = flowchart(graph)
    chart = parse(text)
    assert len(chart.nodes) == 1 and "too large to draw" in next(iter(chart.nodes.values()))
    assert "exceed GitHub's Mermaid limits" in left_out[0]


def test_hostile_names_stay_labels(tmp_path, hostile_doc):
    graphs = build_graphs(load_inputs([str(write(tmp_path, hostile_doc))]))
    text = mermaid_document(graphs)
    for graph in graphs:
        drawn = flowchart(graph)[0]
        chart = parse(drawn)  # a statement smuggled in would fail the grammar
        assert "%%{" not in drawn  # no init directive: Mermaid reads those anywhere in the diagram
        if graph.api_id == "abc123def4":
            labels = " ".join(" ".join(label.split()) for label in chart.nodes.values())
            assert " ".join(("PUT /items" + HOSTILE).split())[:70] in labels  # shown as text, whole
            assert "POST /</script>" in labels and "x%%{init" in " ".join(chart.comments)
    outside = re.sub(r"^```mermaid$.*?^```$", "", text, flags=re.MULTILINE | re.DOTALL)
    assert not re.search(r"(?<!\\)<", outside)  # Markdown around the diagrams: every `<` escaped
    assert "<img" not in text.replace("\\<", "")
    assert not [line for line in text.splitlines() if line.strip().startswith(("click", "A["))]


def test_the_checker_rejects_what_it_should():
    good = 'flowchart LR\n  n0["a"]\n  n1["b"]\n  n0 -->|"x"| n1\n  linkStyle 0 stroke:#d32f2f'
    assert parse(good).red == {0}
    for bad in (good.replace('"a"', '"a"]\n  click n0 "javascript:x"'), good.replace('"x"', '"x"y"'),
                good + "\n  linkStyle 3 stroke:#d32f2f", good.replace("n0 -->", "n7 -->"),
                good.replace('"a"', '"<b>a</b>"'), good.replace("LR", "TD")):
        with pytest.raises(GrammarError):
            parse(bad)

"""The HTML report grows linearly with routes (issue 20: 10,000 routes of one API took 22.6 s, 30,000
took 176 s), and the shortcuts that keep it so give the general path's answers.

Work is counted (Python function calls while rendering), not timed: a machine other jobs load slows
both sizes alike. One whole-process run guards the issue's own case with a generous timeout."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

from generate import build  # noqa: E402


def _write(tmp_path, routes: int, per_api: int) -> Path:
    path = tmp_path / f"snapshot-{routes}-{per_api}.json"
    path.write_text(json.dumps(build(routes, max(1, routes // 5), routes_per_api=per_api)))
    return path


def _audit(path: Path):
    from auditor.cli import build_parser
    from auditor.commands.audit import audit
    return audit(build_parser().parse_args(["audit", str(path)]))


def _calls_to_render(result) -> int:
    from auditor.reports import html
    from auditor.reports.common import RenderOptions
    calls = 0

    def count(frame, event, arg):
        nonlocal calls
        if event == "call":
            calls += 1

    sys.setprofile(count)
    try:
        html.render(result, RenderOptions())
    finally:
        sys.setprofile(None)
    return calls


def test_html_work_grows_linearly_with_one_apis_routes(tmp_path, monkeypatch):
    # An API of over 500 routes simulates at most max(20, RANKING_BUDGET / routes) of them, each ranking every
    # route: a constant 10^6 comparisons at these sizes. Shrunk here, so what is left is the per-route work.
    from auditor.reports import wiring_graph
    monkeypatch.setattr(wiring_graph, "RANKING_BUDGET", 1)
    small, large = (_calls_to_render(_audit(_write(tmp_path, n, n))) for n in (1500, 6000))
    # 4x the routes: at most ~4x the calls (before: every verdict was compared with every other one)
    assert large <= 4.5 * small, (small, large)


def test_html_work_grows_linearly_with_the_number_of_apis(tmp_path):
    small, large = (_calls_to_render(_audit(_write(tmp_path, n, 20))) for n in (1000, 4000))
    assert large <= 4.5 * small, (small, large)


def test_html_of_30000_routes_in_one_api_finishes(tmp_path):
    path = _write(tmp_path, 30000, 30000)
    out = tmp_path / "report.html"
    try:
        done = subprocess.run([sys.executable, "-m", "auditor", "audit", str(path), "--format", "html", "--fail-on",
                               "never", "--output", str(out)], capture_output=True, text=True, cwd=ROOT, timeout=150)
    except subprocess.TimeoutExpired:
        pytest.fail("the HTML report of one API with 30,000 routes still ran after 150 s (before: 176 s)")
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    assert text.count('<tr data-edge="0:') == 30000  # every route has its verdict row


def test_routes_past_the_reports_simulation_budget_take_the_routing_tables_verdict(tmp_path):
    from auditor.reports.wiring_graph import SIMULATE_REPORT_UP_TO, build_graphs, simulators_for_result
    result = _audit(_write(tmp_path, 2000, 20))  # 100 APIs of 20 routes
    graphs = build_graphs(result.snapshot, simulators=simulators_for_result(result))
    simulated = [v for g in graphs for v in g.verdicts if "routing table" not in v.summary]
    tabled = [v for g in graphs for v in g.verdicts if "routing table" in v.summary]
    assert len(simulated) >= SIMULATE_REPORT_UP_TO and len(tabled) > 0
    assert all("the report's first 500 routes were" in v.summary and not v.certain for v in tabled)
    assert all(v.outcome == "reaches-function" for v in tabled)
    # a route a finding of medium or more concerns is still simulated, past the budget too
    past = [g for g in graphs if any("routing table" in v.summary for v in g.verdicts)]
    failing = [v for g in past for v in g.verdicts
               if v.route_edge in {e.id for e in g.edges if e.broken and e.kind == "routes"}]
    assert failing and all("routing table" not in v.summary and v.outcome == "fails" for v in failing)


@pytest.mark.parametrize("layout", [(300, 300), (400, 20)])
def test_whole_api_permission_shortcut_gives_the_evaluated_verdicts(tmp_path, layout):
    """PermissionCheck.verdicts_of answers an Allow of `<api>/*` without evaluating each route: the same
    stage -> verdict map the evaluated coverage gives."""
    result = _audit(_write(tmp_path, *layout))
    checks = [c for c in result.index.permission_checks if c.whole_api]
    assert checks
    for check in checks:
        for route in check.routes:
            evaluated = {c.stage: c.verdict for c in check.coverage_of(route)}
            assert check.verdicts_of(route) == evaluated


def test_plugin_discovery_skips_importlib_metadata_only_when_no_distribution_declares_the_group(tmp_path):
    """engine._may_declare_plugins reads what importlib.metadata would: with no distribution declaring
    `apigw_auditor.rules`, an audit never imports importlib.metadata (its import costs more than
    auditing 10,000 routes); a distribution that declares it is found as before."""
    probe = ("import sys, importlib.metadata as m\n"
             "from auditor.engine import ENTRY_POINT_GROUP, _may_declare_plugins, plugin_rules\n"
             "print(_may_declare_plugins(), len(list(m.entry_points(group=ENTRY_POINT_GROUP))))\n")
    plain = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path)
    assert plain.stdout.split() == ["False", "0"], plain.stderr
    audit = subprocess.run([sys.executable, "-c", "import sys\nfrom auditor.cli import main\n"
                            f"main(['audit', {str(ROOT / 'examples' / 'seed-correct.json')!r}, '--format', 'json', "
                            "'--output', 'out.json'])\nprint('importlib.metadata' in sys.modules)"],
                           capture_output=True, text=True, cwd=tmp_path)
    assert audit.stdout.strip() == "False", audit.stderr
    site = tmp_path / "site"
    (site / "house_rules").mkdir(parents=True)
    (site / "house_rules" / "__init__.py").write_text("RULES = []\n")
    info = site / "house_rules-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: house-rules\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[apigw_auditor.rules]\nhouse = house_rules:RULES\n")
    env = {**os.environ, "PYTHONPATH": str(site)}
    found = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert found.stdout.split() == ["True", "1"], found.stderr

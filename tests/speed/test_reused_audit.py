"""The Markdown and HTML reports draw each API's wiring from the audit's own findings and lookups, and
build only the graphs the Markdown page has room for. What they show must be exactly what a fresh
simulation of every API gives: with suppressions, severity overrides, templates and many APIs."""

import json
import sys

import pytest

from auditor.cli import main
from auditor.reports import html, markdown, wiring_graph
from auditor.core.simulate import Simulator
from tests.seed import EXAMPLES, ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import build  # noqa: E402


def _suppressed() -> dict:
    document = json.loads((EXAMPLES / "seed-broken.json").read_text())
    for scope in document["Scopes"]:
        for function in scope["Functions"]:
            function.setdefault("Tags", {})["apigw-auditor:ignore"] = "AGW301 AGW111 -- known"
    return document


INPUTS = {
    "broken": lambda tmp: str(EXAMPLES / "seed-broken.json"),
    "template": lambda tmp: str(EXAMPLES / "iac" / "seed-broken.cfn.yaml"),
    "suppressed": lambda tmp: _write(tmp, _suppressed()),
    "many-apis": lambda tmp: _write(tmp, build(4000, 300)),  # more Mermaid than the Markdown page holds
}


def _write(tmp, document) -> str:
    path = tmp / "snapshot.json"
    path.write_text(json.dumps(document))
    return str(path)


def _fresh(result):
    return [Simulator(part, list(result.rules)) for part in result.snapshot.stacks()]


def _report(path, fmt, tmp, capsys, extra=()) -> str:
    out = tmp / f"report.{fmt}"
    assert main(["audit", path, "--format", fmt, "--fail-on", "never", "--output", str(out), *extra]) == 0
    capsys.readouterr()
    return out.read_text()


@pytest.mark.parametrize("name", sorted(INPUTS))
@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_drawings_match_a_fresh_simulation(tmp_path, capsys, monkeypatch, name, fmt):
    monkeypatch.chdir(tmp_path)
    path = INPUTS[name](tmp_path)
    severity, ignores = tmp_path / "severity.toml", tmp_path / "ignores.toml"
    severity.write_text("[severity]\n" + "".join(f'{rule} = "info"\n' for rule in
                                                ("AGW101", "AGW102", "AGW105", "AGW111", "AGW203", "AGW301")))
    ignores.write_text('[per-path-ignores]\n"**" = ["AGW1", "AGW2"]\n')
    for extra in ((), ("--config", str(severity)), ("--config", str(ignores))):
        reused = _report(path, fmt, tmp_path, capsys, extra)
        with monkeypatch.context() as patch:
            patch.setattr(wiring_graph, "simulators_for_result", _fresh)
            patch.setattr(html, "simulators_for_result", _fresh)
            patch.setattr(wiring_graph, "GraphsOnDemand",
                          lambda simulators: wiring_graph.build_graphs(None, simulators=simulators))
            fresh = _report(path, fmt, tmp_path, capsys, extra)
        assert reused == fresh
        assert "Wiring" in reused or "wiring" in reused.lower()
    if name == "many-apis" and fmt == "markdown":
        assert "Not drawn here" in reused

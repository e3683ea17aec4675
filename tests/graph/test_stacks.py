"""Drawings follow the inputs' stacks (README, "Several inputs in one run"): two templates that both hold an
API `HttpApi` are drawn side by side, each simulated within its own template, exactly as each alone."""

import re

import pytest

from auditor.cli import main
from tests.seed import ROOT

BROKEN = str(ROOT / "examples" / "iac" / "seed-broken.cfn.yaml")
CORRECT = str(ROOT / "examples" / "iac" / "seed-correct.cfn.yaml")
_RED_EDGES = re.compile(r"^\s*linkStyle [0-9,]+ stroke:#d32f2f", re.M)


def _markdown(capsys, *paths) -> str:
    capsys.readouterr()
    assert main(["audit", *paths, "--format", "markdown", "--fail-on", "never"]) == 0
    return capsys.readouterr().out


def test_two_templates_with_the_same_api_id_draw_the_union_of_each_alone(capsys):
    alone = [_markdown(capsys, BROKEN), _markdown(capsys, CORRECT)]
    together = _markdown(capsys, BROKEN, CORRECT)
    assert together.count("```mermaid") == sum(text.count("```mermaid") for text in alone) == 3
    assert _RED_EDGES.findall(together) == _RED_EDGES.findall(alone[0]) + _RED_EDGES.findall(alone[1])
    assert _RED_EDGES.findall(alone[0]) and not _RED_EDGES.findall(alone[1])


@pytest.mark.parametrize("fmt", ["html", "markdown"])
def test_reports_that_draw_accept_several_templates(fmt, capsys):
    assert main(["audit", BROKEN, CORRECT, "--format", fmt, "--fail-on", "never"]) == 0
    assert "HttpApi" in capsys.readouterr().out

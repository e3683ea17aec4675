"""The progress display: on a terminal only, never in CI or with -q (tqdm on stderr)."""

import io

import pytest

from auditor.cli import build_parser
from auditor.live import _Progress, options_from_args


class _Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize("ci, argv, shown", [
    (None, ["snapshot", "--region", "us-east-1"], True),
    ("true", ["snapshot", "--region", "us-east-1"], False),
    (None, ["snapshot", "--region", "us-east-1", "-q"], False),
    (None, ["audit", "--live", "--region", "us-east-1", "--quiet"], False),
    (None, ["graph", "--live", "--region", "us-east-1", "-q"], False),
])
def test_progress_only_on_a_terminal_outside_ci_without_quiet(monkeypatch, ci, argv, shown):
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    monkeypatch.delenv("CI", raising=False)
    if ci:
        monkeypatch.setenv("CI", ci)
    options = options_from_args(build_parser().parse_args(argv))
    progress = _Progress(options.progress)
    progress.add(3)
    progress.scope_done()
    progress.call()
    progress.close()
    assert progress.enabled is shown
    assert ("collecting" in terminal.getvalue()) is shown
    if shown:
        assert "1/3" in terminal.getvalue()


def test_no_progress_when_stderr_is_not_a_terminal(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr("sys.stderr", io.StringIO())
    assert _Progress(None).enabled is False

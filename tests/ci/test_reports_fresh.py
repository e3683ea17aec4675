"""reports/ holds every example rendered in every format, and is never stale."""

import importlib.util
import os
import shutil
import subprocess
import sys

import pytest

from auditor.reports import FORMAT_MODULES
from tests.ci.conftest import EXAMPLES, ROOT


def load_tool(path=ROOT / "tools" / "render_reports.py"):
    spec = importlib.util.spec_from_file_location("render_reports_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def tool():
    return load_tool()


def test_every_example_in_every_format_is_current(tool):
    expected = {ROOT / "reports" / f"{e.stem}.{m.EXTENSION}" for e in EXAMPLES.glob("*.json")
                for m in FORMAT_MODULES.values()}
    expected |= {ROOT / "reports" / f"{e.stem}.wiring.{extension}" for e in EXAMPLES.glob("*.json")
                 for extension in tool.DRAWINGS}
    assert {"sarif", "junit", "markdown", "github", "json", "table", "html"} <= set(FORMAT_MODULES)
    assert set(tool.rendered()) == expected
    stale = [str(p.relative_to(ROOT)) for p in tool.stale()]
    assert not stale, f"reports/ is stale; run `python tools/render_reports.py`: {stale}"


def test_each_report_is_byte_for_byte_what_the_cli_prints(tool):
    """Not the generator against itself: `apigw-auditor audit <example> --format X` run as a user runs it (a
    separate process, the installed entry point's code path) must print each committed file exactly (issue 20:
    every seed-broken.* differed by 20-40 lines, as the generator skipped the remediation step)."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "NO_COLOR")}
    commands = tool.commands()
    assert len(commands) == len(tool.rendered())
    for path, argv in commands.items():
        run = subprocess.run([sys.executable, "-m", "auditor", *argv], cwd=ROOT, env=env, capture_output=True,
                             timeout=120)
        assert run.returncode in (0, 1), (argv, run.stderr)
        assert path.read_bytes() == run.stdout, f"{path.relative_to(ROOT)} differs from `apigw-auditor {' '.join(argv)}`"


def test_reports_hold_no_absolute_path_or_run_specific_value(tool):
    for path, text in tool.rendered().items():
        assert str(ROOT) not in text, path.name
        assert "file://" not in text, path.name


def test_check_mode_catches_a_stale_report(tmp_path, capsys):
    """The same tool on a copy of the repository: an edited report is named, then rewritten."""
    for folder in ("examples", "reports", "tools"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    copy = load_tool(tmp_path / "tools" / "render_reports.py")
    assert copy.ROOT == tmp_path
    assert copy.main(["--check"]) == 0
    sarif = tmp_path / "reports" / "seed-broken.sarif"
    sarif.write_text(sarif.read_text().replace("AGW101", "AGW999"))
    (tmp_path / "reports" / "seed-correct.md").unlink()
    capsys.readouterr()
    assert copy.main(["--check"]) == 1
    out = capsys.readouterr().out
    assert "stale: reports/seed-broken.sarif" in out and "stale: reports/seed-correct.md" in out
    assert copy.main([]) == 0 and copy.main(["--check"]) == 0

"""README's JSON report sample is the real report of the example it names (issue 14: it said `"high": 7`
when the report said 6). `...` in the sample stands for anything; an object lists only some keys."""

import json
import re
import tomllib
from importlib import metadata
from pathlib import Path

from auditor.cli import main

ROOT = Path(__file__).resolve().parents[2]
ANY = "\x00any"


def _sample(heading: str) -> dict:
    readme = (ROOT / "README.md").read_text()
    block = readme.split(heading, 1)[1].split("```json", 1)[1].split("```", 1)[0]
    block = re.sub(r'\[\.\.\.\]|\{\.\.\.\}|"\.\.\."', lambda _: json.dumps(ANY), block)
    block = re.sub(r",\s*\.\.\.\s*}", "}", block)
    return json.loads(block)


def _matches(sample, real, path="$"):
    if sample == ANY:
        return
    if isinstance(sample, dict):
        assert isinstance(real, dict), path
        for key, value in sample.items():
            assert key in real, f"{path}.{key} is in README but not in the report"
            _matches(value, real[key], f"{path}.{key}")
    elif isinstance(sample, list):
        assert isinstance(real, list) and len(real) >= len(sample), path
        for index, value in enumerate(sample):
            _matches(value, real[index], f"{path}[{index}]")
    elif isinstance(sample, str) and sample.endswith(" ..."):
        assert isinstance(real, str) and real.startswith(sample[:-4]), f"{path}: {sample!r} vs {real!r}"
    else:
        assert sample == real, f"{path}: README says {sample!r}, the report {real!r}"


def test_readme_json_report_sample_is_the_real_report(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    sample = _sample("### JSON report")
    file = sample["findings"][0]["location"]["file"]
    assert main(["audit", file, "--format", "json"]) == 1
    _matches(sample, json.loads(capsys.readouterr().out))


def test_declared_moto_extras_exist_and_license_is_spdx():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert isinstance(project["license"], str)  # an SPDX expression, not the deprecated {text = ...} table
    [moto] = [r for r in project["optional-dependencies"]["test"] if r.startswith("moto[")]
    wanted = set(moto[len("moto["):moto.index("]")].split(","))
    assert wanted <= set(metadata.metadata("moto").get_all("Provides-Extra")), wanted


def _readme_tool():
    import importlib.util
    spec = importlib.util.spec_from_file_location("render_readme_under_test", ROOT / "tools" / "render_readme.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_samples_are_what_the_cli_prints_now():
    """Each sample README marks `<!-- output of: apigw-auditor ARGS -->` is that command's stdout, run as a user
    runs it (a process of its own), byte for byte (issue 20: the Quick start and --select samples were not)."""
    import os
    import subprocess
    import sys
    marked = _readme_tool().samples((ROOT / "README.md").read_text(encoding="utf-8"))
    commands = [" ".join(args) for args, _, _ in marked]
    assert any(c.startswith("audit examples/seed-broken.json") for c in commands)  # Quick start
    assert any("--select" in c for c in commands)
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "NO_COLOR")}
    for args, body, _ in marked:
        run = subprocess.run([sys.executable, "-m", "auditor", *args], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=120)
        assert run.returncode in (0, 1), run.stderr
        assert body == run.stdout, f"README sample of `apigw-auditor {' '.join(args)}` is stale: " \
                                   "run python tools/render_readme.py"


def test_readme_tool_names_a_stale_sample(tmp_path, monkeypatch, capsys):
    tool = _readme_tool()
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    copy = tmp_path / "README.md"
    copy.write_text(text.replace("FAILED (--fail-on medium).", "passed (--fail-on medium).", 1))
    monkeypatch.setattr(tool, "README", copy)
    assert tool.main(["--check"]) == 1
    assert "stale README sample: apigw-auditor audit examples/seed-broken.json" in capsys.readouterr().out
    assert tool.main([]) == 0 and tool.main(["--check"]) == 0 and copy.read_text() == text

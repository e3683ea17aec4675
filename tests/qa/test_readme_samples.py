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

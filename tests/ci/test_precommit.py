"""The pre-commit hook manifest: parsed as pre-commit parses it, and its entry run as pre-commit runs it."""

import json
import re
import shlex
import shutil
import subprocess

import yaml

from tests.ci.conftest import ROOT, broken, correct

MANIFEST = ROOT / ".pre-commit-hooks.yaml"


def hook():
    hooks = yaml.safe_load(MANIFEST.read_text())
    assert isinstance(hooks, list)
    return next(h for h in hooks if h["id"] == "apigw-auditor")


def run_entry(entry, filenames, cwd):
    """pre-commit runs `entry` + args + the staged file names that match `files`, without a shell."""
    command = shlex.split(entry) + list(filenames)
    assert shutil.which(command[0]), f"{command[0]} is not installed (pip install -e .)"
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)


def test_manifest_declares_the_hook():
    h = hook()
    assert h["entry"] == "apigw-auditor audit --allow-empty"  # a matching template without an API is no error
    assert h["language"] == "python" and h["name"]
    assert h.get("require_serial") is True
    for key in ("files", "types_or", "description"):
        assert key in h


def test_files_pattern_picks_snapshots_and_templates_not_other_json():
    pattern = re.compile(hook()["files"])
    for name in ("api.snapshot.json", "snapshots/prod.snapshot.json", "template.yaml", "infra/template.yml",
                 "cdk.out/MyStack.template.json", "apigw-snapshot-prod.json", "plan/tfplan.json"):
        assert pattern.search(name), name
    for name in ("package.json", "tsconfig.json", ".github/workflows/ci.yml", "docs/template.md", "my-template.yaml"):
        assert not pattern.search(name), name


def test_entry_fails_a_broken_snapshot_with_its_findings(tmp_path):
    (tmp_path / "api.snapshot.json").write_text(json.dumps(broken(), indent=2))
    h = hook()
    assert re.search(h["files"], "api.snapshot.json")
    done = run_entry(h["entry"], ["api.snapshot.json"], tmp_path)
    assert done.returncode == 1, done.stderr
    assert "AGW101" in done.stdout and "FAILED (--fail-on medium)" in done.stdout


def test_entry_passes_a_correct_snapshot(tmp_path):
    (tmp_path / "api.snapshot.json").write_text(json.dumps(correct(), indent=2))
    done = run_entry(hook()["entry"], ["api.snapshot.json"], tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "passed (--fail-on medium)" in done.stdout


def test_entry_rejects_a_malformed_file_with_exit_2(tmp_path):
    (tmp_path / "bad.snapshot.json").write_text('{"Scopes": [')
    done = run_entry(hook()["entry"], ["bad.snapshot.json"], tmp_path)
    assert done.returncode == 2
    assert "bad.snapshot.json" in done.stderr and "Traceback" not in done.stderr

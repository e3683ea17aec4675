"""Packaging: third-party rules arrive through entry points; the wheel adds one import name."""

import json
import os
import subprocess
import sys
import zipfile

from tests.core.conftest import ROOT

PLUGIN = ROOT / "tests" / "core" / "plugin_pkg"


def _pip(*args, cwd=ROOT):
    subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", *args],
                   check=True, cwd=cwd, capture_output=True)


def test_plugin_rules_are_discovered_through_entry_points(tmp_path):
    site = tmp_path / "site"
    _pip("install", "--no-deps", "--no-build-isolation", "--target", str(site), str(PLUGIN))
    env = dict(os.environ, PYTHONPATH=str(site))
    rules = subprocess.run([sys.executable, "-m", "auditor", "rules", "--format", "json"], capture_output=True,
                           text=True, env=env, cwd=tmp_path)
    assert "HOUSE001" in [r["id"] for r in json.loads(rules.stdout)]
    audit = subprocess.run([sys.executable, "-m", "auditor", "audit", str(ROOT / "examples" / "seed-correct.json"),
                            "--format", "json", "--select", "HOUSE001"], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert audit.returncode == 1
    assert [f["rule_id"] for f in json.loads(audit.stdout)["findings"]] == ["HOUSE001"]
    # Without the plugin installed the id is unknown: usage error.
    plain = subprocess.run([sys.executable, "-m", "auditor", "audit", str(ROOT / "examples" / "seed-correct.json"),
                            "--select", "HOUSE001"], capture_output=True, text=True, cwd=tmp_path)
    assert plain.returncode == 2 and "unknown rule 'HOUSE001'" in plain.stderr


def test_wheel_adds_exactly_one_import_name(tmp_path):
    _pip("wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path), str(ROOT))
    (wheel,) = tmp_path.glob("apigw_auditor-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names if not n.split("/")[0].endswith((".dist-info", ".data"))}
    assert top == {"auditor"}
    assert "auditor/schemas/snapshot.schema.json" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "apigw-auditor = auditor.cli:entry" in zipfile.ZipFile(wheel).read(entry_points).decode()

"""`fix --write` on Terraform source (.tf) read by auditor/iac/hcl: every mistake fixture of the seed, plain
resources and the community modules, is repaired in its own text, re-audits with nothing at or above medium,
still parses, and names module-made objects only through the module's outputs (Terraform cannot reach into a
module's resources)."""

import re
import shutil
from pathlib import Path

import hcl2
import pytest

from auditor.cli import main

FIXTURES = Path(__file__).resolve().parents[1] / "iac" / "hcl" / "fixtures"
MISTAKES = ["missing-prefix", "missing-permission", "payload-v1", "mismatched-api", "community-no-trigger",
            "community-wrong-api"]
_INTO_A_MODULE = re.compile(r"module\.[A-Za-z0-9_-]+(\[[^\]]*\])?\.(aws_|data\.)")


@pytest.mark.parametrize("name", MISTAKES)
def test_fix_write_repairs_terraform_source(name, tmp_path, capsys):
    folder = tmp_path / name
    folder.mkdir()
    shutil.copy(FIXTURES / f"{name}.tf", folder / "main.tf")
    before = (folder / "main.tf").read_text()
    assert main(["audit", str(folder), "--fail-on", "medium", "--quiet"]) == 1
    capsys.readouterr()

    assert main(["fix", str(folder), "--write"]) == 0
    capsys.readouterr()
    after = (folder / "main.tf").read_text()
    assert after != before
    hcl2.loads(after)  # still Terraform
    added = [line[1:] for line in after.splitlines() if line not in before.splitlines()]
    assert not [line for line in added if _INTO_A_MODULE.search(line)], added
    assert not [line for line in added if "123456789012" in line or "<" in line], added
    assert main(["audit", str(folder), "--fail-on", "medium", "--quiet"]) == 0

"""`fix` on templates: the diff applied to a copy of each fixture clears everything at or above medium,
the patched template still loads, keeps its comments, and gains no cfn-lint error."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.cli import main

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = sorted([*ROOT.glob("tests/iac/fixtures/seed/*.yaml"), *ROOT.glob("tests/iac/fixtures/misc/*.yaml"),
                   *ROOT.glob("tests/iac/fixtures/misc/*.json"), *ROOT.glob("tests/iac/fixtures/patterns/*.yaml"),
                   *ROOT.glob("tests/iac/fixtures/roles/*.yaml"), *ROOT.glob("examples/iac/*.yaml")])
# What the text of a template cannot carry, so the plan leaves it to a person (and says so):
LEFT_FOR_A_PERSON = {
    "include.cfn.yaml": {"AGW000"},  # the Body is included from S3: nothing to patch offline
    "authorizer-lambda-role.sam.yaml": {"AGW210"},  # SAM's generated role is the function's too: a person's choice
}


def gated(path, capsys) -> set[str]:
    main(["audit", str(path), "--format", "json"])
    findings = json.loads(capsys.readouterr().out)["findings"]
    return {f["rule_id"] for f in findings if f["severity"] in ("medium", "high", "critical")}


def lint_errors(path: Path) -> set[str]:
    """cfn-lint's errors (not warnings), as rule id and message, without line numbers (the patch moves lines)."""
    exe = Path(sys.executable).parent / "cfn-lint"
    done = subprocess.run([str(exe), "--format", "parseable", str(path)], capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 2, 4, 6, 8, 10, 12, 14), done.stderr  # a lint result, not a crash
    return {":".join(line.split(":")[5:]) for line in done.stdout.splitlines() if line.split(":")[5:6][0:1] and
            line.split(":")[5].startswith("E")}


def test_lint_check_sees_errors(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("Resources:\n  X:\n    Type: AWS::Lambda::Permission\n    Properties:\n      Action: 3\n")
    assert any(error.startswith("E3003") for error in lint_errors(broken))


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: str(p.relative_to(ROOT)))
def test_written_fix_clears_the_template(fixture, tmp_path, capsys):
    folder = tmp_path / "t"
    shutil.copytree(fixture.parent, folder)
    copy = folder / fixture.name
    if "include-api" in fixture.name:
        pytest.skip("a fragment AWS::Include pulls into include.cfn.yaml, patched through it")
    before = gated(copy, capsys)
    if not before:
        assert main(["fix", str(copy)]) == 0
        assert capsys.readouterr().out == ""  # nothing to change: no diff
        return
    original = copy.read_text()
    main(["fix", str(copy), "--diff"])
    diff = capsys.readouterr().out
    assert diff.startswith(f"--- {copy}\n+++ {copy}\n") or fixture.name in LEFT_FOR_A_PERSON and not diff
    assert copy.read_text() == original  # --diff changes nothing
    main(["fix", str(copy), "--write"])
    capsys.readouterr()
    patched = copy.read_text()
    added = [line for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")]
    assert not any("123456789012" in line or "<" in line for line in added)  # intrinsics, no placeholders
    comments = [line.strip() for line in original.splitlines() if line.strip().startswith("#")]
    assert all(c in patched for c in comments)  # comments survive
    assert gated(copy, capsys) == LEFT_FOR_A_PERSON.get(fixture.name, set())
    if fixture.suffix in (".yaml", ".json") and "openapi" not in fixture.name:
        original_copy = tmp_path / ("orig" + fixture.suffix)
        original_copy.write_text(original)
        assert lint_errors(copy) <= lint_errors(original_copy)


def test_diff_keeps_intrinsics_and_formatting(tmp_path, capsys):
    copy = tmp_path / "seed-broken.cfn.yaml"
    shutil.copy(ROOT / "examples/iac/seed-broken.cfn.yaml", copy)
    assert main(["fix", str(copy)]) == 0
    diff = capsys.readouterr().out
    # the value is kept as written (an intrinsic); the comment calling it a mistake is no longer true: dropped
    assert '+      Target: !Sub "integrations/${ItemsIntegration}"\n' in diff and "# mistake: no integrations/" not in \
        "".join(line for line in diff.splitlines(keepends=True) if line.startswith("+"))
    assert "${AWS::AccountId}:${HttpApi}/*/PUT/items" in diff and "123456789012" not in diff
    changed = [line for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")]
    assert len(changed) == 3  # only the lines the findings point at are rewritten; the rest is added


def test_write_is_refused_for_snapshots(tmp_path, capsys):
    assert main(["fix", str(ROOT / "examples/seed-broken.json"), "--write"]) == 2
    assert "--write patches template files" in capsys.readouterr().err


def test_readme_fix_sample_is_what_fix_prints(capsys):
    readme = (ROOT / "README.md").read_text()
    sample = readme.split("$ apigw-auditor fix examples/seed-broken.json > fix.sh\n", 1)[1].split("$ ", 1)[0]
    assert main(["fix", str(ROOT / "examples/seed-broken.json")]) == 1
    printed = capsys.readouterr().err.splitlines()
    shown = [line for line in sample.splitlines() if line.strip() and "..." not in line]
    assert shown and all(line in printed for line in shown)


def test_low_threshold_access_logs_go_to_a_declared_log_group(tmp_path, capsys):
    copy = tmp_path / "seed-broken.cfn.yaml"
    shutil.copy(ROOT / "examples/iac/seed-broken.cfn.yaml", copy)
    original = tmp_path / "original.yaml"
    shutil.copy(copy, original)
    main(["fix", str(copy), "--fail-on", "low", "--write"])
    capsys.readouterr()
    patched = copy.read_text()
    assert "Type: AWS::Logs::LogGroup" in patched and "DestinationArn: !GetAtt HttpApiAccessLogs.Arn" in patched
    assert "123456789012" not in patched
    assert main(["audit", str(copy), "--fail-on", "low"]) == 0  # AGW401 cleared by DevApi's route, AGW305 by logs
    capsys.readouterr()
    assert lint_errors(copy) <= lint_errors(original)

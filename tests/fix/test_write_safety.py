"""`fix --diff`/`--write` leave templates as written and never lose or duplicate anything.

CRLF files stay CRLF (the diff applies with `patch` and `git apply`), JSON inserts use the file's own
indentation, a read-only file or a file saved during the run is not replaced (exit 2), and two
overlapping runs add one permission and one `$default` stage, not two (cfn-lint E3019).
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

from auditor.cli import main

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "tests/iac/fixtures/seed"
QUICK = ROOT / "tests/iac/fixtures/misc/quick-create.cfn.json"


def _crlf_copy(tmp_path, name="missing-permission.cfn.yaml") -> Path:
    copy = tmp_path / name
    copy.write_bytes((SEED / name).read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    return copy


def test_crlf_template_diff_applies_with_patch_and_git_apply(tmp_path, capsys, monkeypatch):
    copy = _crlf_copy(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["fix", copy.name, "--diff"]) == 0
    diff = capsys.readouterr().out
    assert "\r\n" in diff
    for tool in (["patch", "-p1", "--dry-run"], ["git", "apply", "--check", "-v"]):
        done = subprocess.run(tool, input=diff.encode(), cwd=tmp_path, capture_output=True, timeout=60)
        assert done.returncode == 0, (tool, done.stdout.decode()[-1000:], done.stderr.decode()[-1000:])
    done = subprocess.run(["patch", "-p1"], input=diff.encode(), cwd=tmp_path, capture_output=True, timeout=60)
    assert done.returncode == 0
    data = copy.read_bytes()
    assert data.count(b"\n") == data.count(b"\r\n") and b"AWS::Lambda::Permission" in data


def test_crlf_template_written_stays_crlf(tmp_path, capsys):
    copy = _crlf_copy(tmp_path)
    before = copy.read_bytes()
    assert main(["fix", str(copy), "--write"]) == 0
    data = copy.read_bytes()
    assert data != before and data.count(b"\n") == data.count(b"\r\n")
    assert main(["audit", str(copy)]) == 0


def test_json_insert_uses_the_files_indentation(tmp_path, capsys):
    document = json.loads(QUICK.read_text())
    copy = tmp_path / "quick.cfn.json"
    copy.write_text(json.dumps(document, indent=4) + "\n")
    assert main(["fix", str(copy), "--write"]) == 0
    text = copy.read_text()
    assert "AWS::Lambda::Permission" in text
    indents = {len(line) - len(line.lstrip(" ")) for line in text.splitlines()}
    assert all(width % 4 == 0 for width in indents), sorted(indents)
    json.loads(text)


def test_a_read_only_template_is_not_replaced(tmp_path, capsys):
    copy = tmp_path / "missing-permission.cfn.yaml"
    shutil.copy(SEED / copy.name, copy)
    copy.chmod(0o444)
    before = copy.read_bytes()
    assert main(["fix", str(copy), "--write"]) == 2
    err = capsys.readouterr().err
    assert "read-only" in err and str(copy) in err and "Traceback" not in err
    assert copy.read_bytes() == before and oct(copy.stat().st_mode & 0o777) == "0o444"


def test_an_edit_saved_during_the_run_is_not_lost(tmp_path, capsys, monkeypatch):
    copy = tmp_path / "missing-permission.cfn.yaml"
    shutil.copy(SEED / copy.name, copy)
    import auditor.fix.planner as planner
    plan = planner.plan_fixes

    def saved_meanwhile(*args, **kwargs):  # the user saves the file while the plan is made
        copy.write_text(copy.read_text() + "# my edit\n")
        return plan(*args, **kwargs)

    monkeypatch.setattr(planner, "plan_fixes", saved_meanwhile)
    assert main(["fix", str(copy), "--write"]) == 2
    err = capsys.readouterr().err
    assert "changed since this run read it" in err
    assert copy.read_text().endswith("# my edit\n") and "Type: AWS::Lambda::Permission" not in copy.read_text()


def _lint(path: Path) -> str:
    exe = Path(sys.executable).parent / "cfn-lint"
    return subprocess.run([str(exe), "--format", "parseable", str(path)], capture_output=True, text=True,
                          timeout=300).stdout


def test_overlapping_runs_add_one_permission_and_one_default_stage(tmp_path):
    folder = tmp_path / "t"
    folder.mkdir()
    copy = folder / "mismatched-api.cfn.yaml"
    shutil.copy(SEED / copy.name, copy)
    exe = Path(sys.executable).parent / "apigw-auditor"
    runs = [subprocess.Popen([str(exe), "fix", str(copy), "--write"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for _ in range(3)]
    codes = [run.wait(timeout=300) for run in runs]
    assert codes.count(0) == 3, [run.stderr.read().decode()[-500:] for run in runs]
    text = copy.read_text()
    assert text.count("StageName: $default") == 2  # HttpApi's, and the one DevApi gets
    assert text.count("AWS::Lambda::Permission") == 2  # HttpApi's, and the one for DevApi
    assert "E3019" not in _lint(copy)
    assert main(["audit", str(copy)]) == 0


def _terraform_fmt_problems(path: Path) -> str | None:
    """What `terraform fmt -check -diff` would change (None when clean); without terraform, the same alignment
    rule checked here: consecutive one-line attributes have their `=` in one column, one space after the
    longest name."""
    exe = shutil.which("terraform")
    if exe:
        done = subprocess.run([exe, "fmt", "-check", "-diff", str(path)], capture_output=True, text=True, timeout=120)
        return None if done.returncode == 0 else done.stdout
    import re
    lines, problems, run = path.read_text().splitlines(), [], []
    for line in lines + [""]:
        match = re.match(r"^(\s*)([A-Za-z_][\w-]*)(\s*)=(?!=)", line)
        if match and line.count("{") == line.count("}") and (not run or run[0][0] == match.group(1)):
            run.append((match.group(1), match.group(2), match.group(3)))
            continue
        if run:
            width = max(len(name) for _, name, _ in run)
            problems += [name for _, name, space in run if len(name) + len(space) != width + 1]
        run = [(match.group(1), match.group(2), match.group(3))] if match else []
    return "\n".join(problems) or None


def test_terraform_inserts_are_aligned_as_terraform_fmt_writes_them(tmp_path, capsys):
    text = (Path(__file__).parent / "fixtures/seed.tf").read_text()
    text = text.replace('  payload_format_version = "1.0" # mistake: the handler expects 2.0\n', "")
    text = text.replace("  api_id                 =", "  api_id           =").replace(
        "  integration_type       =", "  integration_type =").replace("  integration_uri        =", "  integration_uri  =")
    copy = tmp_path / "main.tf"
    copy.write_text(text)
    assert _terraform_fmt_problems(copy) is None
    main(["fix", str(copy), "--write"])
    assert 'payload_format_version = "2.0"' in copy.read_text()
    assert _terraform_fmt_problems(copy) is None


def test_a_comment_the_fix_makes_false_is_dropped(tmp_path, capsys):
    copy = tmp_path / "main.tf"
    shutil.copy(Path(__file__).parent / "fixtures/seed.tf", copy)
    main(["fix", str(copy), "--write", "--fail-on", "low"])  # 1.0 written in the template: AGW111 is low
    text = copy.read_text()
    assert 'payload_format_version = "2.0"\n' in text and "# mistake: the handler expects 2.0" not in text
    assert "# left over from a deleted API" in text  # a comment the fix does not touch stays


def test_yaml_quoting_style_is_kept_on_touched_lines(tmp_path, capsys):
    copy = tmp_path / "payload-v1.cfn.yaml"
    copy.write_text((SEED / copy.name).read_text().replace('PayloadFormatVersion: "1.0"',
                                                           "PayloadFormatVersion: '1.0'  # mistake: copied from v1"))
    main(["fix", str(copy), "--write", "--fail-on", "low"])  # 1.0 written in the template: AGW111 is low
    text = copy.read_text()
    assert "PayloadFormatVersion: '2.0'\n" in text, [l for l in text.splitlines() if "PayloadFormat" in l]

"""Run the steps of the composite action in action.yml as the GitHub runner would: each `run:` step with
`bash --noprofile --norc -eo pipefail`, its `env:` expressions filled in, `GITHUB_OUTPUT` read back into
`steps.<id>.outputs`, `GITHUB_STEP_SUMMARY` a file, the `if:` conditions evaluated. `uses:` steps are
not run (they need GitHub): they are returned with their inputs resolved, for the test to check.

The install step installs the action's own copy into a fresh virtual environment, offline: the test
environment's packages are visible through a .pth file, so pip has nothing to download."""

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

from tests.seed import ROOT

ACTION = ROOT / "action.yml"
_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def action() -> dict:
    return yaml.safe_load(ACTION.read_text())


def make_venv(folder: Path) -> Path:
    """A virtual environment whose pip installs offline: the outer environment's site-packages (with the
    tool's dependencies and setuptools) come through a .pth file; its own old setuptools is removed."""
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True, timeout=300)
    python = folder / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    import sysconfig
    Path(site, "zz_outer_environment.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([str(python), "-m", "pip", "uninstall", "-y", "-q", "setuptools"], capture_output=True, timeout=300)
    return folder / "bin"


class Run:
    def __init__(self):
        self.outputs: dict = {}
        self.logs: list = []  # (step name, returncode, stdout, stderr)
        self.skipped: list = []
        self.uses: list = []  # (step, resolved `with`)
        self.failed_at = None


def _value(expr: str, inputs: dict, context: dict, run: Run) -> str:
    if expr.startswith("inputs."):
        return inputs[expr[len("inputs."):]]
    if expr.startswith("steps."):
        _, step, _, name = expr.split(".", 3)
        return run.outputs.get(step, {}).get(name, "")
    if expr in context:
        return context[expr]
    if expr.startswith("'") and expr.endswith("'"):
        return expr[1:-1]
    raise AssertionError(f"the action uses an expression the runner stand-in does not know: {expr}")


def _condition(text, inputs, context, run) -> bool:
    expr = _EXPR.fullmatch(text.strip()).group(1) if _EXPR.fullmatch(text.strip()) else text.strip()
    result = True
    for part in (p.strip() for p in expr.split("&&")):
        if part in ("!cancelled()", "always()", "success()"):
            continue
        match = re.fullmatch(r"(\S+)\s*(==|!=)\s*(\S+)", part)
        assert match, f"unknown condition {part!r}"
        left, op, right = (_value(match.group(i), inputs, context, run) for i in (1, 3)) and \
            (_value(match.group(1), inputs, context, run), match.group(2), _value(match.group(3), inputs, context, run))
        result &= (left == right) if op == "==" else (left != right)
    return result


def run_action(workspace: Path, bin_dir: Path, temp: Path, **given) -> Run:
    spec = action()
    inputs = {name: str(given.get(name.replace("-", "_"), item.get("default", "")))
              for name, item in spec["inputs"].items()}
    summary = temp / "step_summary.md"
    summary.touch()
    context = {"github.action_path": str(ROOT), "runner.temp": str(temp), "github.workspace": str(workspace)}
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "VIRTUAL_ENV"))}
    base.update(PATH=f"{bin_dir}{os.pathsep}{base.get('PATH', '')}", CI="true", GITHUB_ACTIONS="true",
                GITHUB_WORKSPACE=str(workspace), GITHUB_STEP_SUMMARY=str(summary), RUNNER_TEMP=str(temp),
                GITHUB_ACTION_PATH=str(ROOT), GITHUB_REPOSITORY="octo/api", GITHUB_SHA="0" * 40,
                GITHUB_REF="refs/pull/1/merge", GITHUB_EVENT_NAME="pull_request",
                PIP_NO_INDEX="1", PIP_NO_BUILD_ISOLATION="0")  # offline: see make_venv
    run = Run()
    run.summary = summary
    for number, step in enumerate(spec["runs"]["steps"]):
        condition = step.get("if")
        failed = run.failed_at is not None
        if condition is None and failed or condition is not None and (
                not _condition(condition, inputs, context, run) or failed and "!cancelled()" not in condition
                and "always()" not in condition):
            run.skipped.append(step.get("name"))
            continue
        if "uses" in step:
            run.uses.append((step, {k: _EXPR.sub(lambda m: _value(m.group(1), inputs, context, run), str(v))
                                    for k, v in (step.get("with") or {}).items()}))
            continue
        env = dict(base)
        for key, value in (step.get("env") or {}).items():
            env[key] = _EXPR.sub(lambda m: _value(m.group(1), inputs, context, run), str(value))
        output = temp / f"output-{number}"
        output.write_text("")
        env["GITHUB_OUTPUT"] = str(output)
        script = temp / f"step-{number}.sh"
        script.write_text(_EXPR.sub(lambda m: _value(m.group(1), inputs, context, run), step["run"]))
        assert step.get("shell") == "bash", "composite run steps must name their shell"
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=workspace,
                              env=env, capture_output=True, text=True, timeout=600)
        run.logs.append((step.get("name"), done.returncode, done.stdout, done.stderr))
        if step.get("id"):
            run.outputs[step["id"]] = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
        if done.returncode != 0:
            run.failed_at = (step.get("name"), done.returncode)
    return run

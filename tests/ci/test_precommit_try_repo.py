"""The shipped pre-commit hook (.pre-commit-hooks.yaml) run by pre-commit itself: `pre-commit try-repo`
on a temporary git repository of templates, as a user would before adding it to their config.

Offline: pre-commit builds the hook's environment with pip as usual; the test environment's packages
are on PYTHONPATH and pip is told to use no index and install no dependency, so only this repository
is installed into the hook's environment (its console script is what the hook runs)."""

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.seed import ROOT

PRE_COMMIT = Path(sys.executable).parent / "pre-commit"


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return tmp_path_factory.mktemp("pre-commit-home")  # one hook environment for the module


def repository(folder: Path, files: dict) -> Path:
    folder.mkdir()
    git = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", "-c", "init.defaultBranch=main"]
    subprocess.run([*git, "init", "-q"], cwd=folder, check=True)
    for name, source in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        if isinstance(source, Path):
            shutil.copy(source, folder / name)
        else:
            (folder / name).write_text(source)
    subprocess.run([*git, "add", "-A"], cwd=folder, check=True)
    subprocess.run([*git, "commit", "-qm", "templates"], cwd=folder, check=True)
    return folder


def try_repo(folder: Path, home: Path):
    import os
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "VIRTUAL_ENV", "PRE_COMMIT"))}
    env.update(PRE_COMMIT_HOME=str(home), PYTHONPATH=sysconfig.get_paths()["purelib"], PIP_NO_INDEX="1",
               PIP_NO_DEPS="1", PIP_FORCE_REINSTALL="1", PIP_NO_BUILD_ISOLATION="0", PIP_FIND_LINKS="",
               PRE_COMMIT_COLOR="never")
    return subprocess.run([str(PRE_COMMIT), "try-repo", str(ROOT), "apigw-auditor", "--all-files"], cwd=folder,
                          env=env, capture_output=True, text=True, timeout=600)


def test_the_hook_fails_a_broken_snapshot_and_reads_the_templates(tmp_path, home):
    folder = repository(tmp_path / "repo", {
        "snapshots/prod.snapshot.json": ROOT / "examples" / "seed-broken.json",
        "infra/template.yaml": ROOT / "examples" / "iac" / "seed-correct.sam.yaml",
        "package.json": '{"name": "not-an-api"}\n',
    })
    done = try_repo(folder, home)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "apigw-auditor" in done.stdout and "Failed" in done.stdout
    assert "AGW101" in done.stdout and "FAILED (--fail-on medium)" in done.stdout
    assert "ServerlessHttpApi" in done.stdout  # the SAM template was passed to the hook too
    assert "package.json" not in done.stdout  # other JSON is not


def test_the_hook_passes_correct_templates(tmp_path, home):
    folder = repository(tmp_path / "repo", {
        "template.yaml": ROOT / "examples" / "iac" / "seed-correct.sam.yaml",
        "stacks/api.snapshot.json": ROOT / "examples" / "seed-correct.json",
    })
    done = try_repo(folder, home)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Passed" in done.stdout

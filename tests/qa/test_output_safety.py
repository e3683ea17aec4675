"""--output never replaces what is not a regular file, keeps symlinks, and leaves no temporary file,
even on SIGTERM (issue 14, defects 1 and 6)."""

import os
import signal
import stat
import threading

import pytest

from auditor.cli import main
from tests.fuzz.hostile import SEED


def audit_to(target, capsys, *extra):
    code = main(["audit", str(SEED), "--format", "json", "--output", str(target), *extra])
    capsys.readouterr()
    return code


def test_symlink_keeps_pointing_at_its_target(tmp_path, capsys):
    target = tmp_path / "real" / "report.json"
    target.parent.mkdir()
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    assert audit_to(link, capsys) == 1
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text().startswith("{")
    assert sorted(os.listdir(tmp_path)) == ["link.json", "real"] and os.listdir(target.parent) == ["report.json"]


def test_dangling_symlink_creates_its_target(tmp_path, capsys):
    target = tmp_path / "new.json"
    link = tmp_path / "link.json"
    link.symlink_to(target)
    assert audit_to(link, capsys) == 1
    assert link.is_symlink() and target.read_text().startswith("{")


def test_fifo_is_written_through(tmp_path, capsys):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(open(fifo).read()))
    reader.start()
    assert audit_to(fifo, capsys) == 1
    reader.join(10)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)  # was: replaced by a regular file, the reader left hanging
    assert received and received[0].startswith("{")
    assert os.listdir(tmp_path) == ["pipe"]


def test_character_device_is_written_through(capsys):
    before = os.stat(os.devnull)
    assert stat.S_ISCHR(before.st_mode)
    assert audit_to(os.devnull, capsys) == 1
    after = os.stat(os.devnull)
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev  # as root it became a regular file


def test_sigterm_while_writing_leaves_no_temporary_file(tmp_path, capsys, monkeypatch):
    target = tmp_path / "report.json"
    target.write_text("previous report")
    real_fdopen = os.fdopen

    class Terminated:
        def __init__(self, *args, **kwargs):
            self.file = real_fdopen(*args, **kwargs)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.file.close()

        def write(self, text):
            self.file.write(text[:10])
            os.kill(os.getpid(), signal.SIGTERM)  # a CI job cancelled mid-write

    monkeypatch.setattr("auditor.output.os.fdopen", Terminated)
    with pytest.raises(SystemExit) as stopped:
        audit_to(target, capsys)
    assert stopped.value.code == 128 + signal.SIGTERM
    assert os.listdir(tmp_path) == ["report.json"] and target.read_text() == "previous report"
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # the handler is only there while writing


def test_dev_stdout_is_written_through(tmp_path):
    import subprocess
    import sys
    out = tmp_path / "redirected.txt"
    with open(out, "w") as handle:
        code = subprocess.run([sys.executable, "-m", "auditor", "audit", str(SEED), "--format", "json",
                               "--output", "/dev/stdout"], stdout=handle, stderr=subprocess.PIPE, text=True)
    assert code.returncode == 1 and code.stderr == ""
    assert out.read_text().startswith("{")
    with subprocess.Popen([sys.executable, "-m", "auditor", "audit", str(SEED), "--format", "json",
                           "--output", "/dev/stdout"], stdout=subprocess.PIPE, stderr=subprocess.PIPE) as piped:
        body, err = piped.communicate()
    assert piped.returncode == 1 and body.startswith(b"{") and err == b""  # was: cannot write into its folder

"""One `fix --write` at a time per folder: a second run waits, then plans from what the first one wrote.

Without it two overlapping runs both plan from the original text and the second applies its edits on top
of the first one's result (a duplicate permission, a second `$default` stage). The lock is an fcntl lock
on a file in the temporary folder named after the input's folder, so the user's folder gets no lock file.
"""

import contextlib
import fcntl
import hashlib
import os
import sys
import tempfile


def _folder(path: str) -> str:
    real = os.path.realpath(path)
    return real if os.path.isdir(real) else os.path.dirname(real)


@contextlib.contextmanager
def inputs_locked(paths):
    """Held while the run reads, plans and writes; yields when it holds every input folder's lock."""
    handles = []
    try:
        for folder in sorted({_folder(p) for p in paths}):  # one order for every run: no deadlock
            name = hashlib.sha256(folder.encode()).hexdigest()[:16]
            path = os.path.join(tempfile.gettempdir(), f"apigw-auditor-fix-{name}.lock")
            handle = open(path, "a")  # noqa: SIM115 (held until the run ends)
            handles.append(handle)
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                print(f"apigw-auditor: waiting for another `fix --write` on {folder} to finish", file=sys.stderr)
                fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        for handle in handles:
            handle.close()  # closing releases the lock

"""Writing results: to stdout, or to a file that appears whole or not at all.

A regular file (or a new name) is replaced atomically: the text goes to a temporary file beside it,
renamed over it once complete, and removed on any failure, Ctrl-C or SIGTERM. A symlink is followed,
so the link stays and its target gets the report. Anything else (/dev/null, /dev/stdout, a FIFO) is
written through, never replaced by a regular file.
"""

import contextlib
import os
import signal
import stat
import sys
import tempfile
import threading

from auditor.errors import InputError
from auditor.escape import terminal


def say(text: str, stream=None) -> None:
    """A line for the person at the terminal (stderr unless told): names in it cannot drive the terminal."""
    print(terminal(text), file=stream or sys.stderr)


def write_text(text: str, path: str | None, raw: bool = False, before_replace=None) -> None:
    """`raw`: text that is data for another program (a diff for `patch`), already safe where it must be.
    before_replace(target): called just before the rename, to refuse (raise) when the file changed meanwhile."""
    if path is None or path == "-":
        sys.stdout.write(text if raw else terminal(text))
        sys.stdout.flush()
        return
    check_output_path(path)
    try:
        mode = os.stat(path).st_mode  # through symlinks: /dev/stdout is whatever stdout is
    except OSError:
        mode = None
    if (mode is not None and not stat.S_ISREG(mode)) or os.path.abspath(path).startswith(("/dev/", "/proc/")):
        _write_through(text, path)  # /dev/stdout redirected to a file is that open file, not a name to replace
        return
    target = os.path.realpath(path)  # a symlink keeps pointing where it did: its target is written
    directory = os.path.dirname(target)
    with _sigterm_as_exit():
        try:
            handle, temp = tempfile.mkstemp(prefix=".apigw-auditor-", dir=directory)
        except OSError as exc:
            raise InputError(f"cannot write into its folder ({exc.strerror})", file=path) from None
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            os.chmod(temp, _file_mode(target))  # mkstemp makes 0600; give the file the mode open() would
            if before_replace is not None:
                before_replace(target)
            os.replace(temp, target)
        except BaseException as exc:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            if isinstance(exc, OSError):
                raise InputError(f"cannot write ({exc.strerror or exc})", file=path) from None
            raise


def _write_through(text: str, path: str) -> None:
    """A device or FIFO: opened and written as it is (no temporary file, nothing replaced)."""
    try:
        with open(path, "w", encoding="utf-8") as out:
            out.write(text)
    except OSError as exc:
        raise InputError(f"cannot write ({exc.strerror or exc})", file=path) from None


@contextlib.contextmanager
def _sigterm_as_exit():
    """While a temporary file exists, SIGTERM raises SystemExit (143), so the cleanup above runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum, frame):
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def check_not_an_input(output: str, inputs) -> None:
    """UsageError when an output file is one of the command's input files (a report must not replace them)."""
    from auditor.errors import UsageError
    if output in (None, "-") or not os.path.isfile(output):
        return
    for given in inputs or ():
        if given and os.path.isfile(given) and os.path.samefile(output, given):
            raise UsageError(f"the output {output} is also an input: writing it would replace {given}")


def check_output_path(path: str) -> None:
    """InputError unless `path` can be an output file: its folder exists and it is not a folder itself."""
    if os.path.isdir(path):
        raise InputError("is a directory; give a file name for the output", file=path)
    if not os.path.isdir(os.path.dirname(os.path.realpath(path))):
        raise InputError("output folder does not exist", file=path)


def _file_mode(path: str) -> int:
    try:
        return os.stat(path).st_mode & 0o7777  # replacing a file keeps its mode
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def use_color(stream) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (no-color.org)."""
    return hasattr(stream, "isatty") and stream.isatty() and not os.environ.get("NO_COLOR")

"""Command line: `apigw-auditor <command>`. Each command lives in auditor/commands/.

Exit codes (the CI contract, as in cfn-lint): 0 no finding at or above --fail-on, 1 findings at
or above it, 2 usage or input error.
"""

import argparse
import gc
import os
import sys

from auditor import __version__
from auditor.commands import discover
from auditor.errors import InputError, UsageError

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

EPILOG = """exit codes:
  0  no finding at or above --fail-on (default: medium)
  1  at least one finding at or above --fail-on
  2  usage error or unreadable/malformed input (the message names the file and JSON path)
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="apigw-auditor",
        description="Find why an API Gateway HTTP API wired to Lambda answers 404 or 500, and what to fix.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"apigw-auditor {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in discover():
        module.add_parser(sub, EPILOG)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        parser = build_parser()  # imports every command module: a Ctrl-C may land here too
        args = parser.parse_args(argv)
    except KeyboardInterrupt:
        print("apigw-auditor: interrupted", file=sys.stderr)
        return 130
    if not getattr(args, "run", None):
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    collecting = gc.isenabled()
    gc.disable()  # a run builds one large, long-lived model: cyclic GC passes only slow it down
    try:
        return args.run(args)
    except (InputError, UsageError) as exc:
        from auditor.output import say
        say(f"apigw-auditor: error: {exc}")
        return EXIT_ERROR
    except RecursionError:  # a recursive pass over a document the readers let through: still the input's fault
        from auditor import files
        from auditor.output import say
        say(f"apigw-auditor: error: {files.current_file or '<input>'}: nested too deeply to read")
        return EXIT_ERROR
    except UnicodeEncodeError as exc:  # text no encoding can write (a lone surrogate) that a reader let through
        from auditor import files
        print(f"apigw-auditor: error: {files.current_file or '<input>'}: holds {exc.object[exc.start:exc.end]!a}, "
              "which is no Unicode character (half a surrogate pair)", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("apigw-auditor: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `| head`: the report was cut, so never claim a clean result
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 141
    finally:
        if collecting:
            gc.enable()


def entry() -> int:
    """The console script and `python -m auditor`: main(), for a process that ends right after.

    gc.freeze() then spares the interpreter's final collection a walk over the whole model (a third
    of a second after a 100,000-route audit); the operating system reclaims the memory at once.
    """
    try:
        code = main()
        gc.freeze()
    except KeyboardInterrupt:  # Ctrl-C after main() returned or during its last clean-up: quietly 130
        return 130
    return code

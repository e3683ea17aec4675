"""`apigw-auditor snapshot`: collect a snapshot from AWS accounts (read-only) and write it as JSON."""

ORDER = 15

import argparse
import sys

from auditor.commands import exit_codes
from auditor.live import add_live_arguments


def add_parser(sub, epilog: str) -> None:
    parser = sub.add_parser(
        "snapshot", help="collect a snapshot from AWS (read-only) for a later `audit`",
        description="Read HTTP APIs (routes, integrations, stages, authorizers) and the Lambda functions they "
                    "call, with their resource policies, from AWS through boto3, and write them in the snapshot "
                    "format `audit` reads. Only Get*/List* calls are made (plus sts:AssumeRole with --role-arn). "
                    "A call that fails is recorded in the snapshot and marks its scope incomplete; the run goes on.",
        epilog=exit_codes((0, "the snapshot was written (failed AWS calls are recorded in it and reported on "
                              "stderr; `audit` reports them as AGW000)"),
                          (2, "usage error, no or rejected credentials, or the output cannot be written")),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    add_live_arguments(parser)
    parser.add_argument("--output", "-o", metavar="FILE", help="write the snapshot to FILE (default: stdout)")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress display or summary on stderr")
    parser.set_defaults(run=run)


def run(args) -> int:
    from auditor.live import collect_for_cli, dumps
    from auditor.output import check_output_path, write_text
    if args.output not in (None, "-"):
        check_output_path(args.output)  # before minutes of collection, not after
    document = collect_for_cli(args)
    from auditor.redact import redact_document, summary
    redacted = redact_document(document)  # never written: URI passwords, static parameter values
    write_text(dumps(document), args.output)
    if redacted:
        from auditor.output import say
        say(f"apigw-auditor: {summary(redacted)}")
    errors = sum(len(scope["Errors"]) for scope in document["Scopes"])
    if errors:
        print(f"apigw-auditor: {errors} AWS call(s) failed; the snapshot records them and `audit` reports "
              "them as AGW000", file=sys.stderr)
    return 0

"""`apigw-auditor baseline create FILE PATH... [audit options]`: record today's findings.

The baseline holds each finding's fingerprint (rule id + resource identity, stable across runs
and message rewording), so `audit --baseline FILE` reports and gates only new findings and
names the entries that are gone. It audits exactly as `audit` would with the same options
(configuration, custom rules, --select/--ignore, suppressions), so what it records is what
audit would report.
"""

ORDER = 40

import argparse
import sys

from auditor.commands import exit_codes


_EXIT_CODES = exit_codes((0, "the baseline file was written"),
                         (2, "usage error or unreadable/malformed input (the message names the file)"))


def add_parser(sub, epilog: str) -> None:
    parser = sub.add_parser(
        "baseline", help="record today's findings so audits report only new ones",
        description="Baselines: accept today's findings and gate CI only on new ones "
                    "(`apigw-auditor audit --baseline FILE`).",
        epilog=_EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = parser.add_subparsers(dest="baseline_action", metavar="ACTION")
    create = actions.add_parser(
        "create", help="audit PATHs and write their findings to FILE",
        description="Audit PATHs as `apigw-auditor audit` would (every audit option works: --config, "
                    "--rules-file, --select, --ignore, --live ...) and write the findings' fingerprints to FILE "
                    "(JSON, versioned, replaced whole or not at all).",
        epilog=_EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    create.add_argument("file", metavar="FILE", help="baseline file to write, e.g. .apigw-auditor-baseline.json")
    create.add_argument("audit_args", nargs=argparse.REMAINDER, metavar="PATH/OPTION",
                        help="snapshot paths and audit options")
    create.set_defaults(run=run_create)
    parser.set_defaults(run=lambda args: _usage(parser))


def _usage(parser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _check_replaces_a_baseline(path: str) -> None:
    """UsageError when FILE exists and is not a baseline: `baseline create snap.json seed.json` (FILE first,
    the inputs after) must not replace the user's snapshot or template with a baseline."""
    import json
    import os

    from auditor.errors import UsageError
    if not os.path.isfile(path) or os.path.getsize(path) == 0:
        return
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except (OSError, UnicodeDecodeError, ValueError):
        document = None
    tool = document.get("tool") if isinstance(document, dict) else None
    if not (isinstance(tool, dict) and tool.get("name") == "apigw-auditor" and "findings" in document
            and "Scopes" not in document):
        raise UsageError(f"baseline create: {path} exists and is not an apigw-auditor baseline; it is the FILE to "
                         f"write (the inputs come after it): refusing to replace it. Usage: apigw-auditor baseline "
                         f"create BASELINE.json PATH...")


def run_create(args) -> int:
    from auditor.commands import audit
    from auditor.errors import UsageError
    from auditor.output import check_not_an_input, check_output_path
    from auditor.suppress import write_baseline

    holder = argparse.ArgumentParser(prog="apigw-auditor baseline create FILE", add_help=False)
    commands = holder.add_subparsers(dest="command")
    audit.add_parser(commands, "")
    commands.choices["audit"].prog = "apigw-auditor baseline create FILE"  # not "... FILE audit" in its errors
    try:
        audit_args, unknown = holder.parse_known_args(["audit", *args.audit_args])
    except SystemExit as exc:  # argparse already printed what is wrong
        return 2 if exc.code else 0
    if unknown:
        raise UsageError(f"baseline create: unrecognised argument(s) {' '.join(unknown)}")
    if getattr(audit_args, "baseline", None):
        raise UsageError("baseline create: --baseline does not apply (the new baseline records every finding)")
    report_options = [option for option, given in (
        ("--format", audit_args.format != "table"), ("--output", audit_args.output),
        ("--fail-on", hasattr(audit_args, "fail_on")), ("--show-suppressed", audit_args.show_suppressed)) if given]
    if report_options:
        raise UsageError(f"baseline create: {', '.join(report_options)} {'does' if len(report_options) == 1 else 'do'} not apply (it writes no report and "
                         "always exits 0; run `apigw-auditor audit` for that)")
    check_output_path(args.file)  # before the audit (perhaps a --live collection), not after
    check_not_an_input(args.file, [*audit_args.paths, audit_args.config, *(audit_args.rules_files or [])])
    _check_replaces_a_baseline(args.file)
    result = audit.audit(audit_args)
    write_baseline(result.findings, args.file)
    suppressed = len(result.suppressed)
    from auditor.output import say
    say(f"Baseline {args.file}: {len(result.findings)} finding(s) recorded"
          + (f" ({suppressed} suppressed finding(s) left out)" if suppressed else "") + ".")
    return 0

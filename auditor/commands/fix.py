"""`apigw-auditor fix`: one verified repair plan for everything at or above --fail-on.

Same inputs and flags as `audit`. Snapshots and --live get a bash script of `aws` commands; templates
get a unified diff of their own files (`--diff` prints it, `--write` applies it). The tool never runs
the plan: it stays read-only towards AWS.
"""

ORDER = 15

import sys

from auditor.errors import UsageError

DESCRIPTION = ("Plan the repair of every finding at or above --fail-on: apply each finding's fix to a copy of the "
               "model, re-audit, and repeat until nothing is left or no fix makes progress. Snapshots and --live get "
               "a bash script of `aws` commands (set -euo pipefail; it honours AWS_ENDPOINT_URL); "
               "CloudFormation/SAM/OpenAPI files get a unified diff of their own text. The prediction (findings "
               "before and after) and what is left for a person go to stderr. Nothing is changed in AWS.")


class _AsFix:
    """Lets audit's add_parser register its own arguments on the `fix` parser: both take the same inputs
    and flags, and a new audit flag reaches fix without a second copy."""

    def __init__(self, sub):
        self.sub = sub
        self.parser = None

    def add_parser(self, _name, **kwargs):
        kwargs.update(help="plan a verified repair: an `aws` script, or a diff of your templates",
                      description=DESCRIPTION)
        self.parser = self.sub.add_parser("fix", **kwargs)
        return self.parser


def add_parser(sub, epilog: str) -> None:
    from auditor.commands.audit import add_parser as add_audit_parser
    as_fix = _AsFix(sub)
    add_audit_parser(as_fix, epilog)
    parser = as_fix.parser
    import argparse
    for action in parser._actions:  # audit's report options, as fix takes them: it writes one script or diff
        if action.dest == "format":
            action.help = argparse.SUPPRESS  # refused with a pointer to `audit --format`, never advertised
        elif action.dest == "output":
            action.metavar = "FILE"
            action.help = "write the script (or diff) to FILE instead of stdout, whole or not at all"
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--diff", action="store_true",
                      help="templates: print the unified diff of the fix (the default for template inputs)")
    mode.add_argument("--write", action="store_true",
                      help="templates: apply the diff to the files (each file replaced whole, or not at all)")
    parser.set_defaults(run=run)


def run(args) -> int:
    if args.format != "table":
        raise UsageError("fix writes a script or a diff: --format does not apply (use `audit --format`)")
    output = args.output[-1] if args.output else None
    if output and "=" in output:
        raise UsageError("fix writes one file: give --output FILE")
    if output:
        from auditor.output import check_not_an_input, check_output_path
        check_output_path(output)
        check_not_an_input(output, [*args.paths, args.baseline, args.config, *(args.rules_files or [])])
    if not args.write:
        return _run(args, output, None)
    import time
    from auditor.fix.lock import inputs_locked
    with inputs_locked([p for p in args.paths if p != "-"] or ["."]):
        return _run(args, output, time.time_ns())


def _run(args, output, started_ns) -> int:
    """started_ns: when a --write run began reading its inputs (a file saved after it is not replaced)."""
    from auditor.commands.audit import audit
    from auditor.config import resolve
    from auditor.findings import Severity
    from auditor.fix.planner import plan_fixes
    from auditor.fix.summary import lines
    from auditor.output import write_text
    result = audit(args)
    settings = resolve(args)
    threshold = getattr(args, "fail_on", Severity.MEDIUM)
    suppressed = {s.finding.fingerprint for s in result.suppressed}  # tags, per-path ignores: left alone
    if result.baseline is not None:
        suppressed |= {f.fingerprint for f in result.baseline.known}  # accepted in the baseline: left alone
    plan = plan_fixes(result.snapshot, settings.rules, settings.severity, threshold,
                      keep=lambda finding: finding.fingerprint not in suppressed)
    from auditor.fix.textdiff import render_diff, split_edits, write_files
    script_edits, template_edits = split_edits(plan.edits)
    kinds = input_kinds(result.snapshot)
    templates = bool(kinds - {"snapshot"})
    if args.write and not templates:
        raise UsageError("--write patches template files; snapshots and --live get a script (omit --write)")
    from auditor.escape import visible
    from auditor.output import say
    for line in lines(plan):
        say(visible(line))  # each a line of its own, whatever a name in it holds
    text = ""
    unplaced = []
    if "snapshot" in kinds or not templates:
        from auditor.fix.script import render_script
        source = "AWS (--live)" if args.live else ", ".join(args.paths)
        text += render_script(plan, script_edits, source)
    if templates:
        patched = render_diff(template_edits)
        unplaced = patched.problems
        for problem in unplaced:
            say(visible(f"left for a person (not placed in the text): {problem}"))
        if args.write:
            write_files(patched, started_ns)
            print(f"apigw-auditor: patched {len(patched.changed)} file(s)", file=sys.stderr)
        else:
            text += patched.diff()
    if text or not args.write:
        write_text(text, output, raw=True)  # the script is safe by construction (auditor.escape); a diff is data
    return 1 if plan.at_threshold(plan.after) or unplaced else 0


def input_kinds(snapshot) -> set[str]:
    """Where the model came from: "snapshot" (files, --live) and/or template kinds."""
    kinds = set()
    for scope in snapshot.scopes:
        for item in list(scope.apis) + list(scope.functions):
            kinds.add(item.location.input_type)
    return kinds or {"snapshot"}

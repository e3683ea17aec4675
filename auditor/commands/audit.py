"""`apigw-auditor audit`: snapshot files in, findings and an exit code out."""

ORDER = 10

import argparse
import sys

from auditor.engine import all_rules, run_audit, select_rules
from auditor.errors import UsageError
from auditor.findings import Severity
from auditor.output import use_color, write_text
from auditor.reports import RENDERERS, render
from auditor.reports.common import RenderOptions, failing
from auditor.inputs import load_inputs


def _ids(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _fail_on(text: str) -> Severity | None:
    if text.lower() in ("never", "none"):
        return None
    try:
        return Severity.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_parser(sub, epilog: str) -> None:
    parser = sub.add_parser(
        "audit", help="audit snapshot files and report findings",
        description="Audit API Gateway HTTP API snapshots (JSON, see README 'Snapshot format'): routes, "
                    "integrations, stages and the Lambda permissions that connect them.",
        epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+", metavar="PATH", help="snapshot file, or folder of *.json snapshots")
    parser.add_argument("--format", choices=sorted(RENDERERS), default="table", help="report format (default: table)")
    parser.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE (whole or not at all)")
    parser.add_argument("--fail-on", type=_fail_on, default=Severity.MEDIUM, metavar="SEVERITY",
                        help="exit 1 when a finding is at or above SEVERITY: critical, high, medium (default), "
                             "low, info, or never")
    parser.add_argument("--select", type=_ids, metavar="IDS",
                        help="only these rules: comma-separated ids, prefixes (AGW2) or names")
    parser.add_argument("--ignore", type=_ids, metavar="IDS", help="skip these rules (same forms as --select)")
    parser.add_argument("--region", action="append", dest="regions", metavar="REGION",
                        help="live collection: a region to collect (repeatable); templates: the region to assume")
    parser.set_defaults(run=run)


def run(args) -> int:
    rules = select_rules(all_rules(), args.select, args.ignore)
    if not rules:
        raise UsageError("--select/--ignore leave no rule to run")
    snapshot = load_inputs(args.paths)
    result = run_audit(snapshot, rules)
    options = RenderOptions(fail_on=args.fail_on,
                            color=args.format == "table" and args.output is None and use_color(sys.stdout))
    write_text(render(args.format, result, options), args.output)
    return 1 if failing(result.findings, args.fail_on) else 0

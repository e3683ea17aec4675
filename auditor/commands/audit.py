"""`apigw-auditor audit`: snapshot files in, findings and an exit code out."""

ORDER = 10

import argparse
import re
import sys
from dataclasses import replace

from auditor.engine import run_audit
from auditor.commands import choice
from auditor.errors import UsageError, did_you_mean
from auditor.findings import Severity
from auditor.output import use_color
from auditor.reports import RENDERERS, render
from auditor.reports.common import RenderOptions, failing
from auditor.commands.explain import account_id
from auditor.config import add_config_arguments
from auditor.inputs import INPUT_TYPES, load_inputs
from auditor.live import add_live_arguments, live_options_given


def _ids(text: str) -> list[str]:
    """Rule ids, prefixes or names; an id or prefix in any case (agw101 is AGW101)."""
    ids = [part.strip().upper() if re.fullmatch(r"[A-Za-z]+[0-9]+", part.strip()) or
           part.strip().upper() == "AGW" else part.strip() for part in text.split(",") if part.strip()]
    if not ids:
        raise argparse.ArgumentTypeError("expected comma-separated rule ids, prefixes or names, got nothing")
    return ids


def _fail_on(text: str) -> Severity | None:
    if text.lower() in ("never", "none"):
        return None
    try:
        return Severity.parse(text)
    except ValueError:
        choices = [s.label for s in sorted(Severity)] + ["never"]
        raise argparse.ArgumentTypeError(f"unknown severity {text!r}{did_you_mean(text, choices)} (choose from "
                                         f"{', '.join(choices)})") from None


def add_parser(sub, epilog: str) -> None:
    parser = sub.add_parser(
        "audit", help="audit snapshots, templates or plans and report findings",
        description="Audit API Gateway HTTP APIs and their Lambda functions: routes, integrations, stages and the "
                    "Lambda permissions that connect them, from snapshots (JSON, see README 'Snapshot format'), "
                    "CloudFormation/SAM templates, cdk.out, Terraform plans, OpenAPI files, or AWS (--live).",
        epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="snapshot file or folder of *.json snapshots; CloudFormation/SAM template, cdk.out "
                             "folder, Terraform plan JSON (terraform show -json), OpenAPI file, or folder of AWS CLI "
                             "outputs")
    parser.add_argument("--format", type=choice(RENDERERS, "format"), default="table", metavar="FORMAT",
                        help=f"report format: {', '.join(sorted(RENDERERS))} (default: table)")
    parser.add_argument("--output", "-o", action="append", metavar="[FORMAT=]FILE",
                        help="write the --format report to FILE, or FORMAT's report to FILE (repeatable: "
                             "--output sarif=a.sarif --output junit=a.xml); each file whole or not at all")
    parser.add_argument("--fail-on", type=_fail_on, default=argparse.SUPPRESS, metavar="SEVERITY",
                        help="exit 1 when a finding is at or above SEVERITY; one of critical, high, medium "
                             "(default), low, info, never (case ignored)")
    parser.add_argument("--select", type=_ids, metavar="IDS",
                        help="only these rules: comma-separated ids, prefixes (AGW2) or names")
    parser.add_argument("--ignore", type=_ids, metavar="IDS", help="skip these rules (same forms as --select)")
    add_config_arguments(parser)
    parser.add_argument("--baseline", metavar="FILE",
                        help="report and gate only findings not in FILE (from `apigw-auditor baseline create`)")
    parser.add_argument("--quiet", "-q", action="store_true",
                        help="print only the summary line(s) and set the exit code (--output files are still "
                             "written whole)")
    parser.add_argument("--show-suppressed", action="store_true",
                        help="also list findings suppressed by tags, per-path-ignores or the baseline")
    parser.add_argument("--region", action="append", dest="regions", metavar="REGION",
                        help="live collection: a region to collect (repeatable); templates: the region to assume")
    parser.add_argument("--input-type", type=choice(INPUT_TYPES, "input type"), metavar="TYPE",
                        help="what PATH is, instead of detecting it from content: " + ", ".join(INPUT_TYPES))
    parser.add_argument("--parameter", action="append", dest="parameters", metavar="KEY=VALUE",
                        help="templates: a parameter (or pseudo parameter, e.g. AWS::StackName) value (repeatable)")
    parser.add_argument("--var", action="append", dest="tf_vars", metavar="NAME=VALUE",
                        help="Terraform source: a variable's value, as terraform -var (repeatable)")
    parser.add_argument("--var-file", action="append", dest="tf_var_files", metavar="FILE",
                        help="Terraform source: a .tfvars file, as terraform -var-file (repeatable)")
    parser.add_argument("--account", metavar="ID", type=account_id,
                        help="templates/plans: the account to assume (default: the one the input hard-codes, else "
                             "the placeholder 123456789012; see docs/iac.md)")
    parser.add_argument("--allow-empty", action="store_true",
                        help="accept inputs that hold no API and no function (by default that is exit 2: a wrong "
                             "file, region or account must not pass)")
    parser.add_argument("--live", action="store_true",
                        help="collect from AWS now (read-only, as `apigw-auditor snapshot` does) and audit that")
    add_live_arguments(parser, region=False)
    parser.set_defaults(run=run)


def audit(args):
    """Configuration, inputs, rules, suppressions: the result `run` renders (`baseline create` too)."""
    from auditor.config import resolve
    from auditor.suppress import apply_suppressions
    settings = resolve(args)  # the configuration file and custom rules; flags win over the file
    rules = settings.rules
    if args.live:
        if args.paths:
            raise UsageError("--live collects from AWS: give no PATH with it")
        template_only = [flag for flag, value in (("--input-type", args.input_type), ("--parameter", args.parameters),
                                                  ("--var", getattr(args, "tf_vars", None)),
                                                  ("--var-file", getattr(args, "tf_var_files", None)),
                                                  ("--account", args.account)) if value]
        if template_only:
            raise UsageError(f"{', '.join(template_only)} describe(s) PATH inputs (templates, plans); "
                             "not used with --live")
        from auditor.live import collect_for_cli, to_model
        snapshot = to_model(collect_for_cli(args))
    elif not args.paths:
        raise UsageError("give a snapshot PATH, or --live to collect from AWS")
    elif live_options_given(args):
        raise UsageError(f"{', '.join(live_options_given(args))} only work(s) with --live")
    else:
        from auditor.iac import parse_parameters, region_of
        from auditor.iac.hcl import parse_variables
        snapshot = load_inputs(args.paths, args.input_type, region_of(args.regions), args.account,
                               parse_parameters(args.parameters), parse_variables(getattr(args, "tf_vars", None)),
                               getattr(args, "tf_var_files", None))
    if not getattr(args, "allow_empty", False) and _nothing_to_audit(snapshot):
        where = "the collected account(s) and region(s)" if args.live else ", ".join(args.paths)
        raise UsageError(f"nothing was audited: {where} hold(s) no API and no function (wrong file, region or "
                         "account?); pass --allow-empty if that is expected")
    result = run_audit(snapshot, rules, settings.severity)
    from auditor.iac.remediation import apply_iac_remediations
    apply_iac_remediations(result)  # fixes in the template's own syntax for findings located in IaC
    result.audited = list(result.findings)
    apply_suppressions(result, settings, getattr(args, "baseline", None))
    return result


def _nothing_to_audit(snapshot) -> bool:
    """No API of any type and no function in any scope, and nothing that failed to be read: every rule would
    pass on nothing. A scope with errors (a module not read, a malformed answer) is audited as incomplete
    (AGW000), never called empty."""
    return not any(scope.apis or scope.functions or getattr(scope, "rest_apis", None) or scope.errors
                   for scope in snapshot.scopes)


def run(args) -> int:
    from auditor.destinations import plan, write_reports
    from auditor.output import check_not_an_input, check_output_path
    destinations = plan(args.format, args.output, RENDERERS)  # option mistakes before the audit, not after
    for destination in destinations:
        if destination.path is not None:
            check_output_path(destination.path)
            check_not_an_input(destination.path,
                               [*args.paths, args.baseline, args.config, *(args.rules_files or [])])
    result = audit(args)
    from auditor.reports.table import terminal_width
    options = RenderOptions(fail_on=args.fail_on, show_suppressed=args.show_suppressed,
                            color=use_color(sys.stdout), extra={"width": terminal_width(sys.stdout)})
    if args.quiet:  # stdout gets the verdict only; the files asked for are written as usual
        from auditor.reports import table
        destinations = [d for d in destinations if not d.to_stdout]
        write_reports(result, options, destinations, render)
        sys.stdout.write(table.render(result, replace(options, extra={**options.extra, "quiet": True})))
    else:
        write_reports(result, options, destinations, render)
    return 1 if failing(result.findings, args.fail_on) else 0

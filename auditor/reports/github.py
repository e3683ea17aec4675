"""GitHub Actions workflow commands: one `::error|warning|notice file=...,line=...,title=...::message`
line per finding, which GitHub shows as an annotation on the file and line (in the run and in the
pull request's diff), then a plain summary line.

critical and high findings are errors, medium ones warnings, low and info notices, most severe
first (GitHub shows 10 annotations of each kind per step, 50 per job; the log keeps them all). Values are
escaped as GitHub's runner unescapes them: `%`, CR and LF in the message; also `:` and `,` in
properties. A finding without a file of its own points at the snapshot file it came from.
"""

from auditor.findings import Severity
from auditor.reports.common import failing, summary
from auditor.reports.pointers import display_path, finding_file, finding_line, left_out_summary

FORMAT = "github"
EXTENSION = "github.txt"

COMMANDS = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning",
            Severity.LOW: "notice", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding, result) -> str:
    properties = []
    file = finding_file(finding, result)
    if file and not file.startswith("<"):
        properties.append(("file", display_path(file)))
        line = finding_line(finding)
        if line is not None:
            properties.append(("line", str(line)))
    properties.append(("title", f"{finding.rule_id} {finding.rule} ({finding.severity.label})"))
    message = finding.message + (f"\nFix: {finding.remediation}" if finding.remediation else "")
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{COMMANDS[finding.severity]} {joined}::{escape_data(message)}"


def render(result, options) -> str:
    # GitHub shows 10 annotations of each kind per step (50 per job): the most severe go first.
    ordered = sorted(result.findings, key=lambda f: -f.severity)
    lines = [annotation(finding, result) for finding in ordered]
    info = summary(result, options)
    counts = ", ".join(f"{n} {label}" for label, n in info["by_severity"].items() if n)
    verdict = "FAILED" if failing(result.findings, options.fail_on) else "passed"
    gate = options.fail_on.label if options.fail_on is not None else "never"
    extra = left_out_summary(result)
    lines.append(f"apigw-auditor: {info['apis']} API(s), {info['functions']} function(s), {info['rules_run']} rules: "
                 f"{info['findings']} finding(s){' (' + counts + ')' if counts else ''}{'; ' + extra if extra else ''}; "
                 f"{verdict} (--fail-on {gate}).")
    shown = {kind: sum(1 for f in ordered if COMMANDS[f.severity] == kind) for kind in ("error", "warning", "notice")}
    over = [f"{n} {kind}s" for kind, n in shown.items() if n > 10]
    if over:
        lines.append(f"apigw-auditor: GitHub shows 10 annotations of each kind per step; this run has "
                     f"{', '.join(over)}: all are in this log, and in the SARIF and markdown reports.")
    return "\n".join(lines) + "\n"

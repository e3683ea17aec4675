"""The terminal report: one table per API, then each finding's fix, then a one-line verdict."""

from auditor.findings import Severity
from auditor.reports.common import failing, group_by_api, summary

FORMAT = "table"
EXTENSION = "txt"

def _tabulate(*args, **kwargs) -> str:
    from tabulate import tabulate  # imported only when a table is drawn: it takes longer to import than to use
    return tabulate(*args, **kwargs)


_COLORS = {Severity.CRITICAL: "\033[1;35m", Severity.HIGH: "\033[1;31m", Severity.MEDIUM: "\033[33m",
           Severity.LOW: "\033[36m", Severity.INFO: "\033[2m"}
_RESET = "\033[0m"


def _where(finding) -> str:
    r = finding.resource
    for label, value in (("route", r.route_key), ("integration", r.integration_id), ("stage", r.stage),
                         ("authorizer", r.authorizer_id), ("statement", r.statement_id)):
        if value:
            return f"{label} {value}"
    return f"api {r.api_id}" if r.api_id else "-"


def _severity(finding, color: bool) -> str:
    label = finding.severity.label
    return f"{_COLORS[finding.severity]}{label}{_RESET}" if color else label


def render(result, options) -> str:
    lines: list[str] = []
    number = 0
    for heading, findings in group_by_api(result.findings):
        lines.append(heading)
        rows, fixes = [], []
        for finding in findings:
            number += 1
            location = finding.location
            where = _where(finding)
            if location is not None and location.line is not None:
                where += f"\n{location.file}:{location.line}"
            rows.append([number, _severity(finding, options.color), finding.rule_id, where, finding.message])
            label = f"  [{number}] "
            fixes.append(label + finding.remediation.replace("\n", "\n" + " " * len(label)))  # snippets stay under it
        lines.append(_tabulate(rows, headers=["#", "severity", "rule", "where", "finding"], tablefmt="simple",
                              maxcolwidths=[None, None, None, 28, 80]))
        lines.append("")
        lines.append("How to fix:")
        lines.extend(fixes)
        lines.append("")
    info = summary(result, options)
    counts = ", ".join(f"{n} {label}" for label, n in info["by_severity"].items() if n)
    for skipped in info["skipped_apis"]:
        lines.append(f"Skipped API {skipped['api_id']} ({skipped['protocol_type']}): {skipped['reason']}.")
    lines.extend(_suppressed_lines(result, options))
    if not info["apis"] and not info["functions"]:
        lines.append("Note: the input holds no API and no function, so nothing was checked (wrong file, region or "
                     "account?).")
    verdict = "FAILED" if failing(result.findings, options.fail_on) else "passed"
    gate = options.fail_on.label if options.fail_on is not None else "never"
    lines.append(f"{info['apis']} API(s), {info['functions']} function(s), {info['rules_run']} rules: "
                 f"{info['findings']} finding(s){' (' + counts + ')' if counts else ''}"
                 f"{f', {n} suppressed' if (n := info['suppressed']) else ''}; "
                 f"{verdict} (--fail-on {gate}).")
    return "\n".join(lines) + "\n"


def _suppressed_lines(result, options) -> list[str]:
    """The baseline verdict (always) and, with --show-suppressed, what was left out and why."""
    lines = []
    baseline = getattr(result, "baseline", None)
    suppressed = list(getattr(result, "suppressed", None) or [])
    if options.show_suppressed:
        rows = [[s.finding.severity.label, s.finding.rule_id, _where(s.finding), s.finding.message,
                 f"{s.source}: {s.reason}"] for s in suppressed]
        rows += [[f.severity.label, f.rule_id, _where(f), f.message, f"in baseline {baseline.file}"]
                 for f in (baseline.known if baseline is not None else [])]
        if rows:
            lines.append(f"Suppressed ({len(rows)}), not counted and not gating:")
            lines.append(_tabulate(rows, headers=["severity", "rule", "where", "finding", "suppressed by"],
                                  tablefmt="simple", maxcolwidths=[None, None, 28, 60, 40]))
            lines.append("")
    if baseline is not None:
        gone = baseline.gone
        line = (f"Baseline {baseline.file}: {len(baseline.known)} known finding(s) not reported; "
                f"{len(gone)} baseline entr{'y' if len(gone) == 1 else 'ies'} gone")
        line += (": " + "; ".join(f"{e['rule_id']} {e.get('message', '')[:60]} [{e['fingerprint']}]" for e in gone)
                 if gone else "")
        if baseline.not_checked:
            line += f" ({baseline.not_checked} entr{'y' if baseline.not_checked == 1 else 'ies'} of rules not run)"
        lines.append(line + ".")
    return lines

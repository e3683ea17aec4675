"""A GitHub-flavoured Markdown summary, fit for a pull-request comment or $GITHUB_STEP_SUMMARY.

The verdict and counts by severity first, then a table per API (function-level findings under
their function), then each finding's remediation in a fenced code block. Everything taken from
the input (route keys, messages, names) is escaped, so a `|` or `<` in it cannot break the table.
"""

import re

from auditor.escape import markdown_text, visible, visible_lines
from auditor.reports.common import failing, group_by_api, readable, summary
from auditor.reports.pointers import display_path, finding_file, finding_line, left_out, left_out_summary

FORMAT = "markdown"
EXTENSION = "md"

def _escape_plain(text: str) -> str:
    return markdown_text(text)


_BACKTICKS = re.compile(r"`+")


def code(text: str, in_table: bool = True) -> str:
    """An inline code span holding text verbatim (in a table cell, `|` escaped as GFM requires)."""
    text = visible(readable(text))
    if in_table:
        text = text.replace("|", "\\|")
    if "`" not in text:
        return f"`{text}`" if text.strip() else f"` {text} `"
    longest = max(len(run) for run in _BACKTICKS.findall(text))
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _code_spans(text: str):
    """(start, end, content) of each code span, as CommonMark pairs them: a run of n backticks opens a span
    that the next run of exactly n closes. One pass over the runs, remembering where each length was last
    seen, so a line of backticks costs linear time (a backtracking regex took a minute on 10 KB of them)."""
    runs = [(m.start(), m.end()) for m in _BACKTICKS.finditer(text)]
    next_of_length: dict[int, list[int]] = {}
    for index in range(len(runs) - 1, -1, -1):
        next_of_length.setdefault(runs[index][1] - runs[index][0], []).append(index)
    index = 0
    while index < len(runs):
        start, end = runs[index]
        later = next_of_length[end - start]
        while later and later[-1] <= index:
            later.pop()
        if later and end < runs[later[-1]][0]:
            closer = later.pop()
            yield start, runs[closer][1], text[end:runs[closer][0]]
            index = closer + 1
        else:
            index += 1


def cell(text: str) -> str:
    """Table-cell text: the message's own `code spans` kept, everything else escaped."""
    text = readable(text)
    if "`" not in text:
        return _escape_plain(text)
    out, pos = [], 0
    for start, end, content in _code_spans(text):
        out.append(_escape_plain(text[pos:start]))
        out.append(code(content))
        pos = end
    out.append(_escape_plain(text[pos:]))
    return "".join(out)


def fenced(text: str, info: str = "") -> str:
    text = visible_lines(readable(text))
    longest = max((len(run) for run in re.findall(r"`{3,}", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text.rstrip()}\n{fence}"


def _shell(finding) -> str:
    command = finding.remediation.lstrip()
    return "sh" if command.startswith(("aws ", "apigw-auditor ", "#")) else ""


def _where(finding, result) -> str:
    r = finding.resource
    parts = []
    for label, value in (("route", r.route_key), ("integration", r.integration_id), ("stage", r.stage),
                         ("authorizer", r.authorizer_id), ("statement", r.statement_id)):
        if value:
            parts.append(f"{label} {code(value)}")
            break
    else:
        if r.api_id:
            parts.append(f"api {code(r.api_id)}")
        elif r.function_arn:
            parts.append(f"function {code(r.function_arn.rsplit(':function:', 1)[-1])}")
    file = finding_file(finding, result)
    if file and not file.startswith("<"):
        line = finding_line(finding)
        parts.append(code(f"{display_path(file)}:{line}" if line is not None else display_path(file)))
    return "<br>".join(parts) or "-"


def render(result, options) -> str:
    info = summary(result, options)
    gating = failing(result.findings, options.fail_on)
    gating_ids = {id(f) for f in gating}
    gate = options.fail_on.label if options.fail_on is not None else "never"
    verdict = "failed" if gating else "passed"
    files = ", ".join(code(display_path(f)) if not f.startswith("<") else code(f) for f in info["files"])
    lines = [f"## apigw-auditor: {verdict}", ""]
    if result.findings:
        lines.append(f"**{info['findings']} finding(s)**, {len(gating)} at or above `--fail-on {gate}`; "
                     f"{info['apis']} API(s), {info['functions']} function(s), {info['rules_run']} rules"
                     f"{' on ' + files if files else ''}.")
    else:
        lines.append(f"No findings: {info['apis']} API(s), {info['functions']} function(s), "
                     f"{info['rules_run']} rules{' on ' + files if files else ''}.")
    lines += ["", "| Severity | Findings |", "|---|---:|"]
    for label, count in info["by_severity"].items():
        lines.append(f"| {label} | {count} |")
    extra = left_out_summary(result)
    if extra:
        lines += ["", f"Not reported: {cell(extra)}."]
    baseline = getattr(result, "baseline", None)
    gone = baseline.gone if baseline is not None else []
    if gone:
        lines += ["", "Baseline entries no longer found (fixed, or their resource is gone):", ""]
    for entry in gone:
        lines.append(f"- {code(str(entry.get('rule_id', '?')), False)} "
                     f"{cell(str(entry.get('message', '')))} ({code(str(entry.get('fingerprint', '?')), False)})")
    for skipped in info["skipped_apis"]:
        lines += ["", f"Skipped API {code(skipped['api_id'])} ({cell(skipped['protocol_type'])}): "
                      f"{cell(skipped['reason'])}."]
    number = 0
    for heading, findings in group_by_api(result.findings):
        lines += ["", f"### {cell(heading)}", "", "| # | Severity | Rule | Where | Finding |", "|---:|---|---|---|---|"]
        fixes = []
        for finding in findings:
            number += 1
            severity = finding.severity.label
            shown = f"**{severity}**" if id(finding) in gating_ids else severity
            lines.append(f"| {number} | {shown} | {code(finding.rule_id)} {cell(finding.rule)} | "
                         f"{_where(finding, result)} | {cell(finding.message)} |")
            fixes.append((number, finding))
        lines += ["", "How to fix:"]
        for number_, finding in fixes:
            lines += ["", f"{number_}. {code(finding.rule_id, False)} {_short_where(finding)}", "",
                      fenced(finding.remediation, _shell(finding))]
    left = left_out(result) if options.show_suppressed else []
    if left:
        lines += ["", f"### Suppressed or in the baseline ({len(left)}): not counted, not gating", "",
                  "| Severity | Rule | Where | Finding | Suppressed by |", "|---|---|---|---|---|"]
        for finding, _, justification in left:
            lines.append(f"| {finding.severity.label} | {code(finding.rule_id)} {cell(finding.rule)} | "
                         f"{_where(finding, result)} | {cell(finding.message)} | {cell(justification)} |")
    lines += _wiring(result)
    return "\n".join(lines) + "\n"


def _wiring(result) -> list[str]:
    """Each API's wiring as a Mermaid flowchart, which GitHub draws in comments and job summaries."""
    from auditor.reports.mermaid import markdown_section
    from auditor.reports.wiring_graph import GraphsOnDemand, simulators_for_result
    graphs = GraphsOnDemand(simulators_for_result(result))
    return ["", "## Wiring"] + markdown_section(graphs, None, budget=WIRING_BUDGET) if graphs else []


WIRING_BUDGET = 40_000  # characters of Mermaid per report: a PR comment holds 65,536 in all


def _short_where(finding) -> str:
    r = finding.resource
    for label, value in (("route", r.route_key), ("integration", r.integration_id), ("stage", r.stage),
                         ("authorizer", r.authorizer_id), ("statement", r.statement_id)):
        if value:
            return f"{label} {code(value, False)}"
    if r.api_id:
        return f"api {code(r.api_id, False)}"
    return f"function {code(r.function_arn, False)}" if r.function_arn else ""

"""The terminal report: one table per API, then each finding's fix, then a one-line verdict.

The table fits the terminal (COLUMNS, else the terminal's width; 140 columns in a file or pipe): the `where` and
`finding` columns share what the fixed ones leave, each cell is wrapped once to its column's width by
slicing (linear, whatever its length), and a cell longer than CELL_LINES lines is cut with an ellipsis,
which the report says. tabulate then only lays out lines that already fit, and the tables whose
columns come out equally wide (most of a large report's one-row tables) in one call.
"""

import os
import re
import shutil

from auditor.escape import visible, visible_lines
from auditor.findings import Severity
from auditor.tables import tabulate  # (tabulate itself is imported when a table is drawn)
from auditor.reports.common import failing, group_by_api, readable, summary

FORMAT = "table"
EXTENSION = "txt"

_HEADERS = ["#", "severity", "rule", "where", "finding"]
_PADDING = 2  # tabulate's least room beside a header
# Cell text whose width tabulate measures as its length: printable ASCII lines, none empty, none starting or
# ending with a space (tabulate would strip it), joined by \n.
_PLAIN_CELL = re.compile(r"[!-~](?:[ -~]*[!-~])?(?:\n[!-~](?:[ -~]*[!-~])?)*\Z")


def _shape(rows: list[list], headers: list[str]) -> tuple | None:
    """(column widths, multi-line?, lines per row) of the table tabulate draws of rows; None when a cell's
    width is not simply its length (other characters, colour, spaces at the ends)."""
    widths = [len(header) + _PADDING for header in headers]
    heights = []
    for row in rows:
        height = 1
        for column, value in enumerate(row):
            if type(value) is int:
                width = len(str(value))
            elif type(value) is str and _PLAIN_CELL.match(value):
                if "\n" in value:
                    cell_lines = value.split("\n")
                    width = max(map(len, cell_lines))
                    height = max(height, len(cell_lines))
                else:
                    width = len(value)
            else:
                return None
            if width > widths[column]:
                widths[column] = width
        heights.append(height)
    return tuple(widths), any(height > 1 for height in heights), heights


def _tables(tables: list[tuple[list, list]], headers: list[str]) -> list[str]:
    """tabulate's text of each table, given as (rows, rows as drawn: coloured): the same text one call per
    table gives, but tables whose columns come out equally wide are drawn by one call and cut apart again
    (a report of a thousand APIs is a thousand small tables, each paying tabulate's whole overhead)."""
    def draw(rows):
        return tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True)

    out: list[str | None] = [None] * len(tables)
    groups: dict[tuple, list[tuple[int, list[int]]]] = {}
    for number, (plain, _) in enumerate(tables):
        shape = _shape(plain, headers)
        if shape is None:
            out[number] = draw(tables[number][1])
        else:
            groups.setdefault(shape[:2], []).append((number, shape[2]))
    for (widths, _), members in groups.items():
        text = draw([row for number, _ in members for row in tables[number][1]]).split("\n")
        if (len(members) == 1 or [len(dashes) for dashes in text[1].split(" " * _PADDING)] != list(widths)
                or len(text) != 2 + sum(sum(heights) for _, heights in members)):
            for number, _ in members:  # one table, or not laid out as foreseen: each by itself
                out[number] = draw(tables[number][1]) if len(members) > 1 else "\n".join(text)
            continue
        at = 2
        for number, heights in members:
            out[number] = "\n".join(text[:2] + text[at:at + sum(heights)])
            at += sum(heights)
    return out


_COLORS = {Severity.CRITICAL: "\033[1;35m", Severity.HIGH: "\033[1;31m", Severity.MEDIUM: "\033[33m",
           Severity.LOW: "\033[36m", Severity.INFO: "\033[2m"}
_RESET = "\033[0m"


def _where(finding) -> str:
    r = finding.resource
    for label, value in (("route", r.route_key), ("integration", r.integration_id), ("stage", r.stage),
                         ("authorizer", r.authorizer_id), ("statement", r.statement_id)):
        if value:
            return f"{label} {visible(value)}"
    return f"api {visible(r.api_id)}" if r.api_id else "-"


def _severity(finding, color: bool) -> str:
    label = finding.severity.label
    return f"{_COLORS[finding.severity]}{label}{_RESET}" if color else label


CELL_LINES = 6
_FIXED = 3 + 10 + 6 + 4 * 2  # "#", severity, rule (tabulate pads headers by 2) and the four two-space gaps


def table_width(options=None) -> int:
    """options.extra["width"] (the terminal's, set by the command), else 140: a file is the same everywhere."""
    return max(60, int((options.extra.get("width") if options is not None else None) or 140))


def terminal_width(stream) -> int | None:
    """COLUMNS, else the width of the terminal `stream` is; None when it is no terminal."""
    if os.environ.get("COLUMNS", "").isdigit() or (hasattr(stream, "isatty") and stream.isatty()):
        return shutil.get_terminal_size((120, 24)).columns
    return None


def _column_widths(total: int, shares: tuple[float, ...], fixed: int) -> list[int]:
    room = max(total - fixed, 40)
    return [max(12, int(room * share)) for share in shares]


class _Wrapper:
    """Wraps cells to one column's width, remembering whether any cell was cut."""

    def __init__(self, width: int):
        self.width = width
        self.cut = False

    def __call__(self, text: str) -> str:
        text = readable(text)
        out: list[str] = []
        cut = False
        for paragraph in text.split("\n", CELL_LINES):  # the last piece holds any further lines, uncut
            while len(paragraph) > self.width and len(out) < CELL_LINES:
                split = paragraph.rfind(" ", 0, self.width + 1)
                split = split if split > self.width // 2 else self.width
                out.append(paragraph[:split].rstrip())
                paragraph = paragraph[split:].lstrip(" ")
            if len(out) == CELL_LINES:
                cut = True
                break
            out.append(paragraph)
        if cut:
            self.cut = True
            out[-1] = out[-1][:self.width - 1] + "…"
        return "\n".join(out)


_CUT_NOTE = "(Cells cut at {lines} lines end in …; --format json holds every value whole.)"


def render(result, options) -> str:
    if options.extra.get("quiet"):
        return _summary(result, options)
    lines: list[str] = []
    number = 0
    where_width, finding_width = _column_widths(table_width(options), (0.3, 0.7), _FIXED)
    wrap_where, wrap_finding = _Wrapper(where_width), _Wrapper(finding_width)
    groups, tables = [], []
    for heading, findings in group_by_api(result.findings):
        plain, drawn, fixes = [], [], []
        for finding in findings:
            number += 1
            location = finding.location
            where = _where(finding)
            if location is not None and location.line is not None:
                where += f"\n{visible(location.file)}:{location.line}"
            row = [number, finding.severity.label, finding.rule_id, wrap_where(where),
                   wrap_finding(visible(finding.message))]
            plain.append(row)
            drawn.append([number, _severity(finding, options.color), *row[2:]] if options.color else row)
            label = f"  [{number}] "
            fixes.append(label + visible_lines(finding.remediation).replace("\n", "\n" + " " * len(label)))  # snippets stay under it
        groups.append((heading, fixes))
        tables.append((plain, drawn))
    for (heading, fixes), table in zip(groups, _tables(tables, _HEADERS)):
        lines.append(visible(heading))
        lines.append(table)
        lines.append("")
        lines.append("How to fix:")
        lines.extend(fixes)
        lines.append("")
    if wrap_where.cut or wrap_finding.cut:
        lines.append(_CUT_NOTE.format(lines=CELL_LINES))
    lines.append(_summary(result, options).rstrip("\n"))
    return readable("\n".join(lines) + "\n")


def _summary(result, options) -> str:
    """The lines after the tables (skipped APIs, suppressions, the verdict): all that --quiet prints."""
    lines: list[str] = []
    info = summary(result, options)
    counts = ", ".join(f"{n} {label}" for label, n in info["by_severity"].items() if n)
    for skipped in info["skipped_apis"]:
        lines.append(visible(f"Skipped API {skipped['api_id']} ({skipped['protocol_type']}): {skipped['reason']}."))
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
    if options.show_suppressed and not options.extra.get("quiet"):
        widths = _column_widths(table_width(options), (0.22, 0.42, 0.36), 10 + 6 + 4 * 2)
        where, message, why = (_Wrapper(width) for width in widths)
        rows = [[s.finding.severity.label, s.finding.rule_id, where(_where(s.finding)), message(visible(s.finding.message)),
                 why(visible(f"{s.source}: {s.reason}"))] for s in suppressed]
        rows += [[f.severity.label, f.rule_id, where(_where(f)), message(visible(f.message)),
                  why(f"in baseline {baseline.file}")] for f in (baseline.known if baseline is not None else [])]
        if rows:
            lines.append(f"Suppressed ({len(rows)}), not counted and not gating:")
            lines.append(tabulate(rows, headers=["severity", "rule", "where", "finding", "suppressed by"],
                                   tablefmt="simple", disable_numparse=True))
            if any(wrapper.cut for wrapper in (where, message, why)):
                lines.append(_CUT_NOTE.format(lines=CELL_LINES))
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

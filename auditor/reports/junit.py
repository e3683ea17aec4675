"""JUnit XML for CI test dashboards (GitLab, Jenkins, Azure DevOps, GitHub test-report actions).

One <testsuite> per rule that ran; in it one <testcase> per rule x resource the rule reported
(a route, an integration, a statement...), named after that resource so a dashboard can follow it
from run to run, and one passing <testcase name="no findings"> when the rule found nothing.
A finding at or above --fail-on is a <failure>; one below it is a passing testcase that carries
the finding in <system-out>, so the dashboard and the exit code agree on what fails the build.
With --show-suppressed, suppressed and baselined findings are <skipped> testcases saying why.
"""

import re
from collections import Counter

from auditor.reports.common import TOOL, failing
from auditor.reports.pointers import describe, display_path, finding_file, finding_line, left_out

FORMAT = "junit"
EXTENSION = "junit.xml"

# Characters XML 1.0 cannot carry, even escaped.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text) -> str:
    return _ILLEGAL.sub("\N{REPLACEMENT CHARACTER}", str(text))


def testcase_name(finding) -> str:
    r = finding.resource
    scope = f" ({r.account}/{r.region})" if r.account or r.region else ""
    what = describe(finding)
    if r.api_id and not what.startswith("api "):
        return f"api {r.api_id} {what}{scope}"
    if r.function_arn and not r.api_id and not what.startswith("function "):
        return f"function {r.function_arn.rsplit(':function:', 1)[-1]} {what}{scope}"
    return f"{what}{scope}"


def _where(finding, result) -> tuple[str | None, int | None, str]:
    file = finding_file(finding, result)
    shown = display_path(file) if file and not file.startswith("<") else file
    line = finding_line(finding)
    text = f"{shown}:{line}" if shown and line is not None else (shown or "-")
    if finding.location is not None and finding.location.path:
        text += f" ({finding.location.path})"
    return shown, line, text


def _details(finding, where: str) -> str:
    resource = ", ".join(f"{k}={v}" for k, v in finding.resource.as_dict().items())
    lines = [f"{finding.severity.label}: {finding.message}", f"rule: {finding.rule_id} {finding.rule}",
             f"where: {where}", f"resource: {resource}", f"fix: {finding.remediation}",
             f"fingerprint: {finding.fingerprint}"]
    return "\n".join(lines)


def render(result, options) -> str:
    import xml.etree.ElementTree as ET  # only for this format: discovery imports every renderer
    gating = {id(f) for f in failing(result.findings, options.fail_on)}
    gate = options.fail_on.label if options.fail_on is not None else "never"
    by_rule: dict[str, list] = {}
    for finding in result.findings:
        by_rule.setdefault(finding.rule_id, []).append(finding)
    left: dict[str, list] = {}  # with --show-suppressed: suppressed and baselined findings, as skipped testcases
    for finding, _, justification in (left_out(result) if options.show_suppressed else []):
        left.setdefault(finding.rule_id, []).append((finding, justification))

    root = ET.Element("testsuites", name=TOOL["name"])
    total = total_failures = total_skipped = 0
    rules = list(result.rules)
    known = {rule.id for rule in rules}
    extra = sorted({rule_id for rule_id in [*by_rule, *left] if rule_id not in known})  # findings of rules not listed as run
    suites = [(rule.id, rule.name, rule.title) for rule in rules]
    suites += [(rule_id, (by_rule.get(rule_id) or [f for f, _ in left[rule_id]])[0].rule, "") for rule_id in extra]
    for rule_id, name, title in suites:
        findings = by_rule.get(rule_id, [])
        suite = ET.SubElement(root, "testsuite", name=_clean(f"{rule_id} {name}"))
        classname = _clean(f"{TOOL['name']}.{rule_id}")
        failures = 0
        skipped = left.get(rule_id, [])
        if not findings and not skipped:
            case = ET.SubElement(suite, "testcase", classname=classname, name="no findings")
            if title:
                ET.SubElement(case, "system-out").text = _clean(f"{title}: no findings.")
        names = [testcase_name(finding) for finding in findings]
        repeated = Counter(names)
        for finding, name in zip(findings, names):
            shown, line, where = _where(finding, result)
            if repeated[name] > 1:  # two findings of one rule on one object: keep testcase names unique
                name += f" [{finding.fingerprint}]"
            attributes = {"classname": classname, "name": _clean(name)}
            if shown:
                attributes["file"] = _clean(shown)
            if line is not None:
                attributes["line"] = str(line)
            case = ET.SubElement(suite, "testcase", attributes)
            details = _clean(_details(finding, where))
            if id(finding) in gating:
                failures += 1
                failure = ET.SubElement(case, "failure", message=_clean(finding.message),
                                        type=finding.severity.label)
                failure.text = details
            else:
                ET.SubElement(case, "system-out").text = _clean(
                    f"Reported below --fail-on {gate}, so not a failure.\n") + details
        for finding, justification in skipped:
            shown, line, where = _where(finding, result)
            case = ET.SubElement(suite, "testcase", classname=classname, name=_clean(testcase_name(finding)),
                                 **({"file": _clean(shown)} if shown else {}),
                                 **({"line": str(line)} if line is not None else {}))
            ET.SubElement(case, "skipped", message=_clean(f"suppressed: {justification}"))
            ET.SubElement(case, "system-out").text = _clean(_details(finding, where))
        tests = max(len(findings) + len(skipped), 1)
        suite.set("tests", str(tests))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
        suite.set("skipped", str(len(skipped)))
        total += tests
        total_failures += failures
        total_skipped += len(skipped)
    root.set("tests", str(total))
    root.set("failures", str(total_failures))
    root.set("errors", "0")
    root.set("skipped", str(total_skipped))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"

"""SARIF 2.1.0 (OASIS), shaped for GitHub code scanning.

One run; one reportingDescriptor per rule that ran; each result points at its input file and line
(physical location, URI relative to the working directory) when one is known, and always at the AWS
objects it concerns (logical locations: API, route, integration, stage, authorizer, function,
statement). partialFingerprints carry the finding's fingerprint (rule id + resource identity), so
GitHub keeps one alert per problem across runs even when the file's lines move.

The remediation is a command, not an edit of the input, so it is not a SARIF `fix` (which must
carry artifact changes): it goes into the message and into the result's properties.
"""

import json
import os
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from auditor.findings import Severity
from auditor.reports.common import TOOL, summary
from auditor.reports.pointers import display_path, finding_file, finding_line, left_out, logical_locations

FORMAT = "sarif"
EXTENSION = "sarif"
SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_KEY = "apigwAuditorFingerprint/v1"

LEVELS = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning",
          Severity.LOW: "note", Severity.INFO: "note"}
# GitHub ranks security alerts by this score: >= 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, else low.
SECURITY_SEVERITY = {Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.5",
                     Severity.LOW: "3.0", Severity.INFO: "1.0"}
# GitHub's problem.severity for alerts that are not security alerts.
PROBLEM_SEVERITY = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning",
                    Severity.LOW: "recommendation", Severity.INFO: "recommendation"}
# The built-in catalogue's id ranges (rules/README.md); a rule may also declare its own `tags`.
BUILTIN_TAGS = {"AGW0": ["audit"], "AGW1": ["correctness", "wiring"], "AGW2": ["correctness", "permissions"],
                "AGW3": ["security", "exposure"], "AGW4": ["maintainability", "hygiene"]}


def rule_tags(rule) -> list[str]:
    declared = getattr(rule, "tags", None)
    if isinstance(declared, (list, tuple)) and declared and all(isinstance(t, str) for t in declared):
        return list(declared)
    return list(BUILTIN_TAGS.get(rule.id[:4], [])) if rule.id.startswith("AGW") else []


def _help_text(rule) -> str:
    parts = [rule.title, f"Why it matters: {rule.rationale}" if rule.rationale else "",
             f"What the client sees: {rule.client_sees}" if rule.client_sees else "",
             f"How to fix: {rule.fix}" if rule.fix else ""]
    return "\n\n".join(p for p in parts if p)


def _help_markdown(rule) -> str:
    parts = [f"**{rule.title}**" if rule.title else "", f"Default severity: `{rule.severity.label}`"]
    for heading, body in (("Why it matters", rule.rationale), ("What the client sees", rule.client_sees),
                          ("How to fix", rule.fix)):
        if body:
            parts.append(f"## {heading}\n\n{body}")
    parts.append("Each finding carries its own remediation (the command to run, or the change to make in the "
                 "template), filled in with the objects it concerns.\n\n"
                 f"Select or ignore: `apigw-auditor audit --select {rule.id}` / `--ignore {rule.id}`")
    return "\n\n".join(p for p in parts if p)


def reporting_descriptor(rule) -> dict:
    tags = rule_tags(rule)
    properties = {"tags": tags, "precision": "high"}
    if "security" in tags:
        properties["security-severity"] = SECURITY_SEVERITY[rule.severity]
    else:
        properties["problem.severity"] = PROBLEM_SEVERITY[rule.severity]
    properties["severity"] = rule.severity.label
    descriptor = {
        "id": rule.id,
        "name": rule.name or rule.id,
        "shortDescription": {"text": rule.title or rule.name or rule.id},
        "fullDescription": {"text": rule.rationale or rule.title or rule.name or rule.id},
        "help": {"text": _help_text(rule) or rule.id, "markdown": _help_markdown(rule)},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": properties,
    }
    return descriptor


def artifact_location(file: str) -> dict:
    return dict(_artifact_location(display_path(file)))


@lru_cache(maxsize=64)
def _artifact_location(shown: str) -> tuple:
    """Every result in a file points at it: its URI is worked out once."""
    if os.path.isabs(shown):
        return (("uri", Path(shown).as_uri()),)
    return (("uri", quote(shown)), ("uriBaseId", "%SRCROOT%"))


def _location(finding, result) -> dict:
    location: dict = {}
    file = finding_file(finding, result)
    if file is not None and not file.startswith("<"):
        physical: dict = {"artifactLocation": artifact_location(file)}
        line = finding_line(finding)
        if line is not None:
            physical["region"] = {"startLine": line}
        location["physicalLocation"] = physical
    location["logicalLocations"] = logical_locations(finding)
    return location


def result_object(finding, rule_index: dict) -> dict:
    properties = {"severity": finding.severity.label, "rule": finding.rule,
                  "resource": finding.resource.as_dict(), "remediation": finding.remediation}
    if finding.fix is not None:
        properties["fix"] = {"action": finding.fix.action, "details": finding.fix.details}
    if finding.location is not None:
        properties["jsonPath"] = finding.location.path
        if finding.location.resource:
            properties["logicalId"] = finding.location.resource
    out = {"ruleId": finding.rule_id}
    if finding.rule_id in rule_index:
        out["ruleIndex"] = rule_index[finding.rule_id]
    out.update({
        "level": LEVELS[finding.severity],
        "message": {"text": f"{finding.message}\nFix: {finding.remediation}" if finding.remediation
                    else finding.message},
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "properties": properties,
    })
    return out


def sarif_document(result, options) -> dict:
    rules = list(result.rules)
    rule_index = {rule.id: i for i, rule in enumerate(rules)}
    baseline = getattr(result, "baseline", None)
    results = []
    for finding in result.findings:
        entry = result_object(finding, rule_index)
        entry["locations"] = [_location(finding, result)]
        if baseline is not None:
            entry["baselineState"] = "new"
        results.append(entry)
    if options.show_suppressed:  # SARIF's own way: the result, marked suppressed with the justification
        for finding, kind, justification in left_out(result):
            entry = result_object(finding, rule_index)
            entry["locations"] = [_location(finding, result)]
            entry["suppressions"] = [{"kind": "inSource" if kind == "tag" else "external", "status": "accepted",
                                      "justification": justification}]
            if baseline is not None:
                entry["baselineState"] = "unchanged" if kind == "baseline" else "new"
            results.append(entry)
    info = summary(result, options)
    notifications = [{"level": "note", "message": {"text": f"Skipped API {s['api_id']} ({s['protocol_type']}): "
                                                           f"{s['reason']}."}} for s in info["skipped_apis"]]
    invocation = {"executionSuccessful": True}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    files = [f for f in result.snapshot.files if not f.startswith("<")]
    run = {
        "tool": {"driver": {"name": TOOL["name"], "version": TOOL["version"], "semanticVersion": TOOL["version"],
                            "informationUri": TOOL["information_uri"],
                            "rules": [reporting_descriptor(rule) for rule in rules]}},
        "invocations": [invocation],
        "artifacts": [{"location": artifact_location(f), "roles": ["analysisTarget"]} for f in files],
        "results": results,
        "columnKind": "unicodeCodePoints",
        "properties": {"summary": {k: info[k] for k in ("apis", "functions", "rules_run", "findings", "by_severity",
                                                         "fail_on", "failed", "suppressed", "baseline")
                                   if k in info}},
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(result, options) -> str:
    """json.dumps(indent=2)'s text: json's C encoder writes it compact (with indent it runs in Python) and
    msgspec lays it out, copying every scalar's text as written (3x as fast on large reports)."""
    document = sarif_document(result, options)
    if len(result.findings) < 500:  # a small report is written before msgspec would be imported
        return json.dumps(document, indent=2) + "\n"
    from msgspec.json import format as layout
    return layout(json.dumps(document), indent=2) + "\n"

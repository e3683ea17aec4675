"""The JSON report: a versioned document (schema in auditor/schemas/report.schema.json)."""

import json

from auditor.reports.common import TOOL, summary

FORMAT = "json"
EXTENSION = "json"
REPORT_VERSION = 1


def finding_dict(finding) -> dict:
    out = {
        "rule_id": finding.rule_id,
        "rule": finding.rule,
        "severity": finding.severity.label,
        "message": finding.message,
        "resource": finding.resource.as_dict(),
        "location": finding.location.as_dict() if finding.location else None,
        "remediation": finding.remediation,
        "fingerprint": finding.fingerprint,
    }
    if finding.fix is not None:
        out["fix"] = {"action": finding.fix.action, **({"details": finding.fix.details} if finding.fix.details else {})}
    return out


def render(result, options) -> str:
    document = {
        "version": REPORT_VERSION,
        "tool": TOOL,
        "summary": summary(result, options),
        "findings": [finding_dict(f) for f in result.findings],
    }
    if options.show_suppressed:
        baseline = getattr(result, "baseline", None)
        document["suppressed"] = (
            [{**finding_dict(s.finding), "suppression": s.as_dict()} for s in getattr(result, "suppressed", [])]
            + [{**finding_dict(f), "suppression": {"kind": "baseline", "source": f"baseline {baseline.file}",
                                                   "reason": "in baseline"}}
               for f in (baseline.known if baseline is not None else [])])
    return json.dumps(document, indent=2) + "\n"

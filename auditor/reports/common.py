"""What every renderer shares: the summary counts and the options that shape output."""

import re
from dataclasses import dataclass, field

from auditor import __version__
from auditor.core.arns import UNRESOLVED_MARK, is_unresolved
from auditor.findings import Severity

TOOL = {"name": "apigw-auditor", "version": __version__, "information_uri": "https://pypi.org/project/apigw-auditor/"}


@dataclass
class RenderOptions:
    fail_on: Severity | None = Severity.MEDIUM
    color: bool = False
    show_suppressed: bool = False  # list suppressed and baselined findings too
    extra: dict = field(default_factory=dict)


def severity_counts(findings) -> dict[str, int]:
    counts = {s.label: 0 for s in sorted(Severity, reverse=True)}
    for finding in findings:
        counts[finding.severity.label] += 1
    return counts


def failing(findings, fail_on: Severity | None) -> list:
    if fail_on is None:
        return []
    return [f for f in findings if f.severity >= fail_on]


def summary(result, options: RenderOptions) -> dict:
    scopes = result.snapshot.scopes
    return {
        "files": list(result.snapshot.files),
        "scopes": len(scopes),
        "apis": sum(len(s.apis) + len(s.rest_apis) for s in scopes),
        "functions": sum(len(s.functions) for s in scopes),
        "rules_run": len(result.rules),
        "findings": len(result.findings),
        "by_severity": severity_counts(result.findings),
        "fail_on": options.fail_on.label if options.fail_on is not None else "never",
        "failed": bool(failing(result.findings, options.fail_on)),
        "skipped_apis": [{"api_id": a.id, "name": a.name, "protocol_type": a.protocol_type,
                          "reason": "only HTTP APIs are audited"} for a in result.skipped_apis],
        "suppressed": len(getattr(result, "suppressed", None) or []),
        **({"baseline": result.baseline.summary()} if getattr(result, "baseline", None) is not None else {}),
    }


def group_by_api(findings) -> list[tuple[str, list]]:
    """Findings grouped under the API they concern (function-level ones under their function)."""
    groups: dict[str, list] = {}
    for finding in findings:
        r = finding.resource
        if r.api_id:
            key = f"API {r.api_id} ({r.account}/{r.region})"
        elif r.function_arn:
            key = f"Function {r.function_arn}"
        else:
            key = f"Account {r.account}/{r.region}"
        groups.setdefault(key, []).append(finding)
    return list(groups.items())


_UNRESOLVED = re.compile(re.escape(UNRESOLVED_MARK) + r"([^}]{0,300})\}")


def readable(text: str) -> str:
    """Text for people: a value not known before deployment (auditor.core.arns' `${unresolved:parameter StageName}`)
    as the placeholder `<StageName>` (`<A.Arn>` for a GetAtt, `<unresolved Join>` for the rest)."""
    if not is_unresolved(text):
        return text

    def placeholder(match) -> str:
        what = match.group(1)
        kind, _, name = what.partition(" ")
        return f"<{name}>" if kind in ("parameter", "Ref", "GetAtt") and name else f"<unresolved {what}>"
    return _UNRESOLVED.sub(placeholder, text)

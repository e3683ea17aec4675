"""`audit`'s per-finding remediation, from the same edits `fix` plans, so the two never disagree.

Each finding gets the commands of its own edits (values the model decides filled in, statement ids
unique across the report), or, when a person must choose, the question and its candidates. Findings
in templates get their Fix rewritten with the decided values, which auditor.iac.remediation renders.
"""

from auditor.core.analysis import Index
from auditor.findings import Fix
from auditor.fix.derive import Planner
from auditor.fix.edits import Choice


def plan_remediations(result) -> None:
    if not result.findings:
        return
    planner = Planner(result.snapshot, result.index or Index(result.snapshot), {})
    plans = [(finding, planner.derive(finding)) for finding in result.findings]
    for finding, derived in plans:
        undone = _undone_by_other(finding, derived, plans)
        if undone is not None:
            finding.remediation = (f"# keep it: the fix for {undone.rule_id} uses it (`apigw-auditor fix` plans "
                                   "both; the re-audit then clears this finding)")
            continue
        if isinstance(derived, Choice):
            finding.remediation = "\n".join("# " + line for line in derived.describe().splitlines())
            if finding.location is not None and finding.location.input_type != "snapshot":
                # no template syntax renders a choice: auditor.iac.remediation keeps this text
                finding.fix = Fix("choose", {"question": derived.question, "candidates": list(derived.candidates)})
            continue
        if not derived:
            continue
        if finding.location is not None and finding.location.input_type != "snapshot":
            values = getattr(derived[0], "values", None)
            if len(derived) == 1 and values is not None and finding.fix is not None and finding.fix.action == "set":
                finding.fix = Fix("set", dict(values))
            policy = getattr(derived[0], "policy_location", None)
            if policy is not None and finding.fix is not None and finding.fix.action == "add-permission":
                finding.fix = Fix("add-permission", dict(finding.fix.details, PolicyResource=policy.resource))
            continue  # auditor.iac.remediation writes it in the template's syntax
        finding.remediation = " && ".join(command for edit in derived for command in edit.commands())


def _undone_by_other(finding, derived, plans):
    """The finding whose edit relies on what this one's deletion removes (AGW105's route to AGW401's integration,
    AGW304's route to AGW403's authorizer)."""
    if not isinstance(derived, list) or not any(edit.kind in ("delete-integration", "delete-authorizer")
                                                for edit in derived):
        return None
    touched = set().union(*(edit.touches() for edit in derived))
    for other, edits in plans:
        if other is not finding and isinstance(edits, list) and other.severity >= finding.severity and \
                any(edit.touches() & touched for edit in edits):
            return other
    return None

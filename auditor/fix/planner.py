"""The fixed point: apply each finding's fix to a copy of the model, re-audit, repeat.

A round applies at most one edit per touched object, highest severity first, so no two edits of a
round can contradict each other (a route created to an integration and that integration deleted):
the second waits for the re-audit, which usually shows it is no longer needed. The plan is the
edits applied, compacted (one update per object), in the order they were applied.
"""

from dataclasses import dataclass, field

from auditor.core.analysis import Index
from auditor.engine import run_audit
from auditor.fix.derive import Planner
from auditor.fix.document import documents_of, read_documents
from auditor.fix.edits import Choice, CreateRoute, CreateStage, SetIntegration, SetRoute, SetStage

MAX_ROUNDS = 50


@dataclass
class Plan:
    before: list  # findings at the start
    after: list  # findings predicted once the plan has run (re-audit of the fixed model)
    edits: list  # in an order that works
    choices: list[Choice]  # left to a person
    threshold: object
    unfixed: list = field(default_factory=list)  # findings at the threshold whose fix did not clear them
    documents: list = field(default_factory=list)  # the fixed model, as snapshot documents

    def at_threshold(self, findings) -> list:
        if self.threshold is None:
            return []
        return [f for f in findings if f.severity >= self.threshold]


def plan_fixes(snapshot, rules, severity_overrides, threshold, keep=lambda finding: True) -> Plan:
    """keep: whether a finding counts (suppressed ones do not: the user chose to live with them)."""
    documents = documents_of(snapshot)
    current = snapshot
    first = None
    applied: list = []
    choices: dict[str, Choice] = {}
    attempted: set[str] = set()
    unfixed: dict[str, object] = {}
    used_sids: dict = {}
    for _ in range(MAX_ROUNDS):
        index = Index(current)
        findings = [f for f in run_audit(current, rules, severity_overrides, index).findings if keep(f)]
        if first is None:
            first = findings
        targets = [f for f in findings if threshold is not None and f.severity >= threshold]
        if not targets:
            break
        planner = Planner(current, index, used_sids, automatic=True)
        planner.gated = targets
        touched: set = set()
        keys = {edit.key() for edit in applied}
        progress = False
        for finding in sorted(targets, key=lambda f: (-f.severity, f.rule_id, f.sort_key())):
            if finding.fingerprint in attempted:
                unfixed[finding.fingerprint] = finding  # its fix ran and the finding stayed
                continue
            derived = planner.derive(finding)
            if isinstance(derived, Choice):
                choices.setdefault(finding.fingerprint, derived)
                continue
            if not derived:
                continue
            edits = [e for e in derived if e.key() not in keys]
            if not edits:
                continue  # the same change is already made (one permission for three integrations)
            if any(edit.touches() & touched for edit in edits):
                continue  # next round, once the re-audit has seen this round's edits
            for edit in edits:
                touched |= edit.touches()
                keys.add(edit.key())
                edit.apply(documents)
                applied.append(edit)
            attempted.add(finding.fingerprint)
            progress = True
        if not progress:
            break
        current = read_documents(documents)
    else:
        findings = [f for f in run_audit(current, rules, severity_overrides).findings if keep(f)]
    remaining = {f.fingerprint for f in findings}
    return Plan(before=first, after=findings, edits=ordered(compact(applied)),
                choices=[c for fp, c in choices.items() if fp in remaining],
                threshold=threshold, unfixed=[f for fp, f in unfixed.items() if fp in remaining],
                documents=documents)


_PHASES = ("set-trust", "put-resource-policy", "add-permission", "replace-statement", "set-function", "set-integration", "create-integration",
           "set-route", "create-route",
           "create-stage", "set-stage", "set-rest", "create-usage-plan", "create-deployment",
           "delete-integration", "delete-authorizer",
           "remove-permission")


def ordered(edits: list) -> list:
    """Grants first (harmless alone), then integrations, the routes onto them, the stages that serve them;
    removals last, once nothing points at what they remove. Stable: otherwise the order applied."""
    return sorted(edits, key=lambda edit: _PHASES.index(edit.kind))


def compact(edits: list) -> list:
    """One update per object: later values win, a route created then updated is created with them."""
    out: list = []
    for edit in edits:
        merged = False
        for earlier in out:
            if isinstance(edit, SetRoute) and isinstance(earlier, CreateRoute) and not edit.route_id and \
                    (earlier.api_id, earlier.route_key) == (edit.api_id, edit.route_key):
                earlier.target = edit.values.get("Target", earlier.target)
                merged = True
            elif isinstance(edit, SetStage) and isinstance(earlier, CreateStage) and \
                    (earlier.account, earlier.region, earlier.api_id, earlier.stage) == \
                    (edit.account, edit.region, edit.api_id, edit.stage):
                earlier.values.update(edit.values)
                merged = True
            elif type(edit) is type(earlier) and isinstance(edit, (SetRoute, SetIntegration, SetStage)) and \
                    edit.touches() & earlier.touches() and _same_object(edit, earlier):
                earlier.values.update(edit.values)
                if getattr(edit, "caution", ""):
                    earlier.caution = "; ".join(filter(None, (earlier.caution, edit.caution)))
                merged = True
            if merged:
                break
        if not merged:
            out.append(edit)
    return out


def _same_object(a, b) -> bool:
    if isinstance(a, SetRoute):
        same = a.route_id == b.route_id if a.route_id else a.route_key == b.route_key
        return (a.account, a.region, a.api_id) == (b.account, b.region, b.api_id) and same
    if isinstance(a, SetIntegration):
        return (a.account, a.region, a.api_id, a.integration_id) == (b.account, b.region, b.api_id, b.integration_id)
    return (a.account, a.region, a.api_id, a.stage) == (b.account, b.region, b.api_id, b.stage)

"""The rule engine: one registry for built-in and third-party rules, one pass over the snapshot."""

from dataclasses import dataclass, field
from typing import Iterable, Iterator

from auditor.core.analysis import Index
from auditor.errors import UsageError
from auditor.findings import Finding, Fix, Resource, Severity
from auditor.core.model import Location, Snapshot

ENTRY_POINT_GROUP = "apigw_auditor.rules"


class Rule:
    """Base class of every rule: metadata as class attributes, findings from `check`.

    Subclasses set id, name, severity, title, rationale, fix (how to repair, in prose) and
    client_sees (what the caller of the API experiences), and implement check(ctx).
    """

    id: str = ""
    name: str = ""
    severity: Severity = Severity.MEDIUM
    title: str = ""
    rationale: str = ""
    fix: str = ""
    client_sees: str = ""

    def check(self, ctx: "Context") -> Iterable[Finding]:
        raise NotImplementedError

    def finding(self, ctx: "Context", message: str, resource: Resource, location: Location | None,
                remediation: str, fix: Fix | None = None, severity: Severity | None = None) -> Finding:
        chosen = severity if severity is not None else self.severity
        return Finding(self.id, self.name, ctx.severity_for(self.id, chosen), message, resource, location,
                       remediation, fix)


@dataclass
class Context:
    """What a rule sees: the snapshot, the shared lookups, and the severity overrides."""

    snapshot: Snapshot
    index: Index
    severity_overrides: dict[str, Severity] = field(default_factory=dict)
    _http_apis: list | None = field(default=None, init=False, repr=False, compare=False)
    _v2_apis: list | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def rest_apis(self):
        """The REST APIs (API Gateway v1)."""
        return self.index.rest_apis

    def severity_for(self, rule_id: str, default: Severity) -> Severity:
        return self.severity_overrides.get(rule_id, default)

    @property
    def http_apis(self):
        """The HTTP APIs, listed once per audit (a dozen rules ask; a snapshot may hold thousands)."""
        if self._http_apis is None:
            self._http_apis = [api for api in self.index.apis if api.is_http]
        return self._http_apis

    @property
    def v2_apis(self):
        """HTTP and WebSocket APIs: what rules about a concept both types share iterate over."""
        if self._v2_apis is None:
            self._v2_apis = [api for api in self.index.apis if api.is_v2]
        return self._v2_apis

    @property
    def websocket_apis(self):
        return [api for api in self.v2_apis if api.is_websocket]


def builtin_rules() -> list[type[Rule]]:
    from auditor.rules import BUILTIN_RULES
    return list(BUILTIN_RULES)


def plugin_rules() -> list[type[Rule]]:
    """Rules that installed packages declare under the `apigw_auditor.rules` entry-point group.

    An entry point may name a Rule subclass or a list of them.
    """
    if not _may_declare_plugins():
        return []
    from importlib.metadata import entry_points  # 20-40 ms of imports (email parsing): only when auditing
    found = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            loaded = ep.load()
        except Exception as exc:  # a broken plugin must not look like a clean audit
            raise UsageError(f"rule plugin {ep.name!r} ({ep.value}) failed to load: {exc}") from exc
        for rule in loaded if isinstance(loaded, (list, tuple)) else [loaded]:
            if not (isinstance(rule, type) and issubclass(rule, Rule) and rule.id):
                raise UsageError(f"rule plugin {ep.name!r} ({ep.value}) does not provide Rule subclasses with an id")
            found.append(rule)
    return found


def _may_declare_plugins() -> bool:
    """False only when no distribution importlib.metadata would find declares ENTRY_POINT_GROUP: each
    `*.dist-info`/`*.egg-info` folder on sys.path has its entry_points.txt read (what importlib.metadata
    reads too). Importing importlib.metadata costs more instructions than auditing 10,000 routes, and
    almost no installation has a plugin. Anything else on the path (a zip, another finder): True."""
    import importlib.machinery
    import os
    import sys
    if any(hasattr(finder, "find_distributions") and finder is not importlib.machinery.PathFinder
           for finder in sys.meta_path):
        return True
    for entry in sys.path:
        folder = entry or "."
        try:
            if not os.path.isdir(folder):
                if os.path.exists(folder):
                    return True  # a zip or egg file: let importlib.metadata read it
                continue
            with os.scandir(folder) as listing:
                for item in listing:
                    if not item.name.endswith((".dist-info", ".egg-info")):
                        continue
                    try:
                        with open(os.path.join(item.path, "entry_points.txt"), encoding="utf-8",
                                  errors="replace") as handle:
                            if ENTRY_POINT_GROUP in handle.read():
                                return True
                    except (FileNotFoundError, NotADirectoryError):
                        continue
        except OSError:
            return True
    return False


def all_rules() -> list[type[Rule]]:
    rules = builtin_rules() + plugin_rules()
    seen: dict[str, type[Rule]] = {}
    for rule in rules:
        if rule.id in seen and seen[rule.id] is not rule:
            raise UsageError(f"two rules claim id {rule.id}: {seen[rule.id].__module__} and {rule.__module__}")
        seen[rule.id] = rule
    return sorted(seen.values(), key=lambda r: r.id)


def _matches(rule: type[Rule], codes: list[str]) -> bool:
    """ruff-style selection: `AGW2` picks every AGW2xx rule; names work too."""
    return any(rule.id.startswith(code) or rule.name == code for code in codes)


def select_rules(rules: list[type[Rule]], select: list[str] | None, ignore: list[str] | None) -> list[type[Rule]]:
    for code in (select or []) + (ignore or []):
        if not any(_matches(rule, [code]) for rule in rules):
            from auditor.errors import did_you_mean
            raise UsageError(f"unknown rule {code!r}{did_you_mean(code, [r.id for r in rules] + [r.name for r in rules])}"
                             " (see `apigw-auditor rules`)")
    chosen = [r for r in rules if not select or _matches(r, select)]
    return [r for r in chosen if not ignore or not _matches(r, ignore)]


@dataclass
class AuditResult:
    """What an audit found, with what the reporters and `fix` need to explain it."""

    findings: list[Finding]
    rules: list[type[Rule]]
    snapshot: Snapshot
    skipped_apis: list = field(default_factory=list)  # APIs of a type the rules do not judge
    suppressed: list = field(default_factory=list)  # auditor.suppress.Suppressed: tag or per-path ignores
    baseline: object = None  # auditor.suppress.BaselineOutcome when audited against a baseline
    index: Index | None = None  # the whole snapshot's lookups when it was audited as one part (reused by remediation)
    severity: dict = field(default_factory=dict)  # the severity overrides the rules ran with
    audited: list | None = None  # every finding with its remediation, before suppressions (the drawings reuse them)


def run_audit(snapshot: Snapshot, rules: list[type[Rule]], severity_overrides: dict | None = None,
              index: Index | None = None) -> AuditResult:
    """index: the snapshot's lookups when the caller already built them (`explain` does).
    Each independent part (snapshot files together, each template or plan alone) is audited on its
    own lookups, so templates audited in one run give exactly the union of their findings."""
    findings: list[Finding] = []
    skipped = []
    parts = [snapshot] if index is not None else snapshot.stacks()
    for part in parts:
        ctx = Context(part, index or Index(part), severity_overrides or {})
        for rule_class in rules:
            findings.extend(_checked(rule_class(), ctx))
        skipped += [api for api in ctx.index.apis if not api.is_v2]
    findings.sort(key=Finding.sort_key)
    whole = ctx.index if len(parts) == 1 and parts[0] is snapshot else None
    return AuditResult(findings, rules, snapshot, skipped, index=whole, severity=dict(severity_overrides or {}))


def _checked(rule: Rule, ctx: Context) -> Iterator[Finding]:
    for finding in rule.check(ctx) or ():
        if not isinstance(finding, Finding):
            raise UsageError(f"rule {rule.id} yielded {type(finding).__name__}, not a Finding")
        yield finding

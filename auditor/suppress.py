"""Suppressions (resource tags, per-path ignores) and baselines, applied after the rules run.

Tag convention, on an API, a function, or (from IaC inputs) a route, integration, stage or
authorizer:

    apigw-auditor:ignore = AGW301,AGW304      rule ids, prefixes or names; `,` or spaces between
    apigw-auditor:reason = Public read-only catalogue, reviewed 2026-03 (SEC-123)

An API's tag covers findings on that API and its routes, integrations, stages and authorizers; a
route's (integration's, stage's, authorizer's) tag covers findings on that object; a function's
tag covers findings that name the function (its permissions, and integrations that call it).

A suppression without a reason is not honoured: the findings it names stay reported, and it is
itself reported as an AGW000 finding (an input the audit could not apply), so it gates CI like
any other medium finding and cannot silently hide problems.
"""

import json
import re
from collections import Counter
from dataclasses import dataclass, field

from auditor import __version__
from auditor.errors import InputError
from auditor.files import read_json
from auditor.findings import Finding, Fix, Resource, Severity
from auditor.output import write_text

IGNORE_TAG = "apigw-auditor:ignore"
REASON_TAG = "apigw-auditor:reason"
BASELINE_VERSION = 1
_SEPARATORS = re.compile(r"[,\s+/]+")
META_RULE = ("AGW000", "audit-incomplete")


@dataclass
class Suppressed:
    """A finding kept out of the verdict, and what kept it out (tag, path ignore, baseline)."""

    finding: Finding
    kind: str  # "tag", "path" or "baseline"
    source: str  # what suppressed it, for people: "tag on API abc123def4"
    reason: str

    def as_dict(self) -> dict:
        return {"kind": self.kind, "source": self.source, "reason": self.reason}


@dataclass
class Directive:
    """One `apigw-auditor:ignore` tag and the findings it may cover."""

    owner: str
    codes: list[str]
    reason: str
    covers: object  # Resource -> bool

    def suppresses(self, finding: Finding) -> bool:
        return self.covers(finding.resource) and any(
            finding.rule_id.startswith(code) or finding.rule == code for code in self.codes)


@dataclass
class BaselineOutcome:
    """How the findings compare with a baseline: known, gone, new."""

    file: str
    known: list[Finding] = field(default_factory=list)  # findings in the baseline, not reported
    gone: list[dict] = field(default_factory=list)  # baseline entries no finding matches any more
    not_checked: int = 0  # entries of rules that did not run this time

    def summary(self) -> dict:
        return {"file": self.file, "known": len(self.known), "not_checked": self.not_checked,
                "gone": [{k: e[k] for k in ("fingerprint", "rule_id", "message", "resource") if k in e}
                         for e in self.gone]}


# Objects inside an API that may carry their own tag: (model list, label, Resource field, model attribute).
_CHILDREN = (("routes", "route `{}`", "route_key", "key"), ("integrations", "integration {}", "integration_id", "id"),
             ("stages", "stage {}", "stage", "name"), ("authorizers", "authorizer {}", "authorizer_id", "id"))


def _tags(tags) -> dict:
    """Tags as a dict, from AWS's map or CloudFormation's [{Key, Value}] list."""
    if isinstance(tags, list):
        return {t.get("Key"): t.get("Value") for t in tags if isinstance(t, dict)}
    return tags if isinstance(tags, dict) else {}


def _codes(value) -> list[str]:
    if isinstance(value, list):
        value = ",".join(str(v) for v in value)
    return [c for c in _SEPARATORS.split(str(value or "")) if c]


def _same_api(api, resource: Resource) -> bool:
    return (resource.api_id == api.id and resource.account in (None, api.scope.account)
            and resource.region in (None, api.scope.region))


def _names_function(function, resource: Resource) -> bool:
    arn = resource.function_arn
    return bool(arn) and (arn == function.arn or arn.startswith(function.arn + ":"))


def _tagged_objects(snapshot):
    """(owner label, tags, covers(resource), resource of the tagged object, location) of each object
    carrying an `apigw-auditor:ignore` tag (checked first: most objects carry none)."""
    from auditor.rules.common import api_resource, function_resource

    for scope in snapshot.scopes:
        for api in scope.apis:
            if IGNORE_TAG in (api.tags or {}):
                yield (f"API {api.id}", api.tags, lambda r, a=api: _same_api(a, r), api_resource(api), api.location)
            for collection, label, key, identity in _CHILDREN:
                for child in [c for c in getattr(api, collection) if c.tags]:  # most carry none
                    if IGNORE_TAG in (tags := _tags(child.tags)):
                        value = getattr(child, identity)
                        yield (f"{label.format(value)} of API {api.id}", tags,
                               lambda r, a=api, f=key, v=value: _same_api(a, r) and getattr(r, f) == v,
                               api_resource(api, **{key: value}), child.location)
        for api in scope.rest_apis:  # REST APIs: the API's and its stages' AWS tags, a method's Tags (extension)
            if IGNORE_TAG in (tags := _tags(api.tags)):
                yield (f"REST API {api.id}", tags, lambda r, a=api: _same_api(a, r), api_resource(api), api.location)
            for stage in [s for s in api.stages if s.tags]:
                if IGNORE_TAG in (tags := _tags(stage.tags)):
                    yield (f"stage {stage.name} of REST API {api.id}", tags,
                           lambda r, a=api, v=stage.name: _same_api(a, r) and r.stage == v,
                           api_resource(api, stage=stage.name), stage.location)
            for method in [m for m in api.methods if m.tags]:
                if IGNORE_TAG in (tags := _tags(method.tags)):
                    yield (f"method {method.key} of REST API {api.id}", tags,
                           lambda r, a=api, v=method.key: _same_api(a, r) and r.route_key == v,
                           api_resource(api, route_key=method.key), method.location)
        for function in scope.functions:
            if IGNORE_TAG in (function.tags or {}):
                yield (f"function {function.name}", function.tags, lambda r, f=function: _names_function(f, r),
                       function_resource(function), function.location)


def _tag_command(resource: Resource, location=None, reason: str = "<why this is accepted>") -> str:
    input_type = getattr(location, "input_type", "snapshot")
    if input_type not in ("snapshot", "live"):
        where = f"{location.file}:{location.line}" if location.line is not None else location.file
        what = f" of {location.resource}" if location.resource else ""
        if input_type == "terraform":
            return f"# {where}: add the tag `{REASON_TAG}` = \"{reason}\" beside `{IGNORE_TAG}` in the tags{what}"
        return f"# {where}: add `reason: {reason}` under Metadata.apigw-auditor{what}"
    tags = f"{REASON_TAG}={reason}"
    if resource.function_arn and not resource.api_id:
        return f"aws lambda tag-resource --resource {resource.function_arn} --tags '{tags}' --region {resource.region}"
    if resource.api_id and not (resource.route_key or resource.integration_id or resource.stage or resource.authorizer_id):
        arn = f"arn:aws:apigateway:{resource.region}::/apis/{resource.api_id}"
        return f"aws apigatewayv2 tag-resource --resource-arn {arn} --tags '{tags}' --region {resource.region}"
    if resource.stage:
        arn = f"arn:aws:apigateway:{resource.region}::/apis/{resource.api_id}/stages/{resource.stage}"
        return f"aws apigatewayv2 tag-resource --resource-arn '{arn}' --tags '{tags}' --region {resource.region}"
    return f"# add `{REASON_TAG}: <why>` beside `{IGNORE_TAG}` in the template (Metadata or tags)"


def collect_directives(snapshot, rule_codes: list[tuple[str, str]], meta_severity: Severity):
    """The honoured tag directives, and AGW000 findings for the ones that cannot be honoured."""
    directives: list[Directive] = []
    problems: list[Finding] = []

    def problem(message, resource, location, remediation):
        resource = Resource(**resource.as_dict())
        resource.statement_id = f"tag:{IGNORE_TAG}"
        problems.append(Finding(META_RULE[0], META_RULE[1], meta_severity, message, resource, location, remediation,
                                Fix("set", {"Tags": {REASON_TAG: "<why this is accepted>"}})))

    for owner, tags, covers, resource, location in _tagged_objects(snapshot):
        codes = _codes(tags.get(IGNORE_TAG))
        reason = str(tags.get(REASON_TAG) or "").strip()
        if not codes:
            continue
        if not reason:
            problem(f"The `{IGNORE_TAG}` tag on {owner} ({', '.join(codes)}) has no `{REASON_TAG}` tag: "
                           "a suppression must say why, so it is not applied.", resource, location,
                    _tag_command(resource, location))
            continue
        unknown = [c for c in codes if not any(rid.startswith(c) or name == c for rid, name in rule_codes)]
        if unknown:
            problem(f"The `{IGNORE_TAG}` tag on {owner} names unknown rule(s) {', '.join(unknown)}; "
                           "see `apigw-auditor rules`.", resource, location,
                    f"# fix the rule ids in the `{IGNORE_TAG}` tag on {owner}")
        known = [c for c in codes if c not in unknown]
        if known:
            directives.append(Directive(owner, known, reason, covers))
    return directives, problems


def apply_suppressions(result, settings, baseline_file: str | None = None) -> None:
    """Move suppressed (and baselined) findings out of result.findings; AGW000 for bad tags."""
    meta_selected = any(rule.id == META_RULE[0] for rule in settings.rules)
    rule_codes = [(rule.id, rule.name) for rule in settings.available]
    directives, problems = collect_directives(
        result.snapshot, rule_codes, settings.severity.get(META_RULE[0], Severity.MEDIUM))
    findings = list(result.findings) + (problems if meta_selected else [])
    active, suppressed = [], []
    for finding in findings:
        directive = next((d for d in directives if d.suppresses(finding)), None)
        if directive is not None:
            suppressed.append(Suppressed(finding, "tag", f"tag on {directive.owner}", directive.reason))
            continue
        matched = settings.path_ignores(finding.location.file if finding.location else None)
        if matched and any(finding.rule_id.startswith(c) or finding.rule == c for c in matched[1]):
            suppressed.append(Suppressed(finding, "path", f"per-path-ignores {matched[0]!r}",
                                         f"per-path-ignores in {settings.config.file}"))
            continue
        active.append(finding)
    if baseline_file is not None:
        baseline = load_baseline(baseline_file)
        ran = {rule.id for rule in settings.rules}
        outcome = BaselineOutcome(baseline_file)
        remaining = Counter(e["fingerprint"] for e in baseline)
        new = []
        for finding in active:
            if remaining[finding.fingerprint] > 0:
                remaining[finding.fingerprint] -= 1
                outcome.known.append(finding)
            else:
                new.append(finding)
        for s in suppressed:  # still present, only suppressed: its entry is not gone
            if remaining[s.finding.fingerprint] > 0:
                remaining[s.finding.fingerprint] -= 1
        for entry in baseline:
            if remaining[entry["fingerprint"]] > 0:
                remaining[entry["fingerprint"]] -= 1
                if entry["rule_id"] in ran:
                    outcome.gone.append(entry)
                else:
                    outcome.not_checked += 1
        active = new
        result.baseline = outcome
    active.sort(key=Finding.sort_key)
    result.findings = active
    result.suppressed = suppressed


# --- baselines -------------------------------------------------------------------------------

def baseline_document(findings: list[Finding]) -> dict:
    entries = [{"fingerprint": f.fingerprint, "rule_id": f.rule_id, "severity": f.severity.label,
                "message": f.message, "resource": f.resource.as_dict()} for f in findings]
    entries.sort(key=lambda e: (e["fingerprint"], e["message"]))
    return {"version": BASELINE_VERSION, "tool": {"name": "apigw-auditor", "version": __version__},
            "findings": entries}


def write_baseline(findings: list[Finding], path: str) -> None:
    write_text(json.dumps(baseline_document(findings), indent=2) + "\n", path)


def load_baseline(path: str) -> list[dict]:
    document = read_json(path, "baseline file", " (create one with `apigw-auditor baseline create`)")
    if not isinstance(document, dict) or "findings" not in document or "version" not in document:
        raise InputError("not an apigw-auditor baseline (expected an object with `version` and `findings`)",
                         file=path, path="$")
    if document["version"] != BASELINE_VERSION:
        raise InputError(f"unsupported baseline version {document['version']!r}; this tool reads version "
                         f"{BASELINE_VERSION}", file=path, path="$.version")
    entries = document["findings"]
    if not isinstance(entries, list):
        raise InputError("expected a list", file=path, path="$.findings")
    for index, entry in enumerate(entries):
        where = f"$.findings[{index}]"
        if not isinstance(entry, dict):
            raise InputError("expected an object", file=path, path=where)
        for key in ("fingerprint", "rule_id"):
            if not isinstance(entry.get(key), str) or not entry[key]:
                raise InputError(f"required string `{key}` is missing", file=path, path=f"{where}.{key}")
        if not re.fullmatch(r"[0-9a-f]{16}", entry["fingerprint"]):
            raise InputError("a fingerprint is 16 lower-case hex digits", file=path, path=f"{where}.fingerprint")
    return entries

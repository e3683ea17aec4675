"""The request simulator behind `apigw-auditor explain` and `apigw-auditor routes`.

It follows a request the way API Gateway does (stage, route, authorization, target, integration,
function, resource policy) and asks the semantic core at every step: routekey for route choice,
arns for ARNs, analysis for targets, permission classification and coverage, policy/arnlike for
each statement. When the request fails, the rule that explains it is taken from the rule
engine's own findings on the same snapshot, with the remediation that rule wrote, so `explain`
and `audit` cannot tell two different stories.
"""

from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlsplit

from auditor.core import rest
from auditor.core.analysis import Index, cover, throttling_limits
from auditor.core.arnlike import glob_match
from auditor.core.arns import (execute_api_arn, invoke_host, is_unresolved, parse_function_uri, parse_invoke_host,
                               parse_lambda_arn)
from auditor.engine import all_rules, run_audit
from auditor.errors import UsageError
from auditor.core.policy import source_matches
from auditor.core.routekey import (CONCRETE_METHODS, RouteTree, choose_route, match_route, route_rank,
                                   parse_route_key, route_key_problem)

DOCUMENT_VERSION = 1
NOT_FOUND = '404 {"message":"Not Found"}'
SERVER_ERROR = '500 {"message":"Internal Server Error"}'
TOO_MANY = '429 {"message":"Too Many Requests"}'


# --------------------------------------------------------------------------- input

@dataclass(slots=True)
class Request:
    """The request `explain` follows: what a client sends, and to which API and stage."""

    method: str
    path: str  # as sent, after the host: may start with a stage name
    api_id: str | None = None
    region: str | None = None
    stage: str | None = None  # --stage: the path is then relative to that stage
    url: str | None = None
    query: str = ""
    headers: dict | None = None  # --header NAME:VALUE; None: the caller did not say which headers it sends
    domain: str | None = None  # a custom domain's host (core.domains): api_id/stage/path come from its mapping
    mapping: dict | None = None  # what through_domain found: domain, mapping key, path as sent


def parse_invoke_url(url: str) -> tuple[str, str, str, str]:
    """(api id, region, path, query) of `https://<api>.execute-api.<region>.amazonaws.com/<path>`."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UsageError(f"not an invoke URL: {url!r} (expected https://<api-id>.execute-api.<region>.amazonaws.com/...)")
    # urlsplit's hostname is lowercased; the id keeps the case given (a template's API id is its logical id).
    host = parse_invoke_host(parts.netloc.rpartition("@")[2].partition(":")[0] or parts.hostname)
    if host is None:
        raise UsageError(f"{parts.hostname!r} is not an execute-api host (https://<api-id>.execute-api.<region>."
                         "<the region's DNS suffix: amazonaws.com, amazonaws.com.cn, amazonaws.eu...>); for a custom "
                         "domain give --api ID and the path")
    return host[0], host[1], parts.path or "/", parts.query


_KINDS = {"HTTP": "HTTP or REST", "WEBSOCKET": "WebSocket", None: "HTTP, REST or WebSocket"}
_TYPE_NAMES = {"HTTP": "HTTP", "REST": "REST", "WEBSOCKET": "WebSocket"}


def _of_kind(api, protocol: str | None) -> bool:
    """METHOD PATH requests go to HTTP and REST APIs; `$connect` and messages to WebSocket APIs."""
    if protocol is None:
        return api.is_v2 or api.is_rest
    if protocol == "HTTP":
        return api.is_http or api.is_rest
    return api.protocol_type == protocol


def select_api(index: Index, api_id: str | None, region: str | None = None, protocol: str | None = "HTTP"):
    """The API a request is for (protocol: HTTP for HTTP and REST APIs, WEBSOCKET, or None for any); a
    UsageError names the candidates when that is unclear."""
    apis = index.apis + index.rest_apis if index.rest_apis else index.apis
    if not apis:
        raise UsageError("the input holds no API")

    def name(api):
        return f"{api.id} ({api.name + ', ' if api.name else ''}{api.scope.account}/{api.scope.region})"

    kind = _KINDS[protocol]
    if api_id is None:
        http = [api for api in apis if _of_kind(api, protocol)]
        if len(http) == 1:
            return http[0]
        if http:  # name the kind the candidates are
            kinds = {api.protocol_type for api in http}
            kind = _TYPE_NAMES.get(kinds.pop(), kind) if len(kinds) == 1 else kind
        if not http:
            hint = ("; explain a WebSocket API's handshake with `$connect`, a message with --message JSON"
                    if protocol == "HTTP" and any(a.is_websocket for a in apis) else "")
            raise UsageError(f"the input holds no {kind} API (only " + ", ".join(name(a) for a in apis) + ")" + hint)
        raise UsageError(f"the input holds several {kind} APIs; choose one with --api ID (or --url): "
                         + ", ".join(name(a) for a in http))
    found = list(index.apis_with_id(api_id))
    if not found:  # host names are case-insensitive: `myapi.execute-api...` may name template API MyApi
        found = [api for api in apis if api.id.lower() == api_id.lower()]
    if region is not None:
        in_region = [api for api in found if api.scope.region == region]
        if found and not in_region:
            raise UsageError(f"API {api_id} is not in region {region} in the input; it is in "
                             + ", ".join(a.scope.region for a in found))
        found = in_region
    if not found:
        raise UsageError(f"unknown API id {api_id!r}; the input holds " + ", ".join(name(a) for a in apis))
    if len(found) > 1:
        raise UsageError(f"API id {api_id} appears in several scopes: " + ", ".join(name(a) for a in found)
                         + "; give the invoke URL (--url) to pick the region")
    api = found[0]
    if not (api.is_v2 or api.is_rest):
        raise UsageError(f"API {api.id} is a {api.protocol_type} API; explain and routes simulate HTTP, REST and "
                         "WebSocket APIs only")
    if protocol == "HTTP" and api.is_websocket:
        raise UsageError(f"API {api.id} is a WebSocket API: explain its handshake with `$connect` or a message "
                         "with --message JSON")
    if protocol == "WEBSOCKET" and not api.is_websocket:
        raise UsageError(f"API {api.id} is a {api.protocol_type} API: explain a request with METHOD PATH")
    return api


def _split(path: str) -> list[str]:
    return path[1:].split("/") if path not in ("", "/") else []


# --------------------------------------------------------------------------- findings lookup

class Findings:
    """The rule engine's findings on the snapshot, looked up by the object a step failed on."""

    def __init__(self, snapshot, index: Index, rules=None, severity: dict | None = None, audited: list | None = None):
        """audited: these findings, when an audit of the same snapshot, rules and severities already made them."""
        if audited is None:
            result = run_audit(snapshot, rules if rules is not None else all_rules(), severity, index=index)
            from auditor.iac.remediation import apply_iac_remediations
            apply_iac_remediations(result)  # the fix `audit` prints (the plan's edits; a template's own syntax)
            audited = result.findings
        self.all = audited
        self._by_api: dict[tuple, list] = {}
        self._by_object: dict[tuple, tuple[dict, dict]] = {}
        for finding in self.all:
            r = finding.resource
            self._by_api.setdefault((r.account, r.region, r.api_id), []).append(finding)

    def _of(self, api) -> list:
        return self._by_api.get((api.scope.account, api.scope.region, api.id), [])

    def of_api(self, api) -> list:
        """Every finding on the API, on the API itself or any of its parts."""
        return self._of(api)

    def find(self, rule_id: str, api, route=None, integration=None, authorizer=None, function_arn=None, stage=None):
        """function_arn, stage: when an integration invokes another function per stage (stage variables),
        the finding about the function this stage invokes."""
        for finding in self._of(api):
            r = finding.resource
            if finding.rule_id != rule_id:
                continue
            if function_arn is not None and r.function_arn not in (None, function_arn):
                continue
            if stage is not None and r.stage not in (None, stage):
                continue
            if route is not None and r.route_key != route.key:
                continue
            if integration is not None and r.integration_id != integration.id:
                continue
            if authorizer is not None and r.authorizer_id != authorizer.id:
                continue
            if route is None and integration is None and authorizer is None and (r.route_key or r.integration_id):
                continue
            return finding
        return None

    def about(self, api, route=None, integration=None) -> list:
        """Every finding on this route, or on its integration as a whole (for `routes`)."""
        key = (api.scope.account, api.scope.region, api.id)
        if key not in self._by_object:
            by_route, by_integration = {}, {}
            for finding in self._of(api):
                r = finding.resource
                if r.route_key:
                    by_route.setdefault(r.route_key, []).append(finding)
                elif r.integration_id:
                    by_integration.setdefault(r.integration_id, []).append(finding)
            self._by_object[key] = (by_route, by_integration)
        by_route, by_integration = self._by_object[key]
        return ((by_route.get(route.key, []) if route is not None else [])
                + (by_integration.get(integration.id, []) if integration is not None else []))


# --------------------------------------------------------------------------- route priority

def _rank_reason(winner, loser) -> str:
    """Why a matching route lost to the chosen one, read off the ranks routekey computed."""
    w, l = winner.rank, loser.rank
    kinds = {0: "a full match", 1: "a greedy match", 2: "the `$default` route"}
    if w[0] != l[0]:
        return f"{kinds[w[0]]} beats {kinds[l[0]]}"
    if w[0] == 0:
        for position, (a, b) in enumerate(zip(w[1], l[1])):
            if a != b:
                return (f"at segment {position + 1} the literal `{winner.route_key.segments[position]}` beats "
                        f"`{loser.route_key.segments[position]}`")
        if w[2] != l[2]:
            return f"the specific method {winner.route_key.method} beats ANY"
    elif w[0] == 1:
        if w[1] != l[1]:
            return f"`{winner.route_key.path}` has the longer prefix before its greedy variable"
        for position, (a, b) in enumerate(zip(w[2], l[2])):
            if a != b:
                return (f"at segment {position + 1} the literal `{winner.route_key.segments[position]}` beats "
                        f"`{loser.route_key.segments[position]}`")
        if w[3] != l[3]:
            return f"the specific method {winner.route_key.method} beats ANY"
    return "equal priority; API Gateway rejects duplicate route keys"


static_rank = route_rank  # a route's place in the routing table: the rank any request it matches gives it


# --------------------------------------------------------------------------- policy detail

_OPERATOR_NAMES = {"arn": "ArnLike", "like": "StringLike", "equals": "StringEquals"}


def _parts(pattern: str, arn: str, op: str = "arn") -> dict:
    """The comparison of one SourceArn value with the request's ARN: ArnLike part by part, as arnlike
    does it; StringLike and StringEquals over the whole string, as policy.source_matches does."""
    out = {"pattern": pattern, "arn": arn, "operator": _OPERATOR_NAMES[op],
           "match": source_matches(op, pattern, arn), "parts": []}
    if op != "arn":
        if not out["match"]:
            out["why"] = f"`{arn}` does not match `{pattern}` ({_OPERATOR_NAMES[op]}, the whole string)"
        return out
    p_parts, a_parts = pattern.split(":"), arn.split(":")
    names = ["arn", "partition", "service", "region", "account", "resource"]
    if len(p_parts) != len(a_parts):
        out["why"] = f"the pattern has {len(p_parts)} colon-separated parts, the ARN {len(a_parts)}"
        return out
    for index, (p, a) in enumerate(zip(p_parts, a_parts)):
        label = names[index] if index < len(names) else f"part {index + 1}"
        out["parts"].append({"part": label, "pattern": p, "value": a, "match": glob_match(p, a)})
    failed = [part for part in out["parts"] if not part["match"]]
    if failed:
        first = failed[0]
        out["why"] = f"{first['part']} `{first['value']}` does not match `{first['pattern']}`"
    return out


def statement_detail(statement, function_arn: str, source_arns: list[str], account: str) -> dict:
    """Why one statement does or does not let API Gateway invoke `function_arn` from these ARNs."""
    checks = []
    principal_ok = statement.for_apigateway
    checks.append({"check": "principal", "ok": principal_ok,
                   "detail": (f"NotPrincipal: every principal except {', '.join(statement.not_principals)}"
                              if statement.not_principals is not None else "public (*)") if statement.public or
                   statement.not_principals is not None else
                   ("apigateway.amazonaws.com" if principal_ok else
                    f"service(s) {', '.join(statement.services) or 'none'}, not apigateway.amazonaws.com")})
    checks.append({"check": "action", "ok": statement.grants_invoke,
                   "detail": ("NotAction: every action but " if statement.not_action else "")
                   + (", ".join(statement.actions) or "none")})
    applies = statement.applies_to(function_arn)
    checks.append({"check": "resource", "ok": applies,
                   "detail": ("NotResource: every resource but " if statement.not_resource else "")
                   + ", ".join(statement.resources) + ("" if applies else f" (not `{function_arn}`)")})
    comparisons = []
    if statement.source_arns is None:
        checks.append({"check": "source-arn", "ok": True, "detail": "no AWS:SourceArn condition (any API may call)"})
    else:
        comparisons = [_parts(pattern, arn, op) for arn in source_arns for op, pattern in statement.source_patterns]
        clauses = statement.source_arn_clauses or (tuple(statement.source_patterns),)
        checks.append({"check": "source-arn", "ok": any(statement.source_arn_matches(arn) for arn in source_arns),
                       "detail": " and ".join(", ".join(f"{_OPERATOR_NAMES[op]} {pattern}" for op, pattern in clause)
                                              for clause in clauses)})
    if statement.not_source_arns:
        excluded = [arn for arn in source_arns
                    if any(source_matches(op, value, arn) for op, value in statement.not_source_arns)]
        checks.append({"check": "source-arn-exclusion", "ok": not excluded,
                       "detail": "not " + ", ".join(f"{_OPERATOR_NAMES[op]} {value}"
                                                    for op, value in statement.not_source_arns)})
    if statement.source_accounts is not None or statement.not_source_accounts:
        checks.append({"check": "source-account", "ok": statement.account_allows(account),
                       "detail": f"AWS:SourceAccount {', '.join(statement.source_accounts or ())}"
                                 + (f" not {', '.join(statement.not_source_accounts)}"
                                    if statement.not_source_accounts else "")})
    if statement.condition_notes:  # conditions on keys of API Gateway's own call (policy.CALL_CONTEXT)
        checks.append({"check": "conditions", "ok": not statement.excludes_apigateway,
                       "detail": "; ".join(statement.condition_notes)})
    if statement.other_conditions:
        checks.append({"check": "unmodelled-conditions", "ok": statement.is_allow,
                       "detail": f"{', '.join(statement.other_conditions)}: not modelled; probably "
                                 + ("met (counted as met on an Allow)" if statement.is_allow
                                    else "unmet (a Deny counted as not applying)")})
    if statement.url_only:
        checks.append({"check": "function-url-only", "ok": False,
                       "detail": "lambda:InvokedViaFunctionUrl=true: only function-URL calls, never API Gateway"})
    matches = [arn for arn in source_arns if statement.allows(function_arn, arn, account)]
    if not matches:
        verdict = "does not apply"
    elif statement.is_allow:
        verdict = "allows" if len(matches) == len(source_arns) else "allows some forms"
    else:
        verdict = "denies"
    return {"sid": statement.sid, "effect": statement.effect, "verdict": verdict, "matches": matches,
            "checks": checks, "source_arn_comparisons": comparisons}


# --------------------------------------------------------------------------- the simulation

@dataclass
class Verdict:
    """What the client gets, in one line, and how certain the simulation is of it."""

    reaches: bool
    outcome: str  # reaches-function, reaches-backend, fails, unknown
    summary: str
    status: int | None = None
    statuses: list[int] = field(default_factory=list)
    certain: bool = True
    rule_id: str | None = None
    finding: str | None = None
    fix: str | None = None
    conditions: list[str] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)
    event: dict | None = None

    def as_dict(self) -> dict:
        out = {"reaches": self.reaches, "outcome": self.outcome, "status": self.status,
               "statuses": self.statuses or ([self.status] if self.status else []), "certain": self.certain,
               "summary": self.summary, "rule_id": self.rule_id, "finding": self.finding, "fix": self.fix,
               "conditions": self.conditions, "warnings": self.warnings}
        if self.event is not None:
            out["event"] = self.event
        return out


class _Stop(Exception):
    def __init__(self, verdict: Verdict):
        self.verdict = verdict


@dataclass
class Explanation:
    """Every step of a simulated request, and its verdict, as `explain` prints them."""

    request: dict
    steps: dict
    verdict: Verdict

    def as_dict(self) -> dict:
        return {"version": DOCUMENT_VERSION, "request": self.request, "steps": self.steps,
                "verdict": self.verdict.as_dict()}


def _shown_values(detail: dict) -> dict:
    """A statement's detail with core/rest.py's stand-in for a path parameter's value written `<value>`."""
    for comparison in detail["source_arn_comparisons"]:
        comparison["arn"] = comparison["arn"].replace(rest.PARAMETER_VALUE, "<value>")
        if "why" in comparison:
            comparison["why"] = comparison["why"].replace(rest.PARAMETER_VALUE, "<value>")
        for part in comparison["parts"]:
            part["value"] = part["value"].replace(rest.PARAMETER_VALUE, "<value>")
    detail["matches"] = [m.replace(rest.PARAMETER_VALUE, "<value>") for m in detail["matches"]]
    return detail


class _RestSimulation:
    """The REST API (v1) steps of `explain`: stage, resource and method selection, resource policy, API key,
    authorizer, integration, permission; each failure answered with its documented gateway response
    (core/rest.py's DEFAULT_RESPONSES) or the API's own override."""

    def _rest_fail(self, api, response_type: str, why: str, rule_id=None, finding=None, certain=True,
                   probably: bool = False) -> _Stop:
        status, body, note = rest.response_for(api, response_type)
        summary = f"{'probably ' if probably else ''}{status} {body}: {why}"
        stop = self._fail(summary, rule_id if finding is not None else None, finding, status,
                          certain=certain and not probably)
        if note:
            stop.verdict.conditions.append(note)
        stop.verdict.conditions.insert(0, f"gateway response type {response_type}")
        return stop

    def _explain_rest(self, api, request, method: str, path: str, described: dict) -> Explanation:
        steps: dict = {}
        try:
            conditions = self._rest_endpoint(api, request, steps)
            stage, stage_path = self._rest_stage(api, request.stage, path, steps)
            resource, chosen, params = self._rest_method(api, stage, method, stage_path, steps)
            self._rest_throttling(api, stage, chosen, steps)
            conditions += self._rest_policy(api, stage, chosen, method, stage_path, steps)
            conditions += self._rest_api_key(api, stage, chosen, steps)
            conditions += self._rest_authorization(api, chosen, steps)
            verdict = self._rest_integration(api, stage, chosen, method, stage_path, params, steps)
            verdict.conditions = conditions + verdict.conditions
        except _Stop as stop:
            verdict = stop.verdict
        return Explanation(described, steps, verdict)

    def _rest_endpoint(self, api, request, steps: dict) -> list[str]:
        disabled = api.disable_execute_api_endpoint
        if disabled is not True:
            return []
        host = invoke_host(api.id, api.scope.region)
        steps["endpoint"] = {"default_host": host, "default_endpoint_disabled": True}
        if request.url:
            raise self._fail(f'403 {{"message":"Forbidden"}}: REST API {api.id} has disableExecuteApiEndpoint set, so '
                             f"its default hostname {host} refuses every request; only a custom domain reaches it",
                             None, None, 403)
        return [f"the request comes through a custom domain mapped to API {api.id} (its default endpoint {host} "
                "is disabled: 403 there)"]

    def _rest_stage(self, api, explicit, path: str, steps: dict):
        if not api.has_stages:
            steps["stage"] = {"name": None, "reason": "the input does not list this API's stages"}
            raise self._unknown(f"cannot tell which stage serves the request: the input holds no stage list for "
                                f"REST API {api.id}")
        stages = {stage.name: stage for stage in api.stages}
        if explicit is not None:
            stage, stage_path, reason = stages.get(explicit), path, f"--stage {explicit}"
            missing = explicit
        else:
            segments = _split(path)
            first = segments[0] if segments else None
            stage, stage_path = stages.get(first), "/" + "/".join(segments[1:])
            reason, missing = f"the first path segment `{first}` names stage {first}", first
        if stage is None:
            named = f"API {api.id} has no stage `{missing}`" if missing else "the path names no stage"
            steps["stage"] = {"name": None, "reason": named, "stages": sorted(stages)}
            raise self._rest_fail(api, "MISSING_AUTHENTICATION_TOKEN", f"{named} (stages: "
                                  f"{', '.join(sorted(stages)) or 'none'}); a REST API's invoke URL starts with the "
                                  "stage name", probably=True)
        deployment = rest.deployment_of(api, stage)
        steps["stage"] = {"name": stage.name, "reason": reason, "serves": stage.serves,
                          "deployment": f"serves deployment {stage.deployment_id}" if stage.deployment_id else
                          "has no deployment", "path_in_stage": stage_path}
        if not stage.serves:
            raise self._rest_fail(api, "MISSING_AUTHENTICATION_TOKEN", f"stage {stage.name} has no deployment, so "
                                  "it serves nothing", probably=True)
        if deployment is not None and rest.deployed_methods(deployment) is not None:
            steps["stage"]["deployed_methods"] = len(rest.deployed_methods(deployment))
        return stage, stage_path

    def _rest_method(self, api, stage, method: str, path: str, steps: dict):
        if not api.has_resources:
            steps["route"] = {"chosen": None, "candidates": [], "reason": "the input does not list the resources"}
            raise self._unknown(f"cannot tell which method matches: the input holds no resources of API {api.id}")
        found = rest.Tree(api).match(path)
        step = {"path": path, "chosen": None, "candidates": [], "resource": None}
        steps["route"] = step
        if found is None:
            step["reason"] = "no resource matches the path (literal segments before {param}, {param} before {proxy+})"
            raise self._rest_fail(api, "MISSING_AUTHENTICATION_TOKEN", f"no resource of REST API {api.id} matches "
                                  f"{path}")
        resource, params = found
        step["resource"] = resource.path
        step["resources"] = [{"path": r.path, "won": r is resource,
                              "reason": "the most specific match" if r is resource else rest.why_not_chosen(resource, r)}
                             for r in api.resources if rest.resource_matches(r, path)]
        verbs = sorted(resource.resource_methods or {})
        chosen = rest.select_method(resource, method)
        for verb in verbs:
            won = chosen is not None and verb == chosen.verb
            reason = ("the request's method" if verb == method else "ANY takes a method the resource does not have"
                      if verb == rest.ANY else f"not {method}")
            step["candidates"].append({"route_key": f"{verb} {resource.path}", "matched": won or verb in (method, rest.ANY),
                                       "won": won, "priority": 1 if won else None, "reason": reason})
        if chosen is None:
            # whether API Gateway then tries a greedy {proxy+} resource that has the method is not documented
            greedy = [r.path for r in api.resources if rest.is_greedy(r.path_part or "")
                      and rest.select_method(r, method) is not None]
            raise self._rest_fail(api, "MISSING_AUTHENTICATION_TOKEN", f"resource {resource.path} has no {method} "
                                  f"method and no ANY (it has {', '.join(verbs) or 'no method'})"
                                  + (f"; AWS does not document whether {', '.join(greedy)} would take it instead"
                                     if greedy else ""), probably=bool(greedy))
        step.update({"chosen": chosen.key, "path_parameters": params})
        served = rest.deployed_methods(rest.deployment_of(api, stage))
        if served is not None and (chosen.path, chosen.verb) not in served:
            finding = self.findings.find("AGW123", api, stage=stage.name)
            raise self._rest_fail(api, "MISSING_AUTHENTICATION_TOKEN", f"stage {stage.name} serves deployment "
                                  f"{stage.deployment_id}, made before `{chosen.key}` existed", "AGW123", finding)
        return resource, chosen, params

    def _rest_throttling(self, api, stage, chosen, steps: dict) -> None:
        limits = rest.method_throttling(stage, chosen)
        if all(limit["value"] is None for limit in limits.values()):
            return
        steps["throttling"] = limits
        zero = [label for label, limit in limits.items() if limit["value"] == 0]
        if zero:
            finding = self.findings.find("AGW106", api, route=chosen, stage=stage.name)
            which = " and ".join(f"{label.replace('_', ' ')} 0 ({limits[label]['from']})" for label in zero)
            raise self._fail(f'429 {{"message":"Too Many Requests"}}: {which}: every request to `{chosen.key}` on '
                             f"stage {stage.name} is throttled", "AGW106" if finding else None, finding, 429)

    def _rest_policy(self, api, stage, chosen, method: str, path: str, steps: dict) -> list[str]:
        arn = rest.method_arn(api, stage.name, method, path)
        verdict, statement = rest.policy_verdict(api, arn, chosen.authorization_type)
        if verdict == "none":
            return []
        steps["resource_policy"] = {"arn": arn, "verdict": verdict,
                                    "statement": (statement or {}).get("Sid") if statement else None}
        if verdict == "denied" and (chosen.authorization_type or "NONE").upper() != "AWS_IAM":
            finding = self.findings.find("AGW221", api, route=chosen, stage=stage.name)
            why = (f"statement {statement.get('Sid') or '(no Sid)'} of the API's resource policy denies everyone"
                   if statement else "the API's resource policy allows no anonymous caller (the implicit deny)")
            raise self._rest_fail(api, "ACCESS_DENIED", why, "AGW221", finding)
        if verdict in ("conditional", "unknown", "denied"):
            return [f"the API's resource policy allows this caller on `{arn}` (else 403 ACCESS_DENIED)"]
        return []

    def _rest_api_key(self, api, stage, chosen, steps: dict) -> list[str]:
        if not chosen.api_key_required:
            return []
        plans = api.scope.usage_plans
        serving = [p.name or p.id for p in plans or () if p.serves(api.id, stage.name)]
        steps["api_key"] = {"required": True, "source": api.api_key_source or "HEADER",
                            "usage_plans": serving if plans is not None else None}
        if plans is not None and not serving:
            finding = self.findings.find("AGW122", api, stage=stage.name)
            raise self._rest_fail(api, "INVALID_API_KEY", f"`{chosen.key}` requires an API key and no usage plan "
                                  f"serves stage {stage.name}, so no key is valid", "AGW122", finding)
        where = "x-api-key header" if (api.api_key_source or "HEADER") == "HEADER" else "authorizer's usageIdentifierKey"
        return [f"the request carries a valid API key ({where}) of a usage plan on stage {stage.name} "
                '(else 403 {"message":"Forbidden"})']

    def _rest_authorization(self, api, chosen, steps: dict) -> list[str]:
        kind = (chosen.authorization_type or "NONE").upper()
        step = {"type": kind}
        steps["authorization"] = step
        if kind == "NONE":
            step["detail"] = "anyone may call the method"
            return []
        if kind == "AWS_IAM":
            step["detail"] = "the request must be SigV4-signed by a principal allowed execute-api:Invoke"
            return ["the request is SigV4-signed by a principal allowed execute-api:Invoke (else 403)"]
        authorizer = next((a for a in api.authorizers if a.id == chosen.authorizer_id), None)
        step["authorizer_id"] = chosen.authorizer_id
        if authorizer is None:
            step["detail"] = f"authorizer {chosen.authorizer_id} is not in the input"
            return [f"authorizer {chosen.authorizer_id} allows the request"]
        name = authorizer.name or authorizer.id
        step["authorizer"] = {"name": authorizer.name, "type": authorizer.type, "uri": authorizer.uri,
                              "identity_source": authorizer.identity_source}
        identity = f" with {authorizer.identity_source}" if authorizer.identity_source else ""
        if kind == "COGNITO_USER_POOLS" or authorizer.type == "COGNITO_USER_POOLS":
            step["detail"] = f"Cognito user pool authorizer {name}"
            return [f"the request carries a valid Cognito token{identity} (else 401 Unauthorized)"]
        step["detail"] = f"Lambda authorizer {name} ({authorizer.type})"
        self._assumable(api, authorizer.credentials_arn, authorizer=authorizer)
        check = self.index.authorizer_check(authorizer)
        status = check.status if check is not None else None
        if status == "function-missing":
            finding = self.findings.find("AGW114", api, authorizer=authorizer)
            raise self._rest_fail(api, "AUTHORIZER_CONFIGURATION_ERROR", f"authorizer {name}'s function "
                                  f"{check.ref.arn} does not exist", "AGW114", finding)
        if status == "cross-partition":
            finding = self.findings.find("AGW206", api, authorizer=authorizer)
            raise self._rest_fail(api, "AUTHORIZER_CONFIGURATION_ERROR", f"authorizer {name}'s function is in "
                                  "another partition", "AGW206", finding, probably=True)
        finding = self.findings.find("AGW205", api, authorizer=authorizer)
        if finding is not None:
            raise self._rest_fail(api, "AUTHORIZER_CONFIGURATION_ERROR", f"API Gateway may not invoke authorizer "
                                  f"{name}'s function {check.ref.arn}", "AGW205", finding)
        return [f"the request carries the identity source{identity} (else 401 Unauthorized) and Lambda authorizer "
                f"{name} allows it (else 403)"]

    def _rest_integration(self, api, stage, chosen, method: str, path: str, params: dict, steps: dict) -> Verdict:
        integration = chosen.integration
        if integration is None:
            steps["integration"] = None
            raise self._rest_fail(api, "API_CONFIGURATION_ERROR", f"method `{chosen.key}` has no integration",
                                  probably=True)
        steps["integration"] = {"id": chosen.key, "type": integration.type, "subtype": None, "uri": integration.uri,
                                "payload_format_version": "REST (1.0-shaped proxy event)" if integration.type ==
                                "AWS_PROXY" else None,
                                "timeout_ms": integration.timeout_ms if integration.timeout_ms is not None else 29000,
                                "integration_http_method": integration.integration_http_method,
                                "credentials_arn": integration.credentials_arn}
        warnings = [{"rule_id": f.rule_id, "message": f.message, "fix": f.remediation}
                    for f in (self.findings.find(rule_id, api, route=chosen) for rule_id in ("AGW115", "AGW121"))
                    if f is not None]
        if integration.type == "MOCK":
            return Verdict(True, "answered-by-api-gateway", "answered by API Gateway itself (MOCK integration); no "
                           "backend is called", warnings=warnings)
        if integration.type in ("HTTP", "HTTP_PROXY"):
            return Verdict(True, "reaches-backend", f"reaches the HTTP backend {integration.uri} ({integration.type})",
                           warnings=warnings)
        if not integration.is_lambda_uri:
            self._assumable(api, integration.credentials_arn, integration=integration)
            return Verdict(True, "reaches-backend", f"reaches the AWS service `{integration.uri}` through role "
                           f"{integration.credentials_arn or '(no credentials)'}", warnings=warnings)
        finding = self.findings.find("AGW120", api, route=chosen)
        if finding is not None:
            raise self._rest_fail(api, "API_CONFIGURATION_ERROR", f"the Lambda integration calls with "
                                  f"{integration.integration_http_method}, and Lambda is invoked with POST only",
                                  "AGW120", finding, probably=True)
        check = self.index.check_for(integration, stage.name)
        ref = check.ref if check is not None and check.ref is not None else integration.function_ref
        if ref is None:
            finding = self.findings.find("AGW113", api, route=chosen)
            if check is not None and check.status == "dynamic":
                raise self._unknown(f"the integration names its function through `{integration.uri}`, which cannot "
                                    "be resolved from the input", "AGW000", self.findings.find("AGW000", api))
            raise self._rest_fail(api, "API_CONFIGURATION_ERROR", f"the integration's uri "
                                  f"`{integration.uri or '(missing)'}` names no Lambda function", "AGW113", finding)
        function, problem = self.index.locate(ref)
        steps["function"] = {"name": ref.name, "qualifier": ref.qualifier, "invoked_arn": ref.arn,
                             "region": ref.region, "account": ref.account, "in_input": function is not None,
                             "timeout_s": function.timeout_s if function else None}
        arns = rest.method_source_arns(api, chosen, stage.name)
        # this request's readings (its verb, or `ANY`; the template or the value), shown with the value as written
        mine = [a for a in arns if a.split(":", 5)[5].split("/")[2] in (method, rest.ANY)]
        shown = [a.replace(rest.PARAMETER_VALUE, "<value>") for a in mine]
        source = {"arn": shown[0], "template": chosen.key}
        if len(shown) > 1:
            source["alternatives"] = shown[1:]
            source["note"] = ("AWS does not document what an ANY method or a path parameter puts in the SourceArn; "
                              "each reading is checked, and the verdict covers every verb an ANY method takes")
        steps["source_arn"] = source
        if problem == "function-missing":
            finding = self.findings.find("AGW114", api, route=chosen, function_arn=ref.arn)
            raise self._rest_fail(api, "API_CONFIGURATION_ERROR", f"{ref.arn} does not exist", "AGW114", finding)
        if problem == "not-in-snapshot":
            raise self._unknown(f"function {ref.arn} is not in the input, so its permission cannot be checked",
                                "AGW000", self.findings.find("AGW000", api, route=chosen))
        event = {"payload_format_version": "REST proxy (1.0 shape)" if integration.type == "AWS_PROXY" else
                 "non-proxy: the request template's output", "path_parameters": dict(params),
                 "fields": {"event.httpMethod": method, "event.resource": chosen.path, "event.path": path,
                            "event.requestContext.stage": stage.name}}
        if integration.credentials_arn:
            self._assumable(api, integration.credentials_arn, integration=integration)
            steps["permission"] = {"path": "credentials", "role_arn": integration.credentials_arn,
                                   "detail": "API Gateway invokes the function with these credentials; the "
                                             "function's resource policy is not consulted"}
            return Verdict(True, "reaches-function", f"reaches {ref.arn} through credentials "
                           f"{integration.credentials_arn}", warnings=warnings, event=event)
        statements = [_shown_values(statement_detail(s, ref.arn, mine, api.scope.account))
                      for s in function.statements]
        status = check.status if check is not None else "missing"
        coverage = check.coverage_for(chosen, stage.name) if status in ("ok", "uncovered") else None
        if coverage is None and status in ("ok", "uncovered"):
            coverage = cover(function.statements, ref.arn, api, chosen, stage.name)
        steps["permission"] = {"path": "resource-policy", "classification": status,
                               "coverage": coverage.verdict if coverage else None, "statements": statements}
        rule = {"missing": "AGW201", "api-mismatch": "AGW202", "qualifier-mismatch": "AGW204"}.get(status)
        if rule:
            # one finding per API and function, naming every method (rules.permission groups REST methods)
            finding = next((f for f in self.findings._of(api) if f.rule_id == rule  # noqa: SLF001
                            and f.resource.function_arn in (None, ref.arn)), None)
            raise self._rest_fail(api, "API_CONFIGURATION_ERROR", f"{ref.name}'s resource policy does not let "
                                  f"API Gateway invoke it for REST API {api.id} (Lambda: invalid permissions)",
                                  rule, finding)
        if coverage is None:
            raise self._unknown(f"{ref.name}'s permission could not be judged ({status})", "AGW000",
                                self.findings.find("AGW000", api))
        if coverage.verdict != "allowed":
            finding = self.findings.find("AGW203", api, route=chosen, function_arn=ref.arn)
            raise self._rest_fail(api, "API_CONFIGURATION_ERROR", f"no statement allows `{coverage.source_arn}`"
                                  + (" in every form API Gateway may present it" if coverage.verdict == "partial"
                                     else ""), "AGW203", finding, probably=coverage.verdict == "partial")
        allowing = ", ".join(f"`{s.sid}`" for s in coverage.decision.allowing)
        return Verdict(True, "reaches-function", f"reaches {ref.arn} (allowed by statement {allowing})",
                       warnings=warnings, event=event)


class Simulator(_RestSimulation):
    """Holds the lookups for one snapshot; `explain` runs one request through them."""

    def __init__(self, snapshot, rules=None, severity: dict | None = None, *, index: Index | None = None,
                 audited: list | None = None):
        """rules, severity: what the configuration gives `audit` (default: every installed rule as shipped).
        index, audited: the snapshot's lookups and findings from an audit that already made them."""
        self.snapshot = snapshot
        self.index = index if index is not None else Index(snapshot)
        self._rules, self._severity = rules, severity
        self._audited = audited
        self._findings = None
        self._keys: dict[int, tuple] = {}  # per API (by id): its parsed route keys, read once for all requests
        self._trees: dict[tuple, tuple] = {}  # per API and letter case: its route keys filed by segment

    @property
    def findings(self) -> Findings:
        if self._findings is None:
            self._findings = Findings(self.snapshot, self.index, self._rules, self._severity, self._audited)
        return self._findings

    def _fail(self, summary: str, rule_id: str | None, finding, status: int | None, statuses=(), certain=True,
              outcome="fails") -> _Stop:
        return _Stop(Verdict(False, outcome, summary, status, list(statuses) or ([status] if status else []),
                             certain, rule_id, finding.message if finding else None,
                             finding.remediation if finding else None))

    def _unknown(self, summary: str, rule_id=None, finding=None) -> _Stop:
        return self._fail(summary, rule_id, finding, None, (), False, outcome="unknown")

    # ---- the steps

    def through_domain(self, request: Request) -> Request:
        """A request to a custom domain, re-aimed at the API and stage its longest matching API mapping names,
        with the mapping key cut from the path (core.domains); api_id stays None when no mapping matches."""
        from dataclasses import replace

        from auditor.core.domains import find_domain, resolve
        domain = find_domain(self.snapshot.scopes, request.domain)
        if domain is None:
            raise UsageError(f"{request.domain!r} is not an execute-api host, nor a custom domain name of the "
                             "input (its DomainNames); give --api ID and the path instead")
        resolution = resolve(domain, request.path)
        found = {"domain": domain.name, "path_sent": request.path, "mapping_key": None}
        if resolution.mapping is None:
            return replace(request, mapping=found)
        mapping = resolution.mapping
        found.update(mapping_key=mapping.key, api_id=mapping.api_id, stage=mapping.stage, path=resolution.path)
        return replace(request, api_id=mapping.api_id, stage=mapping.stage, path=resolution.path,
                       region=getattr(domain.scope, "region", None), mapping=found)

    def explain(self, request, all_candidates: bool = True) -> Explanation:
        """One request through the API; dispatched by API type (a WebSocket connection or message is
        simulated by core/simulate_websocket with the same steps, findings and verdicts).

        all_candidates=False (an HTTP API's request): the route step lists the routes that match the request,
        found through the API's route tree, and the invalid or unknown keys, not every valid key with why it
        does not match; the verdict is the same. The wiring graph asks so: it reads which route was chosen,
        and a list of every route per request made a report on an API of 10,000 routes quadratic."""
        if not isinstance(request, Request):
            from auditor.core.simulate_websocket import explain_websocket
            return explain_websocket(self, request)
        method = request.method.upper()
        if method not in CONCRETE_METHODS:
            raise UsageError(f"unknown method {request.method!r}; use one of {', '.join(CONCRETE_METHODS)}")
        if request.domain and request.mapping is None:
            request = self.through_domain(request)
        if request.domain and not request.api_id:
            found = request.mapping or {}
            summary = (f"404 {{\"message\":\"Not Found\"}} (probably): no API mapping of custom domain "
                       f"{found.get('domain')} matches {request.path}, and it has no empty-key mapping")
            return Explanation({"method": method, "path": request.path, "url": request.url},
                               {"domain": found}, Verdict(False, "fails", summary, 404, [404], False))
        path = request.path if request.path.startswith("/") else "/" + request.path
        api = select_api(self.index, request.api_id, request.region)
        described = {"method": method, "path": path, "api_id": api.id, "api_name": api.name,
                     "account": api.scope.account, "region": api.scope.region}
        if request.url:
            described["url"] = request.url
        if request.stage:
            described["stage"] = request.stage
        if api.is_rest:
            described["api_type"] = "REST"
            return self._explain_rest(api, request, method, path, described)
        steps: dict = {}
        if request.mapping:
            steps["domain"] = request.mapping
        try:
            conditions = self._endpoint(api, request, steps)
            stage, stage_path = self._stage(api, request.stage, path, steps)
            steps["_stage_path"] = stage_path  # for _unsettled, removed below
            self._cors(api, method, steps)
            route, route_key, params = self._route(api, method, stage_path, steps, all_candidates)
            conditions += self._throttling(stage, route, steps)
            conditions += self._authorization(api, route, steps, stage, request)
            integration = self._target(api, route, steps)
            raw_path = f"/{stage.name}{path}" if request.stage and stage.name != "$default" else path
            verdict = self._integration(api, stage, route, route_key, integration, method, raw_path, stage_path,
                                        params, steps)
            verdict.conditions = conditions + verdict.conditions
        except _Stop as stop:
            verdict = stop.verdict
        condition = steps.pop("stage_condition", None)
        if condition is not None:  # the stage's name is not known before deployment
            verdict.certain = False
            verdict.conditions.insert(0, condition)
        target = steps.get("target") or {}
        if target.get("state") == "unresolved" and verdict.reaches:  # followed by the template's hint (AGW000)
            verdict.certain = False
            verdict.conditions.append(f"the Target, not known before deployment, resolves to "
                                      f"`integrations/{target['integration_id']}` as the template builds it")
        unknown_keys = steps.get("route", {}).get("unknown_keys")
        if unknown_keys and verdict.outcome != "unknown":  # a key known only at deployment might have won
            verdict.certain = False
            verdict.conditions.append(f"route key(s) {', '.join(f'`{k}`' for k in unknown_keys)}, not known before "
                                      "deployment, do not match the request or rank below the chosen route")
        self._unsettled(api, method, steps.pop("_stage_path", None), steps, verdict)
        return Explanation(described, steps, verdict)

    def _unsettled(self, api, method: str, stage_path: str | None, steps: dict, verdict: Verdict) -> None:
        """Readings AWS's documentation leaves open: the verdict says "probably" (certain: false) and why."""
        notes = []
        if stage_path is not None and "%2f" in stage_path.lower():
            notes.append("the path holds `%2F`: whether API Gateway decodes it before matching routes (so that it "
                         "splits or stays inside a path variable) is not documented")
        if stage_path is not None:
            chosen = (steps.get("route") or {}).get("chosen")
            lowered = stage_path.lower()
            valid = self._route_keys(api)[0]
            if lowered == stage_path and not self._cased(api):  # each route matches folded as it does written
                positions = ()
            else:
                positions = self._route_tree(api, folded=True).candidates(lowered)  # in the order of api.routes
            for position in positions:
                route, key = valid[position]
                if key is None or key.is_default or route.key == chosen or not key.path or \
                        match_route(key, method, stage_path).matched:
                    continue
                folded = parse_route_key(f"{key.method} {key.path.lower()}")
                if folded is not None and match_route(folded, method, lowered).matched:
                    notes.append(f"the path matches route `{route.key}` but for letter case: route paths are "
                                 "probably case-sensitive, which AWS's HTTP API guide does not state outright")
                    break
        uri = (steps.get("integration") or {}).get("uri_on_stage") or (steps.get("integration") or {}).get("uri")
        ref = parse_function_uri(uri) if isinstance(uri, str) else None
        if ref is not None and verdict.reaches and ref.qualifier == "$LATEST":
            notes.append("the integration invokes `:$LATEST`: Lambda keeps no policy of its own for it, so the "
                         "unqualified function's grant probably applies (not stated by AWS)")
        if ref is not None and isinstance(uri, str) and uri.startswith("arn:") and ":lambda:" in uri.split("/")[0] \
                and ref.region != api.scope.region and parse_lambda_arn(uri) is not None:
            notes.append(f"the IntegrationUri is a bare function ARN in {ref.region}, not the API's region "
                         f"{api.scope.region}: whether API Gateway accepts that form across regions is not documented "
                         "(the invocation-URI form is)")
        for statement in (steps.get("permission") or {}).get("statements") or ():
            unmodelled = next((c for c in statement["checks"] if c["check"] == "unmodelled-conditions"), None)
            if unmodelled and (statement["verdict"].startswith("allows") or statement["effect"] != "Allow"):
                notes.append(f"statement `{statement['sid']}` has conditions not modelled for API Gateway's call "
                             f"({unmodelled['detail'].split(': not modelled', 1)[0]}): counted as "
                             + ("met" if statement["effect"] == "Allow" else "unmet"))
        if notes:
            verdict.certain = False
            verdict.warnings = list(verdict.warnings) + [{"rule_id": None, "message": f"probably: {note}", "fix": None}
                                                              for note in notes]
            if not verdict.summary.startswith("probably"):
                verdict.summary = "probably " + verdict.summary

    def _endpoint(self, api, request: Request, steps: dict) -> list[str]:
        """DisableExecuteApiEndpoint: the default `execute-api` hostname stops serving every stage."""
        disabled = api.disable_execute_api_endpoint
        if disabled is None or disabled is False:
            return []
        default_host = invoke_host(api.id, api.scope.region)
        via = "the default endpoint" if request.url else "the API (no URL given: a custom domain, or the default endpoint)"
        steps["endpoint"] = {"default_host": default_host, "via": via,
                             "default_endpoint_disabled": disabled if isinstance(disabled, bool) else
                             ("unknown" if disabled is not None else False)}
        if request.domain:  # the custom domain keeps serving; only the execute-api hostname stops
            steps["endpoint"]["via"] = f"custom domain {request.domain}"
            return []
        if disabled is True or (isinstance(disabled, str) and disabled.lower() == "true"):
            if request.url:
                raise self._fail(f"probably 403 Forbidden: API {api.id} has DisableExecuteApiEndpoint set, so its "
                                 f"default hostname {default_host} no longer serves it (AWS documents 403 for REST "
                                 "APIs; only a custom domain mapped to the API reaches it)", None, None, 403,
                                 (403, 404), certain=False)
            return [f"the request comes through a custom domain mapped to API {api.id}: its default endpoint "
                    f"{default_host} is disabled (DisableExecuteApiEndpoint)"]
        if disabled is not None and not isinstance(disabled, bool):
            return [f"DisableExecuteApiEndpoint (`{disabled}`) is not set to true: it is not known before deployment"]
        return []

    def _cors(self, api, method: str, steps: dict) -> None:
        """With a CorsConfiguration, API Gateway answers preflight OPTIONS itself, even with no OPTIONS route
        (AWS's HTTP API CORS guide), so a `$default` or ANY route never sees them."""
        cors = api.cors_configuration
        if not isinstance(cors, dict) and not (isinstance(cors, str) and is_unresolved(cors)):
            return
        steps["cors"] = {"configuration": cors,
                         "detail": "API Gateway adds the configured CORS headers to responses and ignores those the "
                                   "backend returns"}
        if method != "OPTIONS":
            return
        steps["cors"]["preflight"] = True
        raise _Stop(Verdict(
            False, "answered-by-api-gateway",
            f"probably 204 No Content from API Gateway itself: API {api.id} has a CORS configuration, so it answers "
            "preflight OPTIONS requests without routing them (even with no OPTIONS route); no integration or "
            "function is called", 204, [204], certain=False,
            conditions=["the request is a CORS preflight: it carries Origin and Access-Control-Request-Method "
                        "headers (without them it is routed like any other request)"]))

    def _throttling(self, stage, route, steps: dict) -> list[str]:
        """The limits in force for a route on a stage (analysis.throttling_limits); 0 rejects every request."""
        limits = throttling_limits(stage, route)
        if all(limit["from"].startswith("not set") for limit in limits.values()):
            return []
        steps["throttling"] = limits
        zero = [label for label, limit in limits.items() if limit["value"] == 0]
        if zero:
            which = " and ".join(f"{label.replace('_', ' ')} 0 ({limits[label]['from']})" for label in zero)
            finding = self.findings.find("AGW106", stage.api, route=route, stage=stage.name)
            raise self._fail(f"{TOO_MANY}: {which}: every request to `{route.key}` on stage {stage.name} is "
                             "throttled", "AGW106" if finding else None, finding, 429)
        shown = [f"{label.replace('_', ' ')} {limit['value']}" for label, limit in limits.items()
                 if limit["value"] is not None]
        return [f"the request stays within the throttling limits ({', '.join(shown)}; else 429 Too Many Requests)"] \
            if shown else []

    def _stage(self, api, explicit: str | None, path: str, steps: dict):
        if not api.has_stages:
            steps["stage"] = {"name": None, "reason": "the input does not list this API's stages"}
            raise self._unknown("cannot tell which stage serves the request: the input holds no stage list for "
                                f"API {api.id}")
        stages = {stage.name: stage for stage in api.stages}
        served = [s.name for s in api.stages if s.serves]
        no_stage_finding = self.findings.find("AGW105", api)
        # A stage named by a value not known before deployment is never taken for a name it might not have:
        # a request naming no known stage may be meant for it, and the verdict then says so.
        unknown = [s for s in api.stages if is_unresolved(s.name)]
        assumed = None
        if explicit is not None:
            stage, stage_path = stages.get(explicit), path
            reason = f"--stage {explicit}"
            if stage is None and len(unknown) == 1:
                stage, assumed = unknown[0], explicit
                reason = f"--stage {explicit}, taken as the name stage `{stage.name}` gets at deployment"
            if stage is None:
                steps["stage"] = {"name": None, "reason": f"API {api.id} has no stage `{explicit}`",
                                  "stages": sorted(stages)}
                raise self._fail(f"{NOT_FOUND}: API {api.id} has no stage `{explicit}`"
                                 + (f" (stages: {', '.join(sorted(stages))})" if stages else " (it has no stage)"),
                                 "AGW105" if no_stage_finding else None, no_stage_finding, 404)
        else:
            segments = _split(path)
            first = segments[0] if segments else None
            if first is not None and first != "$default" and first in stages:
                stage, stage_path = stages[first], "/" + "/".join(segments[1:])
                reason = f"the first path segment `{first}` names stage {first}"
            elif "$default" in stages:
                stage, stage_path = stages["$default"], path
                reason = (f"no stage is named `{first}`, so the `$default` stage (served at the base URL) takes it"
                          if first else "the `$default` stage is served at the base URL")
                if first is not None and unknown:
                    steps["stage_condition"] = (f"`{first}` is not the name stage(s) "
                                                f"{', '.join(f'`{u.name}`' for u in unknown)} get at deployment "
                                                "(else that stage takes the request)")
            elif first is not None and len(unknown) == 1:
                stage, stage_path, assumed = unknown[0], "/" + "/".join(segments[1:]), first
                reason = (f"no known stage is named `{first}`: taken as the name stage `{stage.name}` gets at "
                          "deployment")
            else:
                named = f"no stage is named `{first}`" if first is not None else \
                    f"the path `{path or '/'}` names no stage"
                why = f"{named} and the API has no `$default` stage" if stages else "the API has no stage at all"
                steps["stage"] = {"name": None, "reason": why, "stages": sorted(stages)}
                hint = ""
                if served and no_stage_finding is None:
                    hint = "; the API is served under " + ", ".join(
                        f"/<the name stage `{s}` gets at deployment>" if is_unresolved(s) else "/" + s
                        for s in served if s != "$default")
                raise self._fail(f"{NOT_FOUND}: {why}{hint}", "AGW105" if no_stage_finding else None,
                                 no_stage_finding, 404)
        deploy = ("auto-deploys" if stage.auto_deploy else f"serves deployment {stage.deployment_id}"
                  if stage.deployment_id else "has no deployment and does not auto-deploy")
        steps["stage"] = {"name": stage.name, "reason": reason, "serves": stage.serves, "deployment": deploy,
                          "path_in_stage": stage_path}
        if assumed is not None:
            steps["stage_condition"] = f"stage `{stage.name}` is named `{assumed}` at deployment"
        if not stage.serves:
            raise self._fail(f"{NOT_FOUND}: stage {stage.name} {deploy}, so it serves nothing",
                             "AGW105" if no_stage_finding else None, no_stage_finding, 404)
        return stage, stage_path

    def _route(self, api, method: str, path: str, steps: dict, all_candidates: bool = True):
        if not api.has_routes:
            steps["route"] = {"chosen": None, "candidates": [], "reason": "the input does not list this API's routes"}
            raise self._unknown(f"cannot tell which route matches: the input holds no route list for API {api.id}")
        valid, keyed, keys, unparsed = self._route_keys(api)
        if all_candidates:
            positions = range(len(keys))
            best, verdicts = choose_route(keys, method, path)
        else:  # every route that matches is among the tree's candidates, in order: the same one wins
            positions = self._route_tree(api).candidates(path)
            best, verdicts = choose_route([keys[i] for i in positions], method, path)
        verdicts = list(zip(positions, verdicts))  # (position in keyed, verdict)
        matched = sorted((pair for pair in verdicts if pair[1].matched), key=lambda pair: pair[1].rank)
        candidates = []
        for position, (i, v) in enumerate(matched):
            won = v is best
            candidates.append({"route_key": keyed[i][0].key, "matched": True, "won": won, "priority": position + 1,
                               "reason": v.reason if won else f"{v.reason}, but {_rank_reason(best, v)} "
                                                              f"(`{best.route_key.raw}` wins)"})
        for i, v in verdicts if all_candidates else ():
            if not v.matched:
                candidates.append({"route_key": keyed[i][0].key, "matched": False, "won": False, "priority": None,
                                   "reason": v.reason})
        unknown_keys = [route.key for route in unparsed if is_unresolved(route.key)]
        for route in unparsed:
            if is_unresolved(route.key):
                candidates.append({"route_key": route.key, "matched": None, "won": False, "priority": None,
                                   "reason": "route key not known before deployment: it may or may not match"})
            else:
                candidates.append({"route_key": route.key, "matched": False, "won": False, "priority": None,
                                   "reason": f"invalid route key ({route_key_problem(route.key)}): never matches",
                                   "rule_id": "AGW104"})
        step = {"path": path, "chosen": None, "candidates": candidates}
        if unknown_keys:
            step["unknown_keys"] = unknown_keys
        steps["route"] = step
        if best is None:
            if unknown_keys:
                raise self._unknown(f"no route with a known key matches {method} {path}; the keys of "
                                    f"{', '.join(f'`{k}`' for k in unknown_keys)} are not known before deployment")
            if not api.routes:
                finding = self.findings.find("AGW105", api)
                raise self._fail(f"{NOT_FOUND}: API {api.id} has no routes", "AGW105" if finding else None,
                                 finding, 404)
            for route, key in valid:  # an invalid key whose repaired form would have matched explains the 404
                if key is not None:
                    continue
                finding = self.findings.find("AGW104", api, route=route)
                wanted = parse_route_key(finding.fix.details.get("RouteKey", "")) if finding and finding.fix else None
                if wanted is not None and match_route(wanted, method, path).matched:
                    raise self._fail(f"{NOT_FOUND}: no route matches {method} {path}; route `{route.key}` was "
                                     "meant to but its key is invalid", "AGW104", finding, 404)
            raise self._fail(f"{NOT_FOUND}: no route matches {method} {path} and the API has no `$default` route",
                             None, None, 404)
        route = keyed[next(i for i, v in matched if v is best)][0]
        step.update({"chosen": route.key, "route_id": route.id, "path_parameters": best.path_parameters or {}})
        return route, best.route_key, best.path_parameters or {}

    def _route_keys(self, api) -> tuple[list, list, list, list]:
        """(every (route, key or None), the valid ones, their keys, the routes whose key is invalid)."""
        cached = self._keys.get(id(api))
        if cached is None or cached[0] is not api or len(cached[1][0]) != len(api.routes):
            valid = [(route, parse_route_key(route.key)) for route in api.routes]
            keyed = [(route, key) for route, key in valid if key is not None]
            cached = (api, (valid, keyed, [key for _, key in keyed], [r for r, key in valid if key is None]))
            self._keys[id(api)] = cached
        return cached[1]

    def _cased(self, api) -> bool:
        """Whether a route path of the API changes in lower case (else _unsettled's letter-case check can find
        nothing for a path in lower case)."""
        valid = self._route_keys(api)[0]
        cached = self._trees.get((id(api), "cased"))
        if cached is None or cached[0] is not valid:
            cased = any(key is not None and key.path != key.path.lower() for _, key in valid)
            cached = self._trees[(id(api), "cased")] = (valid, cased)
        return cached[1]

    def _route_tree(self, api, folded: bool = False) -> RouteTree:
        """The API's valid route keys filed by segment, built once per API (filing a key costs about one
        comparison): positions in `keyed` (_route_keys); folded: the keys with a path, in lower case, by
        position in `valid` (api.routes), for _unsettled."""
        valid, keyed, keys, _ = self._route_keys(api)
        cached = self._trees.get((id(api), folded))
        if cached is None or cached[0] is not valid:
            if folded:
                lowered = ((i, key and key.path and not key.is_default
                            and parse_route_key(f"{key.method} {key.path.lower()}"))
                           for i, (_, key) in enumerate(valid))
                tree = RouteTree((i, key) for i, key in lowered if key)
            else:
                tree = RouteTree(enumerate(keys))
            cached = self._trees[(id(api), folded)] = (valid, tree)
        return cached[1]

    def _authorization(self, api, route, steps: dict, stage=None, request: Request | None = None) -> list[str]:
        kind = route.authorization_type or "NONE"
        step = {"type": kind}
        steps["authorization"] = step
        if kind == "NONE":
            step["detail"] = "anyone may call the route"
            return []
        if kind == "AWS_IAM":
            step["detail"] = "the request must be signed (SigV4) by a principal allowed execute-api:Invoke"
            return ["the request is SigV4-signed by a principal allowed execute-api:Invoke (else 403)"]
        authorizer = next((a for a in api.authorizers if a.id == route.authorizer_id), None)
        step["authorizer_id"] = route.authorizer_id
        if authorizer is None:
            step["detail"] = f"authorizer {route.authorizer_id} is not in the input"
            return [f"authorizer {route.authorizer_id} allows the request"]
        step["authorizer"] = {"name": authorizer.name, "type": authorizer.type, "uri": authorizer.uri}
        if kind == "JWT" or authorizer.type == "JWT":
            step["detail"] = f"JWT authorizer {authorizer.name or authorizer.id}"
            return [f"the request carries a valid JWT for authorizer {authorizer.name or authorizer.id} (else 401)"]
        step["detail"] = f"Lambda authorizer {authorizer.name or authorizer.id}"
        needed = self._identity_sources(api, authorizer, stage, request, step)
        self._assumable(api, authorizer.credentials_arn, authorizer=authorizer)
        check = self.index.authorizer_check(authorizer)  # what AGW205/AGW206/AGW114/AGW000 report from
        status = check.status if check is not None else None
        if status == "cross-partition":
            finding = self.findings.find("AGW206", api, authorizer=authorizer)
            raise self._fail(f"probably {SERVER_ERROR}: the Lambda authorizer's function {check.ref.arn} is in another "
                             "partition than the API, so API Gateway cannot invoke it", "AGW206", finding, 500,
                             certain=False)
        if status == "function-missing":
            finding = self.findings.find("AGW114", api, authorizer=authorizer)
            raise self._fail(f"{SERVER_ERROR}: the Lambda authorizer's function {check.ref.arn} does not exist",
                             "AGW114", finding, 500)
        if status == "not-in-snapshot":
            return [f"Lambda authorizer {authorizer.name or authorizer.id} may be invoked (its function "
                    f"{check.ref.arn} is not in the input: not checked, AGW000) and allows the request (else 403)"]
        if status == "unresolved":
            return [f"Lambda authorizer {authorizer.name or authorizer.id} may be invoked (its function's permission "
                    "names it through a value not known before deployment: not checked, AGW000) and allows the "
                    "request (else 403)"]
        finding = self.findings.find("AGW205", api, authorizer=authorizer)
        if finding is not None:
            raise self._fail(f"{SERVER_ERROR} (or 403): the Lambda authorizer's function may not be invoked by "
                             "API Gateway, so the request stops before the route's integration",
                             "AGW205", finding, 500, (500, 403), certain=False)
        return needed + [f"Lambda authorizer {authorizer.name or authorizer.id} allows the request (else 403)"]

    def _identity_sources(self, api, authorizer, stage, request, step: dict) -> list[str]:
        """401 before the authorizer runs when the request lacks one of its identity sources (core.identity)."""
        from auditor.core.identity import missing_sources, sources
        if not sources(authorizer):
            return []
        step["identity_sources"] = sources(authorizer)
        missing, needed = missing_sources(authorizer, stage, request.headers if request else None,
                                          request.query if request else "")
        if missing:
            undefined = [s for s in missing if s.lower().startswith("$stagevariables.")]
            finding = self.findings.find("AGW341", api, authorizer=authorizer, stage=stage.name) if undefined else None
            why = (f"stage `{stage.name}` defines no {', '.join(undefined)}, so every request" if undefined
                   else f"the request lacks {', '.join(missing)}, so it")
            raise self._fail(f"401 {{\"message\":\"Unauthorized\"}}: {why} is refused before the Lambda authorizer "
                             f"{authorizer.name or authorizer.id} is called (a missing identity source)",
                             "AGW341" if undefined else None, finding, 401)
        return [f"the request carries {source} (else 401 without calling the authorizer)" for source in needed]

    def _target(self, api, route, steps: dict):
        resolution = self.index.target(route)
        step = {"target": route.target, "state": resolution.state, "integration_id": resolution.integration_id}
        steps["target"] = step
        if resolution.state == "ok":
            step["detail"] = f"`{route.target}` names integration {resolution.integration_id} of this API"
            return resolution.integration
        if resolution.state == "prefix":
            step["detail"] = f"`{route.target}` lacks the `integrations/` prefix: the route is attached to nothing"
            finding = self.findings.find("AGW101", api, route=route)
            raise self._fail("probably " + SERVER_ERROR + " (some reports say 404; AWS does not confirm which): the "
                             "route has no usable target, so no backend is called", "AGW101", finding, 500,
                             (500, 404), certain=False)
        if resolution.state == "missing":
            step["detail"] = "the route has no Target"
            finding = self.findings.find("AGW103", api, route=route)
            raise self._fail("404 or 500 (AWS does not document which): the route has no target, so no backend is "
                             "called", "AGW103", finding, None, (404, 500), certain=False)
        if resolution.state in ("unknown", "foreign"):
            other = resolution.foreign_api
            step["detail"] = (f"integration {resolution.integration_id} belongs to API {other.id}, not {api.id}"
                              if other else f"API {api.id} has no integration {resolution.integration_id}")
            finding = self.findings.find("AGW102", api, route=route)
            raise self._fail("probably " + SERVER_ERROR + " (or 404): " + step["detail"], "AGW102", finding, 500,
                             (500, 404), certain=False)
        if resolution.state == "unresolved" and resolution.integration is not None:
            # The template's expression references this integration (the reader's hint): the permission
            # rules follow it too (analysis.Index.routes_to), so explain does.
            step["detail"] = (f"`{route.target}` is not known before deployment; the template builds it from "
                              f"integration {resolution.integration_id}")
            return resolution.integration
        if resolution.state == "unresolved":
            step["detail"] = "the Target is not known before deployment"
            finding = self.findings.find("AGW000", api, route=route)
            raise self._unknown(f"cannot tell where `{route.target}` leads: it is not known before deployment",
                                "AGW000", finding)
        step["detail"] = f"the input holds no integrations for API {api.id}"
        finding = self.findings.find("AGW000", api, route=route)
        raise self._unknown(f"cannot tell where `{route.target}` leads: the input holds no integrations for API "
                            f"{api.id}", "AGW000", finding)

    def _integration(self, api, stage, route, route_key, integration, method, path, stage_path, params, steps):
        steps["integration"] = {
            "id": integration.id, "type": integration.type, "subtype": integration.subtype, "uri": integration.uri,
            "payload_format_version": integration.payload_format_version,
            "timeout_ms": integration.timeout_ms if integration.timeout_ms is not None else 30000,
            "connection_type": integration.connection_type, "credentials_arn": integration.credentials_arn}
        warnings = self._warnings(api, integration, ("AGW115",))
        if integration.type == "HTTP_PROXY":
            return Verdict(True, "reaches-backend", f"reaches the HTTP backend {integration.uri} (HTTP_PROXY"
                           f"{', VPC link ' + str(integration.connection_id) if integration.connection_type == 'VPC_LINK' else ''})",
                           warnings=warnings)
        if integration.type == "AWS_PROXY" and integration.subtype:
            self._assumable(api, integration.credentials_arn, integration=integration)
            return Verdict(True, "reaches-backend", f"reaches the AWS service action {integration.subtype} through "
                           f"role {integration.credentials_arn or '(no CredentialsArn)'}; no Lambda function is involved",
                           warnings=warnings)
        ref = integration.function_ref
        if is_unresolved(integration.type or ""):
            raise self._unknown(f"integration {integration.id}'s IntegrationType is not known before deployment "
                                f"(`{integration.type}`): what it calls cannot be told")
        if integration.type != "AWS_PROXY":
            if ref is not None:
                finding = self.findings.find("AGW112", api, integration=integration)
                raise self._fail(f"{SERVER_ERROR}: integration {integration.id} is {integration.type or 'untyped'}, "
                                 "not AWS_PROXY, so Lambda is not invoked as an HTTP API proxy", "AGW112", finding, 500)
            raise self._fail(f"{SERVER_ERROR}: HTTP APIs support only AWS_PROXY and HTTP_PROXY integrations, not "
                             f"{integration.type or 'an untyped one'}", None, None, 500, certain=False)
        # The same per-stage evaluation the permission rules report from (analysis.Index.permission_checks).
        check = self.index.check_for(integration, stage.name)
        resolved_from = None
        if check is not None and check.stages is not None:
            ref = check.ref
            steps["integration"]["uri_on_stage"] = check.uri
            if ref is None and check.status == "dynamic":
                finding = self.findings.find("AGW000", api, integration=integration)
                why = "gives a value not known before deployment" if is_unresolved(check.uri) else "does not define"
                raise self._unknown(f"integration {integration.id} names its function through stage variables that "
                                    f"stage {stage.name} {why} (`{check.uri}`)", "AGW000", finding)
            if ref is None:
                finding = self.findings.find("AGW113", api, integration=integration)
                raise self._fail(f"{SERVER_ERROR}: with the variables of stage {stage.name}, integration "
                                 f"{integration.id}'s IntegrationUri becomes `{check.uri}`, which names no Lambda "
                                 "function", "AGW113", finding, 500)
            resolved_from = f"stage variables of stage {stage.name}"
        elif check is not None and check.status == "dynamic" and ref is None:
            finding = self.findings.find("AGW000", api, integration=integration)
            raise self._unknown(f"integration {integration.id} names its function through `{integration.uri}`, "
                                "which cannot be resolved from the input (no stage list, or a value not known before "
                                "deployment)", "AGW000", finding)
        if ref is None:
            if integration.uri and is_unresolved(integration.uri):
                raise self._unknown(f"integration {integration.id}'s URI could not be resolved from the template "
                                    f"(`{integration.uri}`)")
            finding = self.findings.find("AGW113", api, integration=integration)
            raise self._fail(f"{SERVER_ERROR}: integration {integration.id}'s IntegrationUri "
                             f"{'`' + integration.uri + '`' if integration.uri else '(missing)'} names no Lambda "
                             "function", "AGW113", finding, 500)
        return self._function(api, stage, route, route_key, integration, ref, resolved_from, method, path, params,
                              steps, warnings, check)

    def _function(self, api, stage, route, route_key, integration, ref, resolved_from, method, path, params, steps,
                  warnings, check):
        function, problem = self.index.locate(ref)
        if check is not None and check.status in ("cross-partition", "cross-account-variable"):
            problem = check.status
        steps["function"] = {"name": ref.name, "qualifier": ref.qualifier, "invoked_arn": ref.arn,
                             "region": ref.region, "account": ref.account, "in_input": function is not None,
                             "timeout_s": function.timeout_s if function else None}
        if resolved_from:
            steps["function"]["resolved_from"] = resolved_from
        arn = execute_api_arn(api.partition, api.scope.region, api.scope.account, api.id, stage.name, route.key)
        source = {"arn": arn, "template": route.key}
        source_arns = [arn]
        if route_key.method == "ANY":
            concrete = execute_api_arn(api.partition, api.scope.region, api.scope.account, api.id, stage.name,
                                       f"{method} {route_key.path}")
            source_arns = [concrete, arn]
            source.update({"arn": concrete, "alternatives": [arn],
                           "note": "AWS does not document the method segment an ANY route presents; both forms "
                                   "are checked"})
        steps["source_arn"] = source
        if problem == "cross-account-variable":
            finding = self.findings.find("AGW206", api, integration=integration, function_arn=ref.arn)
            raise self._fail(f"probably {SERVER_ERROR}: stage {stage.name}'s variables name {ref.arn} in account "
                             f"{ref.account}, not the API's {api.scope.account}; stage variables cannot name a "
                             "function in another account", "AGW206", finding, 500, certain=False)
        if problem == "cross-partition":
            finding = self.findings.find("AGW206", api, integration=integration, function_arn=ref.arn)
            raise self._fail(f"probably {SERVER_ERROR}: {ref.arn} is in partition {ref.partition}"
                             f"{'' if ref.partition == api.partition else ', API ' + api.id + ' in ' + api.partition}"
                             "; nothing crosses a partition, so API Gateway cannot invoke it", "AGW206", finding, 500,
                             certain=False)
        if problem == "function-missing":
            finding = self.findings.find("AGW114", api, integration=integration, function_arn=ref.arn)
            raise self._fail(f"{SERVER_ERROR}: {ref.arn} does not exist in account {ref.account} region {ref.region}",
                             "AGW114", finding, 500)
        if problem == "not-in-snapshot":
            finding = self.findings.find("AGW000", api, integration=integration, function_arn=ref.arn)
            raise self._unknown(f"function {ref.arn} is not in the input, so its permission cannot be checked",
                                "AGW000", finding)
        warnings = self._warnings(api, integration, ("AGW111",)) + warnings
        event = self._event(integration, route, method, path, stage, params)
        if integration.credentials_arn:
            steps["permission"] = {"path": "credentials", "role_arn": integration.credentials_arn,
                                   "detail": "API Gateway assumes this role to invoke the function; the function's "
                                             "resource policy is not consulted (the role's trust policy is checked "
                                             "when the input holds the role; lambda:InvokeFunction on it is not)"}
            self._assumable(api, integration.credentials_arn, integration=integration)
            return Verdict(True, "reaches-function", f"reaches {ref.arn} through role {integration.credentials_arn}",
                           warnings=warnings, event=event,
                           conditions=[f"role {integration.credentials_arn} trusts apigateway.amazonaws.com and "
                                       "allows lambda:InvokeFunction"])
        status, coverage = self._coverage(api, route, stage, ref, function, check)
        statements = [statement_detail(s, ref.arn, source_arns, api.scope.account) for s in function.statements]
        steps["permission"] = {"path": "resource-policy", "classification": status,
                               "coverage": coverage.verdict if coverage else None, "statements": statements}
        if status == "unresolved":
            finding = self.findings.find("AGW000", api, integration=integration, function_arn=ref.arn)
            raise self._unknown(f"the permission of {ref.name} names an API or function through a value not known "
                                "before deployment", "AGW000", finding)
        if coverage is not None and coverage.verdict == "unknown":
            finding = self.findings.find("AGW000", api, route=route, integration=integration)
            raise self._unknown(f"stage {stage.name}'s name is not known before deployment and the permission names "
                                "particular stages: whether it covers this one cannot be told", "AGW000", finding)
        rule = {"missing": "AGW201", "api-mismatch": "AGW202", "qualifier-mismatch": "AGW204"}.get(status)
        if rule:
            finding = self.findings.find(rule, api, integration=integration, function_arn=ref.arn)
            why = {"AGW201": f"no statement lets apigateway.amazonaws.com invoke {ref.arn}",
                   "AGW202": f"{ref.name}'s API Gateway permissions name another API, account or region",
                   "AGW204": f"the permission for this API is on another alias or version than {ref.arn}"}[rule]
            raise self._fail(f"{SERVER_ERROR}: {why}", rule, finding, 500)
        if coverage is None:  # e.g. a SourceArn from a parameter without a default: AGW000, not a verdict
            raise self._unknown(f"unknown: {ref.name}'s permission names its API through a value not known before "
                                f"deployment ({status}), so whether this request may invoke it was not checked",
                                "AGW000", self.findings.find("AGW000", api, integration=integration))
        if coverage.verdict != "allowed":
            finding = self.findings.find("AGW203", api, route=route, integration=integration, function_arn=ref.arn)
            if coverage.verdict == "partial":
                raise self._fail(f"probably {SERVER_ERROR}: the permission grants only some methods of ANY route "
                                 f"`{route.key}`, and AWS does not document which method segment it presents",
                                 "AGW203", finding, 500, certain=False)
            raise self._fail(f"{SERVER_ERROR}: no statement allows `{arn if route_key.method != 'ANY' else source_arns[0]}`",
                             "AGW203", finding, 500)
        allowing = ", ".join(f"`{s.sid}`" for s in coverage.decision.allowing)
        return Verdict(True, "reaches-function", f"reaches {ref.arn} (allowed by statement {allowing})",
                       warnings=warnings, event=event)

    @staticmethod
    def _coverage(api, route, stage, ref, function, check):
        """The verdict the permission rules report: the index's own check for this integration on this stage."""
        if check.status in ("ok", "uncovered"):
            coverage = check.coverage_for(route, stage.name)
            if coverage is None:  # a stage the rules do not check (not serving): same evaluation, asked directly
                coverage = cover(function.statements, ref.arn, api, route, stage.name)
            return "ok", coverage
        return check.status, None

    def _assumable(self, api, role_arn, **about) -> None:
        """500 when API Gateway cannot assume the role it is told to use: AGW210's own test (rules.roles)."""
        from auditor.rules.roles import untrusted_role
        found = untrusted_role(self.index.roles, role_arn)
        if found is not None:
            role, verdict = found
            raise self._fail(f"{SERVER_ERROR}: API Gateway cannot assume role {role.name} ({verdict.reason})",
                             "AGW210", self.findings.find("AGW210", api, **about), 500)

    def _warnings(self, api, integration, rule_ids) -> list[dict]:
        out = []
        for rule_id in rule_ids:
            finding = self.findings.find(rule_id, api, integration=integration)
            if finding is not None:
                out.append({"rule_id": rule_id, "message": finding.message, "fix": finding.remediation})
        return out

    @staticmethod
    def _event(integration, route, method, path, stage, params) -> dict:
        version = integration.payload_format_version
        shape = version or "1.0 (probably: PayloadFormatVersion is not set)"
        event = {"payload_format_version": shape, "path_parameters": dict(params)}
        if version == "2.0":
            event["fields"] = {"event.version": "2.0", "event.routeKey": route.key, "event.rawPath": path,
                               "event.requestContext.http.method": method,
                               "event.requestContext.stage": stage.name}
        else:
            event["fields"] = {"event.httpMethod": method, "event.path": path,
                               "event.resource": route.key.partition(" ")[2] or route.key,
                               "event.requestContext.stage": stage.name,
                               "event.requestContext.http": "undefined (a 2.0 handler reading it fails)"}
        return event


# --------------------------------------------------------------------------- routes table

def routing_table(simulator: Simulator, api) -> dict:
    """The API's routes in priority order, each with its integration, function and permission coverage."""
    if api.is_websocket:
        from auditor.core.simulate_websocket import websocket_routing_table
        return websocket_routing_table(simulator, api)
    index = simulator.index
    if api.is_rest:
        return _rest_routing_table(simulator, api)
    stages = stage_cells(api)
    ranked, invalid = [], []
    for route in api.routes:
        key = parse_route_key(route.key)
        (invalid if key is None else ranked).append((route, key))
    ranked.sort(key=lambda pair: (_static_rank_of(pair[0].key), pair[0].key))
    rows, shared = [], {}
    for position, (route, key) in enumerate(ranked + invalid, start=1):
        resolution = index.target(route)
        integration = resolution.integration if resolution.state == "ok" else None
        row = {"priority": position if key is not None else None, "route_key": route.key, "route_id": route.id,
               "kind": ("invalid" if key is None else "default" if key.is_default else
                        "greedy" if key.is_greedy else "exact"),
               "target": route.target, "target_state": resolution.state, "integration": None, "function": None,
               "permission": None}
        rows.append(route_row(simulator, api, route, row, integration, key is not None, shared))
    return {"version": DOCUMENT_VERSION,
            "api": {"id": api.id, "name": api.name, "account": api.scope.account, "region": api.scope.region},
            "stages": stages, "routes": rows}


def stage_cells(api) -> list[dict]:
    return [{"name": s.name, "serves": s.serves,
             "deployment": "auto-deploy" if s.auto_deploy else s.deployment_id} for s in api.stages]


def route_row(simulator: Simulator, api, route, row: dict, integration, routable: bool,
              shared: dict | None = None) -> dict:
    """One row of the routing table: the integration, function, permission and findings of a route
    (shared by HTTP and WebSocket tables). shared: the cells of each integration already read for this
    table, by id: an API's 10,000 routes mostly share a few integrations, and their rows share those cells
    (one dict each: a table is read, as JSON or text or by the wiring graph, never changed)."""
    if integration is not None:
        cells = shared.get(id(integration)) if shared is not None else None
        if cells is None:
            cells = _integration_cells(simulator, api, integration)
            if shared is not None:
                shared[id(integration)] = cells
        integration_cell, function_cell, check, permission = cells
        row["integration"] = integration_cell
        if function_cell is not None:
            row["function"] = function_cell
        if routable:
            if permission is not None:  # the same for every route through the integration
                row["permission"] = permission
            else:
                row["permission"] = _permission_cell(check, route) if check else {"status": "not-applicable",
                                                                                    "by_stage": {}}
    about = simulator.findings.about(api, route, integration)
    row["findings"] = sorted({f.rule_id for f in about if f.rule_id != "AGW304"}) if about else []
    return row


def _integration_cells(simulator: Simulator, api, integration) -> tuple[dict, dict | None, list, dict | None]:
    """What every row through an integration shows alike: its cell, its function's, its permission checks, and
    the permission cell when no check depends on the route (an Allow of the whole API, or no verdict per
    route: `verdicts_of` and `_permission_cell` then never read the route)."""
    from auditor.core.analysis import invokes_lambda
    cell = {"id": integration.id, "type": integration.type, "subtype": integration.subtype,
            "payload_format_version": integration.payload_format_version,
            "credentials_arn": integration.credentials_arn}
    ref = integration.function_ref
    function = ({"name": ref.name, "qualifier": ref.qualifier, "arn": ref.arn}
                if ref is not None and invokes_lambda(api, integration) else None)
    checks = simulator.index.checks_of(integration)
    route_free = checks and all(c.whole_api or c.status not in ("ok", "uncovered") for c in checks)
    return cell, function, checks, _permission_cell(checks, None) if route_free else None


@lru_cache(maxsize=1 << 16)
def _static_rank_of(key: str) -> tuple:
    """route_rank of a valid key, looked up by its text (a string keeps its hash; a RouteKey hashes its fields
    on every lookup)."""
    return route_rank(parse_route_key(key))


def _rest_sort_key(method) -> tuple:
    """A REST API's methods as API Gateway prefers them, segment by segment: literal, then {param}, then
    {proxy+}; a specific verb before ANY."""
    parts = rest.segments(method.path)
    return (tuple(2 if rest.is_greedy(p) else 1 if rest.is_parameter(p) else 0 for p in parts), method.path,
            method.verb == rest.ANY, method.verb)


def _rest_routing_table(simulator: Simulator, api) -> dict:
    index = simulator.index
    stages = [{"name": s.name, "serves": s.serves, "deployment": s.deployment_id} for s in api.stages]
    rows = []
    for position, method in enumerate(sorted(api.methods, key=_rest_sort_key), start=1):
        integration = method.integration
        parts = rest.segments(method.path)
        row = {"priority": position, "route_key": method.key, "route_id": method.resource.id,
               "kind": "greedy" if any(rest.is_greedy(p) for p in parts) else "exact", "target": None,
               "target_state": "ok" if integration is not None else "missing", "integration": None,
               "function": None, "permission": None, "authorization": method.authorization_type,
               "api_key_required": method.api_key_required}
        if integration is not None:
            row["integration"] = {"id": method.key, "type": integration.type, "subtype": None,
                                  "payload_format_version": None, "credentials_arn": integration.credentials_arn,
                                  "integration_http_method": integration.integration_http_method}
            ref = integration.function_ref
            if ref is not None and integration.is_lambda_uri:
                row["function"] = {"name": ref.name, "qualifier": ref.qualifier, "arn": ref.arn}
            checks = index.checks_of(integration)
            row["permission"] = _permission_cell(checks, method) if checks else {"status": "not-applicable",
                                                                                  "by_stage": {}}
        row["findings"] = sorted({f.rule_id for f in simulator.findings.about(api, method)})
        rows.append(row)
    return {"version": DOCUMENT_VERSION,
            "api": {"id": api.id, "name": api.name, "account": api.scope.account, "region": api.scope.region,
                    "type": "REST"},
            "stages": stages, "routes": rows}


def _permission_cell(checks, route) -> dict:
    if len(checks) > 1 or checks[0].stages is not None:  # stage variables: each stage its own function
        by_stage = {}
        for check in checks:
            verdicts = (check.verdicts_of(route)
                        if check.status in ("ok", "uncovered") else {})
            for stage in check.stages or ():
                by_stage[stage] = verdicts.get(stage, "allowed" if check.status == "credentials" else check.status)
        values = set(by_stage.values())
        status = "covered" if values == {"allowed"} else "partial" if values <= {"allowed", "partial"} else "uncovered"
        return {"status": status, "by_stage": by_stage}
    check = checks[0]
    if check.status in ("ok", "uncovered"):
        by_stage = check.verdicts_of(route)
        verdicts = set(by_stage.values())
        if not verdicts:
            return {"status": check.status, "by_stage": {}}
        status = ("covered" if verdicts == {"allowed"} else "partial" if verdicts <= {"allowed", "partial"}
                  else "unknown" if verdicts <= {"allowed", "unknown"} else "uncovered")
        return {"status": status, "by_stage": by_stage}
    return {"status": check.status, "by_stage": {}}


__all__ = ["Request", "Simulator", "Explanation", "Verdict", "parse_invoke_url", "select_api", "routing_table",
           "statement_detail", "static_rank"]

"""The semantic core: how routes reach integrations, integrations reach functions, and whether
each function's resource policy lets API Gateway in.

Rules (AGW1xx/AGW2xx) and `explain` both ask these functions, so they cannot disagree.
"""

from functools import cached_property

import msgspec

from auditor.core.arnlike import compile_arn, compile_glob, glob_match, has_wildcard
from auditor.core.arns import (UNRESOLVED_MARK, FunctionRef, authorizer_source_arn, execute_api_arn, is_unresolved,
                          parse_function_uri, parse_lambda_arn, parse_source_arn, partition_for_region, substitute_stage_variables,
                          uses_stage_variable)
from auditor.core.model import Api, Authorizer, Function, Integration, RestIntegration, Route
from auditor.core.policy import Statement
from auditor.core.rest import PARAMETER_VALUE, method_source_arns
from auditor.core.routekey import CONCRETE_METHODS, parse_route_key
from auditor.core import websocket

TARGET_PREFIX = "integrations/"
_PREFIX_LENGTH = len(TARGET_PREFIX)


class TargetResolution(msgspec.Struct):
    """What a route's Target leads to. state: ok, missing, prefix, unknown, foreign."""

    state: str
    integration: Integration | None = None
    integration_id: str | None = None
    foreign_api: Api | None = None  # the API that does own the id, for "API ID mismatch"


def resolve_target(route: Route, index: "Index") -> TargetResolution:
    target = route.target
    if not target:
        return TargetResolution("missing")
    api = route.api
    own = index.integrations_of(api)
    if is_unresolved(target):
        # IaC value not known before deployment; a reader may name the integration it references.
        hinted = route.target_integration_id
        if isinstance(hinted, str) and hinted not in own and api.has_integrations:
            foreign = index.integration_owner(hinted, exclude=api)
            if foreign:  # whatever the expression's form, the id is another API's
                return TargetResolution("foreign", None, hinted, foreign)
        return TargetResolution("unresolved", own.get(hinted) if isinstance(hinted, str) else None, hinted)
    if not target.startswith(TARGET_PREFIX):
        # The tutorial's "forgot the prefix" mistake: a bare id (maybe of a real integration).
        return TargetResolution("prefix", own.get(target), target)
    integration_id = target[len(TARGET_PREFIX):]
    integration = own.get(integration_id)
    if integration is not None:
        return TargetResolution("ok", integration, integration_id)
    if not api.has_integrations:
        return TargetResolution("not-collected", None, integration_id)
    foreign = index.integration_owner(integration_id, exclude=api)
    return TargetResolution("foreign" if foreign else "unknown", None, integration_id, foreign)


class Decision(msgspec.Struct):
    """Does the policy let API Gateway invoke function_arn from source_arn, and through which statements."""

    allowed: bool
    allowing: list[Statement]
    denying: list[Statement]


def decide(statements: list[Statement], function_arn: str, source_arn: str, account: str) -> Decision:
    allowing, denying = [], []
    for statement in statements:
        if statement.allows(function_arn, source_arn, account):
            (allowing if statement.is_allow else denying).append(statement)
    return Decision(bool(allowing) and not denying, allowing, denying)


def names_api(statement: Statement, api: Api) -> bool:
    """Is this statement about this API (right partition, region, account and id), whatever path it allows?"""
    if not statement.account_allows(api.scope.account):
        return False
    if statement.source_arns is None:
        return True
    prefix = f"arn:{api.partition}:execute-api:{api.scope.region}:{api.scope.account}:{api.id}"
    if statement.source_arn_clauses:  # IAM ANDs the operators: each must be able to name the API
        return all(any(_value_names_api(op, raw, api, prefix) for op, raw in clause)
                   for clause in statement.source_arn_clauses)
    return any(_value_names_api(op, raw, api, prefix) for op, raw in statement.source_patterns)


def _value_names_api(op: str, raw: str, api: Api, prefix: str) -> bool:
    if op == "like":
        return glob_match(raw, prefix) or glob_match(raw.split("/", 1)[0], prefix)
    if op == "equals":
        return raw.split("/", 1)[0] == prefix
    pattern = parse_source_arn(raw)
    if pattern is None:
        return False
    if not (glob_match(pattern.partition, api.partition) and glob_match(pattern.service, "execute-api")
            and glob_match(pattern.region, api.scope.region) and glob_match(pattern.account, api.scope.account)):
        return False
    return glob_match(pattern.resource, api.id) or glob_match(pattern.api_id, api.id)


class Coverage(msgspec.Struct):
    """One route on one stage: the SourceArn API Gateway presents, and the verdict for it."""

    route: Route
    stage: str
    source_arn: str
    verdict: str  # "allowed", "denied", or "partial" (ANY routes granted only some methods)
    decision: Decision


def route_source_arns(api: Api, route: Route, stage: str) -> list[str]:
    """The execute-api ARNs a route can present: one, or one per method for ANY (unconfirmed form)."""
    if route.is_rest:  # a REST method: `<api>/<stage>/<VERB>/<path>`, every reading (core/rest.py)
        return method_source_arns(api, route, stage)
    scope = api.scope
    if api.is_websocket:  # `<api>/<stage>/<route-key>`, no verb
        return [websocket.route_arn(api.partition, scope.region, scope.account, api.id, stage, route.key)]
    if route.key.startswith("ANY "):
        path = route.key[4:]
        return [execute_api_arn(api.partition, scope.region, scope.account, api.id, stage, f"{m} {path}")
                for m in CONCRETE_METHODS + ("ANY",)]
    return [execute_api_arn(api.partition, scope.region, scope.account, api.id, stage, route.key)]


class Grants:
    """A function's statements as they bear on one API and one invoked function ARN.

    Principal, action, Resource, SourceAccount and the first five parts of each SourceArn do not
    depend on the route, so they are settled once here; per route only the SourceArn's resource
    part (`<api>/<stage>/<METHOD>/<path>`) is compared. Same answers as `decide`, which checks
    everything per ARN; the route loop just does not repeat the route-independent work.
    Statements with exclusions (ArnNotLike...) or two SourceArn operators take the general path for
    every route.
    """

    def __init__(self, statements: list[Statement], function_arn: str, api: Api):
        self.statements = statements
        self.function_arn = function_arn
        self.account = api.scope.account
        self.prefix = f"arn:{api.partition}:execute-api:{api.scope.region}:{api.scope.account}:"
        self.head = ("arn", api.partition, "execute-api", api.scope.region, api.scope.account)
        self.allow: list[tuple[Statement, list | None]] = []
        self.deny: list[tuple[Statement, list | None]] = []
        self.general: list[Statement] = []  # evaluated per route with Statement.allows
        for statement in statements:
            if not statement.invokable_by_apigateway or not statement.applies_to(function_arn):
                continue
            if not statement.account_allows(self.account) or (not statement.is_allow and statement.other_conditions):
                continue
            if statement.not_source_arns or statement.source_arn_clauses:
                self.general.append(statement)
                continue
            resources = None
            if statement.source_arns is not None:
                resources = [part for part in (self._resource_part(op, value, api.id)
                                               for op, value in statement.source_patterns) if part]
                if not resources:
                    continue
            (self.allow if statement.is_allow else self.deny).append((statement, resources))
        # An Allow statement here names this API (what `classify` calls "ok"; it also honours SourceAccount).
        self.names_api = any(resources is None or any(names for _, _, names in resources)
                             for _, resources in self.allow) or any(
            s.is_allow and names_api(s, api) for s in self.general)
        whole = api.id + "/"
        self.covers_whole_api = not self.deny and not any(not s.is_allow for s in self.general) and any(
            resources is None or any(text.endswith("*") and match(whole) for text, match, _ in resources)
            for _, resources in self.allow)

    def _resource_part(self, op: str, pattern: str, api_id: str) -> tuple[str, object, bool] | None:
        """(resource text, matcher of a resource, names this API) for one SourceArn value, or None
        when its first five parts cannot match this API."""
        prefix = self.prefix
        if pattern.startswith(prefix) and ":" not in pattern[len(prefix):]:  # the usual literal prefix
            text = pattern[len(prefix):]
            if op == "equals":
                return text, text.__eq__, text.split("/", 1)[0] == api_id
            match = compile_glob(text)
            return text, match, match(api_id) or glob_match(text.split("/", 1)[0], api_id)
        if op == "like":  # StringLike: one glob over the whole ARN, `*` crossing ':'
            return (pattern, lambda resource: glob_match(pattern, prefix + resource),
                    glob_match(pattern, prefix + api_id) or glob_match(pattern.split("/", 1)[0], prefix + api_id))
        if op == "equals":
            return None
        matchers = compile_arn(pattern)
        if len(matchers) == 6 and all(match(part) for match, part in zip(matchers, self.head)):
            text = pattern.split(":", 5)[5]
            return text, matchers[5], matchers[5](api_id) or glob_match(text.split("/", 1)[0], api_id)
        return None

    def decide(self, resource: str) -> Decision:
        """The decision for SourceArn prefix + resource."""
        if ":" in resource:  # not a well-formed execute-api resource: take the general path
            return decide(self.statements, self.function_arn, self.prefix + resource, self.account)
        allowing = [s for s, rs in self.allow if rs is None or any(match(resource) for _, match, _ in rs)]
        denying = [s for s, rs in self.deny if rs is None or any(match(resource) for _, match, _ in rs)]
        for statement in self.general:
            if statement.allows(self.function_arn, self.prefix + resource, self.account):
                (allowing if statement.is_allow else denying).append(statement)
        return Decision(bool(allowing) and not denying, allowing, denying)

    def cover(self, api: Api, route: Route, stage: str) -> Coverage:
        unknown_stage = is_unresolved(stage)
        # A stage name not known before deployment is never compared as if it were one: a token no
        # pattern can name literally stands for it, so only a wildcard stage segment can match.
        arns = route_source_arns(api, route, UNKNOWN_STAGE if unknown_stage else stage)
        cut = len(self.prefix)
        decisions = [self.decide(arn[cut:]) for arn in arns]
        allowed = sum(d.allowed for d in decisions)
        verdict = "allowed" if allowed == len(decisions) else "denied" if allowed == 0 else "partial"
        if unknown_stage and verdict != "allowed" and not any(d.denying for d in decisions):
            verdict = "unknown"  # some stage names might be granted (e.g. `/prod/GET/...`): not checked
        if unknown_stage:
            arns = [arn.replace(UNKNOWN_STAGE, stage) for arn in arns]
        best = next((d for d in decisions if d.allowed), decisions[0])
        shown = arns[-1] if not route.is_rest else [a for a in arns if PARAMETER_VALUE not in a][-1]  # the template
        return Coverage(route, stage, arns[0] if len(arns) == 1 else shown, verdict, best)


def cover(statements: list[Statement], function_arn: str, api: Api, route: Route, stage: str) -> Coverage:
    """Is a route on a stage allowed to invoke function_arn? (ANY routes: per method, see route_source_arns.)"""
    return Grants(statements, function_arn, api).cover(api, route, stage)


UNKNOWN_STAGE = "\ue000"  # stands for a stage name not known before deployment (see Grants.cover)
UNKNOWN_ID = "\ue001"  # stands for an authorizer id API Gateway assigns at deployment: only a wildcard matches it


def stage_names(api: Api) -> list[str]:
    """Stages to check coverage on: those that serve (an undeployed stage answers nothing);
    all of them when none serves yet (AGW105 says so); `$default` when the API has none. A REST API's stages
    serve their deployment: one with none deployed answers nothing, so no stage is checked."""
    if api.is_rest:
        return [s.name for s in api.stages if s.serves]
    return [s.name for s in api.stages if s.serves] or [s.name for s in api.stages] or ["$default"]


class PermissionCheck(msgspec.Struct):
    """The permission verdict for one Lambda integration (or authorizer) of one API.

    status: ok, credentials, dynamic, invalid, not-in-snapshot, function-missing, missing,
    api-mismatch, qualifier-mismatch, uncovered, unresolved (IaC values not known before deployment),
    cross-partition (the function is in another partition than the API, or its ARN's partition is not
    its region's), cross-account-variable (stage variables name a function in another account, which
    API Gateway does not support).

    An integration whose URI uses stage variables has one check per function its serving stages
    resolve it to: `stages` names them (None: every stage, the URI is the same on all), `uri` is the
    URI as those stages see it.
    """

    api: Api
    ref: FunctionRef | None
    function: Function | None
    status: str
    integration: Integration | None = None
    index: "Index | None" = None  # finds the routes that reach the integration when first asked (most never are)
    other_qualifier_statements: list[Statement] = []
    foreign_statements: list[Statement] = []
    grants: Grants | None = None  # for ok/uncovered; built on first use when whole_api settled the verdict
    whole_api: bool = False  # an Allow covers every route and no Deny applies: nothing is uncovered
    stages: tuple[str, ...] | None = None
    uri: str | None = None
    _coverage: list[Coverage] | None = None
    _by_route: dict | None = None

    @property
    def stage_names(self) -> list[str]:
        return list(self.stages) if self.stages is not None else stage_names(self.api)

    def stages_phrase(self) -> str:
        """" on stage(s) x, y" when the check holds for only some stages (stage variables), else ""."""
        return f" on stage(s) {', '.join(self.stages)}" if self.stages is not None else ""

    @property
    def routes(self) -> list[Route]:
        return self.index.routes_to(self.integration) if self.index and self.integration else []

    @property
    def coverage(self) -> list[Coverage]:
        """Every (route, stage) that reaches the function, with its verdict; built on first use."""
        if self._coverage is None:
            if self.grants is None and self.whole_api:
                self.grants = Grants(self.function.statements, self.ref.arn, self.api)
            grants = self.grants
            self._coverage = [] if grants is None else [
                grants.cover(self.api, route, stage)
                for route in self.routes if routable(route) for stage in self.stage_names]
        return self._coverage

    @property
    def uncovered(self) -> list[Coverage]:
        """Routes on stages no statement allows (denied, or only some methods of ANY)."""
        if self.whole_api or self.grants is None or self.grants.covers_whole_api:
            return []
        return [c for c in self.coverage if c.verdict in ("denied", "partial")]

    @property
    def unknown_coverage(self) -> list[Coverage]:
        """Routes on stages whose name is not known before deployment and whose grant depends on it."""
        if self.whole_api or self.grants is None or self.grants.covers_whole_api:
            return []
        return [c for c in self.coverage if c.verdict == "unknown"]

    def coverage_of(self, route: Route) -> list[Coverage]:
        """The route's coverage on each stage: looked up, not searched (10,000 routes on one integration)."""
        if self._by_route is None:
            by_route: dict = {}
            for c in self.coverage:
                by_route.setdefault(id(c.route), []).append(c)
            self._by_route = by_route
        return [c for c in self._by_route.get(id(route), ()) if c.route is route]

    def verdicts_of(self, route: Route) -> dict[str, str]:
        """stage -> coverage verdict for one route. An Allow of `<api ARN>/*` with no Deny (whole_api)
        allows every route on every stage: said without evaluating each (the routing table's 10,000 rows)."""
        if self.whole_api:
            return dict.fromkeys(self.stage_names, "allowed")
        return {c.stage: c.verdict for c in self.coverage_of(route)}

    def coverage_for(self, route: Route, stage: str) -> Coverage | None:
        return next((c for c in self.coverage_of(route) if c.stage == stage), None)


def routable(route: Route) -> bool:
    """A route API Gateway can route to: a REST method, a valid HTTP key, or a valid WebSocket key."""
    if route.is_rest:
        return True
    if route.api.is_websocket:
        return websocket.key_problem(route.key) is None
    return parse_route_key(route.key) is not None


def invokes_lambda(api: Api, integration: Integration) -> bool:
    """An integration that invokes a Lambda function by ARN: AWS_PROXY, and for WebSocket APIs also AWS
    (the non-proxy Lambda integration, whose URI is the function's invocation URI)."""
    if integration.subtype or not integration.uri:
        return False
    return integration.type == "AWS_PROXY" or (
        api.is_websocket and integration.type == "AWS" and ":lambda:path/" in integration.uri)


def classify(api: Api, ref: FunctionRef, function: Function) -> tuple[str, list, list, list]:
    """Shared by integrations and authorizers: which of AGW201/202/204 (or none) applies."""
    invoked = ref.arn
    apigw = [s for s in function.statements if s.is_allow and s.invokable_by_apigateway]
    on_qualifier, elsewhere = [], []
    for statement in apigw:
        (on_qualifier if statement.applies_to(invoked) else elsewhere).append(statement)
    if any(names_api(s, api) for s in on_qualifier if not _unresolved_source(s)):
        return "ok", on_qualifier, [], []
    if any(_unresolved_source(s) for s in apigw):
        return "unresolved", on_qualifier, [], []  # an IaC SourceArn/Resource not known before deployment
    other_q = [s for s in elsewhere if names_api(s, api)]
    if other_q:
        return "qualifier-mismatch", on_qualifier, other_q, []
    if on_qualifier:
        return "api-mismatch", on_qualifier, [], on_qualifier
    return "missing", [], [], elsewhere


def whole_api_source_arn(api: Api) -> str:
    """The SourceArn `add-permission` is told to use for an API: every stage, method and path."""
    return f"arn:{api.partition}:execute-api:{api.scope.region}:{api.scope.account}:{api.id}/*"


def _grants_outright(s: Statement) -> bool:
    """An Allow for API Gateway on one literal function ARN from one literal ArnLike SourceArn, with no
    other condition: it allows exactly what its two ARNs say."""
    return (s.invokable and len(s.resources) == 1 and s.source_arn_ops == ("arn",) and s.source_accounts is None
            and not s.other_conditions and not s.not_source_arns and not s.not_source_accounts and not s.org_ids
            and not s.source_arn_clauses and len(s.source_arns) == 1  # so the two ARNs are all _unresolved_source reads
            and (UNRESOLVED_MARK not in s.resources[0] or parse_lambda_arn(s.resources[0]) is not None)
            and UNRESOLVED_MARK not in s.source_arns[0])


def _unresolved_source(statement: Statement) -> bool:
    """A SourceArn or Resource not known before deployment. A function ARN whose name holds such a value
    (`items-${random_string.suffix.result}`) is compared by the value's identity instead: not unresolved."""
    return any(is_unresolved(a) for a in statement.source_arns or ()) or any(
        is_unresolved(r) and parse_lambda_arn(r) is None for r in statement.resources)


_LAMBDA_AUTHORIZERS = ("REQUEST", "TOKEN")
_REACHING = ("ok", "unresolved")  # Target states whose integration the route reaches (unresolved: by its IaC hint)
_POLICY_READS = {"GetPolicy", "ListAliases", "ListVersionsByFunction"}


class Index:
    """Lookups built once per audit so every rule runs in linear time."""

    def __init__(self, snapshot):
        self.snapshot = snapshot
        # Statements that let someone invoke a function: the security rules all start from these.
        self.invoke_statements: list[tuple[Function, Statement]] = []
        # The shortcut for the usual policy: (function, its ARN, `<api ARN>/*`) that a plain Allow in that
        # function's own policy grants outright, and the functions with a Deny, which never take the shortcut.
        self._whole_api_grants: set[tuple[int, str, str]] = set()
        self._denying: set[int] = set()
        self.functions: dict[str, Function] = {}
        invoking, outright, denying, functions = (self.invoke_statements, self._whole_api_grants, self._denying,
                                                  self.functions)  # (one pass over every function and statement)
        for scope in snapshot.scopes:
            for function in scope.functions:
                ref = parse_function_uri(function.arn)
                functions[ref.unqualified_arn if ref else function.arn] = function
                for s in function.statements:
                    if s.effect != "Allow":
                        denying.add(id(s.function))
                    elif s.grants_invoke:
                        invoking.append((function, s))
                        if _grants_outright(s):
                            outright.add((id(function), s.resources[0], s.source_arns[0]))
        self.apis = [api for scope in snapshot.scopes for api in scope.apis]
        # REST APIs (v1): their methods are walked as routes and their integrations as integrations by the
        # permission analysis; other lookups here are the HTTP/WebSocket APIs'.
        self.rest_apis = [api for scope in snapshot.scopes for api in scope.rest_apis]
        self.rest_collected = {(scope.account, scope.region) for scope in snapshot.scopes if scope.rest_collected}
        self.complete: set[tuple[str, str]] = set()
        self.scopes: dict[tuple[str, str], list] = {}
        self.api_ids: dict[tuple[str, str], set[str]] = {}
        # Functions whose policy the collector could not read (scope Errors): their permissions are unknown.
        self.unreadable = {error.resource for scope in snapshot.scopes for error in scope.errors
                           if error.operation in _POLICY_READS}
        for scope in snapshot.scopes:
            key = (scope.account, scope.region)
            self.scopes.setdefault(key, []).append(scope)
            if scope.complete:
                self.complete.add(key)
            self.api_ids.setdefault(key, set()).update(api.id for api in scope.apis)
            if scope.rest_apis:
                self.api_ids[key].update(api.id for api in scope.rest_apis)
        self._integrations = {id(api): {i.id: i for i in api.integrations} for api in self.apis}
        self._owners: dict[str, list[Api]] | None = None  # integration id -> APIs that have it; built when first asked
        self._resolutions: dict[int, dict] = {}  # per API: Target -> its resolution (routes sharing a Target share it)
        self._hinted: dict[Route, TargetResolution] = {}  # unresolved IaC Targets, resolved per route by its own hint
        self._irregular: list[Api] = []  # APIs with a Target that does not resolve "ok"
        self.referenced: set[int] = set()  # integrations some route names, even without the prefix
        for api in self.apis:
            resolutions = self._resolutions[id(api)] = {}
            irregular = False
            own = self._integrations[id(api)]
            for target, route in {route.target: route for route in api.routes}.items():
                if target and UNRESOLVED_MARK in target:  # an IaC value: each route resolves by its own hint
                    for hinted in api.routes:
                        if hinted.target == target:
                            resolution = self._hinted[hinted] = resolve_target(hinted, self)
                            if resolution.integration is not None:
                                self.referenced.add(id(resolution.integration))
                    irregular = True
                    continue
                integration = own.get(target[_PREFIX_LENGTH:]) if target and target.startswith(TARGET_PREFIX) else None
                resolution = resolutions[target] = TargetResolution("ok", integration, integration.id) \
                    if integration is not None else resolve_target(route, self)  # the usual case first
                if resolution.integration is not None:
                    self.referenced.add(id(resolution.integration))
                irregular = irregular or resolution.state != "ok"
            if irregular:
                self._irregular.append(api)
        self._routes_to: dict[int, list[Route]] = {}
        self._routes_in_state: dict[str, list[Route]] | None = None
        self._permission_checks: list[PermissionCheck] | None = None
        self._checks_by_integration: dict[int, list[PermissionCheck]] | None = None
        self._apis_by_id: dict[str, list[Api]] | None = None
        self._roles: dict | None = None
        self._authorizer_checks: dict[int, PermissionCheck] = {}
        self._authorizer_routes: dict[int, list[Route]] | None = None
        self._invokers: dict[int, list[Api]] | None = None
        self._whole_api_arns: dict[int, str] = {}
        self._authorizer_use_unknown: dict[int, bool] = {}
        self._partition_crossings: dict[tuple, bool] = {}

    @property
    def routes_in_state(self) -> dict[str, list[Route]]:
        """Routes by the state of their Target when it is not "ok" (e.g. "prefix": Target lacks it)."""
        if self._routes_in_state is None:
            self._routes_in_state = {}
            hinted = self._hinted
            for api in self._irregular:
                resolutions = self._resolutions[id(api)]
                irregular = {target for target, resolution in resolutions.items() if resolution.state != "ok"}
                for route in api.routes:
                    if route.target in irregular or (hinted and route in hinted):
                        state = self.target(route).state
                        if state != "ok":
                            self._routes_in_state.setdefault(state, []).append(route)
        return self._routes_in_state

    def integrations_of(self, api: Api) -> dict[str, Integration]:
        return self._integrations[id(api)]

    def integration_owner(self, integration_id: str, exclude: Api) -> Api | None:
        if self._owners is None:
            self._owners = {}
            for api in self.apis:
                for integration in api.integrations:
                    self._owners.setdefault(integration.id, []).append(api)
        return next((a for a in self._owners.get(integration_id, ()) if a is not exclude), None)

    def invoking_apis(self, function: Function) -> list[Api]:
        """The APIs whose integrations invoke the function (to name the right SourceArn in a fix)."""
        if self._invokers is None:
            self._invokers = {}
            for check in self.permission_checks:
                if check.function is not None:
                    apis = self._invokers.setdefault(id(check.function), [])
                    if check.api not in apis:
                        apis.append(check.api)
        return self._invokers.get(id(function), [])

    @cached_property
    def route_keys(self) -> set[str]:
        """The distinct route keys of HTTP APIs: far fewer than routes, so key checks run once per key."""
        return {route.key for api in self.apis if api.is_http for route in api.routes}

    @cached_property
    def api_source_arns(self) -> set[str]:
        """`arn:...:<api-id>/*` of every API whose region, account and id are literal: a SourceArn equal
        to one of these names an API that exists, with no wildcard in its region, account or id."""
        return {whole_api_source_arn(api) for api in (self.apis + self.rest_apis if self.rest_apis else self.apis)
                if not has_wildcard(api.scope.region + api.scope.account + api.id) and "/" not in api.id}

    def whole_api_source_arn(self, api: Api) -> str:
        arn = self._whole_api_arns.get(id(api))
        if arn is None:
            arn = self._whole_api_arns[id(api)] = whole_api_source_arn(api)
        return arn

    def routes_with_target(self, state: str) -> list[Route]:
        """Routes of HTTP and WebSocket APIs whose Target resolved to `state` (any but "ok"), without scanning every route."""
        return [r for r in self.routes_in_state.get(state, ()) if r.api.is_v2]

    def target(self, route: Route) -> TargetResolution:
        return self._hinted.get(route) or self._resolutions[id(route.api)][route.target]

    def routes_to(self, integration: Integration) -> list[Route]:
        """Routes whose Target correctly names this integration: the ones that reach it."""
        if integration.__class__ is RestIntegration:  # a REST integration belongs to its one method
            return [integration.method]
        routes = self._routes_to.get(id(integration))
        if routes is None:
            routes = self._routes_to[id(integration)] = [
                route for route in integration.api.routes
                if (resolution := self.target(route)).integration is integration and resolution.state in _REACHING]
        return routes

    def function(self, ref: FunctionRef) -> Function | None:
        return self.functions.get(ref.unqualified_arn)

    def is_complete(self, account: str, region: str) -> bool:
        return (account, region) in self.complete

    def api_exists(self, account: str, region: str, api_id: str) -> bool:
        return api_id in self.api_ids.get((account, region), ())

    def qualifier_missing(self, ref: FunctionRef, function: Function) -> bool:
        """An alias or version the integration names but the function (fully listed) lacks."""
        q = ref.qualifier
        if q is None or q == "$LATEST":
            return False
        if q.isdigit():
            return function.has_versions and q not in function.versions
        return function.has_aliases and q not in function.aliases

    def locate(self, ref: FunctionRef) -> tuple[Function | None, str | None]:
        """The function an ARN names, or why it cannot be checked: "function-missing" or "not-in-snapshot"
        (also when the collector recorded that it could not read the function's policy)."""
        function = self.function(ref)
        complete = self.is_complete(ref.account, ref.region)
        if function is None:
            return None, "function-missing" if complete else "not-in-snapshot"
        if self.unreadable and self.unreadable & {function.arn, function.name, ref.arn}:
            return function, "not-in-snapshot"
        if self.qualifier_missing(ref, function):
            return function, "function-missing"
        return function, None

    @property
    def permission_checks(self) -> list[PermissionCheck]:
        """Every Lambda integration's permission verdict, one per function its serving stages invoke,
        computed once for all rules and for `explain`."""
        if self._permission_checks is None:
            checks = self._permission_checks = []
            for api in self.apis:
                if not api.is_v2:
                    continue
                for i in api.integrations:  # invokes_lambda, its AWS_PROXY case first
                    if (i.uri and not i.subtype) if i.type == "AWS_PROXY" else invokes_lambda(api, i):
                        if i.function_ref is not None:  # a function named outright: one check (see _checks)
                            checks.append(self._check(api, i, i.function_ref))
                        else:
                            checks += self._checks(api, i)
            if self.rest_apis:
                self._permission_checks += [check for api in self.rest_apis for m in api.methods
                                            if (i := m.integration) is not None and i.uri and i.is_lambda_uri
                                            for check in self._checks(api, i)]
        return self._permission_checks

    def check_for(self, integration: Integration, stage: str) -> PermissionCheck | None:
        """The permission check that holds for an integration on one stage (what `explain` asks)."""
        return next((c for c in self.checks_of(integration) if c.stages is None or stage in c.stages), None)

    def checks_of(self, integration: Integration) -> list[PermissionCheck]:
        """An integration's permission checks: one, or one per function its stages' variables name."""
        if self._checks_by_integration is None:
            self._checks_by_integration = {}
            for check in self.permission_checks:
                self._checks_by_integration.setdefault(id(check.integration), []).append(check)
        return self._checks_by_integration.get(id(integration), [])

    @property
    def roles(self) -> dict:
        """The input's IAM roles by ARN (AGW210, explain and fix ask for the role an ARN names)."""
        if self._roles is None:
            self._roles = {role.arn: role for scope in self.snapshot.scopes for role in scope.roles}
        return self._roles

    def apis_with_id(self, api_id: str) -> list[Api]:
        """The APIs with this id, in input order (the same id may exist in several accounts or regions)."""
        if self._apis_by_id is None:
            self._apis_by_id = {}
            for api in self.apis + self.rest_apis:
                self._apis_by_id.setdefault(api.id, []).append(api)
        return self._apis_by_id.get(api_id, [])

    def _checks(self, api: Api, integration: Integration) -> list[PermissionCheck]:
        uri = integration.uri
        if integration.function_ref is not None or integration.credentials_arn or not uses_stage_variable(uri) \
                or is_unresolved(uri):
            return [self._check(api, integration, integration.function_ref)]
        # `${stageVariables.x}` in the URI: each serving stage invokes what its own variables make of it.
        by_uri: dict[str, list[str]] = {}
        stages = {stage.name: stage for stage in api.stages}
        for name in stage_names(api) if api.has_stages and api.stages else ():
            variables = stages[name].stage_variables if name in stages else None
            concrete = substitute_stage_variables(uri, variables if isinstance(variables, dict) else {})
            by_uri.setdefault(concrete, []).append(name)
        if not by_uri:  # the input does not list the API's stages: nothing to resolve the variables with
            return [PermissionCheck(api, None, None, "dynamic", integration, self, uri=uri)]
        checks = []
        for concrete, names in by_uri.items():
            ref = parse_function_uri(concrete)
            if ref is not None and ref.account != api.scope.account and not is_unresolved(api.scope.account) \
                    and not crosses_partition(api, ref):
                # AWS: a function named through stage variables must be in the API's own account.
                check = PermissionCheck(api, ref, None, "cross-account-variable", integration, self)
            else:
                check = self._check(api, integration, ref, concrete)
            check.stages, check.uri = tuple(names), concrete
            checks.append(check)
        return checks

    def _check(self, api: Api, integration: Integration, ref: FunctionRef | None,
               uri: str | None = None) -> PermissionCheck:
        uri = uri if uri is not None else integration.uri
        if integration.credentials_arn:
            return PermissionCheck(api, ref, None, "credentials", integration, self)
        if ref is None:
            dynamic = uri and ("${" in uri)  # a stage variable no stage defines, or an IaC value
            return PermissionCheck(api, None, None, "dynamic" if dynamic else "invalid", integration, self)
        if self._crosses_partition(api, ref):
            return PermissionCheck(api, ref, None, "cross-partition", integration, self)
        if UNRESOLVED_MARK in ref.unqualified_arn:  # is_unresolved, inline: once per integration
            # A name holding a value known only after apply names the same function only within one stack.
            function = self.function(ref)
            if function is None or function.scope.stack != api.scope.stack:
                return PermissionCheck(api, None, None, "dynamic", integration, self)
        function = self.functions.get(ref.unqualified_arn)
        if function is None or self.unreadable or ref.qualifier is not None:  # else `locate` finds no problem
            function, problem = self.locate(ref)
            if problem:
                return PermissionCheck(api, ref, function, problem, integration, self)
        if (id(function), ref.arn, self._whole_api_arns.get(id(api)) or self.whole_api_source_arn(api)) \
                in self._whole_api_grants and id(function) not in self._denying and "/" not in api.id:
            return PermissionCheck(api, ref, function, "ok", integration, self, whole_api=True)
        grants = Grants(function.statements, ref.arn, api)
        if grants.names_api:  # the common case, settled without the full classification
            status, other_q, foreign = "ok", [], []
        else:
            status, _, other_q, foreign = classify(api, ref, function)
        check = PermissionCheck(api, ref, function, status, integration, self,
                                other_qualifier_statements=other_q, foreign_statements=foreign)
        if status == "ok":
            check.grants = grants
            if check.uncovered:
                check.status = "uncovered"
        return check

    def _crosses_partition(self, api: Api, ref: FunctionRef) -> bool:
        """crosses_partition, settled once per scope and function partition and region (the permission pass asks
        it for every integration; a snapshot's integrations share a handful of these)."""
        key = (id(api.scope), ref.partition, ref.region)
        crosses = self._partition_crossings.get(key)
        if crosses is None:
            crosses = self._partition_crossings[key] = crosses_partition(api, ref)
        return crosses

    # ---- Lambda authorizers

    def authorizer_routes(self, authorizer: Authorizer) -> list[Route]:
        """Routes that run the authorizer: AuthorizationType CUSTOM naming it (others never invoke it)."""
        if self._authorizer_routes is None:
            self._authorizer_routes = {}
            for api in self.apis + self.rest_apis:
                by_id = {a.id: a for a in api.authorizers}
                for route in api.routes:
                    used = by_id.get(route.authorizer_id) if route.authorizer_id else None
                    if used is not None and (route.authorization_type or "").upper() == "CUSTOM":
                        self._authorizer_routes.setdefault(id(used), []).append(route)
        return self._authorizer_routes.get(id(authorizer), [])

    def authorizer_use_unknown(self, api: Api) -> bool:
        """Cannot tell which routes use which authorizer: routes not listed, or an id/type left to deployment."""
        if not api.has_routes:
            return True
        unknown = self._authorizer_use_unknown.get(id(api))
        if unknown is None:  # one search over the values joined by a newline, which no mark holds
            routes = api.routes
            unknown = self._authorizer_use_unknown[id(api)] = \
                is_unresolved("\n".join([route.authorizer_id or "" for route in routes])) or \
                is_unresolved("\n".join([route.authorization_type or "" for route in routes]))
        return unknown

    def authorizer_check(self, authorizer: Authorizer) -> PermissionCheck | None:
        """May API Gateway invoke a REQUEST authorizer's function (SourceArn `<api>/authorizers/<id>`)?
        status: credentials, cross-partition, not-in-snapshot, function-missing, ok, missing, unresolved (a
        permission whose SourceArn is not known before deployment: not judged, AGW000); None for
        authorizers that invoke no Lambda function this tool can name (JWT, dynamic URIs)."""
        if id(authorizer) in self._authorizer_checks:
            return self._authorizer_checks[id(authorizer)]
        api = authorizer.api
        # HTTP REQUEST authorizers and REST TOKEN/REQUEST ones invoke a Lambda function (not JWT, COGNITO_USER_POOLS)
        ref = parse_function_uri(authorizer.uri) if authorizer.type in _LAMBDA_AUTHORIZERS and authorizer.uri else None
        check = None
        if ref is not None:
            if authorizer.credentials_arn:
                status, function = "credentials", None
            elif crosses_partition(api, ref):
                status, function = "cross-partition", None
            else:
                function, status = self.locate(ref)
                if status is None:
                    source_arn = authorizer_source_arn(api.partition, api.scope.region, api.scope.account, api.id,
                                                       authorizer.id if authorizer.id_known else UNKNOWN_ID)
                    decision = decide(function.statements, ref.arn, source_arn, api.scope.account)
                    status = "ok" if decision.allowed else "unresolved" if any(
                        s.is_allow and s.invokable_by_apigateway and _unresolved_source(s) for s in function.statements
                    ) else "missing"  # unresolved: e.g. a plan's source_arn built from the authorizer's own id
            check = PermissionCheck(api, ref, function, status, None, self)
        self._authorizer_checks[id(authorizer)] = check
        return check


def crosses_partition(api: Api, ref: FunctionRef) -> bool:
    """Nothing crosses a partition: an API cannot invoke a function in another one, and a function ARN whose
    partition is not its region's names no function at all (partitions from botocore's endpoint data)."""
    if is_unresolved(api.scope.region):
        return False
    return ref.partition != api.partition or ref.partition != partition_for_region(ref.region)


def _limit(value):
    """A throttling limit as a number; None when absent or not a number (e.g. a value left to deployment)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def throttling_limits(stage, route: Route) -> dict:
    """The rate and burst limits in force for a route on a stage: RouteSettings[route key] overrides the
    stage's DefaultRouteSettings; neither set leaves the account's regional limit. Over a limit API Gateway
    answers 429; a limit of 0 rejects every request (reported by users, not documented)."""
    defaults = stage.default_route_settings
    defaults = defaults if isinstance(defaults, dict) else {}
    per_route = stage.route_settings
    per_route = per_route.get(route.key) if isinstance(per_route, dict) else None
    per_route = per_route if isinstance(per_route, dict) else {}
    limits = {}
    for key, label in (("ThrottlingRateLimit", "rate_limit"), ("ThrottlingBurstLimit", "burst_limit")):
        if per_route.get(key) is not None:
            limits[label] = {"value": _limit(per_route[key]), "from": f"RouteSettings of route `{route.key}`"}
        elif defaults.get(key) is not None:
            limits[label] = {"value": _limit(defaults[key]), "from": f"DefaultRouteSettings of stage {stage.name}"}
        else:
            limits[label] = {"value": None, "from": "not set: the account's limit for the region applies"}
    return limits

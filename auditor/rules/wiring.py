"""AGW10x: can a request find its route and the route its integration?"""

import json

from auditor.core.analysis import stage_names, throttling_limits
from auditor.core.arns import is_unresolved
from auditor.engine import Rule
from auditor.findings import Fix, Severity
from auditor.core.routekey import route_key_problem
from auditor.rules.common import api_resource, apigw, q, route_resource, update_route


def _reaches_nothing(route, http: str) -> str:
    """What a route with no usable target costs: `http` for an HTTP API; on a WebSocket API every connection
    (`$connect`) or the messages routed to it."""
    if not route.api.is_websocket:
        return http
    if route.key == "$connect":
        return "every connection is refused at the handshake (AGW230)"
    return "messages routed to it reach no backend"


def _lambda_integration_hint(api) -> str:
    """The integration id to suggest in a fix: the API's only one, else a placeholder."""
    return api.integrations[0].id if len(api.integrations) == 1 else "<integration-id>"


class RouteTargetPrefix(Rule):
    id = "AGW101"
    name = "route-target-prefix"
    severity = Severity.HIGH
    title = "Route target lacks the `integrations/` prefix"
    rationale = ("A route's Target must read `integrations/<IntegrationId>`. With the bare id the route exists "
                 "but is attached to nothing, the tutorial's most common mistake.")
    client_sees = "Requests matching the route probably get 500 (some reports say 404); the function is never called."
    fix = "Set the Target to `integrations/<IntegrationId>`."

    def check(self, ctx):
        for route in ctx.index.routes_with_target("prefix"):
            api = route.api
            resolution = ctx.index.target(route)
            known = resolution.integration is not None
            wanted = f"integrations/{route.target}" if known else f"integrations/{_lambda_integration_hint(api)}"
            detail = (f"`{route.target}` is the id of integration {route.target} on this API"
                      if known else f"`{route.target}` is not an integration id of this API either")
            yield self.finding(
                ctx, f"Route `{route.key}` has Target `{route.target}` without the `integrations/` prefix "
                     f"({detail}); {_reaches_nothing(route, 'requests to it probably get 500 and never reach the backend')}.",
                route_resource(route), route.location, update_route(route, "--target", q(wanted)),
                Fix("set", {"Target": wanted}))


class RouteTargetUnknown(Rule):
    id = "AGW102"
    name = "route-target-unknown"
    severity = Severity.HIGH
    title = "Route targets an integration that is not on its API"
    rationale = ("Routes can only target integrations of their own API. An id from another API usually means "
                 "commands were run with mismatched --api-id values.")
    client_sees = "Requests matching the route probably get 500 (or 404); no backend is called."
    fix = "Point the route at an integration of the same API, or create the integration on this API."

    def check(self, ctx):
        for route in ctx.index.routes_with_target("unknown") + ctx.index.routes_with_target("foreign"):
            api = route.api
            resolution = ctx.index.target(route)
            if resolution.state == "foreign":
                other = resolution.foreign_api
                why = (f"integration {resolution.integration_id} belongs to API {other.id}"
                       f"{' (' + other.name + ')' if other.name else ''}, not {api.id}: API ID mismatch")
            else:
                why = f"API {api.id} has no integration {resolution.integration_id}"
            wanted = f"integrations/{_lambda_integration_hint(api)}"
            yield self.finding(
                ctx, f"Route `{route.key}` targets `{route.target}` but {why}; "
                     f"{_reaches_nothing(route, 'requests to it probably get 500')}.",
                route_resource(route, integration_id=resolution.integration_id), route.location,
                apigw("get-integrations", api) + "  # then: " + update_route(route, "--target", q(wanted)),
                Fix("set", {"Target": wanted}))


class RouteWithoutTarget(Rule):
    id = "AGW103"
    name = "route-without-target"
    severity = Severity.HIGH
    title = "Route has no target"
    rationale = "A route without a Target matches requests but has nowhere to send them."
    client_sees = "Requests matching the route probably get 404 or 500 (AWS does not document which)."
    fix = "Set the route's Target to `integrations/<IntegrationId>`."

    def check(self, ctx):
        for route in ctx.index.routes_with_target("missing"):
            api = route.api
            wanted = f"integrations/{_lambda_integration_hint(api)}"
            yield self.finding(
                ctx, f"Route `{route.key}` has no Target: it matches requests but sends them nowhere "
                     f"({_reaches_nothing(route, 'clients probably get 404 or 500')}).",
                route_resource(route), route.location, update_route(route, "--target", q(wanted)),
                Fix("set", {"Target": wanted}))


def _suggest_key(key: str) -> str:
    """The likely intended key; a placeholder when no mechanical repair gives a valid one."""
    if key.strip().lower() == "$default":
        return "$default"
    method, sep, path = key.strip().partition(" ")
    path = path.strip()
    if not path.startswith("/"):
        path = "/" + path
    while len(path) > 1 and path.endswith("/"):
        path = path[:-1]
    while "//" in path:
        path = path.replace("//", "/")
    suggestion = f"{method.upper()} {path}" if sep else "<METHOD> /<path>"
    return suggestion if route_key_problem(suggestion) is None else "<METHOD> /<path>"


class RouteKeyInvalid(Rule):
    id = "AGW104"
    name = "route-key-invalid"
    severity = Severity.HIGH
    title = "Route key breaks HTTP API syntax"
    rationale = ("A route key is `$default` or `METHOD /path` with an upper-case method, a path starting with `/`, "
                 "`{name}` variables and at most one greedy `{name+}` as the last segment. Others fail at deploy "
                 "or never match.")
    client_sees = "Requests never match the route: 404 {\"message\":\"Not Found\"}, or the deployment fails."
    fix = "Update the route key to valid syntax."

    def check(self, ctx):
        problems = {key: problem for key in ctx.index.route_keys
                    if not is_unresolved(key) and (problem := route_key_problem(key))}
        if not problems:
            return
        for api in ctx.http_apis:
            for route in api.routes:
                problem = problems.get(route.key)
                if problem is None:
                    continue
                wanted = _suggest_key(route.key)
                yield self.finding(
                    ctx, f"Route key `{route.key}` is invalid: {problem}; requests will not match it (404).",
                    route_resource(route), route.location, update_route(route, "--route-key", q(wanted)),
                    Fix("set", {"RouteKey": wanted}))


class ApiNotServed(Rule):
    id = "AGW105"
    name = "api-not-served"
    severity = Severity.HIGH
    title = "API has no routes, or no stage that serves them"
    rationale = ("An HTTP API serves requests only through a stage that auto-deploys or carries a deployment, "
                 "and only for the routes it has.")
    client_sees = "Every request gets 404 {\"message\":\"Not Found\"}."
    fix = "Create routes, and a `$default` stage with auto-deploy (or deploy to an existing stage)."

    def check(self, ctx):
        for api in ctx.v2_apis:
            problems, commands, fixes = [], [], []
            if api.is_websocket:
                yield from self._websocket(ctx, api)
                continue
            if api.has_routes and not api.routes:
                problems.append("it has no routes")
                commands.append(apigw("create-route", api, "--route-key", q("$default"), "--target",
                                      q(f"integrations/{_lambda_integration_hint(api)}")))
                fixes.append({"action": "create-route", "RouteKey": "$default"})
            if api.has_stages and not any(stage.serves for stage in api.stages):
                if api.stages:
                    names = ", ".join(s.name for s in api.stages)
                    problems.append(f"its stage(s) {names} neither auto-deploy nor carry a deployment")
                    commands.append(apigw("update-stage", api, "--stage-name", q(api.stages[0].name), "--auto-deploy"))
                    fixes.append({"action": "set-stage", "StageName": api.stages[0].name, "AutoDeploy": True})
                else:
                    problems.append("it has no stage")
                    commands.append(apigw("create-stage", api, "--stage-name", q("$default"), "--auto-deploy"))
                    fixes.append({"action": "create-stage", "StageName": "$default", "AutoDeploy": True})
            if problems:
                yield self.finding(
                    ctx, f"API {api.id} serves nothing: {' and '.join(problems)}; every request gets 404 Not Found.",
                    api_resource(api), api.location, " && ".join(commands), Fix("serve", {"steps": fixes}))


    def _websocket(self, ctx, api):
        """A WebSocket API serves through a stage carrying a deployment (AutoDeploy where set); it needs routes."""
        problems, commands = [], []
        if api.has_routes and not api.routes:
            problems.append("it has no routes")
            commands.append(apigw("create-route", api, "--route-key", q("$default"), "--target",
                                  q(f"integrations/{_lambda_integration_hint(api)}")))
        if api.has_stages and not any(stage.serves for stage in api.stages):
            if api.stages:
                problems.append(f"its stage(s) {', '.join(s.name for s in api.stages)} carry no deployment")
                commands.append(apigw("create-deployment", api, "--stage-name", q(api.stages[0].name)))
            else:
                problems.append("it has no stage")
                commands.append(apigw("create-deployment", api) + " && " + apigw(
                    "create-stage", api, "--stage-name", q("production"), "--deployment-id", q("<deployment-id>")))
        if problems:
            yield self.finding(
                ctx, f"WebSocket API {api.id} serves nothing: {' and '.join(problems)}; every connection attempt "
                     "fails.", api_resource(api), api.location, " && ".join(commands), Fix("review", {}))


class RouteThrottledToZero(Rule):
    id = "AGW106"
    name = "route-throttled-to-zero"
    severity = Severity.HIGH
    title = "Route throttled to zero requests"
    rationale = ("A stage's DefaultRouteSettings, or its RouteSettings for one route key, set ThrottlingRateLimit or "
                 "ThrottlingBurstLimit; over the limit API Gateway answers 429 Too Many Requests, and a limit of 0 "
                 "rejects every request (reported by users; AWS does not document 0 as a special case). A route-level "
                 "setting overrides the stage default. REST stages: methodSettings `<resource path>/<VERB>` override `*/*`, field "
                 "by field (throttlingRateLimit, throttlingBurstLimit).")
    client_sees = 'Every request to the route on that stage gets 429 {"message":"Too Many Requests"}.'
    fix = "Raise the limit (or remove the setting to fall back on the account's regional limit)."

    def check(self, ctx):
        for api in ctx.http_apis:
            serving = set(stage_names(api))
            for stage in api.stages:
                if stage.name not in serving or not (stage.default_route_settings or stage.route_settings):
                    continue
                for route in api.routes:
                    limits = throttling_limits(stage, route)
                    zero = {label: limit for label, limit in limits.items() if limit["value"] == 0}
                    if not zero:
                        continue
                    which = " and ".join(f"{label.replace('_', ' ')} 0 ({limit['from']})" for label, limit in zero.items())
                    per_route = any(limit["from"].startswith("RouteSettings") for limit in zero.values())
                    settings = "ThrottlingRateLimit=100,ThrottlingBurstLimit=50"
                    command = (apigw("update-stage", api, "--stage-name", q(stage.name), "--route-settings",
                                     q(json.dumps({route.key: {"ThrottlingRateLimit": 100, "ThrottlingBurstLimit": 50}})))
                               if per_route else
                               apigw("update-stage", api, "--stage-name", q(stage.name), "--default-route-settings",
                                     q(settings)))
                    yield self.finding(
                        ctx, f"Route `{route.key}` on stage {stage.name} has {which}: every request to it gets 429 "
                             "Too Many Requests.", route_resource(route, stage=stage.name), stage.location, command,
                        Fix("set-throttling", {"StageName": stage.name, "RouteKey": route.key if per_route else None,
                                               "ThrottlingRateLimit": 100, "ThrottlingBurstLimit": 50}))
        yield from self._rest(ctx)

    def _rest(self, ctx):
        """REST stages: methodSettings `<path>/<VERB>` over `*/*` (core/rest.method_throttling)."""
        from auditor.core.rest import method_throttling
        from auditor.rules.common import patch, rest_apigw
        for api in ctx.rest_apis:
            for stage in api.stages:
                if not stage.serves or not stage.method_settings:
                    continue
                for method in api.methods:
                    limits = method_throttling(stage, method)
                    zero = {label: limit for label, limit in limits.items() if limit["value"] == 0}
                    if not zero:
                        continue
                    which = " and ".join(f"{label.replace('_', ' ')} 0 ({limit['from']})" for label, limit in zero.items())
                    key = next(limit["from"].split("`")[1] for limit in zero.values())
                    # the patch path of a method's settings: its resource path with `/` written `~1`, then the verb
                    prefix = "/*/*" if key == "*/*" else f"/{method.path.replace('/', '~1')}/{method.verb}"
                    yield self.finding(
                        ctx, f"Method `{method.key}` on stage {stage.name} has {which}: every request to it gets "
                             '429 {"message":"Too Many Requests"}.', route_resource(method, stage=stage.name),
                        stage.location,
                        rest_apigw("update-stage", api, "--stage-name", q(stage.name),
                                   patch((f"{prefix}/throttling/rateLimit", "100"),
                                         (f"{prefix}/throttling/burstLimit", "50"))),
                        Fix("set-throttling", {"StageName": stage.name, "MethodSetting": key,
                                               "ThrottlingRateLimit": 100, "ThrottlingBurstLimit": 50}))

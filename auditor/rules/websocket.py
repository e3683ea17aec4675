"""AGW13x/AGW23x: what only WebSocket APIs can get wrong (the handshake, message routing, two-way routes).

Rules about concepts WebSocket APIs share with HTTP APIs (permissions, targets, SourceArn scope) are the
shared rules, judged through the same core (analysis, core/websocket for the route ARN).
"""

from auditor.core import websocket
from auditor.core.analysis import invokes_lambda
from auditor.core.arns import is_unresolved
from auditor.engine import Rule
from auditor.findings import Fix, Severity
from auditor.rules.common import add_permission, api_source_arn, apigw, q, route_resource, update_route

_TARGET_CAUSES = {"prefix": "AGW101", "unknown": "AGW102", "foreign": "AGW102", "missing": "AGW103"}
_CHECK_CAUSES = {"missing": "AGW201", "api-mismatch": "AGW202", "qualifier-mismatch": "AGW204",
                 "function-missing": "AGW114", "invalid": "AGW113", "cross-partition": "AGW206",
                 "cross-account-variable": "AGW206"}


def connect_failure(index, route) -> tuple[str, str, str | None] | None:
    """(cause rule id, why, add-permission command or None) when `$connect` cannot reach its function (or
    its authorizer's) on some serving stage; None when it can, or when the input cannot tell."""
    api = route.api
    resolution = index.target(route)
    if resolution.state in _TARGET_CAUSES:
        return _TARGET_CAUSES[resolution.state], f"its Target `{route.target}` reaches no integration", None
    authorizer = next((a for a in api.authorizers if a.id == route.authorizer_id), None) \
        if (route.authorization_type or "").upper() == "CUSTOM" else None
    if authorizer is not None:
        check = index.authorizer_check(authorizer)
        if check is not None and check.status in ("missing", "function-missing", "cross-partition"):
            rule = {"missing": "AGW205", "function-missing": "AGW114", "cross-partition": "AGW206"}[check.status]
            return rule, f"its Lambda authorizer {authorizer.name or authorizer.id} cannot be invoked", None
    integration = resolution.integration
    if integration is None or not invokes_lambda(api, integration):
        return None
    for check in index.checks_of(integration):
        if check.status in _CHECK_CAUSES and check.ref is not None or check.status in ("invalid",):
            name = check.ref.name if check.ref is not None else integration.uri
            command = None
            if check.status in ("missing", "api-mismatch", "qualifier-mismatch"):
                command = add_permission(check.ref, api_source_arn(api, websocket.grant_suffix(websocket.CONNECT)),
                                         f"apigateway-invoke-{api.id}-connect"[:100])
            return _CHECK_CAUSES[check.status], f"its function {name} cannot be invoked{check.stages_phrase()}", command
        if check.status in ("ok", "uncovered"):
            gaps = [c for c in check.uncovered if c.route is route]
            if gaps:
                command = add_permission(check.ref, api_source_arn(api, websocket.grant_suffix(websocket.CONNECT)),
                                         f"apigateway-invoke-{api.id}-connect"[:100])
                return ("AGW203", f"no permission of {check.ref.name} matches `{gaps[0].source_arn}` (stage(s) "
                                  f"{', '.join(c.stage for c in gaps)})", command)
    return None


class ConnectUnreachable(Rule):
    id = "AGW230"
    name = "websocket-connect-unreachable"
    severity = Severity.HIGH
    title = "WebSocket `$connect` route cannot reach its function: every connection is refused"
    rationale = ("API Gateway calls the `$connect` route while the WebSocket handshake is under way; when its "
                 "integration (or the route's Lambda authorizer) cannot be invoked, the connection is not "
                 "established, so no client can connect at all and no message route is ever used. The cause is "
                 "reported by its own rule (AGW101-AGW103 target, AGW114 function, AGW201-AGW206 permission); this "
                 "finding says what it costs. The permission's SourceArn for `$connect` is "
                 "`arn:<partition>:execute-api:<region>:<account>:<api-id>/<stage>/$connect`, with no verb. "
                 f"AWS: {websocket.DOC_ROUTES}, {websocket.DOC_IAM}. AWS does "
                 "not document the handshake's HTTP status; probably 500 (403 when an authorizer denies).")
    client_sees = "Every WebSocket connection attempt fails at the handshake; no message is ever routed."
    fix = "Repair the cause the message names (usually: `aws lambda add-permission` for `<api-id>/*/$connect`)."

    def check(self, ctx):
        for api in ctx.websocket_apis:
            for route in api.routes:
                if route.key != websocket.CONNECT:
                    continue
                failure = connect_failure(ctx.index, route)
                if failure is None:
                    continue
                cause, why, command = failure
                yield self.finding(
                    ctx, f"WebSocket API {api.id} refuses every connection: its `$connect` route cannot complete the "
                         f"handshake because {why} ({cause}).", route_resource(route), route.location,
                    command or f"# see {cause} on this API for the exact fix", Fix("review", {"cause": cause}))


class AuthorizerNotOnConnect(Rule):
    id = "AGW231"
    name = "websocket-authorizer-not-on-connect"
    severity = Severity.HIGH
    title = "WebSocket route other than `$connect` has an authorizer"
    rationale = ("A WebSocket API authorizes the connection, not each message: AWS documents that a Lambda "
                 f"authorizer can only be used on the `$connect` route ({websocket.DOC_AUTH}), "
                 f"and IAM authorization is checked on the connection request ({websocket.DOC_IAM}). An authorization type on another route is probably rejected by API Gateway when the "
                 "route is created or deployed; in any case it protects no message.")
    client_sees = "Probably nothing reaches the API (the deployment fails); messages on the route are not authorized."
    fix = "Set the route's AuthorizationType to NONE and put the authorizer on `$connect`."

    def check(self, ctx):
        for api in ctx.websocket_apis:
            connect = next((r for r in api.routes if r.key == websocket.CONNECT), None)
            for route in api.routes:
                kind = route.authorization_type or "NONE"
                if route.key == websocket.CONNECT or kind.upper() == "NONE" or is_unresolved(kind) \
                        or is_unresolved(route.key):
                    continue
                command = update_route(route, "--authorization-type", "NONE")
                if connect is not None and (connect.authorization_type or "NONE") == "NONE":
                    extra = ["--authorization-type", q(kind)]
                    if route.authorizer_id:
                        extra += ["--authorizer-id", q(route.authorizer_id)]
                    command += " && " + update_route(connect, *extra)
                yield self.finding(
                    ctx, f"Route `{route.key}` of WebSocket API {api.id} has AuthorizationType {kind}: WebSocket "
                         "APIs authorize only on `$connect`, so API Gateway probably rejects it, and it would "
                         "protect no message.", route_resource(route), route.location, command,
                    Fix("set", {"AuthorizationType": "NONE"}))


class TwoWayRouteWithoutResponse(Rule):
    id = "AGW130"
    name = "websocket-two-way-route-without-response"
    severity = Severity.MEDIUM
    title = "Two-way WebSocket route has no route response"
    rationale = ("A route becomes two-way when its RouteResponseSelectionExpression is set; the backend's reply "
                 "reaches the client only through a route response (`$default` key for a proxy integration). "
                 f"Without one the reply is probably dropped. AWS: {websocket.DOC_RESPONSES}, "
                 f"{websocket.DOC_ROUTES}. Routes whose responses were not collected are not judged.")
    client_sees = "The client probably gets no reply to its messages on the route, though the backend runs."
    fix = "Create a route response: `aws apigatewayv2 create-route-response --route-response-key '$default'`."

    def check(self, ctx):
        for api in ctx.websocket_apis:
            for route in api.routes:
                expression = route.route_response_selection_expression
                if not isinstance(expression, str) or not expression or is_unresolved(expression):
                    continue
                if not isinstance(route.route_responses, list) or route.route_responses:
                    continue  # not collected, or has one
                yield self.finding(
                    ctx, f"Route `{route.key}` of WebSocket API {api.id} is two-way (RouteResponseSelectionExpression "
                         f"`{expression}`) but has no route response: the backend's reply probably never reaches "
                         "the client.", route_resource(route), route.location,
                    apigw("create-route-response", api, "--route-id", q(route.id or "<route-id>"),
                          "--route-response-key", q("$default")),
                    Fix("review", {"RouteResponseKey": "$default"}))


class RouteKeyUnselectable(Rule):
    id = "AGW131"
    name = "websocket-route-key-unselectable"
    severity = Severity.MEDIUM
    title = "WebSocket route key the route selection expression can never select"
    rationale = ("A message goes to the custom route whose key equals the API's route selection expression "
                 "evaluated over the message (`$request.body.action`, or `${request.body.x}` with static text "
                 "around). When the expression's static text can never produce a key (e.g. expression "
                 "`${request.body.service}/${request.body.action}` and key `sendmessage`, or a constant expression), "
                 f"the route is dead: its messages go to `$default`, or are refused. AWS: "
                 f"{websocket.DOC_ROUTES} (route selection expressions).")
    client_sees = "Messages meant for the route go to `$default` (or get a Forbidden frame when there is none)."
    fix = "Rename the route key to a value the expression can produce, or change the route selection expression."

    def check(self, ctx):
        for api in ctx.websocket_apis:
            selection = websocket.parse_selection(api.route_selection_expression)
            if selection is None:
                continue
            for route in api.routes:
                if not websocket.is_custom(route.key) or is_unresolved(route.key):
                    continue
                if websocket.selectable(selection, route.key):
                    continue
                yield self.finding(
                    ctx, f"Route `{route.key}` of WebSocket API {api.id} can never be selected: the route selection "
                         f"expression `{selection.raw}` never evaluates to `{route.key}`, so its messages go to "
                         "`$default` (or are refused).", route_resource(route), route.location,
                    update_route(route, "--route-key", q("<a value the expression produces>")),
                    Fix("review", {}))

"""The WebSocket half of the one simulator (core/simulate.Simulator dispatches here by API type).

A connection is the `$connect` route run during the handshake (authorizer, target, integration, function,
permission); a message is routed by the API's route selection expression (core/websocket) to a custom route
or `$default`, after the connection it travels on was accepted. Every step asks the same core and the same
findings as `explain` for HTTP APIs, so `audit` and `explain` tell one story.

What the client sees, and the AWS page stating it:
- no route matches and there is no `$default`: an error ("the service returns an error",
  websocket-api-develop-routes.html); the frame is reported as `{"message": "Forbidden", ...}`;
- a Lambda authorizer runs on `$connect` only (apigateway-websocket-api-lambda-auth.html);
- the SourceArn is `<api-id>/<stage>/<route-key>` (apigateway-websocket-control-access-iam.html).
"""

from dataclasses import dataclass

from auditor.core import websocket
from auditor.core.analysis import invokes_lambda
from auditor.core.arns import is_unresolved
from auditor.core.simulate import Explanation, Verdict, _Stop, statement_detail
from auditor.errors import UsageError

HANDSHAKE_REFUSED = "the WebSocket handshake is refused"
ERROR_FRAME = '{"message": "Internal server error", "connectionId": "<id>", "requestId": "<id>"}'


@dataclass(slots=True)
class WebSocketRequest:
    """A connection (`$connect`), a disconnection (`$disconnect`), or a message (its text) to a WebSocket API."""

    route_key: str | None = None  # "$connect" / "$disconnect"; None for a message
    message: str | None = None
    api_id: str | None = None
    region: str | None = None
    stage: str | None = None
    url: str | None = None
    assume_connected: bool = False  # a message on a connection taken as accepted (drawings judge each route)


def explain_websocket(sim, request: WebSocketRequest) -> Explanation:
    from auditor.core.simulate import select_api
    api = select_api(sim.index, request.api_id, request.region, protocol="WEBSOCKET")
    described = {"protocol": "websocket", "api_id": api.id, "api_name": api.name, "account": api.scope.account,
                 "region": api.scope.region}
    if request.message is not None:
        described["message"] = request.message
    else:
        described["route_key"] = request.route_key
    for key in ("url", "stage"):
        if getattr(request, key):
            described[key] = getattr(request, key)
    steps: dict = {}
    try:
        stage = _stage(sim, api, request, steps)
        if request.message is None and request.route_key == websocket.DISCONNECT:
            if not api.has_routes:
                raise sim._unknown(f"cannot tell what `$disconnect` calls: the input holds no route list for API "
                                   f"{api.id}")
            verdict = _run_route(sim, api, stage, _route_named(api, websocket.DISCONNECT), steps, "disconnect")
        else:
            connect = Verdict(True, "accepted", "taken as accepted") if request.assume_connected and \
                request.message is not None else _connect(sim, api, stage, steps if request.message is None else {})
            if request.message is None:
                verdict = connect
            else:
                steps["connection"] = {"accepted": True, "summary": connect.summary}
                route = _select(sim, api, request.message, steps)
                verdict = _run_route(sim, api, stage, route, steps, "message")
                verdict.conditions = [f"the connection was accepted ({connect.summary})"] + connect.conditions \
                    + verdict.conditions
    except _Stop as stop:
        verdict = stop.verdict
    return Explanation(described, steps, verdict)


def _stage(sim, api, request: WebSocketRequest, steps: dict):
    """A WebSocket URL names its stage (`wss://<api>.execute-api.<region>.amazonaws.com/<stage>`)."""
    if not api.has_stages:
        raise sim._unknown(f"cannot tell which stage serves the connection: the input lists no stages of {api.id}")
    stages = {s.name: s for s in api.stages}
    name = request.stage
    if name is None and len(stages) == 1:
        name = next(iter(stages))
    if name is None:
        raise UsageError(f"WebSocket API {api.id} has stages {', '.join(sorted(stages)) or '(none)'}: choose one with "
                         "--stage NAME (or a wss:// URL ending in the stage)")
    stage = stages.get(name)
    if stage is None:
        finding = sim.findings.find("AGW105", api)
        steps["stage"] = {"name": None, "reason": f"API {api.id} has no stage `{name}`", "stages": sorted(stages)}
        raise sim._fail(f"probably 403 Forbidden at the handshake: API {api.id} has no stage `{name}`",
                        "AGW105" if finding else None, finding, 403, (403, 404), certain=False)
    deploy = (f"serves deployment {stage.deployment_id}" if stage.deployment_id else
              "auto-deploys" if stage.auto_deploy else "has no deployment")
    steps["stage"] = {"name": stage.name, "reason": f"the connection URL names stage {stage.name}",
                      "serves": stage.serves, "deployment": deploy}
    if not stage.serves:
        finding = sim.findings.find("AGW105", api)
        raise sim._fail(f"{HANDSHAKE_REFUSED}: stage {stage.name} has no deployment, so it serves nothing",
                        "AGW105" if finding else None, finding, None, (403, 404), certain=False)
    return stage


def _route_named(api, key: str):
    return next((r for r in api.routes if r.key == key), None)


def _connect(sim, api, stage, steps: dict) -> Verdict:
    """The handshake: `$connect` (optional) runs its authorizer and its integration; a failure refuses it."""
    if not api.has_routes:
        raise sim._unknown(f"cannot tell what the handshake runs: the input holds no route list for API {api.id}")
    route = _route_named(api, websocket.CONNECT)
    steps["route"] = {"chosen": websocket.CONNECT if route else None,
                      "reason": "API Gateway calls `$connect` while the connection is being initiated"}
    if route is None:
        steps["route"]["reason"] = "the API has no `$connect` route: no backend is called for the handshake"
        return Verdict(True, "accepted", "the connection is probably accepted: the API has no `$connect` route, so "
                                         "no backend is asked", certain=False)
    try:
        verdict = _run_route(sim, api, stage, route, steps, "connect")
    except _Stop as stop:
        v = stop.verdict
        if v.outcome == "fails":
            v.summary = f"{HANDSHAKE_REFUSED} ({v.summary}): no client can connect"
            if v.rule_id and v.rule_id != "AGW230":
                refused = sim.findings.find("AGW230", api, route=route)
                if refused is not None:
                    v.conditions.append(f"AGW230: {refused.message}")
        raise
    if verdict.reaches:
        verdict.outcome = "accepted"
        verdict.summary = f"the connection is accepted: {verdict.summary}"
        if verdict.event is not None and verdict.event.get("integration") == "lambda":
            verdict.conditions.append("the `$connect` function returns a 2xx statusCode (else the connection is "
                                      "refused)")
    return verdict


def _select(sim, api, message: str, steps: dict):
    """The route a message takes: the selection expression's value names a custom route, else `$default`."""
    if not api.has_routes:
        raise sim._unknown(f"cannot tell where the message goes: the input holds no route list for API {api.id}")
    expression = api.route_selection_expression
    selection = websocket.parse_selection(expression)
    route, evaluation, how = websocket.choose_message_route(api.routes, selection, message)
    candidates = []
    for r in api.routes:
        if not websocket.is_custom(r.key):
            continue
        won = route is r
        candidates.append({"route_key": r.key, "matched": won, "won": won,
                           "reason": "equals the expression's value" if won else
                           "not the expression's value" if evaluation.value is not None else
                           "the expression has no value"})
    steps["selection"] = {"expression": expression, "value": evaluation.value, "reason": evaluation.reason}
    steps["route"] = {"chosen": route.key if route else None, "how": how, "candidates": candidates}
    if how == "unknown":
        if expression is not None and is_unresolved(str(expression)):
            raise sim._unknown("the route selection expression is not known before deployment")
        raise sim._unknown(f"the route selection expression `{expression}` is not one this tool evaluates "
                           "(`$request.body.x` or `${request.body.x}` with static text)")
    if route is None:
        steps["route"]["reason"] = "no custom route has the expression's value and the API has no `$default` route"
        raise sim._fail(f"the message is refused: {evaluation.reason}, no route matches and the API has no "
                        f"`$default` route, so API Gateway answers with an error frame (reported as "
                        f"{websocket.FORBIDDEN_FRAME}); no backend is called", None, None, None, certain=True)
    steps["route"]["reason"] = (f"{evaluation.reason}, the key of custom route `{route.key}`" if how == "matched" else
                                f"{evaluation.reason}; no custom route has it, so `$default` takes the message"
                                if evaluation.value is not None else f"{evaluation.reason}, so `$default` takes it")
    return route


def _run_route(sim, api, stage, route, steps: dict, phase: str) -> Verdict:
    """Authorization (`$connect` only), target, integration, function and permission of one route."""
    if route is None:  # `$disconnect` absent: nothing to call
        steps["route"] = {"chosen": None, "reason": "the API has no `$disconnect` route"}
        return Verdict(True, "no-backend", "nothing is called: the API has no `$disconnect` route")
    if phase == "disconnect":
        steps["route"] = {"chosen": route.key, "reason": "API Gateway calls `$disconnect` after the connection closes "
                                                         "(best effort)"}
    conditions = []
    kind = (route.authorization_type or "NONE").upper()
    if route.key == websocket.CONNECT:
        conditions += sim._authorization(api, route, steps)
    elif kind != "NONE":
        finding = sim.findings.find("AGW231", api, route=route)
        steps["authorization"] = {"type": kind, "detail": "WebSocket APIs authorize on `$connect` only"}
        conditions.append(f"AGW231: route `{route.key}` carries AuthorizationType {kind}, which WebSocket APIs "
                          "accept only on `$connect`" + (f" ({finding.message})" if finding else ""))
    try:
        integration = sim._target(api, route, steps)
    except _Stop as stop:
        _reword(stop.verdict, phase)
        raise
    try:
        verdict = _integration(sim, api, stage, route, integration, steps)
    except _Stop as stop:
        _reword(stop.verdict, phase)
        raise
    verdict.conditions = conditions + verdict.conditions
    if phase == "message":
        verdict.warnings += _reply(sim, api, route, steps)
    return verdict


def _reword(verdict: Verdict, phase: str) -> None:
    if verdict.outcome != "fails" or phase != "message":
        return
    verdict.summary = (f"the message fails ({verdict.summary}); the client probably gets the error frame "
                       f"{ERROR_FRAME}")


def _integration(sim, api, stage, route, integration, steps: dict) -> Verdict:
    steps["integration"] = {"id": integration.id, "type": integration.type, "subtype": integration.subtype,
                            "uri": integration.uri, "payload_format_version": None,
                            "timeout_ms": integration.timeout_ms if integration.timeout_ms is not None else 29000,
                            "credentials_arn": integration.credentials_arn}
    if is_unresolved(integration.type or ""):
        raise sim._unknown(f"integration {integration.id}'s IntegrationType is not known before deployment")
    if not invokes_lambda(api, integration):
        if integration.type == "MOCK":
            return Verdict(True, "reaches-backend", f"answered by the MOCK integration {integration.id}")
        return Verdict(True, "reaches-backend", f"reaches the {integration.type or 'untyped'} backend "
                                                f"{integration.uri or ''}".rstrip())
    check = sim.index.check_for(integration, stage.name)
    ref = check.ref if check is not None else integration.function_ref
    if check is not None and check.stages is not None:
        steps["integration"]["uri_on_stage"] = check.uri
    if ref is None:
        if check is not None and check.status == "dynamic":
            raise sim._unknown(f"integration {integration.id} names its function through `{check.uri or integration.uri}`"
                               ", which cannot be resolved from the input", "AGW000",
                               sim.findings.find("AGW000", api, integration=integration))
        finding = sim.findings.find("AGW113", api, integration=integration)
        raise sim._fail(f"integration {integration.id}'s IntegrationUri names no Lambda function", "AGW113", finding,
                        500)
    function, problem = sim.index.locate(ref)
    if check is not None and check.status in ("cross-partition", "cross-account-variable"):
        problem = check.status
    steps["function"] = {"name": ref.name, "qualifier": ref.qualifier, "invoked_arn": ref.arn, "region": ref.region,
                         "account": ref.account, "in_input": function is not None,
                         "timeout_s": function.timeout_s if function else None}
    arn = websocket.route_arn(api.partition, api.scope.region, api.scope.account, api.id, stage.name, route.key)
    steps["source_arn"] = {"arn": arn, "template": route.key,
                           "note": "WebSocket routes present `<api-id>/<stage>/<route-key>`, with no verb"}
    if problem in ("cross-partition", "cross-account-variable"):
        raise sim._fail(f"probably 500: API Gateway cannot invoke {ref.arn} (another partition or, through stage "
                        "variables, another account)", "AGW206",
                        sim.findings.find("AGW206", api, integration=integration, function_arn=ref.arn), 500,
                        certain=False)
    if problem == "function-missing":
        raise sim._fail(f"the function cannot be invoked: {ref.arn} does not exist", "AGW114",
                        sim.findings.find("AGW114", api, integration=integration, function_arn=ref.arn), 500)
    if problem == "not-in-snapshot":
        raise sim._unknown(f"function {ref.arn} is not in the input, so its permission cannot be checked", "AGW000",
                           sim.findings.find("AGW000", api, integration=integration, function_arn=ref.arn))
    event = {"integration": "lambda", "fields": {"event.requestContext.routeKey": route.key,
                                                 "event.requestContext.stage": stage.name,
                                                 "event.requestContext.eventType": _event_type(route.key)}}
    if integration.credentials_arn:
        steps["permission"] = {"path": "credentials", "role_arn": integration.credentials_arn,
                               "detail": "API Gateway assumes this role to invoke the function; the function's "
                                         "resource policy is not consulted"}
        sim._assumable(api, integration.credentials_arn, integration=integration)
        return Verdict(True, "reaches-function", f"reaches {ref.arn} through role {integration.credentials_arn}",
                       event=event)
    status, coverage = sim._coverage(api, route, stage, ref, function, check)
    statements = [statement_detail(s, ref.arn, [arn], api.scope.account) for s in function.statements]
    steps["permission"] = {"path": "resource-policy", "classification": status,
                           "coverage": coverage.verdict if coverage else None, "statements": statements}
    rule = {"missing": "AGW201", "api-mismatch": "AGW202", "qualifier-mismatch": "AGW204"}.get(status)
    if rule:
        finding = sim.findings.find(rule, api, integration=integration, function_arn=ref.arn)
        raise sim._fail(f"the function cannot be invoked: {ref.name}'s resource policy does not let API Gateway invoke it for API {api.id}",
                        rule, finding, 500)
    if coverage is None or coverage.verdict == "unknown" or status == "unresolved":
        raise sim._unknown(f"whether {ref.name}'s permission covers `{arn}` depends on values not known before "
                           "deployment", "AGW000", sim.findings.find("AGW000", api, integration=integration))
    if coverage.verdict != "allowed":
        finding = sim.findings.find("AGW203", api, route=route, integration=integration, function_arn=ref.arn)
        raise sim._fail(f"the function cannot be invoked: no statement of {ref.name} allows `{arn}`", "AGW203", finding, 500)
    allowing = ", ".join(f"`{s.sid}`" for s in coverage.decision.allowing)
    return Verdict(True, "reaches-function", f"reaches {ref.arn} (allowed by statement {allowing})", event=event)


def _event_type(route_key: str) -> str:
    return {websocket.CONNECT: "CONNECT", websocket.DISCONNECT: "DISCONNECT"}.get(route_key, "MESSAGE")


def _reply(sim, api, route, steps: dict) -> list[dict]:
    """Whether the backend's answer goes back to the client: only on a two-way route with a route response."""
    expression = route.route_response_selection_expression
    responses = route.route_responses
    if not expression:
        steps["reply"] = {"two_way": False, "detail": "one-way route: the backend's return value is not sent back "
                                                      "(it can post to the connection through the @connections API)"}
        return []
    steps["reply"] = {"two_way": True, "route_response_selection_expression": expression,
                      "route_responses": [r.get("RouteResponseKey") for r in responses or () if isinstance(r, dict)]
                      if isinstance(responses, list) else None}
    finding = sim.findings.find("AGW130", api, route=route)
    if finding is None:
        return []
    return [{"rule_id": "AGW130", "message": finding.message, "fix": finding.remediation}]


# --------------------------------------------------------------------------- routes table

_ORDER = {websocket.CONNECT: 0, websocket.DISCONNECT: 1, websocket.DEFAULT: 3}


def websocket_routing_table(sim, api) -> dict:
    """A WebSocket API's routes: `$connect` and `$disconnect` (the connection's), then the custom routes a
    message's selection value names, then `$default` (what no custom route takes); a custom key the
    selection expression can never produce is listed last, as never reached (AGW131)."""
    from auditor.core.simulate import DOCUMENT_VERSION, route_row, stage_cells
    selection = websocket.parse_selection(api.route_selection_expression)
    ordered = sorted(api.routes, key=lambda r: (_ORDER.get(r.key, 2), r.key))
    reachable = [r for r in ordered if not (websocket.is_custom(r.key) and selection is not None
                                            and not websocket.selectable(selection, r.key))]
    never = [r for r in ordered if r not in reachable]
    rows = []
    for position, route in enumerate(reachable + never, start=1):
        resolution = sim.index.target(route)
        integration = resolution.integration if resolution.state == "ok" else None
        kind = {websocket.CONNECT: "connect", websocket.DISCONNECT: "disconnect",
                websocket.DEFAULT: "default"}.get(route.key, "custom" if route in reachable else "unselectable")
        row = {"priority": position if route in reachable else None, "route_key": route.key, "route_id": route.id,
               "kind": kind, "target": route.target, "target_state": resolution.state, "integration": None,
               "function": None, "permission": None,
               "two_way": bool(route.route_response_selection_expression)}
        rows.append(route_row(sim, api, route, row, integration, websocket.key_problem(route.key) is None))
    return {"version": DOCUMENT_VERSION,
            "api": {"id": api.id, "name": api.name, "account": api.scope.account, "region": api.scope.region,
                    "protocol": "WEBSOCKET", "route_selection_expression": api.route_selection_expression},
            "stages": stage_cells(api), "routes": rows}

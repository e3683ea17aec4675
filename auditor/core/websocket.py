"""WebSocket API semantics (API Gateway v2, ProtocolType WEBSOCKET): route keys, the route selection
expression evaluated over a message, and the execute-api ARN a route presents.

Sources (AWS API Gateway developer guide):
- websocket-api-develop-routes.html: the predefined keys `$connect`, `$disconnect`, `$default`; a
  custom route is chosen when the selection expression, evaluated over the JSON message, equals its key;
  a message that is not JSON, or over which the expression cannot be evaluated, or whose value matches
  no key, goes to `$default`; with no `$default` the service returns an error. The expression has the
  form `$request.body.<path>`, or `${request.body.<path>}` with static text around (e.g.
  `${request.body.service}/${request.body.action}`); a value that is not a string is stringified.
- apigateway-websocket-control-access-iam.html: a route's ARN is
  `arn:<partition>:execute-api:<region>:<account>:<api-id>/<stage>/<route-key>` (no HTTP verb).
- apigateway-websocket-api-lambda-auth.html: a Lambda authorizer can only be used on `$connect`.
"""

import json
import re
from dataclasses import dataclass

from auditor.core.arnlike import glob_match
from auditor.core.arns import is_unresolved

CONNECT, DISCONNECT, DEFAULT = "$connect", "$disconnect", "$default"
PREDEFINED = (CONNECT, DISCONNECT, DEFAULT)
DOC_ROUTES = "https://docs.aws.amazon.com/apigateway/latest/developerguide/websocket-api-develop-routes.html"
DOC_IAM = "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-control-access-iam.html"
DOC_AUTH = "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-lambda-auth.html"
DOC_RESPONSES = ("https://docs.aws.amazon.com/apigateway/latest/developerguide/"
                 "apigateway-websocket-api-route-response.html")
# What a client is reported to receive for a message no route takes when there is no `$default` route (AWS's
# page says only "the service returns an error"; the frame's body is what users report).
FORBIDDEN_FRAME = '{"message": "Forbidden", "connectionId": "<id>", "requestId": "<id>"}'


def is_websocket(api) -> bool:
    return api.protocol_type == "WEBSOCKET"


def is_custom(route_key: str) -> bool:
    return route_key not in PREDEFINED


def route_arn(partition: str, region: str, account: str, api_id: str, stage: str, route_key: str) -> str:
    """The SourceArn (and authorizer methodArn) of a WebSocket route on a stage: no verb, the key as it is."""
    return f"arn:{partition}:execute-api:{region}:{account}:{api_id}/{stage}/{route_key}"


def grant_suffix(route_key: str) -> str:
    """The SourceArn tail granting one route on every stage."""
    return f"/*/{route_key}"


def key_problem(route_key: str) -> str | None:
    """Why a WebSocket route key cannot be one (empty); any other string is a valid key."""
    if not route_key:
        return "the route key is empty"
    return None


def looks_like_http_form(resource: str) -> bool:
    """A SourceArn resource written for an HTTP/REST route (`<api>/<stage>/GET/...`): its third segment is a
    verb. Such a grant covers no WebSocket route unless a wildcard makes it."""
    parts = resource.split("/")
    return len(parts) >= 4 and parts[2] in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY")


# --------------------------------------------------------------------------- selection expressions

_WRAPPED = re.compile(r"\$\{([^}]*)\}")
_BARE = re.compile(r"^\$(request\.body(?:\.[^.\s]+)*)$")


@dataclass(frozen=True)
class Selection:
    """A parsed route selection expression: static text and `request.body...` references, in order."""

    raw: str
    parts: tuple  # ("text", str) | ("body", tuple[str, ...]) (the JSON path after request.body)

    @property
    def references(self) -> list[tuple]:
        return [value for kind, value in self.parts if kind == "body"]

    @property
    def constant(self) -> bool:
        return not self.references


def parse_selection(expression) -> Selection | None:
    """The expression as static text and body references; None when it is not one this tool can read
    (a value not known before deployment, or a form other than `$request.body.x` / `${request.body.x}`)."""
    if not isinstance(expression, str) or not expression or is_unresolved(expression):
        return None
    bare = _BARE.match(expression)
    if bare:
        return Selection(expression, (("body", tuple(bare.group(1).split(".")[2:])),))
    parts, position = [], 0
    for match in _WRAPPED.finditer(expression):
        if match.start() > position:
            parts.append(("text", expression[position:match.start()]))
        inner = match.group(1).strip()
        if inner != "request.body" and not inner.startswith("request.body."):
            return None  # `${context.x}` and other sources: not evaluated here
        parts.append(("body", tuple(inner.split(".")[2:])))
        position = match.end()
    if "$" in expression[position:] or any("$" in text for kind, text in parts if kind == "text"):
        return None
    if position < len(expression):
        parts.append(("text", expression[position:]))
    return Selection(expression, tuple(parts))


def _stringify(value) -> str:
    """AWS: the result is stringified (an array shows as `[item1, item2]`); strings are taken as they are."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_stringify(v) for v in value) + "]"
    return json.dumps(value, separators=(",", ":"))


_MISSING = object()


def _lookup(body, path: tuple):
    value = body
    for name in path:
        if not isinstance(value, dict) or name not in value:
            return _MISSING
        value = value[name]
    return value


@dataclass
class Evaluation:
    """The selection expression's value for one message, or why it has none (`$default` then takes it)."""

    value: str | None
    reason: str


def evaluate(selection: Selection, message: str) -> Evaluation:
    try:
        body = json.loads(message)
    except (ValueError, RecursionError):
        return Evaluation(None, "the message is not JSON")
    out = []
    for kind, value in selection.parts:
        if kind == "text":
            out.append(value)
            continue
        found = _lookup(body, value)
        if found is _MISSING or found is None:
            path = ".".join(("request", "body") + value)
            return Evaluation(None, f"the message has no `{path[len('request.body.'):] or path}` property, so "
                                    f"`{selection.raw}` cannot be evaluated")
        out.append(_stringify(found))
    return Evaluation("".join(out), f"`{selection.raw}` evaluates to `{''.join(out)}`")


def selectable(selection: Selection, route_key: str) -> bool:
    """Can some message make the expression evaluate to this key? Each reference may stand for any text,
    the static text must appear as written: a linear glob match (`*` per reference)."""
    # glob_match knows no escape: static text holding `*` or `?` (rare) is compared loosely as a wildcard, and
    # _static_in_order rechecks it.
    pattern = "".join(value if kind == "text" else "*" for kind, value in selection.parts)
    if not any(ch in pattern for ch in "*?"):
        return pattern == route_key
    return glob_match(pattern, route_key) and _static_in_order(selection, route_key)


def _static_in_order(selection: Selection, route_key: str) -> bool:
    texts = [value for kind, value in selection.parts if kind == "text"]
    if not any("*" in t or "?" in t for t in texts):
        return True
    position = 0  # left-to-right search for each static text in order (a sound over-approximation)
    for text in texts:
        found = route_key.find(text, position)
        if found < 0:
            return False
        position = found + len(text)
    return True


def choose_message_route(routes: list, selection: Selection | None, message: str):
    """(route or None, Evaluation, how it was chosen) for one message, as API Gateway routes it."""
    by_key = {route.key: route for route in routes}
    default = by_key.get(DEFAULT)
    if selection is None:
        evaluation = Evaluation(None, "the route selection expression is not one this tool can evaluate")
        return None, evaluation, "unknown"
    evaluation = evaluate(selection, message)
    if evaluation.value is not None:
        route = by_key.get(evaluation.value)
        if route is not None and is_custom(route.key):
            return route, evaluation, "matched"
    if default is not None:
        return default, evaluation, "default"
    return None, evaluation, "none"


def message_for(selection: Selection, route_key: str) -> str | None:
    """A JSON message the expression routes to `route_key` (for drawings and `routes`), or None when none
    can be built: each reference takes the text between the static parts, read left to right."""
    if not selectable(selection, route_key):
        return None
    values, rest, parts = [], route_key, list(selection.parts)
    position = 0
    while position < len(parts):
        kind, value = parts[position]
        if kind == "text":
            if not rest.startswith(value):
                return None
            rest = rest[len(value):]
        else:
            following = parts[position + 1][1] if position + 1 < len(parts) else None
            if following is None:
                values.append((value, rest))
                rest = ""
            else:
                end = rest.find(following)
                if end < 0:
                    return None
                values.append((value, rest[:end]))
                rest = rest[end:]
        position += 1
    if rest:
        return None
    body: dict = {}
    for path, text in values:
        if not path:
            return None  # `$request.body` itself: the whole message stringified
        node = body
        for name in path[:-1]:
            node = node.setdefault(name, {})
            if not isinstance(node, dict):
                return None
        if path[-1] in node and node[path[-1]] != text:
            return None
        node[path[-1]] = text
    message = json.dumps(body)
    return message if evaluate(selection, message).value == route_key else None

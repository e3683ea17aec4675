"""What only REST APIs (API Gateway v1) have: the resource tree, method selection, the execute-api ARNs
a method or authorizer presents, and what a stage's deployment serves.

The model (auditor/core/model.py) carries AWS's data; the shared analysis asks this module whatever
differs from HTTP APIs, so a rule about a concept (a missing permission) stays one rule for both.
AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-control-access-using-iam-policies-to-invoke-api.html
"""

from auditor.core.arns import parse_function_uri
from auditor.core.routekey import CONCRETE_METHODS

ANY = "ANY"
# Stand-ins for a path parameter's value in the SourceArn: a text no literal pattern names, so only a
# wildcard segment covers it (which of the template or the value API Gateway presents is not documented).
PARAMETER_VALUE = "\ue002\ue003"
GREEDY_VALUE = "\ue002\ue003/\ue002\ue003"


def link(api) -> None:
    """Give each resource, method and integration its parent and a REST API its methods (in resource order)."""
    resources = api.resources or []
    by_id = {r.id: r for r in resources}
    methods = []
    for resource in resources:
        resource.api = api
        if not resource.path or resource.path == "/" and resource.parent_id:
            resource.path = _path_of(resource, by_id)
        for verb, method in (resource.resource_methods or {}).items():
            method.resource, method.verb = resource, verb
            method.key = f"{verb} {resource.path}"
            integration = method.integration
            if integration is not None:
                integration.method = method
                uri = integration.uri
                integration.function_ref = parse_function_uri(uri) if uri else None
            methods.append(method)
    api.methods = methods


def _path_of(resource, by_id: dict, depth: int = 0) -> str:
    """A resource's path from its parents' pathParts (when the input does not give `path`)."""
    if not resource.parent_id or depth > 100:
        return "/"
    parent = by_id.get(resource.parent_id)
    base = _path_of(parent, by_id, depth + 1) if parent is not None else "/"
    return base.rstrip("/") + "/" + (resource.path_part or "")


def segments(path: str) -> list[str]:
    return [part for part in path.split("/") if part != ""]


def is_parameter(part: str) -> bool:
    return part.startswith("{") and part.endswith("}")


def is_greedy(part: str) -> bool:
    return part.startswith("{") and part.endswith("+}")


class Tree:
    """An API's resources as a tree of path segments, for matching a request path as API Gateway does:
    a literal segment before a `{param}`, a `{param}` before a greedy `{proxy+}` (which takes one or more
    segments); a branch that leads nowhere is left for the next."""

    __slots__ = ("children", "root")

    def __init__(self, api):
        self.children: dict[str, list] = {}
        self.root = None
        for resource in api.resources or ():
            if resource.path == "/" or not resource.parent_id:
                if self.root is None or resource.path == "/":
                    self.root = resource
            self.children.setdefault(resource.parent_id, []).append(resource)

    def match(self, path: str):
        """(resource, {parameter: value}) a request path selects, or None (API Gateway: 403 Missing
        Authentication Token)."""
        if self.root is None:
            return None
        return self._match(self.root, segments(path), {})

    def _match(self, resource, rest: list[str], params: dict):
        if not rest:
            return resource, params
        head = rest[0]
        children = self.children.get(resource.id, ())
        for child in children:
            if child.path_part == head:
                found = self._match(child, rest[1:], params)
                if found:
                    return found
        for child in children:
            part = child.path_part or ""
            if is_parameter(part) and not is_greedy(part):
                found = self._match(child, rest[1:], {**params, part[1:-1]: head})
                if found:
                    return found
        for child in children:
            part = child.path_part or ""
            if is_greedy(part):
                return child, {**params, part[1:-2]: "/".join(rest)}
        return None


def select_method(resource, verb: str):
    """The method a request's verb selects on a resource: its own, else ANY; None: 403 Missing
    Authentication Token."""
    methods = resource.resource_methods or {}
    return methods.get(verb.upper()) or methods.get(ANY)


def source_arn_prefix(api, stage: str) -> str:
    scope = api.scope
    return f"arn:{api.partition}:execute-api:{scope.region}:{scope.account}:{api.id}/{stage}/"


def value_reading(path: str) -> str:
    """The resource path with each parameter replaced by a value no literal names."""
    return "/".join(GREEDY_VALUE if is_greedy(p) else PARAMETER_VALUE if is_parameter(p) else p
                    for p in path.split("/"))


def method_source_arns(api, method, stage: str) -> list[str]:
    """Every SourceArn a method can present on a stage, `<api>/<stage>/<VERB>/<path without leading slash>`.

    AWS does not document what an ANY method or a path parameter puts there (the request's verb or
    `ANY`; the template `{id}` or the value), so each reading is listed: a permission is certain only
    when it covers all of them (Coverage "partial" otherwise)."""
    prefix = source_arn_prefix(api, stage)
    path = method.path[1:] if method.path.startswith("/") else method.path
    paths = [path, value_reading(path)] if "{" in path else [path]
    verbs = CONCRETE_METHODS + (ANY,) if method.verb == ANY else (method.verb,)
    return [f"{prefix}{verb}/{p}" for verb in verbs for p in paths]


def grant_suffix(method) -> str:
    """The SourceArn tail granting one method on every stage, as SAM writes it (`ANY` and parameters as `*`)."""
    verb = "*" if method.verb == ANY else method.verb
    path = "/".join("*" if is_parameter(p) else p for p in method.path.split("/"))
    return f"/*/{verb}{path if path.startswith('/') else '/' + path}"


def deployment_of(api, stage):
    """The deployment a stage serves, when the input lists it."""
    for deployment in api.deployments or ():
        if deployment.id == stage.deployment_id:
            return deployment
    return None


def deployed_methods(deployment) -> set[tuple[str, str]] | None:
    """(path, VERB) a deployment serves, from GetDeployments' apiSummary; None when not known."""
    summary = deployment.api_summary if deployment is not None else None
    if not isinstance(summary, dict):
        return None
    return {(path, verb) for path, verbs in summary.items() if isinstance(verbs, dict) for verb in verbs}


def is_private(api) -> bool:
    return "PRIVATE" in api.endpoint_types


def resource_policy(api):
    """The API's resource policy as a document, or None (absent); AWS returns it as a JSON string with its
    quotes escaped (`{\\"Version\\":...}`), which is read as well."""
    policy = api.policy
    if policy is None or policy == "":
        return None
    if isinstance(policy, dict):
        return policy
    if not isinstance(policy, str):
        return None
    import json
    for text in (policy, policy.replace('\\"', '"')):
        try:
            document = json.loads(text)
        except ValueError:
            continue
        if isinstance(document, str):
            try:
                document = json.loads(document)
            except ValueError:
                continue
        if isinstance(document, dict):
            return document
    return None


def method_arn(api, stage: str, verb: str, path: str) -> str:
    """The `execute-api:Invoke` resource a request is checked against in the API's resource policy."""
    return source_arn_prefix(api, stage) + verb + path


# ---- the API's resource policy, for a caller with no particular identity (what NONE and CUSTOM methods see)
# https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-authorization-flow.html

def _expand(api):
    """The `execute-api:/<stage>/<VERB>/<path>` shorthand of a resource policy as this API's own ARN pattern."""
    own = f"arn:{api.partition}:execute-api:{api.scope.region}:{api.scope.account}:{api.id}"
    return lambda pattern: own + pattern[12:] if pattern.startswith("execute-api:/") else pattern


def policy_verdict(api, arn: str, authorization_type: str) -> tuple[str, dict | None]:
    """(verdict, the deciding statement) of the resource policy for an anonymous caller of method ARN `arn`,
    evaluated by the one IAM evaluator (policy.evaluate) with every context key unknown (source IP, VPC
    endpoint, VPC depend on the caller): "denied" (a Deny that holds for everyone, or, for a NONE method, no
    Allow at all: the implicit deny), "allowed", "conditional" (it depends on the caller), "unknown" (a
    document that cannot be read, or, for a CUSTOM method, no Allow: an authorizer's policy may decide), or
    "none" (no policy)."""
    from auditor.core import policy
    document = resource_policy(api)
    if document is None:
        return "none", None
    statements = document.get("Statement", [])
    statements = [statements] if isinstance(statements, dict) else statements
    if not isinstance(statements, list) or not all(isinstance(s, dict) for s in statements):
        return "unknown", None
    try:
        result = policy.evaluate(statements, "execute-api:Invoke", arn, policy.ANONYMOUS, policy.unknown_context,
                                 _expand(api))
    except policy.StatementShapeError:
        return "unknown", None
    if result.decision == "implicit":
        if (authorization_type or "NONE").upper() == "NONE":
            return "denied", None  # nothing allows an anonymous caller: the implicit deny
        return "unknown", None  # an authorizer's or IAM's own Allow may decide
    return result.decision, result.statement


# ---- what a failing request gets: the documented default gateway responses, and the API's overrides
# https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html

DEFAULT_RESPONSES = {
    "MISSING_AUTHENTICATION_TOKEN": (403, '{"message":"Missing Authentication Token"}'),
    "ACCESS_DENIED": (403, '{"Message":"User: anonymous is not authorized to perform: execute-api:Invoke on '
                           'resource: ..."}'),
    "INVALID_API_KEY": (403, '{"message":"Forbidden"}'),
    "UNAUTHORIZED": (401, '{"message":"Unauthorized"}'),
    "AUTHORIZER_CONFIGURATION_ERROR": (500, '{"message": null}'),
    "API_CONFIGURATION_ERROR": (500, '{"message": "Internal server error"}'),
    "INTEGRATION_TIMEOUT": (504, '{"message": "Endpoint request timed out"}'),
    "INTEGRATION_FAILURE": (504, '{"message": "Internal server error"}'),
}


def response_for(api, response_type: str) -> tuple[int, str, str | None]:
    """(status, body, note) a failure of this type gets: the documented default, or the API's own gateway
    response for the type when it sets a status code (GetGatewayResponses lists every type, AWS's defaults
    marked defaultResponse)."""
    status, body = DEFAULT_RESPONSES[response_type]
    for response in api.gateway_responses or ():
        if response.response_type != response_type or response.default_response is True:
            continue
        note = f"gateway response {response_type} of API {api.id} is customised"
        code = response.status_code
        if isinstance(code, str) and code.isdigit() and int(code) != status:
            note += f": status {code} instead of {status}"
            status = int(code)
        templates = response.response_templates
        if isinstance(templates, dict) and templates:
            body = next(iter(templates.values()))
            note += " (its own body template)"
        return status, body, note
    return status, body, None


def method_throttling(stage, method) -> dict:
    """The rate and burst limits in force for a method on a stage: the stage's methodSettings for
    `<resource path>/<VERB>` (the path without its leading slash; `~1` as the patch paths write `/`) override
    its `*/*` defaults, field by field. Same shape as analysis.throttling_limits."""
    settings = stage.method_settings if isinstance(stage.method_settings, dict) else {}
    own_key = None
    for key in settings:
        path, _, verb = str(key).replace("~1", "/").rpartition("/")
        if verb == method.verb and "/" + path.lstrip("/") == method.path.rstrip("/") or (
                verb == method.verb and path.lstrip("/") == method.path.strip("/")):
            own_key = key
    own = settings.get(own_key) if own_key is not None else None
    default = settings.get("*/*")
    limits = {}
    for field, label in (("throttlingRateLimit", "rate_limit"), ("throttlingBurstLimit", "burst_limit")):
        if isinstance(own, dict) and own.get(field) is not None:
            limits[label] = {"value": own[field], "from": f"methodSettings `{own_key}` of stage {stage.name}"}
        elif isinstance(default, dict) and default.get(field) is not None:
            limits[label] = {"value": default[field], "from": f"methodSettings `*/*` of stage {stage.name}"}
        else:
            limits[label] = {"value": None, "from": "not set: the account's limit for the region applies"}
    return limits


def resource_matches(resource, path: str) -> bool:
    """Does a resource's path pattern match a request path, priority aside?"""
    pattern, request = segments(resource.path), segments(path)
    for index, part in enumerate(pattern):
        if is_greedy(part):
            return len(request) > index
        if index >= len(request) or (not is_parameter(part) and part != request[index]):
            return False
    return len(pattern) == len(request)


def why_not_chosen(winner, loser) -> str:
    """Why a resource that also matches lost to the one API Gateway picks."""
    for index, (a, b) in enumerate(zip(segments(winner.path), segments(loser.path))):
        if a == b:
            continue
        kind = "literal" if not is_parameter(a) else "{param}" if not is_greedy(a) else "{proxy+}"
        return f"at segment {index + 1} the {kind} `{a}` beats `{b}`"
    return "a more specific path wins"

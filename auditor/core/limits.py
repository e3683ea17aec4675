"""AWS's own size limits, applied before any rule runs: a value beyond one cannot exist in AWS, and
checking it would only cost time (ArnLike and route matching grow with its length). Such an item is
left out of the model and its scope records why (AGW000), so a clean result still means clean.

Limits, as AWS documents them (botocore's service models carry the Lambda ones):
- a Lambda function's resource-based policy: 20,480 bytes (lambda ResourcePolicy max 20480; "20 KB"
  in the Lambda quotas);
- a function ARN: FunctionName takes the ARN in at most 140 characters, a qualifier at most 128;
- a route key: an HTTP API request line and its headers total at most 10,240 bytes (HTTP API quotas),
  so a longer route key matches no request.
"""

MAX_POLICY_BYTES = 20_480
MAX_FUNCTION_ARN = 140 + 1 + 128
MAX_ROUTE_KEY = 10_240
_CODE = "BeyondAwsLimit"


def apply_aws_limits(document: dict) -> None:
    """Drop routes and functions beyond AWS's limits from a snapshot document, recording each in its
    scope's Errors; shapes it does not expect are left to the snapshot reader to report."""
    for scope in _list(document.get("Scopes")):
        if not isinstance(scope, dict):
            continue
        errors = []
        for api in _list(scope.get("Apis")):
            if isinstance(api, dict) and isinstance(api.get("Routes"), list) and _any_long_route(api["Routes"]):
                api["Routes"] = [r for r in api["Routes"] if not _long_route(api, r, errors)]
        if isinstance(scope.get("Functions"), list):
            scope["Functions"] = [f for f in scope["Functions"] if not _oversized_function(f, errors)]
        if errors:
            if not isinstance(scope.get("Errors"), list):
                scope["Errors"] = []
            scope["Errors"].extend(errors)
            scope["Complete"] = False


def _any_long_route(routes: list) -> bool:
    """The cheap scan first: a list is rebuilt only when it holds a route to drop."""
    for route in routes:
        if type(route) is dict:
            key = route.get("RouteKey")
            if type(key) is str and len(key) > MAX_ROUTE_KEY:
                return True
        elif isinstance(route, dict) and _long_route({}, route, []):
            return True
    return False


def _long_route(api: dict, route, errors: list) -> bool:
    key = route.get("RouteKey") if isinstance(route, dict) else None
    if not isinstance(key, str) or len(key) <= MAX_ROUTE_KEY:
        return False
    errors.append(_error("GetRoutes", f"{api.get('ApiId')} route {route.get('RouteId', '?')}",
                         f"route key of {len(key):,} characters ({key[:40]}...): an HTTP API request line and its "
                         f"headers total at most {MAX_ROUTE_KEY:,} bytes, so no request can match it; not checked"))
    return True


def _oversized_function(function, errors: list) -> bool:
    if not isinstance(function, dict):
        return False
    arn = function.get("FunctionArn")
    name = arn if isinstance(arn, str) else str(function.get("FunctionName"))
    if isinstance(arn, str) and len(arn) > MAX_FUNCTION_ARN:
        errors.append(_error("GetFunction", arn[:80] + "...", f"function ARN of {len(arn):,} characters: Lambda's "
                             f"are at most {MAX_FUNCTION_ARN}; not checked"))
        return True
    owners = [function] + [q for key in ("Aliases", "Versions") if key in function for q in _list(function.get(key))
                           if isinstance(q, dict)]
    for owner in owners:
        size = policy_size_beyond_limit(owner.get("Policy"))
        if size:
            errors.append(_error("GetPolicy", name, f"resource-based policy of {size:,} bytes: Lambda allows at "
                                 f"most {MAX_POLICY_BYTES:,}; the function is left out, not checked"))
            return True
    return False


def policy_size_beyond_limit(policy) -> int:
    """The size in bytes of a policy string Lambda could not hold; 0 for any other value."""
    if not isinstance(policy, str) or len(policy) <= MAX_POLICY_BYTES // 4:  # UTF-8: at most 4 bytes a character
        return 0
    size = len(policy.encode("utf-8", "surrogatepass"))
    return size if size > MAX_POLICY_BYTES else 0


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _error(operation: str, resource: str, message: str) -> dict:
    return {"Operation": operation, "Resource": resource, "Code": _CODE, "Message": message}

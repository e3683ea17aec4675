"""What rules share: resource descriptors and the `aws` CLI commands their remediations print."""

import json
import re
import shlex

from auditor.escape import shell_word
from auditor.core.arns import FunctionRef
from auditor.findings import Resource
from auditor.core.model import Api, Function, Integration, Location, RestApi, RestIntegration, Route, Stage


def q(value: str) -> str:
    """Quote for a POSIX shell (`$default` must not be expanded; a newline must not end the command)."""
    return shell_word(value)


def api_resource(api: Api, **extra) -> Resource:
    return Resource(account=api.scope.account, region=api.scope.region, api_id=api.id, **extra)


def route_resource(route: Route, **extra) -> Resource:
    return api_resource(route.api, route_key=route.key, **extra)


def integration_resource(integration: Integration, function_arn: str | None = None, **extra) -> Resource:
    if integration.__class__ is RestIntegration:  # a REST integration is its method's: named by `VERB /path`
        return route_resource(integration.method, function_arn=function_arn, **extra)
    return api_resource(integration.api, integration_id=integration.id, function_arn=function_arn, **extra)


def stage_resource(stage: Stage) -> Resource:
    return api_resource(stage.api, stage=stage.name)


def function_resource(function: Function, **extra) -> Resource:
    return Resource(account=function.scope.account, region=function.scope.region, function_arn=function.arn, **extra)


def apigw(command: str, api: Api, *args: str) -> str:
    if api.__class__ is RestApi:
        return rest_apigw(command, api, *args)
    return " ".join(["aws apigatewayv2", command, "--api-id", q(api.id), *args, "--region", q(api.scope.region)])


def update_route(route: Route, *args: str) -> str:
    return apigw("update-route", route.api, "--route-id", q(route.id or "<route-id>"), *args)


def update_integration(integration: Integration, *args: str) -> str:
    if integration.__class__ is RestIntegration:
        return update_rest_integration(integration, *args)
    return apigw("update-integration", integration.api, "--integration-id", q(integration.id), *args)


def api_source_arn(api: Api, suffix: str = "/*") -> str:
    return f"arn:{api.partition}:execute-api:{api.scope.region}:{api.scope.account}:{api.id}{suffix}"


def route_grant_suffix(route_key: str) -> str:
    """The SourceArn tail granting one route on every stage, as SAM writes it."""
    if route_key == "$default":
        return "/*/$default"
    method, _, path = route_key.partition(" ")
    parts = ["*" if seg.startswith("{") else seg for seg in path.split("/")]
    return "/*/" + ("*" if method == "ANY" else method) + "/".join(parts)


def add_permission(ref: FunctionRef, source_arn: str, statement_id: str) -> str:
    parts = source_arn.split(":")
    other_account = len(parts) > 4 and parts[4] != ref.account  # the API lives elsewhere: name the function fully
    args = ["aws lambda add-permission", "--function-name", q(ref.unqualified_arn if other_account else ref.name)]
    if ref.has_own_policy:
        args += ["--qualifier", q(ref.qualifier)]
    args += ["--statement-id", q(statement_id), "--action lambda:InvokeFunction",
             "--principal apigateway.amazonaws.com", "--source-arn", q(source_arn), "--region", q(ref.region)]
    return " ".join(args)


def remove_permission(function: Function, statement_id: str, qualifier: str | None = None) -> str:
    args = ["aws lambda remove-permission", "--function-name", q(function.name)]
    if qualifier:
        args += ["--qualifier", q(qualifier)]
    args += ["--statement-id", q(statement_id or "<statement-id>"), "--region", q(function.scope.region)]
    return " ".join(args)


def statement_qualifier(function: Function, resources: tuple[str, ...]) -> str | None:
    """The qualifier a statement's Resource names (remove-permission needs it to find the statement)."""
    for resource in resources:
        if resource.startswith(function.arn + ":"):
            return resource[len(function.arn) + 1:]
    return None


def routes_phrase(routes: list[Route], limit: int = 5) -> str:
    keys = [r.key for r in routes]
    if not keys:
        return "no route yet"
    shown = ", ".join(keys[:limit])
    return shown + (f" and {len(keys) - limit} more" if len(keys) > limit else "")


def statement_location(function: Function, statement) -> Location:
    """Where a policy statement sits: its JSON path inside the function's entry."""
    loc = function.location
    source = getattr(statement, "source", None)
    if source:  # IaC: point at the Permission resource, not at the function
        return Location(str(source.get("File", loc.file)), statement.path or loc.path, source.get("Line"),
                        source.get("Resource"), str(source.get("InputType", loc.input_type)))
    return Location(loc.file, statement.path or loc.path, loc.line, loc.resource, loc.input_type)


# ---- REST APIs (API Gateway v1): `aws apigateway`, patch operations, and the deployment a change needs

def update_authorizer_uri(api, authorizer, uri: str) -> str:
    if api.__class__ is RestApi:
        return (rest_apigw("update-authorizer", api, "--authorizer-id", q(authorizer.id), patch(("/authorizerUri", uri)))
                + " && " + redeploy(api))
    return apigw("update-authorizer", api, "--authorizer-id", q(authorizer.id), "--authorizer-uri", q(uri))


def rest_apigw(command: str, api: RestApi, *args: str) -> str:
    return " ".join(["aws apigateway", command, "--rest-api-id", q(api.id), *args, "--region", q(api.scope.region)])


def patch(*pairs: tuple[str, str]) -> str:
    """`--patch-operations` replacing each (path, value): the CLI's shorthand for plain values, JSON for values
    the shorthand would split (a policy document)."""
    if all(re.fullmatch(r"[A-Za-z0-9_.:/*$+-]*", str(value)) for _, value in pairs):
        return "--patch-operations " + " ".join(q(f"op=replace,path={path},value={value}") for path, value in pairs)
    return "--patch-operations " + q(json.dumps([{"op": "replace", "path": path, "value": str(value)}
                                                 for path, value in pairs], separators=(",", ":")))


# apigatewayv2 flags the shared rules pass, as the REST integration's patch paths
_REST_PATHS = {"--integration-uri": "/uri", "--timeout-in-millis": "/timeoutInMillis", "--integration-type": "/type",
               "--credentials-arn": "/credentials", "--integration-method": "/httpMethod"}


def update_rest_integration(integration: RestIntegration, *args: str) -> str:
    """`aws apigateway update-integration` for a REST method, then the deployment that takes it live."""
    words = shlex.split(" ".join(args))
    pairs = [(_REST_PATHS[flag], value) for flag, value in zip(words[::2], words[1::2]) if flag in _REST_PATHS]
    method = integration.method
    return (rest_apigw("update-integration", method.api, "--resource-id", q(method.resource.id or "<resource-id>"),
                       "--http-method", q(method.verb), patch(*pairs)) + " && " + redeploy(method.api))


def update_rest_method(method, *pairs: tuple[str, str]) -> str:
    return (rest_apigw("update-method", method.api, "--resource-id", q(method.resource.id or "<resource-id>"),
                       "--http-method", q(method.verb), patch(*pairs)) + " && " + redeploy(method.api))


def redeploy(api: RestApi, stages: list[str] | None = None) -> str:
    """A REST change goes live only with a new deployment of each stage that should serve it."""
    names = stages or [s.name for s in api.stages if s.serves] or ["<stage>"]
    return " && ".join(rest_apigw("create-deployment", api, "--stage-name", q(name)) for name in names)

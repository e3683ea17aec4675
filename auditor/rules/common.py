"""What rules share: resource descriptors and the `aws` CLI commands their remediations print."""

from auditor.escape import shell_word
from auditor.core.arns import FunctionRef
from auditor.findings import Resource
from auditor.core.model import Api, Function, Integration, Location, Route, Stage


def q(value: str) -> str:
    """Quote for a POSIX shell (`$default` must not be expanded; a newline must not end the command)."""
    return shell_word(value)


def api_resource(api: Api, **extra) -> Resource:
    return Resource(account=api.scope.account, region=api.scope.region, api_id=api.id, **extra)


def route_resource(route: Route, **extra) -> Resource:
    return api_resource(route.api, route_key=route.key, **extra)


def integration_resource(integration: Integration, function_arn: str | None = None, **extra) -> Resource:
    return api_resource(integration.api, integration_id=integration.id, function_arn=function_arn, **extra)


def stage_resource(stage: Stage) -> Resource:
    return api_resource(stage.api, stage=stage.name)


def function_resource(function: Function, **extra) -> Resource:
    return Resource(account=function.scope.account, region=function.scope.region, function_arn=function.arn, **extra)


def apigw(command: str, api: Api, *args: str) -> str:
    return " ".join(["aws apigatewayv2", command, "--api-id", q(api.id), *args, "--region", q(api.scope.region)])


def update_route(route: Route, *args: str) -> str:
    return apigw("update-route", route.api, "--route-id", q(route.id or "<route-id>"), *args)


def update_integration(integration: Integration, *args: str) -> str:
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

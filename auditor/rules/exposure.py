"""AGW30x: who else can invoke the function, and what the API leaves open or unlogged."""

from auditor.core.arnlike import has_wildcard
from auditor.core.arns import is_unresolved, parse_source_arn
from auditor.engine import Rule
from auditor.findings import Fix, Severity
from auditor.core.arns import parse_lambda_arn
from auditor.rules.common import (add_permission, apigw, function_resource, q, remove_permission, route_resource,
                                  stage_resource, statement_location, statement_qualifier, update_route)


def _rescope(ctx, function, statement, apis) -> tuple[str, Fix]:
    """remove-permission then add-permission scoped to the API that really calls the function."""
    qualifier = statement_qualifier(function, statement.resources)
    api = apis[0] if apis else None
    source_arn = (f"arn:{api.partition}:execute-api:{api.scope.region}:{api.scope.account}:{api.id}/*" if api else
                  f"arn:aws:execute-api:{function.scope.region}:{function.scope.account}:<api-id>/*")
    ref = parse_lambda_arn(function.arn + (f":{qualifier}" if qualifier else ""))
    add = add_permission(ref, source_arn, statement.sid or "apigateway-invoke") if ref else ""
    command = remove_permission(function, statement.sid, qualifier) + (" && " + add if add else "")
    if api is None:  # no API of the snapshot calls it: the user must name one, so nothing here runs as pasted
        command = "# replace <api-id> with the API that should call it, then run: " + command
    return command, Fix("replace-statement", {"FunctionArn": function.arn, "StatementId": statement.sid,
                                              "SourceArn": source_arn})


class PermissionNoSourceArn(Rule):
    id = "AGW301"
    name = "permission-no-source-arn"
    severity = Severity.HIGH
    title = "API Gateway may invoke the function with no AWS:SourceArn condition"
    rationale = ("A statement for apigateway.amazonaws.com without AWS:SourceArn lets any API Gateway API, in any "
                 "account, invoke the function (the confused-deputy problem). AWS:SourceAccount alone narrows it to "
                 "one account (medium).")
    client_sees = "Nothing breaks; the function is callable through other people's APIs."
    fix = "Replace the statement with one scoped by --source-arn to your API."

    def check(self, ctx):
        for function, statement in ctx.index.invoke_statements:
            if not statement.invokable_by_apigateway or statement.source_arns is not None:
                continue
            if _open_to_anyone(statement):
                continue  # AGW303 says it, louder
            pinned = _pinned_accounts(statement)
            reach = (f"any API Gateway API in account {', '.join(pinned)}" if pinned else
                     f"any API Gateway API in any AWS account matching {', '.join(statement.source_accounts)}"
                     if statement.source_accounts else "any API Gateway API in any AWS account")
            scoped = pinned is not None
            command, fix = _rescope(ctx, function, statement, ctx.index.invoking_apis(function))
            yield self.finding(
                ctx, f"Statement `{statement.sid}` on {function.name} lets {reach} invoke it: it has no AWS:SourceArn "
                     "condition.", function_resource(function, statement_id=statement.sid),
                statement_location(function, statement), command, fix,
                severity=Severity.MEDIUM if scoped else None)


def _open_to_anyone(statement) -> bool:
    """Principal `*` with no condition on the source (SourceArn, SourceAccount) or on who calls (PrincipalOrgID...)."""
    return (statement.public and not statement.url_only and not statement.source_arns
            and not statement.source_accounts and not statement.caller_conditions and not statement.other_conditions)


def _pinned_accounts(statement) -> tuple[str, ...] | None:
    """The literal accounts some SourceAccount test confines the statement to (IAM ANDs the tests), or None
    when every test admits a glob (`*`, `1234*`) or there is none."""
    clauses = statement.source_account_clauses or (
        (tuple(("equals", a) for a in statement.source_accounts),) if statement.source_accounts else ())
    for clause in clauses:
        if all(op == "equals" or not has_wildcard(value) for op, value in clause):
            return tuple(value for _, value in clause)
    return None


def _wildcard_parts(raw: str) -> set[str]:
    """Which of region, account and API id a SourceArn value leaves open (all three if unparsable)."""
    if is_unresolved(raw):
        return set()  # an IaC value not known before deployment: AGW000 says it was not checked
    pattern = parse_source_arn(raw)
    if pattern is None:
        return {"region", "account", "api"}
    return {part for part, value in (("region", pattern.region), ("account", pattern.account), ("api", pattern.api_id))
            if has_wildcard(value)}


class PermissionBroadSourceArn(Rule):
    id = "AGW302"
    name = "permission-broad-source-arn"
    severity = Severity.MEDIUM
    title = "AWS:SourceArn has a wildcard in its region, account or API id"
    rationale = ("`arn:aws:execute-api:us-east-1:123456789012:abc123def4/*` is the right scope; a wildcard in the "
                 "region, account or API id admits other APIs (and with the account, other accounts).")
    client_sees = "Nothing breaks; more APIs than yours can invoke the function."
    fix = "Name the exact region, account and API id; keep `/*` (or narrower) after the API id."

    def check(self, ctx):
        for function, statement in ctx.index.invoke_statements:
            if not statement.invokable_by_apigateway or not statement.source_arns or \
                    ctx.index.api_source_arns.issuperset(statement.source_arns):
                continue
            # IAM ANDs the operators on SourceArn: a part is left open only if every operator leaves it open.
            clauses = statement.source_arn_clauses or (tuple(statement.source_patterns),)
            open_parts = set.intersection(*({part for _, raw in clause for part in _wildcard_parts(raw)}
                                            for clause in clauses))
            broad = [raw for raw in statement.source_arns if open_parts & _wildcard_parts(raw)]
            if not broad:
                continue
            command, fix = _rescope(ctx, function, statement, ctx.index.invoking_apis(function))
            yield self.finding(
                ctx, f"Statement `{statement.sid}` on {function.name} allows SourceArn {', '.join(f'`{b}`' for b in broad)}: "
                     "the wildcard in its region, account or API id admits APIs other than yours.",
                function_resource(function, statement_id=statement.sid), statement_location(function, statement),
                command, fix)


class FunctionPublic(Rule):
    id = "AGW303"
    name = "function-public"
    severity = Severity.CRITICAL
    title = "Anyone may invoke the function"
    rationale = ("Principal `*` (or {\"AWS\": \"*\"}) with no AWS:SourceArn or AWS:SourceAccount condition and none on "
                 "who calls (aws:PrincipalOrgID, aws:PrincipalOrgPaths, aws:PrincipalIsAWSService) lets every AWS "
                 "principal invoke the function directly. So does an Allow with `NotPrincipal`: IAM grants it to every "
                 "principal except those named, anonymous ones included (AWS's IAM guide now calls Allow with "
                 "NotPrincipal unsupported and advises against it; a migrated or hand-made policy can still hold "
                 "one, and it is probably evaluated that way). The same reading makes it admit "
                 "apigateway.amazonaws.com unless it is named, for the permission rules (AGW2xx).")
    client_sees = "Anyone with AWS credentials can call the function, bypassing the API and its authorizers."
    fix = "Remove the statement and grant apigateway.amazonaws.com scoped by --source-arn instead."

    def check(self, ctx):
        for function, statement in ctx.index.invoke_statements:
            if not _open_to_anyone(statement):
                continue
            command, fix = _rescope(ctx, function, statement, ctx.index.invoking_apis(function))
            who = (f"every principal except {', '.join(statement.not_principals)} (Allow with NotPrincipal)"
                   if statement.not_principals is not None else "any principal (`*`)")
            yield self.finding(
                ctx, f"Statement `{statement.sid}` on {function.name} lets {who} invoke it, with no "
                     "condition: the function is public.", function_resource(function, statement_id=statement.sid),
                statement_location(function, statement), command, fix)


class RouteNoAuthorization(Rule):
    id = "AGW304"
    name = "route-no-authorization"
    severity = Severity.INFO
    title = "Route has no authorization (Security Hub APIGateway.8)"
    rationale = ("AWS Security Hub control APIGateway.8 asks every HTTP API route for an authorization type other "
                 "than NONE (JWT, AWS_IAM or CUSTOM). Public routes are sometimes intended: this is informational. "
                 "A WebSocket API authorizes the connection on its `$connect` route only (AWS: https://docs.aws.amazon.com/"
                 "apigateway/latest/developerguide/apigateway-websocket-api-lambda-auth.html), so of its routes only `$connect` is judged.")
    client_sees = "Anyone on the internet can call the route."
    fix = "Attach a JWT, IAM or Lambda authorizer to the route if it is not meant to be public."

    def check(self, ctx):
        for api in ctx.v2_apis:
            authorizer = api.authorizers[0] if len(api.authorizers) == 1 else None
            for route in api.routes:
                if route.authorization_type != "NONE":
                    continue
                if api.is_websocket and route.key != "$connect":
                    continue  # WebSocket APIs authorize the connection, on `$connect` only (AGW231)
                kind = {"JWT": "JWT", "REQUEST": "CUSTOM"}.get(authorizer.type, "JWT") if authorizer else "JWT"
                args = ["--authorization-type", kind, "--authorizer-id", q(authorizer.id if authorizer else "<authorizer-id>")]
                yield self.finding(
                    ctx, f"Route `{route.key}` has AuthorizationType NONE: anyone can call it.", route_resource(route),
                    route.location, update_route(route, *args),
                    Fix("set", {"AuthorizationType": kind, "AuthorizerId": authorizer.id if authorizer else "<authorizer-id>"}))


class StageNoAccessLogs(Rule):
    id = "AGW305"
    name = "stage-no-access-logs"
    severity = Severity.LOW
    title = "Stage has no access logging (Security Hub APIGateway.9)"
    rationale = ("Without access logs a 404 or 500 leaves no trace of which route and integration answered. AWS "
                 "Security Hub control APIGateway.9 asks for AccessLogSettings on every V2 stage.")
    client_sees = "Nothing; but when something fails you have no request log to find out why."
    fix = "Set AccessLogSettings with a CloudWatch Logs DestinationArn and a Format."

    def check(self, ctx):
        for api in ctx.v2_apis:
            for stage in api.stages:
                if stage.access_log_destination:
                    continue
                destination = (f"arn:{api.partition}:logs:{api.scope.region}:{api.scope.account}:"
                               f"log-group:/aws/apigateway/{api.id}")
                settings = f"DestinationArn={destination},Format=$context.requestId $context.routeKey $context.status $context.integrationErrorMessage"
                yield self.finding(
                    ctx, f"Stage {stage.name} of API {api.id} has no access log destination.", stage_resource(stage),
                    stage.location, apigw("update-stage", api, "--stage-name", q(stage.name), "--access-log-settings", q(settings)),
                    Fix("set", {"AccessLogSettings": {"DestinationArn": destination,
                                                      "Format": "$context.requestId $context.routeKey $context.status"}}))


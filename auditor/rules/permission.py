"""AGW20x: does each function's resource policy let this API invoke it, on every route?"""

import re

from auditor.core import websocket

from auditor.core.arns import authorizer_source_arn, function_arn, invocation_uri, partition_for_region
from auditor.core.rest import grant_suffix
from auditor.engine import Rule
from auditor.findings import Fix, Severity
from auditor.rules.common import (add_permission, api_resource, api_source_arn, apigw, integration_resource, q,
                                  remove_permission, route_grant_suffix, update_authorizer_uri, route_resource, routes_phrase,
                                  statement_qualifier, update_integration)

_500 = 'get 500 {"message":"Internal Server Error"}'
_REST_500 = 'get 500 {"message": "Internal server error"}'  # REST's documented body (supported-gateway-response-types)


def _500_of(api) -> str:
    return _REST_500 if api.is_rest else _500


def _statement_id(api, route_key: str | None = None) -> str:
    """Unique per API (and route), so running several fixes never collides on an existing Sid."""
    suffix = "" if route_key is None else "-" + re.sub(r"[^A-Za-z0-9_-]+", "-", route_key.replace("$", "")).strip("-")
    return f"apigateway-invoke-{api.id}{suffix}"[:100]


def _grant_fix(check, suffix: str = "/*", route_key: str | None = None) -> tuple[str, Fix]:
    source_arn = api_source_arn(check.api, suffix)
    return (add_permission(check.ref, source_arn, _statement_id(check.api, route_key)),
            Fix("add-permission", {"FunctionArn": check.ref.arn, "SourceArn": source_arn,
                                   "Principal": "apigateway.amazonaws.com", "Action": "lambda:InvokeFunction"}))


def _fails(check, routes, stages: bool = True) -> str:
    """What the routes reaching a function that API Gateway may not invoke get: HTTP requests a 500; on a
    WebSocket API, the handshake when `$connect` is among them, and messages on the others."""
    where = check.stages_phrase() if stages else ""
    if not check.api.is_websocket:
        return f"requests to {routes_phrase(routes)}{where} {_500_of(check.api)}"
    keys = [route.key for route in routes]
    if "$connect" in keys:
        others = [k for k in keys if k != "$connect"]
        return (f"every connection is refused at the handshake (`$connect`{where}, AGW230)"
                + (f" and messages to {', '.join(others)} fail" if others else ""))
    return f"messages to {routes_phrase(routes)}{where} fail (probably an error frame)"


def _source_arns(statements) -> str:
    arns = sorted({arn for s in statements for arn in (s.source_arns or ("<none>",))})
    return ", ".join(f"`{a}`" for a in arns)


class _IntegrationPermissionRule(Rule):
    """The four verdicts on one integration's permission are one analysis; each rule reports one."""

    status = ""

    grouped = True  # REST: one finding per API and function, naming every method (HTTP shares integrations)

    def check(self, ctx):
        groups: dict = {}
        for check in ctx.index.permission_checks:
            if check.status == self.status and check.routes:
                if check.api.is_rest and self.grouped:
                    key = (id(check.api), check.ref.arn if check.ref else None, check.stages)
                    groups.setdefault(key, (check, []))[1].extend(check.routes)
                    continue
                yield from self.report(ctx, check, check.routes)
        for check, routes in groups.values():
            yield from self.report(ctx, check, routes)

    def report(self, ctx, check, routes):
        raise NotImplementedError


class PermissionMissing(_IntegrationPermissionRule):
    id = "AGW201"
    name = "permission-missing"
    severity = Severity.HIGH
    status = "missing"
    title = "Function's resource policy does not let API Gateway invoke it"
    rationale = ("Lambda refuses API Gateway unless the function's resource policy has an Allow statement for "
                 "apigateway.amazonaws.com (or the integration has a CredentialsArn role): the step that catches "
                 "everyone. The same holds for REST APIs (their methods' Lambda integrations, AWS_PROXY or AWS), "
                 "reported once per API and function, naming every method; a REST API answers 500 "
                 '{"message": "Internal server error"} '
                 "(https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html). "
                 "The policy is evaluated as IAM does (explicit Deny wins, NotAction/NotResource/"
                 "NotPrincipal, every condition operator with ...IfExists and ForAllValues/ForAnyValue) against the "
                 "keys API Gateway's own call carries: an Allow that also requires a key the call never has "
                 "(aws:SourceIp, aws:SourceVpc, aws:PrincipalOrgID) grants nothing. See docs/semantics.md, "
                 "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html and "
                 "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html.")
    client_sees = 'Every request to the routes gets 500 {"message":"Internal Server Error"}.'
    fix = "Add a permission with `aws lambda add-permission`, scoped by --source-arn to the API."

    def report(self, ctx, check, routes):
        ref = check.ref
        where = f" (qualifier `{ref.qualifier}`)" if ref.qualifier else ""
        command, fix = _grant_fix(check)
        yield self.finding(
            ctx, f"No statement in the resource policy of {ref.name}{where} lets apigateway.amazonaws.com invoke it, "
                 f"so {_fails(check, routes)}.",
            integration_resource(check.integration, ref.arn), check.integration.location, command, fix)


class PermissionApiMismatch(_IntegrationPermissionRule):
    id = "AGW202"
    name = "permission-api-mismatch"
    severity = Severity.HIGH
    status = "api-mismatch"
    title = "Function's API Gateway permission names another API, account or region"
    rationale = ("The AWS:SourceArn of each apigateway.amazonaws.com statement must match "
                 "`arn:<partition>:execute-api:<region>:<account>:<api-id>/...` of the API that calls. A permission "
                 "copied from another API (or another account, region or partition) does not count. The partition "
                 "is the region's, taken from botocore's endpoint data (aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, "
                 "aws-iso-e, aws-iso-f, aws-eusc...).")
    client_sees = 'Every request to the routes gets 500 {"message":"Internal Server Error"}.'
    fix = "Add a permission whose --source-arn names this API."

    def report(self, ctx, check, routes):
        command, fix = _grant_fix(check)
        accounts = sorted({a for s in check.foreign_statements for a in (s.source_accounts or ())})
        account_note = (f" (and AWS:SourceAccount {', '.join(accounts)})"
                        if accounts and check.api.scope.account not in accounts else "")
        partitions = sorted({arn.split(":")[1] for s in check.foreign_statements for arn in (s.source_arns or ())
                             if arn.count(":") >= 5 and arn.split(":")[1] not in ("*", check.api.partition)})
        partition_note = (f" (the API is in partition {check.api.partition}, the SourceArn names "
                          f"{', '.join(partitions)}: nothing crosses a partition)" if partitions else "")
        sids = ", ".join(f"`{s.sid}`" for s in check.foreign_statements if s.sid)
        yield self.finding(
            ctx, f"{check.ref.name}'s API Gateway permissions allow only {_source_arns(check.foreign_statements)}"
                 f"{f' (statement {sids})' if sids else ''}{account_note}, none of which is API {check.api.id} in "
                 f"{check.api.scope.account}/{check.api.scope.region}{partition_note}: "
                 f"{_fails(check, routes)}.",
            integration_resource(check.integration, check.ref.arn), check.integration.location, command, fix)


class PermissionRouteUncovered(_IntegrationPermissionRule):
    id = "AGW203"
    name = "permission-route-uncovered"
    severity = Severity.HIGH
    status = "uncovered"
    grouped = False
    title = "Permission matches the API but not every route that reaches the function"
    rationale = ("A SourceArn narrowed to some routes (e.g. `/*/GET/items`) leaves the others (e.g. `POST /items`) "
                 "without permission. The ARN checked is `<api>/<stage>/<METHOD>/<route path>` (HTTP APIs) or "
                 "`<api>/<stage>/<route-key>` (WebSocket APIs, no verb: a grant written in the verb/path form covers "
                 "no WebSocket route; AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/"
                 "apigateway-websocket-control-access-iam.html) for each route on each "
                 "serving stage, against the function that stage invokes (an IntegrationUri with "
                 "`${stageVariables.x}` is resolved with each stage's own variables). A stage name not known before "
                 "deployment (a template parameter without a default) is never compared as a value: only a "
                 "wildcard stage segment covers it, and otherwise AGW000 says it was not checked. REST APIs: the ARN "
                 "is `<api>/<stage>/<VERB>/<resource path without its leading slash>` "
                 "(https://docs.aws.amazon.com/apigateway/latest/developerguide/"
                 "api-gateway-control-access-using-iam-policies-to-invoke-api.html); AWS does not say whether an ANY "
                 "method presents the request's verb or `ANY`, nor whether a path parameter appears as its template "
                 "(`{id}`) or its value, so a grant is certain only when it covers every reading (`*` in those "
                 "segments, as SAM writes them), and is reported as \"probably\" otherwise. "
                 "A Deny that "
                 "matches wins over any Allow; a negated operator on a key API Gateway's call lacks (`NotIpAddress` "
                 "on aws:SourceIp, `StringNotEquals` on aws:SourceVpc) is true, so such a Deny applies to API "
                 "Gateway (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html; "
                 "docs/semantics.md lists the keys).")
    client_sees = 'Requests to the uncovered routes get 500 {"message":"Internal Server Error"}.'
    fix = "Add a permission for the uncovered route, or one for `<api-id>/*`."

    def report(self, ctx, check, routes):
        by_route: dict = {}
        for coverage in check.uncovered:
            by_route.setdefault(id(coverage.route), []).append(coverage)
        for gaps in by_route.values():
            route = gaps[0].route
            stages = ", ".join(c.stage for c in gaps)
            partial = all(c.verdict == "partial" for c in gaps)
            denying = [s for c in gaps for s in c.decision.denying]
            if denying:
                deny = denying[0]
                message = (f"Route `{route.key}` reaches {check.ref.name}, but Deny statement `{deny.sid}` matches "
                           f"`{gaps[0].source_arn}` (stage(s) {stages}): requests to it {_500_of(check.api)}. An Allow cannot "
                           "override it.")
                command = remove_permission(check.function, deny.sid, statement_qualifier(check.function, deny.resources))
                yield self.finding(ctx, message, route_resource(route, integration_id=check.integration.id,
                                                                function_arn=check.ref.arn), route.location, command,
                                   Fix("remove-statement", {"FunctionArn": check.function.arn, "StatementId": deny.sid}))
                continue
            if partial and route.is_rest:
                message = (f"Method `{route.key}` reaches {check.ref.name}, but its permission covers only some of "
                           f"the ways `{gaps[0].source_arn}` may be presented on stage(s) {stages} (AWS does not "
                           "document what an ANY method or a path parameter puts in the SourceArn: the verb or `ANY`, "
                           f"the template or the value); requests to it probably {_500_of(check.api)}.")
            elif partial:
                message = (f"Route `{route.key}` reaches {check.ref.name}, but its permission grants only some methods "
                           f"on stage(s) {stages}; since the ARN method of an ANY route is not documented, requests to it "
                           f"probably {_500_of(check.api)}.")
            elif route.api.is_websocket:
                message = (f"Route `{route.key}` of WebSocket API {route.api.id} reaches {check.ref.name}, but no "
                           f"permission matches `{gaps[0].source_arn}` (stage(s) {stages}){_verb_form_note(check)}: "
                           + ("every connection is refused (AGW230)." if route.key == "$connect" else
                              "messages routed to it fail."))
            else:
                message = (f"{'Method' if route.is_rest else 'Route'} `{route.key}` reaches {check.ref.name}, but no "
                           f"permission matches `{gaps[0].source_arn}`"
                           f" (stage(s) {stages}): requests to it {_500_of(check.api)}.")
            suffix = (grant_suffix(route) if route.is_rest else websocket.grant_suffix(route.key) if route.api.is_websocket
                      else route_grant_suffix(route.key))
            command, fix = _grant_fix(check, suffix, route.key)
            yield self.finding(ctx, message, route_resource(route, integration_id=check.integration.id,
                                                            function_arn=check.ref.arn),
                               route.location, command, fix)


def _verb_form_note(check) -> str:
    """Why a grant written for an HTTP route (`<stage>/<VERB>/<path>`) covers no WebSocket route."""
    verb_form = sorted({arn for s in check.function.statements for arn in (s.source_arns or ())
                        if websocket.looks_like_http_form(arn.split(":", 5)[-1])})
    if not verb_form:
        return ""
    return (f"; {', '.join(f'`{a}`' for a in verb_form)} is written in the HTTP form `<stage>/<VERB>/<path>`, but a "
            "WebSocket route presents `<api-id>/<stage>/<route-key>` with no verb, so it covers nothing here")


class PermissionQualifierMismatch(_IntegrationPermissionRule):
    id = "AGW204"
    name = "permission-qualifier-mismatch"
    severity = Severity.HIGH
    status = "qualifier-mismatch"
    title = "Permission is on another alias or version than the one invoked"
    rationale = ("Each function, alias and version has its own resource policy. A permission on the unqualified "
                 "function does not let API Gateway invoke `:live`, and one on `:live` does not cover the "
                 "unqualified ARN.")
    client_sees = 'Every request to the routes gets 500 {"message":"Internal Server Error"}.'
    fix = "Add the permission with --qualifier matching the integration's ARN (or change the IntegrationUri)."

    def report(self, ctx, check, routes):
        granted = sorted({r for s in check.other_qualifier_statements for r in s.resources})
        command, fix = _grant_fix(check)
        yield self.finding(
            ctx, f"Integration {check.integration.id} invokes `{check.ref.arn}`{check.stages_phrase()} but the "
                 f"permission for API {check.api.id} is on {', '.join(f'`{g}`' for g in granted)}: "
                 f"{_fails(check, routes, stages=False)}.",
            integration_resource(check.integration, check.ref.arn), check.integration.location, command, fix)


class AuthorizerPermissionMissing(Rule):
    id = "AGW205"
    name = "authorizer-permission-missing"
    severity = Severity.HIGH
    title = "Lambda authorizer's function does not let API Gateway invoke it"
    rationale = ("A REQUEST authorizer's function is invoked with SourceArn `<api-id>/authorizers/<authorizer-id>`; "
                 "it needs its own permission (or an AuthorizerCredentialsArn role). Only authorizers that a route "
                 "uses (AuthorizationType CUSTOM naming it) are ever invoked, so only those are reported; an "
                 "authorizer nothing uses is AGW403.")
    client_sees = "Requests to routes using the authorizer get 500 (or 403) before your function runs."
    fix = "Add a permission for `arn:aws:execute-api:<region>:<account>:<api-id>/authorizers/<authorizer-id>`."

    def check(self, ctx):
        index = ctx.index
        for api in (*ctx.v2_apis, *ctx.rest_apis):
            for authorizer in api.authorizers:
                check = index.authorizer_check(authorizer)
                if check is None or check.status != "missing":
                    continue
                routes = index.authorizer_routes(authorizer)
                if not routes:
                    continue  # never invoked: AGW403 (or unknown use: nothing to say)
                ref = check.ref
                name = authorizer.name or authorizer.id
                if authorizer.id_known:
                    source_arn = authorizer_source_arn(api.partition, api.scope.region, api.scope.account, api.id,
                                                       authorizer.id)
                    wanted, why = source_arn, ""
                else:  # the id is API Gateway's, assigned at deployment: grant every authorizer of the API
                    source_arn = authorizer_source_arn(api.partition, api.scope.region, api.scope.account, api.id,
                                                       "<authorizer-id>")
                    wanted = authorizer_source_arn(api.partition, api.scope.region, api.scope.account, api.id, "*")
                    why = (f" (API Gateway assigns {name}'s id at deployment, so `{name}` is not it: only a wildcard "
                           f"such as `{wanted}` covers it)")
                yield self.finding(
                    ctx, f"Authorizer {name} invokes {ref.name}, whose policy has no "
                         f"statement allowing `{source_arn}`{why}: requests to {routes_phrase(routes)} get 500.",
                    api_resource(api, authorizer_id=authorizer.id, function_arn=ref.arn), authorizer.location,
                    add_permission(ref, wanted, f"apigateway-authorizer-{api.id}-{authorizer.id}"),
                    Fix("add-permission", {"FunctionArn": ref.arn, "SourceArn": wanted,
                                           "Principal": "apigateway.amazonaws.com",
                                           "Action": "lambda:InvokeFunction"}))


class FunctionOutOfReach(Rule):
    id = "AGW206"
    name = "function-out-of-reach"
    severity = Severity.HIGH
    title = "Integration or authorizer names a function the API cannot invoke (another partition, or another account through stage variables)"
    rationale = ("Nothing crosses an AWS partition (aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, "
                 "aws-iso-f, aws-eusc...): an API in one cannot invoke a Lambda function in another, whatever its "
                 "resource policy says, and an ARN whose partition is not its region's (`arn:aws:lambda:cn-north-1:...`) "
                 "names no function. Each region's partition is taken from botocore's own endpoint data, not from "
                 "region prefixes. And a function named through stage variables must be in the API's own account "
                 "(AWS's HTTP API stage-variable reference: they do not support cross-account functions). AWS does "
                 "not document the exact error; probably 500 like any failed invocation.")
    client_sees = 'Requests to the routes probably get 500 {"message":"Internal Server Error"}; the function never runs.'
    fix = "Point the integration (or authorizer) at a function in the API's own partition, deployed there if need be."

    @staticmethod
    def _why(api, ref) -> str:
        if ref.partition == api.partition and ref.account != api.scope.account \
                and ref.partition == partition_for_region(ref.region):
            return (f"the stage variables name a function in account {ref.account}, API {api.id} is in "
                    f"{api.scope.account}, and stage variables cannot name a function in another account")
        own = partition_for_region(ref.region)
        if ref.partition != own:
            return (f"its ARN says partition {ref.partition} but region {ref.region} is in {own}, so it names no "
                    "function")
        return f"the function is in partition {ref.partition}, API {api.id} in {api.partition} ({api.scope.region})"

    def check(self, ctx):
        index = ctx.index
        for check in index.permission_checks:
            if check.status not in ("cross-partition", "cross-account-variable") or not check.routes:
                continue
            integration, ref, api = check.integration, check.ref, check.api
            wanted = function_arn(api.partition, api.scope.region, api.scope.account, ref.name)
            if check.status == "cross-account-variable":  # keep the variable; name the function in the URI's account
                yield self.finding(
                    ctx, f"Integration {integration.id} invokes `{ref.arn}`{check.stages_phrase()}: "
                         f"{self._why(api, ref)}; requests to {routes_phrase(check.routes)} probably {_500_of(api)}.",
                    integration_resource(integration, ref.arn), integration.location,
                    update_integration(integration, "--integration-uri", q(ref.arn)) + "  # a literal ARN works "
                    "across accounts (with a permission for the API); stage variables do not",
                    Fix("set", {"IntegrationUri": ref.arn}))
                continue
            yield self.finding(
                ctx, f"Integration {integration.id} invokes `{ref.arn}`{check.stages_phrase()}: {self._why(api, ref)}; "
                     f"requests to {routes_phrase(check.routes)} probably {_500_of(api)}.",
                integration_resource(integration, ref.arn), integration.location,
                update_integration(integration, "--integration-uri", q(wanted)),
                Fix("set", {"IntegrationUri": wanted}))
        for api in (*ctx.v2_apis, *ctx.rest_apis):
            for authorizer in api.authorizers:
                check = index.authorizer_check(authorizer)
                if check is None or check.status != "cross-partition":
                    continue
                routes = index.authorizer_routes(authorizer)
                if not routes and not index.authorizer_use_unknown(api):
                    continue  # never invoked: AGW403
                ref = check.ref
                wanted = invocation_uri(api.partition, api.scope.region,
                                        function_arn(api.partition, api.scope.region, api.scope.account, ref.name))
                yield self.finding(
                    ctx, f"Authorizer {authorizer.name or authorizer.id} invokes `{ref.arn}`: {self._why(api, ref)}; "
                         f"requests to {routes_phrase(routes) if routes else 'the routes it protects'} probably {_500_of(api)}.",
                    api_resource(api, authorizer_id=authorizer.id, function_arn=ref.arn), authorizer.location,
                    update_authorizer_uri(api, authorizer, wanted),
                    Fix("set", {"AuthorizerUri": wanted}))

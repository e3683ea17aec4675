"""AGW40x: leftovers that do no harm today but confuse the next person debugging."""

from auditor.core.arnlike import has_wildcard
from auditor.core.arns import parse_source_arn
from auditor.engine import Rule
from auditor.findings import Fix, Severity
from auditor.rules.common import (api_resource, apigw, function_resource, integration_resource, q, remove_permission,
                                  statement_location, statement_qualifier)


class IntegrationUnused(Rule):
    id = "AGW401"
    name = "integration-unused"
    severity = Severity.LOW
    title = "No route targets the integration"
    rationale = "An integration no route names is dead configuration, often the trace of a route wired to the wrong one."
    client_sees = "Nothing reaches this backend through the API."
    fix = "Delete the integration, or point the route that should use it at `integrations/<IntegrationId>`."

    def check(self, ctx):
        for api in ctx.v2_apis:
            if not api.has_routes:
                continue
            for integration in api.integrations:
                if id(integration) in ctx.index.referenced:
                    continue
                ref = integration.function_ref
                yield self.finding(
                    ctx, f"Integration {integration.id} of API {api.id}"
                         f"{' (function ' + ref.name + ')' if ref else ''} is targeted by no route.",
                    integration_resource(integration, ref.arn if ref else None), integration.location,
                    apigw("delete-integration", api, "--integration-id", q(integration.id)),
                    Fix("delete", {"IntegrationId": integration.id}))


class PermissionStale(Rule):
    id = "AGW402"
    name = "permission-stale"
    severity = Severity.LOW
    title = "Permission names an API that no longer exists"
    rationale = ("A statement whose SourceArn names an API id absent from its (completely collected) account and "
                 "region is probably left over from a deleted API; should the id ever be reused it grants access "
                 "unintended. REST APIs share the execute-api ARN form: when the input does not list the scope's REST "
                 "APIs (`RestApis`), the finding says to check first.")
    client_sees = "Nothing; it is clutter in the function's resource policy."
    fix = "Remove the statement with `aws lambda remove-permission`."

    @staticmethod
    def _stale(index, raw: str):
        """The parsed SourceArn when it literally names an API absent from its complete account and region."""
        p = parse_source_arn(raw)
        if p is None or p.service != "execute-api" or has_wildcard(p.region + p.account + p.api_id):
            return None
        if index.is_complete(p.account, p.region) and not index.api_exists(p.account, p.region, p.api_id):
            return p
        return None

    def check(self, ctx):
        index = ctx.index
        for function, statement in index.invoke_statements:
            if not statement.invokable_by_apigateway or not statement.source_arns or \
                    index.api_source_arns.issuperset(statement.source_arns):
                continue
            # IAM ANDs the operators: one whose every value names a deleted API leaves the statement nothing else.
            clauses = statement.source_arn_clauses or (tuple(statement.source_patterns),)
            stale = None
            for clause in clauses:
                found = [(raw, p) for _, raw in clause if (p := self._stale(index, raw))]
                if found and len(found) == len(clause):
                    stale = found
                    break
            if not stale:
                continue
            names = ", ".join(f"{p.api_id} ({p.account}/{p.region})" for _, p in stale)
            first = stale[0][1]
            remove = remove_permission(function, statement.sid, statement_qualifier(function, statement.resources))
            if all((p.account, p.region) in index.rest_collected for _, p in stale):  # REST APIs listed too
                message = (f"Statement `{statement.sid}` on {function.name} grants API {names}, which is not among "
                           "the APIs (HTTP, WebSocket or REST) of its account and region: probably left over from a "
                           "deleted API.")
                command = remove
            else:
                message = (f"Statement `{statement.sid}` on {function.name} grants API {names}, which is not among "
                           "the HTTP/WebSocket APIs of its account and region: probably left over from a deleted API. "
                           "Keep it if it is a REST API (this input does not list REST APIs).")
                command = (f"aws apigateway get-rest-api --rest-api-id {q(first.api_id)} --region {q(first.region)}  "
                           "# if that fails too: " + remove)
            yield self.finding(
                ctx, message,
                function_resource(function, statement_id=statement.sid), statement_location(function, statement),
                command,
                Fix("remove-statement", {"FunctionArn": function.arn, "StatementId": statement.sid}))


_RUNS = ("CUSTOM", "JWT")  # the authorization types that run a route's authorizer


class AuthorizerUnused(Rule):
    id = "AGW403"
    name = "authorizer-unused"
    severity = Severity.LOW
    title = "No route uses the authorizer"
    rationale = ("An authorizer runs only for routes whose AuthorizationType is CUSTOM (Lambda) or JWT and whose "
                 "AuthorizerId names it (REST methods: CUSTOM or COGNITO_USER_POOLS). One that no route names is never invoked: it breaks nothing (so its "
                 "function's permission, AGW205, does not matter yet), but it is often the trace of a route meant "
                 "to be protected and left open.")
    client_sees = "Nothing; no request runs this authorizer."
    fix = "Attach the authorizer to the routes it should protect, or delete it."

    def check(self, ctx):
        index = ctx.index
        yield from self._rest(ctx)
        for api in ctx.v2_apis:
            if not api.authorizers:
                continue
            # (the type in another case, as a template may write it); the first route that runs it settles it
            unused = [authorizer for authorizer in api.authorizers if not any(
                route.authorizer_id == authorizer.id and (route.authorization_type or "").upper() in _RUNS
                for route in api.routes)]
            if not unused or index.authorizer_use_unknown(api):
                continue
            for authorizer in unused:
                kind = {"REQUEST": "CUSTOM"}.get(authorizer.type or "", authorizer.type or "JWT")
                yield self.finding(
                    ctx, f"Authorizer {authorizer.name or authorizer.id} ({authorizer.type or 'type unknown'}) of API "
                         f"{api.id} is used by no route: it never runs, and the routes it was meant for are "
                         "probably unprotected.",
                    api_resource(api, authorizer_id=authorizer.id), authorizer.location,
                    apigw("delete-authorizer", api, "--authorizer-id", q(authorizer.id)) + "  # or attach it: "
                    + apigw("update-route", api, "--route-id", q("<route-id>"), "--authorization-type", kind,
                            "--authorizer-id", q(authorizer.id)),
                    Fix("delete", {"AuthorizerId": authorizer.id}))

    def _rest(self, ctx):
        """REST: methods run an authorizer with authorizationType CUSTOM (Lambda) or COGNITO_USER_POOLS naming it."""
        from auditor.rules.common import rest_apigw
        for api in ctx.rest_apis:
            if not api.authorizers or not api.has_resources:
                continue
            used = {m.authorizer_id for m in api.methods
                    if (m.authorization_type or "").upper() in ("CUSTOM", "COGNITO_USER_POOLS")}
            for authorizer in api.authorizers:
                if authorizer.id in used:
                    continue
                kind = "COGNITO_USER_POOLS" if authorizer.type == "COGNITO_USER_POOLS" else "CUSTOM"
                yield self.finding(
                    ctx, f"Authorizer {authorizer.name or authorizer.id} ({authorizer.type or 'type unknown'}) of REST "
                         f"API {api.id} is used by no method: it never runs, and the methods it was meant for are "
                         "probably unprotected.",
                    api_resource(api, authorizer_id=authorizer.id), authorizer.location,
                    rest_apigw("delete-authorizer", api, "--authorizer-id", q(authorizer.id)) + "  # or attach it: "
                    + rest_apigw("update-method", api, "--resource-id <resource-id> --http-method <VERB>",
                                 "--patch-operations", q(f"op=replace,path=/authorizationType,value={kind}"),
                                 q(f"op=replace,path=/authorizerId,value={authorizer.id}")),
                    Fix("delete", {"AuthorizerId": authorizer.id}))

"""AGW000: whatever the audit could not read or resolve is reported, never silently skipped."""

from auditor.core.arns import UNRESOLVED_MARK, is_unresolved, uses_stage_variable
from auditor.engine import Rule
from auditor.findings import Fix, Resource, Severity
from auditor.rules.common import api_resource, function_resource, integration_resource, q, route_resource


class AuditIncomplete(Rule):
    id = "AGW000"
    name = "audit-incomplete"
    severity = Severity.MEDIUM
    title = "Part of the input could not be read or resolved"
    rationale = ("A failed AWS call, an unresolvable value or a function outside the snapshot means some checks "
                 "did not run. Reporting it keeps a clean result meaning clean.")
    client_sees = "Unknown: the checks that depend on the missing part did not run."
    fix = "Grant the collector the missing read permission, or add the missing account/region or function to the snapshot."

    def check(self, ctx):
        for conflict in ctx.snapshot.conflicts:  # see snapshot.merge: the kept copy is the one audited
            kept, dropped = conflict.kept, conflict.dropped
            where = f"{kept.scope.account}/{kept.scope.region}"
            yield self.finding(
                ctx, f"{conflict.kind} {conflict.name} "
                     f"({where}) is in the input twice with different content ({dropped.location.file} and "
                     f"{kept.location.file}): the audit judged the copy in {kept.location.file} only.",
                api_resource(kept) if conflict.kind == "API" else function_resource(kept) if conflict.kind == "Function"
                else Resource(account=kept.scope.account, region=kept.scope.region, statement_id=f"role:{kept.arn}"),
                kept.location,
                f"apigw-auditor audit {q(kept.location.file)}  # and separately: apigw-auditor audit "
                f"{q(dropped.location.file)}", Fix("review", {}))
        for scope in ctx.snapshot.scopes:
            for error in scope.errors:
                if error.unresolved_parameters:  # informational: each value built from them says what it skipped
                    names = error.resource.split(", ")
                    yield self.finding(
                        ctx, f"{error.message}.", Resource(account=scope.account, region=scope.region, api_id=None,
                                                           function_arn=None, statement_id=f"{error.operation}:{error.resource}"),
                        error.location, f"apigw-auditor audit {q(error.location.file)} "
                                        + " ".join(f"--parameter {name}=VALUE" for name in names),
                        Fix("review", {"Parameters": names}), severity=Severity.INFO)
                    continue
                yield self.finding(
                    ctx, f"{error.operation} failed for {error.resource or 'the scope'} in {scope.account}/{scope.region}"
                         f" ({error.code or 'error'}: {error.message}); "
                         + ("suppression tags on functions were not (all) read, so some suppressions may not apply." if error.tags_only
                            else "checks needing it did not run."),
                    Resource(account=scope.account, region=scope.region, api_id=None, function_arn=None,
                             statement_id=f"{error.operation}:{error.resource}"),
                    error.location, f"apigw-auditor snapshot --region {q(scope.region)}  # after granting {error.operation}",
                    Fix("review", {"Operation": error.operation}), severity=Severity.LOW if error.tags_only else None)
        for check in ctx.index.permission_checks:
            status = check.status
            if status == "ok" and check.whole_api:  # the usual verdict: nothing unknown in it
                continue
            integration = check.integration
            # (a function present but with an unreadable policy is already reported by its scope error)
            if status == "not-in-snapshot" and check.routes and check.function is None:
                yield self.finding(
                    ctx, f"Function {check.ref.arn} (integration {integration.id}{check.stages_phrase()}) is not in "
                         "the snapshot: its existence, permission and timeout were not checked.",
                    integration_resource(integration, check.ref.arn), integration.location,
                    f"apigw-auditor snapshot --region {q(check.ref.region)}  # include the function's account and region",
                    Fix("review", {}), severity=Severity.INFO)
            elif check.status == "unresolved" and check.routes:
                yield self.finding(
                    ctx, f"The permission of {check.ref.name} names an API or function through a value not known "
                         f"before deployment: whether API {check.api.id} may invoke it was not checked.",
                    integration_resource(integration, check.ref.arn), integration.location,
                    "# pass --parameter/--account/--region, or audit the deployed stack", Fix("review", {}),
                    severity=Severity.INFO)
            elif check.status == "dynamic" and check.stages is not None:
                why = ("take a value not known before deployment" if is_unresolved(check.uri) else "do not define")
                yield self.finding(
                    ctx, f"Integration {integration.id} names its function through stage variables that stage(s) "
                         f"{', '.join(check.stages)} {why} (`{check.uri}`): the function those stages invoke "
                         "and its permission cannot be checked statically.",
                    integration_resource(integration), integration.location,
                    "# check each stage's value: aws apigatewayv2 get-stages --api-id " + q(integration.api.id),
                    Fix("review", {}), severity=Severity.INFO)
            elif check.status == "dynamic":
                how = "a stage variable" if uses_stage_variable(integration.uri) else "a value that could not be resolved"
                yield self.finding(
                    ctx, f"Integration {integration.id} names its function through {how} (`{integration.uri}`): "
                         "the function and its permission cannot be checked statically.",
                    integration_resource(integration), integration.location,
                    "# check each stage's value: aws apigatewayv2 get-stages --api-id " + q(integration.api.id),
                    Fix("review", {}), severity=Severity.INFO)
            if status in ("ok", "uncovered"):
                by_route: dict = {}
                for coverage in check.unknown_coverage:
                    by_route.setdefault(id(coverage.route), []).append(coverage)
                for gaps in by_route.values():
                    route = gaps[0].route
                    yield self.finding(
                        ctx, f"Route `{route.key}` reaches {check.ref.name} on stage(s) "
                             f"{', '.join(c.stage for c in gaps)}, a name not known before deployment: the permission "
                             "names particular stages, so whether it covers this one was not checked.",
                        route_resource(route, integration_id=integration.id, function_arn=check.ref.arn),
                        route.location, "# pass --parameter for the stage name, or grant `<api-id>/*/...`",
                        Fix("review", {}), severity=Severity.INFO)
        for api in (*ctx.http_apis, *ctx.rest_apis):
            for authorizer in api.authorizers:
                check = ctx.index.authorizer_check(authorizer)
                if check is None or not (ctx.index.authorizer_routes(authorizer)
                                         or ctx.index.authorizer_use_unknown(api)):
                    continue
                ref, problem = check.ref, check.status
                if problem == "not-in-snapshot":  # function-missing is AGW114
                    yield self.finding(
                        ctx, f"Authorizer {authorizer.name or authorizer.id}'s function {ref.arn} is not in the "
                             "snapshot: its permission was not checked.",
                        api_resource(api, authorizer_id=authorizer.id, function_arn=ref.arn), authorizer.location,
                        f"apigw-auditor snapshot --region {q(ref.region)}", Fix("review", {}), severity=Severity.INFO)
                elif problem == "unresolved":
                    yield self.finding(
                        ctx, f"Authorizer {authorizer.name or authorizer.id}'s function {ref.name} has a permission "
                             "whose SourceArn is not known before deployment: whether API Gateway may invoke it was "
                             "not checked.",
                        api_resource(api, authorizer_id=authorizer.id, function_arn=ref.arn), authorizer.location,
                        "# pass --parameter/--account/--region, or audit the deployed stack", Fix("review", {}),
                        severity=Severity.INFO)
        yield from self._unresolved_values(ctx)
        for route in ctx.index.routes_with_target("unresolved"):
            yield self.finding(
                ctx, f"Route `{route.key}` has a Target not known before deployment (`{route.target}`): "
                     "its form (`integrations/<id>`) was not checked.", route_resource(route), route.location,
                "# check the route's target expression", Fix("review", {}), severity=Severity.INFO)
        for route in ctx.index.routes_with_target("not-collected"):
            api = route.api
            yield self.finding(
                ctx, f"Route `{route.key}` targets {route.target} but the snapshot holds no integrations for "
                     f"API {api.id}: the target was not checked.", route_resource(route), route.location,
                f"aws apigatewayv2 get-integrations --api-id {q(api.id)} --region {q(api.scope.region)}",
                Fix("review", {}), severity=Severity.INFO)

    def _unresolved_values(self, ctx):
        """Values a template leaves to deployment time: each rule that reads one skips it, and it is listed here."""
        if any(is_unresolved(key) for key in ctx.index.route_keys):
            for api in ctx.http_apis:
                for route in api.routes:
                    if is_unresolved(route.key):
                        yield self.finding(
                            ctx, f"Route key `{route.key}` is not known before deployment: its syntax (AGW104) was "
                                 "not checked.", route_resource(route), route.location,
                            "# pass --parameter for the value, or audit the deployed API", Fix("review", {}),
                            severity=Severity.INFO)
        for api in (*ctx.http_apis, *ctx.rest_apis):
            for integration in api.integrations:
                kind, version = integration.type, integration.payload_format_version
                if not ((kind and UNRESOLVED_MARK in kind) or (version and UNRESOLVED_MARK in version)):
                    continue  # the usual case, decided without a call
                if is_unresolved(kind or ""):
                    unknown, skipped = "IntegrationType is", "what it calls, and every Lambda check on it (AGW111-AGW115, AGW2xx),"
                elif is_unresolved(version or "") and integration.is_lambda:
                    unknown, skipped = "PayloadFormatVersion is", "its payload format (AGW111)"
                else:
                    continue
                yield self.finding(
                    ctx, f"Integration {integration.id}'s {unknown} not known before deployment: {skipped} was not "
                         "checked.", integration_resource(integration), integration.location,
                    "# pass --parameter for the value, or audit the deployed API", Fix("review", {}),
                    severity=Severity.INFO)

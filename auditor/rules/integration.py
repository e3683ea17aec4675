"""AGW11x: is each integration a working Lambda proxy integration?"""

from auditor.core.arns import function_arn, invocation_uri, is_dynamic, is_unresolved, looks_like_lambda_uri, uses_stage_variable
from auditor.engine import Rule
from auditor.findings import Fix, Severity
from auditor.core.arns import parse_lambda_arn
from auditor.rules.common import (api_resource, apigw, integration_resource, q, routes_phrase, update_authorizer_uri,
                                  update_integration)

MIN_TIMEOUT_MS, MAX_TIMEOUT_MS = 50, 30000
_REST_TIMEOUT = '504 {"message": "Endpoint request timed out"}'
REST_MAX_TIMEOUT_MS = 29000  # REST APIs' default maximum (supported-gateway-response-types: INTEGRATION_TIMEOUT 504)


class PayloadFormatV1(Rule):
    id = "AGW111"
    name = "payload-format-v1"
    severity = Severity.MEDIUM
    title = "Lambda integration uses payload format 1.0"
    rationale = ("HTTP API handlers written for the 2.0 event (`event.requestContext.http.method`, "
                 "APIGatewayProxyEventV2) break on the 1.0 event. An omitted PayloadFormatVersion may default "
                 "to 1.0 (Terraform's provider always does). 1.0 written in a template on purpose (e.g. .NET Lambda "
                 "Annotations' `HttpApiVersion.V1`, whose generated handlers take the 1.0 event) is shown as low: "
                 "it gates when it comes from a default, from a live API where the choice cannot be seen, or when "
                 "another integration invokes the same function with 2.0 (its handler reads the 2.0 event).")
    client_sees = "The function runs but reads undefined fields; clients typically get 500 from the handler."
    fix = "Set PayloadFormatVersion to 2.0 (and keep handlers on the v2 event)."

    def check(self, ctx):
        # Functions some integration invokes with 2.0: their handlers read the 2.0 event (built when first asked:
        # only a 1.0 written in a template asks)
        reads_v2 = None
        for api in ctx.http_apis:
            for integration in api.integrations:
                if integration.payload_format_version == "2.0" or is_unresolved(integration.payload_format_version or ""):
                    continue
                lambda_by_variable = (integration.type == "AWS_PROXY" and not integration.subtype and integration.uri
                                      and uses_stage_variable(integration.uri) and looks_like_lambda_uri(integration.uri))
                if not (integration.is_lambda or lambda_by_variable):
                    continue
                ref = integration.function_ref
                version = integration.payload_format_version
                said = f"payload format {version}" if version else "no PayloadFormatVersion (may default to 1.0)"
                chosen = version == "1.0" and isinstance(integration.source, dict) and \
                    integration.source.get("PayloadFormatVersionSet") is True
                other = None
                if chosen and ref is not None:
                    if reads_v2 is None:
                        reads_v2 = {i.function_ref.unqualified_arn: i for a in ctx.http_apis for i in a.integrations
                                    if i.payload_format_version == "2.0" and i.is_lambda}
                    other = reads_v2.get(ref.unqualified_arn)
                if chosen and other is not None:  # the same handler is given 2.0 elsewhere: 1.0 here is a slip
                    chosen = False
                    said += (f", while integration {other.id} invokes the same function with 2.0 (its handler "
                             "reads one shape)")
                if chosen:  # written in the template (e.g. .NET Lambda Annotations' HttpApiVersion.V1): on purpose
                    message = (f"Lambda integration {integration.id} uses payload format 1.0, written in the template "
                               "(probably on purpose: handlers for the 1.0 event work); handlers written for the 2.0 "
                               "event (event.requestContext.http) would fail.")
                else:
                    message = (f"Lambda integration {integration.id} uses {said}: handlers written for the 2.0 event "
                               "(event.requestContext.http) get the 1.0 shape and fail.")
                yield self.finding(
                    ctx, message, integration_resource(integration, ref.arn if ref else None), integration.location,
                    update_integration(integration, "--payload-format-version 2.0"),
                    Fix("set", {"PayloadFormatVersion": "2.0"}), severity=Severity.LOW if chosen else None)


class IntegrationType(Rule):
    id = "AGW112"
    name = "integration-type"
    severity = Severity.HIGH
    title = "Lambda integration is not AWS_PROXY"
    rationale = "HTTP APIs call Lambda only through proxy integrations: IntegrationType must be AWS_PROXY."
    client_sees = "Requests to its routes get 500; the function is not invoked as intended."
    fix = "Set IntegrationType to AWS_PROXY with PayloadFormatVersion 2.0."

    def check(self, ctx):
        for api in ctx.http_apis:
            for integration in api.integrations:
                if integration.type == "AWS_PROXY" or integration.function_ref is None or is_unresolved(integration.type or ""):
                    continue
                yield self.finding(
                    ctx, f"Integration {integration.id} points at Lambda function {integration.function_ref.name} "
                         f"but its IntegrationType is {integration.type or 'unset'}, not AWS_PROXY: requests to "
                         f"{routes_phrase(ctx.index.routes_to(integration))} get 500.",
                    integration_resource(integration, integration.function_ref.arn), integration.location,
                    update_integration(integration, "--integration-type AWS_PROXY --payload-format-version 2.0"),
                    Fix("set", {"IntegrationType": "AWS_PROXY", "PayloadFormatVersion": "2.0"}))


class IntegrationUriInvalid(Rule):
    id = "AGW113"
    name = "integration-uri-invalid"
    severity = Severity.HIGH
    title = "Lambda integration URI is not a function ARN"
    rationale = ("A Lambda proxy integration's IntegrationUri must be the function ARN "
                 "(`arn:aws:lambda:<region>:<account>:function:<name>[:<alias-or-version>]`) or the "
                 "`arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<function-arn>/invocations` form.")
    client_sees = "Requests to its routes get 500: API Gateway cannot find a function to invoke."
    fix = "Set IntegrationUri to the function's ARN (`aws lambda get-function --query Configuration.FunctionArn`)."

    def check(self, ctx):
        for api in ctx.v2_apis:
            for integration in api.integrations:
                if integration.type != "AWS_PROXY" or integration.subtype:
                    continue
                uri = integration.uri
                if uri and (integration.function_ref is not None or is_dynamic(uri)):
                    continue
                said = f"`{uri}`" if uri else "missing"
                hint = " (it looks like a garbled Lambda ARN)" if uri and looks_like_lambda_uri(uri) else ""
                yield self.finding(
                    ctx, f"AWS_PROXY integration {integration.id} has IntegrationUri {said}{hint}, which is neither "
                         f"a Lambda function ARN nor an invocation URI: requests to "
                         f"{routes_phrase(ctx.index.routes_to(integration))} get 500.",
                    integration_resource(integration), integration.location,
                    update_integration(integration, "--integration-uri",
                                       q(function_arn(api.partition, api.scope.region, api.scope.account, "<function-name>"))),
                    Fix("set", {"IntegrationUri": "<function-arn>"}))
        yield from self._rest(ctx)
        for check in ctx.index.permission_checks:  # stage variables that resolve to no function ARN
            if check.status != "invalid" or check.stages is None or not check.routes:
                continue
            integration = check.integration
            yield self.finding(
                ctx, f"AWS_PROXY integration {integration.id}'s IntegrationUri `{integration.uri}` becomes "
                     f"`{check.uri}` with the variables of stage(s) {', '.join(check.stages)}, which is neither a "
                     f"Lambda function ARN nor an invocation URI: requests to "
                     f"{routes_phrase(check.routes)} on those stages get 500.",
                integration_resource(integration, stage=check.stages[0]), integration.location,
                "aws apigatewayv2 update-stage --api-id " + q(integration.api.id) + " --stage-name "
                + q(check.stages[0]) + " --stage-variables " + q("<name>=<function-name>") + " --region "
                + q(integration.api.scope.region), Fix("review", {}))


    def _rest(self, ctx):
        """REST: a Lambda integration's uri must be the invocation URI (PutIntegration refuses a bare function ARN)."""
        for api in ctx.rest_apis:
            for method in api.methods:
                integration = method.integration
                if integration is None or not integration.is_lambda_uri:
                    continue
                uri = integration.uri
                if uri and is_dynamic(uri):
                    continue
                bare = bool(uri) and parse_lambda_arn(uri) is not None
                if uri and integration.function_ref is not None and not bare:
                    continue
                ref = integration.function_ref
                wanted = invocation_uri(api.partition, api.scope.region, ref.arn if ref else function_arn(
                    api.partition, api.scope.region, api.scope.account, "<function-name>"))
                said = f"`{uri}`" if uri else "missing"
                why = (" a function ARN, not the invocation URI REST integrations take" if bare else
                       " neither a Lambda invocation URI nor a function ARN"
                       + (" (it looks like a garbled Lambda ARN)" if uri and looks_like_lambda_uri(uri) else ""))
                yield self.finding(
                    ctx, f"{integration.type} integration of method `{method.key}` has uri {said}:{why}; requests to "
                         f"it get 500 {{\"message\": \"Internal server error\"}} (or the deployment fails).",
                    integration_resource(integration, ref.arn if ref else None), integration.location,
                    update_integration(integration, "--integration-uri", q(wanted)), Fix("set", {"uri": wanted}))


class FunctionMissing(Rule):
    id = "AGW114"
    name = "function-missing"
    severity = Severity.HIGH
    title = "Integration names a function, alias or version that does not exist"
    rationale = ("The snapshot holds every function of the function's account and region (Complete scope), "
                 "and the one the integration names is not among them.")
    client_sees = "Requests to its routes get 500."
    fix = "Deploy the function (or alias/version), or point the integration at one that exists."

    def check(self, ctx):
        for check in ctx.index.permission_checks:
            if check.status != "function-missing" or check.integration is None:
                continue
            integration, ref = check.integration, check.ref
            what = (f"alias or version `{ref.qualifier}` of function {ref.name}" if check.function is not None
                    else f"function {ref.name}")
            yield self.finding(
                ctx, f"Integration {integration.id} invokes {what}{check.stages_phrase()}, which does not exist in "
                     f"account {ref.account} region {ref.region}: requests to {routes_phrase(check.routes)} get 500.",
                integration_resource(integration, ref.arn), integration.location,
                f"aws lambda list-functions --region {q(ref.region)} --query 'Functions[].FunctionArn'  # then: "
                + update_integration(integration, "--integration-uri", q("<existing-function-arn>")),
                Fix("set", {"IntegrationUri": "<existing-function-arn>"}))
        for api in (*ctx.v2_apis, *ctx.rest_apis):
            for authorizer in api.authorizers:
                check = ctx.index.authorizer_check(authorizer)  # only authorizers some route runs (or may run)
                if check is None or check.status != "function-missing" or not (
                        ctx.index.authorizer_routes(authorizer) or ctx.index.authorizer_use_unknown(api)):
                    continue
                ref = check.ref
                yield self.finding(
                    ctx, f"Authorizer {authorizer.name or authorizer.id} invokes function {ref.name}, which does not "
                         f"exist in account {ref.account} region {ref.region}: requests to the routes it protects "
                         "get 500.", api_resource(api, authorizer_id=authorizer.id, function_arn=ref.arn),
                    authorizer.location,
                    update_authorizer_uri(api, authorizer, invocation_uri(api.partition, api.scope.region,
                                                                          "<existing-function-arn>")),
                    Fix("set", {"AuthorizerUri": "<existing-function-invocation-uri>"}))


class IntegrationTimeout(Rule):
    id = "AGW115"
    name = "integration-timeout"
    severity = Severity.MEDIUM
    title = "Integration timeout out of range or shorter than the function's"
    rationale = ("HTTP API integrations time out between 50 and 30000 ms. A function allowed to run longer than its "
                 "integration keeps running (and billing) after the client has been given an error.")
    client_sees = "Slow requests get 503/504 while the function keeps running."
    fix = ("Keep TimeoutInMillis within 50..30000 and at or above the function's Timeout: raise the integration's "
           "timeout when the function needs up to 30 s; only a function allowed more than 30 s is shortened.")

    def check(self, ctx):
        yield from self._check(ctx, ctx.http_apis, ("AWS_PROXY", "HTTP_PROXY"), True, MAX_TIMEOUT_MS)
        if ctx.rest_apis:
            yield from self._check(ctx, ctx.rest_apis, ("MOCK",), False, REST_MAX_TIMEOUT_MS)

    def _check(self, ctx, apis, types: tuple, judged: bool, maximum: int):
        """Integrations of `apis` whose type is (judged=True) or is not (False) among `types`."""
        for api in apis:
            rest = api.is_rest
            for integration in api.integrations:
                if (integration.type in types) is not judged:
                    continue
                timeout = integration.timeout_ms
                ref = integration.function_ref if integration.is_lambda else None
                if timeout is not None and not MIN_TIMEOUT_MS <= timeout <= maximum:
                    wanted = min(max(timeout, MIN_TIMEOUT_MS), maximum)
                    said = (f"Integration of method `{integration.id}` has timeoutInMillis {timeout}, outside the "
                            "50..29000 REST APIs accept by default (a Regional or private API may have been granted "
                            "more by a quota increase: probably too long unless it was)" if rest else
                            f"Integration {integration.id} has TimeoutInMillis {timeout}, outside the 50..30000 "
                            "that HTTP APIs accept")
                    yield self.finding(
                        ctx, f"{said}.", integration_resource(integration, ref.arn if ref else None),
                        integration.location,
                        update_integration(integration, f"--timeout-in-millis {wanted}"),
                        Fix("set", {"TimeoutInMillis": wanted}))
                    continue
                if ref is None:
                    continue
                function = ctx.index.function(ref)
                effective = timeout if timeout is not None else maximum
                if function is None or function.timeout_s is None or function.timeout_s * 1000 <= effective:
                    continue
                message = (f"Function {function.name} may run {function.timeout_s}s but integration {integration.id} "
                           f"gives up after {effective} ms: slow requests get an error "
                           f"({_REST_TIMEOUT if rest else '503 is reported'}) "
                           "while the function keeps running.")
                resource = integration_resource(integration, ref.arn)
                if function.timeout_s * 1000 <= maximum:
                    # the safe repair: the integration waits as long as the function may run (the function's
                    # own timeout is its author's choice; shortening it could cut off work that needs the time)
                    wanted = function.timeout_s * 1000
                    yield self.finding(ctx, message, resource, integration.location,
                                       update_integration(integration, f"--timeout-in-millis {wanted}"),
                                       Fix("set", {"TimeoutInMillis": wanted}))
                    continue
                # longer than any integration of this API type waits: the integration to its maximum, the function
                # down to it (no client can get its answer after that anyway)
                seconds = maximum // 1000
                command = (f"aws lambda update-function-configuration --function-name {q(function.name)} "
                           f"--timeout {seconds} --region {q(function.scope.region)}")
                details = {"Timeout": seconds, "FunctionArn": function.arn}
                if effective < maximum:
                    command = update_integration(integration, f"--timeout-in-millis {maximum}") + " && " + command
                    details["TimeoutInMillis"] = maximum
                yield self.finding(ctx, message, resource, integration.location, command, Fix("set-function", details))

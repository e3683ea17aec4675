"""AGW11x: is each integration a working Lambda proxy integration?"""

from auditor.core.arns import function_arn, invocation_uri, is_dynamic, is_unresolved, looks_like_lambda_uri, uses_stage_variable
from auditor.engine import Rule
from auditor.findings import Fix, Severity
from auditor.rules.common import api_resource, apigw, integration_resource, q, routes_phrase, update_integration

MIN_TIMEOUT_MS, MAX_TIMEOUT_MS = 50, 30000


class PayloadFormatV1(Rule):
    id = "AGW111"
    name = "payload-format-v1"
    severity = Severity.MEDIUM
    title = "Lambda integration uses payload format 1.0"
    rationale = ("HTTP API handlers written for the 2.0 event (`event.requestContext.http.method`, "
                 "APIGatewayProxyEventV2) break on the 1.0 event. An omitted PayloadFormatVersion may default "
                 "to 1.0 (Terraform's provider always does).")
    client_sees = "The function runs but reads undefined fields; clients typically get 500 from the handler."
    fix = "Set PayloadFormatVersion to 2.0 (and keep handlers on the v2 event)."

    def check(self, ctx):
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
                yield self.finding(
                    ctx, f"Lambda integration {integration.id} uses {said}: handlers written for the 2.0 event "
                         "(event.requestContext.http) get the 1.0 shape and fail.",
                    integration_resource(integration, ref.arn if ref else None), integration.location,
                    update_integration(integration, "--payload-format-version 2.0"),
                    Fix("set", {"PayloadFormatVersion": "2.0"}))


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
        for api in ctx.http_apis:
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
        for api in ctx.http_apis:
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
                    apigw("update-authorizer", api, "--authorizer-id", q(authorizer.id), "--authorizer-uri",
                          q(invocation_uri(api.partition, api.scope.region, "<existing-function-arn>"))),
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
        for api in ctx.http_apis:
            for integration in api.integrations:
                if integration.type != "AWS_PROXY" and integration.type != "HTTP_PROXY":
                    continue
                timeout = integration.timeout_ms
                ref = integration.function_ref if integration.is_lambda else None
                if timeout is not None and not MIN_TIMEOUT_MS <= timeout <= MAX_TIMEOUT_MS:
                    wanted = min(max(timeout, MIN_TIMEOUT_MS), MAX_TIMEOUT_MS)
                    yield self.finding(
                        ctx, f"Integration {integration.id} has TimeoutInMillis {timeout}, outside the 50..30000 "
                             "that HTTP APIs accept.", integration_resource(integration, ref.arn if ref else None),
                        integration.location,
                        update_integration(integration, f"--timeout-in-millis {wanted}"),
                        Fix("set", {"TimeoutInMillis": wanted}))
                    continue
                if ref is None:
                    continue
                function = ctx.index.function(ref)
                effective = timeout if timeout is not None else MAX_TIMEOUT_MS
                if function is None or function.timeout_s is None or function.timeout_s * 1000 <= effective:
                    continue
                message = (f"Function {function.name} may run {function.timeout_s}s but integration {integration.id} "
                           f"gives up after {effective} ms: slow requests get an error (503 is reported) while the "
                           "function keeps running.")
                resource = integration_resource(integration, ref.arn)
                if function.timeout_s * 1000 <= MAX_TIMEOUT_MS:
                    # the safe repair: the integration waits as long as the function may run (the function's
                    # own timeout is its author's choice; shortening it could cut off work that needs the time)
                    wanted = function.timeout_s * 1000
                    yield self.finding(ctx, message, resource, integration.location,
                                       update_integration(integration, f"--timeout-in-millis {wanted}"),
                                       Fix("set", {"TimeoutInMillis": wanted}))
                    continue
                # longer than any HTTP API integration waits: the integration to its 30 s maximum, the function
                # down to it (no client can get its answer after that anyway)
                seconds = MAX_TIMEOUT_MS // 1000
                command = (f"aws lambda update-function-configuration --function-name {q(function.name)} "
                           f"--timeout {seconds} --region {q(function.scope.region)}")
                details = {"Timeout": seconds, "FunctionArn": function.arn}
                if effective < MAX_TIMEOUT_MS:
                    command = update_integration(integration, f"--timeout-in-millis {MAX_TIMEOUT_MS}") + " && " + command
                    details["TimeoutInMillis"] = MAX_TIMEOUT_MS
                yield self.finding(ctx, message, resource, integration.location, command, Fix("set-function", details))

"""Rules from the third look at AWS's semantics: function URLs beside an API, identity sources."""

from auditor.engine import Rule
from auditor.findings import Severity
from auditor.rules.common import api_resource, apigw, function_resource, q, statement_location


class FunctionUrlBesideApi(Rule):
    id = "AGW340"
    name = "function-url-beside-api"
    severity = Severity.LOW
    title = "A function behind an API also has a public function URL"
    rationale = ("SAM's `FunctionUrlConfig` with `AuthType: NONE` (or `aws lambda add-permission --principal '*' "
                 "--function-url-auth-type NONE`) grants everyone lambda:InvokeFunctionUrl, and lambda:InvokeFunction "
                 "conditioned on lambda:InvokedViaFunctionUrl. That grant opens the function's own URL, not an API: "
                 "it is not AGW303 and it never admits API Gateway. But when an API also fronts the function, the "
                 "URL is a second door that skips the API's authorizers, throttling and access logs. Intended for "
                 "some (a webhook), hence low. "
                 "https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html")
    client_sees = "Nothing breaks; anyone can call the function at its URL, around the API."
    fix = "Set the URL's AuthType to AWS_IAM, or delete the URL if the API is the only way in."

    def check(self, ctx):
        seen = set()
        for function, statement in ctx.index.invoke_statements:
            if not (statement.url_only and statement.public) or id(function) in seen:
                continue
            apis = ctx.index.invoking_apis(function)
            if not apis:
                continue
            seen.add(id(function))
            names = ", ".join(f"`{api.name or api.id}`" for api in apis)
            yield self.finding(
                ctx, f"{function.name} is reached through API {names} and also has a public function URL "
                     f"(statement `{statement.sid}`, AuthType NONE): the URL skips the API's authorization.",
                function_resource(function, statement_id=statement.sid), statement_location(function, statement),
                f"aws lambda update-function-url-config --function-name {q(function.name)} --auth-type AWS_IAM")


class IdentitySourceUndefinedStageVariable(Rule):
    id = "AGW341"
    name = "identity-source-stage-variable-undefined"
    severity = Severity.HIGH
    title = "A Lambda authorizer's identity source names a stage variable the stage does not define"
    rationale = ("API Gateway checks a Lambda authorizer's identity sources before calling it: when one is missing, "
                 "null or empty it answers 401 without invoking the authorizer "
                 "(https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html). "
                 "A `$stageVariables.x` source the stage does not define is missing on every request, so every "
                 "route using the authorizer on that stage answers 401. Header and query-string sources a request "
                 "lacks do the same for that request (`explain --header` predicts it).")
    client_sees = 'Every request to the routes gets 401 {"message":"Unauthorized"}; the authorizer is never called.'
    fix = "Define the stage variable on the stage, or remove it from the authorizer's identity sources."

    def check(self, ctx):
        from auditor.core.identity import undefined_stage_variables
        from auditor.core.analysis import stage_names
        for api in ctx.http_apis:
            serving = None
            for authorizer in api.authorizers:
                # only a Lambda authorizer some route runs, taking a stage variable as identity source
                if authorizer.type == "JWT" or "stageVariables" not in str(authorizer.identity_source or "") \
                        or not ctx.index.authorizer_routes(authorizer):
                    continue
                serving = set(stage_names(api)) if serving is None else serving
                for stage in api.stages:
                    if stage.name not in serving:
                        continue
                    undefined = undefined_stage_variables(authorizer, stage)
                    if not undefined:
                        continue
                    names = [source.split(".", 1)[1] for source in undefined]
                    variables = ",".join(f"{name}=VALUE" for name in names)
                    yield self.finding(
                        ctx, f"Authorizer `{authorizer.name or authorizer.id}` takes {', '.join(undefined)} as identity "
                             f"source, but stage `{stage.name}` defines no such variable: every request to its routes "
                             "there gets 401 without the authorizer being called.",
                        api_resource(api, authorizer_id=authorizer.id, stage=stage.name), authorizer.location,
                        apigw("update-stage", api, "--stage-name", q(stage.name), "--stage-variables", q(variables)))


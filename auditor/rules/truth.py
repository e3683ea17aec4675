"""Rules from the third look at AWS's semantics: function URLs beside an API, identity sources."""

from auditor.engine import Rule
from auditor.findings import Severity
from auditor.rules.common import function_resource, q, statement_location


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

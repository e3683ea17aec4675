"""AGW120-AGW123, AGW220-AGW221: what only REST APIs (API Gateway v1) can get wrong.

The shared rules (AGW113-115, AGW201-206, AGW210, AGW30x) judge REST methods too; these are the
checks with no HTTP API counterpart. Statuses are the documented defaults of
https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
"""

import json

from auditor.core import rest
from auditor.engine import Rule
from auditor.findings import Fix, Severity
from auditor.rules.common import (api_resource, integration_resource, patch, q, redeploy, rest_apigw, route_resource,
                                  routes_phrase, stage_resource, update_integration)

_MISSING_TOKEN = '403 {"message":"Missing Authentication Token"}'
_FORBIDDEN = '403 {"message":"Forbidden"}'
_500 = '500 {"message": "Internal server error"}'


class LambdaIntegrationMethod(Rule):
    id = "AGW120"
    name = "rest-lambda-integration-method"
    severity = Severity.HIGH
    title = "REST Lambda integration's integrationHttpMethod is not POST"
    rationale = ("API Gateway calls Lambda's Invoke API, which takes POST only, whatever the client's method: a "
                 "Lambda integration (AWS_PROXY, or AWS naming `:lambda:path/`) needs integrationHttpMethod POST. "
                 "A GET there (the client's verb copied) makes every call fail. "
                 "https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html")
    client_sees = f'Requests to the method probably get {_500}; the function never runs.'
    fix = "Set the integration's httpMethod to POST and deploy the API again."

    def check(self, ctx):
        for api in ctx.rest_apis:
            for method in api.methods:
                integration = method.integration
                if integration is None or not integration.is_lambda_uri:
                    continue
                verb = integration.integration_http_method
                if verb is None or verb.upper() == "POST" or "${" in verb:
                    continue
                ref = integration.function_ref
                yield self.finding(
                    ctx, f"The Lambda integration of method `{method.key}` calls with integrationHttpMethod {verb}; "
                         f"Lambda is invoked with POST only, so requests to it probably get {_500}.",
                    integration_resource(integration, ref.arn if ref else None), integration.location,
                    update_integration(integration, "--integration-method POST"), Fix("set", {"httpMethod": "POST"}))


def _has_default_response(integration) -> bool:
    responses = integration.integration_responses
    if not isinstance(responses, dict):
        return False
    return any(isinstance(r, dict) and not r.get("selectionPattern") for r in responses.values())


class IntegrationResponseMissing(Rule):
    id = "AGW121"
    name = "rest-integration-response-missing"
    severity = Severity.HIGH
    title = "Non-proxy Lambda integration has no default integration response"
    rationale = ("A non-proxy (AWS) Lambda integration maps the function's result through an integration response "
                 "chosen by its selectionPattern; a successful result matches only the default one (no "
                 "selectionPattern). Without it API Gateway logs \"No match for output mapping and no default "
                 "output mapping\" and answers 500. "
                 "https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-integration-settings-integration-response.html")
    client_sees = f"Requests that succeed in the function probably get {_500}."
    fix = "Add a default integration response (no selection pattern, status 200) and a 200 method response, then deploy."

    def check(self, ctx):
        for api in ctx.rest_apis:
            for method in api.methods:
                integration = method.integration
                if integration is None or integration.type != "AWS" or not integration.is_lambda_uri:
                    continue
                if _has_default_response(integration):
                    continue
                listed = integration.integration_responses
                said = (f"only status(es) {', '.join(sorted(listed))} selected by pattern" if listed
                        else "no integration response")
                command = (rest_apigw("put-method-response", api, "--resource-id", q(method.resource.id),
                                      "--http-method", q(method.verb), "--status-code 200") + " ; "
                           + rest_apigw("put-integration-response", api, "--resource-id", q(method.resource.id),
                                        "--http-method", q(method.verb), "--status-code 200",
                                        "--selection-pattern", q("")) + " && " + redeploy(api))
                yield self.finding(
                    ctx, f"Non-proxy Lambda integration of method `{method.key}` has {said}: a successful result "
                         f"matches no integration response, so requests to it probably get {_500}.",
                    integration_resource(integration), integration.location, command,
                    Fix("set", {"integrationResponses": {"200": {"statusCode": "200"}}}))


def _serving_stages(api):
    return [stage for stage in api.stages if stage.serves]


class ApiKeyWithoutUsagePlan(Rule):
    id = "AGW122"
    name = "rest-api-key-no-usage-plan"
    severity = Severity.HIGH
    title = "Method requires an API key on a stage no usage plan serves"
    rationale = ("A method with apiKeyRequired accepts only an API key that belongs to a usage plan associated "
                 "with the API's stage. With no usage plan on the stage no key is ever valid, and every request "
                 "gets 403 Forbidden. Judged only when usage plans were collected. "
                 "https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html")
    client_sees = f"Every request to the method gets {_FORBIDDEN}, with or without a key."
    fix = "Create a usage plan for the stage and add the clients' API keys to it."

    def check(self, ctx):
        for api in ctx.rest_apis:
            plans = api.scope.usage_plans
            if plans is None:
                continue
            for stage in _serving_stages(api):
                if any(plan.serves(api.id, stage.name) for plan in plans):
                    continue
                keyed = [m for m in _served_methods(api, stage) if m.api_key_required]
                if not keyed:
                    continue
                yield self.finding(
                    ctx, f"Stage {stage.name} of REST API {api.id} serves {routes_phrase(keyed)} with "
                         f"apiKeyRequired, but no usage plan serves the stage: every request to them gets {_FORBIDDEN}.",
                    stage_resource(stage), stage.location,
                    f"aws apigateway create-usage-plan --name {q(api.id + '-' + stage.name)} --api-stages "
                    f"{q(f'apiId={api.id},stage={stage.name}')} --region {q(api.scope.region)}  # then: "
                    "aws apigateway create-usage-plan-key --usage-plan-id <plan-id> --key-id <api-key-id> --key-type API_KEY",
                    Fix("create-usage-plan", {"apiId": api.id, "stage": stage.name}))


def _served_methods(api, stage):
    """The current methods a stage serves, as far as its deployment's summary tells (all when it does not)."""
    served = rest.deployed_methods(rest.deployment_of(api, stage))
    if served is None:
        return api.methods
    return [m for m in api.methods if (m.path, m.verb) in served]


class DeploymentStale(Rule):
    id = "AGW123"
    name = "rest-deployment-stale"
    severity = Severity.MEDIUM
    title = "Stage's deployment lacks methods the API has now"
    rationale = ("A REST stage serves the deployment it names, a snapshot taken when it was made; methods added "
                 "since are not served until the API is deployed again. The deployment's apiSummary (GetDeployments) "
                 "lists what it serves. "
                 "https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-deploy-api.html")
    client_sees = f"Requests to the missing methods get {_MISSING_TOKEN} on that stage."
    fix = "Deploy the API to the stage again (aws apigateway create-deployment)."

    def check(self, ctx):
        for api in ctx.rest_apis:
            if not api.has_deployments or not api.has_resources:
                continue
            for stage in _serving_stages(api):
                served = rest.deployed_methods(rest.deployment_of(api, stage))
                if served is None:
                    continue
                missing = [m for m in api.methods if (m.path, m.verb) not in served]
                if not missing:
                    continue
                yield self.finding(
                    ctx, f"Stage {stage.name} of REST API {api.id} serves deployment {stage.deployment_id}, which "
                         f"lacks {routes_phrase(missing)}: requests to them get {_MISSING_TOKEN} there until the API "
                         "is deployed again.", stage_resource(stage), stage.location, redeploy(api, [stage.name]),
                    Fix("create-deployment", {"stageName": stage.name}))


def _vpce_policy(api) -> dict:
    config = api.endpoint_configuration if isinstance(api.endpoint_configuration, dict) else {}
    endpoints = [e for e in config.get("vpcEndpointIds") or () if isinstance(e, str)] or ["<vpce-id>"]
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
        "Condition": {"StringEquals": {"aws:SourceVpce": endpoints if len(endpoints) > 1 else endpoints[0]}}}]}


def _set_policy(api, document: dict) -> str:
    return (rest_apigw("update-rest-api", api, patch(("/policy", json.dumps(document, separators=(",", ":")))))
            + " && " + redeploy(api))


class PrivateWithoutPolicy(Rule):
    id = "AGW220"
    name = "rest-private-no-policy"
    severity = Severity.HIGH
    title = "PRIVATE REST API has no resource policy"
    rationale = ("A private REST API is reachable only from VPC endpoints its resource policy allows; without a "
                 "policy it cannot be deployed and no caller is allowed. "
                 "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-private-api-create.html")
    client_sees = "Every request is refused with 403 (or the deployment fails)."
    fix = "Attach a resource policy allowing execute-api:Invoke from your VPC endpoint(s), then deploy."

    def check(self, ctx):
        for api in ctx.rest_apis:
            if not rest.is_private(api) or api.policy not in (None, ""):
                continue
            policy = _vpce_policy(api)
            yield self.finding(
                ctx, f"REST API {api.id} ({api.name or 'unnamed'}) is PRIVATE but has no resource policy: no VPC "
                     "endpoint is allowed to invoke it, so every request is refused with 403 (and deployments fail).",
                api_resource(api), api.location, _set_policy(api, policy), Fix("set", {"policy": policy}))


class ResourcePolicyDenies(Rule):
    id = "AGW221"
    name = "rest-resource-policy-denies"
    severity = Severity.HIGH
    title = "REST API's resource policy refuses every caller of some methods"
    rationale = ("With a resource policy, a caller of a method without IAM authorization gets in only if a "
                 "statement for everyone (Principal `*`) allows execute-api:Invoke on the method's ARN and no such "
                 "statement denies it; a Deny without conditions refuses everyone, and a NONE method with no Allow "
                 "for everyone is refused by the implicit deny. Conditional statements (source IP, VPC endpoint) "
                 "are intended restrictions and not reported. "
                 "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-authorization-flow.html")
    client_sees = '403 {"Message":"User: anonymous is not authorized to perform: execute-api:Invoke on resource: ..."}'
    fix = "Allow execute-api:Invoke for the method's ARN (`execute-api:/<stage>/<VERB>/<path>`), or remove the Deny."

    def check(self, ctx):
        for api in ctx.rest_apis:
            if rest.resource_policy(api) is None:
                continue
            for stage in _serving_stages(api) or api.stages:
                denied = []
                for method in api.methods:
                    if (method.authorization_type or "NONE").upper() == "AWS_IAM":
                        continue
                    verb = "*" if method.verb == rest.ANY else method.verb
                    arn = rest.method_arn(api, stage.name, "GET" if verb == "*" else verb, method.path)
                    verdict, statement = rest.policy_verdict(api, arn, method.authorization_type)
                    if verdict == "denied":
                        denied.append((method, statement))
                if not denied:
                    continue
                methods = [m for m, _ in denied]
                deny = next((s for _, s in denied if s is not None), None)
                why = (f"statement {deny.get('Sid') or '(no Sid)'} denies everyone" if deny is not None
                       else "no statement allows everyone (the implicit deny)")
                allow = {"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
                     "Resource": f"execute-api:/{stage.name}/*"}]}
                yield self.finding(
                    ctx, f"The resource policy of REST API {api.id} refuses every caller of {routes_phrase(methods)} "
                         f"on stage {stage.name}: {why}, so requests to them get 403.",
                    route_resource(methods[0], stage=stage.name), api.location,
                    "# review the policy first: " + _set_policy(api, allow) if deny is None else
                    f"aws apigateway get-rest-api --rest-api-id {q(api.id)} --region {q(api.scope.region)} "
                    f"--query policy  # then remove the Deny statement and: " + _set_policy(api, allow),
                    Fix("review", {"policy": allow}))

"""REST API (v1) fixes in the input's own syntax: a finding's `Fix("set", {...})` names API Gateway's
camelCase keys (httpMethod, uri, timeoutInMillis, integrationResponses, policy...); this writes them as
the CloudFormation property, the OpenAPI `x-amazon-apigateway-*` key or the Terraform argument to change.
Called by auditor.iac.remediation.render for objects a REST reader located (hint `type`
AWS::ApiGateway::* or aws_api_gateway_*); None leaves the finding's own remediation.
"""

from auditor.iac.remediation import _CloudFormation, _Terraform, _where

_CFN_INTEGRATION = {"httpMethod": "IntegrationHttpMethod", "uri": "Uri", "type": "Type", "credentials": "Credentials",
                    "timeoutInMillis": "TimeoutInMillis"}
_CFN_METHOD = {"authorizationType": "AuthorizationType", "authorizerId": "AuthorizerId",
               "apiKeyRequired": "ApiKeyRequired"}
_TF_INTEGRATION = {"httpMethod": "integration_http_method", "uri": "uri", "type": "type", "credentials": "credentials",
                   "timeoutInMillis": "timeout_milliseconds"}
_TF_METHOD = {"authorizationType": "authorization", "authorizerId": "authorizer_id",
              "apiKeyRequired": "api_key_required"}
_OPENAPI_INTEGRATION = ("httpMethod", "uri", "type", "credentials", "timeoutInMillis")


def render_rest(finding, context: dict, hint: dict, location) -> str | None:
    fix = finding.fix
    if fix is None or fix.action != "set" or not isinstance(fix.details, dict):
        return None
    details = fix.details
    on_integration = location.path.endswith(".methodIntegration")
    if hint.get("kind") == "openapi" or "sam" in hint:
        return _openapi(context, hint, location, details, on_integration)
    kind = str(hint.get("type", ""))
    if kind.startswith("aws_api_gateway_"):
        return _terraform(context, hint, location, details, on_integration)
    return _cloudformation(context, hint, location, details, on_integration)


def _integration_responses(value) -> list:
    return [{"StatusCode": status, **({"SelectionPattern": entry["selectionPattern"]}
                                      if isinstance(entry, dict) and "selectionPattern" in entry else {})}
            for status, entry in (value or {}).items()]


def _cloudformation(context, hint, location, details, on_integration) -> str | None:
    writer = _CloudFormation(context, hint, location)
    logical = hint.get("logical", location.resource)
    kind = hint.get("type")
    props: dict = {}
    if kind == "AWS::ApiGateway::Method":
        integration = {}
        for key, value in details.items():
            if key in _CFN_INTEGRATION and (on_integration or key not in _CFN_METHOD):
                integration[_CFN_INTEGRATION[key]] = writer.value(value)
            elif key == "integrationResponses":
                integration["IntegrationResponses"] = _integration_responses(value)
            elif key in _CFN_METHOD:
                props[_CFN_METHOD[key]] = writer.value(value)
        if integration:
            props["Integration"] = integration
    elif kind == "AWS::ApiGateway::RestApi" and "policy" in details:
        props["Policy"] = details["policy"]
    if not props:
        return None
    text = f"{_where(location)}: in resource {logical} ({kind}), set\n" + writer.dump({"Properties": props}, 2)
    if "IntegrationResponses" in props.get("Integration", {}):
        text += "\n  (and a MethodResponses entry for each status code)"
    if kind == "AWS::ApiGateway::Method":
        text += ("\n  (a stage serves its deployment: give the AWS::ApiGateway::Deployment a new logical id so that "
                 "the change goes live)")
    return text


def _openapi(context, hint, location, details, on_integration) -> str | None:
    writer = _CloudFormation(context, hint, location)
    logical = hint.get("logical", location.resource)
    values: dict = {}
    extension = "x-amazon-apigateway-integration"
    for key, value in details.items():
        if key in _OPENAPI_INTEGRATION:
            values[key] = value.lower() if key == "type" and isinstance(value, str) else writer.value(value)
        elif key == "integrationResponses":
            values["responses"] = {"default": {"statusCode": next(iter(value or {"200": None}))}}
        elif key == "policy":
            extension, values = "x-amazon-apigateway-policy", value
    if not values:
        return None
    sam = hint.get("sam")
    pointer = hint.get("pointer") or []
    if sam and pointer[:1] == ["paths"]:
        origin = f"event {sam.get('event')} of {sam.get('resource')}" if sam.get("event") else sam.get("resource")
        return (f"{_where(location)}: SAM generates this method from {origin}; give the Api a DefinitionBody whose "
                f"{' '.join(str(p) for p in pointer[1:3])} operation sets\n"
                + writer.dump({extension: values}, 2))
    where = " ".join(str(p) for p in pointer[1:3]) if pointer[:1] == ["paths"] else "the document"
    return (f"{_where(location)}: in the OpenAPI definition of {logical}, under {where}, set\n"
            + writer.dump({extension: values}, 2))


def _terraform(context, hint, location, details, on_integration) -> str | None:
    writer = _Terraform(context, hint, location)
    module, kind, name = writer.address_parts()
    table = _TF_INTEGRATION if kind == "aws_api_gateway_integration" else \
        _TF_METHOD if kind == "aws_api_gateway_method" else {}
    attributes = [(table[key], writer.expr(value)) for key, value in details.items() if key in table]
    if kind == "aws_api_gateway_rest_api" and "policy" in details:
        import json
        attributes.append(("policy", f"jsonencode({json.dumps(details['policy'])})"))
    note = f" (in {module.rstrip('.')})" if module else ""
    text = None
    if attributes:
        text = f"{_where(location)}: in {hint.get('address')}{note}, set\n" + writer.block(kind, name, attributes)
    responses = details.get("integrationResponses")
    if kind == "aws_api_gateway_integration" and isinstance(responses, dict):
        for status in responses:
            block = writer.block("aws_api_gateway_integration_response", f"{name}_{status}", [
                ("rest_api_id", f"{hint.get('address')}.rest_api_id"),
                ("resource_id", f"{hint.get('address')}.resource_id"),
                ("http_method", f"{hint.get('address')}.http_method"), ("status_code", f'"{status}"')])
            text = (text + "\n" if text else "") + f"{_where(location)}: add{note}\n" + block
    return text

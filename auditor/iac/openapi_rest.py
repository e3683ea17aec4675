"""OpenAPI/Swagger definitions of REST APIs (API Gateway v1): what API Gateway's import makes of them
(resources, methods, integrations, authorizers, gateway responses, the API's policy and endpoint),
from the `x-amazon-apigateway-*` extensions, as GetResources/GetAuthorizers/... would return it.

Used for a RestApi's `Body` (CloudFormation, SAM's generated body, cdk.out), a Terraform
`aws_api_gateway_rest_api.body`, and a standalone export (`aws apigateway get-export`).
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions.html
"""

from auditor.iac.openapi import ANY, INTEGRATION, METHODS, _checked, _intrinsic, _ref
from auditor.iac.resolve import as_int
from auditor.iac.yamlload import line_of

_AUTHORIZER_TYPES = {"token": "TOKEN", "request": "REQUEST", "cognito_user_pools": "COGNITO_USER_POOLS"}
_AUTH_OF_TYPE = {"TOKEN": "CUSTOM", "REQUEST": "CUSTOM", "COGNITO_USER_POOLS": "COGNITO_USER_POOLS"}
_INTEGRATION_KEYS = ("httpMethod", "uri", "credentials", "connectionType", "connectionId", "timeoutInMillis",
                     "requestParameters", "requestTemplates", "passthroughBehavior", "contentHandling",
                     "cacheKeyParameters", "cacheNamespace", "responseTransferMode")


def is_rest_definition(document) -> bool:
    """Does an OpenAPI document describe a REST API (v1) rather than an HTTP API (v2)?

    Swagger 2.0 is REST only. An OpenAPI 3 body is an HTTP API when it uses what only HTTP APIs have
    (payloadFormatVersion, x-amazon-apigateway-cors, JWT authorizers, a `$default` path), a REST API when
    it uses what only REST APIs have (non-proxy integrations with responses, gateway responses, API keys,
    a resource policy, request validators)."""
    if not isinstance(document, dict):
        return False
    if "swagger" in document:
        return True
    if any(key in document for key in ("x-amazon-apigateway-cors", "x-amazon-apigateway-importexport-version")):
        return False
    paths = document.get("paths") if isinstance(document.get("paths"), dict) else {}
    if "$default" in paths:
        return False
    rest_marks = ("x-amazon-apigateway-gateway-responses", "x-amazon-apigateway-api-key-source",
                  "x-amazon-apigateway-policy", "x-amazon-apigateway-request-validators",
                  "x-amazon-apigateway-binary-media-types", "x-amazon-apigateway-minimum-compression-size")
    rest = any(key in document for key in rest_marks)
    for item in paths.values():
        if not isinstance(item, dict):
            continue
        for operation in item.values():
            integration = _ref(document, operation.get(INTEGRATION)) if isinstance(operation, dict) else None
            if not isinstance(integration, dict):
                continue
            if "payloadFormatVersion" in integration or "integrationSubtype" in integration:
                return False
            if str(integration.get("type", "")).lower() in ("aws", "mock", "http") or "responses" in integration \
                    or "passthroughBehavior" in integration or "requestTemplates" in integration:
                rest = True
    schemes = _schemes(document)
    for scheme in schemes.values():
        authorizer = scheme.get("x-amazon-apigateway-authorizer") if isinstance(scheme, dict) else None
        if isinstance(authorizer, dict):
            kind = str(authorizer.get("type", "")).lower()
            if kind == "jwt" or "authorizerPayloadFormatVersion" in authorizer or "enableSimpleResponses" in authorizer:
                return False
            if kind in _AUTHORIZER_TYPES:
                rest = True
        if isinstance(scheme, dict) and scheme.get("type") == "apiKey" and not isinstance(authorizer, dict):
            rest = True
    return rest


def _schemes(body: dict) -> dict:
    components = body.get("components") if isinstance(body.get("components"), dict) else {}
    schemes = components.get("securitySchemes") or body.get("securityDefinitions") or {}
    return schemes if isinstance(schemes, dict) else {}


def _upper(value):
    return value.upper() if isinstance(value, str) else value


def read_rest_body(body: dict, draft, source, default_line=None, origin=None) -> None:
    """Add a body's REST objects to a RestDraft. `source(line, pointer, kind)` gives an object's
    SourceLocation/_iac keys; `origin(path, verb)` (SAM) where the user declared a method, if known."""
    if not isinstance(body, dict):
        return
    api = draft.obj
    if body.get("x-amazon-apigateway-api-key-source") is not None:
        api["apiKeySource"] = _upper(body["x-amazon-apigateway-api-key-source"])
    if body.get("x-amazon-apigateway-policy") is not None:
        api["policy"] = body["x-amazon-apigateway-policy"]
    endpoint = body.get("x-amazon-apigateway-endpoint-configuration")
    if isinstance(endpoint, dict):
        if endpoint.get("disableExecuteApiEndpoint") is not None:
            api["disableExecuteApiEndpoint"] = endpoint["disableExecuteApiEndpoint"]
        if endpoint.get("vpcEndpointIds") is not None:
            api.setdefault("endpointConfiguration", {})["vpcEndpointIds"] = endpoint["vpcEndpointIds"]
    if isinstance(body.get("x-amazon-apigateway-binary-media-types"), list):
        api["binaryMediaTypes"] = body["x-amazon-apigateway-binary-media-types"]

    schemes = _schemes(body)
    auth_of: dict[str, tuple[str, str | None]] = {}  # scheme -> (authorizationType, authorizerId)
    api_keys: set[str] = set()
    for name, scheme in schemes.items():
        if not isinstance(scheme, dict):
            continue
        authorizer = scheme.get("x-amazon-apigateway-authorizer")
        authtype = str(scheme.get("x-amazon-apigateway-authtype", "")).lower()
        where = source(line_of(schemes, name) or default_line, ["securitySchemes", name], "authorizer")
        if isinstance(authorizer, dict):
            kind = _AUTHORIZER_TYPES.get(str(authorizer.get("type", "")).lower())
            if kind is None:
                kind = "COGNITO_USER_POOLS" if authtype == "cognito_user_pools" else "TOKEN"
            # Imported from a body, the authorizer's id is AWS's: the scheme name links methods to it.
            item = {"id": name, "name": name, "type": kind}
            for key in ("authorizerUri", "authorizerCredentials", "identitySource", "identityValidationExpression",
                        "providerARNs", "authorizerResultTtlInSeconds"):
                if authorizer.get(key) is not None:
                    item[key] = authorizer[key]
            for key in ("authorizerUri", "authorizerCredentials"):
                if key in item:
                    item[key] = _checked(item[key], str, where, f"x-amazon-apigateway-authorizer.{key}")
            if "identitySource" not in item and kind == "TOKEN" and scheme.get("in") == "header" \
                    and isinstance(scheme.get("name"), str):
                item["identitySource"] = f"method.request.header.{scheme['name']}"
            item.update(where)
            draft.add("Authorizers", item)
            auth_of[name] = (_AUTH_OF_TYPE[kind], name)
        elif authtype == "awssigv4":
            auth_of[name] = ("AWS_IAM", None)
        elif scheme.get("type") == "apiKey":
            api_keys.add(name)

    responses = body.get("x-amazon-apigateway-gateway-responses")
    if isinstance(responses, dict):
        for kind, response in responses.items():
            if not isinstance(response, dict):
                continue
            item = {"responseType": str(kind), "defaultResponse": False}
            for key in ("statusCode", "responseParameters", "responseTemplates"):
                if response.get(key) is not None:
                    item[key] = str(response[key]) if key == "statusCode" else response[key]
            item.update(source(line_of(responses, kind) or default_line,
                               ["x-amazon-apigateway-gateway-responses", kind], "gateway-response"))
            draft.add("GatewayResponses", item)

    global_security = body.get("security")
    paths = body.get("paths") if isinstance(body.get("paths"), dict) else {}
    for path, item in paths.items():
        if not isinstance(item, dict) or not isinstance(path, str) or not path.startswith("/"):
            continue
        path = path if path == "/" else path.rstrip("/")
        shared_parameters = item.get("parameters") if isinstance(item.get("parameters"), list) else []

        def source_of(p, _path=path):
            return source(line_of(paths, _path) or default_line, ["paths", _path], "resource")
        resource = draft.resource_at(path, source_of)
        for key, operation in item.items():
            lowered = str(key).lower()
            verb = "ANY" if lowered == ANY else lowered.upper() if lowered in METHODS else None
            if verb is None or not isinstance(operation, dict):
                continue
            where = origin(path, verb) if origin else None
            pointer = ["paths", path, key]
            located = where or source(line_of(item, key) or line_of(paths, path) or default_line, pointer, "method")
            method = {"authorizationType": "NONE", "apiKeyRequired": False}
            security = operation.get("security", global_security)
            # API Gateway's import: the first authorizer named by any requirement, and an API key when any
            # requirement names an apiKey scheme (SAM lists them as separate requirements).
            for requirement in security if isinstance(security, list) else []:
                if not isinstance(requirement, dict):
                    continue
                for name, scopes in requirement.items():
                    if name in api_keys:
                        method["apiKeyRequired"] = True
                    elif name in auth_of and method["authorizationType"] == "NONE":
                        method["authorizationType"], authorizer_id = auth_of[name]
                        if authorizer_id:
                            method["authorizerId"] = authorizer_id
                        if isinstance(scopes, list) and scopes and method["authorizationType"] == "COGNITO_USER_POOLS":
                            method["authorizationScopes"] = scopes
            parameters = {}
            for parameter in shared_parameters + (operation.get("parameters") or []):
                parameter = _ref(body, parameter)
                if isinstance(parameter, dict) and parameter.get("in") in ("path", "query", "header") and \
                        isinstance(parameter.get("name"), str):
                    where_in = {"query": "querystring"}.get(parameter["in"], parameter["in"])
                    parameters[f"method.request.{where_in}.{parameter['name']}"] = bool(parameter.get("required"))
            if parameters:
                method["requestParameters"] = parameters
            if isinstance(operation.get("responses"), dict):
                method["methodResponses"] = {str(code): {"statusCode": str(code)}
                                             for code in operation["responses"] if str(code) != "default"}
            integration = _ref(body, operation.get(INTEGRATION))
            if isinstance(integration, dict):
                method["methodIntegration"] = _integration(integration, located)
            method.update(located)
            draft.add_method(resource["id"], verb, method)


def _integration(integration: dict, located: dict) -> dict:
    out = {}
    kind = integration.get("type")
    if isinstance(kind, str):
        out["type"] = kind.upper()
    elif kind is not None:
        out["type"] = _intrinsic(kind) or str(kind)
    for key in _INTEGRATION_KEYS:
        if integration.get(key) is not None:
            out[key] = integration[key]
    for key in ("uri", "credentials", "connectionId"):
        if key in out:
            out[key] = _checked(out[key], str, located, f"{INTEGRATION}.{key}")
    if "timeoutInMillis" in out:
        value = out["timeoutInMillis"]
        number = as_int(value) if isinstance(value, str) else None  # a digit string longer than any AWS value: checked below
        out["timeoutInMillis"] = number if number is not None else \
            _checked(value, int, located, f"{INTEGRATION}.timeoutInMillis")
        if out["timeoutInMillis"] is None:
            del out["timeoutInMillis"]
    if isinstance(out.get("httpMethod"), str):
        out["httpMethod"] = out["httpMethod"].upper()
    responses = integration.get("responses")
    if isinstance(responses, dict):
        mapped = {}
        for pattern, response in responses.items():
            if not isinstance(response, dict):
                continue
            status = str(response.get("statusCode", ""))
            entry = {"statusCode": status}
            if str(pattern) != "default":
                entry["selectionPattern"] = str(pattern)
            for key in ("responseParameters", "responseTemplates", "contentHandling"):
                if response.get(key) is not None:
                    entry[key] = response[key]
            mapped[status] = entry
        out["integrationResponses"] = mapped
    return out


def read_rest_openapi(document: dict, builder) -> dict:
    """A standalone REST definition (`aws apigateway get-export`, or a file for `import-rest-api`): one
    API's resources, methods, authorizers and gateway responses; its stages and deployments, and the
    functions it calls, are not in it (unknown, not absent)."""
    from auditor.iac.rest import RestDraft
    info = document.get("info") if isinstance(document.get("info"), dict) else {}
    title = str(info.get("title") or "openapi")
    api_id = title if title.replace("-", "").replace("_", "").isalnum() else "openapi"
    draft = RestDraft(api_id, builder.source(1, title, {"kind": "openapi", "logical": title, "pointer": [],
                                                       "type": "AWS::ApiGateway::RestApi"}))
    draft.obj["name"] = title
    del draft.lists["Stages"], draft.lists["Deployments"]
    builder.rest_apis[api_id] = draft

    def source(line, pointer, kind):
        return builder.source(line or 1, ".".join(str(p) for p in pointer[:3]),
                              {"kind": "openapi", "logical": title, "pointer": pointer, "type": "AWS::ApiGateway::RestApi"})
    read_rest_body(document, draft, source, line_of(document, "paths"))
    return builder.document()

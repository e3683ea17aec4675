"""OpenAPI definitions of HTTP APIs: routes, integrations and authorizers from the
`x-amazon-apigateway-*` extensions (an Api's Body, SAM's generated body, or a standalone file).
"""

from auditor.errors import InputError
from auditor.iac.resolve import unresolved
from auditor.iac.yamlload import line_of

METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
ANY = "x-amazon-apigateway-any-method"
INTEGRATION = "x-amazon-apigateway-integration"


def is_openapi(document) -> bool:
    return isinstance(document, dict) and ("openapi" in document or "swagger" in document) and \
        isinstance(document.get("paths"), dict)


def _ref(document: dict, value):
    """Follow a local `$ref` (#/components/x-amazon-apigateway-integrations/<name>)."""
    if isinstance(value, dict) and isinstance(value.get("$ref"), str) and value["$ref"].startswith("#/"):
        node = document
        for part in value["$ref"][2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return node
    return value


def _intrinsic(value) -> str | None:
    """`{"Fn::Sub": ...}` / `{"Ref": ...}` left in a body (e.g. a standalone file meant for AWS::Include)."""
    if isinstance(value, dict) and len(value) == 1:
        (name,) = value
        if isinstance(name, str) and (name == "Ref" or name.startswith("Fn::")):
            return unresolved(name.removeprefix("Fn::"))
    return None


def _checked(value, kind, where: dict, field: str):
    """value when it has the type the snapshot needs, an unresolved marker for an intrinsic; else InputError."""
    if isinstance(value, kind) and not isinstance(value, bool):
        return value
    marker = _intrinsic(value)
    if marker is not None:
        return marker if kind is str else None
    location = where.get("SourceLocation", {})
    wanted = "a string" if kind is str else "an integer"
    raise InputError(f"{field} must be {wanted}, got {type(value).__name__}: {value!r}"[:200],
                     file=location.get("File"), line=location.get("Line"))


def api_settings(body) -> dict:
    """API-level settings a body carries in extensions: `x-amazon-apigateway-cors`, and
    `x-amazon-apigateway-endpoint-configuration` (top level in Swagger 2.0; under each Server object
    in OpenAPI 3.0, where SAM puts an HttpApi's DisableExecuteApiEndpoint)."""
    if not isinstance(body, dict):
        return {}
    out = {}
    if body.get("x-amazon-apigateway-cors") is not None:
        out["CorsConfiguration"] = body["x-amazon-apigateway-cors"]
    servers = body.get("servers") if isinstance(body.get("servers"), list) else []
    for holder in [body, *servers]:
        endpoint = holder.get("x-amazon-apigateway-endpoint-configuration") if isinstance(holder, dict) else None
        if isinstance(endpoint, dict) and endpoint.get("disableExecuteApiEndpoint") is not None:
            out["DisableExecuteApiEndpoint"] = endpoint["disableExecuteApiEndpoint"]
            break
    return out


def _payload(value):
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value) if value is not None else None


def read_body(body: dict, api: dict, source, default_line=None, origin=None) -> None:
    """Add the body's routes, integrations and authorizers to `api` (a snapshot API object).

    `source(line, pointer, kind)` returns the SourceLocation/_iac keys of an object; `origin`
    (SAM) maps a route key to where the user declared it (its event), when known.
    """
    if not isinstance(body, dict):
        return
    schemes = {}
    components = body.get("components") if isinstance(body.get("components"), dict) else {}
    security_schemes = components.get("securitySchemes") or body.get("securityDefinitions") or {}
    if isinstance(security_schemes, dict):
        for name, scheme in security_schemes.items():
            if not isinstance(scheme, dict):
                continue
            authorizer = scheme.get("x-amazon-apigateway-authorizer")
            if isinstance(authorizer, dict):
                kind = str(authorizer.get("type", "")).upper()
                # Imported from a body, the authorizer gets its id from API Gateway: the name only links routes to it.
                item = {"AuthorizerId": name, "Name": name, "AuthorizerType": "JWT" if kind == "JWT" else "REQUEST",
                        "AuthorizerIdKnown": False}
                for src, dst in (("authorizerUri", "AuthorizerUri"), ("authorizerCredentials", "AuthorizerCredentialsArn"),
                                 ("authorizerPayloadFormatVersion", "AuthorizerPayloadFormatVersion"),
                                 ("identitySource", "IdentitySource"), ("jwtConfiguration", "JwtConfiguration"),
                                 ("enableSimpleResponses", "EnableSimpleResponses")):
                    if src in authorizer:
                        item[dst] = authorizer[src]
                        if src in ("authorizerUri", "authorizerCredentials"):
                            item[dst] = _checked(item[dst], str, source(
                                line_of(security_schemes, name) or default_line,
                                ["components", "securitySchemes", name], "authorizer"),
                                f"x-amazon-apigateway-authorizer.{src}")
                if isinstance(item.get("IdentitySource"), str):
                    item["IdentitySource"] = [s.strip() for s in item["IdentitySource"].split(",")]
                item.update(source(line_of(security_schemes, name) or default_line,
                                   ["components", "securitySchemes", name], "authorizer"))
                api.setdefault("Authorizers", []).append(item)
                schemes[name] = "JWT" if kind == "JWT" else "CUSTOM"
            elif scheme.get("x-amazon-apigateway-authtype") == "awsSigv4":
                schemes[name] = "AWS_IAM"
    global_security = body.get("security")
    for path, item in (body.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        for method, operation in item.items():
            lowered = str(method).lower()
            if lowered == ANY:
                verb = "ANY"
            elif lowered in METHODS:
                verb = lowered.upper()
            else:
                continue
            if not isinstance(operation, dict):
                continue
            key = "$default" if path == "$default" or operation.get("isDefaultRoute") else f"{verb} {path}"
            where = origin(key) if origin else None
            line = where[0] if where else (line_of(item, method) or line_of(body.get("paths"), path) or default_line)
            pointer = ["paths", path, method]
            route = {"RouteId": key, "RouteKey": key, "AuthorizationType": "NONE"}
            security = operation.get("security", global_security)
            for requirement in security or []:
                if isinstance(requirement, dict):
                    for name in requirement:
                        if name in schemes:
                            route["AuthorizationType"] = schemes[name]
                            if schemes[name] != "AWS_IAM":
                                route["AuthorizerId"] = name
                            break
                if route["AuthorizationType"] != "NONE":
                    break
            integration = _ref(body, operation.get(INTEGRATION))
            if isinstance(integration, dict):
                integration_id = key
                route["Target"] = f"integrations/{integration_id}"
                out = {"IntegrationId": integration_id,
                       "IntegrationType": str(integration.get("type", "")).upper() or None}
                for src, dst in (("uri", "IntegrationUri"), ("credentials", "CredentialsArn"),
                                 ("integrationSubtype", "IntegrationSubtype"), ("timeoutInMillis", "TimeoutInMillis"),
                                 ("connectionType", "ConnectionType"), ("connectionId", "ConnectionId"),
                                 ("httpMethod", "IntegrationMethod"), ("requestParameters", "RequestParameters")):
                    if integration.get(src) is not None:
                        out[dst] = integration[src]
                if "payloadFormatVersion" in integration:
                    out["PayloadFormatVersion"] = _payload(integration["payloadFormatVersion"])
                if isinstance(out.get("TimeoutInMillis"), str) and out["TimeoutInMillis"].isdigit() \
                        and len(out["TimeoutInMillis"]) <= 18:  # longer: no AWS value (and past int()'s limit)
                    out["TimeoutInMillis"] = int(out["TimeoutInMillis"])
                located = source(line_of(operation, INTEGRATION) if not where else line, pointer + [INTEGRATION],
                                 "integration", key)
                for src, dst, kind in (("uri", "IntegrationUri", str), ("credentials", "CredentialsArn", str),
                                       ("integrationSubtype", "IntegrationSubtype", str),
                                       ("timeoutInMillis", "TimeoutInMillis", int)):
                    if dst in out:
                        out[dst] = _checked(out[dst], kind, located, f"{INTEGRATION}.{src}")
                        if out[dst] is None:
                            del out[dst]
                if out["IntegrationType"] is None:
                    del out["IntegrationType"]
                out.update(source(line_of(operation, INTEGRATION) if not where else line,
                                  pointer + [INTEGRATION], "integration", key))
                if "payloadFormatVersion" in integration and isinstance(out.get("SourceLocation"), dict):
                    out["SourceLocation"]["PayloadFormatVersionSet"] = True  # written, not defaulted (AGW111)
                api.setdefault("Integrations", []).append(out)
            route.update(source(line, pointer, "route", key))
            api.setdefault("Routes", []).append(route)

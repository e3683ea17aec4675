"""Secrets the input may hold are never written out: not into a snapshot, not into any report.

Two kinds are known: the password of a URI (`https://user:password@backend/...`, an HTTP_PROXY
IntegrationUri or an authorizer's URI) and the static values of parameter mappings (a literal header,
query-string or path value an integration sends to its backend, typically a token). Mapping
expressions (`$request.header.x`, `method.request.path.id`, `context.requestId`, `stageVariables.x`) are
kept: they are references, not values. What is redacted keeps its shape (the URI stays a URI with its
user and host, a REST literal stays quoted), so no rule reading it changes its verdict, and every redaction
is listed, so the output says what it does not show.
"""

from urllib.parse import urlsplit, urlunsplit

REDACTED = "<redacted by apigw-auditor>"  # what live collection already writes for a static header value
_URI_PASSWORD = "REDACTED"  # inside a URI: `<`/`>` would make it an invalid one


def redact_uri(uri):
    """(the URI without its password, whether one was taken out)."""
    if not isinstance(uri, str) or "@" not in uri or "://" not in uri:
        return uri, False
    try:
        parts = urlsplit(uri)
        password = parts.password
    except ValueError:
        return uri, False
    if not password or password == _URI_PASSWORD:
        return uri, False
    user = parts.username or ""
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{user}:{_URI_PASSWORD}@{host}")), True


_EXPRESSION_STARTS = ("method.request.", "context.", "stageVariables.", "integration.response.",
                      "integration.request.")


def _static_value(value) -> bool:
    """A literal in a mapping: HTTP APIs' mappings without `$`, REST's quoted `'value'`."""
    if not isinstance(value, str) or value == REDACTED or value in ("", "''", f"'{REDACTED}'"):
        return False
    if value.startswith("'") and value.endswith("'") and len(value) >= 2:
        return True  # REST: a static value is single-quoted
    return "$" not in value and not value.startswith(_EXPRESSION_STARTS)


def _redacted_value(value: str) -> str:
    return f"'{REDACTED}'" if value.startswith("'") and value.endswith("'") and len(value) >= 2 else REDACTED


def _mapping(mapping, path: str, said: list) -> None:
    if not isinstance(mapping, dict):
        return
    for key, value in mapping.items():
        if isinstance(value, dict):  # ResponseParameters: status code -> mapping
            _mapping(value, f"{path}.{key}", said)
        elif _static_value(value):
            mapping[key] = _redacted_value(value)
            said.append(f"{path}.{key}")


def _uri_field(item: dict, key: str, path: str, said: list) -> None:
    value, changed = redact_uri(item.get(key))
    if changed:
        item[key] = value
        said.append(f"{path}.{key} (password)")


def redact_document(document) -> list[str]:
    """Redact a snapshot document in place; the JSON paths of what was taken out."""
    said: list[str] = []
    if not isinstance(document, dict):
        return said
    for s, scope in enumerate(document.get("Scopes") or ()):
        if not isinstance(scope, dict):
            continue
        base = f"$.Scopes[{s}]"
        for a, api in enumerate(scope.get("Apis") or ()):
            if not isinstance(api, dict):
                continue
            for i, item in enumerate(api.get("Integrations") or ()):
                if isinstance(item, dict):
                    path = f"{base}.Apis[{a}].Integrations[{i}]"
                    _uri_field(item, "IntegrationUri", path, said)
                    _mapping(item.get("RequestParameters"), f"{path}.RequestParameters", said)
                    _mapping(item.get("ResponseParameters"), f"{path}.ResponseParameters", said)
            for i, item in enumerate(api.get("Authorizers") or ()):
                if isinstance(item, dict):
                    _uri_field(item, "AuthorizerUri", f"{base}.Apis[{a}].Authorizers[{i}]", said)
        for r, api in enumerate(scope.get("RestApis") or ()):
            if not isinstance(api, dict):
                continue
            for i, resource in enumerate(api.get("Resources") or ()):
                methods = resource.get("resourceMethods") if isinstance(resource, dict) else None
                for verb, method in (methods or {}).items() if isinstance(methods, dict) else ():
                    integration = method.get("methodIntegration") if isinstance(method, dict) else None
                    if isinstance(integration, dict):
                        path = f"{base}.RestApis[{r}].Resources[{i}].resourceMethods.{verb}.methodIntegration"
                        _uri_field(integration, "uri", path, said)
                        _mapping(integration.get("requestParameters"), f"{path}.requestParameters", said)
            for i, item in enumerate(api.get("Authorizers") or ()):
                if isinstance(item, dict):
                    _uri_field(item, "authorizerUri", f"{base}.RestApis[{r}].Authorizers[{i}]", said)
    return said


REDACTED_CODE = "Redacted"  # the ScopeError code of a redaction: an informational AGW000 says what was taken out


def redact_model(snapshot) -> None:
    """Take URI passwords out of the model every report is drawn from (and out of the raw items read with it);
    each redaction becomes a scope note (REDACTED_CODE) that AGW000 reports at info."""
    from auditor.core.model import ScopeError
    for scope in snapshot.scopes:
        for api in scope.apis:
            for kind, items in (("integration", api.integrations), ("authorizer", api.authorizers)):
                for item in items or ():
                    if "@" not in (item.uri or ""):  # no userinfo, no password: the common case, without a call
                        continue
                    uri, changed = redact_uri(item.uri)
                    if not changed:
                        continue
                    item.uri = uri
                    if isinstance(item.raw_item, dict):
                        for key in ("IntegrationUri", "AuthorizerUri"):
                            if key in item.raw_item:
                                item.raw_item[key] = redact_uri(item.raw_item[key])[0]
                        _mapping(item.raw_item.get("RequestParameters"), "", [])
                        _mapping(item.raw_item.get("ResponseParameters"), "", [])
                    scope.errors.append(ScopeError(
                        operation="Redact", resource=f"{kind}:{api.id}:{item.id}", code=REDACTED_CODE,
                        message=f"the password in the URI of {kind} {item.id} of API {api.id}", location=item.location))


def summary(paths: list[str], limit: int = 5) -> str:
    """One line saying what was redacted."""
    shown = ", ".join(paths[:limit]) + (f" and {len(paths) - limit} more" if len(paths) > limit else "")
    return (f"redacted {len(paths)} secret-looking value(s) (URI passwords, static parameter mapping values) "
            f"as {REDACTED!r}: {shown}")

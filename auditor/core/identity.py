"""A Lambda authorizer's identity sources: what a request must carry before API Gateway calls it.

HTTP APIs: "If you specify an identity source ... and any of them is missing, null or empty, API Gateway
returns 401 Unauthorized without invoking the authorizer function"
(https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html). Sources are
`$request.header.X` (case-insensitive), `$request.querystring.x`, `$context.x` and `$stageVariables.x`;
a `$stageVariables.x` the stage does not define is missing on every request.
"""

from urllib.parse import parse_qs

from auditor.core.arns import is_unresolved


def sources(authorizer) -> list[str]:
    """The authorizer's identity sources as a list (AWS returns a list; OpenAPI bodies a comma-separated string)."""
    raw = getattr(authorizer, "identity_source", None)
    if isinstance(raw, str):
        raw = raw.split(",")
    if not isinstance(raw, list):
        return []
    return [item.strip() for item in raw if isinstance(item, str) and item.strip()]


def _parts(source: str) -> tuple[str, str] | None:
    """(kind, name) of one source: header, querystring, context, stagevariable; None for another form."""
    for prefix, kind in (("$request.header.", "header"), ("$request.querystring.", "querystring"),
                         ("$context.", "context"), ("$stageVariables.", "stagevariable"),
                         ("$stagevariables.", "stagevariable")):
        if source.startswith(prefix) and len(source) > len(prefix):
            return kind, source[len(prefix):]
    return None


def undefined_stage_variables(authorizer, stage) -> list[str]:
    """The `$stageVariables.x` sources this stage does not define (every request to it then gets 401); [] when
    the stage's variables are not known (an IaC value left to deployment)."""
    variables = stage.stage_variables if stage is not None else None
    if variables is None:
        variables = {}
    if not isinstance(variables, dict) or is_unresolved(str(variables)):
        return []
    out = []
    for source in sources(authorizer):
        parts = _parts(source)
        if parts and parts[0] == "stagevariable" and not str(variables.get(parts[1], "") or "").strip():
            out.append(source)
    return out


def missing_sources(authorizer, stage, headers: dict | None, query: str) -> tuple[list[str], list[str]]:
    """(missing, needed): sources the request lacks (401), and header sources a request given without any
    header may or may not carry (headers None: the caller did not say)."""
    missing, needed = list(undefined_stage_variables(authorizer, stage)), []
    params = parse_qs(query or "", keep_blank_values=True)
    lowered = {str(k).lower(): v for k, v in (headers or {}).items()}
    for source in sources(authorizer):
        parts = _parts(source)
        if parts is None:
            continue
        kind, name = parts
        if kind == "header":
            if headers is None:
                needed.append(source)
            elif not str(lowered.get(name.lower(), "")).strip():
                missing.append(source)
        elif kind == "querystring" and not any(v.strip() for v in params.get(name, [])):
            missing.append(source)
    return missing, needed

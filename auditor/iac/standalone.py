"""A standalone OpenAPI definition (as `aws apigatewayv2 import-api --body file://api.yaml` takes).

It describes one API's routes, integrations and authorizers; no stage and no function, so the
API's stages are unknown (not absent) and functions stay outside the snapshot.
"""

from auditor.errors import InputError
from auditor.iac.document import DocumentBuilder
from auditor.iac.openapi import api_settings, is_openapi, read_body
from auditor.iac.openapi_rest import is_rest_definition, read_rest_openapi
from auditor.iac.resolve import Settings
from auditor.iac.yamlload import line_of, load_template_text


def read_openapi_file(path: str, text: str, settings: Settings, document=None) -> dict:
    if document is None:
        document = load_template_text(text, path)
    if not is_openapi(document):
        raise InputError("not an OpenAPI definition: 'openapi' (or 'swagger') and 'paths' are required", file=path,
                         line=1)
    context = {"input_type": "openapi", "format": "json" if text.lstrip().startswith("{") else "yaml"}
    builder = DocumentBuilder(path, "openapi", settings, context)
    if is_rest_definition(document):  # a REST API's definition or export (API Gateway v1)
        return read_rest_openapi(document, builder)
    info = document.get("info") if isinstance(document.get("info"), dict) else {}
    title = str(info.get("title") or "openapi")
    api_id = title if title.replace("-", "").replace("_", "").isalnum() else "openapi"
    api = builder.api(api_id, 1, title, external=True)  # no stage in a definition: stages unknown
    api["Name"] = title
    api.update(api_settings(document))

    def source(line, pointer, kind, key=None):
        return builder.source(line or 1, f"{'.'.join(str(p) for p in pointer[:3])}",
                              {"kind": "openapi", "logical": title, "pointer": pointer})
    read_body(document, api, source, line_of(document, "paths"))
    return builder.document()

"""A folder of raw AWS CLI outputs, for users who followed the tutorial by hand.

Layout (each file is exactly what `aws ... --output json` prints):

    my-api/
      get-api.json                  aws apigatewayv2 get-api --api-id ID
      get-routes.json               aws apigatewayv2 get-routes --api-id ID
      get-integrations.json         aws apigatewayv2 get-integrations --api-id ID
      get-stages.json               aws apigatewayv2 get-stages --api-id ID
      get-authorizers.json          aws apigatewayv2 get-authorizers --api-id ID   (optional)
      get-route-responses-<route-id>.json   aws apigatewayv2 get-route-responses --api-id ID --route-id R
                                    (optional, WebSocket two-way routes; likewise
                                    get-integration-responses-<integration-id>.json)
      get-function-configuration.json   aws lambda get-function-configuration --function-name F
      get-policy.json               aws lambda get-policy --function-name F        (absent: no policy)

REST APIs (API Gateway v1) take the `aws apigateway` outputs instead, one folder per API:

    my-rest-api/
      get-rest-api.json             aws apigateway get-rest-api --rest-api-id ID
      get-resources.json            aws apigateway get-resources --rest-api-id ID --embed methods
      get-stages.json               aws apigateway get-stages --rest-api-id ID
      get-deployments.json          aws apigateway get-deployments --rest-api-id ID   (optional; or get-deployment.json:
                                    aws apigateway get-deployment --rest-api-id ID --deployment-id D --embed apisummary)
      get-authorizers.json          aws apigateway get-authorizers --rest-api-id ID   (optional)
      get-gateway-responses.json    aws apigateway get-gateway-responses --rest-api-id ID   (optional)
    get-usage-plans.json            aws apigateway get-usage-plans   (optional, in any folder)

Several APIs or functions: one sub-folder each (`apis/<name>/`, `functions/<name>/`, or any
sub-folder holding these files). `get-api.json` may be replaced by `get-apis.json` when the
folder holds one API. Region and account come from the ARNs and endpoint found, or
--region/--account.
"""

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

from auditor.core.arns import parse_invoke_host
from auditor.errors import InputError
from auditor.files import LineIndex, parse_json, read_text
from auditor.iac.resolve import DEFAULT_ACCOUNT, DEFAULT_REGION

API_FILES = ("get-api.json", "get-apis.json", "get-routes.json", "get-integrations.json", "get-stages.json",
             "get-authorizers.json")
FUNCTION_FILES = ("get-function-configuration.json", "get-function.json", "get-policy.json")
REST_FILES = ("get-rest-api.json", "get-resources.json", "get-usage-plans.json")


# The output of one AWS CLI command, recognised by the keys its items (or itself) always carry.
_SINGLE_OUTPUTS = (("aws apigatewayv2 get-routes", "Items", ("RouteKey", "RouteId")),
                   ("aws apigatewayv2 get-integrations", "Items", ("IntegrationId", "IntegrationType")),
                   ("aws apigatewayv2 get-stages", "Items", ("StageName",)),
                   ("aws apigatewayv2 get-authorizers", "Items", ("AuthorizerId", "AuthorizerType")),
                   ("aws apigatewayv2 get-apis", "Items", ("ApiId", "ProtocolType")),
                   ("aws apigatewayv2 get-api", None, ("ApiId", "ProtocolType")),
                   ("aws lambda list-functions", "Functions", ("FunctionArn",)),
                   ("aws lambda get-function-configuration", None, ("FunctionArn", "Runtime")),
                   ("aws lambda get-function", "Configuration", ("FunctionArn",)),
                   ("aws lambda get-policy", None, ("Policy", "RevisionId")))


def single_output_hint(document) -> str | None:
    """When a file given alone is one AWS CLI output: what it is and the folder layout that reads it."""
    if not isinstance(document, dict) or "SnapshotVersion" in document:
        return None
    for command, key, keys in _SINGLE_OUTPUTS:
        value = document.get(key) if key else document
        sample = value[0] if isinstance(value, list) and value else value
        if isinstance(sample, dict) and all(k in sample for k in keys):
            return (f"this is the output of `{command}`, which is read as part of a folder of CLI outputs: put "
                    "get-api.json, get-routes.json, get-integrations.json and get-stages.json of one API in a "
                    "folder (a function's get-function-configuration.json and get-policy.json in another) and "
                    "audit the folder (docs/iac.md, 'A folder of AWS CLI outputs'); or collect with `apigw-auditor snapshot`")
    return None


def looks_like_cli_folder(path: Path) -> bool:
    return any((folder / name).is_file() for folder in _folders(path)
               for name in API_FILES + FUNCTION_FILES + REST_FILES)


def _folders(path: Path) -> list[Path]:
    out = [path]
    for child in sorted(path.iterdir()) if path.is_dir() else ():
        if child.is_dir():
            out.append(child)
            out.extend(sorted(c for c in child.iterdir() if c.is_dir()))
    return out


def _load(path: Path):
    text = read_text(path)
    return parse_json(text, str(path)), text


def _items(document, path: Path) -> list:
    if isinstance(document, dict) and "Items" in document:
        document = document["Items"]
    if not isinstance(document, list) or not all(isinstance(i, dict) for i in document):
        raise InputError("expected the CLI's output: an object with 'Items' (a list of objects)", file=str(path),
                         line=1)
    return document


def _line(text: str, key: str, value: str) -> int | None:
    match = re.search(r'"%s"\s*:\s*%s' % (re.escape(key), re.escape(json.dumps(value))), text)
    return LineIndex(text).line(match.start()) if match else None


def _source(path: Path, line, resource) -> dict:
    out = {"File": str(path), "Resource": resource, "InputType": "cli-outputs"}
    if line:
        out["Line"] = line
    return {"SourceLocation": out}


def read_cli_folder(path: Path, region: str | None, account: str | None) -> dict:
    apis, functions, rest_apis, plans = [], [], [], None
    seen_regions, seen_accounts = set(), set()
    for folder in _folders(path):
        if (folder / "get-usage-plans.json").is_file():
            file = folder / "get-usage-plans.json"
            document, text = _load(file)
            plans = (plans or []) + _rest_items(document, file, "id", text, "usage-plan")
        if (folder / "get-rest-api.json").is_file() or (folder / "get-resources.json").is_file():
            rest_apis.append(_read_rest_api(folder))
            seen_regions.update(_rest_regions(rest_apis[-1]))
            function = _read_function(folder)
            if function is not None:
                functions.append(function)
            continue
        api = _read_api(folder)
        if api is not None:
            apis.append(api)
            endpoint = parse_invoke_host(urlsplit(str(api.get("ApiEndpoint", ""))).hostname or "")
            if endpoint:
                seen_regions.add(endpoint[1])
        function = _read_function(folder)
        if function is not None:
            functions.append(function)
            parts = str(function.get("FunctionArn", "")).split(":")
            if len(parts) > 4:
                seen_regions.add(parts[3])
                seen_accounts.add(parts[4])
    if not apis and not functions and not rest_apis:
        raise InputError("folder holds none of the CLI outputs documented in docs/iac.md (get-routes.json, "
                         "get-integrations.json, get-policy.json ...)", file=str(path))
    scope = {"AccountId": account or (seen_accounts.pop() if len(seen_accounts) == 1 else DEFAULT_ACCOUNT),
             "Region": region or (seen_regions.pop() if len(seen_regions) == 1 else DEFAULT_REGION),
             "Complete": False, "Apis": apis, "Functions": functions}
    if rest_apis:
        scope["RestApis"] = rest_apis
    if plans is not None:
        scope["UsagePlans"] = plans
    return {"SnapshotVersion": 1, "Scopes": [scope]}


def _read_api(folder: Path) -> dict | None:
    if not any((folder / name).is_file() for name in API_FILES):
        return None
    api: dict = {}
    if (folder / "get-api.json").is_file():
        document, text = _load(folder / "get-api.json")
        if not isinstance(document, dict) or "ApiId" not in document:
            raise InputError("expected `aws apigatewayv2 get-api` output (an object with ApiId)",
                             file=str(folder / "get-api.json"), line=1)
        api.update(document)
        api.update(_source(folder / "get-api.json", 1, document["ApiId"]))
    elif (folder / "get-apis.json").is_file():
        items = _items(_load(folder / "get-apis.json")[0], folder / "get-apis.json")
        if len(items) != 1:
            raise InputError("get-apis.json lists several APIs: put each API's files in its own folder with its "
                             "get-api.json", file=str(folder / "get-apis.json"))
        if not isinstance(items[0].get("ApiId"), str):
            raise InputError("expected `aws apigatewayv2 get-apis` output: its item has no ApiId",
                             file=str(folder / "get-apis.json"), path="$.Items[0]")
        api.update(items[0])
        api.update(_source(folder / "get-apis.json", 1, items[0]["ApiId"]))
    else:
        raise InputError("get-api.json (aws apigatewayv2 get-api --api-id ID) is missing beside the other API "
                         "outputs", file=str(folder))
    for key, name, id_key in (("Routes", "get-routes.json", "RouteId"),
                              ("Integrations", "get-integrations.json", "IntegrationId"),
                              ("Stages", "get-stages.json", "StageName"),
                              ("Authorizers", "get-authorizers.json", "AuthorizerId")):
        file = folder / name
        if not file.is_file():
            continue  # not collected: unknown, not empty
        document, text = _load(file)
        items = _items(document, file)
        for item in items:
            identity = item.get(id_key)
            item.update(_source(file, _line(text, id_key, identity) if isinstance(identity, str) else None,
                                f"{api['ApiId']}/{identity}"))
        api[key] = items
    from auditor.iac.websocket import read_cli_responses  # WebSocket route/integration responses, when present
    read_cli_responses(folder, api, _load, _items, _source, _line)
    return api


def _read_function(folder: Path) -> dict | None:
    config_file = next((folder / n for n in ("get-function-configuration.json", "get-function.json")
                        if (folder / n).is_file()), None)
    if config_file is None:
        if (folder / "get-policy.json").is_file():
            raise InputError("get-policy.json needs get-function-configuration.json beside it (aws lambda "
                             "get-function-configuration --function-name F)", file=str(folder / "get-policy.json"))
        return None
    document, _ = _load(config_file)
    if isinstance(document, dict) and isinstance(document.get("Configuration"), dict):
        document = document["Configuration"]  # get-function wraps it
    if not isinstance(document, dict) or "FunctionArn" not in document:
        raise InputError("expected `aws lambda get-function-configuration` output (an object with FunctionArn)",
                         file=str(config_file), line=1)
    function = dict(document)
    function.update(_source(config_file, 1, function.get("FunctionName")))
    policy_file = folder / "get-policy.json"
    if policy_file.is_file():
        policy, _ = _load(policy_file)
        if not isinstance(policy, dict) or "Policy" not in policy:
            raise InputError("expected `aws lambda get-policy` output (an object with Policy)", file=str(policy_file),
                             line=1)
        function["Policy"] = policy["Policy"]
    return function


def _rest_items(document, path: Path, id_key: str, text: str, kind: str) -> list:
    """The list of an `aws apigateway get-*` output (`items`, or `item` for get-stages), each item located."""
    if isinstance(document, dict):
        document = document.get("items", document.get("item", document.get("Items")))
    if not isinstance(document, list) or not all(isinstance(i, dict) for i in document):
        raise InputError("expected the CLI's output: an object with 'items' (a list of objects)", file=str(path),
                         line=1)
    for item in document:
        identity = item.get(id_key)
        item.update(_source(path, _line(text, id_key, identity) if isinstance(identity, str) else None,
                            f"{kind}/{identity}"))
    return document


def _read_rest_api(folder: Path) -> dict:
    """A REST API from `aws apigateway get-*` outputs: the snapshot's RestApis shape (CONTRACTS.md)."""
    file = folder / "get-rest-api.json"
    if not file.is_file():
        raise InputError("get-rest-api.json (aws apigateway get-rest-api --rest-api-id ID) is missing beside "
                         "get-resources.json", file=str(folder))
    document, _ = _load(file)
    if not isinstance(document, dict) or not isinstance(document.get("id"), str):
        raise InputError("expected `aws apigateway get-rest-api` output (an object with id)", file=str(file), line=1)
    api = dict(document)
    api.update(_source(file, 1, api["id"]))
    for key, name, id_key in (("Resources", "get-resources.json", "id"), ("Stages", "get-stages.json", "stageName"),
                              ("Deployments", "get-deployments.json", "id"),
                              ("Authorizers", "get-authorizers.json", "id"),
                              ("GatewayResponses", "get-gateway-responses.json", "responseType")):
        path = folder / name
        if not path.is_file():
            continue  # not collected: unknown, not empty
        document, text = _load(path)
        api[key] = _rest_items(document, path, id_key, text, f"{api['id']}/{key.lower()}")
    single = folder / "get-deployment.json"
    if single.is_file() and "Deployments" not in api:
        document, _ = _load(single)
        if not isinstance(document, dict) or "id" not in document:
            raise InputError("expected `aws apigateway get-deployment` output (an object with id)", file=str(single),
                             line=1)
        api["Deployments"] = [dict(document, **_source(single, 1, f"{api['id']}/{document['id']}"))]
    return api


def _rest_regions(api: dict) -> set[str]:
    """Regions the REST API's Lambda integration URIs name (`arn:aws:apigateway:<region>:lambda:...`)."""
    found = set()
    for resource in api.get("Resources") or ():
        for method in (resource.get("resourceMethods") or {}).values() if isinstance(resource, dict) else ():
            uri = str(((method or {}).get("methodIntegration") or {}).get("uri") or "")
            parts = uri.split(":")
            if len(parts) > 4 and parts[2] == "apigateway":
                found.add(parts[3])
    return found

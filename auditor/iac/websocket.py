"""WebSocket API pieces that IaC declares as resources of their own: route responses and integration
responses (CloudFormation AWS::ApiGatewayV2::RouteResponse / IntegrationResponse, Terraform
aws_apigatewayv2_route_response / aws_apigatewayv2_integration_response), nested into their route and
integration as a snapshot holds them (`RouteResponses`, `IntegrationResponses`).

A template declares all of them: a WebSocket route with none declared has none (`[]`, so AGW130 can judge
it), unless one of the API's responses names its route through a value not known before deployment; then
no route of that API is said to have none (the list stays absent: not collected).
"""


def attach(apis: dict, responses: list[tuple[str, str, str, dict]]) -> None:
    """responses: (api id, "route"/"integration", parent id or an unresolved value, the response object)."""
    from auditor.core.arns import is_unresolved
    unknown_parent: set[str] = set()
    for api_id, kind, parent_id, item in responses:
        api = apis.get(api_id) if isinstance(api_id, str) else None
        if api is None:
            continue
        collection, key, nested = (("Routes", "RouteId", "RouteResponses") if kind == "route" else
                                   ("Integrations", "IntegrationId", "IntegrationResponses"))
        parent = next((p for p in api.get(collection) or () if p.get(key) == parent_id), None) \
            if isinstance(parent_id, str) and not is_unresolved(parent_id) else None
        if parent is None:
            unknown_parent.add(f"{api_id}/{kind}")
            continue
        parent.setdefault(nested, []).append(item)
    for api_id, api in apis.items():
        if api.get("ProtocolType") != "WEBSOCKET":
            continue
        for collection, nested, kind in (("Routes", "RouteResponses", "route"),
                                         ("Integrations", "IntegrationResponses", "integration")):
            if f"{api_id}/{kind}" in unknown_parent:
                continue
            for parent in api.get(collection) or ():
                parent.setdefault(nested, [])


def attach_cfn_responses(reader, route_responses: list[str], integration_responses: list[str]) -> None:
    """CloudFormation: each response resource nested into its route or integration (by RouteId /
    IntegrationId, a Ref resolving to the parent's logical id)."""
    found = []
    for kinds, logicals, parent_key, key in (("route", route_responses, "RouteId", "RouteResponseKey"),
                                             ("integration", integration_responses, "IntegrationId",
                                              "IntegrationResponseKey")):
        for logical in logicals:
            props = reader.resolved_props(logical)
            item = {k: v for k, v in props.items() if k not in ("ApiId", parent_key)}
            item[f"{'RouteResponseId' if kinds == 'route' else 'IntegrationResponseId'}"] = logical
            if not isinstance(item.get(key), str):
                item.pop(key, None)
            item.update(reader.where(logical))
            item.pop("_iac", None)
            found.append((props.get("ApiId"), kinds, props.get(parent_key), item))
    attach(reader.builder.apis, found)


def read_cli_responses(folder, api: dict, load, items, source, line) -> None:
    """A CLI-outputs folder: `get-route-responses-<route-id>.json` (aws apigatewayv2 get-route-responses
    --api-id ID --route-id R) and `get-integration-responses-<integration-id>.json`, nested into their route
    and integration. Absent files leave the list absent (not collected)."""
    for collection, id_key, prefix, nested, item_id in (
            ("Routes", "RouteId", "get-route-responses-", "RouteResponses", "RouteResponseId"),
            ("Integrations", "IntegrationId", "get-integration-responses-", "IntegrationResponses",
             "IntegrationResponseId")):
        for parent in api.get(collection) or ():
            file = folder / f"{prefix}{parent.get(id_key)}.json"
            if not isinstance(parent.get(id_key), str) or not file.is_file():
                continue
            document, text = load(file)
            responses = items(document, file)
            for response in responses:
                identity = response.get(item_id)
                response.update(source(file, line(text, item_id, identity) if isinstance(identity, str) else None,
                                       f"{api['ApiId']}/{parent[id_key]}/{identity}"))
            parent[nested] = responses

"""Live collection of what only WebSocket APIs have (read-only): route responses of two-way routes and
the integration responses of the integrations those routes target.

GetRoutes already carries RouteSelectionExpression (on the API), RouteResponseSelectionExpression and the
authorizer; route and integration responses need a call per route or integration, so they are read only
where a rule needs them: for routes that are two-way (RouteResponseSelectionExpression set, AGW130).
Everything else is left absent (not collected), never written as empty.
"""


def collect_websocket_details(collector, scope, api: dict) -> None:
    """Called by live.Collector._api_details for every API; does nothing for HTTP APIs."""
    if api.get("ProtocolType") != "WEBSOCKET":
        return
    client, api_id = scope.apigw, api["ApiId"]
    two_way = [route for route in api.get("Routes") or () if route.get("RouteResponseSelectionExpression")]
    targets = set()
    for route in two_way:
        items: list = []
        ok, _ = collector._try(scope, "GetRouteResponses", f"{api_id}/{route.get('RouteId')}", lambda: collector._paginate(
            client, "get_route_responses", "Items", items, ApiId=api_id, RouteId=route["RouteId"]))
        if ok:
            route["RouteResponses"] = [_clean(i) for i in items]
        target = route.get("Target") or ""
        if target.startswith("integrations/"):
            targets.add(target[len("integrations/"):])
    for integration in api.get("Integrations") or ():
        if integration.get("IntegrationId") not in targets:
            continue
        items = []
        integration_id = integration["IntegrationId"]
        ok, _ = collector._try(scope, "GetIntegrationResponses", f"{api_id}/{integration_id}",
                               lambda: collector._paginate(client, "get_integration_responses", "Items", items,
                                                           ApiId=api_id, IntegrationId=integration_id))
        if ok:
            integration["IntegrationResponses"] = [_clean(i) for i in items]


def _clean(item: dict) -> dict:
    from auditor.live import _clean as clean
    return clean(item)

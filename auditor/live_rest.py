"""Live collection of REST APIs (API Gateway v1, service `apigateway`): read-only, fewest calls.

Per scope: GetRestApis (the policy comes with each API) and, when there is one, GetUsagePlans. Per API: GetResources
with embed=methods (every method and integration in the same pages), GetStages, GetDeployment with
embed=apisummary for each deployment a stage serves (not every past deployment), GetAuthorizers
only when a method names one, GetGatewayResponses. Failures are recorded in the scope as every
other collection error is (AGW000), through live.py's helpers.
"""

from auditor.core.arns import parse_function_uri


def collect(collector, pool, scope) -> None:
    """Phase 1 of one scope: list its REST APIs and usage plans, each API's details in the pool."""
    client = collector._client(scope.account.session, "apigateway", scope.region)  # noqa: SLF001 - live.py's
    scope.rest = rest = {}
    apis: list = []
    if scope.narrowed:  # only the ids asked for; an id that is not a REST API is another kind's
        for api_id in collector.options.api_ids:
            ok, item = collector._try(scope, "GetRestApi", api_id, lambda: _get_rest_api(client, api_id))  # noqa: SLF001
            if ok and item is not None:
                apis.append(_clean(item))
    else:
        items: list = []
        ok, _ = collector._try(scope, "GetRestApis", "",  # noqa: SLF001
                               lambda: collector._paginate(client, "get_rest_apis", "items", items))  # noqa: SLF001
        if not ok:
            return  # not collected: REST rules stay silent, AGW000 names the failure
        apis = [_clean(item) for item in items]
    rest["RestApis"] = apis
    if not apis:
        return  # usage plans serve REST stages only: with none, nothing to judge them on
    for api in apis:
        pool.submit(_details, collector, scope, client, api)
    plans: list = []
    ok, _ = collector._try(scope, "GetUsagePlans", "",  # noqa: SLF001
                           lambda: collector._paginate(client, "get_usage_plans", "items", plans))  # noqa: SLF001
    if ok:
        rest["UsagePlans"] = [_clean(p) for p in plans]


def _get_rest_api(client, api_id: str):
    try:
        return client.get_rest_api(restApiId=api_id)
    except client.exceptions.NotFoundException:
        return None


def _clean(item: dict) -> dict:
    return {k: v for k, v in item.items() if k != "ResponseMetadata"}


def _details(collector, scope, client, api: dict) -> None:
    try_, paginate, api_id = collector._try, collector._paginate, api["id"]  # noqa: SLF001
    resources: list = []
    if try_(scope, "GetResources", api_id, lambda: paginate(client, "get_resources", "items", resources,
                                                             restApiId=api_id, embed=["methods"]))[0]:
        api["Resources"] = [_redacted(_clean(r)) for r in resources]
    ok, answer = try_(scope, "GetStages", api_id, lambda: client.get_stages(restApiId=api_id))
    if ok:
        api["Stages"] = [_clean(s) for s in answer.get("item") or ()]
        deployments = []
        for deployment_id in sorted({s.get("deploymentId") for s in api["Stages"] if s.get("deploymentId")}):
            ok, item = try_(scope, "GetDeployment", f"{api_id}/{deployment_id}",
                            lambda: client.get_deployment(restApiId=api_id, deploymentId=deployment_id,
                                                          embed=["apisummary"]))
            if not ok:
                break
            deployments.append(_clean(item))
        else:
            api["Deployments"] = deployments
    if any(m.get("authorizerId") for r in api.get("Resources") or () for m in (r.get("resourceMethods") or {}).values()):
        authorizers: list = []
        if try_(scope, "GetAuthorizers", api_id,
                lambda: paginate(client, "get_authorizers", "items", authorizers, restApiId=api_id))[0]:
            api["Authorizers"] = [_clean(a) for a in authorizers]
    else:
        api["Authorizers"] = []  # no method names one: nothing to list
    responses: list = []
    if try_(scope, "GetGatewayResponses", api_id,
            lambda: paginate(client, "get_gateway_responses", "items", responses, restApiId=api_id))[0]:
        api["GatewayResponses"] = [_clean(g) for g in responses]


def _redacted(resource: dict) -> dict:
    """A static header value in an integration's parameters is often a backend token: keep the mapping
    expressions, drop literals (as live.py does for HTTP integrations)."""
    from auditor.live import _redact_mapping
    for method in (resource.get("resourceMethods") or {}).values():
        integration = method.get("methodIntegration") if isinstance(method, dict) else None
        if isinstance(integration, dict) and isinstance(integration.get("requestParameters"), dict):
            integration["requestParameters"] = _redact_mapping(integration["requestParameters"])
    return resource


def without_rest_ids(errors: list, rest: dict) -> list:
    """`--api-id` names REST APIs too: apigatewayv2's NotFound for an id that is a REST API is no failure."""
    ids = {api.get("id") for api in rest.get("RestApis") or ()}
    return [e for e in errors if not (e.get("Operation") == "GetApi" and e.get("Resource") in ids
                                      and e.get("Code") == "NotFoundException")]


def references(scope):
    """(uri, credentials) of every REST integration and authorizer of a scope, for live.py to fetch the
    functions (and qualifiers) they invoke and the roles they assume."""
    for api in (getattr(scope, "rest", None) or {}).get("RestApis") or ():
        for resource in api.get("Resources") or ():
            for method in (resource.get("resourceMethods") or {}).values():
                integration = method.get("methodIntegration") or {}
                yield integration.get("uri"), integration.get("credentials")
        for authorizer in api.get("Authorizers") or ():
            yield authorizer.get("authorizerUri"), authorizer.get("authorizerCredentials")


def function_refs(scope):
    for uri, _ in references(scope):
        ref = parse_function_uri(uri) if uri else None
        if ref is not None:
            yield ref

"""Custom domain names and their API mappings, read live (apigatewayv2 GetDomainNames + GetApiMappings).

Read-only, one GetDomainNames listing per scope and one GetApiMappings listing per domain: the fewest
calls that give the scope's `DomainNames` (CONTRACTS.md; semantics in auditor.core.domains). The
apigatewayv2 listing covers the custom domains of REST APIs too. A failed call is a scope error (the
audit is incomplete), never an empty list.
"""

_KEEP = ("DomainName", "DomainNameConfigurations", "DomainNameArn", "ApiMappingSelectionExpression",
         "MutualTlsAuthentication", "RoutingMode", "Tags")


def collect_domains(collector, scope) -> None:
    """Set scope.domain_names to the GetDomainNames items, each with its GetApiMappings items."""
    if any(error["Operation"] == "GetApis" for error in scope.errors):
        return  # the region answers nothing (not enabled, denied): its GetApis error already says so
    client = scope.apigw
    items: list = []
    ok, _ = collector._try(scope, "GetDomainNames", "",  # noqa: SLF001 - the collector's own error recording
                           lambda: collector._paginate(client, "get_domain_names", "Items", items))
    if not ok:
        return
    domains = []
    for item in items:
        domain = {k: v for k, v in item.items() if k in _KEEP}
        name = domain.get("DomainName")
        mappings: list = []
        ok, _ = collector._try(scope, "GetApiMappings", str(name), lambda: collector._paginate(client, "get_api_mappings", "Items", mappings, DomainName=name))
        if ok:
            domain["ApiMappings"] = [{k: m[k] for k in ("ApiId", "ApiMappingId", "ApiMappingKey", "Stage") if k in m}
                                     for m in mappings]
        domains.append(domain)
    scope.domain_names = domains

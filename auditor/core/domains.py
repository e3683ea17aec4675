"""Custom domain names and their API mappings: which API and stage a request to a custom domain reaches.

A scope's `DomainNames` holds apigatewayv2 GetDomainNames items, each with its GetApiMappings items under
`ApiMappings` (CONTRACTS.md). API Gateway picks the mapping whose key is the longest match of the request
path's leading segments, the empty key taking whatever no other key matches; the matched key is cut from
the path the API sees (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-mappings.html).
A disabled default endpoint (DisableExecuteApiEndpoint) stops only the execute-api hostname: custom
domains keep serving.
"""

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from auditor.core.arns import parse_invoke_host


@dataclass(slots=True, eq=False)
class ApiMapping:
    api_id: str
    key: str  # "" for the empty (root) mapping
    stage: str
    mapping_id: str | None = None
    raw: dict | None = None


@dataclass(slots=True, eq=False)
class DomainName:
    name: str
    mappings: list[ApiMapping] = field(default_factory=list)
    mappings_known: bool = True  # False: ApiMappings not collected
    raw: dict | None = None
    scope: object = None


class DomainShapeError(ValueError):
    def __init__(self, where: str, message: str):
        super().__init__(message)
        self.where, self.message = where, message


def read_domain_names(items, path: str) -> list[DomainName]:
    """The scope's DomainNames list read (DomainShapeError names the JSON path of a malformed item)."""
    if items is None:
        return []
    if not isinstance(items, list):
        raise DomainShapeError(f"{path}.DomainNames", "expected a list of GetDomainNames items")
    out = []
    for index, item in enumerate(items):
        where = f"{path}.DomainNames[{index}]"
        if not isinstance(item, dict):
            raise DomainShapeError(where, "expected a domain name object")
        name = item.get("DomainName")
        if not isinstance(name, str) or not name:
            raise DomainShapeError(f"{where}.DomainName", "expected the domain name (a string)")
        mappings = item.get("ApiMappings")
        domain = DomainName(name=name.lower().rstrip("."), mappings_known=mappings is not None, raw=item)
        if mappings is not None and not isinstance(mappings, list):
            raise DomainShapeError(f"{where}.ApiMappings", "expected a list of GetApiMappings items")
        for m_index, mapping in enumerate(mappings or ()):
            m_where = f"{where}.ApiMappings[{m_index}]"
            if not isinstance(mapping, dict):
                raise DomainShapeError(m_where, "expected an API mapping object")
            for key in ("ApiId", "Stage"):
                if not isinstance(mapping.get(key), str):
                    raise DomainShapeError(f"{m_where}.{key}", "expected a string")
            key = mapping.get("ApiMappingKey") or ""
            if not isinstance(key, str):
                raise DomainShapeError(f"{m_where}.ApiMappingKey", "expected a string")
            domain.mappings.append(ApiMapping(api_id=mapping["ApiId"], key=key.strip("/"), stage=mapping["Stage"],
                                              mapping_id=mapping.get("ApiMappingId"), raw=mapping))
        out.append(domain)
    return out


@dataclass(slots=True)
class Resolution:
    domain: DomainName
    mapping: ApiMapping | None  # None: no mapping matches the path
    path: str  # the path the API sees (the mapping key cut off)


def find_domain(scopes, host: str) -> DomainName | None:
    host = host.lower().rstrip(".")
    for scope in scopes:
        for domain in getattr(scope, "domain_names", None) or ():
            if domain.name == host or (domain.name.startswith("*.") and host.endswith(domain.name[1:])):
                return domain
    return None


def resolve(domain: DomainName, path: str) -> Resolution:
    """The mapping a request path takes on this domain: the longest key matching whole leading segments."""
    segments = [s for s in path.split("/") if s]
    best, best_length = None, -1
    for mapping in domain.mappings:
        key_segments = [s for s in mapping.key.split("/") if s]
        if segments[:len(key_segments)] == key_segments and len(key_segments) > best_length:
            best, best_length = mapping, len(key_segments)
    if best is None:
        return Resolution(domain, None, path)
    rest = segments[best_length:]
    trailing = "/" if path.endswith("/") and rest else ""
    return Resolution(domain, best, "/" + "/".join(rest) + trailing)


def custom_domain_url(url: str) -> tuple[str, str, str] | None:
    """(host, path, query) of an https URL whose host is not an execute-api one; None for an invoke URL (or
    not a URL at all: parse_invoke_url names the problem)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme not in ("https", "http") or not host:
        return None
    if parse_invoke_host(parts.netloc.rpartition("@")[2].partition(":")[0] or host) is not None:
        return None
    return host, parts.path or "/", parts.query

"""REST APIs (API Gateway v1) as IaC readers build them: the `RestApis` / `UsagePlans` snapshot dicts of
CONTRACTS.md (AWS's own camelCase response shapes), shared by the CloudFormation, SAM, cdk.out, OpenAPI and
Terraform readers so that each only maps its own syntax.

A `RestDraft` holds one API while a reader fills it: resources are linked by id (a template names a
parent by reference) and their paths are computed once every resource is known; OpenAPI bodies add
resources by path. Every object carries its `SourceLocation` (and an optional `_iac` fix hint that
`document.finish` moves to the remediation registry, keyed by the object's JSON path).
"""

from auditor.iac.resolve import unresolved
from auditor.core.arns import is_unresolved

VERBS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY")
# Lists of a RestApi item (CONTRACTS.md), in the order they are written.
REST_LISTS = ("Resources", "Stages", "Deployments", "Authorizers", "GatewayResponses")


def root_id(api_id: str) -> str:
    """The id a reader gives an API's root resource (`/`): AWS makes one up at creation."""
    return f"{api_id}:root"


def camel(key: str) -> str:
    """CloudFormation's PascalCase property name as API Gateway's response key (`StatusCode` -> `statusCode`)."""
    return key[:1].lower() + key[1:] if key else key


class RestDraft:
    """One REST API being read. `external`: declared elsewhere (only what this input adds is known)."""

    def __init__(self, api_id: str, source: dict, external: bool = False):
        self.id = api_id
        self.external = external
        self.obj: dict = {"id": api_id}
        if not external:
            self.obj.update({"name": api_id, "rootResourceId": root_id(api_id),
                             "endpointConfiguration": {"types": ["EDGE"]}, "apiKeySource": "HEADER",
                             "disableExecuteApiEndpoint": False, "tags": {}})
        self.obj.update(source)
        self.resources: dict[str, dict] = {}  # id -> Resource dict
        self.by_path: dict[str, str] = {}  # known path -> resource id
        self.resources_unknown = external  # a body that cannot be read: the resource tree is not known
        self.lists: dict[str, list] = {key: [] for key in REST_LISTS if key != "Resources"}
        if not external:
            root = {"id": root_id(api_id), "path": "/"}
            root.update({k: v for k, v in source.items() if k in ("SourceLocation",)})
            self.resources[root["id"]] = root
            self.by_path["/"] = root["id"]

    # -- resources -------------------------------------------------------------------------------
    def add_resource(self, resource_id: str, parent_id, path_part, source: dict) -> dict:
        item = {"id": resource_id, "parentId": parent_id if isinstance(parent_id, str) else
                unresolved(f"{resource_id}.ParentId"),
                "pathPart": path_part if isinstance(path_part, str) else unresolved(f"{resource_id}.PathPart")}
        item.update(source)
        self.resources[resource_id] = item
        return item

    def resource_at(self, path: str, source_of) -> dict:
        """The resource at a path (`/a/{b}`), created with its missing parents; `source_of(path)` locates
        each one made."""
        if path in self.by_path:
            return self.resources[self.by_path[path]]
        parent_path, _, part = path.rstrip("/").rpartition("/")
        parent = self.resource_at(parent_path or "/", source_of)
        resource_id = f"{self.id}:{path}"
        item = {"id": resource_id, "parentId": parent["id"], "pathPart": part, "path": path}
        item.update(source_of(path))
        self.resources[resource_id] = item
        self.by_path[path] = resource_id
        return item

    def add_method(self, resource_id, verb, method: dict) -> None:
        """A Method (GetMethod's shape) on a resource named by id; a resource not in this input is kept
        aside, its methods unjudged (its path unknown)."""
        resource = self.resources.get(resource_id) if isinstance(resource_id, str) else None
        if resource is None:
            rid = resource_id if isinstance(resource_id, str) else unresolved("ResourceId")
            resource = self.resources.setdefault(rid, {"id": rid, "path": unresolved(f"{rid}.path"),
                                                       **{k: v for k, v in method.items() if k == "SourceLocation"}})
        key = verb.upper() if isinstance(verb, str) and not is_unresolved(verb) else unresolved("HttpMethod")
        method["httpMethod"] = key
        resource.setdefault("resourceMethods", {})[key] = method

    def _path(self, resource: dict, seen: set) -> str:
        if "path" in resource:
            return resource["path"]
        parent = self.resources.get(resource.get("parentId"))
        part = resource.get("pathPart")
        if parent is None or resource["id"] in seen or not isinstance(part, str) or is_unresolved(part):
            resource["path"] = unresolved(f"{resource['id']}.path")
            return resource["path"]
        seen.add(resource["id"])
        parent_path = self._path(parent, seen)
        resource["path"] = unresolved(f"{resource['id']}.path") if is_unresolved(parent_path) else \
            (parent_path.rstrip("/") + "/" + part)
        return resource["path"]

    # -- the dict -------------------------------------------------------------------------------
    def add(self, key: str, item: dict) -> dict:
        self.lists[key].append(item)
        return item

    def method_list(self) -> list[tuple[str, str, dict]]:
        """(path, verb, method) of every method known, paths computed."""
        out = []
        for resource in self.resources.values():
            path = self._path(resource, set())
            for verb, method in (resource.get("resourceMethods") or {}).items():
                out.append((path, verb, method))
        return out

    def document(self) -> dict:
        out = dict(self.obj)
        for resource in self.resources.values():
            self._path(resource, set())
        if not self.resources_unknown:
            out["Resources"] = sorted(self.resources.values(), key=lambda r: (str(r.get("path")), r["id"]))
        elif self.external and any(r.get("resourceMethods") for r in self.resources.values()):
            out["Resources"] = [r for r in self.resources.values() if r.get("resourceMethods")]
        for key, items in self.lists.items():
            if items or not self.external:
                out[key] = items
        return out


def rest_scope(builder, scope: dict) -> None:
    """Add the REST APIs and usage plans a reader found to its scope (absent when it found none)."""
    drafts = getattr(builder, "rest_apis", None) or {}
    if drafts:
        scope["RestApis"] = [draft.document() for draft in drafts.values()]
    plans = getattr(builder, "usage_plans", None)
    if plans:
        scope["UsagePlans"] = plans


def take_rest_hints(scope: dict, base: str, take, hints: dict) -> None:
    """Each REST object's `_iac` hint, by its JSON path (see document.finish)."""
    for a, api in enumerate(scope.get("RestApis") or []):
        path = f"{base}.RestApis[{a}]"
        take(api, path, hints)
        for key in REST_LISTS:
            for i, item in enumerate(api.get(key) or []):
                take(item, f"{path}.{key}[{i}]", hints)
                for verb, method in (item.get("resourceMethods") or {}).items() if key == "Resources" else ():
                    method_path = f"{path}.{key}[{i}].resourceMethods.{verb}"
                    take(method, method_path, hints)
                    integration = method.get("methodIntegration")
                    if isinstance(integration, dict):
                        take(integration, f"{method_path}.methodIntegration", hints)
                        if f"{method_path}.methodIntegration" not in hints and method_path in hints:
                            hints[f"{method_path}.methodIntegration"] = hints[method_path]  # declared in the method
    for p, plan in enumerate(scope.get("UsagePlans") or []):
        take(plan, f"{base}.UsagePlans[{p}]", hints)

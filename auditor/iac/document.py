"""Build a snapshot document (the JSON shape of `issues show 2`) from what an IaC reader found.

Every emitted object carries `SourceLocation` {File, Line, Resource, InputType}; readers may
also attach a private `_iac` dict (how to write a fix for that object in the input's own
syntax) that `finish` moves into the remediation registry, keyed by the object's JSON path.
"""

from auditor.iac import remediation
from auditor.iac.resolve import Settings
from auditor.iac.rest import rest_scope, take_rest_hints

IGNORE_TAG = "apigw-auditor:ignore"
REASON_TAG = "apigw-auditor:reason"


def suppression_tags(metadata) -> dict:
    """CloudFormation `Metadata: {apigw-auditor: {ignore: [AGW301], reason: ...}}` as snapshot Tags."""
    if not isinstance(metadata, dict):
        return {}
    block = metadata.get("apigw-auditor")
    if not isinstance(block, dict):
        return {}
    ignore = block.get("ignore")
    if isinstance(ignore, str):
        ignore = [part.strip() for part in ignore.split(",")]
    out = {}
    if isinstance(ignore, list) and ignore:
        out[IGNORE_TAG] = ",".join(str(i).strip() for i in ignore if str(i).strip())
    if isinstance(block.get("reason"), str):
        out[REASON_TAG] = block["reason"]
    return out


class DocumentBuilder:
    def __init__(self, file: str, input_type: str, settings: Settings, context: dict | None = None):
        self.file = file
        self.input_type = input_type
        self.settings = settings
        self.apis: dict[str, dict] = {}  # ApiId -> API object
        self.functions: dict[str, dict] = {}  # unqualified ARN (or symbolic name) -> function object
        self.errors: list[dict] = []
        self.roles: list[dict] = []  # IAM roles (RoleName, Arn, AssumeRolePolicyDocument): credentials roles' trust
        self.external: set[str] = set()  # APIs declared elsewhere, that this input only adds to
        self.rest_apis: dict = {}  # REST API id -> auditor.iac.rest.RestDraft
        self.usage_plans: list[dict] = []  # REST usage plans (GetUsagePlans items)
        self.domains: dict[str, dict] = {}  # DomainName -> GetDomainNames item with its ApiMappings (core.domains)
        self.context = context if context is not None else {}

    def source(self, line, resource, meta: dict | None = None, file: str | None = None) -> dict:
        if file and file != self.file:
            self.context.setdefault("files", set()).add(file)
        out = {"SourceLocation": {"File": file or self.file, "Line": line, "Resource": resource,
                                  "InputType": self.input_type}}
        if line is None:
            del out["SourceLocation"]["Line"]
        if meta:
            out["_iac"] = meta
        return out

    def api(self, api_id: str, line=None, resource=None, meta=None, external=False) -> dict:
        """The API object for an id, created on first use (a stub when it is not in this input)."""
        if api_id not in self.apis:
            api = {"ApiId": api_id, "Name": "", "ProtocolType": "HTTP", "Routes": [], "Integrations": [],
                   "Authorizers": []}
            if not external:
                api["Stages"] = []
            api.update(self.source(line, resource, meta))
            self.apis[api_id] = api
            if external:
                self.external.add(api_id)
        return self.apis[api_id]

    def error(self, operation: str, resource: str, code: str, message: str, hint: str | None = None) -> None:
        error = {"Operation": operation, "Resource": resource, "Code": code, "Message": message}
        if hint:
            error["_iac"] = {"kind": "error", "text": hint}
        self.errors.append(error)

    def domain(self, name) -> dict:
        """The custom domain object for a name, created on first use (its mappings may come first)."""
        key = name if isinstance(name, str) else str(name)
        return self.domains.setdefault(key, {"DomainName": key, "ApiMappings": []})

    def document(self) -> dict:
        for api_id in self.external:
            api = self.apis[api_id]
            for key in ("Routes", "Integrations", "Authorizers"):
                if key in api and not api[key]:
                    del api[key]  # not in this input: unknown, not empty
        scope = {"AccountId": self.settings.account, "Region": self.settings.region,
                 # A template never declares every function and API of its account and region.
                 "Complete": False,
                 "Apis": list(self.apis.values()), "Functions": list(self.functions.values())}
        rest_scope(self, scope)
        if self.roles:
            scope["Roles"] = self.roles
        if self.domains:
            scope["DomainNames"] = list(self.domains.values())
        if self.errors:
            scope["Errors"] = self.errors
        document = plain({"SnapshotVersion": 1, "Scopes": [scope]})
        finish(document, self.file, self.context)
        return document


def plain(value):
    """Plain dicts and lists (the snapshot reader checks exact JSON types)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def finish(document: dict, file: str, context: dict) -> None:
    """Move each object's private `_iac` hints into the remediation registry, by JSON path."""
    hints = {}
    for s, scope in enumerate(document.get("Scopes", [])):
        base = f"$.Scopes[{s}]"
        for e, error in enumerate(scope.get("Errors", [])):
            _take(error, f"{base}.Errors[{e}]", hints)
        for a, api in enumerate(scope.get("Apis", [])):
            path = f"{base}.Apis[{a}]"
            _take(api, path, hints)
            for key in ("Routes", "Integrations", "Stages", "Authorizers"):
                for i, item in enumerate(api.get(key) or []):
                    _take(item, f"{path}.{key}[{i}]", hints)
        take_rest_hints(scope, base, _take, hints)
        for r, role in enumerate(scope.get("Roles", [])):
            _take(role, f"{base}.Roles[{r}]", hints)
        for f, function in enumerate(scope.get("Functions", [])):
            path = f"{base}.Functions[{f}]"
            _take(function, path, hints)
            _take_policy(function, path, hints)
            for key in ("Aliases", "Versions"):
                for i, item in enumerate(function.get(key) or []):
                    _take(item, f"{path}.{key}[{i}]", hints)
                    _take_policy(item, f"{path}.{key}[{i}]", hints)
    remediation.register(file, context, hints)
    for other in context.pop("files", ()):  # AWS::Include'd files: findings there use the same hints
        remediation.register(other, context, hints)


def _take(obj: dict, path: str, hints: dict) -> None:
    meta = obj.pop("_iac", None)
    if meta is not None:
        hints[path] = meta


def _take_policy(obj: dict, path: str, hints: dict) -> None:
    policy = obj.get("Policy")
    if isinstance(policy, dict):
        for i, statement in enumerate(policy.get("Statement") or []):
            if isinstance(statement, dict):
                _take(statement, f"{path}.Policy.Statement[{i}]", hints)

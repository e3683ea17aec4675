"""Read snapshot JSON into the model, checking every shape the rules rely on.

A mistake in the input is reported as InputError with the file and the JSON path, never as a
traceback; unknown keys are kept in `raw` and otherwise ignored.
"""

import json
import json.scanner
import os
import stat
from types import NoneType
from pathlib import Path

from auditor.arns import UNRESOLVED_MARK, is_unresolved, parse_function_uri
from auditor.errors import InputError
from auditor.files import may_nest_deeper, read_bytes, read_json
from auditor.model import (Api, Authorizer, Conflict, Function, Integration, Location, Qualifier, Role, Route,
                           Scope, ScopeError, Snapshot, Stage)
from auditor.policy import StatementShapeError, read_statement

SNAPSHOT_VERSION = 1
_MISSING = object()


class _Reader:
    """Typed field access that names the file and JSON path of whatever is wrong."""

    def __init__(self, file: str):
        self.file = file

    def fail(self, path: str, message: str):
        raise InputError(message, file=self.file, path=path)

    def field(self, obj: dict, key: str, kind, path: str, required: bool = False, default=None):
        value = obj.get(key, _MISSING)
        if value is _MISSING or value is None:
            if required:
                self.fail(path, f"required key {key!r} is missing")
            return default
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            self.fail(f"{path}.{key}", f"expected {_kind_name(kind)}, got {_kind_name(type(value))}")
        return value

    def items(self, obj: dict, key: str, path: str) -> list[tuple[str, dict]] | None:
        """The objects of a list field with their paths; None when the key is absent."""
        value = obj.get(key, _MISSING)
        if value is _MISSING or value is None:
            return None
        if not isinstance(value, list):
            self.fail(f"{path}.{key}", f"expected a list, got {_kind_name(type(value))}{_items_hint(value)}")
        out = []
        for index, item in enumerate(value):
            item_path = f"{path}.{key}[{index}]"
            if not isinstance(item, dict):
                self.fail(item_path, f"expected an object, got {_kind_name(type(item))}")
            out.append((item_path, item))
        return out

    def location(self, obj: dict, path: str) -> Location:
        source = obj.get("SourceLocation")
        if isinstance(source, dict):
            return Location(file=str(source.get("File", self.file)), path=path, line=source.get("Line"),
                            resource=source.get("Resource"), input_type=str(source.get("InputType", "snapshot")))
        return Location(self.file, path)


def _items_hint(value) -> str:
    """For `{"Items": [...]}` pasted from an AWS CLI output where its list belongs."""
    if isinstance(value, dict) and isinstance(value.get("Items"), list):
        return ' ({"Items": [...]} as the AWS CLI prints it: put the list inside Items here, not the object)'
    return ""


def _kind_name(kind) -> str:
    if isinstance(kind, tuple):
        return " or ".join(_kind_name(k) for k in kind)
    return {dict: "an object", list: "a list", str: "a string", int: "an integer", bool: "a boolean",
            float: "a number", type(None): "null"}.get(kind, kind.__name__)


_SCAN = json.scanner.make_scanner(json.JSONDecoder())  # the C scanner json.loads uses, minus its per-call wrapping


def _parse_policy(reader: _Reader, text: str, policy_path: str):
    if "\\ud" in text or "\\uD" in text:  # a surrogate escape: the shared reader finds a lone one, with its path
        from auditor.files import parse_json
        try:
            return parse_json(text, reader.file)
        except InputError as exc:
            reader.fail(policy_path + (exc.path or "").removeprefix("$"), f"Policy: {exc.message}")
    try:
        value, end = _SCAN(text, 0)
        if end == len(text):
            return value
    except (StopIteration, ValueError):
        pass
    try:  # leading/trailing whitespace, or an error to report with json's own message and position
        return json.loads(text)
    except json.JSONDecodeError as exc:
        reader.fail(policy_path, f"Policy is a string but not JSON ({exc.msg} at character {exc.pos})")


def _read_policy(reader: _Reader, owner: dict, path: str, function: Function | None = None) -> list:
    value = owner.get("Policy")
    if value is None:
        return []
    policy_path = f"{path}.Policy"
    if type(value) is str:
        value = _parse_policy(reader, value, policy_path)
    if type(value) is not dict:
        reader.fail(policy_path, f"expected a policy document (JSON string or object), got {_kind_name(type(value))}")
    statements = value.get("Statement", [])
    if type(statements) is dict:
        statements = [statements]
    if type(statements) is not list:
        reader.fail(f"{policy_path}.Statement", "expected a list of statements")
    out = []
    for index, raw in enumerate(statements):
        statement_path = f"{policy_path}.Statement[{index}]"
        if type(raw) is not dict:
            reader.fail(statement_path, f"expected a statement object, got {_kind_name(type(raw))}")
        try:
            statement = read_statement(raw, statement_path)
        except StatementShapeError as exc:
            reader.fail(statement_path + exc.where, exc.message)
        statement.function = function
        if "SourceLocation" in raw and type(raw["SourceLocation"]) is dict:  # IaC: the Permission resource
            statement.source = raw["SourceLocation"]
        out.append(statement)
    return out


# (key, type, required, default) of the fields each model object reads; "A.B" is key B inside object A.
_ROUTE = (("RouteId", str, False, ""), ("RouteKey", str, True, None), ("Target", str, False, None),
          ("AuthorizationType", str, False, "NONE"), ("AuthorizerId", str, False, None))
_INTEGRATION = (("IntegrationId", str, True, None), ("IntegrationType", str, False, None),
                ("IntegrationUri", str, False, None), ("IntegrationSubtype", str, False, None),
                ("PayloadFormatVersion", str, False, None), ("TimeoutInMillis", int, False, None),
                ("CredentialsArn", str, False, None))
_STAGE = (("StageName", str, True, None), ("AutoDeploy", bool, False, False), ("DeploymentId", str, False, None),
          ("AccessLogSettings", dict, False, None), ("AccessLogSettings.DestinationArn", str, False, None))
_AUTHORIZER = (("AuthorizerId", str, True, None), ("Name", str, False, ""), ("AuthorizerType", str, False, None),
               ("AuthorizerUri", str, False, None), ("AuthorizerCredentialsArn", str, False, None))
_FUNCTION = (("FunctionArn", str, True, None), ("FunctionName", str, False, None), ("Timeout", int, False, None),
             ("Tags", dict, False, None))

# Builders: one comprehension per collection, defaults filled in for absent or null keys. They do not
# check types; `_read_list` checks the tuple of field types each builder's `shape` gives instead.


def _routes(api: Api, items: list) -> list[Route]:
    return [Route(api, item, route_id if (route_id := item.get("RouteId")) is not None else "",
                  item.get("RouteKey"), item.get("Target"),
                  kind if (kind := item.get("AuthorizationType")) is not None else "NONE",
                  item.get("AuthorizerId"), index)
            for index, item in enumerate(items)]


def _route_shapes(routes: list[Route]) -> set:
    return {(type(r.id), type(r.key), type(r.target), type(r.authorization_type), type(r.authorizer_id))
            for r in routes}


def _integrations(api: Api, items: list) -> list[Integration]:
    return [Integration(api, item, item.get("IntegrationId"), item.get("IntegrationType"),
                        (uri := item.get("IntegrationUri")), item.get("IntegrationSubtype"),
                        item.get("PayloadFormatVersion"), item.get("TimeoutInMillis"), item.get("CredentialsArn"),
                        parse_function_uri(uri) if uri and type(uri) is str else None, index)
            for index, item in enumerate(items)]


def _integration_shapes(integrations: list[Integration]) -> set:
    return {(type(i.id), type(i.type), type(i.uri), type(i.subtype), type(i.payload_format_version),
             type(i.timeout_ms), type(i.credentials_arn)) for i in integrations}


def _stages(api: Api, items: list) -> list[Stage]:
    return [Stage(api, item, item.get("StageName"), auto if (auto := item.get("AutoDeploy")) is not None else False,
                  item.get("DeploymentId"), logs.get("DestinationArn") if type(logs := item.get("AccessLogSettings"))
                  is dict else None, index)
            for index, item in enumerate(items)]


def _stage_shapes(stages: list[Stage]) -> set:
    return {(type(s.name), type(s.auto_deploy), type(s.deployment_id), type(s.raw.get("AccessLogSettings")),
             type(s.access_log_destination)) for s in stages}


def _authorizers(api: Api, items: list) -> list[Authorizer]:
    return [Authorizer(api, item, item.get("AuthorizerId"), name if (name := item.get("Name")) is not None else "",
                       item.get("AuthorizerType"), item.get("AuthorizerUri"), item.get("AuthorizerCredentialsArn"), index)
            for index, item in enumerate(items)]


def _authorizer_shapes(authorizers: list[Authorizer]) -> set:
    return {(type(a.id), type(a.name), type(a.type), type(a.uri), type(a.credentials_arn)) for a in authorizers}


_VALID_SHAPES: dict[tuple, set] = {}  # spec -> tuples of field types already found valid


def _shapes_valid(spec: tuple, shapes: set) -> bool:
    """Are these tuples of field types all valid for spec? Each new one is checked once, then remembered,
    which keeps 100,000-route snapshots fast."""
    known = _VALID_SHAPES.setdefault(spec, set())
    for shape in shapes - known:
        if not all(kind is expected or (kind is NoneType and not required)
                   for kind, (_, expected, required, _) in zip(shape, spec)):
            return False
        known.add(shape)
    return True


def _value(item: dict, name: str):
    outer, _, inner = name.partition(".")
    value = item.get(outer)
    return (value.get(inner) if type(value) is dict else None) if inner else value


def _check_item(r: _Reader, spec: tuple, item, path: str) -> None:
    """Fail on the first field of item that breaks spec, naming its JSON path."""
    if type(item) is not dict:
        r.fail(path, f"expected an object, got {_kind_name(type(item))}")
    for name, kind, required, _ in spec:
        value = _value(item, name)
        if value is None:
            if required:
                r.fail(path, f"required key {name!r} is missing")
        elif type(value) is not kind:
            r.fail(f"{path}.{name}", f"expected {_kind_name(kind)}, got {_kind_name(type(value))}")


def _read_list(r: _Reader, api: Api, raw: dict, api_path: str, key: str, spec: tuple, build, shapes) -> tuple[bool, list]:
    """Read one of an API's lists; (False, []) when the key is absent (not collected)."""
    items = raw.get(key)
    if items is None:
        return False, []
    path = f"{api_path}.{key}"
    if type(items) is not list:
        r.fail(path, f"expected a list, got {_kind_name(type(items))}{_items_hint(items)}")
    try:
        out = build(api, items)
    except AttributeError:  # an item that is not an object; found and named below
        out = None
    if out is None or not _shapes_valid(spec, shapes(out)):
        for index, item in enumerate(items):
            _check_item(r, spec, item, f"{path}[{index}]")
        out = build(api, items)
    return True, out


def _read_api(r: _Reader, scope: Scope, raw: dict, path: str, index: int) -> Api:
    api = Api(scope=scope, raw=raw, id=r.field(raw, "ApiId", str, path, required=True),
              name=r.field(raw, "Name", str, path, default=""),
              protocol_type=r.field(raw, "ProtocolType", str, path, default="HTTP"),
              routes=[], integrations=[], stages=[], authorizers=[],
              tags=r.field(raw, "Tags", dict, path, default={}), index=index)
    api.has_routes, api.routes = _read_list(r, api, raw, path, "Routes", _ROUTE, _routes, _route_shapes)
    api.has_integrations, api.integrations = _read_list(r, api, raw, path, "Integrations", _INTEGRATION, _integrations,
                                                        _integration_shapes)
    api.has_stages, api.stages = _read_list(r, api, raw, path, "Stages", _STAGE, _stages, _stage_shapes)
    api.has_authorizers, api.authorizers = _read_list(r, api, raw, path, "Authorizers", _AUTHORIZER, _authorizers,
                                                      _authorizer_shapes)
    return api


def _dedupe(statements: list) -> list:
    """moto and some exports repeat a function's statements under every qualifier: keep one of each."""
    seen = set()
    out = []
    for s in statements:
        key = (s.sid, s.effect, s.resources, s.source_arns, s.source_accounts, s.services, s.public, s.actions)
        if key not in seen:
            seen.add(key)
            out.append(s)
    return out


def _read_function(r: _Reader, scope: Scope, raw: dict, path: str, index: int) -> Function:
    get = raw.get
    arn, name, timeout, tags = get("FunctionArn"), get("FunctionName"), get("Timeout"), get("Tags")
    shape = (type(arn), type(name), type(timeout), type(tags))
    if shape not in _VALID_SHAPES.get(_FUNCTION, ()) and not _shapes_valid(_FUNCTION, {shape}):
        _check_item(r, _FUNCTION, raw, path)
    function = Function(scope, raw, name if name is not None else arn.rsplit(":", 1)[-1], arn, timeout, [], {}, {},
                        tags if tags is not None else {}, index)
    statements = _read_policy(r, raw, path, function) if get("Policy") is not None else []
    if "Aliases" in raw or "Versions" in raw:
        statements += _read_qualifiers(r, function, path)
        if function.aliases or function.versions:
            statements = _dedupe(statements)
    function.statements = statements
    return function


def _read_qualifiers(r: _Reader, function: Function, path: str) -> list:
    """A function's aliases and versions, each with its own policy: their statements."""
    raw, arn = function.raw, function.arn
    statements = []
    aliases = r.items(raw, "Aliases", path)
    function.has_aliases = aliases is not None
    for p, item in aliases or ():
        name = r.field(item, "Name", str, p, required=True)
        function.aliases[name] = Qualifier(function, item, name, r.field(item, "AliasArn", str, p, default=f"{arn}:{name}"),
                                           "alias", r.location(item, p))
        statements += _read_policy(r, item, p, function)
    versions = r.items(raw, "Versions", path)
    function.has_versions = versions is not None
    for p, item in versions or ():
        name = r.field(item, "Version", str, p, required=True)
        function.versions[name] = Qualifier(function, item, name, r.field(item, "FunctionArn", str, p, default=f"{arn}:{name}"),
                                            "version", r.location(item, p))
        statements += _read_policy(r, item, p, function)
    return statements


def _read_role(r: _Reader, scope: Scope, raw: dict, path: str) -> Role | None:
    """A role of the scope's `Roles` (iam:GetRole's Role): its trust policy, as a dict or the URL-encoded
    JSON string IAM's own API returns. None when a template leaves the ARN or the whole trust policy to
    deployment (e.g. Terraform's `data.aws_iam_policy_document.x.json`): a role not known is never judged."""
    arn = r.field(raw, "Arn", str, path, required=True)
    name = r.field(raw, "RoleName", str, path, default=arn.rsplit("/", 1)[-1])
    document = raw.get("AssumeRolePolicyDocument")
    where = f"{path}.AssumeRolePolicyDocument"
    if is_unresolved(arn) or (type(document) is str and document.startswith(UNRESOLVED_MARK)):
        return None
    if type(document) is str:
        try:
            document = json.loads(document)
        except json.JSONDecodeError:
            from urllib.parse import unquote
            try:
                document = json.loads(unquote(document))
            except json.JSONDecodeError as exc:
                r.fail(where, f"a trust policy string that is not (URL-encoded) JSON ({exc.msg} at character {exc.pos})")
    if type(document) is not dict:
        r.fail(where, f"expected a trust policy document (object or JSON string), got {_kind_name(type(document))}")
    statements = document.get("Statement", [])
    if type(statements) is dict:
        statements = [statements]
    if type(statements) is not list:
        r.fail(f"{where}.Statement", "expected a list of statements")
    for index, statement in enumerate(statements):
        statement_path = f"{where}.Statement[{index}]"
        if type(statement) is not dict:
            r.fail(statement_path, f"expected a statement object, got {_kind_name(type(statement))}")
        try:
            read_statement(statement, statement_path)
        except StatementShapeError as exc:
            r.fail(statement_path + exc.where, exc.message)
    return Role(scope, raw, name, arn, statements, r.location(raw, path))


def read_snapshot_document(document, file: str) -> Snapshot:
    """Turn a parsed snapshot document into the model (shared by files, live collection and IaC)."""
    r = _Reader(file)
    if not isinstance(document, dict):
        r.fail("$", f"a snapshot is a JSON object, got {_kind_name(type(document))}")
    version = document.get("SnapshotVersion", _MISSING)
    if version is _MISSING:
        r.fail("$", "not an apigw-auditor snapshot: 'SnapshotVersion' is missing (see README, 'Snapshot format')")
    if version != SNAPSHOT_VERSION:
        r.fail("$.SnapshotVersion", f"unsupported snapshot version {version!r}; this tool reads version {SNAPSHOT_VERSION}")
    from auditor.limits import apply_aws_limits
    apply_aws_limits(document)  # what AWS itself cannot hold is reported (AGW000), never processed
    scope_items = r.items(document, "Scopes", "$")
    if scope_items is None:
        r.fail("$", "required key 'Scopes' is missing")
    scopes = []
    for path, raw in scope_items:
        scope = Scope(account=r.field(raw, "AccountId", str, path, required=True),
                      region=r.field(raw, "Region", str, path, required=True),
                      complete=r.field(raw, "Complete", bool, path, default=False),
                      location=Location(file, path))
        scope.apis = [_read_api(r, scope, item, p, i) for i, (p, item) in enumerate(r.items(raw, "Apis", path) or ())]
        scope.functions = [_read_function(r, scope, item, p, i)
                           for i, (p, item) in enumerate(r.items(raw, "Functions", path) or ())]
        roles = (_read_role(r, scope, item, p) for p, item in r.items(raw, "Roles", path) or ())
        scope.roles = [role for role in roles if role is not None]
        for p, item in r.items(raw, "Errors", path) or ():
            scope.errors.append(ScopeError(operation=r.field(item, "Operation", str, p, default="?"),
                                           resource=r.field(item, "Resource", str, p, default=""),
                                           code=r.field(item, "Code", str, p, default=""),
                                           message=r.field(item, "Message", str, p, default=""),
                                           location=Location(file, p)))
        scopes.append(scope)
    return Snapshot(scopes=scopes, files=[file])


def load_snapshot_file(path: str | os.PathLike) -> Snapshot:
    snapshot = try_load_snapshot(path)
    if snapshot is not None:
        return snapshot
    file = str(path)
    return read_snapshot_document(read_json(file), file)


def try_load_snapshot(path: str | os.PathLike) -> Snapshot | None:
    """A snapshot file through the fast decoder; None when the file is no snapshot or the decoder
    declines it, for the general reader (auditor.iac.load_file) to read or reject with its own message."""
    file = str(path)
    try:
        info = os.stat(file)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode) or info.st_size < FAST_MIN_BYTES:  # a pipe is read once, by the reader
        return None
    data = read_bytes(file)
    if b'"SnapshotVersion"' not in data:  # templates, plans, YAML: not decoded twice
        return None
    document = fast_decode(data)
    del data  # a large snapshot's bytes go before its model is built: peak memory is the decoder's
    if type(document) is not dict or "SnapshotVersion" not in document:
        return None
    return read_snapshot_document(document, file)


# Deeper than this, or anything else msgspec declines, goes to the general reader (auditor.files), which
# applies its own limits and names what is wrong; snapshots nest about ten levels deep.
FAST_MAX_DEPTH = 100
# Below this size json.loads is done before msgspec is imported: small files keep the plain reader.
FAST_MIN_BYTES = 1 << 20


def fast_decode(data: bytes):
    """The document msgspec decodes in C (about 1.5x as fast as json.loads, exact big integers), or None.

    msgspec takes strict UTF-8 JSON only; where it accepts a document, json.loads returns the same
    values (same floats, last of duplicate keys, key order). Everything it rejects (BOMs, UTF-16,
    NaN, lone surrogates, 4,301-digit integers, syntax errors) and anything nested deeper than
    FAST_MAX_DEPTH returns None, so errors and limits stay those of the general reader."""
    if len(data) < FAST_MIN_BYTES or may_nest_deeper(data, FAST_MAX_DEPTH):
        return None
    import msgspec
    try:
        return msgspec.json.decode(data)
    except (msgspec.MsgspecError, RecursionError, ValueError, MemoryError):
        return None


_TEMPLATE_SUFFIXES = (".yaml", ".yml", ".template")


_TEMPLATE_MARKS = ("AWSTemplateFormatVersion", "Resources:", "openapi:", "swagger:", "Transform:")


def _looks_like_template(path: Path) -> bool:
    """A file worth suggesting as a template: not hidden (.pre-commit-hooks.yaml), and it reads like one."""
    if path.name.startswith(".") or path.suffix.lower() not in _TEMPLATE_SUFFIXES or not path.is_file():
        return False
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            head = handle.read(65536)
    except OSError:
        return False
    return any(mark in head for mark in _TEMPLATE_MARKS)


def expand_paths(paths: list[str]) -> list[Path]:
    """Files to read: each file as given, each folder's *.json files in name order; a file named
    twice (or both directly and through its folder) is read once, so no finding is doubled."""
    out: list[Path] = []
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(p for p in path.glob("*.json") if p.is_file())
            if not found:
                templates = sorted(p.name for p in path.iterdir() if _looks_like_template(p))
                hint = (f"; name templates one by one (e.g. {given.rstrip('/')}/{templates[0]})" if templates else "")
                raise InputError(f"folder holds no *.json snapshot{hint}", file=given)
        elif not path.exists():
            raise InputError("no such file or folder", file=given)
        else:
            found = [path]
        for file in found:
            key = file.resolve()
            if key not in seen:
                seen.add(key)
                out.append(file)
    return out


def merge(snapshots: list[Snapshot]) -> Snapshot:
    """One model over several inputs (the contract is in README, "Several inputs in one run").

    Snapshot files of one account and region describe one place, so a route in one resolves a
    function in another. An API, function or role they hold twice is audited once: identical copies
    silently, different ones as a Conflict (AGW000) keeping the copy from the file whose path sorts
    last (date-stamped names sort newest last), whatever the order the files were given in.
    Templates and plans keep their own stack (Scope.stack) and are never merged with anything.
    """
    scopes = [s for snap in snapshots for s in snap.scopes]
    files = [f for snap in snapshots for f in snap.files]
    files_scopes = [s for s in scopes if s.stack is None]
    conflicts = _dedupe_objects(files_scopes, "apis", "API", lambda a: a.id) + \
        _dedupe_objects(files_scopes, "functions", "Function", lambda f: f.arn) + \
        _dedupe_objects(files_scopes, "roles", "Role", lambda r: r.arn)
    return Snapshot(scopes=scopes, files=files, conflicts=conflicts)


def _dedupe_objects(scopes: list[Scope], attribute: str, kind: str, key) -> list[Conflict]:
    """Keep one of each (account, region, key) across scopes; the conflicts between different copies."""
    copies: dict[tuple, list] = {}
    for scope in scopes:
        for obj in getattr(scope, attribute):
            copies.setdefault((scope.account, scope.region, key(obj)), []).append(obj)
    conflicts = []
    dropped = set()
    for (_, _, name), found in copies.items():
        if len(found) < 2:
            continue
        ranked = sorted(found, key=_rank, reverse=True)
        kept = ranked[0]
        seen = [_content(kept)]
        for other in ranked[1:]:
            dropped.add(id(other))
            content = _content(other)
            if content not in seen:
                seen.append(content)
                conflicts.append(Conflict(kind, name, kept, other))
    if dropped:
        for scope in scopes:
            setattr(scope, attribute, [obj for obj in getattr(scope, attribute) if id(obj) not in dropped])
    return conflicts


def _content(obj) -> str:
    return json.dumps(obj.raw, sort_keys=True, default=str)


def _rank(obj) -> tuple:
    """Order-independent: the file's path, then the content, decide which copy is kept."""
    return obj.scope.location.file if obj.scope.location else "", _content(obj)

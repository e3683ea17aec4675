"""Read snapshot JSON into the model, checking every shape the rules rely on.

A mistake in the input is reported as InputError with the file and the JSON path, never as a
traceback; unknown keys are kept in `raw` and otherwise ignored.
"""

import json
import json.scanner
import mmap
import os
import stat
import sys
import threading
from operator import attrgetter
from pathlib import Path
from types import NoneType, UnionType
from typing import Annotated, Any, Union, get_args, get_origin

import msgspec

from auditor.core.arns import UNRESOLVED_MARK, is_unresolved, parse_function_uri
from auditor import files
from auditor.errors import InputError
from auditor.files import MAX_INT_DIGITS, may_nest_deeper, read_bytes, read_json
from auditor.core.model import (Api, Authorizer, Conflict, Function, Integration, Location, Qualifier, RestApi, Role,
                                Route, Scope, ScopeError, Snapshot, Stage, UsagePlan)
from auditor.core.limits import MAX_POLICY_BYTES, policy_size_beyond_limit
from auditor.core.policy import StatementShapeError, read_add_permission_policy, read_statement

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


_POLICY_DECODER = msgspec.json.Decoder()
# Under this many brackets a policy cannot nest deep enough for either decoder's recursion limit, and
# within MAX_INT_DIGITS characters it holds no integer json.loads refuses: the two decoders agree.
_POLICY_MAX_BRACKETS = 200


def _decoders_agree(text: str) -> bool:
    return len(text) <= MAX_INT_DIGITS and text.count("[") + text.count("{") < _POLICY_MAX_BRACKETS


def _parse_policy(reader: _Reader, text: str, policy_path: str):
    if "\\ud" in text or "\\uD" in text:  # a surrogate escape: the shared reader finds a lone one, with its path
        from auditor.files import parse_json
        try:
            return parse_json(text, reader.file)
        except InputError as exc:
            reader.fail(policy_path + (exc.path or "").removeprefix("$"), f"Policy: {exc.message}")
    if _decoders_agree(text):
        try:  # msgspec, twice as fast: where it accepts a text, json.loads gives the same (see fast_decode)
            return _POLICY_DECODER.decode(text)
        except (msgspec.DecodeError, ValueError):  # json's own message below
            pass
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


def _read_policy(reader: _Reader, value, path: str, function: Function | None = None) -> list:
    """The statements of a Policy value (a JSON string or a document) found at path + ".Policy"."""
    if value is None:
        return []
    policy_path = f"{path}.Policy"
    if type(value) is str:
        statements = read_add_permission_policy(value, policy_path, function)  # the usual policy, read in C
        if statements is not None:
            return statements
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


def _checked_type(annotation):
    """The one JSON type a model field's annotation requires (str, int, bool, dict, or a nested Struct); None
    for a field not type-checked (Any, and the API's lists, checked item by item)."""
    if get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    options = [annotation]
    if get_origin(annotation) in (Union, UnionType):
        options = [a for a in get_args(annotation) if a is not NoneType]
    if len(options) != 1:
        return None
    kind = options[0]
    if kind in (str, int, bool, dict) or (isinstance(kind, type) and issubclass(kind, msgspec.Struct)):
        return kind
    return None


def _spec(model) -> tuple:
    """(key, type, required) of each field a model Struct types, in its order, read from the Struct itself:
    what `_check_item` names when msgspec rejects an item ("A.B" is key B inside object A)."""
    spec = []
    for info in msgspec.structs.fields(model):
        kind = _checked_type(info.type)
        if kind is None:
            continue
        if issubclass(kind, msgspec.Struct):
            spec.append((info.encode_name, dict, info.required))
            spec += [(f"{info.encode_name}.{key}", inner, required) for key, inner, required in _spec(kind)]
        else:
            spec.append((info.encode_name, kind, info.required))
    return tuple(spec)


_API, _FUNCTION = _spec(Api), _spec(Function)
_API_LISTS = (("Routes", _spec(Route)), ("Integrations", _spec(Integration)), ("Stages", _spec(Stage)),
              ("Authorizers", _spec(Authorizer)))


def _value(item: dict, name: str):
    outer, _, inner = name.partition(".")
    value = item.get(outer)
    return (value.get(inner) if type(value) is dict else None) if inner else value


def _check_item(r: _Reader, spec: tuple, item, path: str) -> None:
    """Fail on the first field of item that breaks spec, naming its JSON path."""
    if type(item) is not dict:
        r.fail(path, f"expected an object, got {_kind_name(type(item))}")
    for name, kind, required in spec:
        value = _value(item, name)
        if value is None:
            if required:
                r.fail(path, f"required key {name!r} is missing")
        elif type(value) is not kind:
            r.fail(f"{path}.{name}", f"expected {_kind_name(kind)}, got {_kind_name(type(value))}")


def _check_apis(r: _Reader, apis: list, path: str) -> None:
    """Fail on the first mistake in a scope's APIs, in document order."""
    for index, api in enumerate(apis):
        api_path = f"{path}[{index}]"
        _check_item(r, _API, api, api_path)
        for key, spec in _API_LISTS:
            items = api.get(key)
            if items is None:
                continue
            if type(items) is not list:
                r.fail(f"{api_path}.{key}", f"expected a list, got {_kind_name(type(items))}{_items_hint(items)}")
            for item_index, item in enumerate(items):
                _check_item(r, spec, item, f"{api_path}.{key}[{item_index}]")


def _without_nulls(item: dict) -> dict:
    """An object with its null values left out: the reader takes null as absent, where msgspec would
    reject it for a field with a non-null default (RouteId, AuthorizationType, AutoDeploy...)."""
    out = {}
    for key, value in item.items():
        if value is None:
            continue
        if type(value) is list and key in _NESTED_LISTS:
            value = [_without_nulls(v) if type(v) is dict else v for v in value]
        out[key] = value
    return out


_NESTED_LISTS = {key for key, _ in _API_LISTS}


def _convert(r: _Reader, items: list, model, path: str, check) -> list:
    """A list of objects as model Structs, converted in C; on a mistake, check(r, items, path) names it."""
    try:
        return msgspec.convert(items, list[model])
    except msgspec.ValidationError:
        pass
    check(r, items, path)
    try:  # no mistake the reader knows: nulls msgspec takes for values
        return msgspec.convert([_without_nulls(item) for item in items], list[model])
    except msgspec.ValidationError as exc:
        r.fail(path, str(exc).replace("`$", "`" + path))


def _check_functions(r: _Reader, functions: list, path: str) -> None:
    """Fail on the first mistake in a scope's functions, in document order (a policy before the next function)."""
    for index, item in enumerate(functions):
        _check_item(r, _FUNCTION, item, f"{path}[{index}]")
        _read_policy(r, item.get("Policy"), f"{path}[{index}]")


def _adopt_api(api: Api, scope: Scope, index: int, raw: dict | None) -> None:
    """Link an API decoded or converted into the model to its scope, and its children to it. raw: the
    input's object when it is at hand (None: read back when asked, see model._Listed.raw)."""
    api.scope, api.index, api.raw_item = scope, index, raw
    api.has_routes, api.routes = _adopt_children(api, api.routes, raw, "Routes")
    api.has_integrations, api.integrations = _adopt_children(api, api.integrations, raw, "Integrations")
    api.has_stages, api.stages = _adopt_children(api, api.stages, raw, "Stages")
    api.has_authorizers, api.authorizers = _adopt_children(api, api.authorizers, raw, "Authorizers")
    for integration in api.integrations:
        uri = integration.uri
        integration.function_ref = parse_function_uri(uri) if uri else None


def _adopt_children(api: Api, children: list | None, raw: dict | None, key: str) -> tuple[bool, list]:
    """(listed?, children) of one of an API's lists, each child linked to the API and its place."""
    if children is None:
        return False, []
    if raw is None:
        for index, child in enumerate(children):
            child.api, child.index = api, index
            if child.raw_item is not None:  # (what a document wrote there: dropped; assigning None costs more)
                child.raw_item = None
    else:
        for index, (child, item) in enumerate(zip(children, raw[key])):
            child.api, child.index, child.raw_item = api, index, item
    return True, children


def _adopt_function(r: _Reader, function: Function, scope: Scope, index: int, raw: dict | None, path: str) -> None:
    """Link a function to its scope and read its policies (and its aliases' and versions')."""
    function.scope, function.index, function.raw_item = scope, index, raw
    function.aliases, function.versions, function.has_aliases, function.has_versions = {}, {}, False, False
    if function.name is None:
        function.name = function.arn.rsplit(":", 1)[-1]
    statements = _read_policy(r, function.policy, path, function) if function.policy is not None else []
    if function.alias_items is not None or function.version_items is not None:
        statements += _read_qualifiers(r, function, path)
        if function.aliases or function.versions:
            statements = _dedupe(statements)
    function.statements = statements


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


def _read_qualifiers(r: _Reader, function: Function, path: str) -> list:
    """A function's aliases and versions, each with its own policy: their statements."""
    arn = function.arn
    lists = {"Aliases": function.alias_items, "Versions": function.version_items}
    statements = []
    aliases = r.items(lists, "Aliases", path)
    function.has_aliases = aliases is not None
    for p, item in aliases or ():
        name = r.field(item, "Name", str, p, required=True)
        function.aliases[name] = Qualifier(function, item, name, r.field(item, "AliasArn", str, p, default=f"{arn}:{name}"),
                                           "alias", r.location(item, p))
        statements += _read_policy(r, item.get("Policy"), p, function)
    versions = r.items(lists, "Versions", path)
    function.has_versions = versions is not None
    for p, item in versions or ():
        name = r.field(item, "Version", str, p, required=True)
        function.versions[name] = Qualifier(function, item, name, r.field(item, "FunctionArn", str, p, default=f"{arn}:{name}"),
                                            "version", r.location(item, p))
        statements += _read_policy(r, item.get("Policy"), p, function)
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
    from auditor.core.limits import apply_aws_limits
    apply_aws_limits(document)  # what AWS itself cannot hold is reported (AGW000), never processed
    scope_items = r.items(document, "Scopes", "$")
    if scope_items is None:
        r.fail("$", "required key 'Scopes' is missing")
    scopes = []
    for path, raw in scope_items:
        scope = _scope(r, raw, path)
        api_items = _list_field(r, raw, "Apis", path)
        apis = _convert(r, api_items, Api, f"{path}.Apis", _check_apis) if api_items else []
        for index, (api, item) in enumerate(zip(apis, api_items)):
            _adopt_api(api, scope, index, item)
        function_items = _list_field(r, raw, "Functions", path)
        functions = _convert(r, function_items, Function, f"{path}.Functions", _check_functions) \
            if function_items else []
        for index, (function, item) in enumerate(zip(functions, function_items)):
            _adopt_function(r, function, scope, index, item, f"{path}.Functions[{index}]")
        _finish_scope(r, scope, apis, functions, raw.get("Roles"), raw.get("Errors"), path, raw.get("DomainNames"))
        if "RestApis" in raw or "UsagePlans" in raw:
            _read_rest(r, scope, raw, path)
        scopes.append(scope)
    return Snapshot(scopes=scopes, files=[file])


def _read_rest(r: _Reader, scope: Scope, raw: dict, path: str) -> None:
    """A scope's REST APIs and usage plans (CONTRACTS.md, "REST APIs"): AWS's camelCase shapes."""
    items = _list_field(r, raw, "RestApis", path)
    apis = _convert_rest(r, items, RestApi, f"{path}.RestApis") if items else []
    for index, (api, item) in enumerate(zip(apis, items)):
        adopt_rest_api(api, scope, index, item)
    scope.rest_apis = apis
    scope.rest_collected = raw.get("RestApis") is not None
    if raw.get("UsagePlans") is not None:
        plans_items = _list_field(r, raw, "UsagePlans", path)
        plans = _convert_rest(r, plans_items, UsagePlan, f"{path}.UsagePlans") if plans_items else []
        for index, (plan, item) in enumerate(zip(plans, plans_items)):
            plan.scope, plan.index, plan.raw_item = scope, index, item
        scope.usage_plans = plans


def _deep_without_nulls(value):
    if type(value) is dict:
        return {k: _deep_without_nulls(v) for k, v in value.items() if v is not None}
    if type(value) is list:
        return [_deep_without_nulls(v) for v in value]
    return value


def _convert_rest(r: _Reader, items: list, model, path: str) -> list:
    """REST objects nest (resources, methods, integrations): msgspec names the JSON path of a mistake."""
    try:
        return msgspec.convert(items, list[model])
    except msgspec.ValidationError:
        pass
    try:
        return msgspec.convert(_deep_without_nulls(items), list[model])
    except msgspec.ValidationError as exc:
        message, _, where = str(exc).partition(" - at `$")
        r.fail(path + _name_method(items, where.rstrip("`")), message)


def _name_method(items: list, where: str) -> str:
    """msgspec writes a map key as `[...]`: name the resourceMethods verb whose method is wrong."""
    head, marker, tail = where.partition(".resourceMethods[...]")
    if not marker:
        return where
    import re
    indexes = [int(i) for i in re.findall(r"\[(\d+)\]", head)]
    try:
        methods = items[indexes[0]]["Resources"][indexes[1]]["resourceMethods"]
        from auditor.core.model import RestMethod
        for verb, method in methods.items():
            try:
                msgspec.convert(_deep_without_nulls(method), RestMethod)
            except msgspec.ValidationError:
                return f"{head}.resourceMethods.{verb}{tail}"
    except (IndexError, KeyError, TypeError, AttributeError):
        pass
    return where


def adopt_rest_api(api: RestApi, scope: Scope, index: int, raw: dict | None) -> None:
    """Link a REST API to its scope, its lists' objects to it, and build its methods (auditor.core.rest.link)."""
    from auditor.core.rest import link
    api.scope, api.index, api.raw_item = scope, index, raw
    for key, attribute, flag in (("Resources", "resources", "has_resources"), ("Stages", "stages", "has_stages"),
                                 ("Deployments", "deployments", "has_deployments"),
                                 ("Authorizers", "authorizers", "has_authorizers"),
                                 ("GatewayResponses", "gateway_responses", "has_gateway_responses")):
        children = getattr(api, attribute)
        setattr(api, flag, children is not None)
        children = children if children is not None else []
        setattr(api, attribute, children)
        raws = raw.get(key) if raw is not None else None
        for child_index, child in enumerate(children):
            child.api, child.index = api, child_index
            child.raw_item = raws[child_index] if raws is not None else None
    link(api)


def _list_field(r: _Reader, raw: dict, key: str, path: str) -> list:
    items = raw.get(key)
    if items is None:
        return []
    if type(items) is not list:
        r.fail(f"{path}.{key}", f"expected a list, got {_kind_name(type(items))}{_items_hint(items)}")
    return items


def _scope(r: _Reader, raw: dict, path: str) -> Scope:
    return Scope(account=r.field(raw, "AccountId", str, path, required=True),
                 region=r.field(raw, "Region", str, path, required=True),
                 complete=r.field(raw, "Complete", bool, path, default=False), location=Location(r.file, path))


def _finish_scope(r: _Reader, scope: Scope, apis: list, functions: list, roles, errors, path: str,
                  domains=None) -> None:
    """The scope's APIs and functions, and its roles, custom domains and collection errors read from their documents."""
    scope.apis, scope.functions = apis, functions
    if domains is not None:  # (imported only then)
        from auditor.core.domains import DomainShapeError, read_domain_names
        try:
            scope.domain_names = read_domain_names(domains, path)
        except DomainShapeError as exc:
            r.fail(exc.where, exc.message)
    for domain in scope.domain_names:
        domain.scope = scope
    lists = {"Roles": roles, "Errors": errors}
    read = (_read_role(r, scope, item, p) for p, item in r.items(lists, "Roles", path) or ())
    scope.roles = [role for role in read if role is not None]
    for p, item in r.items(lists, "Errors", path) or ():
        scope.errors.append(ScopeError(operation=r.field(item, "Operation", str, p, default="?"),
                                       resource=r.field(item, "Resource", str, p, default=""),
                                       code=r.field(item, "Code", str, p, default=""),
                                       message=r.field(item, "Message", str, p, default=""),
                                       location=Location(r.file, p)))


def load_snapshot_file(path: str | os.PathLike) -> Snapshot:
    snapshot = try_load_snapshot(path)
    if snapshot is not None:
        return snapshot
    file = str(path)
    return read_snapshot_document(read_json(file), file)


def try_load_snapshot(path: str | os.PathLike) -> Snapshot | None:
    """A large snapshot file decoded straight into the model; None when the file is no snapshot or the
    fast reader declines it, for the general reader (auditor.iac.load_file) to read or reject with its
    own message."""
    file = str(path)
    try:
        info = os.stat(file)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode) or info.st_size < FAST_MIN_BYTES:  # a pipe is read once, by the reader
        return None
    mapped = _mapped(file)
    if mapped is not None:
        with mapped:
            if mapped.find(b'"SnapshotVersion"') == -1:  # templates, plans, YAML: not decoded twice
                return None
            snapshot = fast_read(mapped, file)
        if snapshot is not None:
            return snapshot
    data = read_bytes(file)
    if mapped is None:  # (a mapped file was looked at and declined above)
        if b'"SnapshotVersion"' not in data:  # templates, plans, YAML: not decoded twice
            return None
        snapshot = fast_read(data, file)
        if snapshot is not None:
            return snapshot
    document = fast_decode(data)  # declined: the general reader's model, from msgspec's faster JSON decoding
    del data  # a large snapshot's bytes go before its model is built: peak memory is the decoder's
    if type(document) is not dict or "SnapshotVersion" not in document:
        return None
    return read_snapshot_document(document, file)


def _mapped(file: str) -> mmap.mmap | None:
    """The file mapped into memory, for the fast reader to decode in place: reading 35 MB into a bytes object
    first costs about 15% of decoding it. None where mapping fails (the reader then reads the file and names
    any error) or where fast_read must scan the bytes itself (_limit_bounds_nesting). Nothing decoded keeps a
    view of the mapping (msgspec copies every string), so it is closed as soon as the model is built; a file
    another process cuts short during those tenths of a second would end this one (SIGBUS), a file changed
    after it is caught by the stamp (_raw_reader)."""
    if not _limit_bounds_nesting():
        return None
    files.current_file = file  # (named by the CLI's last-resort messages, as read_bytes does)
    try:
        with open(file, "rb") as handle:
            return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return None


class _SnapshotDocument(msgspec.Struct):
    SnapshotVersion: Any = _MISSING
    Scopes: "list[_ScopeDocument] | None" = None


class _ScopeDocument(msgspec.Struct):
    AccountId: str
    Region: str
    Complete: bool = False
    Apis: list[Api] | None = None
    Functions: list[Function] | None = None
    Roles: Any = None
    Errors: Any = None
    RestApis: list[RestApi] | None = None
    UsagePlans: list[UsagePlan] | None = None
    DomainNames: Any = None


class _Declined(Exception):
    """The fast reader leaves this input to the general one."""


def fast_read(data: bytes, file: str) -> Snapshot | None:
    """A snapshot decoded by msgspec straight into the model's Structs, or None for the general reader.

    Typed decoding in C builds no dict for the 100,000 routes of a large snapshot; each object's `raw`
    is read back from the file only if something asks for it (custom rules, fix plans). Anything the
    general reader would treat differently declines: JSON msgspec rejects (BOMs, UTF-16, NaN, lone
    surrogates, 4,301-digit integers), deep nesting, a null or wrongly typed field, a value beyond
    AWS's limits (auditor.core.limits), any policy the reader rejects. So results, errors and AGW000s are
    always the general reader's."""
    bounded = _limit_bounds_nesting()
    if len(data) < FAST_MIN_BYTES or (not bounded and may_nest_deeper(bytes(data), FAST_MAX_DEPTH)):
        return None
    try:
        document = _decode_within_limit(_DECODER, data) if bounded else _DECODER.decode(data)
        if document.SnapshotVersion != SNAPSHOT_VERSION or document.Scopes is None:
            return None
        stamp = _stamp(file)
        r = _Reader(file)
        scopes = []
        for scope_index, wire in enumerate(document.Scopes):
            path = f"$.Scopes[{scope_index}]"
            scope = Scope(account=wire.AccountId, region=wire.Region, complete=wire.Complete,
                          location=Location(file, path))
            scope.raw_source = _raw_reader(file, stamp, scope_index)
            apis = wire.Apis or []
            for index, api in enumerate(apis):
                _adopt_api(api, scope, index, None)
            functions = wire.Functions or []
            for index, function in enumerate(functions):
                policy = function.policy
                if (type(policy) is str and len(policy) > _POLICY_CHARACTERS_SAFE or function.alias_items is not None
                        or function.version_items is not None) and _policy_beyond_limit(function):
                    return None
                _adopt_function(r, function, scope, index, None, f"{path}.Functions[{index}]")
            _finish_scope(r, scope, apis, functions, wire.Roles, wire.Errors, path, wire.DomainNames)
            if wire.RestApis is not None:
                scope.rest_apis, scope.rest_collected = wire.RestApis, True
                for index, api in enumerate(wire.RestApis):
                    adopt_rest_api(api, scope, index, None)
            if wire.UsagePlans is not None:
                scope.usage_plans = wire.UsagePlans
                for index, plan in enumerate(wire.UsagePlans):
                    plan.scope, plan.index, plan.raw_item = scope, index, None
            scopes.append(scope)
    except (msgspec.MsgspecError, RecursionError, ValueError, MemoryError):
        return None
    except (InputError, OSError):  # named by the general reader; the linked objects half built here go first
        import gc
        gc.collect()
        return None
    return Snapshot(scopes=scopes, files=[file])


_DECODER = msgspec.json.Decoder(_SnapshotDocument)


_POLICY_CHARACTERS_SAFE = MAX_POLICY_BYTES // 4  # UTF-8 takes at most 4 bytes a character: no shorter one is over


def _policy_beyond_limit(function: Function) -> bool:
    """A policy the general reader would drop (auditor.core.limits): the fast reader leaves it to it."""
    owners = [function.policy]
    for items in (function.alias_items, function.version_items):
        if type(items) is list:
            owners += [item.get("Policy") for item in items if type(item) is dict]
    return any(policy_size_beyond_limit(policy) for policy in owners)


def _stamp(file: str) -> tuple:
    info = os.stat(file)
    return info.st_size, info.st_mtime_ns


def _raw_reader(file: str, stamp: tuple, scope_index: int):
    """Reads one scope of the file as plain JSON, when an object's `raw` is first asked for."""
    def read() -> dict:
        if _stamp(file) != stamp:
            raise InputError("changed while being audited; audit it again", file=file)
        return msgspec.json.decode(read_bytes(file))["Scopes"][scope_index]
    return read


# Deeper than this, or anything else msgspec declines, goes to the general reader (auditor.files), which
# applies its own limits and names what is wrong; snapshots nest about ten levels deep.
FAST_MAX_DEPTH = 100
# Below this size json.loads is done before msgspec is imported: small files keep the plain reader.
FAST_MIN_BYTES = 1 << 20


def _stack_depth() -> int:
    frame, depth = sys._getframe(1), 1
    while frame is not None:
        frame, depth = frame.f_back, depth + 1
    return depth


def _limit_bounds_nesting() -> bool:
    """May fast_read bound the document's nesting by the recursion limit instead of scanning its brackets?

    msgspec counts every nested array and object against the interpreter's recursion limit, even in keys it
    skips, so a limit just above the current depth bounds the nesting in C at no cost, where a scan of the
    brackets (files.may_nest_deeper) reads the whole document once more (~7% of decoding 35 MB). Only where
    the probe below shows the limit bounds msgspec (CPython 3.11 does; later versions count C recursion
    apart), and only while no other thread runs: the limit is the whole interpreter's."""
    return _BOUNDED_BY_LIMIT and threading.active_count() == 1


def _decode_within_limit(decoder: msgspec.json.Decoder, data: bytes):
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(_stack_depth() + _NESTING_ROOM)
    try:
        return decoder.decode(data)
    finally:
        sys.setrecursionlimit(limit)


# The room left for a document's nesting: its typed levels (Scopes, Apis, Routes...) and FAST_MAX_DEPTH more.
_NESTING_ROOM = FAST_MAX_DEPTH + 20


def _limit_bounds_msgspec() -> bool:
    """Does the recursion limit bound msgspec's nesting here: FAST_MAX_DEPTH levels decode, twice that fail?"""
    def nested(depth: int) -> bytes:
        return b"[" * depth + b"]" * depth
    try:
        _decode_within_limit(msgspec.json.Decoder(), nested(FAST_MAX_DEPTH))
    except RecursionError:
        return False
    try:
        _decode_within_limit(msgspec.json.Decoder(), nested(2 * FAST_MAX_DEPTH))
    except RecursionError:
        return True
    return False


_BOUNDED_BY_LIMIT = _limit_bounds_msgspec()


def fast_decode(data: bytes):
    """The document msgspec decodes in C (about 1.5x as fast as json.loads, exact big integers), or None.

    msgspec takes strict UTF-8 JSON only; where it accepts a document, json.loads returns the same
    values (same floats, last of duplicate keys, key order). Everything it rejects (BOMs, UTF-16,
    NaN, lone surrogates, 4,301-digit integers, syntax errors) and anything nested deeper than
    FAST_MAX_DEPTH returns None, so errors and limits stay those of the general reader."""
    if len(data) < FAST_MIN_BYTES or may_nest_deeper(data, FAST_MAX_DEPTH):
        return None
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
    conflicts = _dedupe_objects(files_scopes, "apis", "API", attrgetter("id")) + \
        _dedupe_objects(files_scopes, "functions", "Function", attrgetter("arn")) + \
        _dedupe_objects(files_scopes, "roles", "Role", attrgetter("arn")) + \
        (_dedupe_objects(files_scopes, "rest_apis", "API", attrgetter("id"))
         if any(s.rest_apis for s in files_scopes) else [])
    snapshot = Snapshot(scopes=scopes, files=files, conflicts=conflicts)
    from auditor.redact import redact_model
    redact_model(snapshot)  # no report shows a URI's password (AGW000 at info says one was taken out)
    return snapshot


def _dedupe_objects(scopes: list[Scope], attribute: str, kind: str, key) -> list[Conflict]:
    """Keep one of each (account, region, key) across scopes; the conflicts between different copies."""
    if len({(scope.account, scope.region) for scope in scopes}) == len(scopes) and all(
            len(set(map(key, objects))) == len(objects) for objects in (getattr(s, attribute) for s in scopes)):
        return []  # the usual case, in C: one scope per account and region, nothing in it twice
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

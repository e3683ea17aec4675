"""House rules without Python: TOML or YAML entries that select resources with JMESPath.

A rules file holds a list `rules`; each entry becomes a Rule subclass, so custom rules go
through the same registry, selection, severity overrides, suppressions and reports as the
built-in ones. Everything is checked when the file is loaded (missing or unknown field, bad
severity, bad JMESPath, bad template, an id that clashes with another rule): the error names
the file and the rule id, and the CLI exits 2.

    [[rules]]
    id = "ORG001"                       # upper-case letters then digits; AGW is reserved
    name = "route-needs-authorizer"
    severity = "high"
    title = "Every route needs an authorizer"
    select = "Apis[].Routes[?AuthorizationType == 'NONE'][]"
    message = "Route `{RouteKey}` of API {ApiName} ({ApiId}) has no authorizer."
    # optional: rationale, fix, client_sees, remediation (a templated command)

`select` runs over the plain-dict view built by `snapshot_view` (documented in docs/team.md);
each selected item must be an object of that view (an API, route, integration, stage,
authorizer, function or statement): its identity fields give the finding a stable resource and
fingerprint, and `{Key}` placeholders in message and remediation are filled from it
(`{Key!q}` shell-quotes the value, `{Tags[team]}` reads inside a field).
"""

import re
import string
from pathlib import Path

from auditor.errors import InputError, UsageError
from auditor.escape import shell_word
from auditor.files import read_text
from auditor.findings import Fix, Resource, Severity

REQUIRED = ("id", "name", "severity", "title", "select", "message")
OPTIONAL = ("rationale", "fix", "client_sees", "remediation")
ID_PATTERN = re.compile(r"^[A-Z]+[0-9]+$")
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
RESERVED_PREFIX = "AGW"
KINDS = ("api", "route", "integration", "stage", "authorizer", "function", "statement")


# --- the view the expressions run over -------------------------------------------------------

def _without(raw: dict, *keys: str) -> dict:
    return {k: v for k, v in raw.items() if k not in keys}


def _route_parts(key: str) -> tuple[str | None, str | None]:
    if key == "$default":
        return None, None
    method, _, path = key.partition(" ")
    return method, path or None


def snapshot_view(snapshot) -> tuple[dict, dict[int, object]]:
    """The snapshot as plain dicts in AWS's PascalCase, plus id(item) -> model object.

    {"Scopes": [{"AccountId", "Region", "Complete"}],
     "Apis": [api + {"Kind": "api", "AccountId", "Region",
              "Routes": [route + {"Kind", "AccountId", "Region", "ApiId", "ApiName", "Method", "Path"}],
              "Integrations": [integration + {..., "FunctionArn" when it invokes a Lambda function}],
              "Stages": [...], "Authorizers": [...]}],
     "Functions": [function + {"Kind": "function", "AccountId", "Region",
                   "Statements": [{"Kind": "statement", "Sid", "Effect", "Services", "Public", "Actions",
                                   "Resources", "SourceArns", "SourceAccounts", "SourceArnAccounts",
                                   "OrgIds", "InvokableByApiGateway", "FunctionArn", "FunctionName",
                                   "AccountId", "Region"}]}]}
    """
    from auditor.core.arns import parse_function_uri, parse_source_arn

    owners: dict[int, object] = {}

    def keep(item: dict, owner) -> dict:
        owners[id(item)] = owner
        return item

    view = {"Scopes": [], "Apis": [], "Functions": []}
    for scope in snapshot.scopes:
        where = {"AccountId": scope.account, "Region": scope.region}
        view["Scopes"].append({**where, "Complete": scope.complete})
        for api in scope.apis:
            ids = {**where, "ApiId": api.id, "ApiName": api.name}
            routes = []
            for route in api.routes:
                method, path = _route_parts(route.key)
                routes.append(keep({**route.raw, "Kind": "route", **ids, "RouteKey": route.key,
                                    "AuthorizationType": route.authorization_type, "Method": method, "Path": path},
                                   route))
            integrations = []
            for integration in api.integrations:
                item = {**integration.raw, "Kind": "integration", **ids}
                ref = parse_function_uri(integration.uri) if integration.uri else None
                if ref is not None:
                    item["FunctionArn"] = ref.arn
                integrations.append(keep(item, integration))
            stages = [keep({**stage.raw, "Kind": "stage", **ids}, stage) for stage in api.stages]
            authorizers = [keep({**a.raw, "Kind": "authorizer", **ids}, a) for a in api.authorizers]
            view["Apis"].append(keep({**_without(api.raw, "Routes", "Integrations", "Stages", "Authorizers"),
                                      "Kind": "api", **where, "ApiId": api.id, "Name": api.name,
                                      "ProtocolType": api.protocol_type, "Tags": api.tags,
                                      "Routes": routes, "Integrations": integrations, "Stages": stages,
                                      "Authorizers": authorizers}, api))
        for function in scope.functions:
            ids = {**where, "FunctionArn": function.arn, "FunctionName": function.name}
            statements = []
            for s in function.statements:
                source_accounts = None
                if s.source_arns is not None:
                    parsed = [parse_source_arn(arn) for arn in s.source_arns]
                    source_accounts = [p.account if p else "?" for p in parsed]
                statements.append(keep({
                    "Kind": "statement", "Sid": s.sid, "Effect": s.effect, "Services": list(s.services),
                    "Public": s.public, "Actions": list(s.actions), "Resources": list(s.resources),
                    "SourceArns": list(s.source_arns) if s.source_arns is not None else None,
                    "SourceAccounts": list(s.source_accounts) if s.source_accounts is not None else None,
                    "SourceArnAccounts": source_accounts,
                    "OrgIds": list(s.org_ids) if s.org_ids is not None else None,
                    "InvokableByApiGateway": s.is_allow and s.invokable_by_apigateway, **ids}, (function, s)))
            view["Functions"].append(keep({**_without(function.raw, "Policy"), "Kind": "function", **ids,
                                           "Tags": function.tags, "Statements": statements}, function))
    return view, owners


def _resource(item: dict) -> Resource | None:
    """The finding's resource, from the item's identity fields (so fingerprints are stable)."""
    kind = item.get("Kind")
    text = lambda key: item.get(key) if isinstance(item.get(key), str) else None  # noqa: E731
    where = dict(account=text("AccountId"), region=text("Region"))
    if kind is None:  # a projection: infer what it identifies
        kind = ("statement" if text("Sid") is not None and text("FunctionArn") else
                "route" if text("RouteKey") else "integration" if text("IntegrationId") else
                "stage" if text("StageName") else "authorizer" if text("AuthorizerId") and text("ApiId") else
                "api" if text("ApiId") else "function" if text("FunctionArn") else None)
    if kind == "statement":
        return Resource(**where, function_arn=text("FunctionArn"), statement_id=text("Sid"))
    if kind == "function":
        return Resource(**where, function_arn=text("FunctionArn"))
    if kind not in KINDS or not text("ApiId"):
        return None
    resource = Resource(**where, api_id=text("ApiId"))
    if kind == "route":
        resource.route_key = text("RouteKey")
    elif kind == "integration":
        resource.integration_id = text("IntegrationId")
        resource.function_arn = text("FunctionArn")
    elif kind == "stage":
        resource.stage = text("StageName")
    elif kind == "authorizer":
        resource.authorizer_id = text("AuthorizerId")
    return resource


def _location(owner):
    if isinstance(owner, tuple):  # (function, statement)
        function, statement = owner
        from auditor.core.model import Location
        base = function.location
        return Location(base.file, statement.path or base.path, base.line, base.resource, base.input_type)
    return getattr(owner, "location", None)


# --- templates -------------------------------------------------------------------------------

_FIELD = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)((?:\[[^\[\]]+\])*)$")


def _split_field(field_name: str) -> tuple[str, list] | None:
    """`Tags[team]` -> ("Tags", ["team"]); `Items[0]` -> ("Items", [0]); None when malformed."""
    match = _FIELD.match(field_name)
    if not match:
        return None
    keys = [int(k) if k.lstrip("-").isdigit() else k for k in re.findall(r"\[([^\[\]]+)\]", match.group(2))]
    return match.group(1), keys


class _Template(string.Formatter):
    """`{Key}`, `{Key[sub]}` and `{Key!q}` (shell-quoted); a missing value renders as `-`."""

    def get_field(self, field_name, args, kwargs):
        first, keys = _split_field(field_name) or (field_name, [])
        value = kwargs.get(first)
        for key in keys:
            if isinstance(value, dict):
                value = value.get(str(key))
            elif isinstance(value, list) and isinstance(key, int) and -len(value) <= key < len(value):
                value = value[key]
            else:
                value = None
        return value, first

    def convert_field(self, value, conversion):
        if value is None:
            value = "-"
        elif isinstance(value, (list, dict)):
            import json
            value = json.dumps(value, separators=(",", ":"))
        if conversion == "q":
            return shell_word(value)
        return super().convert_field(value, conversion)

    def format_field(self, value, format_spec):
        return format(str(value) if not isinstance(value, str) else value, format_spec)


_TEMPLATE = _Template()


def _template_problem(text: str) -> str | None:
    try:
        for _, field_name, _, conversion in _TEMPLATE.parse(text):
            if field_name is None:
                continue
            if _split_field(field_name) is None:
                if "." in field_name:
                    return f"placeholder {{{field_name}}}: use {{Key[sub]}}, not attribute access"
                return f"placeholder {{{field_name}}} must name a field, e.g. {{RouteKey}} or {{Tags[team]}}"
            if conversion not in (None, "q", "s", "r"):
                return f"placeholder {{{field_name}!{conversion}}}: unknown conversion (use !q to shell-quote)"
    except ValueError as exc:
        return f"bad template: {exc}"
    return None


def render(text: str, item: dict) -> str:
    return _TEMPLATE.vformat(text, (), item)


# --- the generated rules ---------------------------------------------------------------------

class CustomRule:
    """Mixin for generated rules: select with JMESPath, one finding per selected item."""

    source_file: str = ""
    expression = None
    message_template: str = ""
    remediation_template: str = ""

    def check(self, ctx):
        cached = getattr(ctx, "_custom_rule_view", None)
        if cached is None:
            cached = snapshot_view(ctx.snapshot)
            ctx._custom_rule_view = cached
        view, owners = cached
        import jmespath.exceptions
        try:
            selected = self.expression.search(view)
        except (jmespath.exceptions.JMESPathError, TypeError, ValueError) as exc:  # jmespath's functions may raise
            # TypeError themselves (contains(RouteKey, `5`)): a mistake in the rule, not a traceback
            detail = f"a function got an argument of the wrong type ({exc})" if isinstance(exc, TypeError) else exc
            raise UsageError(f"{self.source_file}: rule {self.id}: `select` failed on the snapshot: {detail}") from None
        if selected is None:
            return
        for item in selected if isinstance(selected, list) else [selected]:
            if item is None:
                continue
            resource = _resource(item) if isinstance(item, dict) else None
            if resource is None:
                raise UsageError(
                    f"{self.source_file}: rule {self.id}: `select` must yield objects of the snapshot view (APIs, "
                    f"routes, integrations, stages, authorizers, functions or statements), got {_describe(item)}")
            remediation = (render(self.remediation_template, item) if self.remediation_template
                           else f"# {self.fix}" if self.fix else f"# see rule {self.id} ({self.name})")
            yield self.finding(ctx, render(self.message_template, item), resource, _location(owners.get(id(item))),
                               remediation, Fix("review", {"Rule": self.id}))


def _describe(item) -> str:
    if isinstance(item, dict):
        return "an object without ApiId/FunctionArn identity fields"
    return f"{type(item).__name__} {item!r}"[:80]


def _fail(file: str, where: str, message: str) -> InputError:
    return InputError(message, file=file, path=where)


def _read_entries(path: Path) -> list:
    file = str(path)
    text = read_text(path, "rules file")
    suffix = path.suffix.lower()
    if suffix == ".toml":
        import tomllib
        try:
            document = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"invalid TOML: {exc}", file=file) from None
    elif suffix in (".yaml", ".yml"):
        from auditor.iac.yamlload import load_yaml_text  # the safe loader with the alias and depth bounds
        document = load_yaml_text(text, file)
    else:
        raise InputError("a rules file must end in .toml, .yaml or .yml", file=file)
    if not isinstance(document, dict) or set(document) != {"rules"} or not isinstance(document["rules"], list):
        raise InputError("a rules file holds one key, `rules`: a list of rule entries", file=file)
    return document["rules"]


def _make_rule(file: str, index: int, entry, taken: dict) -> type:
    import jmespath
    import jmespath.exceptions

    where = f"rules[{index}]"
    if not isinstance(entry, dict):
        raise _fail(file, where, "a rule entry must be a table/mapping")
    rule_id = entry.get("id")
    label = f"rule {rule_id}" if isinstance(rule_id, str) and rule_id else f"rule #{index + 1} (no id)"
    for key in REQUIRED:
        if key not in entry or not isinstance(entry[key], str) or not entry[key].strip():
            problem = "is missing" if key not in entry else "must be a non-empty string"
            raise _fail(file, f"{where}.{key}", f"{label}: field `{key}` {problem}")
    for key in entry:
        if key not in REQUIRED + OPTIONAL:
            raise _fail(file, f"{where}.{key}",
                        f"{label}: unknown field `{key}`; fields: {', '.join(REQUIRED + OPTIONAL)}")
        if not isinstance(entry[key], str):
            raise _fail(file, f"{where}.{key}", f"{label}: field `{key}` must be a string")
    if not ID_PATTERN.match(rule_id):
        raise _fail(file, f"{where}.id", f"{label}: an id is upper-case letters then digits, e.g. ORG001")
    if rule_id.startswith(RESERVED_PREFIX):
        raise _fail(file, f"{where}.id", f"{label}: the {RESERVED_PREFIX} prefix is reserved for built-in rules")
    if not NAME_PATTERN.match(entry["name"]):
        raise _fail(file, f"{where}.name", f"{label}: a name is lower-case words joined by `-`")
    for other_key, value in (("id", rule_id), ("name", entry["name"])):
        if value in taken:
            raise _fail(file, f"{where}.{other_key}", f"{label}: {other_key} {value!r} is already used by {taken[value]}")
    try:
        severity = Severity.parse(entry["severity"])
    except ValueError as exc:
        raise _fail(file, f"{where}.severity", f"{label}: {exc}") from None
    try:
        expression = jmespath.compile(entry["select"])
    except jmespath.exceptions.JMESPathError as exc:
        detail = " ".join(str(exc).split())
        raise _fail(file, f"{where}.select", f"{label}: bad JMESPath expression: {detail}") from None
    for key in ("message", "remediation"):
        problem = _template_problem(entry.get(key, ""))
        if problem:
            raise _fail(file, f"{where}.{key}", f"{label}: {problem}")
    attrs = {
        "id": rule_id, "name": entry["name"], "severity": severity, "title": entry["title"],
        "rationale": entry.get("rationale", ""), "fix": entry.get("fix", ""),
        "client_sees": entry.get("client_sees", ""), "source_file": file, "expression": expression,
        "message_template": entry["message"], "remediation_template": entry.get("remediation", ""),
        "__module__": f"custom rules file {file}",
        "__doc__": entry["title"],
    }
    from auditor.engine import Rule
    return type(f"CustomRule_{rule_id}", (CustomRule, Rule), attrs)


def load_rule_files(paths: list[str], existing: list) -> list[type]:
    """Rule classes from the given files, checked against each other and the `existing` rules."""
    taken: dict[str, str] = {}
    for rule in existing:
        taken[rule.id] = f"built-in or plugin rule {rule.id}"
        taken[rule.name] = f"rule {rule.id}"
    out = []
    seen_files = set()
    for given in paths:
        path = Path(given)
        key = path.resolve()
        if key in seen_files:
            continue
        seen_files.add(key)
        for index, entry in enumerate(_read_entries(path)):
            rule = _make_rule(str(given), index, entry, taken)
            taken[rule.id] = f"rule {rule.id} in {given}"
            taken[rule.name] = f"rule {rule.id} in {given}"
            out.append(rule)
    return out

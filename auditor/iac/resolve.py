"""Symbolic evaluation of CloudFormation intrinsics (Ref, GetAtt, Sub, Join, Select, If, ...).

Resources get placeholder physical ids that are stable and readable: an API, route, integration or
authorizer is known by its logical id, a function by its FunctionName (or logical id), so that
`!Sub integrations/${MyIntegration}` links to that integration and a Permission's
`!Sub arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${HttpApi}/*` matches that API.
Whatever cannot be known before deployment (ImportValue, nested stack outputs, parameters without
a value, unknown conditions) becomes a string holding `${unresolved:<what>}`, which the rules
treat as "cannot check" (auditor.core.arns.is_unresolved).
"""

import json
import re
from dataclasses import dataclass, field

from auditor.core.arns import UNRESOLVED_MARK, is_unresolved, partition_for_region
from auditor.iac.yamlload import LineDict

DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT = "123456789012"
DEFAULT_STACK = "stack"
NO_VALUE = object()


def unresolved(what: str) -> str:
    return f"{UNRESOLVED_MARK}{what}}}"


@dataclass
class Settings:
    """What a template leaves open: --region, --account, --parameter Key=Value."""

    region: str = DEFAULT_REGION
    account: str = DEFAULT_ACCOUNT
    parameters: dict = field(default_factory=dict)

    @property
    def partition(self) -> str:
        return partition_for_region(self.region)


_SUB_VAR = re.compile(r"\$\{([^}]*)\}")


class Resolver:
    """Evaluate intrinsics of one template against its resources, parameters and pseudo parameters."""

    def __init__(self, template: dict, settings: Settings, physical):
        self.template = template
        self.settings = settings
        self.resources = template.get("Resources") or {}
        self.mappings = template.get("Mappings") or {}
        self.conditions_raw = template.get("Conditions") or {}
        self.parameters_raw = template.get("Parameters") or {}
        self.missing_parameters: set[str] = set()  # referenced, with no Default and no --parameter value
        self.physical = physical  # callable(logical_id, attribute or None) -> value
        self._conditions: dict = {}
        pseudo = {
            "AWS::Region": settings.region, "AWS::AccountId": settings.account,
            "AWS::Partition": settings.partition, "AWS::StackName": DEFAULT_STACK,
            "AWS::StackId": f"arn:{settings.partition}:cloudformation:{settings.region}:{settings.account}:"
                            f"stack/{DEFAULT_STACK}/00000000-0000-0000-0000-000000000000",
            "AWS::URLSuffix": "amazonaws.com.cn" if settings.region.startswith("cn-") else "amazonaws.com",
        }
        for key in list(pseudo):
            if key in settings.parameters:
                pseudo[key] = settings.parameters[key]
        self.pseudo = pseudo

    # -- references -------------------------------------------------------------------------
    def ref(self, name):
        if not isinstance(name, str):
            return unresolved("Ref")
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.pseudo:
            return self.pseudo[name]
        if name.startswith("AWS::"):
            return unresolved(f"Ref {name}")
        if name in self.settings.parameters:
            return self._typed_parameter(name, self.settings.parameters[name])
        if isinstance(self.parameters_raw, dict) and name in self.parameters_raw:
            definition = self.parameters_raw.get(name) or {}
            if isinstance(definition, dict) and "Default" in definition:
                return self._typed_parameter(name, definition["Default"])
            self.missing_parameters.add(name)
            return unresolved(f"parameter {name}")
        if name in self.resources:
            return self.physical(name, None)
        return unresolved(f"Ref {name}")

    def _typed_parameter(self, name, value):
        definition = self.parameters_raw.get(name) if isinstance(self.parameters_raw, dict) else None
        kind = definition.get("Type", "") if isinstance(definition, dict) else ""
        if isinstance(kind, str) and (kind.startswith("List<") or kind == "CommaDelimitedList") and isinstance(value, str):
            return [part.strip() for part in value.split(",")]
        return value if not isinstance(value, (int, float)) or isinstance(value, bool) else str(value)

    def get_att(self, args):
        if isinstance(args, str):
            args = args.split(".", 1)
        if not isinstance(args, list) or len(args) != 2:
            return unresolved("GetAtt")
        logical, attribute = args[0], self.resolve(args[1])
        if not isinstance(logical, str) or not isinstance(attribute, str):
            return unresolved("GetAtt")
        if logical not in self.resources:
            return unresolved(f"GetAtt {logical}.{attribute}")
        return self.physical(logical, attribute)

    # -- conditions ---------------------------------------------------------------------------
    def condition(self, name) -> bool | None:
        """True, False, or None when the condition depends on something unknown."""
        if not isinstance(name, str) or not isinstance(self.conditions_raw, dict) or name not in self.conditions_raw:
            return None
        if name not in self._conditions:
            self._conditions[name] = None  # a cycle evaluates to unknown
            self._conditions[name] = self._truth(self.conditions_raw[name])
        return self._conditions[name]

    def _truth(self, expression) -> bool | None:
        if isinstance(expression, bool):
            return expression
        if isinstance(expression, str):
            return {"true": True, "false": False}.get(expression.lower())
        if not isinstance(expression, dict) or len(expression) != 1:
            return None
        (key, value), = expression.items()
        if key == "Condition":
            return self.condition(value)
        if key == "Fn::Equals" and isinstance(value, list) and len(value) == 2:
            left, right = self.resolve(value[0]), self.resolve(value[1])
            if _has_unresolved(left) or _has_unresolved(right):
                return None
            return _norm(left) == _norm(right)
        if key in ("Fn::And", "Fn::Or") and isinstance(value, list):
            results = [self._truth(v) for v in value]
            if key == "Fn::And":
                return False if False in results else None if None in results else True
            return True if True in results else None if None in results else False
        if key == "Fn::Not" and isinstance(value, list) and len(value) == 1:
            inner = self._truth(value[0])
            return None if inner is None else not inner
        return None

    # -- evaluation ---------------------------------------------------------------------------
    def resolve(self, value):
        """The value with every intrinsic evaluated (AWS::NoValue entries dropped)."""
        if isinstance(value, dict):
            if len(value) == 1:
                (key, arg), = value.items()
                if key == "Ref":
                    return self.ref(arg)
                if key.startswith("Fn::") or key == "Condition":
                    return self._function(key, arg)
            out = LineDict()
            if isinstance(value, LineDict):
                out.line, out.key_lines, out.file = value.line, value.key_lines, value.file
            for k, v in value.items():
                resolved = self.resolve(v)
                if resolved is not NO_VALUE:
                    out[k] = resolved
            return out
        if isinstance(value, list):
            return [r for r in (self.resolve(v) for v in value) if r is not NO_VALUE]
        return value

    def _function(self, key, arg):
        if key == "Fn::GetAtt":
            return self.get_att(arg)
        if key == "Fn::Sub":
            return self.sub(arg)
        if key == "Fn::Join":
            if not isinstance(arg, list) or len(arg) != 2:
                return unresolved("Join")
            delimiter, items = self.resolve(arg[0]), self.resolve(arg[1])
            if not isinstance(items, list):
                return items if isinstance(items, str) and is_unresolved(items) else unresolved("Join")
            return str(delimiter).join(_text(i) for i in items)
        if key == "Fn::Select":
            if not isinstance(arg, list) or len(arg) != 2:
                return unresolved("Select")
            index, items = self.resolve(arg[0]), self.resolve(arg[1])
            try:
                position = int(index)
            except (TypeError, ValueError):
                return unresolved("Select")
            if isinstance(items, list) and 0 <= position < len(items):
                return items[position]
            return unresolved("Select")
        if key == "Fn::Split":
            if not isinstance(arg, list) or len(arg) != 2:
                return unresolved("Split")
            delimiter, text = self.resolve(arg[0]), self.resolve(arg[1])
            if isinstance(text, str) and isinstance(delimiter, str) and delimiter and not is_unresolved(text):
                return text.split(delimiter)
            return unresolved("Split")
        if key == "Fn::If":
            if not isinstance(arg, list) or len(arg) != 3:
                return unresolved("If")
            truth = self.condition(arg[0])
            if truth is None:
                return unresolved(f"If {arg[0]}")
            return self.resolve(arg[1] if truth else arg[2])
        if key == "Fn::FindInMap":
            if not isinstance(arg, list) or len(arg) < 3:
                return unresolved("FindInMap")
            names = [self.resolve(a) for a in arg[:3]]
            try:
                return self.resolve(self.mappings[names[0]][names[1]][names[2]])
            except (KeyError, TypeError):
                if len(arg) == 4 and isinstance(arg[3], dict) and "DefaultValue" in arg[3]:
                    return self.resolve(arg[3]["DefaultValue"])
                return unresolved("FindInMap " + ".".join(_text(n) for n in names))
        if key == "Fn::ImportValue":
            name = self.resolve(arg)
            return unresolved(f"ImportValue {_text(name)}")
        if key == "Fn::Base64":
            return self.resolve(arg)
        if key == "Fn::ToJsonString":
            resolved = self.resolve(arg)
            return json.dumps(resolved, separators=(",", ":"))
        if key == "Fn::Length":
            resolved = self.resolve(arg)
            return len(resolved) if isinstance(resolved, list) else unresolved("Length")
        if key == "Condition":
            truth = self.condition(arg)
            return truth if truth is not None else unresolved(f"Condition {arg}")
        if key in ("Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not"):
            truth = self._truth({key: arg})
            return truth if truth is not None else unresolved(key[4:])
        return unresolved(key[4:] if key.startswith("Fn::") else key)

    def sub(self, arg):
        if isinstance(arg, str):
            text, variables = arg, {}
        elif isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) and isinstance(arg[1], dict):
            text, variables = arg[0], arg[1]
        else:
            return unresolved("Sub")

        def replace(match):
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            name = name.strip()
            if name in variables:
                return _text(self.resolve(variables[name]))
            if "." in name and not name.startswith("AWS::"):
                return _text(self.get_att(name.split(".", 1)))
            value = self.ref(name)
            return "" if value is NO_VALUE else _text(value)
        return _SUB_VAR.sub(replace, text)


def undefined_references(template: dict) -> list[str]:
    """`Ref X`, `Fn::GetAtt X.attr` and `${X}` / `${X.attr}` in `Fn::Sub` naming no parameter, resource or
    pseudo parameter anywhere in the template: CloudFormation rejects such a template ("Unresolved resource
    dependencies"), so auditing it as if deployable would pass what never deploys."""
    resources = template.get("Resources") if isinstance(template.get("Resources"), dict) else {}
    parameters = template.get("Parameters") if isinstance(template.get("Parameters"), dict) else {}
    defined = set(resources) | set(parameters)
    found: set[str] = set()

    def known(name: str) -> bool:
        return name.startswith("AWS::") or name in defined

    def walk(value, local=frozenset()):
        if isinstance(value, list):
            for item in value:
                walk(item, local)
        elif isinstance(value, dict):
            if len(value) == 1:
                key, arg = next(iter(value.items()))
                if key == "Ref" and isinstance(arg, str) and not known(arg):
                    found.add(f"Ref {arg}")
                elif key == "Fn::GetAtt":
                    logical = arg.split(".", 1)[0] if isinstance(arg, str) else (
                        arg[0] if isinstance(arg, list) and arg and isinstance(arg[0], str) else None)
                    if logical is not None and logical not in resources:
                        found.add(f"Fn::GetAtt {logical}")
                elif key == "Fn::Sub":
                    text, variables = (arg, {}) if isinstance(arg, str) else (
                        (arg[0], arg[1]) if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str)
                        and isinstance(arg[1], dict) else (None, {}))
                    walk(variables, local)
                    for match in _SUB_VAR.finditer(text or ""):
                        name = match.group(1).strip()
                        if name.startswith("!") or name in variables:
                            continue
                        head = name.split(".", 1)[0] if "." in name and not name.startswith("AWS::") else name
                        if not (known(head) if head == name else head in resources):
                            found.add(f"Fn::Sub ${{{name}}}")
                    return
            for item in value.values():
                walk(item, local)

    for section in ("Resources", "Outputs", "Conditions"):
        walk(template.get(section))
    return sorted(found)


def _text(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        return ",".join(_text(v) for v in value)
    return unresolved("non-string value")


def _norm(value):
    return _text(value) if not isinstance(value, (list, dict)) else json.dumps(value, sort_keys=True)


def _has_unresolved(value) -> bool:
    if isinstance(value, str):
        return is_unresolved(value)
    if isinstance(value, list):
        return any(_has_unresolved(v) for v in value)
    return isinstance(value, dict)


def as_int(value):
    """A template's number as an int, or None: booleans are not numbers, and a digit string longer than any AWS
    value (18 digits) is refused before int() would have to parse it (Python's 4,300-digit limit)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 18:
        return int(value)
    return None

"""A Terraform configuration as a tree of module instances, each with its variables, locals,
resources (expanded over count/for_each), outputs and calls to further modules.

Module sources: a local path (`./x`, `../x`) is read from disk with the caller's inputs; a
registry or git module is read from where `terraform init` put it (`.terraform/modules/
modules.json`); the two community modules this wiring is most often written with are known
built in (auditor.iac.hcl.community) when not initialised; any other module is reported (AGW000)
as not read, and what its outputs feed stays unresolved.
"""

import json
import re
from pathlib import Path

from auditor.iac.hcl.evaluate import EvalError, Evaluator, Namespace, Scope, Unknown
from auditor.iac.hcl.parse import Block, parse_expression, read_files, tf_files

META_ARGUMENTS = {"count", "for_each", "depends_on", "provider", "providers", "lifecycle", "source", "version"}
MAX_DEPTH = 16


class InstanceRef:
    """A resource instance as an expression sees it: `.arn` and friends come from the reader."""

    __slots__ = ("instance", "project")

    def __init__(self, instance, project):
        self.instance, self.project = instance, project

    @property
    def label(self) -> str:
        return self.instance.address

    def attr(self, name: str):
        return self.project.reader.attribute(self.instance, name)


class ModuleOutputs:
    """`module.x` as an expression sees it: each output evaluated in the module, on demand."""

    __slots__ = ("module",)

    def __init__(self, module):
        self.module = module

    @property
    def label(self) -> str:
        return self.module.key.rstrip(".")

    def attr(self, name: str):
        return self.module.output(name)


class ModuleInstance:
    def __init__(self, project, key: str, directory: Path, blocks: list[Block], inputs: dict,
                 call_site: tuple | None = None, depth: int = 0):
        self.project = project
        self.key = key  # "" for the root, "module.api." or `module.api["x"].` below it
        self.directory = str(directory)
        self.root_directory = str(project.root)
        self.inputs = inputs  # name -> (expression tree, caller scope) or ("value", value)
        self.call_site = call_site  # (file, line) of the module block when its code is not the user's
        self.depth = depth
        self.community: str | None = None  # "apigateway-v2" / "lambda" when known built in
        self.variables: dict[str, Block] = {}
        self.locals: dict = {}
        self.resources: dict[str, Block] = {}
        self.data: dict[str, Block] = {}
        self.outputs: dict = {}
        self.calls: dict[str, Block] = {}
        for block in blocks:
            if block.type == "variable" and block.labels:
                self.variables[block.labels[0]] = block
            elif block.type == "locals":
                self.locals.update(block.attributes)
            elif block.type == "resource" and len(block.labels) == 2:
                self.resources[f"{block.labels[0]}.{block.labels[1]}"] = block
            elif block.type == "data" and len(block.labels) == 2:
                self.data[f"{block.labels[0]}.{block.labels[1]}"] = block
            elif block.type == "output" and block.labels and "value" in block.attributes:
                self.outputs[block.labels[0]] = block.attributes["value"]
            elif block.type == "module" and block.labels:
                self.calls[block.labels[0]] = block
        self._values: dict = {}
        self._resources: dict = {}
        self._children: dict = {}
        self.scope = Scope(self)

    @property
    def evaluator(self) -> Evaluator:
        return self.project.evaluator

    def _once(self, key, compute):
        if key in self._values:
            value = self._values[key]
            if value is _PENDING:
                return Unknown(f"{key} refers to itself")
            return value
        self._values[key] = _PENDING
        value = compute()
        self._values[key] = value
        return value

    # -- names ------------------------------------------------------------------------------------
    def variable(self, name: str):
        def compute():
            given = self.inputs.get(name)
            declared = self.variables.get(name)
            if given is not None:
                if given[0] == "value":
                    value = given[1]
                else:
                    tree, scope = given
                    value = scope.module.evaluator.value(tree, scope)
            elif declared is not None and "default" in declared.attributes:
                value = self.evaluator.value(declared.attributes["default"], Scope(self))
            else:
                return Unknown(f"var.{name}")
            if declared is not None and "type" in declared.attributes:
                from auditor.iac.hcl.types import convert  # optional() defaults apply to defaults too
                value = convert(value, declared.attributes["type"], self.evaluator, Scope(self))
            return value
        return self._once(f"var.{name}", compute)

    def local(self, name: str):
        if name not in self.locals:
            raise EvalError(f"no local.{name}")
        return self._once(f"local.{name}", lambda: self.evaluator.value(self.locals[name], self.scope))

    def output(self, name: str):
        if name not in self.outputs:
            raise EvalError(f"{self.key}output {name} not declared")
        return self._once(f"output.{name}", lambda: self.evaluator.value(self.outputs[name], self.scope))

    def namespace_attr(self, namespace: Namespace, name: str, scope: Scope):
        kind = namespace.kind
        if kind == "var":
            return self.variable(name)
        if kind == "local":
            return self.local(name)
        if kind == "path":
            return {"module": self.directory, "root": self.root_directory, "cwd": self.root_directory}.get(
                name, Unknown(f"path.{name}"))
        if kind == "terraform":
            return "default" if name == "workspace" else Unknown(f"terraform.{name}")
        if kind == "module":
            return self.module_value(name)
        if kind == "data":
            if not namespace.parts:
                return Namespace("data", (name,))
            return self.project.data_value(namespace.parts[0], name)
        if kind == "resource":
            return self.resource_value(namespace.parts[0], name)
        raise EvalError(f"unknown namespace {kind}")

    # -- resources --------------------------------------------------------------------------------
    def resource_value(self, kind: str, name: str):
        """`aws_x.y`: one instance, a list (count), a map (for_each), or Unknown."""
        key = f"{kind}.{name}"
        if key not in self.resources:
            raise EvalError(f"no resource {key}")
        return self.expand(key)

    def expand(self, key: str):
        if key in self._resources:
            value = self._resources[key]
            return Unknown(f"{self.key}{key} depends on itself") if value is _PENDING else value
        self._resources[key] = _PENDING
        block = self.resources[key]
        value = self.project.expand_resource(self, block, key)
        self._resources[key] = value
        return value

    # -- child modules ----------------------------------------------------------------------------
    def module_value(self, name: str):
        if name not in self.calls:
            raise EvalError(f"no module.{name}")
        if name not in self._children:
            self._children[name] = _PENDING
            self._children[name] = self.project.call_module(self, self.calls[name])
        value = self._children[name]
        return Unknown(f"module.{name} depends on itself") if value is _PENDING else value


_PENDING = object()


def each_of(collection) -> list[tuple] | Unknown:
    """(key, value) pairs of a for_each value: a map, or a set of strings (keys are the strings)."""
    if isinstance(collection, Unknown):
        return collection
    if isinstance(collection, dict):
        return list(collection.items())
    if isinstance(collection, (list, tuple)):
        if any(isinstance(v, Unknown) for v in collection):
            return Unknown("for_each set with unknown members")
        if not all(isinstance(v, str) for v in collection):
            raise EvalError("for_each takes a map or a set of strings")
        return [(v, v) for v in dict.fromkeys(collection)]
    if collection is None:
        raise EvalError("for_each is null")
    raise EvalError("for_each takes a map or a set of strings")


MAX_INSTANCES = 10000  # more is no configuration a person reviews; it is read as unknown, not expanded


def count_of(value) -> int | Unknown:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or int(value) != value:
        raise EvalError("count is not a whole number")
    if value > MAX_INSTANCES:
        return Unknown(f"count {int(value)} is above {MAX_INSTANCES}")
    return int(value)


def tf_key(key) -> str:
    return f"[{key}]" if isinstance(key, int) else "[" + json.dumps(key) + "]"


# -- module sources --------------------------------------------------------------------------------
_COMMUNITY = {
    "apigateway-v2": re.compile(r"(?:^|/)terraform-aws-modules/(?:terraform-aws-)?apigateway-v2(?:/aws)?(?:$|[/?.])"),
    "lambda": re.compile(r"(?:^|/)terraform-aws-modules/(?:terraform-aws-)?lambda(?:/aws)?(?:$|[/?.])"),
}


def community_module(source: str) -> str | None:
    for name, pattern in _COMMUNITY.items():
        if pattern.search(source):
            return name
    return None


def initialised_modules(root: Path) -> dict:
    """`terraform init`'s record: module key ("api", "api.inner") -> (directory, version)."""
    manifest = root / ".terraform" / "modules" / "modules.json"
    if not manifest.is_file():
        return {}
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return {}
    out = {}
    for entry in data.get("Modules", []) if isinstance(data, dict) else []:
        if isinstance(entry, dict) and isinstance(entry.get("Key"), str) and isinstance(entry.get("Dir"), str):
            out[entry["Key"]] = (root / entry["Dir"], str(entry.get("Version") or ""))
    return out


def module_blocks(directory: Path) -> list[Block] | None:
    files = tf_files(directory) if directory.is_dir() else []
    return read_files(files) if files else None


def literal_inputs(values: dict, file: str) -> dict:
    """-var / tfvars values as ("value", v) inputs of the root module."""
    return {k: ("value", v) for k, v in values.items()}


__all__ = ["ModuleInstance", "InstanceRef", "ModuleOutputs", "each_of", "count_of", "tf_key", "community_module",
           "initialised_modules", "module_blocks", "literal_inputs", "parse_expression", "MAX_DEPTH", "META_ARGUMENTS"]

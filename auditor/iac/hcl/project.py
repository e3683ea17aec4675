"""One Terraform configuration evaluated: the root module, its variables' values, every module it
calls and every resource instance, handed to the plan reader's mapping (auditor.iac.hcl.mapping)."""

import os
from pathlib import Path

from auditor.core.arns import dns_suffix_for_region
from auditor.errors import InputError
from auditor.iac.hcl.evaluate import EvalError, Evaluator, Scope, Unknown
from auditor.iac.hcl.functions import FUNCTIONS
from auditor.iac.terraform_rest import REST_TYPES
from auditor.iac.hcl.modules import (MAX_DEPTH, META_ARGUMENTS, InstanceRef, ModuleInstance, ModuleOutputs,
                                     community_module, count_of, each_of, initialised_modules, module_blocks, tf_key)

READ_TYPES = {"aws_apigatewayv2_api", "aws_apigatewayv2_route", "aws_apigatewayv2_integration",
              "aws_apigatewayv2_stage", "aws_apigatewayv2_authorizer", "aws_apigatewayv2_deployment",
              "aws_lambda_function", "aws_lambda_alias", "aws_lambda_permission", "aws_lambda_resource_policy",
              "aws_iam_role", "aws_apigatewayv2_domain_name", "aws_apigatewayv2_api_mapping", *REST_TYPES}
SUPPORTED_APIGATEWAY_MAJOR = 5  # routes with nested `integration` objects: v5.x and v6.x
# Expansion budgets for the whole configuration: `count` around `count` multiplies (10,000 module
# instances of 10,000 resources each is 10^8); past these, what is left is read as unknown (AGW000).
MAX_MODULE_INSTANCES = 2_000
MAX_RESOURCE_INSTANCES = 100_000


class DataRef:
    """A data source: the account, region and partition ones are the audit's assumed values."""

    __slots__ = ("kind", "known", "label")

    def __init__(self, kind: str, name: str, known: dict):
        self.kind, self.known, self.label = kind, known, f"data.{kind}.{name}"

    def attr(self, name: str):
        return self.known.get(name, Unknown(f"{self.label}.{name}"))


class OverBudget(Unknown):
    """Instances past the configuration's budget: known, but not expanded."""

    __slots__ = ()


class Project:
    def __init__(self, root: Path, blocks, root_inputs: dict, reader):
        self.root = root
        self.reader = reader
        self.evaluator = Evaluator(FUNCTIONS)
        self.modules: list[ModuleInstance] = []
        self.initialised = initialised_modules(root)
        self.resource_instances = 0
        self._blocks: dict[str, list | None] = {}  # a module's code, read once however many instances it has
        self.root_module = self.add_module("", root, blocks, root_inputs)
        self.root_module.code = _code_of(root)

    def add_module(self, key, directory, blocks, inputs, call_site=None, depth=0, parent=None,
                   code=None) -> ModuleInstance:
        module = ModuleInstance(self, key, directory, blocks, inputs, call_site, depth)
        module.parent, module.code = parent, code
        self.modules.append(module)
        return module

    def blocks_of(self, directory: Path):
        """A module folder's blocks, parsed once: `count = 1000` on a module call reads its files once."""
        code = _code_of(directory)
        if code not in self._blocks:
            self._blocks[code] = module_blocks(directory)
        return self._blocks[code]

    def expand_all(self) -> None:
        """Every resource of every module reached from the root (modules are reached on the way)."""
        done = 0
        while done < len(self.modules):
            module = self.modules[done]
            done += 1
            for name in list(module.calls):
                module.module_value(name)
            for key in list(module.resources):
                module.expand(key)

    # -- resources --------------------------------------------------------------------------------
    def expand_resource(self, module: ModuleInstance, block, key: str):
        kind, name = block.labels
        base = module.key + key
        try:
            if "for_each" in block.attributes:
                pairs = each_of(self.evaluator.ev(block.attributes["for_each"], module.scope))
                if isinstance(pairs, Unknown):
                    self.unresolved_expansion(base, kind, "for_each", pairs)
                    return pairs
                refused = self._over_budget(base, len(pairs))
                if refused is not None:
                    self.unresolved_expansion(base, kind, "for_each", refused)
                    return refused
                return {k: self.instance(module, block, base + tf_key(k), kind, name, k,
                                         {"__each__": {"key": k, "value": v}}) for k, v in pairs}
            if "count" in block.attributes:
                count = count_of(self.evaluator.ev(block.attributes["count"], module.scope))
                if isinstance(count, Unknown):
                    self.unresolved_expansion(base, kind, "count", count)
                    return count
                refused = self._over_budget(base, count)
                if refused is not None:
                    self.unresolved_expansion(base, kind, "count", refused)
                    return refused
                return [self.instance(module, block, base + f"[{i}]", kind, name, i, {"__count__": {"index": i}})
                        for i in range(count)]
        except EvalError as exc:
            self.unresolved_expansion(base, kind, "count" if "count" in block.attributes else "for_each",
                                      Unknown(str(exc)))
            return Unknown(f"{base} ({exc})")
        refused = self._over_budget(base, 1)
        if refused is not None:
            self.unresolved_expansion(base, kind, "resource", refused)
            return refused
        return self.instance(module, block, base, kind, name, None, {})

    def _over_budget(self, address: str, instances: int) -> "OverBudget | None":
        """None when `instances` more resource instances fit the configuration's budget (and counts them)."""
        if self.resource_instances + instances > MAX_RESOURCE_INSTANCES:
            return OverBudget(f"its {instances:,} instance(s) would make over {MAX_RESOURCE_INSTANCES:,} resource "
                              "instances in the configuration (count or for_each multiplied by a module's)")
        self.resource_instances += instances
        return None

    def unresolved_expansion(self, address: str, kind: str, what: str, unknown: Unknown) -> None:
        if kind not in READ_TYPES:
            return  # resources the audit does not read: nothing is lost
        why = (f"not expanded: {unknown.what}" if isinstance(unknown, OverBudget) else
               f"{what} is not known before a plan ({unknown.what})")
        self.reader.builder.error("ReadTerraform", address, "Unresolved", f"{why}; its instances were not checked")

    def instance(self, module, block, address, kind, name, index, names):
        scope = Scope(module, names)
        instance = self.reader.add_instance(address, kind, name, index, module, block, scope)
        return InstanceRef(instance, self)

    def data_value(self, kind: str, name: str):
        s = self.reader.settings
        known = {}
        if kind == "aws_caller_identity":
            known = {"account_id": s.account, "id": s.account}
        elif kind == "aws_region":
            known = {"name": s.region, "region": s.region, "id": s.region}
        elif kind == "aws_partition":
            known = {"partition": s.partition, "id": s.partition,
                     "dns_suffix": dns_suffix_for_region(s.region)}
        return DataRef(kind, name, known)

    # -- modules ----------------------------------------------------------------------------------
    def call_module(self, parent: ModuleInstance, block):
        name = block.labels[0]
        address = f"{parent.key}module.{name}"
        source_tree = block.attributes.get("source")
        source = self.evaluator.value(source_tree, parent.scope) if source_tree is not None else None
        if not isinstance(source, str):
            return self.not_read(address, "its source is not a literal string")
        if source.startswith(("./", "../")):
            self._check_cycle(parent, block, _code_of(os.path.normpath(Path(parent.directory) / source)), address,
                              source)
        if parent.depth >= MAX_DEPTH:
            return self.not_read(address, f"modules nest more than {MAX_DEPTH} deep")
        try:
            if "for_each" in block.attributes:
                pairs = each_of(self.evaluator.ev(block.attributes["for_each"], parent.scope))
                if isinstance(pairs, Unknown):
                    return self.not_read(address, f"its for_each is not known before a plan ({pairs.what})")
                if len(self.modules) + len(pairs) > MAX_MODULE_INSTANCES:
                    return self.not_read(address, self._too_many_modules(len(pairs)))
                return {k: self._instantiate(parent, block, source, f"{address}{tf_key(k)}.",
                                             {"__each__": {"key": k, "value": v}}) for k, v in pairs}
            if "count" in block.attributes:
                count = count_of(self.evaluator.ev(block.attributes["count"], parent.scope))
                if isinstance(count, Unknown):
                    return self.not_read(address, f"its count is not known before a plan ({count.what})")
                if len(self.modules) + count > MAX_MODULE_INSTANCES:
                    return self.not_read(address, self._too_many_modules(count))
                return [self._instantiate(parent, block, source, f"{address}[{i}].", {"__count__": {"index": i}})
                        for i in range(count)]
        except EvalError as exc:
            return self.not_read(address, str(exc))
        if len(self.modules) + 1 > MAX_MODULE_INSTANCES:
            return self.not_read(address, self._too_many_modules(1))
        return self._instantiate(parent, block, source, f"{address}.", {})

    def _too_many_modules(self, more: int) -> str:
        return (f"its {more:,} instance(s) would make over {MAX_MODULE_INSTANCES:,} module instances in the "
                "configuration (count or for_each multiplied by a calling module's); not expanded")

    def _check_cycle(self, parent, block, code: str, address: str, source: str) -> None:
        """A module whose code is its own caller's or an ancestor's calls itself forever: Terraform's
        `terraform init` cannot load it (hashicorp/terraform#31557), so neither does the audit."""
        chain, module = [], parent
        while module is not None:
            chain.append(module)
            if module.code == code:
                names = " -> ".join((m.key.rstrip(".") or "the root module") for m in reversed(chain))
                itself = module.key.rstrip(".") or "the root module"
                raise InputError(f"{address} calls {source!r}, the code of {itself}: modules call each other in a "
                                 f"cycle ({names} -> {address}), which Terraform cannot load", 
                                 file=block.file, line=block.line)
            module = module.parent

    def _instantiate(self, parent, block, source, key, names):
        scope = Scope(parent, names)
        inputs = {k: (tree, scope) for k, tree in block.attributes.items() if k not in META_ARGUMENTS}
        address = key.rstrip(".")
        if source.startswith("./") or source.startswith("../"):
            directory = Path(os.path.normpath(Path(parent.directory) / source))
            self._check_cycle(parent, block, _code_of(directory), address, source)
            blocks = self.blocks_of(directory)
            if blocks is None:
                return self.not_read(address, f"its source {source} holds no .tf files")
            return ModuleOutputs(self.add_module(key, directory, blocks, inputs, parent.call_site, parent.depth + 1,
                                                 parent, _code_of(directory)))
        call_site = parent.call_site or (block.file, block.line)
        community = community_module(source)
        version = self.evaluator.value(block.attributes["version"], scope) if "version" in block.attributes else ""
        manifest_key = ".".join(_manifest_key(key))
        initialised = self.initialised.get(manifest_key)
        if initialised and initialised[1]:
            version = initialised[1]
        major = _major(version)
        # Fixes are written as the module's inputs only for the input shapes known (apigateway-v2 v5+).
        known_inputs = community if community != "apigateway-v2" or major is None or \
            major >= SUPPORTED_APIGATEWAY_MAJOR else None
        if initialised:  # `terraform init` has run: the module's own code, whatever its version
            self._check_cycle(parent, block, _code_of(initialised[0]), address, source)
            blocks = self.blocks_of(initialised[0])
            if blocks is not None:
                return ModuleOutputs(self._module(key, initialised[0], blocks, inputs, call_site, parent, known_inputs,
                                                  _code_of(initialised[0])))
        if community is not None:
            from auditor.iac.hcl.community import builtin_blocks
            if known_inputs is None:
                return self.not_read(address, f"terraform-aws-modules/apigateway-v2 {version} is known built in for "
                                              "versions 5 and later (routes with nested integration objects); run "
                                              "`terraform init` to have it read")
            older = sorted(set(inputs) & _APIGATEWAY_V4_INPUTS) if community == "apigateway-v2" and major is None else []
            if older:  # unpinned, but called as version 4 and earlier were: read as v5+, it would lose its routes
                return self.not_read(address, f"module not read as called: terraform-aws-modules/apigateway-v2 has no "
                                              f"version pinned and is given {', '.join(older)}, inputs of versions 4 "
                                              "and earlier (read as 5+ it would have no routes); pin `version` or "
                                              "run `terraform init` to have it read")
            return ModuleOutputs(self._module(key, Path(parent.directory), builtin_blocks(community), inputs,
                                              call_site, parent, community, f"built-in:{community}"))
        return self.not_read(address, f"module source {source} was not read (run `terraform init` to read it "
                                      "from .terraform/modules)")

    def _module(self, key, directory, blocks, inputs, call_site, parent, community, code):
        module = self.add_module(key, directory, blocks, inputs, call_site, parent.depth + 1, parent, code)
        if community:
            module.community = community
            self.reader.context.setdefault("modules", {})[key] = community
            self.reader.context.setdefault("module_sites", {})[key] = f"{call_site[0]}:{call_site[1]}"
        return module

    def not_read(self, address: str, why: str) -> Unknown:
        self.reader.builder.error("ReadTerraformModule", address, "NotRead", why)
        return Unknown(address)


# Inputs only terraform-aws-modules/apigateway-v2 v4 and earlier take (v5 moved integrations into `routes`).
_APIGATEWAY_V4_INPUTS = {"integrations", "create_api_domain_name", "create_default_stage",
                         "create_default_stage_api_mapping", "default_stage_access_log_destination_arn",
                         "default_stage_access_log_format", "default_stage_tags", "default_route_settings",
                         "create_api_gateway"}


def _code_of(directory) -> str:
    """What identifies a module's code: its folder, symbolic links resolved."""
    return os.path.realpath(directory)


def _manifest_key(key: str) -> list[str]:
    """`module.a["x"].module.b.` -> ["a", "b"] (modules.json keys drop instance keys)."""
    import re
    return re.findall(r"module\.([A-Za-z0-9_-]+)", key)


def _major(version) -> int | None:
    import re
    if not isinstance(version, str):
        return None
    match = re.search(r"(\d+)", version)
    return int(match.group(1)) if match else None

"""Terraform source -> snapshot document, through the plan reader's own mapping.

auditor.iac.terraform.PlanReader maps resource instances to the snapshot (APIs, routes,
integrations, stages, authorizers, functions, aliases, permissions) and synthesises the
attributes a plan does not know (ids, ARNs). This reader gives it instances whose values are the
evaluated HCL arguments, so both inputs end in exactly the same document. Only what source adds
is here: per-resource file and line, IAM role trust policies, and attributes a plan always knows
but source does not (a function's version, a stage's execution ARN).
"""

import json

from auditor.core.arns import invocation_uri, invoke_host, is_unresolved
from auditor.errors import InputError
from auditor.iac.document import DocumentBuilder
from auditor.iac.hcl.evaluate import Unknown, to_plain
from auditor.iac.hcl.modules import META_ARGUMENTS
from auditor.iac.resolve import unresolved
from auditor.iac.terraform import PlanReader


class LazyValues:
    """A resource instance's arguments, each evaluated when the mapping first asks for it."""

    __slots__ = ("block", "scope", "evaluator", "cache")

    def __init__(self, block, scope, evaluator):
        self.block, self.scope, self.evaluator, self.cache = block, scope, evaluator, {}

    def get(self, name, default=None):
        if name not in self.cache:
            self.cache[name] = self._compute(name)
        value = self.cache[name]
        return default if value is None else value

    def __getitem__(self, name):
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def _compute(self, name):
        if name in META_ARGUMENTS:
            return None
        tree = self.block.attributes.get(name)
        if tree is not None:
            return to_plain(self.evaluator.value(tree, self.scope))
        nested = self.block.nested(name) + [d for d in self.block.nested("dynamic") if d.labels == [name]]
        if nested:
            return [item for block in nested for item in self._block_value(block)]
        return None

    def _block_value(self, block):
        """A nested block as the plan shows it: a dict of its arguments (dynamic blocks expanded)."""
        if block.type != "dynamic":
            return [self._arguments(block, self.scope)]
        from auditor.iac.hcl.modules import each_of
        iterator = block.labels[0]
        if "iterator" in block.attributes:
            name = self.evaluator.value(block.attributes["iterator"], self.scope)
            iterator = name if isinstance(name, str) else iterator
        collection = self.evaluator.value(block.attributes.get("for_each"), self.scope) \
            if "for_each" in block.attributes else Unknown("dynamic block without for_each")
        try:
            pairs = each_of(collection) if isinstance(collection, (dict, Unknown)) else \
                list(enumerate(collection)) if isinstance(collection, (list, tuple)) else Unknown("dynamic for_each")
        except Exception:  # noqa: BLE001 - Terraform would reject it; we only cannot read it
            pairs = Unknown("dynamic for_each")
        if isinstance(pairs, Unknown):
            return [unresolved(f"dynamic {block.labels[0]}")]
        content = block.nested("content")
        if not content:
            return []
        return [self._arguments(content[0], self.scope.with_names(**{iterator: {"key": k, "value": v}}))
                for k, v in pairs]

    def _arguments(self, block, scope):
        out = {k: to_plain(self.evaluator.value(tree, scope)) for k, tree in block.attributes.items()}
        for inner in block.blocks:
            out.setdefault(inner.type, []).append(self._arguments(inner, scope))
        return out


class ResourceInstance:
    """What PlanReader reads of a resource instance, from source."""

    __slots__ = ("address", "type", "name", "index", "module", "values", "unknown", "expressions", "file", "line")

    def __init__(self, address, kind, name, index, module_key, values, file, line):
        self.address, self.type, self.name, self.index = address, kind, name, index
        self.module, self.values, self.unknown, self.expressions = module_key, values, {}, {}
        self.file, self.line = file, line


class SourceBuilder(DocumentBuilder):
    """Each object located in the .tf file (and line) of the block that declares it."""

    def __init__(self, file, input_type, settings, context, files: dict):
        super().__init__(file, input_type, settings, context)
        self.files = files
        self.module_calls: dict = {}  # address -> what a fix in the calling module block needs

    def source(self, line, resource, meta=None, file=None):
        call = self.module_calls.get(resource)
        if call is not None and meta and meta.get("kind") == "tf":
            meta = {**meta, **call, "kind": "tf-module"}
        return super().source(line, resource, meta, file or self.files.get(resource))


class SourceReader(PlanReader):
    def __init__(self, file: str, settings):  # noqa: D107 - PlanReader's plan parsing is not needed
        self.plan = {}
        self.file = file
        self.settings = settings
        self.lines: dict = {}
        self.files: dict = {}
        self.context = {"input_type": "terraform", "apis": {}, "integrations": {}, "functions": {},
                        "qualified": {}, "authorizers": {}}
        self.builder = SourceBuilder(file, "terraform", settings, self.context, self.files)
        self.config: dict = {}
        self.module_vars: dict = {}
        self.instances: dict = {}
        self.by_base: dict = {}
        self._cache: dict = {}
        self.evaluator = None

    def add_instance(self, address, kind, name, index, module, block, scope) -> ResourceInstance:
        file, line = module.call_site or (block.file, block.line)
        values = LazyValues(block, scope, module.evaluator)
        instance = ResourceInstance(address, kind, name, index, module.key, values, file, line)
        self.instances[address] = instance
        self.by_base.setdefault(module.key + f"{kind}.{name}", []).append(instance)
        self.lines[address] = line
        self.files[address] = file
        if module.community:
            each = scope.names.get("__each__")
            self.builder.module_calls[address] = {"module": module.key.rstrip("."), "community": module.community,
                                                  "key": each["key"] if each else None}
        return instance

    def tags(self, instance) -> dict:
        try:
            return super().tags(instance)
        except InputError as exc:  # name the .tf file, not the folder
            exc.file = instance.file
            raise

    def _synthesize(self, instance, attr: str):
        s = self.settings
        if instance.type == "aws_lambda_function" and attr in ("version", "qualified_arn", "qualified_invoke_arn"):
            # publish = false (the default): the version is $LATEST; a published version's number is
            # known only after apply.
            publish = self.value(instance, "publish", False)
            version = "$LATEST" if publish is False else unresolved(f"{instance.address}.version")
            if attr == "version":
                return version
            arn = self.attribute(instance, "arn")
            if not isinstance(arn, str) or is_unresolved(version):
                return unresolved(f"{instance.address}.{attr}")
            qualified = f"{arn}:{version}"
            return qualified if attr == "qualified_arn" else invocation_uri(s.partition, s.region, qualified)
        if instance.type == "aws_apigatewayv2_stage" and attr in ("execution_arn", "invoke_url"):
            api = self.value(instance, "api_id")
            name = self.value(instance, "name")
            if isinstance(api, str) and isinstance(name, str):
                if attr == "execution_arn":
                    return f"arn:{s.partition}:execute-api:{s.region}:{s.account}:{api}/{name}"
                return f"https://{invoke_host(api, s.region)}/{'' if name == '$default' else name}"
        # The provider's id of a custom domain is its name, and a stage's id its name (API mappings use both).
        if instance.type == "aws_apigatewayv2_domain_name" and attr == "id":
            name = self.value(instance, "domain_name")
            return name if isinstance(name, str) else unresolved(f"{instance.address}.id")
        if instance.type == "aws_apigatewayv2_stage" and attr == "id":
            name = self.value(instance, "name")
            return name if isinstance(name, str) else unresolved(f"{instance.address}.id")
        if instance.type == "aws_apigatewayv2_api" and attr == "arn":
            return f"arn:{s.partition}:apigateway:{s.region}::/apis/{self.attribute(instance, 'id')}"
        if instance.type == "aws_iam_role" and attr in ("name", "id", "arn"):
            name = self.value(instance, "name")
            if not isinstance(name, str):  # Terraform makes a unique name up at apply
                return unresolved(f"{instance.address}.{attr}")
            if attr != "arn":
                return name
            path = self.value(instance, "path", "/")
            if isinstance(path, str) and path.startswith("/") and path.endswith("/"):
                return f"arn:{s.partition}:iam::{s.account}:role{path}{name}"
            return unresolved(f"{instance.address}.arn")
        return super()._synthesize(instance, attr)

    def read(self) -> dict:
        document = super().read()
        roles = [self.read_role(i) for i in self.of_type("aws_iam_role")]
        if roles:
            document["Scopes"][0]["Roles"] = roles
        return document

    def read_role(self, instance) -> dict:
        policy = self.value(instance, "assume_role_policy")
        if isinstance(policy, str):
            try:
                decoded = json.loads(policy)
                policy = decoded if isinstance(decoded, dict) else policy
            except ValueError:
                pass
        name = self.value(instance, "name")
        return {"RoleName": name if isinstance(name, str) else unresolved(f"{instance.address}.name"),
                "Arn": self.attribute(instance, "arn"),
                "AssumeRolePolicyDocument": policy if policy is not None else unresolved(f"{instance.address}.assume_role_policy"),
                "SourceLocation": {"File": instance.file, "Line": instance.line, "Resource": instance.address,
                                   "InputType": "terraform"}}

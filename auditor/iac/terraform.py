"""Terraform: the JSON of `terraform show -json PLAN` (or of the state) -> snapshot document.

Planned values give what is known before apply. What is not (ids, ARNs: `after_unknown`) is
rebuilt from the plan's `configuration` references: `api_id = aws_apigatewayv2_api.x.id` links
the route to that API, `integration_uri = aws_lambda_function.f.invoke_arn` to that function.
A value whose shape cannot be known (a `target` or `source_arn` interpolating an unknown id)
stays symbolic (`${unresolved:...}`) and the rules say they could not check it.
"""

import json
import re

from auditor.core.arns import (UNRESOLVED_MARK, function_arn, invocation_uri, is_function_name, is_unresolved,
                               parse_lambda_arn)
from auditor.errors import InputError
from auditor.files import LineIndex
from auditor.iac.document import DocumentBuilder
from auditor.iac import terraform_rest
from auditor.iac.openapi import read_body
from auditor.iac.resolve import as_int, unresolved

SUPPORTED_MAJOR = ("0", "1")
# Arguments that, when they reference another resource, are that attribute and nothing more.
WHOLE_VALUE = {"api_id", "integration_uri", "function_name", "authorizer_uri", "credentials_arn", "authorizer_id",
               "deployment_id", "authorizer_credentials_arn", "qualifier", "function_version"} | terraform_rest.WHOLE_VALUE
_ADDRESS = re.compile(r'"address"\s*:\s*"((?:[^"\\]|\\.)*)"')
_REFERENCE = re.compile(r"^(?P<type>aws_[a-z0-9_]+)\.(?P<name>[A-Za-z0-9_-]+)(?P<index>\[[^\]]*\])?(?:\.(?P<attr>[a-z0-9_]+))?")


class _Instance:
    __slots__ = ("address", "type", "name", "index", "module", "values", "unknown", "expressions")

    def __init__(self, address, kind, name, index, module, values, unknown, expressions):
        self.address, self.type, self.name, self.index = address, kind, name, index
        self.module, self.values, self.unknown, self.expressions = module, values, unknown, expressions


def _shape(value, kind, path: str, file: str, default):
    """value when it is a `kind` (None: default); else InputError naming the plan's JSON path."""
    if value is None:
        return default
    if not isinstance(value, kind):
        wanted = "an object" if kind is dict else "a list" if kind is list else "a string"
        raise InputError(f"expected {wanted}, got {type(value).__name__}", file=file, path=path)
    return value


def _walk_modules(module: dict, out: list, path: str, file: str) -> None:
    module = _shape(module, dict, path, file, {})
    for index, resource in enumerate(_shape(module.get("resources"), list, f"{path}.resources", file, [])):
        if isinstance(resource, dict) and resource.get("mode", "managed") == "managed":
            _shape(resource.get("values"), dict, f"{path}.resources[{index}].values", file, {})
            _shape(resource.get("address"), str, f"{path}.resources[{index}].address", file, "")
            out.append(resource)
    for index, child in enumerate(_shape(module.get("child_modules"), list, f"{path}.child_modules", file, [])):
        if isinstance(child, dict):
            _walk_modules(child, out, f"{path}.child_modules[{index}]", file)


def _config_resources(module: dict, prefix: str, out: dict, variables: dict) -> None:
    for resource in module.get("resources") or []:
        if isinstance(resource, dict) and resource.get("mode", "managed") == "managed":
            out[prefix + str(resource.get("address"))] = resource.get("expressions") or {}
    for name, call in (module.get("module_calls") or {}).items():
        if isinstance(call, dict) and isinstance(call.get("module"), dict):
            variables[f"{prefix}module.{name}."] = call.get("expressions") or {}  # the module's input variables
            _config_resources(call["module"], f"{prefix}module.{name}.", out, variables)


def _module_of(address: str) -> str:
    """`module.a.module.b.aws_x.y[0]` -> `module.a.module.b.`"""
    out = ""
    rest = address
    while rest.startswith("module."):
        _, _, rest = rest.partition(".")
        name, _, rest = rest.partition(".")
        name = name[:name.index("[")] if name.endswith("]") and "[" in name else name  # the instance key
        out += f"module.{name}."
    return out


def _line_index(text: str) -> dict:
    line_at = LineIndex(text).line
    lines = {}
    for match in _ADDRESS.finditer(text):
        lines.setdefault(match.group(1), line_at(match.start()))
    return lines


class PlanReader:
    def __init__(self, plan: dict, text: str, file: str, settings):
        self.plan = plan
        self.file = file
        self.settings = settings
        self.lines = _line_index(text)
        self.context = {"input_type": "terraform", "apis": {}, "integrations": {}, "functions": {},
                        "qualified": {}, "authorizers": {}}
        self.builder = DocumentBuilder(file, "terraform", settings, self.context)
        config = plan.get("configuration") if isinstance(plan.get("configuration"), dict) else {}
        self.config: dict = {}
        self.module_vars: dict = {}
        _config_resources(config.get("root_module") or {}, "", self.config, self.module_vars)
        changes = {}
        for change in _shape(plan.get("resource_changes"), list, "$.resource_changes", file, []):
            if isinstance(change, dict) and isinstance(change.get("change"), dict):
                changes[str(change.get("address"))] = change["change"]
        raw = []
        key = "planned_values" if plan.get("planned_values") else "values"
        values_root = _shape(plan.get(key), dict, f"$.{key}", file, {})
        _walk_modules(values_root.get("root_module"), raw, f"$.{key}.root_module", file)
        self.instances: dict[str, _Instance] = {}
        self.by_base: dict[str, list[_Instance]] = {}
        for resource in raw:
            address = str(resource.get("address"))
            module = _module_of(address)
            unknown = (changes.get(address) or {}).get("after_unknown") or {}
            base = module + f"{resource.get('type')}.{resource.get('name')}"
            instance = _Instance(address, str(resource.get("type")), str(resource.get("name")), resource.get("index"),
                                 module, resource.get("values") or {}, unknown if isinstance(unknown, dict) else {},
                                 self.config.get(base, {}))
            self.instances[address] = instance
            self.by_base.setdefault(base, []).append(instance)
        self._cache: dict = {}

    # -- values -------------------------------------------------------------------------------
    def where(self, instance: _Instance, extra: dict | None = None) -> dict:
        meta = {"kind": "tf", "address": instance.address, "type": instance.type}
        if extra:
            meta.update(extra)
        return self.builder.source(self.lines.get(instance.address), instance.address, meta)

    def tags(self, instance: _Instance) -> dict:
        tags = self.value(instance, "tags", {}) or {}
        if isinstance(tags, str) and tags.startswith(UNRESOLVED_MARK):
            return {}
        if not isinstance(tags, dict):
            raise InputError(f"{instance.address}: tags must be a map, got {type(tags).__name__}", file=self.file,
                             line=self.lines.get(instance.address))
        return {str(k): str(v) for k, v in tags.items()}

    def value(self, instance: _Instance, attr: str, default=None):
        """The planned value, or one rebuilt from the configuration's references, or default."""
        values = instance.values
        if values.get(attr) is not None:
            return values[attr]
        if instance.unknown.get(attr) is True:
            return self.from_references(instance, attr)
        return default

    def references(self, instance: _Instance, attr: str) -> list[str]:
        expression = instance.expressions.get(attr)
        if isinstance(expression, dict):
            return [r for r in expression.get("references") or [] if isinstance(r, str)]
        return []

    def target_of(self, instance: _Instance, reference: str):
        """(instance, attribute) a reference such as `aws_lambda_function.f.arn` names, or None."""
        return self._target(instance.module, reference, instance.index, 0)

    def _target(self, module: str, reference: str, index, depth: int):
        if reference.startswith("var.") and module and depth < 16:
            # A module's input variable: follow the caller's expression for it, in the caller's module.
            name = reference.split(".")[1]
            expression = self.module_vars.get(module, {}).get(name)
            parent = re.sub(r"module\.[^.]+\.$", "", module)
            for outer in (expression or {}).get("references") or []:
                found = self._target(parent, outer, None, depth + 1)
                if found and found[1]:
                    return found
            return None
        match = _REFERENCE.match(reference)
        if not match:
            return None
        base = module + f"{match['type']}.{match['name']}"
        candidates = self.by_base.get(base, [])
        if match["index"]:
            wanted = module + f"{match['type']}.{match['name']}{match['index']}"
            candidates = [c for c in candidates if c.address == wanted]
        elif len(candidates) > 1 and index is not None:
            # count/for_each siblings: `aws_x.y[each.key]` is recorded as `aws_x.y`; pair by index.
            candidates = [c for c in candidates if c.index == index] or candidates
        if len(candidates) != 1:
            return None
        return candidates[0], match["attr"]

    def from_references(self, instance: _Instance, attr: str):
        if attr not in WHOLE_VALUE:
            # e.g. source_arn = "${aws_apigatewayv2_api.x.execution_arn}/*/*": the references do not say
            # what surrounds them, so the value stays symbolic.
            return unresolved(f"{instance.address}.{attr}")
        for reference in self.references(instance, attr):
            found = self.target_of(instance, reference)
            if found and found[1]:
                return self.attribute(found[0], found[1])
        return unresolved(f"{instance.address}.{attr}")

    def attribute(self, instance: _Instance, attr: str):
        """An attribute of another resource: known, or the placeholder this reader gives it."""
        key = (instance.address, attr)
        if key in self._cache:
            return self._cache[key]
        self._cache[key] = unresolved(f"{instance.address}.{attr}")  # cycles
        known = instance.values.get(attr)
        value = known if known is not None else self._synthesize(instance, attr)
        self._cache[key] = value
        return value

    def _synthesize(self, instance: _Instance, attr: str):
        s = self.settings
        kind = instance.type
        if kind.startswith("aws_api_gateway_"):  # REST APIs (v1): auditor.iac.terraform_rest
            rest = terraform_rest.synthesize(self, instance, attr)
            if rest is not None:
                return rest
        if kind in ("aws_apigatewayv2_api", "aws_apigatewayv2_integration", "aws_apigatewayv2_authorizer",
                    "aws_apigatewayv2_route", "aws_apigatewayv2_deployment", "aws_apigatewayv2_route_response",
                    "aws_apigatewayv2_integration_response") and attr == "id":
            return instance.address
        if kind == "aws_apigatewayv2_api":
            api_id = self.attribute(instance, "id")
            if attr == "execution_arn":
                return f"arn:{s.partition}:execute-api:{s.region}:{s.account}:{api_id}"
            if attr == "api_endpoint":
                return f"https://{api_id}.execute-api.{s.region}.amazonaws.com"
        if kind == "aws_apigatewayv2_stage" and attr in ("id", "name"):
            return self.value(instance, "name", unresolved(f"{instance.address}.name"))
        if kind == "aws_lambda_function":
            name = self.value(instance, "function_name")
            if not isinstance(name, str):
                return unresolved(f"{instance.address}.{attr}")
            arn = function_arn(s.partition, s.region, s.account, name)
            if attr == "arn":
                return arn
            if attr == "invoke_arn":
                return _invoke_arn(s, arn)
            if attr in ("function_name", "id"):
                return name
        if kind == "aws_lambda_alias":
            function = self.value(instance, "function_name")
            name = self.value(instance, "name")
            base = self.function_arn(function)
            if isinstance(name, str) and base:
                if attr == "arn":
                    return f"{base}:{name}"
                if attr == "invoke_arn":
                    return _invoke_arn(s, f"{base}:{name}")
        if kind == "aws_iam_role" and attr == "arn":
            name = self.value(instance, "name", instance.name)
            return f"arn:{s.partition}:iam::{s.account}:role/{name}"
        if kind == "aws_cloudwatch_log_group" and attr == "arn":
            name = self.value(instance, "name", instance.name)
            return f"arn:{s.partition}:logs:{s.region}:{s.account}:log-group:{name}"
        return unresolved(f"{instance.address}.{attr}")

    def function_arn(self, value) -> str | None:
        """Unqualified ARN of a function_name value: a name or an ARN."""
        if not isinstance(value, str):
            return None
        ref = parse_lambda_arn(value)
        if ref:
            return ref.unqualified_arn
        if is_unresolved(value) and is_function_name(value):  # `items-${random_string...}`: kept by identity
            s = self.settings
            return function_arn(s.partition, s.region, s.account, value)
        if is_unresolved(value) or ":" in value:
            return value if is_unresolved(value) else None
        s = self.settings
        return function_arn(s.partition, s.region, s.account, value)

    # -- reading ------------------------------------------------------------------------------
    def of_type(self, kind: str) -> list[_Instance]:
        return [i for i in self.instances.values() if i.type == kind]

    def read(self) -> dict:
        for instance in self.of_type("aws_apigatewayv2_api"):
            self.read_api(instance)
        for instance in self.of_type("aws_lambda_function"):
            self.read_function(instance)
        for instance in self.of_type("aws_lambda_alias"):
            self.read_alias(instance)
        for kind, reader in (("aws_apigatewayv2_integration", self.read_integration),
                             ("aws_apigatewayv2_route", self.read_route),
                             ("aws_apigatewayv2_stage", self.read_stage),
                             ("aws_apigatewayv2_authorizer", self.read_authorizer),
                             ("aws_lambda_permission", self.read_permission),
                             ("aws_lambda_resource_policy", self.read_resource_policy),
                             ("aws_apigatewayv2_domain_name", self.read_domain_name),
                             ("aws_apigatewayv2_api_mapping", self.read_api_mapping)):
            for instance in self.of_type(kind):
                reader(instance)
        self.read_websocket_responses()
        for instance in self.of_type("aws_iam_role"):
            self.read_role(instance)
        terraform_rest.read_rest(self)
        return self.builder.document()

    def read_websocket_responses(self):
        """aws_apigatewayv2_route_response / _integration_response nested into their route and integration."""
        from auditor.iac.websocket import attach
        found = []
        for kind, parent, key, out_key, out_id in (
                ("aws_apigatewayv2_route_response", "route_id", "route_response_key", "RouteResponseKey",
                 "RouteResponseId"),
                ("aws_apigatewayv2_integration_response", "integration_id", "integration_response_key",
                 "IntegrationResponseKey", "IntegrationResponseId")):
            for instance in self.of_type(kind):
                item = {out_id: self.attribute(instance, "id")}
                value = self.value(instance, key)
                if isinstance(value, str):
                    item[out_key] = value
                item.update(self.where(instance))
                item.pop("_iac", None)
                parent_id = self.value(instance, parent)
                found.append((self.value(instance, "api_id"), "route" if parent == "route_id" else "integration",
                              parent_id if isinstance(parent_id, str) else unresolved(f"{instance.address}.{parent}"),
                              item))
        attach(self.builder.apis, found)

    def read_role(self, instance: _Instance):
        """An IAM role's trust policy (assume_role_policy, a JSON string), for roles API Gateway is told
        to assume (AGW210); one not known at plan time is left out (unknown, never judged)."""
        import json
        from auditor.core.policy import ALLOW_APIGATEWAY_ASSUME, StatementShapeError, read_statement
        arn, text = self.attribute(instance, "arn"), instance.values.get("assume_role_policy")
        if not isinstance(arn, str) or is_unresolved(arn) or not isinstance(text, str):
            return
        try:
            document = json.loads(text)
        except ValueError:
            return
        statements = document.get("Statement") if isinstance(document, dict) else None
        statements = [statements] if isinstance(statements, dict) else statements
        if not isinstance(statements, list) or not all(isinstance(st, dict) for st in statements):
            return
        try:
            for statement in statements:
                read_statement(statement, "")
        except StatementShapeError:
            return
        role = {"RoleName": arn.rsplit("/", 1)[-1], "Arn": arn, "AssumeRolePolicyDocument": document}
        line = self.lines.get(instance.address)
        where = f"{self.file}:{line}" if line else self.file
        role.update(self.builder.source(line, instance.address, {
            "kind": "error", "text": f"{where}: in {instance.address}, add to assume_role_policy's Statement: "
                                     f"{json.dumps(ALLOW_APIGATEWAY_ASSUME)}"}))
        self.builder.roles.append(role)

    def _api_for(self, instance: _Instance) -> dict:
        api_id = self.value(instance, "api_id")
        if not isinstance(api_id, str):
            api_id = unresolved(f"{instance.address}.api_id")
        if api_id not in self.builder.apis:
            return self.builder.api(api_id, self.lines.get(instance.address), instance.address, None, external=True)
        return self.builder.apis[api_id]

    def read_api(self, instance: _Instance):
        api_id = self.attribute(instance, "id")
        api = self.builder.api(api_id, self.lines.get(instance.address), instance.address,
                               {"kind": "tf", "address": instance.address, "type": instance.type})
        self.context["apis"][api_id] = instance.address
        api["Name"] = str(self.value(instance, "name", instance.name))
        api["ProtocolType"] = str(self.value(instance, "protocol_type", "HTTP"))
        for src, dst in (("route_selection_expression", "RouteSelectionExpression"),
                         ("api_key_selection_expression", "ApiKeySelectionExpression")):
            value = self.value(instance, src)
            if value not in (None, "") and api["ProtocolType"] == "WEBSOCKET":
                api[dst] = value if isinstance(value, str) else unresolved(f"{instance.address}.{src}")
        api["Tags"] = self.tags(instance)
        target = self.value(instance, "target")
        line = self.lines.get(instance.address)
        if target is not None:  # quick create
            integration_id = f"{api_id}-quick-create"
            meta = {"kind": "tf", "address": instance.address, "type": instance.type}
            api["Integrations"].append({"IntegrationId": integration_id, "IntegrationType": "AWS_PROXY",
                                        "IntegrationUri": str(target), "PayloadFormatVersion": "2.0",
                                        **self.builder.source(line, instance.address, meta)})
            route_key = self.value(instance, "route_key", "$default")
            api["Routes"].append({"RouteId": integration_id, "RouteKey": str(route_key),
                                  "Target": f"integrations/{integration_id}", "AuthorizationType": "NONE",
                                  **self.builder.source(line, instance.address, meta)})
            api["Stages"].append({"StageName": "$default", "AutoDeploy": True,
                                  **self.builder.source(line, instance.address, meta)})
        body = self.value(instance, "body")
        # jsonencode() of a document holding some values known only after apply is read, its marks kept.
        if isinstance(body, str) and is_unresolved(body) and not _json_with_unknowns(body):
            api.pop("Routes", None)
            api.pop("Integrations", None)
            self.builder.error("ReadBody", instance.address, "Unknown",
                               "body is not known before apply; its routes and integrations were not checked")
        elif isinstance(body, str):
            try:
                document = json.loads(body)
            except json.JSONDecodeError:
                from auditor.iac.yamlload import load_yaml_text
                document = load_yaml_text(body, self.file)

            def source(line_no, pointer, kind, key=None):
                return self.builder.source(line, instance.address, {"kind": "openapi", "address": instance.address,
                                                                    "type": instance.type, "pointer": pointer})
            read_body(document, api, source, line)

    def read_function(self, instance: _Instance):
        name = self.value(instance, "function_name")
        if not isinstance(name, str):
            name = unresolved(f"{instance.address}.function_name")
        arn = self.attribute(instance, "arn")
        if not isinstance(arn, str):
            arn = unresolved(f"{instance.address}.arn")
        function = {"FunctionName": name, "FunctionArn": arn, "Timeout": _int(self.value(instance, "timeout", 3), 3)}
        for src, dst in (("runtime", "Runtime"), ("handler", "Handler"), ("memory_size", "MemorySize")):
            if instance.values.get(src) is not None:
                function[dst] = instance.values[src]
        function["Tags"] = self.tags(instance)
        function.update(self.where(instance))
        self.builder.functions[arn] = function
        self.context["functions"][arn] = instance.address

    def read_alias(self, instance: _Instance):
        base = self.function_arn(self.value(instance, "function_name"))
        function = self.builder.functions.get(base) if base else None
        name = self.value(instance, "name")
        if function is None or not isinstance(name, str):
            return
        arn = f"{base}:{name}"
        item = {"Name": name, "AliasArn": arn, "FunctionVersion": self.value(instance, "function_version")}
        item.update(self.where(instance))
        function.setdefault("Aliases", []).append(item)
        self.context["qualified"][arn] = instance.address

    def read_integration(self, instance: _Instance):
        api = self._api_for(instance)
        integration_id = self.attribute(instance, "id")
        item = {"IntegrationId": integration_id}
        for src, dst in (("integration_type", "IntegrationType"), ("integration_uri", "IntegrationUri"),
                         ("integration_subtype", "IntegrationSubtype"), ("credentials_arn", "CredentialsArn"),
                         ("connection_type", "ConnectionType"), ("integration_method", "IntegrationMethod")):
            value = self.value(instance, src)
            if value not in (None, ""):
                item[dst] = value if isinstance(value, str) else unresolved(f"{instance.address}.{src}")
        # The provider's default is "1.0" (aws-semantics.md): a plan normally shows it explicitly.
        version = self.value(instance, "payload_format_version", "1.0")
        item["PayloadFormatVersion"] = str(version)
        timeout = self.value(instance, "timeout_milliseconds")
        if _int(timeout, None) is not None:
            item["TimeoutInMillis"] = _int(timeout, None)
        item.update(self.where(instance))
        # Written in the configuration, not the provider's default (a plan shows the default as a value too).
        written = self.value(instance, "payload_format_version") is not None and (
            not isinstance(instance, _Instance) or "payload_format_version" in (instance.expressions or {}))
        if written and isinstance(item.get("SourceLocation"), dict):
            item["SourceLocation"]["PayloadFormatVersionSet"] = True
        self.context["integrations"][integration_id] = instance.address
        api.setdefault("Integrations", []).append(item)

    def read_route(self, instance: _Instance):
        api = self._api_for(instance)
        item = {"RouteId": self.attribute(instance, "id"),
                "RouteKey": str(self.value(instance, "route_key", unresolved(f"{instance.address}.route_key"))),
                "AuthorizationType": str(self.value(instance, "authorization_type", "NONE"))}
        target = instance.values.get("target")
        if target is None and instance.unknown.get("target") is True:
            target = unresolved(f"{instance.address}.target")
            for reference in self.references(instance, "target"):
                found = self.target_of(instance, reference)
                if found and found[0].type == "aws_apigatewayv2_integration":
                    item["TargetIntegrationId"] = self.attribute(found[0], "id")
                    break
        if target not in (None, ""):
            item["Target"] = str(target)
        authorizer = self.value(instance, "authorizer_id")
        if authorizer not in (None, ""):
            item["AuthorizerId"] = str(authorizer)
        expression = self.value(instance, "route_response_selection_expression")  # WebSocket two-way routes
        if expression not in (None, ""):
            item["RouteResponseSelectionExpression"] = expression if isinstance(expression, str) else \
                unresolved(f"{instance.address}.route_response_selection_expression")
        item.update(self.where(instance))
        api.setdefault("Routes", []).append(item)

    def read_stage(self, instance: _Instance):
        api = self._api_for(instance)
        item = {"StageName": str(self.value(instance, "name", unresolved(f"{instance.address}.name"))),
                "AutoDeploy": bool(self.value(instance, "auto_deploy", False))}
        deployment = self.value(instance, "deployment_id")
        if deployment not in (None, ""):
            item["DeploymentId"] = str(deployment)
        logs = instance.values.get("access_log_settings")
        if isinstance(logs, list) and logs and isinstance(logs[0], dict):
            destination = logs[0].get("destination_arn")
            item["AccessLogSettings"] = {"DestinationArn": str(destination) if destination else
                                         unresolved(f"{instance.address}.access_log_settings"),
                                         "Format": logs[0].get("format")}
        elif instance.unknown.get("access_log_settings"):
            item["AccessLogSettings"] = {"DestinationArn": unresolved(f"{instance.address}.access_log_settings")}
        item["Tags"] = self.tags(instance)
        item.update(self.where(instance))
        api.setdefault("Stages", []).append(item)

    def read_authorizer(self, instance: _Instance):
        api = self._api_for(instance)
        item = {"AuthorizerId": self.attribute(instance, "id"),
                "Name": str(self.value(instance, "name", instance.name)),
                "AuthorizerType": str(self.value(instance, "authorizer_type", ""))}
        if instance.values.get("id") is None:  # known after apply: a fix names it by reference
            self.context["authorizers"][item["AuthorizerId"]] = instance.address
        for src, dst in (("authorizer_uri", "AuthorizerUri"), ("authorizer_credentials_arn", "AuthorizerCredentialsArn")):
            value = self.value(instance, src)
            if value not in (None, ""):
                item[dst] = str(value)
        identity = self.value(instance, "identity_sources")
        if isinstance(identity, list) and all(isinstance(v, str) for v in identity):
            item["IdentitySource"] = identity
        item.update(self.where(instance))
        api.setdefault("Authorizers", []).append(item)

    def _policy_target(self, instance: _Instance, raw_name, qualifier, attribute: str) -> tuple[dict, str, str]:
        base = self.function_arn(raw_name) or unresolved(f"{instance.address}.{attribute}")
        ref = parse_lambda_arn(raw_name) if isinstance(raw_name, str) else None
        if not qualifier and ref and ref.qualifier:
            qualifier = ref.qualifier
        function = self.builder.functions.get(base)
        if function is None:
            function = {"FunctionName": ref.name if ref else str(raw_name), "FunctionArn": base, "Tags": {}}
            function.update(self.where(instance))
            self.builder.functions[base] = function
        return function, base, qualifier

    def read_domain_name(self, instance: _Instance):
        """aws_apigatewayv2_domain_name: a scope DomainNames item (core.domains)."""
        name = self.value(instance, "domain_name")
        domain = self.builder.domain(name if isinstance(name, str) else unresolved(f"{instance.address}.domain_name"))
        domain.update(self.where(instance))

    def read_api_mapping(self, instance: _Instance):
        """aws_apigatewayv2_api_mapping: api_id, domain_name, stage, api_mapping_key."""
        name = self.value(instance, "domain_name")
        mapping = {"ApiMappingId": instance.address}
        for src, dst in (("api_id", "ApiId"), ("stage", "Stage")):
            value = self.value(instance, src)
            mapping[dst] = value if isinstance(value, str) else unresolved(f"{instance.address}.{src}")
        key = self.value(instance, "api_mapping_key")
        if isinstance(key, str):
            mapping["ApiMappingKey"] = key
        mapping.update(self.where(instance))
        self.builder.domain(name if isinstance(name, str) else unresolved(f"{instance.address}.domain_name"))[
            "ApiMappings"].append(mapping)

    def read_resource_policy(self, instance: _Instance):
        """aws_lambda_resource_policy: the whole resource-based policy of a function, version or alias
        (PutResourcePolicy), read as its statements; one not known at plan time is left out."""
        import json
        text = self.value(instance, "policy")
        try:
            document = json.loads(text) if isinstance(text, str) else None
        except ValueError:
            document = None
        statements = document.get("Statement") if isinstance(document, dict) else None
        statements = [statements] if isinstance(statements, dict) else statements
        if not isinstance(statements, list):
            return
        function, _, _ = self._policy_target(instance, self.value(instance, "resource_arn"), None, "resource_arn")
        policy = function.setdefault("Policy", {"Version": "2012-10-17", "Statement": []})
        for index, raw in enumerate(statements):
            if isinstance(raw, dict):
                statement = dict(raw)
                statement.setdefault("Sid", f"{instance.address}[{index}]")
                statement.update(self.where(instance))
                policy["Statement"].append(statement)

    def read_permission(self, instance: _Instance):
        raw_name = self.value(instance, "function_name")
        function, base, qualifier = self._policy_target(instance, raw_name, self.value(instance, "qualifier"),
                                                        "function_name")
        principal = str(self.value(instance, "principal", ""))
        principal_doc = "*" if principal == "*" else {"Service": principal} if principal.endswith(".amazonaws.com") \
            else {"AWS": principal}
        statement = {"Sid": str(self.value(instance, "statement_id", instance.address)), "Effect": "Allow",
                     "Principal": principal_doc,
                     "Action": str(self.value(instance, "action", "lambda:InvokeFunction")),
                     "Resource": f"{base}:{qualifier}" if qualifier else base}
        condition = {}
        source_arn = self.value(instance, "source_arn")
        if source_arn not in (None, ""):
            condition.setdefault("ArnLike", {})["AWS:SourceArn"] = str(source_arn)
        source_account = self.value(instance, "source_account")
        if source_account not in (None, ""):
            condition.setdefault("StringEquals", {})["AWS:SourceAccount"] = str(source_account)
        org = self.value(instance, "principal_org_id")
        if org not in (None, ""):
            condition.setdefault("StringEquals", {})["aws:PrincipalOrgID"] = str(org)
        url_auth = self.value(instance, "function_url_auth_type")
        if url_auth not in (None, ""):
            condition.setdefault("StringEquals", {})["lambda:FunctionUrlAuthType"] = str(url_auth)
        if condition:
            statement["Condition"] = condition
        statement.update(self.where(instance))
        function.setdefault("Policy", {"Version": "2012-10-17", "Statement": []})["Statement"].append(statement)


def _json_with_unknowns(text: str) -> bool:
    """A JSON document (jsonencode's output) whose unknown values sit inside its strings, each keeping the
    identity of what it stands for (the function's name, an API's execution ARN): readable as it is."""
    import json
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


def _invoke_arn(settings, function: str) -> str:
    return invocation_uri(settings.partition, settings.region, function)


def _int(value, default):
    number = as_int(value)
    return default if number is None else number


def _provider_region(plan: dict) -> str | None:
    config = plan.get("configuration") if isinstance(plan.get("configuration"), dict) else {}
    for key, provider in (config.get("provider_config") or {}).items():
        if isinstance(provider, dict) and provider.get("name", key.split(".")[0]) == "aws":
            region = ((provider.get("expressions") or {}).get("region") or {}).get("constant_value")
            if isinstance(region, str):
                return region
    return None


def load_terraform(path: str, text: str, region, account, parameters) -> dict:
    from auditor.iac import make_settings
    from auditor.files import parse_json
    plan = parse_json(text, path)
    if not isinstance(plan, dict) or "format_version" not in plan:
        raise InputError("not the JSON of `terraform show -json`: 'format_version' is missing", file=path, line=1)
    version = str(plan["format_version"])
    match = re.search(r'"format_version"\s*:', text)
    line = LineIndex(text).line(match.start()) if match else 1
    if version.split(".")[0] not in SUPPORTED_MAJOR:
        raise InputError(f"unknown Terraform plan format version {version!r}; this tool reads 0.x and 1.x",
                         file=path, line=line)
    if not any(k in plan for k in ("planned_values", "values", "resource_changes")):
        raise InputError("Terraform JSON without planned_values, values or resource_changes (use "
                         "`terraform show -json PLANFILE`)", file=path, line=1)
    try:
        settings = make_settings(text, region, account, parameters, fallback_region=_provider_region(plan))
        return PlanReader(plan, text, path, settings).read()
    except (AttributeError, TypeError, KeyError) as exc:  # a value of a type no plan holds: name it, no traceback
        raise InputError(f"not a Terraform plan this tool can read: unexpected value ({exc})", file=path) from None

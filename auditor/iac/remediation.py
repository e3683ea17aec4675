"""Remediation in the input's own syntax: a CloudFormation/SAM property, an OpenAPI key, or HCL.

The rules write an `aws` CLI command (which the next deploy would undo) and a machine-readable
`Fix(action, details)`. For a finding located in IaC input, `apply_iac_remediations` replaces the
command with the change to make in the template or Terraform configuration. The engine never
knows about IaC: readers register, per file, how each emitted object maps back to its source.
"""

import json
import re

from auditor.core.analysis import TARGET_PREFIX
from auditor.core.arns import parse_lambda_arn, parse_source_arn
from auditor.escape import visible

# file -> (context, {json path -> hint})
_REGISTRY: dict[str, tuple[dict, dict]] = {}


def register(file: str, context: dict, hints: dict) -> None:
    _REGISTRY[file] = (context, hints)


def hcl_key(key: str) -> str:
    """An object key in HCL: bare when an identifier, quoted otherwise (`"AWS:SourceArn"`)."""
    return key if re.fullmatch(r"[A-Za-z_][\w-]*", key) else json.dumps(key)


def hint_of(location) -> dict | None:
    """What the reader recorded about the object at `location` of a template (its type, logical id), if any."""
    entry = _REGISTRY.get(location.file) if location is not None else None
    return entry[1].get(location.path) if entry else None


def apply_iac_remediations(result) -> None:
    """Every finding's remediation from the edits `fix` plans (so `audit`, `explain` and `fix` print one
    repair), then, for findings that point into an IaC input, in the template's own syntax."""
    if not result.findings:
        return
    from auditor.fix.remediation import plan_remediations
    plan_remediations(result)
    for finding in result.findings:
        location = finding.location
        if location is None or finding.fix is None:
            continue
        entry = _REGISTRY.get(location.file)
        if entry is None:
            continue
        context, hints = entry
        hint = hints.get(location.path)
        if hint is None:
            continue
        text = render(finding, context, hint, location)
        if text:
            finding.remediation = text


def render(finding, context: dict, hint: dict, location) -> str | None:
    if hint.get("kind") == "error":
        return hint["text"]
    if str(hint.get("type", "")).startswith(("AWS::ApiGateway::", "aws_api_gateway_")):  # REST APIs (v1)
        from auditor.iac.rest_remediation import render_rest
        text = render_rest(finding, context, hint, location)
        if text is not None:
            return text
    if context.get("input_type") == "terraform":
        if hint.get("kind") == "tf-module":  # made by a community module: the fix is in the module block
            from auditor.iac.hcl.fixes import render_module_call
            text = render_module_call(finding.fix, context, hint, location)
            if text:
                return text
        try:
            return _Terraform(context, hint, location, finding.resource.api_id).render(finding.fix)
        except ModuleInternal as exc:
            return f"{_where(location)}: {exc}: make the change in that module's source, or export the value from it"
    text = _CloudFormation(context, hint, location, finding.resource.api_id).render(finding.fix)
    if text and context.get("input_type") == "cdk":
        text += f"\n  (cdk.out is generated: make the change in the construct that synthesizes {hint.get('logical')})"
    return text


def _where(location) -> str:
    return f"{location.file}:{location.line}" if location.line else location.file


_OPENAPI_KEYS = {"PayloadFormatVersion": "payloadFormatVersion", "TimeoutInMillis": "timeoutInMillis",
                 "IntegrationUri": "uri", "IntegrationType": "type", "CredentialsArn": "credentials"}
_SAM_EVENT_KEYS = {"PayloadFormatVersion": "PayloadFormatVersion", "TimeoutInMillis": "TimeoutInMillis"}



def _api_of(text: str, apis: dict) -> tuple[str, str] | None:
    """(logical name, rest) when text is an execute-api ARN of an API the input declares."""
    pattern = parse_source_arn(text)
    if pattern is None or pattern.service != "execute-api" or pattern.api_id not in apis:
        return None
    return apis[pattern.api_id], pattern.resource[len(pattern.api_id):]


def _integration_of(text: str, integrations: dict) -> str | None:
    """The logical name when text is `integrations/<id>` of an integration the input declares."""
    if text.startswith(TARGET_PREFIX):
        return integrations.get(text[len(TARGET_PREFIX):])
    return None

class _CloudFormation:
    def __init__(self, context, hint, location, api_id: str | None = None):
        self.context = context
        self.hint = hint
        self.location = location
        self.api_id = api_id  # the API the finding is about (names what a fix adds for it)
        self.json = context.get("format") == "json"
        self.sam = context.get("input_type") == "sam"

    # -- values as template expressions --------------------------------------------------------
    def sub(self, text: str):
        """A string with placeholders of template resources turned into `${Logical}` of an Fn::Sub."""
        original = text
        apis = self.context.get("apis", {})

        named = _api_of(text, apis)
        if named:
            logical, rest = named
            authorizer = rest[len("/authorizers/"):] if rest.startswith("/authorizers/") else None
            if authorizer in self.context.get("authorizers", {}):  # its id is `!Ref` of the resource
                rest = "/authorizers/${" + self.context["authorizers"][authorizer] + "}"
            text = "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${" + logical + "}" + rest
        integration = _integration_of(text, self.context.get("integrations", {}))
        if integration:
            text = TARGET_PREFIX + "${" + integration + "}"
        return {"Fn::Sub": text} if text != original else original

    def function_ref(self, arn: str):
        qualified = self.context.get("qualified", {})
        functions = self.context.get("functions", {})
        if arn in qualified:
            return {"Ref": qualified[arn]}
        if arn in functions:
            return {"Fn::GetAtt": [functions[arn], "Arn"]}
        ref = parse_lambda_arn(arn)
        if ref and ref.qualifier and ref.unqualified_arn in functions:
            return {"Fn::Sub": "${" + functions[ref.unqualified_arn] + ".Arn}:" + ref.qualifier}
        return arn

    def value(self, value):
        if isinstance(value, str):
            return self.sub(value)
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        return value

    # -- text ---------------------------------------------------------------------------------
    def dump(self, mapping: dict, indent: int = 2) -> str:
        if self.json:
            text = json.dumps(mapping, indent=2)
            return "\n".join(" " * indent + line for line in text.splitlines())
        return _yaml(mapping, indent)

    def render(self, fix) -> str | None:
        action, details = fix.action, dict(fix.details)
        hint = self.hint
        logical = hint.get("logical", self.location.resource)
        where = _where(self.location)
        if action == "set":
            if "sam" in hint:
                return self.sam_set(details, where)
            if hint.get("kind") == "openapi":
                return self.openapi_set(details, logical, where)
            if hint.get("quick"):
                return self.quick_set(details, logical, where)
            props = {k: self.value(v) for k, v in details.items()}
            added = {}
            if hint.get("type") == "AWS::ApiGatewayV2::Stage" and isinstance(details.get("AccessLogSettings"), dict):
                api = self.context.get("apis", {}).get(self.api_id, logical)
                props["AccessLogSettings"], added = self.log_group(f"{api}AccessLogs", details["AccessLogSettings"])
            text = f"{where}: in resource {logical} ({hint.get('type')}), set\n" + self.dump({"Properties": props}, 2)
            if added:
                text += "\n  and add to the template's Resources:\n" + self.dump(added, 2)
            return text
        if action == "add-permission":
            return self.permission(details, where)
        if action in ("replace-statement", "remove-statement") and hint.get("type") == "AWS::Lambda::ResourcePolicy":
            sid = details.get("StatementId") or "?"
            if action == "remove-statement":
                return (f"{where}: in resource {logical} (AWS::Lambda::ResourcePolicy), remove the statement with "
                        f"Sid `{sid}` from PolicyDocument, the other statements kept.")
            statement = {"Principal": {"Service": "apigateway.amazonaws.com"},
                         "Condition": {"ArnLike": {"AWS:SourceArn": self.sub(details.get("SourceArn", ""))}}}
            return (f"{where}: in resource {logical} (AWS::Lambda::ResourcePolicy), in the PolicyDocument statement "
                    f"with Sid `{sid}`, set (the other statements kept):\n" + self.dump(statement, 2))
        if action == "replace-statement":
            source_arn = self.sub(details.get("SourceArn", ""))
            return (f"{where}: in resource {logical} (AWS::Lambda::Permission), scope it to your API:\n"
                    + self.dump({"Properties": {"SourceArn": source_arn}}, 2))
        if action == "remove-statement":
            if hint.get("type") != "AWS::Lambda::Permission":  # the finding sits on a route: a Deny refuses it
                api = self.context.get("apis", {}).get(self.api_id)
                arn = {"Fn::Sub": "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${" + api +
                       "}/*"} if api else f"<the execute-api ARN of API {self.api_id}>/*"
                return (f"{where}: in the function's AWS::Lambda::ResourcePolicy, the statement with Sid "
                        f"`{details.get('StatementId')}` refuses API Gateway: take this API out of it (the other "
                        "callers still meet it), in its PolicyDocument:\n"
                        + self.dump({"Condition": {"ArnNotLike": {"AWS:SourceArn": arn}}}, 2))
            return f"{where}: delete resource {logical} (AWS::Lambda::Permission) from the template."
        if action == "delete":
            if hint.get("kind") == "openapi":
                return f"{where}: remove the operation {_pointer(hint)} from the OpenAPI Body of {logical}."
            return f"{where}: delete resource {logical} ({hint.get('type')}), or point a route at it."
        if action == "serve":
            return self.serve(details, logical, where)
        if action == "set-function":
            arn = details.get("FunctionArn", "")
            function = self.context.get("functions", {}).get(arn)
            kind = "AWS::Serverless::Function" if self.sam else "AWS::Lambda::Function"
            if function is None:
                return None
            return (f"{self.location.file}: in resource {function} ({kind}), set\n"
                    + self.dump({"Properties": {"Timeout": details.get("Timeout")}}, 2)
                    + "\n  (or raise TimeoutInMillis on the integration, up to 30000)")
        if action == "review":
            return f"{where}: review resource {logical} ({hint.get('type')})."
        return None

    def quick_set(self, details, logical, where) -> str:
        """Quick create's route, integration and stage are changed through AWS::ApiGatewayV2::
        ApiGatewayManagedOverrides (the template's own, or a new one); what it cannot override is on the Api."""
        section = {"route": "Route", "integration": "Integration", "stage": "Stage"}[self.hint["quick"]]
        on_api = {"IntegrationUri": "Target", "CredentialsArn": "CredentialsArn", "RouteKey": "RouteKey"}
        overridable = {k: self.value(v) for k, v in details.items() if k not in on_api}
        api_props = {on_api[k]: self.value(v) for k, v in details.items() if k in on_api}
        parts = []
        if api_props:
            parts.append(f"{where}: in resource {logical} ({self.hint.get('type', 'AWS::ApiGatewayV2::Api')}), set\n"
                         + self.dump({"Properties": api_props}, 2))
        if overridable:
            overrides = self.hint.get("overrides")
            if overrides:
                line = self.hint.get("overrides_line")
                at = f"{self.location.file}:{line}" if line else self.location.file
                parts.append(f"{at}: in resource {overrides} (AWS::ApiGatewayV2::ApiGatewayManagedOverrides), set\n"
                             + self.dump({"Properties": {section: overridable}}, 2))
            else:
                parts.append(f"{where}: {logical} uses quick create (Target on the Api); add a resource of type "
                             f"AWS::ApiGatewayV2::ApiGatewayManagedOverrides that overrides its {section.lower()}:\n"
                             + self.dump({"Properties": {"ApiId": {"Ref": logical}, section: overridable}}, 2))
        return "\n".join(parts)

    def openapi_set(self, details, logical, where) -> str:
        lines = []
        pointer = list(self.hint.get("pointer") or [])
        if pointer and pointer[-1] == "x-amazon-apigateway-integration":
            pointer.pop()
        operation = _pointer({"pointer": pointer})
        for key, value in details.items():
            if key in _OPENAPI_KEYS:
                name = _OPENAPI_KEYS[key]
                shown = value.lower() if name == "type" and isinstance(value, str) else value
                lines.append(f"{operation}.x-amazon-apigateway-integration.{name}: {json.dumps(shown)}")
            elif key == "AuthorizationType":
                lines.append(f"{operation}.security: [{{<authorizer-name>: []}}]")
            elif key != "AuthorizerId":
                lines.append(f"{operation}: {key} = {json.dumps(value)}")
        label = "OpenAPI definition" if self.context.get("input_type") == "openapi" else f"OpenAPI Body of {logical}"
        return f"{where}: in the {label}, set " + "; ".join(lines)

    def sam_set(self, details, where) -> str:
        sam = self.hint["sam"]
        on_route = self.hint.get("kind") == "openapi" or self.hint.get("type") in (
            "AWS::ApiGatewayV2::Route", "AWS::ApiGatewayV2::Integration")
        if sam.get("event") and on_route:
            props = {}
            for key, value in details.items():
                if key in _SAM_EVENT_KEYS:
                    props[_SAM_EVENT_KEYS[key]] = value
                elif key == "AuthorizationType":
                    props["Auth"] = {"Authorizer": "<authorizer-name>"}
                elif key != "AuthorizerId":
                    props[key] = value
            return (f"{where}: in the HttpApi event {sam['event']} of {sam['resource']}, set\n"
                    + self.dump({"Properties": props}, 2))
        if sam.get("type") == "AWS::Serverless::Function":  # a resource of the implicit ServerlessHttpApi
            return (f"{where}: the implicit HttpApi of the events takes no properties: declare an "
                    "AWS::Serverless::HttpApi, point the events' ApiId at it, and set on it\n"
                    + self.dump({"Properties": {k: self.value(v) for k, v in details.items()}}, 2))
        return (f"{where}: in resource {sam['resource']} ({sam.get('type', 'SAM')}), set\n"
                + self.dump({"Properties": {k: self.value(v) for k, v in details.items()}}, 2))

    @staticmethod
    def permission_name(function, source_arn, arn: str) -> str:
        """The logical id of a new AWS::Lambda::Permission (audit's text and fix's diff use the same)."""
        if isinstance(function, dict) and "Fn::GetAtt" in function:
            base = function["Fn::GetAtt"][0]
        elif isinstance(function, dict) and "Ref" in function:
            base = function["Ref"]
        else:
            base = re.sub(r"[^A-Za-z0-9]", "", (parse_lambda_arn(arn).name if parse_lambda_arn(arn) else "Function"))
        api = re.search(r"\$\{(\w+)\}", json.dumps(source_arn)) if isinstance(source_arn, dict) else None
        return f"{base}{api.group(1) if api else ''}InvokePermission"

    @staticmethod
    def log_group(group: str, settings: dict) -> tuple[dict, dict]:
        """Access logs into a log group the template declares (`<Api>AccessLogs`), named by reference, never
        a literal account: (the AccessLogSettings to set, the resources to add). Audit's text and fix's diff."""
        return (dict(settings, DestinationArn={"Fn::GetAtt": [group, "Arn"]}),
                {group: {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 90}}})

    def permission(self, details, where) -> str:
        arn = details.get("FunctionArn", "")
        function = self.function_ref(arn)
        source_arn = self.sub(details.get("SourceArn", ""))
        if details.get("PolicyResource"):  # the function's whole resource policy: the grant joins its document
            statement = {"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
                         "Action": "lambda:InvokeFunction", "Resource": function,
                         "Condition": {"ArnLike": {"AWS:SourceArn": source_arn}}}
            return (f"{where}: in resource {details['PolicyResource']} (AWS::Lambda::ResourcePolicy), add to "
                    "PolicyDocument.Statement (the other statements kept):\n" + self.dump(statement, 2))
        name = self.permission_name(function, source_arn, arn)
        resource = {name: {"Type": "AWS::Lambda::Permission", "Properties": {
            "Action": "lambda:InvokeFunction", "FunctionName": function, "Principal": "apigateway.amazonaws.com",
            "SourceArn": source_arn}}}
        return f"{where}: add to the template's Resources:\n" + self.dump(resource, 2)

    def serve(self, details, logical, where) -> str:
        parts = []
        api_ref = {"Ref": logical} if logical in self.context.get("apis", {}).values() else logical
        for step in details.get("steps", []):
            if step.get("action") == "create-stage":
                parts.append(self.dump({f"{logical}DefaultStage": {"Type": "AWS::ApiGatewayV2::Stage", "Properties": {
                    "ApiId": api_ref, "StageName": "$default", "AutoDeploy": True}}}, 2))
            elif step.get("action") == "set-stage":
                parts.append(f"  # on the AWS::ApiGatewayV2::Stage {step.get('StageName')} of {logical}: AutoDeploy: true")
            elif step.get("action") == "create-route":
                parts.append(self.dump({f"{logical}DefaultRoute": {"Type": "AWS::ApiGatewayV2::Route", "Properties": {
                    "ApiId": api_ref, "RouteKey": "$default",
                    "Target": {"Fn::Sub": "integrations/${<IntegrationLogicalId>}"}}}}, 2))
        return f"{where}: {logical} serves nothing; add to Resources:\n" + "\n".join(parts)


def _pointer(hint) -> str:
    pointer = hint.get("pointer") or []
    out = ""
    for part in pointer:
        out += f"[{json.dumps(part)}]" if not re.fullmatch(r"[A-Za-z_][\w-]*", str(part)) else f".{part}"
    return out.lstrip(".")


def _scalar(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    if text == "" or re.search(r": | #|^[-?:,\[\]{}#&*!|>'\"%@`]|:$|^\s|\s$", text) or \
            text.lower() in ("true", "false", "yes", "no", "null", "on", "off") or re.fullmatch(r"[\d.]+", text):
        return json.dumps(text)
    return text


def _yaml(value, indent: int) -> str:
    """A small YAML writer that uses CloudFormation's short forms (!Sub, !Ref, !GetAtt)."""
    pad = " " * indent
    lines = []
    for key, item in value.items():
        if isinstance(item, dict) and len(item) == 1 and next(iter(item)) in ("Ref", "Fn::Sub", "Fn::GetAtt"):
            (fn, arg), = item.items()
            short = {"Ref": "!Ref", "Fn::Sub": "!Sub", "Fn::GetAtt": "!GetAtt"}[fn]
            arg = ".".join(arg) if fn == "Fn::GetAtt" else arg
            lines.append(f"{pad}{key}: {short} {_scalar(arg) if fn != 'Fn::Sub' else json.dumps(arg)}")
        elif isinstance(item, dict):
            lines.append(f"{pad}{key}:")
            lines.append(_yaml(item, indent + 2))
        else:
            lines.append(f"{pad}{key}: {_scalar(item)}")
    return "\n".join(lines)


_TF_ATTRIBUTES = {"Target": "target", "PayloadFormatVersion": "payload_format_version",
                  "IntegrationType": "integration_type", "IntegrationUri": "integration_uri",
                  "TimeoutInMillis": "timeout_milliseconds", "RouteKey": "route_key",
                  "AuthorizationType": "authorization_type", "AuthorizerId": "authorizer_id",
                  "AutoDeploy": "auto_deploy", "CredentialsArn": "credentials_arn"}


# What a community module exports for an attribute of a resource it makes (outside a module, only outputs reach in).
_MODULE_OUTPUTS = {
    "lambda": {("aws_lambda_function", "function_name"): "lambda_function_name",
               ("aws_lambda_function", "arn"): "lambda_function_arn",
               ("aws_lambda_function", "invoke_arn"): "lambda_function_invoke_arn",
               ("aws_lambda_function", "qualified_arn"): "lambda_function_qualified_arn"},
    "apigateway-v2": {("aws_apigatewayv2_api", "id"): "api_id",
                      ("aws_apigatewayv2_api", "execution_arn"): "api_execution_arn"},
}


class ModuleInternal(ValueError):
    """A reference into a resource that a module makes and does not export: no valid Terraform can name it."""


class _Terraform:
    def __init__(self, context, hint, location, api_id: str | None = None):
        self.context = context
        self.hint = hint
        self.location = location
        self.api_id = api_id  # the API the finding is about

    def ref(self, address: str, attribute: str) -> str:
        """A valid reference to `attribute` of the resource at `address`: the resource's own, or the output a
        community module exports for it (Terraform cannot reach into a module's resources)."""
        home, _, _ = self.address_parts()  # the module whose source the block goes into ("" for the root)
        if self.context.get("modules", {}).get(home):
            home = ""  # a community module's source is not the user's: the block goes into the calling code
        if home and address.startswith(home):
            return f"{address[len(home):]}.{attribute}"
        if not address.startswith("module."):
            return f"{address}.{attribute}"
        module, _, resource = address.rpartition(".aws_")
        kind = "aws_" + resource.partition(".")[0]
        output = _MODULE_OUTPUTS.get(self.context.get("modules", {}).get(module + "."), {}).get((kind, attribute))
        if output is None or "module." in module[len("module."):]:
            raise ModuleInternal(f"{address} is made by module {module} and its {attribute} is not an output of it")
        return f"{module}.{output}"

    def expr(self, value) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return str(value)
        text = str(value)
        integration = _integration_of(text, self.context.get("integrations", {}))
        if integration:
            return '"' + TARGET_PREFIX + '${' + integration + '.id}"'
        named = _api_of(text, self.context.get("apis", {}))
        if named:
            rest = named[1]
            authorizer = rest[len("/authorizers/"):] if rest.startswith("/authorizers/") else None
            if authorizer in self.context.get("authorizers", {}):  # an id known after apply: the reference
                rest = "/authorizers/${" + self.ref(self.context["authorizers"][authorizer], "id") + "}"
            return '"${' + self.ref(named[0], "execution_arn") + '}' + rest + '"'
        return json.dumps(text).replace("${", "$${")

    def hcl(self, value) -> str:
        """A value as a one-line HCL expression (inside jsonencode): strings through `expr` (references)."""
        if isinstance(value, dict):
            return "{ " + ", ".join(f"{hcl_key(k)} = {self.hcl(v)}" for k, v in value.items()) + " }"
        if isinstance(value, list):
            return "[" + ", ".join(self.hcl(v) for v in value) + "]"
        return self.expr(value)

    def block(self, kind: str, name: str, attributes: list[tuple[str, str]]) -> str:
        width = max(len(k) for k, _ in attributes) if attributes else 0
        body = "\n".join(f"  {k.ljust(width)} = {v}" if not v.startswith("{") else f"  {k} {v}"
                         for k, v in attributes)
        return f'resource "{kind}" "{name}" {{\n{body}\n}}'

    def address_parts(self) -> tuple[str, str, str]:
        address = self.hint.get("address", self.location.resource or "")
        module = ""
        rest = address
        while rest.startswith("module."):
            head, _, rest = rest.partition(".")
            name, _, rest = rest.partition(".")
            module += f"module.{name}."
        rest = re.sub(r"\[.*?\]$", "", rest)
        kind, _, name = rest.partition(".")
        return module, kind, name

    def render(self, fix) -> str | None:
        action, details = fix.action, fix.details
        where = _where(self.location)
        module, kind, name = self.address_parts()
        note = f" (in {module.rstrip('.')})" if module else ""
        if action == "set":
            attributes = []
            for key, value in details.items():
                if key == "AccessLogSettings" and isinstance(value, dict):
                    attributes.append(("access_log_settings",
                                       "{\n    destination_arn = aws_cloudwatch_log_group.<name>.arn\n"
                                       f"    format          = {json.dumps(value.get('Format', ''))}\n  }}"))
                elif key in _TF_ATTRIBUTES:
                    attributes.append((_TF_ATTRIBUTES[key], self.expr(value)))
            if not attributes:
                return None
            return f"{where}: in {self.hint.get('address')}{note}, set\n" + self.block(kind, name, attributes)
        if action == "add-permission" and details.get("PolicyResource"):
            statement = {"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
                         "Action": "lambda:InvokeFunction",
                         "Condition": {"ArnLike": {"AWS:SourceArn": details.get("SourceArn", "")}}}
            return (f"{where}: in {details['PolicyResource']}{note}, add to the Statement list of its policy (the "
                    f"other statements kept), with Resource the function's ARN:\n  {self.hcl(statement)}")
        if action == "replace-statement" and kind == "aws_lambda_resource_policy":
            return (f"{where}: in {self.hint.get('address')}{note}, in the policy's statement with Sid "
                    f"`{details.get('StatementId')}`, set (the other statements kept):\n"
                    f"  Principal = {self.hcl({'Service': 'apigateway.amazonaws.com'})}\n"
                    f"  Condition = {self.hcl({'ArnLike': {'AWS:SourceArn': details.get('SourceArn', '')}})}")
        if action == "remove-statement" and kind != "aws_lambda_permission":  # a Deny, found on a route
            api = self.context.get("apis", {}).get(self.api_id)
            value = '"${' + self.ref(api, "execution_arn") + '}/*"' if api else \
                json.dumps(f"<the execute-api ARN of API {self.api_id}>/*")
            return (f"{where}: in the function's aws_lambda_resource_policy, the statement with Sid "
                    f"`{details.get('StatementId')}` refuses API Gateway: take this API out of it (the other callers "
                    f"still meet it), in its Condition:\n  ArnNotLike = {{ \"AWS:SourceArn\" = {value} }}")
        if action == "add-permission":
            arn = details.get("FunctionArn", "")
            ref = parse_lambda_arn(arn)
            functions = self.context.get("functions", {})
            base = ref.unqualified_arn if ref else arn
            function = self.ref(functions[base], "function_name") if base in functions else json.dumps(ref.name if ref else arn)
            attributes = [("statement_id", '"AllowAPIGatewayInvoke"'), ("action", '"lambda:InvokeFunction"'),
                          ("function_name", function)]
            if ref and ref.qualifier:
                attributes.append(("qualifier", json.dumps(ref.qualifier)))
            attributes += [("principal", '"apigateway.amazonaws.com"'),
                           ("source_arn", self.expr(details.get("SourceArn", "")))]
            label = re.sub(r"[^A-Za-z0-9_]", "_", (ref.name if ref else "function")) + "_apigw"
            return f"{where}: add{note}\n" + self.block("aws_lambda_permission", label, attributes)
        if action == "replace-statement":
            return (f"{where}: in {self.hint.get('address')}{note}, set\n"
                    + self.block(kind, name, [("source_arn", self.expr(details.get("SourceArn", "")))]))
        if action in ("remove-statement", "delete"):
            return f"{where}: remove resource {self.hint.get('address')}{note} from the configuration."
        if action == "serve":
            api = self.hint.get("address", "")
            blocks = []
            for step in details.get("steps", []):
                if step.get("action") == "create-stage":
                    blocks.append(self.block("aws_apigatewayv2_stage", "default", [
                        ("api_id", f"{api}.id"), ("name", '"$default"'), ("auto_deploy", "true")]))
                elif step.get("action") == "set-stage":
                    blocks.append(f"# on the aws_apigatewayv2_stage {visible(step.get('StageName'))} of {api}: auto_deploy = true")
                elif step.get("action") == "create-route":
                    blocks.append(self.block("aws_apigatewayv2_route", "default", [
                        ("api_id", f"{api}.id"), ("route_key", '"$default"'),
                        ("target", '"integrations/${aws_apigatewayv2_integration.<name>.id}"')]))
            return f"{where}: {api} serves nothing; add{note}\n" + "\n".join(blocks)
        if action == "set-function":
            function = self.context.get("functions", {}).get(details.get("FunctionArn", ""))
            if function is None:
                return None
            _, _, rest = function.rpartition("aws_lambda_function.")
            return (f"{self.location.file}: in {function}, set\n"
                    + self.block("aws_lambda_function", re.sub(r"\[.*\]$", "", rest), [("timeout", str(details.get("Timeout")))])
                    + "\n# (or raise timeout_milliseconds on the integration, up to 30000)")
        if action == "review":
            return f"{where}: review {self.hint.get('address')}{note}."
        return None

"""CloudFormation (and SAM output, and CDK's cdk.out) -> snapshot document.

Maps AWS::ApiGatewayV2::Api (with quick create and OpenAPI Body), ::Route, ::Integration,
::Stage, ::Authorizer, AWS::Lambda::Function, ::Alias, ::Version and ::Permission to the AWS
response shapes the rules read. Permissions become policy statements exactly as AddPermission
writes them, attached to the function (or alias/version) their FunctionName names.
"""

import json
import os
import re

from auditor.iac import cfn_rest
from auditor.core.arns import function_arn, is_unresolved, parse_lambda_arn
from auditor.errors import InputError
from auditor.escape import shell_word
from auditor.iac.document import DocumentBuilder, suppression_tags
from auditor.iac.openapi import api_settings, read_body
from auditor.iac.resolve import Resolver, Settings, as_int as _int, unresolved
from auditor.core.model import NO_PARAMETER_VALUE
from auditor.files import read_text
from auditor.iac.yamlload import LineDict, line_of, load_template_text
from auditor.core.policy import ALLOW_APIGATEWAY_ASSUME, StatementShapeError, read_statement

API = "AWS::ApiGatewayV2::Api"
ROUTE = "AWS::ApiGatewayV2::Route"
INTEGRATION = "AWS::ApiGatewayV2::Integration"
STAGE = "AWS::ApiGatewayV2::Stage"
AUTHORIZER = "AWS::ApiGatewayV2::Authorizer"
FUNCTION = "AWS::Lambda::Function"
ALIAS = "AWS::Lambda::Alias"
VERSION = "AWS::Lambda::Version"
PERMISSION = "AWS::Lambda::Permission"
RESOURCE_POLICY = "AWS::Lambda::ResourcePolicy"
DOMAIN_NAME = "AWS::ApiGatewayV2::DomainName"
API_MAPPING = "AWS::ApiGatewayV2::ApiMapping"
ROLE = "AWS::IAM::Role"
OVERRIDES = "AWS::ApiGatewayV2::ApiGatewayManagedOverrides"
ROUTE_RESPONSE = "AWS::ApiGatewayV2::RouteResponse"  # WebSocket APIs (iac/websocket.py)
INTEGRATION_RESPONSE = "AWS::ApiGatewayV2::IntegrationResponse"
# What ApiGatewayManagedOverrides may set on the route, integration and stage quick create makes
# (CloudFormation's RouteOverrides, IntegrationOverrides and StageOverrides property types).
_OVERRIDABLE = {"Route": ("AuthorizationScopes", "AuthorizationType", "AuthorizerId", "OperationName", "Target"),
                "Integration": ("Description", "IntegrationMethod", "PayloadFormatVersion", "TimeoutInMillis"),
                "Stage": ("AccessLogSettings", "AutoDeploy", "DefaultRouteSettings", "Description", "RouteSettings",
                          "StageVariables")}
_ID_TYPES = {API, ROUTE, INTEGRATION, AUTHORIZER, "AWS::ApiGatewayV2::Deployment", "AWS::ApiGatewayV2::VpcLink",
             "AWS::ApiGatewayV2::Model", "AWS::ApiGatewayV2::DomainName"}
_PARTIAL_ARN = re.compile(r"^(\d{12}):function:([A-Za-z0-9_-]+)(?::([A-Za-z0-9_$-]+))?$")


def _has_marker(value) -> bool:
    """Does a resolved value hold anything not known before deployment (a Principal left to a parameter...)?"""
    if isinstance(value, str):
        return is_unresolved(value)
    if isinstance(value, dict):
        return any(_has_marker(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_marker(v) for v in value)
    return False


def _known_trust_statement(statement) -> bool:
    """A trust statement whose effect, principal and action are known before deployment, in the shape
    policy statements have."""
    if not isinstance(statement, dict) or _has_marker({k: v for k, v in statement.items() if k != "Condition"}):
        return False
    try:
        read_statement(statement, "")
    except StatementShapeError:
        return False
    return True


def check_template(template, file: str) -> dict:
    """A CloudFormation template, or InputError naming the file and line of what is wrong."""
    if not isinstance(template, dict):
        raise InputError("not a CloudFormation template: the document is not a mapping", file=file, line=1)
    resources = template.get("Resources")
    if not isinstance(resources, dict):
        where = line_of(template, "Resources") if "Resources" in template else 1
        raise InputError("not a CloudFormation template: no 'Resources' mapping", file=file, line=where)
    for logical, resource in resources.items():
        line = line_of(resources, logical)
        if not isinstance(resource, dict) or not isinstance(resource.get("Type"), str):
            raise InputError(f"resource {logical!r} has no 'Type'", file=file, line=line)
        if resource.get("Properties") is not None and not isinstance(resource["Properties"], dict):
            raise InputError(f"resource {logical!r}: 'Properties' must be a mapping", file=file, line=line)
    return template


def inline_includes(node, base_dir: str, file: str, unreadable: list):
    """Replace `Fn::Transform: {Name: AWS::Include, Parameters: {Location: ./local}}` by the file's content.

    An s3:// (or otherwise unreadable) Location is left in place and listed in `unreadable`.
    """
    if isinstance(node, dict):
        transform = node.get("Fn::Transform") if len(node) == 1 else None
        if isinstance(transform, dict) and transform.get("Name") == "AWS::Include":
            parameters = transform.get("Parameters")
            if not isinstance(parameters, dict):
                raise InputError("Fn::Transform AWS::Include needs Parameters: {Location: FILE}, got "
                                 f"{type(parameters).__name__}", file=getattr(node, "file", None) or file,
                                 line=line_of(node))
            location = parameters.get("Location")
            if isinstance(location, str) and "://" not in location:
                path = location if os.path.isabs(location) else os.path.normpath(os.path.join(base_dir, location))
                if os.path.isfile(path):
                    included = load_template_text(read_text(path), path)
                    if isinstance(included, LineDict):
                        included.file = path  # findings inside point at the included file's lines
                    return inline_includes(included, os.path.dirname(path), path, unreadable)
            unreadable.append(str(location))
            return node
        for key in list(node):
            node[key] = inline_includes(node[key], base_dir, file, unreadable)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            node[index] = inline_includes(item, base_dir, file, unreadable)
    return node


def _bool(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def _version_text(value):
    if isinstance(value, float):
        return f"{value:.1f}"
    return None if value is None else str(value)


def _stage_settings(item: dict, props: dict, where: str) -> None:
    """AutoDeploy and AccessLogSettings of a stage (or of the stage quick create made), as the rules read them."""
    if "AutoDeploy" in props:
        auto = _bool(props.get("AutoDeploy"))
        # A value not known before deployment: do not claim the API serves nothing.
        item["AutoDeploy"] = auto if auto is not None else props.get("AutoDeploy") is not None
    logs = props.get("AccessLogSettings")
    if logs is not None and not isinstance(logs, dict):
        item["AccessLogSettings"] = {"DestinationArn": unresolved(f"{where}.AccessLogSettings")}
    elif isinstance(logs, dict):
        logs = dict(logs)
        if logs.get("DestinationArn") is not None and not isinstance(logs["DestinationArn"], str):
            logs["DestinationArn"] = unresolved(f"{where}.AccessLogSettings.DestinationArn")
        item["AccessLogSettings"] = logs


def _tags(value) -> dict:
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    if isinstance(value, list):
        return {str(t.get("Key")): str(t.get("Value")) for t in value if isinstance(t, dict) and "Key" in t}
    return {}


class TemplateReader:
    def __init__(self, template: dict, file: str, settings: Settings, input_type: str, fmt: str,
                 origin=None):
        self.template = template
        self.file = file
        self.settings = settings
        self.input_type = input_type
        self.resources = template.get("Resources") or {}
        self.origin = origin  # SAM: where a generated resource came from in the user's template
        self.context = {"input_type": input_type, "format": fmt, "apis": {}, "integrations": {}, "functions": {},
                        "qualified": {}, "authorizers": {}}
        self.builder = DocumentBuilder(file, input_type, settings, self.context)
        self.resolver = Resolver(template, settings, self.physical)
        self._physical: dict = {}
        self._versions: dict[str, int] = {}
        self._skip: set[str] = set()

    # -- placeholders for physical ids --------------------------------------------------------
    def props(self, logical) -> dict:
        return self.resources[logical].get("Properties") or {}

    def physical(self, logical: str, attribute):
        key = (logical, attribute)
        if key not in self._physical:
            self._physical[key] = unresolved(f"{logical}.{attribute}" if attribute else f"Ref {logical}")  # cycles
            self._physical[key] = self._compute(logical, attribute)
        return self._physical[key]

    def _compute(self, logical: str, attribute):
        kind = self.resources[logical]["Type"]
        s = self.settings
        rest = cfn_rest.physical(self, logical, kind, attribute)  # REST APIs (v1): auditor.iac.cfn_rest
        if rest is not None:
            return rest
        if kind == DOMAIN_NAME and attribute is None:  # Ref gives the domain name itself
            name = self.resolver.resolve(self.props(logical).get("DomainName", logical))
            return name if isinstance(name, str) else unresolved(f"Ref {logical}")
        if kind in _ID_TYPES and (attribute is None or attribute.endswith("Id")):
            return logical
        if kind == API and attribute == "ApiEndpoint":
            return f"https://{logical}.execute-api.{s.region}.amazonaws.com"
        if kind == STAGE and attribute is None:
            return self.resolver.resolve(self.props(logical).get("StageName", logical))
        if kind == FUNCTION:
            name = self.function_name(logical)
            if attribute is None:
                return name
            if attribute == "Arn":
                return name if is_unresolved(name) else function_arn(s.partition, s.region, s.account, name)
        if kind in (ALIAS, VERSION):
            base, _ = self.function_target(self.resolver.resolve(self.props(logical).get("FunctionName")))
            if kind == ALIAS:
                name = self.resolver.resolve(self.props(logical).get("Name", logical))
                if attribute in (None, "AliasArn"):
                    return f"{base}:{name}"
                if attribute == "Name":
                    return name
            else:
                number = self.version_number(logical)
                if attribute in (None, "FunctionArn"):
                    return f"{base}:{number}"
                if attribute == "Version":
                    return number
        if kind == "AWS::IAM::Role":
            name = self.resolver.resolve(self.props(logical).get("RoleName", logical))
            if attribute is None:
                return name
            if attribute == "Arn":
                return f"arn:{s.partition}:iam::{s.account}:role/{name}"
        if kind == "AWS::Logs::LogGroup":
            name = self.resolver.resolve(self.props(logical).get("LogGroupName", logical))
            if attribute is None:
                return name
            if attribute == "Arn":
                return f"arn:{s.partition}:logs:{s.region}:{s.account}:log-group:{name}:*"
        return unresolved(f"{logical}.{attribute}" if attribute else f"Ref {logical}")

    def function_name(self, logical: str) -> str:
        value = self.props(logical).get("FunctionName")
        name = self.resolver.resolve(value) if value is not None else logical
        return name if isinstance(name, str) else unresolved(f"{logical}.FunctionName")

    def version_number(self, logical: str) -> str:
        if logical not in self._versions:
            target = str(self.resolver.resolve(self.props(logical).get("FunctionName")))
            self._versions[logical] = 1 + sum(1 for other in self._versions
                                              if str(self.resolver.resolve(self.props(other).get("FunctionName"))) == target)
        return str(self._versions[logical])

    def function_target(self, value) -> tuple[str, str | None]:
        """(unqualified function ARN, qualifier) of a FunctionName value: name, ARN or partial ARN."""
        s = self.settings
        if not isinstance(value, str):
            return unresolved("FunctionName"), None
        if is_unresolved(value):
            return value, None
        ref = parse_lambda_arn(value)
        if ref is not None:
            return ref.unqualified_arn, ref.qualifier
        match = _PARTIAL_ARN.match(value)
        if match:
            return function_arn(s.partition, s.region, match[1], match[2]), match[3]
        name, _, qualifier = value.partition(":")
        return function_arn(s.partition, s.region, s.account, name), qualifier or None

    # -- reading ------------------------------------------------------------------------------
    def line(self, logical):
        return line_of(self.resources, logical)

    def where(self, logical, meta_extra=None) -> dict:
        origin = self.origin(logical) if self.origin else None
        line, resource = (origin[0], origin[1]) if origin else (self.line(logical), logical)
        meta = {"kind": "cfn", "logical": logical, "type": self.resources[logical]["Type"]}
        if origin and len(origin) > 2:
            meta["sam"] = origin[2]
        if meta_extra:
            meta.update(meta_extra)
        return self.builder.source(line, resource, meta)

    def resolved_props(self, logical) -> dict:
        props = self.resolver.resolve(self.props(logical))
        return props if isinstance(props, dict) else {}

    def read(self) -> dict:
        conditioned = {}
        for logical, resource in self.resources.items():
            condition = resource.get("Condition")
            if condition is not None and self.resolver.condition(condition) is False:
                self._skip.add(logical)
                conditioned[logical] = condition
        by_type: dict[str, list[str]] = {}
        for logical, resource in self.resources.items():
            if logical not in self._skip:
                by_type.setdefault(resource["Type"], []).append(logical)
        for logical in by_type.get(API, []):
            self.read_api(logical)
        for logical in by_type.get(FUNCTION, []):
            self.read_function(logical)
        for logical in by_type.get(ALIAS, []) + by_type.get(VERSION, []):
            self.read_qualifier(logical)
        for kind, reader in ((INTEGRATION, self.read_integration), (ROUTE, self.read_route),
                             (STAGE, self.read_stage), (AUTHORIZER, self.read_authorizer),
                             (PERMISSION, self.read_permission), (RESOURCE_POLICY, self.read_resource_policy),
                             (DOMAIN_NAME, self.read_domain_name), (API_MAPPING, self.read_api_mapping)):
            for logical in by_type.get(kind, []):
                reader(logical)
        from auditor.iac.websocket import attach_cfn_responses
        attach_cfn_responses(self, by_type.get(ROUTE_RESPONSE, []), by_type.get(INTEGRATION_RESPONSE, []))
        for logical in by_type.get(ROLE, []):
            self.read_role(logical)
        for logical in by_type.get(OVERRIDES, []):
            self.read_overrides(logical)
        cfn_rest.RestReader(self, by_type).read()
        for logical, resource in self.resources.items():
            if resource["Type"] in ("AWS::Serverless::Application", "AWS::CloudFormation::Stack"):
                self.context.setdefault("nested", []).append(logical)
        from auditor.iac.resolve import undefined_references
        undefined = undefined_references(self.template)
        if undefined:  # CloudFormation rejects the template: it would never deploy as audited
            self.builder.error(
                "ResolveReferences", ", ".join(undefined), "UndefinedReference",
                f"{'; '.join(undefined)} name(s) no parameter or resource of the template; CloudFormation rejects "
                f"it (Unresolved resource dependencies / Template format error), so what uses them is not checked",
                "# define the parameter or resource, or correct the name")
        missing = sorted(self.resolver.missing_parameters)
        if missing:  # one finding for them all, not one per value built from them
            self.builder.error(
                "ResolveParameters", ", ".join(missing), NO_PARAMETER_VALUE,
                f"parameter(s) {', '.join(missing)} have no Default and no --parameter value: what is built from "
                f"them is shown as <{missing[0]}> and not checked",
                f"apigw-auditor audit {shell_word(self.file)} "
                + " ".join(f"--parameter {name}=VALUE" for name in missing))
        return self.builder.document()

    def _api_for(self, logical, api_id) -> dict:
        if not isinstance(api_id, str):
            api_id = unresolved(f"{logical}.ApiId")
        if api_id not in self.builder.apis:
            return self.builder.api(api_id, self.line(logical), logical, None, external=True)
        return self.builder.apis[api_id]

    def read_api(self, logical):
        props = self.resolved_props(logical)
        meta = self.where(logical)
        api = self.builder.api(logical, meta["SourceLocation"].get("Line"), meta["SourceLocation"]["Resource"],
                               meta.get("_iac"))
        self.context["apis"][logical] = logical
        api["Name"] = props.get("Name") if isinstance(props.get("Name"), str) else logical
        api["ProtocolType"] = props.get("ProtocolType") if isinstance(props.get("ProtocolType"), str) else "HTTP"
        from_body = api_settings(props.get("Body"))
        for key in ("RouteSelectionExpression", "ApiKeySelectionExpression"):  # WebSocket APIs
            if props.get(key) is not None:
                api[key] = props[key] if isinstance(props[key], str) else unresolved(f"{logical}.{key}")
        for key in ("CorsConfiguration", "DisableExecuteApiEndpoint"):
            value = props.get(key, from_body.get(key))
            if value is not None:  # explain: CORS preflight, a disabled default endpoint (SAM puts both in Body)
                api[key] = value
        tags = _tags(props.get("Tags"))
        tags.update(suppression_tags(self.resources[logical].get("Metadata")))
        api["Tags"] = tags
        if "ApiEndpoint" not in api:
            api["ApiEndpoint"] = f"https://{logical}.execute-api.{self.settings.region}.amazonaws.com"
        line = self.line(logical)
        if props.get("Target") is not None:  # quick create
            integration_id = f"{logical}-quick-create"
            api["Integrations"].append({
                "IntegrationId": integration_id, "IntegrationType": "AWS_PROXY", "IntegrationUri": props["Target"],
                # Quick create's integration sends the 2.0 payload (aws-semantics.md).
                "PayloadFormatVersion": "2.0", "TimeoutInMillis": 30000,
                **({"CredentialsArn": props["CredentialsArn"]} if props.get("CredentialsArn") else {}),
                **self.builder.source(line, logical, {"kind": "cfn", "logical": logical, "type": API,
                                                      "quick": "integration"})})
            route_key = props.get("RouteKey") if isinstance(props.get("RouteKey"), str) else "$default"
            api["Routes"].append({"RouteId": f"{logical}-quick-create", "RouteKey": route_key,
                                  "Target": f"integrations/{integration_id}", "AuthorizationType": "NONE",
                                  **self.builder.source(line, logical, {"kind": "cfn", "logical": logical,
                                                                        "type": API, "quick": "route"})})
            api["Stages"].append({"StageName": "$default", "AutoDeploy": True,
                                  **self.builder.source(line, logical, {"kind": "cfn", "logical": logical,
                                                                        "type": API, "quick": "stage"})})
        body = props.get("Body")
        raw_body = self.props(logical).get("Body")
        if isinstance(raw_body, dict) and "Fn::Transform" in raw_body:
            transform = raw_body["Fn::Transform"] if isinstance(raw_body["Fn::Transform"], dict) else {}
            parameters = transform.get("Parameters")
            location = parameters.get("Location") if isinstance(parameters, dict) else None
            self._body_unreadable(api, logical, f"Body is included from {location}, which cannot be read offline")
        elif isinstance(body, dict):
            sam_origin = self.origin.route if self.origin else None

            api_line = meta["SourceLocation"].get("Line")
            body_file = getattr(body, "file", None)

            def source(line_no, pointer, kind, key=None):
                where = sam_origin(key) if sam_origin and key else None
                meta = {"kind": "openapi", "logical": logical, "type": API, "pointer": pointer, "object": kind}
                if where:
                    meta["sam"] = where[2]
                    return self.builder.source(where[0], where[1], meta)
                if self.origin:  # SAM DefinitionBody: the line in the user's template
                    line_no = self.origin.body_line(logical, pointer) or line_no
                if body_file:
                    return self.builder.source(line_no, logical, meta, file=body_file)
                return self.builder.source(line_no or api_line, logical, meta)
            read_body(body, api, source, line)
        elif isinstance(body, str):
            self._body_unreadable(api, logical, "Body is a string, not an OpenAPI mapping")
        if props.get("BodyS3Location") is not None:
            self._body_unreadable(api, logical, "BodyS3Location cannot be read offline")

    def _body_unreadable(self, api: dict, logical: str, message: str):
        """Routes and integrations are then unknown, not absent: the rules must not conclude from them."""
        api.pop("Routes", None)
        api.pop("Integrations", None)
        self.builder.error("ReadBody", logical, "Unreadable", message + "; its routes and integrations were not checked",
                           hint=f"{self.file}: make the Body of {logical} readable offline (a local file Location, "
                                "or an inline Body), or audit the deployed API with a snapshot")

    def read_integration(self, logical):
        props = self.resolved_props(logical)
        api = self._api_for(logical, props.get("ApiId"))
        item = {"IntegrationId": logical}
        for key, value in props.items():
            if key not in ("ApiId",):
                item[key] = value
        item["TimeoutInMillis"] = _int(props.get("TimeoutInMillis"))
        if item["TimeoutInMillis"] is None:
            del item["TimeoutInMillis"]
        if "PayloadFormatVersion" in props:
            item["PayloadFormatVersion"] = _version_text(props["PayloadFormatVersion"])
        for key in ("IntegrationType", "IntegrationUri", "IntegrationSubtype", "CredentialsArn"):
            if key in item and not isinstance(item[key], str):
                item[key] = unresolved(f"{logical}.{key}")
        tags = suppression_tags(self.resources[logical].get("Metadata"))
        if tags:
            item["Tags"] = tags
        item.update(self.where(logical))
        if "PayloadFormatVersion" in props and isinstance(item.get("SourceLocation"), dict):
            item["SourceLocation"]["PayloadFormatVersionSet"] = True  # written, not defaulted (AGW111)
        self.context["integrations"][logical] = logical
        api.setdefault("Integrations", []).append(item)

    def read_route(self, logical):
        props = self.resolved_props(logical)
        api = self._api_for(logical, props.get("ApiId"))
        item = {"RouteId": logical, "AuthorizationType": "NONE"}
        for key, value in props.items():
            if key != "ApiId":
                item[key] = value
        if not isinstance(item.get("RouteKey"), str):
            item["RouteKey"] = unresolved(f"{logical}.RouteKey")
        for key in ("Target", "AuthorizationType", "AuthorizerId"):
            if key in item and not isinstance(item[key], str):
                item[key] = unresolved(f"{logical}.{key}")
        tags = suppression_tags(self.resources[logical].get("Metadata"))
        if tags:
            item["Tags"] = tags
        item.update(self.where(logical))
        api.setdefault("Routes", []).append(item)

    def read_stage(self, logical):
        props = self.resolved_props(logical)
        api = self._api_for(logical, props.get("ApiId"))
        item = {k: v for k, v in props.items() if k != "ApiId"}
        item["StageName"] = props["StageName"] if isinstance(props.get("StageName"), str) else \
            unresolved(f"{logical}.StageName")
        item["AutoDeploy"] = False
        _stage_settings(item, props, logical)
        if props.get("DeploymentId") is not None and not isinstance(props["DeploymentId"], str):
            item["DeploymentId"] = unresolved(f"{logical}.DeploymentId")
        tags = _tags(props.get("Tags"))
        tags.update(suppression_tags(self.resources[logical].get("Metadata")))
        item["Tags"] = tags
        item.update(self.where(logical))
        api.setdefault("Stages", []).append(item)

    def read_overrides(self, logical):
        """ApiGatewayManagedOverrides: sets properties of the route, integration and stage that quick create
        made for its API; findings on those then point at this resource for the fix."""
        props = self.resolved_props(logical)
        api_id = props.get("ApiId")
        api = self.builder.apis.get(api_id) if isinstance(api_id, str) else None
        if api is None:
            return
        line = self.line(logical)
        for section, collection, key in (("Route", "Routes", "RouteId"), ("Integration", "Integrations", "IntegrationId"),
                                         ("Stage", "Stages", None)):
            values = props.get(section)
            quick = next((item for item in api.get(collection) or [] if (item.get("_iac") or {}).get("quick")), None)
            if quick is None:
                continue
            quick["_iac"] = dict(quick["_iac"], overrides=logical, overrides_line=line)
            if not isinstance(values, dict):
                continue
            given = {k: values[k] for k in _OVERRIDABLE[section] if k in values}
            if section == "Stage":
                _stage_settings(quick, given, f"{logical}.Stage")
                if quick.get("AutoDeploy") is False:  # quick create deployed the API once; its id is AWS's
                    quick["DeploymentId"] = unresolved(f"{logical}.Stage.DeploymentId")
                given.pop("AutoDeploy", None)
                given.pop("AccessLogSettings", None)
            elif section == "Integration":
                if "PayloadFormatVersion" in given:
                    given["PayloadFormatVersion"] = _version_text(given["PayloadFormatVersion"])
                if "TimeoutInMillis" in given and _int(given["TimeoutInMillis"]) is None:
                    del given["TimeoutInMillis"]  # not known before deployment: left as read_integration leaves it
                elif "TimeoutInMillis" in given:
                    given["TimeoutInMillis"] = _int(given["TimeoutInMillis"])
            else:
                for name in ("Target", "AuthorizationType", "AuthorizerId"):
                    if name in given and not isinstance(given[name], str):
                        given[name] = unresolved(f"{logical}.Route.{name}")
            quick.update(given)

    def read_authorizer(self, logical):
        props = self.resolved_props(logical)
        api = self._api_for(logical, props.get("ApiId"))
        item = {k: v for k, v in props.items() if k != "ApiId"}
        item["AuthorizerId"] = logical
        item.setdefault("Name", logical)
        for key in ("AuthorizerType", "AuthorizerUri", "AuthorizerCredentialsArn", "Name"):
            if key in item and not isinstance(item[key], str):
                item[key] = unresolved(f"{logical}.{key}")
        item.update(self.where(logical))
        self.context["authorizers"][logical] = logical
        api.setdefault("Authorizers", []).append(item)

    def read_role(self, logical):
        """An IAM role's trust policy, for roles API Gateway is told to assume (AGW210); a policy that
        does not resolve to a document is left out (unknown, never judged)."""
        document = self.resolver.resolve(self.props(logical).get("AssumeRolePolicyDocument"))
        arn = self.physical(logical, "Arn")
        statements = document.get("Statement") if isinstance(document, dict) else None
        if isinstance(statements, dict):
            statements = [statements]
        if not isinstance(arn, str) or is_unresolved(arn) or not isinstance(statements, list) or not all(
                _known_trust_statement(statement) for statement in statements):
            return
        origin = self.origin(logical) if self.origin else None
        line, resource = (origin[0], origin[1]) if origin else (self.line(logical), logical)
        where = f"{self.file}:{line}" if line else self.file
        statement = json.dumps(ALLOW_APIGATEWAY_ASSUME)
        if resource != logical:  # SAM generated it: the function's own AssumeRolePolicyDocument property shapes it
            text = (f"{where}: the role is the one SAM generates for {resource}; set its AssumeRolePolicyDocument "
                    f"property to the current trust statements plus {statement}, or name a role of your own")
        else:
            text = f"{where}: in resource {logical} ({ROLE}), add to AssumeRolePolicyDocument.Statement: {statement}"
        role = {"RoleName": arn.rsplit("/", 1)[-1], "Arn": arn, "AssumeRolePolicyDocument": document}
        # The fix in the template's own terms ("error" hints are shown as written; see iac.remediation.render).
        role.update(self.builder.source(line, resource, {"kind": "error", "text": text}))
        self.builder.roles.append(role)

    def _function_object(self, arn: str, name: str, source: dict | None) -> dict:
        if arn not in self.builder.functions:
            function = {"FunctionName": name, "FunctionArn": arn}
            if source:
                function.update(source)
            self.builder.functions[arn] = function
        return self.builder.functions[arn]

    def read_function(self, logical):
        props = self.resolved_props(logical)
        name = self.function_name(logical)
        arn = self.physical(logical, "Arn")
        function = self._function_object(arn, name, self.where(logical))
        timeout = _int(props.get("Timeout", 3))
        if timeout is not None:
            function["Timeout"] = timeout
        for key in ("Runtime", "Handler", "MemorySize", "PackageType"):
            if props.get(key) is not None:
                function[key] = props[key]
        tags = _tags(props.get("Tags"))
        tags.update(suppression_tags(self.resources[logical].get("Metadata")))
        function["Tags"] = tags
        self.context["functions"][arn] = logical

    def read_qualifier(self, logical):
        kind = self.resources[logical]["Type"]
        props = self.resolved_props(logical)
        base, _ = self.function_target(props.get("FunctionName"))
        function = self.builder.functions.get(base)
        if function is None:
            return  # a qualifier of a function from outside the template: nothing to attach it to
        arn = self.physical(logical, None)
        if kind == ALIAS:
            name = props.get("Name") if isinstance(props.get("Name"), str) else logical
            item = {"Name": name, "AliasArn": arn, "FunctionVersion": props.get("FunctionVersion")}
            function.setdefault("Aliases", []).append(item)
        else:
            item = {"Version": self.version_number(logical), "FunctionArn": arn}
            function.setdefault("Versions", []).append(item)
        item.update(self.where(logical))
        self.context["qualified"][arn] = logical

    def _permission_target(self, logical, value) -> tuple[dict, str, str | None]:
        base, qualifier = self.function_target(value)
        function = self.builder.functions.get(base)
        if function is None:
            ref = parse_lambda_arn(base)
            # A function from outside the template: its statement is still judged (AGW30x).
            function = self._function_object(base, ref.name if ref else base, self.where(logical))
            function["Tags"] = {}
        return function, base, qualifier

    def read_domain_name(self, logical):
        """AWS::ApiGatewayV2::DomainName (SAM's HttpApi `Domain` generates one): a scope DomainNames item."""
        props = self.resolved_props(logical)
        name = props.get("DomainName")
        domain = self.builder.domain(name if isinstance(name, str) else unresolved(f"{logical}.DomainName"))
        if isinstance(props.get("DomainNameConfigurations"), list):
            domain["DomainNameConfigurations"] = props["DomainNameConfigurations"]
        domain.update(self.where(logical))

    def read_api_mapping(self, logical):
        """AWS::ApiGatewayV2::ApiMapping: DomainName (a Ref to the DomainName resource gives its name), ApiId,
        Stage, ApiMappingKey."""
        props = self.resolved_props(logical)
        name = props.get("DomainName")
        mapping = {"ApiMappingId": logical}
        for key in ("ApiId", "Stage"):
            value = props.get(key)
            mapping[key] = value if isinstance(value, str) else unresolved(f"{logical}.{key}")
        if isinstance(props.get("ApiMappingKey"), str):
            mapping["ApiMappingKey"] = props["ApiMappingKey"]
        mapping.update(self.where(logical))
        self.builder.domain(name if isinstance(name, str) else unresolved(f"{logical}.DomainName"))[
            "ApiMappings"].append(mapping)

    def read_resource_policy(self, logical):
        """AWS::Lambda::ResourcePolicy: the whole resource-based policy of a function, version or alias (what
        PutResourcePolicy writes and GetPolicy returns), so its statements join the target's Policy as they are,
        Deny, NotAction and any condition included. (With AWS::Lambda::Permission resources on the same target
        too, the last writer wins at deploy; both are kept here, which probably over-reports.)"""
        props = self.resolved_props(logical)
        function, base, qualifier = self._permission_target(logical, props.get("ResourceArn"))
        document = props.get("PolicyDocument")
        if isinstance(document, str):
            try:
                document = json.loads(document)
            except ValueError:
                document = None
        statements = document.get("Statement") if isinstance(document, dict) else None
        statements = [statements] if isinstance(statements, dict) else statements
        if not isinstance(statements, list):
            self.builder.error("ReadResourcePolicy", logical, NO_PARAMETER_VALUE,
                               f"{logical}: PolicyDocument is not a policy document this tool can read; not checked",
                               "")
            return
        policy = function.setdefault("Policy", {"Version": "2012-10-17", "Statement": []})
        for index, raw in enumerate(statements):
            if not isinstance(raw, dict):
                continue
            statement = dict(raw)
            statement.setdefault("Sid", f"{logical}[{index}]")
            statement.update(self.where(logical))
            policy["Statement"].append(statement)

    def read_permission(self, logical):
        props = self.resolved_props(logical)
        function, base, qualifier = self._permission_target(logical, props.get("FunctionName"))
        principal = props.get("Principal")
        if principal == "*":
            principal_doc = "*"
        elif isinstance(principal, str) and (principal.endswith(".amazonaws.com") or principal.endswith(".amazonaws.com.cn")):
            principal_doc = {"Service": principal}
        elif isinstance(principal, str):
            principal_doc = {"AWS": principal}
        else:
            principal_doc = {"Service": unresolved(f"{logical}.Principal")}
        statement = {"Sid": logical, "Effect": "Allow", "Principal": principal_doc,
                     "Action": props.get("Action") if isinstance(props.get("Action"), str) else
                     unresolved(f"{logical}.Action"),
                     "Resource": f"{base}:{qualifier}" if qualifier else base}
        condition = {}
        if props.get("SourceArn") is not None:
            value = props["SourceArn"]
            condition.setdefault("ArnLike", {})["AWS:SourceArn"] = value if isinstance(value, str) else \
                unresolved(f"{logical}.SourceArn")
        if props.get("SourceAccount") is not None:
            condition.setdefault("StringEquals", {})["AWS:SourceAccount"] = str(props["SourceAccount"])
        if props.get("PrincipalOrgID") is not None:
            condition.setdefault("StringEquals", {})["aws:PrincipalOrgID"] = str(props["PrincipalOrgID"])
        # What SAM's FunctionUrlConfig (AuthType NONE) writes: the grant opens the function's URL, not an API.
        if props.get("FunctionUrlAuthType") is not None:
            condition.setdefault("StringEquals", {})["lambda:FunctionUrlAuthType"] = str(props["FunctionUrlAuthType"])
        if _bool(props.get("InvokedViaFunctionUrl")) is True:
            condition.setdefault("Bool", {})["lambda:InvokedViaFunctionUrl"] = "true"
        if condition:
            statement["Condition"] = condition
        tags = suppression_tags(self.resources[logical].get("Metadata"))
        if tags:
            statement["Tags"] = tags
        statement.update(self.where(logical))
        policy = function.setdefault("Policy", {"Version": "2012-10-17", "Statement": []})
        policy["Statement"].append(statement)


def read_template(template, file: str, settings: Settings, input_type: str = "cloudformation", fmt: str = "yaml",
                  origin=None) -> dict:
    check_template(template, file)
    unreadable: list = []
    inline_includes(template, os.path.dirname(file), file, unreadable)
    return TemplateReader(template, file, settings, input_type, fmt, origin).read()


def template_format(text: str) -> str:
    return "json" if text.lstrip().startswith("{") else "yaml"


def load_cloudformation(path: str, settings: Settings, input_type: str = "cloudformation") -> dict:
    text = read_text(path)
    template = load_template_text(text, path)
    return read_template(template, path, settings, input_type, template_format(text))


__all__ = ["read_template", "load_cloudformation", "check_template", "inline_includes", "LineDict"]

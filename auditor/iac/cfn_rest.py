"""CloudFormation REST APIs (API Gateway v1) -> the `RestApis` / `UsagePlans` snapshot dicts.

Maps AWS::ApiGateway::RestApi (with an OpenAPI `Body`), ::Resource, ::Method (its Integration),
::Deployment (and the stage its StageName makes), ::Stage, ::Authorizer, ::GatewayResponse and
::UsagePlan to AWS's response shapes; `auditor.iac.cfn.TemplateReader` calls it for SAM's output and
cdk.out templates too. Permissions (AWS::Lambda::Permission) are read by the template reader as for
HTTP APIs. A deployment that does not depend on every method is marked (`MethodsNotDependedOn`) for
AGW125: CloudFormation may create it before them, and the stage then serves an API without them.
"""

from auditor.core.arns import is_unresolved
from auditor.iac.openapi_rest import read_rest_body
from auditor.iac.resolve import as_int as _int, unresolved
from auditor.iac.rest import RestDraft, camel, root_id
from auditor.iac.yamlload import line_of

REST_API = "AWS::ApiGateway::RestApi"
RESOURCE = "AWS::ApiGateway::Resource"
METHOD = "AWS::ApiGateway::Method"
DEPLOYMENT = "AWS::ApiGateway::Deployment"
STAGE = "AWS::ApiGateway::Stage"
AUTHORIZER = "AWS::ApiGateway::Authorizer"
GATEWAY_RESPONSE = "AWS::ApiGateway::GatewayResponse"
USAGE_PLAN = "AWS::ApiGateway::UsagePlan"
# Ref of these is an id AWS makes up: the reader uses the logical id.
ID_TYPES = {REST_API, RESOURCE, DEPLOYMENT, AUTHORIZER, USAGE_PLAN, "AWS::ApiGateway::ApiKey",
            "AWS::ApiGateway::RequestValidator", "AWS::ApiGateway::Model", "AWS::ApiGateway::VpcLink",
            "AWS::ApiGateway::DocumentationPart", "AWS::ApiGateway::ClientCertificate"}


def physical(reader, logical: str, kind: str, attribute):
    """The placeholder a REST resource's Ref/GetAtt resolves to, or None when it is not one of them."""
    if kind == REST_API and attribute == "RootResourceId":
        return root_id(logical)
    if kind == RESOURCE and attribute == "ResourceId":
        return logical
    if kind == STAGE and attribute is None:
        name = reader.resolver.resolve(reader.props(logical).get("StageName"))
        return name if isinstance(name, str) else unresolved(f"{logical}.StageName")
    if kind in ID_TYPES and attribute in (None, "RestApiId", "DeploymentId", "AuthorizerId", "Id"):
        return logical
    return None


def _bool(value, default=None):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return default


def _text(value, what: str):
    """A string property as the snapshot holds it; anything else is not known before deployment."""
    return value if isinstance(value, str) else unresolved(what)


def _tags(value) -> dict:
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    if isinstance(value, list):
        return {str(t.get("Key")): str(t.get("Value")) for t in value if isinstance(t, dict) and "Key" in t}
    return {}


def _camel_map(value: dict, renames: dict | None = None) -> dict:
    return {(renames or {}).get(k, camel(k)): v for k, v in value.items()}


class RestReader:
    """The REST part of one TemplateReader's read."""

    def __init__(self, reader, by_type: dict):
        self.reader = reader
        self.by_type = by_type
        self.builder = reader.builder
        self.sam_events = _sam_rest_events(reader.origin)

    def where(self, logical, extra=None) -> dict:
        origin = self.reader.origin
        if origin is not None and origin(logical) is None and logical.startswith("ServerlessRestApi") \
                and self.sam_events:
            line, function, info = next(iter(self.sam_events.values()))
            return self.builder.source(line, function, {"kind": "cfn", "logical": logical,
                                                        "type": self.reader.resources[logical]["Type"], "sam": info})
        return self.reader.where(logical, extra)

    def draft(self, logical, api_id) -> RestDraft:
        if not isinstance(api_id, str):
            api_id = unresolved(f"{logical}.RestApiId")
        drafts = self.builder.rest_apis
        if api_id not in drafts:
            drafts[api_id] = RestDraft(api_id, {}, external=True)
        return drafts[api_id]

    def read(self) -> None:
        for logical in self.by_type.get(REST_API, []):
            self.read_api(logical)
        readers = ((RESOURCE, self.read_resource), (METHOD, self.read_method), (AUTHORIZER, self.read_authorizer),
                   (DEPLOYMENT, self.read_deployment), (STAGE, self.read_stage),
                   (GATEWAY_RESPONSE, self.read_gateway_response), (USAGE_PLAN, self.read_usage_plan))
        for kind, read in readers:
            for logical in self.by_type.get(kind, []):
                read(logical)
        self.check_deployments()

    # -- the API and its body -------------------------------------------------------------------
    def read_api(self, logical):
        props = self.reader.resolved_props(logical)
        where = self.where(logical)
        draft = RestDraft(logical, where)
        self.builder.rest_apis[logical] = draft
        self.reader.context["apis"][logical] = logical
        api = draft.obj
        api["name"] = props["Name"] if isinstance(props.get("Name"), str) else logical
        endpoint = props.get("EndpointConfiguration")
        types = None
        if isinstance(endpoint, dict):
            types = endpoint.get("Types")
            if isinstance(endpoint.get("VpcEndpointIds"), list):
                api["endpointConfiguration"]["vpcEndpointIds"] = endpoint["VpcEndpointIds"]
        elif isinstance(endpoint, str):
            types = [endpoint]
        parameters = props.get("Parameters") if isinstance(props.get("Parameters"), dict) else {}
        if types is None and parameters.get("endpointConfigurationTypes") is not None:
            types = [parameters["endpointConfigurationTypes"]]
        if isinstance(types, str):
            types = [types]
        if isinstance(types, list) and types:
            api["endpointConfiguration"]["types"] = [_text(t, f"{logical}.EndpointConfiguration.Types").upper()
                                                     if isinstance(t, str) else unresolved(f"{logical}.Types")
                                                     for t in types]
        if props.get("Policy") is not None:
            policy = props["Policy"]
            api["policy"] = policy if isinstance(policy, (dict, str)) else unresolved(f"{logical}.Policy")
        disable = props.get("DisableExecuteApiEndpoint")
        if disable is not None:
            api["disableExecuteApiEndpoint"] = _bool(disable, True)
        if isinstance(props.get("ApiKeySourceType"), str):
            api["apiKeySource"] = props["ApiKeySourceType"].upper()
        if isinstance(props.get("BinaryMediaTypes"), list):
            api["binaryMediaTypes"] = props["BinaryMediaTypes"]
        from auditor.iac.document import suppression_tags
        api["tags"] = {**_tags(props.get("Tags")), **suppression_tags(self.reader.resources[logical].get("Metadata"))}
        raw_body = self.reader.props(logical).get("Body")
        body = props.get("Body")
        if isinstance(raw_body, dict) and "Fn::Transform" in raw_body:
            transform = raw_body["Fn::Transform"] if isinstance(raw_body["Fn::Transform"], dict) else {}
            location = (transform.get("Parameters") or {}).get("Location") if isinstance(
                transform.get("Parameters"), dict) else None
            self.unreadable(draft, logical, f"Body is included from {location}, which cannot be read offline")
        elif isinstance(body, dict):
            self.read_body(draft, logical, body, where)
        elif body is not None:
            self.unreadable(draft, logical, "Body is not an OpenAPI mapping known before deployment")
        location = props.get("BodyS3Location")
        if location is not None:
            from auditor.iac.sam import PLACEHOLDER_BUCKET
            if isinstance(location, dict) and location.get("Bucket") == PLACEHOLDER_BUCKET:  # SAM's DefinitionUri
                self.unreadable(draft, logical, "DefinitionUri names no local file this audit can read")
            else:
                self.unreadable(draft, logical, "BodyS3Location cannot be read offline")
        if props.get("CloneFrom") is not None:
            self.unreadable(draft, logical, "CloneFrom copies another API's resources, which this template does not hold")

    def read_body(self, draft, logical, body, where):
        origin = self.reader.origin
        body_file = getattr(body, "file", None)
        api_line = where["SourceLocation"].get("Line")

        def source(line_no, pointer, kind):
            meta = {"kind": "openapi", "logical": logical, "type": REST_API, "pointer": pointer, "object": kind}
            if origin is not None:
                line_no = origin.body_line(logical, pointer) or None
                if line_no is None:  # SAM generated it: the API (or the event) that asked for it
                    return {k: v for k, v in where.items() if k == "SourceLocation"} | {"_iac": meta}
            if body_file:
                return self.builder.source(line_no, logical, meta, file=body_file)
            return self.builder.source(line_no or api_line, logical, meta)

        def method_origin(path, verb):
            found = self.sam_events.get((path, verb))
            if found is None:
                return None
            line, function, info = found
            return self.builder.source(line, function, {"kind": "openapi", "logical": logical, "type": REST_API,
                                                        "pointer": ["paths", path, verb.lower()], "sam": info})
        read_rest_body(body, draft, source, api_line, method_origin if self.sam_events else None)

    def unreadable(self, draft, logical, message):
        """The resource tree is then unknown, not empty: no rule may conclude from it."""
        draft.resources_unknown = True
        self.builder.error("ReadBody", logical, "Unreadable", message + "; its resources and methods were not checked",
                           hint=f"{self.reader.file}: make the Body of {logical} readable offline (an inline Body, or "
                                "AWS::Include of a local file), or audit the deployed API with a snapshot")

    # -- resources and methods ------------------------------------------------------------------
    def read_resource(self, logical):
        props = self.reader.resolved_props(logical)
        draft = self.draft(logical, props.get("RestApiId"))
        draft.add_resource(logical, props.get("ParentId"), props.get("PathPart"), self.where(logical))

    def read_method(self, logical):
        props = self.reader.resolved_props(logical)
        draft = self.draft(logical, props.get("RestApiId"))
        method = {"authorizationType": (props.get("AuthorizationType") or "NONE").upper()
                  if isinstance(props.get("AuthorizationType", "NONE"), str) else unresolved(f"{logical}.AuthorizationType"),
                  "apiKeyRequired": _bool(props.get("ApiKeyRequired"), False)}
        if props.get("AuthorizerId") is not None:
            method["authorizerId"] = _text(props["AuthorizerId"], f"{logical}.AuthorizerId")
        for key in ("AuthorizationScopes", "RequestParameters", "RequestModels", "OperationName", "RequestValidatorId"):
            if props.get(key) is not None:
                method[camel(key)] = props[key]
        responses = props.get("MethodResponses")
        if isinstance(responses, list):
            method["methodResponses"] = {str(r.get("StatusCode")): _camel_map(r) for r in responses
                                         if isinstance(r, dict)}
        integration = props.get("Integration")
        if isinstance(integration, dict):
            method["methodIntegration"] = self.integration(logical, integration)
        from auditor.iac.document import suppression_tags
        tags = suppression_tags(self.reader.resources[logical].get("Metadata"))
        if tags:  # `Metadata: {apigw-auditor: {ignore: [...], reason: ...}}` on the method
            method["Tags"] = tags
        method.update(self.where(logical))
        draft.add_method(props.get("ResourceId"), props.get("HttpMethod"), method)

    def integration(self, logical, props: dict) -> dict:
        out = _camel_map({k: v for k, v in props.items() if k != "IntegrationResponses"},
                         {"IntegrationHttpMethod": "httpMethod"})
        for key in ("type", "httpMethod"):
            if isinstance(out.get(key), str):
                out[key] = out[key].upper()
        for key in ("type", "httpMethod", "uri", "credentials", "connectionType", "connectionId"):
            if key in out and not isinstance(out[key], str):
                out[key] = unresolved(f"{logical}.Integration.{key}")
        if "timeoutInMillis" in out:
            out["timeoutInMillis"] = _int(out["timeoutInMillis"])
            if out["timeoutInMillis"] is None:
                del out["timeoutInMillis"]
        responses = props.get("IntegrationResponses")
        if isinstance(responses, list):
            out["integrationResponses"] = {str(r.get("StatusCode")): _camel_map(r) for r in responses
                                           if isinstance(r, dict)}
        return out

    # -- stages and deployments -----------------------------------------------------------------
    def read_deployment(self, logical):
        props = self.reader.resolved_props(logical)
        draft = self.draft(logical, props.get("RestApiId"))
        where = self.where(logical)
        item = {"id": logical}
        if isinstance(props.get("Description"), str):
            item["description"] = props["Description"]
        draft.add("Deployments", dict(item, **where))
        if props.get("StageName") is not None:  # the deployment makes (or updates) that stage
            stage = {"stageName": _text(props["StageName"], f"{logical}.StageName"), "deploymentId": logical}
            description = props.get("StageDescription")
            if isinstance(description, dict):
                self.stage_settings(stage, description, logical)
            stage["tags"] = _tags((description or {}).get("Tags") if isinstance(description, dict) else None)
            draft.add("Stages", dict(stage, **self.where(logical)))

    def read_stage(self, logical):
        props = self.reader.resolved_props(logical)
        draft = self.draft(logical, props.get("RestApiId"))
        stage = {"stageName": _text(props.get("StageName"), f"{logical}.StageName")}
        if props.get("DeploymentId") is not None:
            stage["deploymentId"] = _text(props["DeploymentId"], f"{logical}.DeploymentId")
        self.stage_settings(stage, props, logical)
        from auditor.iac.document import suppression_tags
        stage["tags"] = {**_tags(props.get("Tags")), **suppression_tags(self.reader.resources[logical].get("Metadata"))}
        draft.add("Stages", dict(stage, **self.where(logical)))

    @staticmethod
    def stage_settings(stage: dict, props: dict, logical: str) -> None:
        """Variables, method settings, access logs and tracing (a Stage's properties, or a Deployment's
        StageDescription) as GetStage returns them."""
        if isinstance(props.get("Variables"), dict):
            stage["variables"] = {str(k): v if isinstance(v, str) else unresolved(f"{logical}.Variables.{k}")
                                  for k, v in props["Variables"].items()}
        settings = {}
        defaults = {camel(k): v for k, v in props.items() if k in (
            "ThrottlingBurstLimit", "ThrottlingRateLimit", "LoggingLevel", "MetricsEnabled", "DataTraceEnabled",
            "CachingEnabled", "CacheTtlInSeconds", "CacheDataEncrypted")}
        if defaults:  # a StageDescription's own limits apply to every method
            settings["*/*"] = defaults
        for entry in props.get("MethodSettings") or []:
            if not isinstance(entry, dict):
                continue
            path = entry.get("ResourcePath", "/*")
            verb = entry.get("HttpMethod", "*")
            if not isinstance(path, str) or not isinstance(verb, str):
                continue
            key = f"{'*' if path in ('/*', '*') else path.replace('/', '~1')}/{verb.upper()}"
            settings[key] = {camel(k): v for k, v in entry.items() if k not in ("ResourcePath", "HttpMethod")}
        if settings:
            stage["methodSettings"] = settings
        logs = props.get("AccessLogSetting")
        if isinstance(logs, dict):
            stage["accessLogSettings"] = {camel(k): (v if isinstance(v, str) else unresolved(f"{logical}.AccessLogSetting"))
                                          for k, v in logs.items()}
        if props.get("TracingEnabled") is not None:
            stage["tracingEnabled"] = _bool(props["TracingEnabled"], False)

    # -- authorizers, gateway responses, usage plans --------------------------------------------
    def read_authorizer(self, logical):
        props = self.reader.resolved_props(logical)
        draft = self.draft(logical, props.get("RestApiId"))
        item = {"id": logical, "name": props["Name"] if isinstance(props.get("Name"), str) else logical}
        item.update(_camel_map({k: v for k, v in props.items() if k not in ("RestApiId", "Name")},
                               {"ProviderARNs": "providerARNs"}))
        item["type"] = item["type"].upper() if isinstance(item.get("type"), str) else unresolved(f"{logical}.Type")
        for key in ("authorizerUri", "authorizerCredentials", "identitySource"):
            if key in item and not isinstance(item[key], str):
                item[key] = unresolved(f"{logical}.{key}")
        if "authorizerResultTtlInSeconds" in item:
            item["authorizerResultTtlInSeconds"] = _int(item["authorizerResultTtlInSeconds"])
        self.reader.context["authorizers"][logical] = logical
        draft.add("Authorizers", dict(item, **self.where(logical)))

    def read_gateway_response(self, logical):
        props = self.reader.resolved_props(logical)
        draft = self.draft(logical, props.get("RestApiId"))
        item = {"responseType": _text(props.get("ResponseType"), f"{logical}.ResponseType"), "defaultResponse": False}
        if props.get("StatusCode") is not None:
            item["statusCode"] = str(props["StatusCode"])
        for key in ("ResponseParameters", "ResponseTemplates"):
            if isinstance(props.get(key), dict):
                item[camel(key)] = props[key]
        draft.add("GatewayResponses", dict(item, **self.where(logical)))

    def read_usage_plan(self, logical):
        props = self.reader.resolved_props(logical)
        plan = {"id": logical, "name": props["UsagePlanName"] if isinstance(props.get("UsagePlanName"), str) else logical,
                "apiStages": []}
        for entry in props.get("ApiStages") or []:
            if not isinstance(entry, dict):
                continue
            stage = {"apiId": _text(entry.get("ApiId"), f"{logical}.ApiStages.ApiId"),
                     "stage": _text(entry.get("Stage"), f"{logical}.ApiStages.Stage")}
            if isinstance(entry.get("Throttle"), dict):
                stage["throttle"] = {k: _camel_map(v) for k, v in entry["Throttle"].items() if isinstance(v, dict)}
            plan["apiStages"].append(stage)
        for key in ("Throttle", "Quota"):
            if isinstance(props.get(key), dict):
                plan[camel(key)] = _camel_map(props[key])
        plan.update(self.where(logical))
        self.builder.usage_plans.append(plan)

    # -- AGW125: deployments that may be made before their methods ------------------------------
    def check_deployments(self):
        methods = self.by_type.get(METHOD, [])
        if not self.by_type.get(DEPLOYMENT):
            return
        of_api: dict[str, list[str]] = {}
        for logical in methods:
            api_id = self.reader.resolved_props(logical).get("RestApiId")
            if isinstance(api_id, str) and not is_unresolved(api_id):
                of_api.setdefault(api_id, []).append(logical)
        graph = _Dependencies(self.reader.resources)
        for logical in self.by_type[DEPLOYMENT]:
            api_id = self.reader.resolved_props(logical).get("RestApiId")
            draft = self.builder.rest_apis.get(api_id) if isinstance(api_id, str) else None
            if draft is None:
                continue
            deployment = next(d for d in draft.lists["Deployments"] if d["id"] == logical)
            reached = graph.closure(logical)
            missing = [m for m in of_api.get(api_id, []) if m not in reached]
            if missing:
                deployment["MethodsNotDependedOn"] = [
                    {"Resource": m, "Method": self.method_key(draft, m),
                     **({"Line": line_of(self.reader.resources, m)} if line_of(self.reader.resources, m) else {})}
                    for m in missing]
            elif not draft.resources_unknown:
                summary: dict = {}
                for path, verb, method in draft.method_list():
                    summary.setdefault(path, {})[verb] = {"authorizationType": method.get("authorizationType", "NONE"),
                                                          "apiKeyRequired": bool(method.get("apiKeyRequired"))}
                deployment["apiSummary"] = summary

    def method_key(self, draft, logical) -> str:
        for path, verb, method in draft.method_list():
            if (method.get("SourceLocation") or {}).get("Resource") == logical or \
                    (method.get("_iac") or {}).get("logical") == logical:
                return f"{verb} {path}"
        return logical


class _Dependencies:
    """What CloudFormation creates before a resource: its DependsOn and every resource its properties
    reference (Ref, Fn::GetAtt, Fn::Sub), transitively."""

    def __init__(self, resources: dict):
        self.resources = resources
        self._direct: dict[str, set[str]] = {}

    def direct(self, logical: str) -> set[str]:
        if logical not in self._direct:
            resource = self.resources.get(logical) or {}
            found: set[str] = set()
            depends = resource.get("DependsOn")
            for name in [depends] if isinstance(depends, str) else depends if isinstance(depends, list) else []:
                if isinstance(name, str):
                    found.add(name)
            _references(resource.get("Properties"), found)
            self._direct[logical] = {name for name in found if name in self.resources and name != logical}
        return self._direct[logical]

    def closure(self, logical: str) -> set[str]:
        seen: set[str] = set()
        stack = [logical]
        while stack:
            for name in self.direct(stack.pop()):
                if name not in seen:
                    seen.add(name)
                    stack.append(name)
        return seen


def _references(value, out: set) -> None:
    import re
    if isinstance(value, dict):
        for key, arg in value.items():
            if key == "Ref" and isinstance(arg, str):
                out.add(arg)
            elif key == "Fn::GetAtt":
                target = arg.split(".", 1)[0] if isinstance(arg, str) else arg[0] if isinstance(arg, list) and arg else None
                if isinstance(target, str):
                    out.add(target)
            elif key == "Fn::Sub":
                text = arg if isinstance(arg, str) else arg[0] if isinstance(arg, list) and arg else None
                if isinstance(text, str):
                    for name in re.findall(r"\$\{([^!}][^}]*)\}", text):
                        out.add(name.split(".", 1)[0])
            _references(arg, out)
    elif isinstance(value, list):
        for item in value:
            _references(item, out)


def _sam_rest_events(origin) -> dict:
    """(path, VERB) -> (line, function, info) of each SAM function event of Type Api."""
    if origin is None:
        return {}
    out = {}
    for logical, resource in origin.resources.items():
        if not isinstance(resource, dict) or resource.get("Type") != "AWS::Serverless::Function":
            continue
        events = (resource.get("Properties") or {}).get("Events") or {}
        if not isinstance(events, dict):
            continue
        for name, event in events.items():
            if not isinstance(event, dict) or event.get("Type") != "Api":
                continue
            props = event.get("Properties") or {}
            path, method = props.get("Path"), props.get("Method")
            if isinstance(path, str) and isinstance(method, str):
                path = path if path == "/" else path.rstrip("/")
                out.setdefault((path, method.upper()), (line_of(events, name), logical,
                                                        {"resource": logical, "type": resource.get("Type"),
                                                         "event": name}))
    return out

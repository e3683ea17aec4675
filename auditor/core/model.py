"""The snapshot model every rule, reporter and simulator reads.

APIs, their routes, integrations, stages and authorizers, and functions are msgspec Structs whose
fields carry AWS's key names: the keys the rules read, typed, beside the object as the input has it
(`raw`, for custom rules and fix plans). Each has a `Location` saying where in the user's input it came
from, so every finding can point back.
"""

from dataclasses import dataclass, field
from typing import Annotated, Any, Callable

import msgspec

from auditor.core.arns import partition_for_region
from auditor.core.limits import MAX_FUNCTION_ARN, MAX_ROUTE_KEY


@dataclass(slots=True)
class Location:
    """Where an object or finding sits in the user's input: file, JSON path, and the IaC line and resource."""

    file: str
    path: str  # JSON path inside the snapshot, e.g. $.Scopes[0].Apis[2].Routes[5]
    line: int | None = None
    resource: str | None = None  # CloudFormation logical id or Terraform address
    input_type: str = "snapshot"

    def as_dict(self) -> dict:
        out = {"file": self.file, "path": self.path}
        if self.line is not None:
            out["line"] = self.line
        if self.resource is not None:
            out["resource"] = self.resource
        if self.input_type != "snapshot":
            out["input_type"] = self.input_type
        return out


def child_location(source, parent: Location, key: str, index: int) -> Location:
    """Where the index-th object of a parent's list sits: its JSON path, or the IaC file/line its
    SourceLocation declares."""
    path = f"{parent.path}.{key}[{index}]"
    if isinstance(source, dict):
        return Location(str(source.get("File", parent.file)), path, source.get("Line"), source.get("Resource"),
                        str(source.get("InputType", "snapshot")))
    return Location(parent.file, path)


# Fields the reader sets itself, never read from the input: their wire names are parenthesised so no
# AWS key can name them, and whatever a document puts there is overwritten (snapshot._adopt_*).
# They are typed Any so that no value there can make a document fail to decode.
def _own(name: str, default=None):
    return msgspec.field(name=f"({name})", default=default)


class _Listed:
    """Objects located by their place (`index`) in a parent's list: APIs and functions in their scope's,
    routes, integrations, stages and authorizers in their API's.

    The location is built on demand: an audit of 100,000 routes needs only the few with findings.
    `raw` is the object as the input has it (for custom rules, fix plans and rare keys): a large snapshot
    decoded straight into the model reads it back from the file on first use (Scope.raw_source).
    """

    __slots__ = ()
    collection = ""

    @property
    def location(self) -> Location:
        return child_location(self.source, self.parent_location, self.collection, self.index)

    @property
    def raw(self) -> dict:
        item = self.raw_item
        if item is None:  # decoded straight from a large snapshot: found by its place in its parent
            item = self.raw_item = self.parent_raw[self.collection][self.index]
        return item


class _ApiChild(_Listed):
    __slots__ = ()

    @property
    def parent_location(self) -> Location:
        return self.api.location

    @property
    def parent_raw(self) -> dict:
        return self.api.raw


# The model's objects are msgspec Structs whose wire names are AWS's keys: a large snapshot decodes
# straight into them in C, and every other input converts its documents through the same types, so
# one declaration says which keys are read and what type each must have. A null where the model has
# a non-null default (RouteId, AuthorizationType...) is read as absent (snapshot._without_nulls).
_MODEL = dict(kw_only=True, eq=False)


class Route(_ApiChild, msgspec.Struct, **_MODEL):
    id: str = msgspec.field(name="RouteId", default="")
    key: Annotated[str, msgspec.Meta(max_length=MAX_ROUTE_KEY)] = msgspec.field(name="RouteKey")
    target: str | None = msgspec.field(name="Target", default=None)
    authorization_type: str = msgspec.field(name="AuthorizationType", default="NONE")
    authorizer_id: str | None = msgspec.field(name="AuthorizerId", default=None)
    # WebSocket APIs (core/websocket.py): a two-way route names how its responses are chosen, and lists them
    route_response_selection_expression: Any = msgspec.field(name="RouteResponseSelectionExpression", default=None)
    route_responses: Any = msgspec.field(name="RouteResponses", default=None)  # None: not collected
    # the integration an IaC reader found a Target (not known before deployment) to reference
    target_integration_id: Any = msgspec.field(name="TargetIntegrationId", default=None)
    tags: Any = msgspec.field(name="Tags", default=None)  # suppression tags (snapshot extension)
    source: Any = msgspec.field(name="SourceLocation", default=None)  # where IaC declares it
    api: Any = _own("api")  # Api
    index: Any = _own("index", -1)  # int: position in the API's Routes list
    raw_item: Any = _own("raw_item")  # dict | None
    collection = "Routes"
    is_rest = False


class Integration(_ApiChild, msgspec.Struct, **_MODEL):
    id: str = msgspec.field(name="IntegrationId")
    type: str | None = msgspec.field(name="IntegrationType", default=None)
    uri: str | None = msgspec.field(name="IntegrationUri", default=None)
    subtype: str | None = msgspec.field(name="IntegrationSubtype", default=None)
    payload_format_version: str | None = msgspec.field(name="PayloadFormatVersion", default=None)
    timeout_ms: int | None = msgspec.field(name="TimeoutInMillis", default=None)
    credentials_arn: str | None = msgspec.field(name="CredentialsArn", default=None)
    connection_type: Any = msgspec.field(name="ConnectionType", default=None)
    connection_id: Any = msgspec.field(name="ConnectionId", default=None)
    # WebSocket APIs: GetIntegrationResponses items (None: not collected)
    integration_responses: Any = msgspec.field(name="IntegrationResponses", default=None)
    tags: Any = msgspec.field(name="Tags", default=None)
    source: Any = msgspec.field(name="SourceLocation", default=None)
    api: Any = _own("api")  # Api
    # the function the URI names (parse_function_uri), None for other URIs
    function_ref: Any = _own("function_ref")  # FunctionRef | None
    index: Any = _own("index", -1)  # int: position in the API's Integrations list
    raw_item: Any = _own("raw_item")  # dict | None
    collection = "Integrations"

    @property
    def is_lambda(self) -> bool:
        """A Lambda proxy integration: the only kind the Lambda rules judge."""
        return self.type == "AWS_PROXY" and not self.subtype and self.function_ref is not None


class AccessLogSettings(msgspec.Struct, kw_only=True):
    destination_arn: str | None = msgspec.field(name="DestinationArn", default=None)


class Stage(_ApiChild, msgspec.Struct, **_MODEL):
    name: str = msgspec.field(name="StageName")
    auto_deploy: bool = msgspec.field(name="AutoDeploy", default=False)
    deployment_id: str | None = msgspec.field(name="DeploymentId", default=None)
    access_log_settings: AccessLogSettings | None = msgspec.field(name="AccessLogSettings", default=None)
    default_route_settings: Any = msgspec.field(name="DefaultRouteSettings", default=None)
    route_settings: Any = msgspec.field(name="RouteSettings", default=None)
    stage_variables: Any = msgspec.field(name="StageVariables", default=None)
    tags: Any = msgspec.field(name="Tags", default=None)
    source: Any = msgspec.field(name="SourceLocation", default=None)
    api: Any = _own("api")  # Api
    index: Any = _own("index", -1)  # int: position in the API's Stages list
    raw_item: Any = _own("raw_item")  # dict | None
    collection = "Stages"

    @property
    def access_log_destination(self) -> str | None:
        return self.access_log_settings.destination_arn if self.access_log_settings is not None else None

    @property
    def serves(self) -> bool:
        return self.auto_deploy or bool(self.deployment_id)


class Authorizer(_ApiChild, msgspec.Struct, **_MODEL):
    id: str = msgspec.field(name="AuthorizerId")
    name: str = msgspec.field(name="Name", default="")
    type: str | None = msgspec.field(name="AuthorizerType", default=None)
    uri: str | None = msgspec.field(name="AuthorizerUri", default=None)
    credentials_arn: str | None = msgspec.field(name="AuthorizerCredentialsArn", default=None)
    identity_source: Any = msgspec.field(name="IdentitySource", default=None)  # list (AWS) or "a, b" (OpenAPI)
    # False when API Gateway assigns the id at deployment (snapshot extension; see id_known)
    id_known_flag: Any = msgspec.field(name="AuthorizerIdKnown", default=None)
    tags: Any = msgspec.field(name="Tags", default=None)
    source: Any = msgspec.field(name="SourceLocation", default=None)
    api: Any = _own("api")  # Api
    index: Any = _own("index", -1)  # int: position in the API's Authorizers list
    raw_item: Any = _own("raw_item")  # dict | None
    collection = "Authorizers"

    @property
    def id_known(self) -> bool:
        """False when API Gateway assigns the id at deployment and the input cannot name it (an authorizer in
        an OpenAPI body, e.g. SAM's): its execute-api ARN `<api>/authorizers/<id>` is then matched only by a
        wildcard, never by the name standing in for the id."""
        return self.id_known_flag is not False


class Api(_Listed, msgspec.Struct, **_MODEL):
    id: str = msgspec.field(name="ApiId")
    name: str = msgspec.field(name="Name", default="")
    protocol_type: str = msgspec.field(name="ProtocolType", default="HTTP")
    tags: dict = msgspec.field(name="Tags", default={})
    # Which collections the snapshot holds: an absent one (None here, [] once read) is unknown, not empty.
    routes: list[Route] | None = msgspec.field(name="Routes", default=None)
    integrations: list[Integration] | None = msgspec.field(name="Integrations", default=None)
    stages: list[Stage] | None = msgspec.field(name="Stages", default=None)
    authorizers: list[Authorizer] | None = msgspec.field(name="Authorizers", default=None)
    disable_execute_api_endpoint: Any = msgspec.field(name="DisableExecuteApiEndpoint", default=None)
    cors_configuration: Any = msgspec.field(name="CorsConfiguration", default=None)
    # WebSocket APIs: how a message picks its route (e.g. `$request.body.action`; core/websocket.py)
    route_selection_expression: Any = msgspec.field(name="RouteSelectionExpression", default=None)
    api_key_selection_expression: Any = msgspec.field(name="ApiKeySelectionExpression", default=None)
    source: Any = msgspec.field(name="SourceLocation", default=None)
    scope: Any = _own("scope")  # Scope
    index: Any = _own("index", -1)  # int: position in the scope's Apis list
    has_routes: Any = _own("has_routes", True)  # bool
    has_integrations: Any = _own("has_integrations", True)  # bool
    has_stages: Any = _own("has_stages", True)  # bool
    has_authorizers: Any = _own("has_authorizers", True)  # bool
    raw_item: Any = _own("raw_item")  # dict | None
    collection = "Apis"
    is_rest = False

    @property
    def parent_location(self) -> Location:
        return self.scope.location

    @property
    def parent_raw(self) -> dict:
        return self.scope.raw_document()

    @property
    def is_http(self) -> bool:
        return self.protocol_type == "HTTP"

    @property
    def is_websocket(self) -> bool:
        return self.protocol_type == "WEBSOCKET"

    @property
    def is_v2(self) -> bool:
        """An API Gateway v2 API the rules judge: HTTP or WebSocket."""
        return self.protocol_type == "HTTP" or self.protocol_type == "WEBSOCKET"

    @property
    def partition(self) -> str:
        return self.scope.partition


# ---- REST APIs (API Gateway v1): AWS's camelCase keys, as GetRestApis/GetResources(embed=methods)/GetStages...
# return them (botocore's `apigateway` shapes). REST semantics (resource tree, method selection, ARNs) live in
# auditor/core/rest.py; the classes here only carry the data, linked to their parents by the reader.


class _RestChild(_Listed):
    """An object in one of a REST API's lists (Resources, Stages, Deployments, Authorizers, GatewayResponses)."""

    __slots__ = ()

    @property
    def parent_location(self) -> Location:
        return self.api.location

    @property
    def parent_raw(self) -> dict:
        return self.api.raw


class RestIntegration(msgspec.Struct, **_MODEL):
    type: str | None = None
    integration_http_method: str | None = msgspec.field(name="httpMethod", default=None)
    uri: str | None = None
    credentials_arn: str | None = msgspec.field(name="credentials", default=None)
    connection_type: Any = msgspec.field(name="connectionType", default=None)
    connection_id: Any = msgspec.field(name="connectionId", default=None)
    timeout_ms: int | None = msgspec.field(name="timeoutInMillis", default=None)
    request_parameters: Any = msgspec.field(name="requestParameters", default=None)
    request_templates: Any = msgspec.field(name="requestTemplates", default=None)
    integration_responses: Any = msgspec.field(name="integrationResponses", default=None)
    source: Any = msgspec.field(name="SourceLocation", default=None)
    method: Any = _own("method")  # RestMethod
    function_ref: Any = _own("function_ref")  # FunctionRef | None: the function the URI names
    subtype = None  # HTTP APIs' IntegrationSubtype: REST has none (the shared analysis asks)
    payload_format_version = None

    @property
    def api(self) -> "RestApi":
        return self.method.api

    @property
    def id(self) -> str:
        """REST integrations have no id of their own: the method's `VERB /path` names it."""
        return self.method.key

    @property
    def location(self) -> Location:
        parent = self.method.location
        if isinstance(self.source, dict):
            return Location(str(self.source.get("File", parent.file)), f"{parent.path}.methodIntegration",
                            self.source.get("Line"), self.source.get("Resource"),
                            str(self.source.get("InputType", "snapshot")))
        return Location(parent.file, f"{parent.path}.methodIntegration", parent.line, parent.resource, parent.input_type)

    @property
    def raw(self) -> dict:
        return self.method.raw.get("methodIntegration") or {}

    @property
    def is_lambda_uri(self) -> bool:
        """Invokes a Lambda function: AWS_PROXY (Lambda only on REST) or AWS naming Lambda's invocation path."""
        uri = self.uri or ""
        return self.type == "AWS_PROXY" or (self.type == "AWS" and (":lambda:path/" in uri or self.function_ref is not None))

    @property
    def is_lambda(self) -> bool:
        return self.is_lambda_uri and self.function_ref is not None


class RestMethod(msgspec.Struct, **_MODEL):
    http_method: str | None = msgspec.field(name="httpMethod", default=None)  # None: the resourceMethods key says
    authorization_type: str = msgspec.field(name="authorizationType", default="NONE")
    authorizer_id: str | None = msgspec.field(name="authorizerId", default=None)
    api_key_required: bool = msgspec.field(name="apiKeyRequired", default=False)
    request_parameters: Any = msgspec.field(name="requestParameters", default=None)
    method_responses: Any = msgspec.field(name="methodResponses", default=None)
    integration: RestIntegration | None = msgspec.field(name="methodIntegration", default=None)
    tags: Any = msgspec.field(name="Tags", default=None)  # suppression tags (snapshot extension)
    source: Any = msgspec.field(name="SourceLocation", default=None)
    resource: Any = _own("resource")  # RestResource
    verb: Any = _own("verb", "")  # str: its key in resourceMethods
    key: Any = _own("key", "")  # str: `VERB /path`, what findings and tables call it (a route key's shape)
    is_rest = True

    @property
    def api(self) -> "RestApi":
        return self.resource.api

    @property
    def path(self) -> str:
        return self.resource.path

    @property
    def target(self) -> None:
        return None

    @property
    def location(self) -> Location:
        parent = self.resource.location
        path = f"{parent.path}.resourceMethods.{self.verb}"
        if isinstance(self.source, dict):
            return Location(str(self.source.get("File", parent.file)), path, self.source.get("Line"),
                            self.source.get("Resource"), str(self.source.get("InputType", "snapshot")))
        return Location(parent.file, path, parent.line, parent.resource, parent.input_type)

    @property
    def raw(self) -> dict:
        return (self.resource.raw.get("resourceMethods") or {}).get(self.verb) or {}


class RestResource(_RestChild, msgspec.Struct, **_MODEL):
    id: str = ""
    parent_id: str | None = msgspec.field(name="parentId", default=None)
    path_part: str | None = msgspec.field(name="pathPart", default=None)
    path: str = "/"
    resource_methods: dict[str, RestMethod] | None = msgspec.field(name="resourceMethods", default=None)
    source: Any = msgspec.field(name="SourceLocation", default=None)
    api: Any = _own("api")  # RestApi
    index: Any = _own("index", -1)
    raw_item: Any = _own("raw_item")
    collection = "Resources"


class RestStage(_RestChild, msgspec.Struct, **_MODEL):
    name: str = msgspec.field(name="stageName")
    deployment_id: str | None = msgspec.field(name="deploymentId", default=None)
    stage_variables: Any = msgspec.field(name="variables", default=None)
    method_settings: Any = msgspec.field(name="methodSettings", default=None)
    access_log_settings: Any = msgspec.field(name="accessLogSettings", default=None)
    web_acl_arn: str | None = msgspec.field(name="webAclArn", default=None)
    tracing_enabled: Any = msgspec.field(name="tracingEnabled", default=None)
    tags: Any = None
    source: Any = msgspec.field(name="SourceLocation", default=None)
    api: Any = _own("api")  # RestApi
    index: Any = _own("index", -1)
    raw_item: Any = _own("raw_item")
    collection = "Stages"
    auto_deploy = False  # REST stages serve the deployment they name

    @property
    def serves(self) -> bool:
        return bool(self.deployment_id)

    @property
    def access_log_destination(self) -> str | None:
        settings = self.access_log_settings
        return settings.get("destinationArn") if isinstance(settings, dict) else None


class RestDeployment(_RestChild, msgspec.Struct, **_MODEL):
    id: str = ""
    created_date: Any = msgspec.field(name="createdDate", default=None)
    api_summary: Any = msgspec.field(name="apiSummary", default=None)  # {path: {VERB: MethodSnapshot}}
    source: Any = msgspec.field(name="SourceLocation", default=None)
    api: Any = _own("api")
    index: Any = _own("index", -1)
    raw_item: Any = _own("raw_item")
    collection = "Deployments"


class RestAuthorizer(_RestChild, msgspec.Struct, **_MODEL):
    id: str = ""
    name: str = ""
    type: str | None = None  # TOKEN, REQUEST, COGNITO_USER_POOLS
    uri: str | None = msgspec.field(name="authorizerUri", default=None)
    credentials_arn: str | None = msgspec.field(name="authorizerCredentials", default=None)
    identity_source: Any = msgspec.field(name="identitySource", default=None)
    provider_arns: Any = msgspec.field(name="providerARNs", default=None)
    id_known_flag: Any = msgspec.field(name="AuthorizerIdKnown", default=None)  # snapshot extension (see Authorizer)
    tags: Any = msgspec.field(name="Tags", default=None)
    source: Any = msgspec.field(name="SourceLocation", default=None)
    api: Any = _own("api")
    index: Any = _own("index", -1)
    raw_item: Any = _own("raw_item")
    collection = "Authorizers"

    @property
    def id_known(self) -> bool:
        return self.id_known_flag is not False


class GatewayResponse(_RestChild, msgspec.Struct, **_MODEL):
    response_type: str = msgspec.field(name="responseType", default="")
    status_code: str | None = msgspec.field(name="statusCode", default=None)
    response_parameters: Any = msgspec.field(name="responseParameters", default=None)
    response_templates: Any = msgspec.field(name="responseTemplates", default=None)
    default_response: Any = msgspec.field(name="defaultResponse", default=None)
    source: Any = msgspec.field(name="SourceLocation", default=None)
    api: Any = _own("api")
    index: Any = _own("index", -1)
    raw_item: Any = _own("raw_item")
    collection = "GatewayResponses"


class RestApi(_Listed, msgspec.Struct, **_MODEL):
    id: str
    name: str = ""
    root_resource_id: str | None = msgspec.field(name="rootResourceId", default=None)
    endpoint_configuration: Any = msgspec.field(name="endpointConfiguration", default=None)
    policy: Any = None  # the resource policy: a JSON string (as AWS returns it, maybe escaped) or a document
    disable_execute_api_endpoint: Any = msgspec.field(name="disableExecuteApiEndpoint", default=None)
    api_key_source: str | None = msgspec.field(name="apiKeySource", default=None)
    tags: Any = None
    resources: list[RestResource] | None = msgspec.field(name="Resources", default=None)
    stages: list[RestStage] | None = msgspec.field(name="Stages", default=None)
    deployments: list[RestDeployment] | None = msgspec.field(name="Deployments", default=None)
    authorizers: list[RestAuthorizer] | None = msgspec.field(name="Authorizers", default=None)
    gateway_responses: list[GatewayResponse] | None = msgspec.field(name="GatewayResponses", default=None)
    source: Any = msgspec.field(name="SourceLocation", default=None)
    scope: Any = _own("scope")  # Scope
    index: Any = _own("index", -1)  # position in the scope's RestApis list
    has_resources: Any = _own("has_resources", True)
    has_stages: Any = _own("has_stages", True)
    has_deployments: Any = _own("has_deployments", True)
    has_authorizers: Any = _own("has_authorizers", True)
    has_gateway_responses: Any = _own("has_gateway_responses", True)
    methods: Any = _own("methods", [])  # list[RestMethod], in resource order: the REST API's "routes"
    raw_item: Any = _own("raw_item")
    collection = "RestApis"
    protocol_type = "REST"
    is_http = False
    is_websocket = False
    is_v2 = False
    is_rest = True
    has_integrations = True

    @property
    def routes(self) -> list:
        """Its methods: what the shared analysis walks as an API's routes."""
        return self.methods

    @property
    def has_routes(self) -> bool:
        return self.has_resources

    @property
    def integrations(self) -> list:
        return [m.integration for m in self.methods if m.integration is not None]

    @property
    def parent_location(self) -> Location:
        return self.scope.location

    @property
    def parent_raw(self) -> dict:
        return self.scope.raw_document()

    @property
    def partition(self) -> str:
        return self.scope.partition

    @property
    def endpoint_types(self) -> list[str]:
        config = self.endpoint_configuration
        types = config.get("types") if isinstance(config, dict) else None
        return [str(t) for t in types] if isinstance(types, list) else []


class UsagePlan(_Listed, msgspec.Struct, **_MODEL):
    id: str = ""
    name: str = ""
    api_stages: Any = msgspec.field(name="apiStages", default=None)  # [{apiId, stage, throttle}]
    throttle: Any = None
    quota: Any = None
    source: Any = msgspec.field(name="SourceLocation", default=None)
    scope: Any = _own("scope")
    index: Any = _own("index", -1)
    raw_item: Any = _own("raw_item")
    collection = "UsagePlans"

    @property
    def parent_location(self) -> Location:
        return self.scope.location

    @property
    def parent_raw(self) -> dict:
        return self.scope.raw_document()

    def serves(self, api_id: str, stage: str) -> bool:
        return any(isinstance(s, dict) and s.get("apiId") == api_id and s.get("stage") == stage
                   for s in self.api_stages or ())


@dataclass(slots=True, eq=False)
class Qualifier:
    """An alias or a published version: each has its own resource policy."""

    function: "Function"
    raw: dict
    name: str
    arn: str
    kind: str  # "alias" or "version"
    location: Location


class Function(_Listed, msgspec.Struct, **_MODEL):
    arn: Annotated[str, msgspec.Meta(max_length=MAX_FUNCTION_ARN)] = msgspec.field(name="FunctionArn")
    name: str | None = msgspec.field(name="FunctionName", default=None)  # None: the ARN's last part, once read
    timeout_s: int | None = msgspec.field(name="Timeout", default=None)
    tags: dict = msgspec.field(name="Tags", default={})
    policy: Any = msgspec.field(name="Policy", default=None)  # a JSON string or a document: read into statements
    alias_items: Any = msgspec.field(name="Aliases", default=None)  # read into aliases
    version_items: Any = msgspec.field(name="Versions", default=None)  # read into versions
    source: Any = msgspec.field(name="SourceLocation", default=None)
    scope: Any = _own("scope")  # Scope
    statements: Any = _own("statements", [])  # list[Statement]
    aliases: Any = _own("aliases", {})  # dict[str, Qualifier]
    versions: Any = _own("versions", {})  # dict[str, Qualifier]
    index: Any = _own("index", -1)  # int: position in the scope's Functions list
    has_aliases: Any = _own("has_aliases", False)  # bool
    has_versions: Any = _own("has_versions", False)  # bool
    raw_item: Any = _own("raw_item")  # dict | None
    collection = "Functions"

    @property
    def parent_location(self) -> Location:
        return self.scope.location

    @property
    def parent_raw(self) -> dict:
        return self.scope.raw_document()

    def qualifier(self, name: str | None) -> "Qualifier | None":
        if name is None:
            return None
        return self.aliases.get(name) or self.versions.get(name)


@dataclass(slots=True, eq=False)
class Role:
    """An IAM role API Gateway is told to assume (an integration's CredentialsArn, an authorizer's
    AuthorizerCredentialsArn): only its trust policy matters here."""

    scope: "Scope"
    raw: dict
    name: str
    arn: str
    trust: list[dict]  # the statements of AssumeRolePolicyDocument, each checked by policy.read_statement
    location: Location


TAG_READ = "tag:GetResources"  # live collection's read of suppression tags on functions
NO_PARAMETER_VALUE = "NoParameterValue"  # a template parameter with no Default and no --parameter value


@dataclass(slots=True, eq=False)
class ScopeError:
    """A part of the collection that failed (AccessDenied, throttled, deleted mid-run...)."""

    operation: str
    resource: str
    code: str
    message: str
    location: Location

    @property
    def tags_only(self) -> bool:
        """Only suppression tags were lost: no check went without its data."""
        return self.operation == TAG_READ

    @property
    def unresolved_parameters(self) -> bool:
        """Template parameters left open: the values built from them are already reported one by one."""
        return self.code == NO_PARAMETER_VALUE


@dataclass(slots=True, eq=False)
class Scope:
    """One account and region: what the rules see of it, and whether its collection was complete."""

    account: str
    region: str
    complete: bool
    apis: list[Api] = field(default_factory=list)
    functions: list[Function] = field(default_factory=list)
    errors: list[ScopeError] = field(default_factory=list)
    location: Location | None = None
    roles: list[Role] = field(default_factory=list)
    rest_apis: list[RestApi] = field(default_factory=list)
    usage_plans: list[UsagePlan] | None = None  # None: not collected (rules needing them stay silent)
    rest_collected: bool = False  # the input lists the scope's REST APIs (`RestApis`, even empty)
    domain_names: list = field(default_factory=list)  # core.domains.DomainName (custom domains, API mappings)
    # The template, plan or folder the scope was built from: its logical ids and the placeholders it
    # leaves open (account, region, parameters, generated names) are its own. None: a snapshot file,
    # merged with every other by account and region.
    stack: str | None = None
    # The scope's object as the input has it, read again on first use when the scope was decoded
    # straight into the model (snapshot.fast_read); its objects find their `raw` in it.
    raw_source: Callable[[], dict] | None = None
    raw_scope: dict | None = None
    _partition: tuple[str, str] | None = field(default=None, repr=False)  # (region, its partition), once looked up

    @property
    def partition(self) -> str:
        if self._partition is None or self._partition[0] != self.region:
            self._partition = (self.region, partition_for_region(self.region))
        return self._partition[1]

    def raw_document(self) -> dict:
        if self.raw_scope is None:
            self.raw_scope = self.raw_source()
        return self.raw_scope


@dataclass(slots=True, eq=False)
class Conflict:
    """An API, function or role that two snapshot files hold with different content: `kept` is audited."""

    kind: str  # "API", "Function" or "Role"
    name: str  # API id, function ARN or role ARN
    kept: "Api | Function | Role"
    dropped: "Api | Function | Role"


@dataclass(slots=True, eq=False)
class Snapshot:
    """Every scope read from the inputs, with the files they came from and the conflicts between them."""

    scopes: list[Scope]
    files: list[str]
    conflicts: list[Conflict] = field(default_factory=list)

    def stacks(self) -> list["Snapshot"]:
        """The independent parts audited one by one: all snapshot files together, then each stack.
        Nothing in one part can name anything in another, so findings are their union."""
        parts: dict[str | None, list[Scope]] = {}
        for scope in self.scopes:
            parts.setdefault(scope.stack, []).append(scope)
        if len(parts) <= 1:
            return [self]
        return [Snapshot(scopes, self.files, self.conflicts if stack is None else [])
                for stack, scopes in parts.items()]

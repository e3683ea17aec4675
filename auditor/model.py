"""The snapshot model every rule, reporter and simulator reads.

Objects keep AWS's raw response dict (`raw`) beside the few fields the rules use, and a
`Location` saying where in the user's input they came from, so every finding can point back.
"""

from dataclasses import dataclass, field

from auditor.arns import FunctionRef, partition_for_region
from auditor.policy import Statement


@dataclass(slots=True)
class Location:
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


def child_location(raw: dict, parent: Location, key: str, index: int) -> Location:
    """Where the index-th object of a parent's list sits: its JSON path, or the IaC file/line it declares."""
    path = f"{parent.path}.{key}[{index}]"
    source = raw.get("SourceLocation")
    if isinstance(source, dict):
        return Location(str(source.get("File", parent.file)), path, source.get("Line"), source.get("Resource"),
                        str(source.get("InputType", "snapshot")))
    return Location(parent.file, path)


class _Listed:
    """Objects located by their place (`index`) in a parent's list: APIs and functions in their scope's,
    routes, integrations, stages and authorizers in their API's.

    The location is built on demand: an audit of 100,000 routes needs only the few with findings.
    """

    __slots__ = ()
    collection = ""

    @property
    def location(self) -> Location:
        return child_location(self.raw, self.parent_location, self.collection, self.index)


class _ApiChild(_Listed):
    __slots__ = ()

    @property
    def parent_location(self) -> Location:
        return self.api.location


@dataclass(slots=True, eq=False)
class Route(_ApiChild):
    api: "Api"
    raw: dict
    id: str
    key: str
    target: str | None
    authorization_type: str
    authorizer_id: str | None
    index: int  # position in the API's Routes list
    collection = "Routes"


@dataclass(slots=True, eq=False)
class Integration(_ApiChild):
    api: "Api"
    raw: dict
    id: str
    type: str | None
    uri: str | None
    subtype: str | None
    payload_format_version: str | None
    timeout_ms: int | None
    credentials_arn: str | None
    function_ref: FunctionRef | None  # the function the URI names (parse_function_uri), None for other URIs
    index: int  # position in the API's Integrations list
    collection = "Integrations"

    @property
    def is_lambda(self) -> bool:
        """A Lambda proxy integration: the only kind the Lambda rules judge."""
        return self.type == "AWS_PROXY" and not self.subtype and self.function_ref is not None


@dataclass(slots=True, eq=False)
class Stage(_ApiChild):
    api: "Api"
    raw: dict
    name: str
    auto_deploy: bool
    deployment_id: str | None
    access_log_destination: str | None
    index: int  # position in the API's Stages list
    collection = "Stages"

    @property
    def serves(self) -> bool:
        return self.auto_deploy or bool(self.deployment_id)


@dataclass(slots=True, eq=False)
class Authorizer(_ApiChild):
    api: "Api"
    raw: dict
    id: str
    name: str
    type: str | None
    uri: str | None
    credentials_arn: str | None
    index: int  # position in the API's Authorizers list
    collection = "Authorizers"

    @property
    def id_known(self) -> bool:
        """False when API Gateway assigns the id at deployment and the input cannot name it (an authorizer in
        an OpenAPI body, e.g. SAM's): its execute-api ARN `<api>/authorizers/<id>` is then matched only by a
        wildcard, never by the name standing in for the id."""
        return self.raw.get("AuthorizerIdKnown") is not False


@dataclass(slots=True, eq=False)
class Api(_Listed):
    scope: "Scope"
    raw: dict
    id: str
    name: str
    protocol_type: str
    routes: list[Route]
    integrations: list[Integration]
    stages: list[Stage]
    authorizers: list[Authorizer]
    tags: dict
    index: int  # position in the scope's Apis list
    # Which collections the snapshot holds; an absent one is unknown, not empty.
    has_routes: bool = True
    has_integrations: bool = True
    has_stages: bool = True
    has_authorizers: bool = True
    collection = "Apis"

    @property
    def parent_location(self) -> Location:
        return self.scope.location

    @property
    def is_http(self) -> bool:
        return self.protocol_type == "HTTP"

    @property
    def partition(self) -> str:
        return partition_for_region(self.scope.region)


@dataclass(slots=True, eq=False)
class Qualifier:
    """An alias or a published version: each has its own resource policy."""

    function: "Function"
    raw: dict
    name: str
    arn: str
    kind: str  # "alias" or "version"
    location: Location


@dataclass(slots=True, eq=False)
class Function(_Listed):
    scope: "Scope"
    raw: dict
    name: str
    arn: str
    timeout_s: int | None
    statements: list[Statement]
    aliases: dict[str, Qualifier]
    versions: dict[str, Qualifier]
    tags: dict
    index: int  # position in the scope's Functions list
    has_aliases: bool = False
    has_versions: bool = False
    collection = "Functions"

    @property
    def parent_location(self) -> Location:
        return self.scope.location

    def qualifier(self, name: str | None) -> Qualifier | None:
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
    account: str
    region: str
    complete: bool
    apis: list[Api] = field(default_factory=list)
    functions: list[Function] = field(default_factory=list)
    errors: list[ScopeError] = field(default_factory=list)
    location: Location | None = None
    roles: list[Role] = field(default_factory=list)
    # The template, plan or folder the scope was built from: its logical ids and the placeholders it
    # leaves open (account, region, parameters, generated names) are its own. None: a snapshot file,
    # merged with every other by account and region.
    stack: str | None = None


@dataclass(slots=True, eq=False)
class Conflict:
    """An API, function or role that two snapshot files hold with different content: `kept` is audited."""

    kind: str  # "API", "Function" or "Role"
    name: str  # API id, function ARN or role ARN
    kept: "Api | Function | Role"
    dropped: "Api | Function | Role"


@dataclass(slots=True, eq=False)
class Snapshot:
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

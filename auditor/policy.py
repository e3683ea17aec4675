"""Lambda resource-policy statements, read once into a form the permission rules can query.

The rules ask three questions of a statement: does it let API Gateway invoke (principal, action,
effect), on which function ARN (Resource, not which GetPolicy call returned it), and from which
execute-api ARNs (the AWS:SourceArn condition, compared with ArnLike).
"""

from dataclasses import dataclass, field

from auditor.arnlike import arn_like, glob_match

APIGATEWAY = "apigateway.amazonaws.com"
_ARN_OPERATORS = {"arnlike", "arnequals", "stringlike", "stringequals"}


def _as_list(value) -> list:
    if value is None:
        return []
    return value if type(value) is list else [value]


@dataclass(slots=True)
class Statement:
    """One policy statement, reduced to what decides API Gateway's access."""

    sid: str
    effect: str
    services: tuple[str, ...]
    public: bool
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    source_arns: tuple[str, ...] | None  # None: no SourceArn condition at all
    source_accounts: tuple[str, ...] | None
    org_ids: tuple[str, ...] | None
    other_conditions: tuple[str, ...]  # condition keys we cannot evaluate
    path: str = ""
    function: object = field(default=None, repr=False)
    invokable: bool = False  # set by read_statement: principal admits API Gateway and action invokes
    source: dict | None = field(default=None, repr=False)  # IaC: the statement's own SourceLocation

    @property
    def is_allow(self) -> bool:
        return self.effect == "Allow"

    @property
    def grants_invoke(self) -> bool:
        return any(glob_match(action.lower(), "lambda:invokefunction") for action in self.actions) or "*" in self.actions

    @property
    def for_apigateway(self) -> bool:
        """Does the principal admit API Gateway (by service name or by being public)?"""
        return self.public or APIGATEWAY in self.services

    @property
    def invokable_by_apigateway(self) -> bool:
        return self.invokable

    def applies_to(self, function_arn: str) -> bool:
        return any(arn_like(resource, function_arn) for resource in self.resources) or "*" in self.resources

    def source_arn_allows(self, source_arn: str) -> bool:
        if self.source_arns is None:
            return True
        return any(arn_like(pattern, source_arn) for pattern in self.source_arns)

    def allows(self, function_arn: str, source_arn: str, account: str) -> bool:
        """Would this statement let API Gateway call function_arn on behalf of source_arn?

        Conditions we cannot evaluate (e.g. PrincipalOrgID for a service) count as met, so
        that an unusual policy never produces a false "permission missing".
        """
        if not self.invokable_by_apigateway or not self.applies_to(function_arn):
            return False
        if not self.source_arn_allows(source_arn):
            return False
        if self.source_accounts is not None and account not in self.source_accounts:
            return False
        return True


def _principal(principal) -> tuple[tuple[str, ...], bool]:
    if principal == "*":
        return (), True
    if isinstance(principal, dict):
        services = tuple(str(s) for s in _as_list(principal.get("Service")))
        public = "*" in _as_list(principal.get("AWS"))
        return services, public
    return (), False


def _conditions(condition: dict) -> tuple[tuple | None, tuple | None, tuple | None, tuple[str, ...]]:
    source_arns = source_accounts = org_ids = None
    others = []
    for operator, clauses in (condition or {}).items():
        op = operator.lower().removeprefix("forallvalues:").removeprefix("foranyvalue:").removesuffix("ifexists")
        if not isinstance(clauses, dict):
            others.append(operator)
            continue
        for key, value in clauses.items():
            values = tuple(map(str, _as_list(value)))
            lowered = key.lower()
            if op in _ARN_OPERATORS and lowered == "aws:sourcearn":
                source_arns = (source_arns or ()) + values
            elif op in ("stringequals", "stringlike") and lowered == "aws:sourceaccount":
                source_accounts = (source_accounts or ()) + values
            elif op in ("stringequals", "stringlike") and lowered == "aws:principalorgid":
                org_ids = (org_ids or ()) + values
            else:
                others.append(f"{operator}:{key}")
    return source_arns, source_accounts, org_ids, tuple(others)


def read_statement(raw: dict, path: str) -> Statement:
    """Normalise one statement; shape errors are the loader's job, so this trusts `raw` is a dict."""
    get = raw.get
    services, public = _principal(get("Principal"))
    condition = get("Condition")
    source_arns, accounts, orgs, others = _conditions(condition if type(condition) is dict else {})
    statement = Statement(
        sid=str(get("Sid", "")),
        effect=str(get("Effect", "Allow")),
        services=services,
        public=public,
        actions=tuple(map(str, _as_list(get("Action")))),
        resources=tuple(map(str, _as_list(get("Resource")))),
        source_arns=source_arns,
        source_accounts=accounts,
        org_ids=orgs,
        other_conditions=others,
        path=path,
    )
    statement.invokable = statement.for_apigateway and statement.grants_invoke
    return statement

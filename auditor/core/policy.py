"""Lambda resource-policy statements, read once into a form the permission rules can query.

The rules ask three questions of a statement: does it let API Gateway invoke (principal, action,
effect), on which function ARN (Resource, not which GetPolicy call returned it), and from which
execute-api ARNs (the AWS:SourceArn condition: ArnLike/ArnEquals part by part, StringLike over
the whole ARN, StringEquals literally; the Not- forms as exclusions).
"""

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timezone

import msgspec

from auditor.core.arnlike import arn_like, glob_match

APIGATEWAY = "apigateway.amazonaws.com"
# Condition operator -> how a SourceArn value is compared: part by part (ArnLike), whole-string glob, literal.
_SOURCE_ARN_OPERATORS = {"arnlike": "arn", "arnequals": "arn", "stringlike": "like", "stringequals": "equals"}
_NOT_OPERATORS = {"arnnotlike": "arn", "arnnotequals": "arn", "stringnotlike": "like", "stringnotequals": "equals"}
FUNCTION_URL_KEY = "lambda:invokedviafunctionurl"


def source_matches(op: str, pattern: str, arn: str) -> bool:
    """Compare a SourceArn condition value with the ARN API Gateway presents, as IAM does for `op`."""
    if op == "arn":
        return arn_like(pattern, arn)
    if op == "like":
        return glob_match(pattern, arn)  # StringLike: `*` crosses ':' too
    return pattern == arn


def _as_list(value) -> list:
    if value is None:
        return []
    return value if type(value) is list else [value]


def resource_matches(pattern: str, arn: str) -> bool:
    """IAM's Resource matching: wildcards within each colon-separated segment, except that a `*` ending a
    segment may extend past the colons after it (`arn:aws:execute-api:*` names every API). The second case is
    read as one glob over the whole ARN, a little looser than IAM only for a `*` inside such a pattern.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html"""
    if arn_like(pattern, arn):
        return True
    return any(part.endswith("*") for part in pattern.split(":")) and glob_match(pattern, arn)


class Statement(msgspec.Struct):
    """One policy statement, reduced to what decides API Gateway's access (a msgspec Struct: a large
    snapshot holds one per function at least, and a Struct is made in C)."""

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
    source_arn_ops: tuple[str, ...] = ()  # per source_arns value: "arn", "like" or "equals"
    # Set only when SourceArn (or SourceAccount) is tested by two or more operators, or SourceAccount by
    # StringLike: per operator, the (op, value) pairs; IAM ANDs operators and ORs values within one.
    source_arn_clauses: tuple[tuple[tuple[str, str], ...], ...] = ()
    source_account_clauses: tuple[tuple[tuple[str, str], ...], ...] = ()
    # Why API Gateway's call can never meet the conditions (a key it lacks, e.g. aws:PrincipalOrgID, under
    # a positive operator); "" when it can. See _note.
    excludes_apigateway: str = ""
    # Conditions on who calls (aws:PrincipalOrgID, ...PrincipalOrgPaths, ...PrincipalIsAWSService): a public
    # statement with one is not open to every principal.
    caller_conditions: tuple[str, ...] = ()
    not_source_arns: tuple[tuple[str, str], ...] = ()  # (op, value) the ARN must not match (ArnNotLike...)
    not_source_accounts: tuple[str, ...] = ()  # StringNotEquals on AWS:SourceAccount
    url_only: bool = False  # lambda:InvokedViaFunctionUrl=true: only function-URL calls, never API Gateway
    path: str = ""
    function: object = None
    grants_invoke: bool = False  # set by read_statement: an Action allows lambda:InvokeFunction
    invokable: bool = False  # set by read_statement: principal admits API Gateway and action invokes
    source: dict | None = None  # IaC: the statement's own SourceLocation
    # NotPrincipal: the principals excluded ("*" for all); None when the statement has a Principal instead.
    # Allow + NotPrincipal grants every principal but these (so `public`), Deny + NotPrincipal denies them all.
    not_principals: tuple[str, ...] | None = None
    not_action: bool = False  # `actions` came from NotAction: the statement covers every action but these
    not_resource: bool = False  # `resources` came from NotResource: every resource but these
    # The conditions evaluated against API Gateway's call (see call_context), each "operator key values: why".
    condition_notes: tuple[str, ...] = ()

    @property
    def is_allow(self) -> bool:
        return self.effect == "Allow"


    @property
    def for_apigateway(self) -> bool:
        """Does the principal admit API Gateway (by service name, by being public, or by a NotPrincipal
        that does not name it)?"""
        return principal_admits(self, APIGATEWAY)

    @property
    def invokable_by_apigateway(self) -> bool:
        return self.invokable

    def applies_to(self, arn: str, expand=None) -> bool:
        """Does Resource (or NotResource) cover `arn`? expand: rewrites a service's shorthand into an ARN
        pattern first (a REST API's `execute-api:/stage/VERB/path`)."""
        resources = self.resources if expand is None else tuple(map(expand, self.resources))
        named = "*" in resources or any(resource_matches(resource, arn) for resource in resources)
        return not named if self.not_resource else named

    def covers_action(self, action: str) -> bool:
        """Does Action (or NotAction) cover `action`?"""
        return action_matches(self.actions, action) != self.not_action

    @property
    def source_patterns(self) -> list[tuple[str, str]]:
        """(op, value) of each SourceArn condition value."""
        ops = self.source_arn_ops or ("arn",) * len(self.source_arns or ())
        return list(zip(ops, self.source_arns or ()))

    def source_arn_matches(self, source_arn: str) -> bool:
        """Do the SourceArn conditions (not the exclusions) admit this ARN?"""
        if self.source_arns is None:
            return True
        if self.source_arn_clauses:
            return all(any(source_matches(op, value, source_arn) for op, value in clause)
                       for clause in self.source_arn_clauses)
        return any(source_matches(op, value, source_arn) for op, value in self.source_patterns)

    def source_arn_allows(self, source_arn: str) -> bool:
        if any(source_matches(op, value, source_arn) for op, value in self.not_source_arns):
            return False
        return self.source_arn_matches(source_arn)

    def account_allows(self, account: str) -> bool:
        if self.source_account_clauses:
            if not all(any(source_matches(op, value, account) for op, value in clause)
                       for clause in self.source_account_clauses):
                return False
        elif self.source_accounts is not None and account not in self.source_accounts:
            return False
        return account not in self.not_source_accounts

    def allows(self, function_arn: str, source_arn: str, account: str) -> bool:
        """Does this statement match API Gateway calling function_arn on behalf of source_arn?

        A condition we cannot evaluate (e.g. aws:SourceVpc, which no API Gateway call carries either way) counts as met on an
        Allow, so an unusual policy never produces a false "permission missing", and as unmet on
        a Deny, so it never produces a false "route uncovered".
        """
        if not self.invokable_by_apigateway or not self.applies_to(function_arn):
            return False
        if not self.is_allow and self.other_conditions:
            return False
        return self.source_arn_allows(source_arn) and self.account_allows(account)


def action_matches(actions: tuple[str, ...], action: str) -> bool:
    """Does an Action list name `action` (actions are case-insensitive globs)?"""
    action = action.lower()
    return any(glob_match(pattern.lower(), action) for pattern in actions)


def _invokes(actions: tuple[str, ...]) -> bool:
    return action_matches(actions, "lambda:InvokeFunction")


ANONYMOUS = "anonymous"  # a caller with no AWS identity: what a REST API's NONE or CUSTOM method sees


def principal_admits(statement: "Statement", caller: str) -> bool:
    """Does a statement's Principal (or NotPrincipal) cover `caller`, a service principal's name or ANONYMOUS?
    Only Principal "*" (or {"AWS": "*"}) covers an anonymous caller; a NotPrincipal covers everyone it does
    not name, so a Deny + NotPrincipal naming one role denies anonymous callers too."""
    if statement.not_principals is not None:
        return caller not in statement.not_principals and "*" not in statement.not_principals
    return statement.public or caller in statement.services


def _principal(principal) -> tuple[tuple[str, ...], bool]:
    if principal == "*":
        return (), True
    if isinstance(principal, dict):
        services = tuple(str(s) for s in _as_list(principal.get("Service")))
        public = "*" in _as_list(principal.get("AWS"))
        return services, public
    return (), False


@dataclass(slots=True)
class _Conditions:
    """A statement's Condition block reduced to what decides API Gateway's access."""

    source_arns: tuple | None = None
    source_arn_ops: tuple = ()
    source_accounts: tuple | None = None
    org_ids: tuple | None = None
    not_source_arns: tuple = ()
    not_source_accounts: tuple = ()
    url_only: bool = False
    others: tuple = ()
    source_arn_clauses: tuple = ()
    source_account_clauses: tuple = ()
    excludes_apigateway: str = ""
    caller_conditions: tuple = ()
    notes: tuple = ()


# ---------------------------------------------------------------- condition operators, as IAM evaluates them
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html

def _number(text: str) -> float:
    return float(text)


def _date(text: str) -> float:
    """An IAM date (ISO 8601, or epoch seconds) as epoch seconds."""
    text = text.strip()
    if text.isdigit():
        return float(text)
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _in_network(cidr: str, address: str) -> bool:
    return ipaddress.ip_address(address) in ipaddress.ip_network(cidr, strict=False)


# Positive operator -> (compare(policy value, request value), negated operators that invert it).
_COMPARE = {
    "stringequals": lambda v, a: v == a,
    "stringequalsignorecase": lambda v, a: v.lower() == a.lower(),
    "stringlike": glob_match,
    "numericequals": lambda v, a: _number(a) == _number(v),
    "numericlessthan": lambda v, a: _number(a) < _number(v),
    "numericlessthanequals": lambda v, a: _number(a) <= _number(v),
    "numericgreaterthan": lambda v, a: _number(a) > _number(v),
    "numericgreaterthanequals": lambda v, a: _number(a) >= _number(v),
    "dateequals": lambda v, a: _date(a) == _date(v),
    "datelessthan": lambda v, a: _date(a) < _date(v),
    "datelessthanequals": lambda v, a: _date(a) <= _date(v),
    "dategreaterthan": lambda v, a: _date(a) > _date(v),
    "dategreaterthanequals": lambda v, a: _date(a) >= _date(v),
    "bool": lambda v, a: v.lower() == a.lower(),
    "binaryequals": lambda v, a: v == a,
    "ipaddress": _in_network,
    "arnequals": arn_like,  # ArnEquals and ArnLike both take wildcards, part by part
    "arnlike": arn_like,
}
_NEGATED = {"stringnotequals": "stringequals", "stringnotequalsignorecase": "stringequalsignorecase",
            "stringnotlike": "stringlike", "numericnotequals": "numericequals", "datenotequals": "dateequals",
            "notipaddress": "ipaddress", "arnnotequals": "arnequals", "arnnotlike": "arnlike"}


def split_operator(operator: str) -> tuple[str, str, bool]:
    """(set qualifier "all"/"any"/"", base operator lowercased, IfExists) of a condition operator."""
    lowered = operator.lower()
    qualifier = ""
    for prefix, name in (("forallvalues:", "all"), ("foranyvalue:", "any")):
        if lowered.startswith(prefix):
            qualifier, lowered = name, lowered[len(prefix):]
    if_exists = lowered.endswith("ifexists") and lowered != "ifexists"
    return qualifier, lowered.removesuffix("ifexists") if if_exists else lowered, if_exists


def condition_holds(operator: str, values: tuple[str, ...], actual: tuple[str, ...] | None) -> bool | None:
    """Does one condition (operator, the policy's values) hold for a request whose context has `actual` for
    its key (None: the key is absent)? None when IAM's answer is not known here (an operator it does not
    define, a value it could not parse).

    IAM: an absent key makes a positive operator false and a negated one (StringNotEquals, NotIpAddress,
    ArnNotLike...) true; ...IfExists and ForAllValues are true on an absent key, ForAnyValue false; Null
    tests presence. Several values of one key are ORed (a negated operator: none may match)."""
    qualifier, base, if_exists = split_operator(operator)
    if base == "null":
        return ("true" if actual is None else "false") in (v.lower() for v in values)
    negated = base in _NEGATED
    compare = _COMPARE.get(_NEGATED.get(base, base))
    if compare is None:
        return None
    if actual is None:
        if qualifier:  # ForAnyValue: false on an absent key, ForAllValues: true (even with IfExists)
            return qualifier == "all"
        return if_exists or negated
    try:
        results = [any(compare(v, a) for v in values) != negated for a in actual]
    except (ValueError, TypeError):
        return None
    return all(results) if qualifier == "all" else any(results)


# ---------------------------------------------------------------- the request context of API Gateway's call
# What API Gateway's own call of lambda:InvokeFunction carries, per the global condition keys page
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html): it calls as the
# service principal apigateway.amazonaws.com, from AWS's network, in no organisation, with no session.
# None: the key is absent. aws:SourceArn and aws:SourceAccount (the API's execute-api ARN and account) depend
# on the route and are compared per route by Statement.allows. Keys not listed are not modelled: on an Allow
# they count as met, on a Deny as unmet (so an unusual policy never yields a false finding), and the verdict
# says "probably".
CALL_CONTEXT: dict[str, tuple[str, ...] | None] = {
    "aws:principalisawsservice": ("true",),
    "aws:principalservicename": (APIGATEWAY,),
    "aws:principalservicenameslist": (APIGATEWAY,),
    "aws:principalorgid": None, "aws:principalorgpaths": None,  # only for principals in an organisation
    "aws:sourceip": None,  # probably absent for a service principal's call (and never the user's range)
    "aws:sourcevpc": None, "aws:sourcevpce": None, "aws:vpcsourceip": None, "aws:sourcevpcarn": None,  # VPC endpoints only
    "aws:calledvia": None, "aws:calledviafirst": None, "aws:calledvialast": None,  # forward access sessions only
    "aws:multifactorauthpresent": None, "aws:multifactorauthage": None, "aws:tokenissuetime": None,
    "aws:federatedprovider": None, "aws:sourceidentity": None, "aws:referer": None,
    "aws:ec2instancesourcevpc": None, "aws:ec2instancesourceprivateipv4": None,
    "lambda:functionurlauthtype": None,  # only on function-URL actions (Lambda's condition keys)
    "lambda:invokedviafunctionurl": None,  # only on calls through a function URL
}
_ABSENT_PREFIXES = ("aws:principaltag/", "aws:requesttag/")  # a service principal has no tags
# Keys about who calls: a public statement conditioned on one is not open to every principal (AGW303).
_TIME_KEYS = ("aws:currenttime", "aws:epochtime")


def call_context_value(key: str) -> tuple[bool, tuple[str, ...] | None]:
    """(modelled, value) of a condition key in API Gateway's call; value None: absent."""
    if key in CALL_CONTEXT:
        return True, CALL_CONTEXT[key]
    if key.startswith(_ABSENT_PREFIXES):
        return True, None
    if key in _TIME_KEYS:
        now = datetime.now(timezone.utc)
        return True, (now.strftime("%Y-%m-%dT%H:%M:%SZ") if key == "aws:currenttime" else str(int(now.timestamp())),)
    return False, None


def unknown_context(key: str) -> tuple[bool, tuple[str, ...] | None]:
    """The request context of a caller nothing is known about (an anonymous client of a REST API: its source
    IP, VPC endpoint and VPC depend on where it calls from): no key is modelled, so a statement conditioned on
    any key is "conditional"."""
    return False, None


def conditions_hold(condition: dict | None, context=call_context_value) -> bool | None:
    """Does a statement's Condition block hold for a request whose context `context(key)` gives as (modelled,
    value)? IAM ANDs every operator and key; None when one of them cannot be decided here (a key not modelled,
    an operator not known) and none fails."""
    verdict: bool | None = True
    for operator, clauses in (condition or {}).items():
        if not isinstance(clauses, dict):
            verdict = None
            continue
        for key, value in clauses.items():
            modelled, actual = context(key.lower())
            holds = condition_holds(operator, tuple(map(str, _as_list(value))), actual) if modelled else None
            if holds is False:
                return False
            if holds is None:
                verdict = None
    return verdict


@dataclass(slots=True)
class Evaluation:
    """IAM's answer for one request: decision "allowed", "denied" (an explicit Deny holds), "conditional" (an
    Allow or a Deny depends on what the context leaves unknown) or "implicit" (no statement allows: the
    implicit deny); statement: the raw Deny that decided, if any."""

    decision: str
    statement: dict | None = None


def evaluate(statements: list[dict], action: str, resource: str, caller: str, context=call_context_value,
             expand=None) -> Evaluation:
    """Evaluate a resource policy's statements (dicts) for `caller` (a service principal or ANONYMOUS) doing
    `action` on `resource`, as IAM does: an explicit Deny wins, then an Allow, else the implicit deny.
    Principal/NotPrincipal, Action/NotAction, Resource/NotResource are all read; conditions go through
    conditions_hold with `context`. expand: see Statement.applies_to. StatementShapeError on a malformed one."""
    allowed = maybe_allowed = maybe_denied = False
    for index, raw in enumerate(statements):
        statement = read_statement(raw, f"[{index}]")
        if not (principal_admits(statement, caller) and statement.covers_action(action)
                and statement.applies_to(resource, expand)):
            continue
        holds = conditions_hold(raw.get("Condition"), context)
        if holds is False:
            continue
        if not statement.is_allow:
            if holds:
                return Evaluation("denied", raw)
            maybe_denied = True
        elif holds:
            allowed = True
        else:
            maybe_allowed = True
    if allowed and not maybe_denied:
        return Evaluation("allowed")
    if allowed or maybe_allowed:
        return Evaluation("conditional")
    return Evaluation("implicit")  # a Deny that may apply changes nothing when nothing allows


def _why(key: str, actual) -> str:
    if actual is None:
        return f"{key} is absent from API Gateway's call"
    return f"{key} is {', '.join(actual)} in API Gateway's call"


def _note(out: "_Conditions", operator: str, key: str, values: tuple, actual) -> None:
    """Evaluate one condition on a key of API Gateway's call: record why, and the first one that fails."""
    holds = condition_holds(operator, values, actual)
    shown = f"{operator} {key} {', '.join(values)}"
    if holds is None:
        out.others += (f"{operator}:{key}",)
        return
    out.notes += (f"{shown}: {'holds' if holds else 'fails'} ({_why(key, actual)})",)
    if not holds and not out.excludes_apigateway:
        out.excludes_apigateway = f"{shown} ({_why(key, actual)})"


def _conditions(condition: dict) -> _Conditions:
    if len(condition) == 1 and "ArnLike" in condition:  # what AddPermission writes: one SourceArn
        clause = condition["ArnLike"]
        if type(clause) is dict and len(clause) == 1:
            (key, value), = clause.items()
            if type(value) is str and key.lower() == "aws:sourcearn":
                return _Conditions(source_arns=(value,), source_arn_ops=("arn",))
    out = _Conditions()
    others, arn_clauses, account_clauses = [], [], []
    for operator, clauses in (condition or {}).items():
        lowered_operator = operator.lower()
        op = lowered_operator.removeprefix("forallvalues:").removeprefix("foranyvalue:").removesuffix("ifexists")
        if not isinstance(clauses, dict):
            others.append(operator)
            continue
        for key, value in clauses.items():
            values = tuple(map(str, _as_list(value)))
            lowered = key.lower()
            if op in _SOURCE_ARN_OPERATORS and lowered == "aws:sourcearn":
                out.source_arns = (out.source_arns or ()) + values
                out.source_arn_ops += (_SOURCE_ARN_OPERATORS[op],) * len(values)
                arn_clauses.append(tuple((_SOURCE_ARN_OPERATORS[op], v) for v in values))
            elif op in _NOT_OPERATORS and lowered == "aws:sourcearn":
                out.not_source_arns += tuple((_NOT_OPERATORS[op], v) for v in values)
            elif op in ("stringequals", "stringlike") and lowered == "aws:sourceaccount":
                out.source_accounts = (out.source_accounts or ()) + values
                account_clauses.append(tuple(("like" if op == "stringlike" else "equals", v) for v in values))
            elif op == "stringnotequals" and lowered == "aws:sourceaccount":
                out.not_source_accounts += values
            elif op == "bool" and lowered == FUNCTION_URL_KEY and [v.lower() for v in values] == ["true"]:
                out.url_only = True
            elif op == "null" and lowered in ("aws:sourcearn", "aws:sourceaccount"):  # both always present
                _note(out, operator, key, values, ("present",))
            elif call_context_value(lowered)[0]:
                if op in ("stringequals", "stringlike") and lowered == "aws:principalorgid":
                    out.org_ids = (out.org_ids or ()) + values
                out.caller_conditions += (f"{operator} {key}",)
                _note(out, operator, key, values, call_context_value(lowered)[1])
            else:
                others.append(f"{operator}:{key}")
    out.others += tuple(others)
    if len(arn_clauses) > 1:
        out.source_arn_clauses = tuple(arn_clauses)
    if len(account_clauses) > 1 or any(op == "like" for clause in account_clauses for op, _ in clause):
        out.source_account_clauses = tuple(account_clauses)
    return out


class StatementShapeError(ValueError):
    """A statement field of the wrong type: `where` is the JSON path below the statement (".Action")."""

    def __init__(self, where: str, message: str):
        super().__init__(message)
        self.where, self.message = where, message


def read_statement(raw: dict, path: str) -> Statement:
    """One statement (a dict) normalised; StatementShapeError when a field has the wrong type.

    The shape `add-permission` writes, nearly every statement there is, is read directly; any other
    is type-checked, then read by the general path. Both give the same Statement (a test checks)."""
    return _read_add_permission(raw, path) or _read_general(_checked(raw), path)


def _is_strings(value) -> bool:
    return isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))


def _checked(raw: dict) -> dict:
    for key in ("Sid", "Effect"):
        if key in raw and not isinstance(raw[key], str):
            raise StatementShapeError(f".{key}", "expected a string")
    if raw.get("Condition") is not None and not isinstance(raw["Condition"], dict):  # null: no condition
        raise StatementShapeError(".Condition", "expected an object")
    for key in ("Action", "Resource", "NotAction", "NotResource"):
        if key in raw and not _is_strings(raw[key]):
            raise StatementShapeError(f".{key}", "expected a string or a list of strings")
    for key in ("Principal", "NotPrincipal"):
        principal = raw.get(key)
        if principal is not None and not (isinstance(principal, str) or (
                isinstance(principal, dict) and all(_is_strings(v) for v in principal.values()))):
            raise StatementShapeError(f".{key}", 'expected "*" or an object like {"Service": "..."}')
    return raw


def _not_principals(value) -> tuple[str, ...] | None:
    """Every principal a NotPrincipal names (services, accounts, ARNs, "*"), or None without one."""
    if value is None:
        return None
    if value == "*":
        return ("*",)
    if isinstance(value, dict):
        return tuple(str(v) for values in value.values() for v in _as_list(values))
    return ()


def _read_general(raw: dict, path: str) -> Statement:
    get = raw.get
    services, public = _principal(get("Principal"))
    not_principals = _not_principals(get("NotPrincipal")) if "Principal" not in raw else None
    if not_principals is not None:
        # IAM: Allow + NotPrincipal allows every principal except those named (anonymous ones too); AWS
        # now calls the combination unsupported, but a migrated or hand-made policy may hold it.
        public = "*" not in not_principals and str(get("Effect", "Allow")) == "Allow"
    not_action = "Action" not in raw and "NotAction" in raw
    not_resource = "Resource" not in raw and "NotResource" in raw
    condition = get("Condition")
    c = _conditions(condition if type(condition) is dict else {})
    statement = Statement(
        sid=str(get("Sid", "")),
        effect=str(get("Effect", "Allow")),
        services=services,
        public=public,
        actions=tuple(map(str, _as_list(get("NotAction") if not_action else get("Action")))),
        resources=tuple(map(str, _as_list(get("NotResource") if not_resource else get("Resource")))),
        source_arns=c.source_arns,
        source_accounts=c.source_accounts,
        org_ids=c.org_ids,
        other_conditions=c.others,
        path=path,
        source_arn_ops=c.source_arn_ops,
        not_source_arns=c.not_source_arns,
        not_source_accounts=c.not_source_accounts,
        url_only=c.url_only,
        source_arn_clauses=c.source_arn_clauses,
        source_account_clauses=c.source_account_clauses,
        excludes_apigateway=c.excludes_apigateway,
        caller_conditions=c.caller_conditions,
        not_principals=not_principals,
        not_action=not_action,
        not_resource=not_resource,
        condition_notes=c.notes,
    )
    # NotAction: every action but those listed (IAM's "NotAction with Allow").
    statement.grants_invoke = _invokes(statement.actions) != not_action
    statement.invokable = (statement.for_apigateway and statement.grants_invoke and not statement.url_only
                           and not statement.excludes_apigateway)
    return statement


def _read_add_permission(raw: dict, path: str) -> Statement | None:
    """The statement `aws lambda add-permission --source-arn` writes (string Sid, Effect, Action and
    Resource, one service principal, one ArnLike AWS:SourceArn), read without the general
    machinery; None for any other shape. Every field it reads has been type-checked here."""
    get = raw.get
    principal, condition, action, resource, sid, effect = (
        get("Principal"), get("Condition"), get("Action"), get("Resource"), get("Sid"), get("Effect"))
    if not (type(principal) is dict and type(condition) is dict and type(action) is str and type(resource) is str
            and type(sid) is str and type(effect) is str and len(principal) == 1 and len(condition) == 1) \
            or "NotPrincipal" in raw:
        return None
    service, clause = principal.get("Service"), condition.get("ArnLike")
    if not (type(service) is str and type(clause) is dict and len(clause) == 1):
        return None
    source_arn = clause.get("AWS:SourceArn")
    if type(source_arn) is not str:
        return None
    return _add_permission_statement(sid, effect, service, action, resource, source_arn, path)


def _add_permission_statement(sid: str, effect: str, service: str, action: str, resource: str, source_arn: str,
                              path: str, function=None) -> Statement:
    invokes = action == "lambda:InvokeFunction" or _invokes((action,))
    return Statement(sid, effect, (service,), False, (action,), (resource,), (source_arn,), None, None, (), ("arn",),
                     path=path, function=function, grants_invoke=invokes, invokable=invokes and service == APIGATEWAY)


# The same shape for msgspec: a policy whose every statement has it decodes straight into these (anything
# else, an extra key included, fails and is read as a dict). Duplicate keys keep the last, as json does.
# With no unknown key accepted and no field a number or an open value, the type fixes the nesting depth
# and admits no integer: where this decoding succeeds, json.loads reads the same text the same way.
class _ServicePrincipal(msgspec.Struct, forbid_unknown_fields=True):
    Service: str


class _SourceArnClause(msgspec.Struct, forbid_unknown_fields=True):
    source_arn: str = msgspec.field(name="AWS:SourceArn")


class _ArnLikeCondition(msgspec.Struct, forbid_unknown_fields=True):
    ArnLike: _SourceArnClause


class _AddPermissionStatement(msgspec.Struct, forbid_unknown_fields=True):
    Sid: str
    Effect: str
    Principal: _ServicePrincipal
    Action: str
    Resource: str
    Condition: _ArnLikeCondition


class _AddPermissionPolicy(msgspec.Struct, forbid_unknown_fields=True):
    Statement: list[_AddPermissionStatement]
    Version: str = ""
    Id: str = ""


_ADD_PERMISSION_POLICY = msgspec.json.Decoder(_AddPermissionPolicy)


def read_add_permission_policy(text: str, path: str, function=None) -> list[Statement] | None:
    """The statements of a policy JSON string all of whose statements `add-permission --source-arn` wrote
    (path: the policy's JSON path; function: the model's Function it belongs to); None for any other policy,
    to be read as a document."""
    try:
        policy = _ADD_PERMISSION_POLICY.decode(text)
    except (msgspec.DecodeError, ValueError):
        return None
    return [_add_permission_statement(s.Sid, s.Effect, s.Principal.Service, s.Action, s.Resource,
                                      s.Condition.ArnLike.source_arn, f"{path}.Statement[{index}]", function)
            for index, s in enumerate(policy.Statement)]


# ---------------------------------------------------------------- role trust policies (sts:AssumeRole)

@dataclass(slots=True)
class TrustVerdict:
    """Can a service assume a role? admits: True, False, or None when the policy uses what is not modelled."""

    admits: bool | None
    reason: str
    blocking: tuple[int, ...] = ()  # indexes of Deny statements that refuse the service outright


# The trust statement that lets API Gateway assume a role (what AGW210's fixes add).
ALLOW_APIGATEWAY_ASSUME = {"Effect": "Allow", "Principal": {"Service": APIGATEWAY}, "Action": "sts:AssumeRole"}


def _assumes(actions: tuple[str, ...]) -> bool:
    return action_matches(actions, "sts:AssumeRole")


def service_may_assume(statements: list[dict], service: str = APIGATEWAY) -> TrustVerdict:
    """Does a role's trust policy (its AssumeRolePolicyDocument statements) let `service` call
    sts:AssumeRole on it? Read with read_statement, as resource policies are: an Allow must name the
    service (or be public) with an action matching sts:AssumeRole, and no unconditional Deny may
    refuse it. A condition we cannot evaluate counts as met on an Allow and unmet on a Deny, and a
    NotPrincipal/NotAction statement makes the answer unknown, so a policy we do not understand is
    never called untrusting."""
    allowed, blocking = False, []
    for index, raw in enumerate(statements):
        if "NotPrincipal" in raw or "NotAction" in raw:
            return TrustVerdict(None, f"statement {index} uses NotPrincipal/NotAction")
        statement = _read_general(_checked(raw), f"[{index}]")
        if not principal_admits(statement, service) or not _assumes(statement.actions):
            continue
        if statement.is_allow:
            allowed = allowed or not statement.excludes_apigateway
        elif not (statement.other_conditions or statement.source_arns is not None or statement.source_accounts
                  is not None or statement.caller_conditions or statement.not_source_arns
                  or statement.not_source_accounts):
            blocking.append(index)
    if blocking:
        return TrustVerdict(False, f"a Deny refuses {service} sts:AssumeRole", tuple(blocking))
    if allowed:
        return TrustVerdict(True, "")
    named = sorted({str(value) for raw in statements if raw.get("Effect", "Allow") == "Allow"
                    and isinstance(raw.get("Principal"), dict) for values in raw["Principal"].values()
                    for value in _as_list(values)})
    return TrustVerdict(False, "its trust policy names only " + ", ".join(named) if named
                        else f"no statement of its trust policy lets {service} assume it")

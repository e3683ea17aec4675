"""Model edits: each one changes the in-memory snapshot, prints as `aws` commands, and says what it does.

An edit names its object by AWS identity (account, region, API id, route/integration id, function
ARN), never by position, so it applies to any re-read copy of the model. `touches` lists what it
changes or relies on: two edits touching the same thing never go into one planning round, so no
step can undo another (a route created to an integration and that integration deleted).
"""

import json
from dataclasses import dataclass, field

from auditor.escape import visible
from auditor.fix.document import find_api, find_function, find_role
from auditor.core.policy import APIGATEWAY
from auditor.core.model import Location
from auditor.rules.common import q

# Every audit with a finding loads this module (remediations come from these edits), so its classes are
# made cheaply: no generated __eq__/__repr__ (half of its import time). Edits are the same change when their
# key() is (Edit.key), never by comparing fields.


@dataclass(eq=False, repr=False)
class Edit:
    account: str
    region: str
    location: Location | None  # where the edited object sits in the input (None: a new object)

    kind = ""

    def touches(self) -> set:
        raise NotImplementedError

    def apply(self, documents) -> None:
        raise NotImplementedError

    def commands(self) -> list[str]:
        """The plain commands, as a person reads them (audit's remediation)."""
        raise NotImplementedError

    def script_commands(self) -> list[str]:
        """The commands as the script runs them: each a no-op when what it makes is already there, so a
        script that stopped half-way (or ran to the end) can be run again from the top."""
        return self.commands()

    def summary(self) -> str:
        raise NotImplementedError

    def key(self) -> tuple:
        """Two edits with one key are the same change (three integrations needing one permission)."""
        return (self.kind, self.account, self.region, *sorted(map(str, self.touches())))


def _apigw(command: str, api_id: str, region: str, *args: str) -> str:
    return " ".join(["aws apigatewayv2", command, "--api-id", q(api_id), *args, "--region", q(region)])


def _jmes(text: str) -> str:
    """A JMESPath literal holding the string (JSON between backticks: no single quote, so the shell quoting stays
    plain)."""
    return "`" + json.dumps(text).replace("`", "\\`") + "`"


def _none_yet(listing: str, api_id: str, region: str, field_name: str, value: str) -> str:
    """A test that holds while the API has no member whose `field_name` is `value` (an error fails the step)."""
    query = f"length(Items[?{field_name}=={_jmes(value)}])"
    count = _apigw(listing, api_id, region, "--query", q(query), "--output text")
    return f'[ "$({count})" = 0 ]'


def _tolerating(command: str, code: str, said: str) -> str:
    """Run `command`; AWS's `code` error (what a rerun meets: gone already) is success, any other error is not."""
    return (f"( out=$({command} 2>&1) || {{ grep -q {code} <<<\"$out\" && echo {q(said)}; }} || "
            f"{{ printf '%s\\n' \"$out\" >&2; exit 1; }} )")


def _has_statement(function: str, qualifier: str | None, region: str, sid: str) -> str:
    """A test that holds when the function's (or alias's) policy has a statement with this id.

    GetPolicy returns the policy as a JSON string: JMESPath cannot parse it, but a statement id (Lambda allows
    [A-Za-z0-9-_.] only) is found exactly by its quoted form, written compactly by AWS and with a space by others.
    A function without any policy answers an error: then the statement is not there."""
    compact, spaced = _jmes('"Sid":' + json.dumps(sid)), _jmes('"Sid": ' + json.dumps(sid))
    query = f"contains(Policy, {compact}) || contains(Policy, {spaced})"
    args = ["aws lambda get-policy --function-name", q(function)]
    if qualifier:
        args += ["--qualifier", q(qualifier)]
    args += ["--region", q(region), "--query", q(query), "--output text 2>/dev/null | grep -ix true >/dev/null"]
    return " ".join(args)


def _cli_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return q(json.dumps(value, separators=(",", ":")))
    return q(str(value))


_ROUTE_FLAGS = {"Target": "--target", "RouteKey": "--route-key", "AuthorizationType": "--authorization-type",
                "AuthorizerId": "--authorizer-id"}
_INTEGRATION_FLAGS = {"Target": None, "PayloadFormatVersion": "--payload-format-version",
                      "IntegrationType": "--integration-type", "IntegrationUri": "--integration-uri",
                      "TimeoutInMillis": "--timeout-in-millis"}


@dataclass(eq=False, repr=False)
class SetRoute(Edit):
    api_id: str = ""
    route_id: str = ""
    route_key: str = ""
    values: dict = field(default_factory=dict)
    target_function: str | None = None  # the function the new Target calls (a template may need its own integration)
    kind = "set-route"

    def touches(self) -> set:
        out = {("route", self.api_id, self.route_id or self.route_key)}
        target = self.values.get("Target", "")
        if target.startswith("integrations/"):
            out.add(("integration", self.api_id, target[len("integrations/"):]))
        if self.values.get("AuthorizerId"):  # relies on it: never in one round with its deletion (AGW403)
            out.add(("authorizer", self.api_id, self.values["AuthorizerId"]))
        return out

    def apply(self, documents) -> None:
        api = find_api(documents, self.account, self.region, self.api_id)
        for route in api.get("Routes") or ():
            if (route.get("RouteId") or None, route.get("RouteKey")) == (self.route_id or None, self.route_key):
                route.update(self.values)
                return

    def commands(self) -> list[str]:
        args = [f"{_ROUTE_FLAGS[k]} {_cli_value(v)}" for k, v in self.values.items()]
        return [_apigw("update-route", self.api_id, self.region, "--route-id", q(self.route_id), *args)]

    def summary(self) -> str:
        said = ", ".join(f"{k} {v}" for k, v in self.values.items())
        return f"route `{self.route_key}` of API {self.api_id}: set {said}"


@dataclass(eq=False, repr=False)
class SetIntegration(Edit):
    api_id: str = ""
    integration_id: str = ""
    values: dict = field(default_factory=dict)
    caution: str = ""  # the condition under which the change is right, said with it
    kind = "set-integration"

    def touches(self) -> set:
        return {("integration", self.api_id, self.integration_id)}

    def apply(self, documents) -> None:
        api = find_api(documents, self.account, self.region, self.api_id)
        for integration in api.get("Integrations") or ():
            if integration.get("IntegrationId") == self.integration_id:
                integration.update(self.values)

    def commands(self) -> list[str]:
        args = [f"{_INTEGRATION_FLAGS[k]} {_cli_value(v)}" for k, v in self.values.items()]
        return [_apigw("update-integration", self.api_id, self.region, "--integration-id", q(self.integration_id), *args)]

    def summary(self) -> str:
        said = ", ".join(f"{k} {v}" for k, v in self.values.items())
        caution = f" ({self.caution})" if self.caution else ""
        return f"integration {self.integration_id} of API {self.api_id}: set {said}{caution}"


@dataclass(eq=False, repr=False)
class CreateIntegration(Edit):
    """A Lambda proxy integration on this API for a function another API's integration calls (AGW102).

    Its id is AWS's to choose: the model holds a stand-in (`new_id`) and the script keeps the real one
    in a shell variable (`variable`) for the commands that target it."""

    api_id: str = ""
    new_id: str = ""
    function_arn: str = ""
    kind = "create-integration"

    @property
    def variable(self) -> str:
        return self.new_id.replace("-", "_")

    def touches(self) -> set:
        return {("integration", self.api_id, self.new_id)}

    def apply(self, documents) -> None:
        api = find_api(documents, self.account, self.region, self.api_id)
        api.setdefault("Integrations", []).append({
            "IntegrationId": self.new_id, "IntegrationType": "AWS_PROXY", "IntegrationUri": self.function_arn,
            "PayloadFormatVersion": "2.0"})

    def commands(self) -> list[str]:
        create = _apigw("create-integration", self.api_id, self.region, "--integration-type AWS_PROXY",
                        "--integration-uri", q(self.function_arn), "--payload-format-version 2.0")
        return [f"{self.variable}=$({create} --query IntegrationId --output text)"]

    def script_commands(self) -> list[str]:
        """A rerun finds the integration the first run made (the plan creates one only where none calls the
        function) and uses it."""
        query = f"Items[?IntegrationType=={_jmes('AWS_PROXY')} && IntegrationUri=={_jmes(self.function_arn)}].IntegrationId | [0]"
        find = _apigw("get-integrations", self.api_id, self.region, "--query", q(query), "--output text")
        return [f"{self.variable}=$({find})",
                f'if [ "${{{self.variable}}}" = None ]; then {self.commands()[0]}; fi']

    def summary(self) -> str:
        return f"API {self.api_id}: create a Lambda proxy integration to {self.function_arn}"


@dataclass(eq=False, repr=False)
class CreateRoute(Edit):
    api_id: str = ""
    route_key: str = ""
    target: str = ""
    kind = "create-route"

    def touches(self) -> set:
        return {("route", self.api_id, self.route_key),
                ("integration", self.api_id, self.target[len("integrations/"):])}

    def apply(self, documents) -> None:
        api = find_api(documents, self.account, self.region, self.api_id)
        api.setdefault("Routes", []).append({"RouteId": "", "RouteKey": self.route_key, "Target": self.target,
                                             "AuthorizationType": "NONE"})

    def commands(self) -> list[str]:
        return [_apigw("create-route", self.api_id, self.region, "--route-key", q(self.route_key), "--target",
                       q(self.target))]

    def script_commands(self) -> list[str]:
        exists = _none_yet("get-routes", self.api_id, self.region, "RouteKey", self.route_key)
        return [f"if {exists}; then {self.commands()[0]}; fi"]

    def summary(self) -> str:
        return f"API {self.api_id}: create route `{self.route_key}` to {self.target}"


@dataclass(eq=False, repr=False)
class CreateStage(Edit):
    api_id: str = ""
    stage: str = "$default"
    values: dict = field(default_factory=dict)  # settings later edits asked for (compacted into the create)
    kind = "create-stage"

    def touches(self) -> set:
        return {("stage", self.api_id, self.stage)}

    def apply(self, documents) -> None:
        api = find_api(documents, self.account, self.region, self.api_id)
        api.setdefault("Stages", []).append({"StageName": self.stage, "AutoDeploy": True, **self.values})

    def commands(self) -> list[str]:
        before, args = _stage_arguments(self.values, self.region)
        return before + [_apigw("create-stage", self.api_id, self.region, "--stage-name", q(self.stage), "--auto-deploy",
                                *args)]

    def script_commands(self) -> list[str]:
        *before, create = self.commands()
        missing = _none_yet("get-stages", self.api_id, self.region, "StageName", self.stage)
        return before + [f"if {missing}; then {create}; fi"]

    def summary(self) -> str:
        return f"API {self.api_id}: create stage {self.stage} with auto-deploy" + \
            "".join(f", {k} {json.dumps(v)}" for k, v in self.values.items())


def _stage_arguments(values: dict, region: str) -> tuple[list[str], list[str]]:
    """(commands to run first, stage flags): an access-log group is created when it does not exist yet."""
    before, args = [], []
    for key, value in values.items():
        if key == "AutoDeploy":
            args.append("--auto-deploy" if value else "--no-auto-deploy")
        elif key == "AccessLogSettings":
            group = value["DestinationArn"].split(":log-group:", 1)[1]
            named = f"logGroups[?logGroupName=='{group}'].logGroupName"  # names never hold a quote
            # create it, or (already there) find it: grep reads all its input, so pipefail sees no SIGPIPE
            before.append(f"aws logs create-log-group --log-group-name {q(group)} --region {q(region)} 2>/dev/null || "
                          f"aws logs describe-log-groups --log-group-name-prefix {q(group)} --region {q(region)} "
                          f"--query {q(named)} --output text | grep -xF {q(group)} >/dev/null")
            args.append(f"--access-log-settings {_cli_value(value)}")
    return before, args


@dataclass(eq=False, repr=False)
class SetStage(Edit):
    api_id: str = ""
    stage: str = ""
    values: dict = field(default_factory=dict)
    kind = "set-stage"

    def touches(self) -> set:
        return {("stage", self.api_id, self.stage)}

    def apply(self, documents) -> None:
        api = find_api(documents, self.account, self.region, self.api_id)
        for stage in api.get("Stages") or ():
            if stage.get("StageName") == self.stage:
                stage.update(self.values)

    def commands(self) -> list[str]:
        before, args = _stage_arguments(self.values, self.region)
        return before + [_apigw("update-stage", self.api_id, self.region, "--stage-name", q(self.stage), *args)]

    def summary(self) -> str:
        said = ", ".join(f"{k} {json.dumps(v)}" for k, v in self.values.items())
        return f"stage {self.stage} of API {self.api_id}: set {said}"


@dataclass(eq=False, repr=False)
class DeleteIntegration(Edit):
    api_id: str = ""
    integration_id: str = ""
    kind = "delete-integration"

    def touches(self) -> set:
        return {("integration", self.api_id, self.integration_id)}

    def apply(self, documents) -> None:
        api = find_api(documents, self.account, self.region, self.api_id)
        api["Integrations"] = [i for i in api.get("Integrations") or () if i.get("IntegrationId") != self.integration_id]

    def commands(self) -> list[str]:
        return [_apigw("delete-integration", self.api_id, self.region, "--integration-id", q(self.integration_id))]

    def script_commands(self) -> list[str]:
        return [_tolerating(self.commands()[0], "NotFoundException", f"integration {self.integration_id}: gone already")]

    def summary(self) -> str:
        return f"API {self.api_id}: delete integration {self.integration_id}, which no route targets"


@dataclass(eq=False, repr=False)
class DeleteAuthorizer(Edit):
    api_id: str = ""
    authorizer_id: str = ""
    name: str = ""
    kind = "delete-authorizer"

    def touches(self) -> set:
        return {("authorizer", self.api_id, self.authorizer_id)}

    def apply(self, documents) -> None:
        api = find_api(documents, self.account, self.region, self.api_id)
        api["Authorizers"] = [a for a in api.get("Authorizers") or () if a.get("AuthorizerId") != self.authorizer_id]

    def commands(self) -> list[str]:
        return [_apigw("delete-authorizer", self.api_id, self.region, "--authorizer-id", q(self.authorizer_id))]

    def script_commands(self) -> list[str]:
        return [_tolerating(self.commands()[0], "NotFoundException", f"authorizer {self.authorizer_id}: gone already")]

    def summary(self) -> str:
        return f"API {self.api_id}: delete authorizer {self.name or self.authorizer_id}, which no route uses"


@dataclass(eq=False, repr=False)
class SetTrustPolicy(Edit):
    """A credentials role's whole trust policy (IAM takes no less): its statements kept, API Gateway let in."""

    role_arn: str = ""
    role_name: str = ""
    policy: dict = field(default_factory=dict)
    added: dict = field(default_factory=dict)  # the statement that lets API Gateway in (what a template gains)
    dropped: list = field(default_factory=list)  # the Deny statements that refused it
    kind = "set-trust"

    def touches(self) -> set:
        return {("role", self.role_arn)}

    def apply(self, documents) -> None:
        role = find_role(documents, self.role_arn)
        if role is not None:
            role["AssumeRolePolicyDocument"] = self.policy

    def commands(self) -> list[str]:
        document = json.dumps(self.policy, separators=(",", ":"))
        return [f"aws iam update-assume-role-policy --role-name {q(self.role_name)} --policy-document {q(document)}"]

    def summary(self) -> str:
        dropped = ", drop the Deny statement(s) refusing it" if self.dropped else ""
        return f"role {self.role_name}: let API Gateway assume it (trust policy: add an Allow sts:AssumeRole for " \
               f"{APIGATEWAY}{dropped}; other statements kept)"


def _policy_owner(documents, function_arn: str, qualifier: str | None) -> dict | None:
    """The document object holding the policy: the function, or its alias/version for a qualified grant."""
    function = find_function(documents, function_arn)
    if function is None or not qualifier:
        return function
    for key, name in (("Aliases", "Name"), ("Versions", "Version")):
        for item in function.get(key) or ():
            if item.get(name) == qualifier and "Policy" in item:
                return item  # its own policy, as GetPolicy --qualifier read it (a template keeps them on the function)
    return function


def _policy_owners(documents, function_arn: str) -> list:
    function = find_function(documents, function_arn)
    if function is None:
        return []
    return [function] + [item for key in ("Aliases", "Versions") for item in function.get(key) or ()
                         if "Policy" in item]


def _statements(owner: dict) -> tuple[dict, list]:
    policy = owner.get("Policy")
    if isinstance(policy, str):
        policy = json.loads(policy)
    if not isinstance(policy, dict):
        policy = {"Version": "2012-10-17", "Statement": []}
    statements = policy.get("Statement") or []
    if isinstance(statements, dict):
        statements = [statements]
    policy["Statement"] = statements
    return policy, statements


def _store(owner: dict, policy: dict) -> None:
    owner.pop("PolicyRevisionId", None)  # the policy read at that revision is not this one any more
    owner["Policy"] = json.dumps(policy) if isinstance(owner.get("Policy"), str) or owner.get("Policy") is None \
        else policy


@dataclass(eq=False, repr=False)
class AddPermission(Edit):
    function_arn: str = ""  # unqualified
    function_name: str = ""
    qualifier: str | None = None
    statement_id: str = ""
    source_arn: str = ""
    other_account: bool = False
    policy_location: Location | None = None  # a template's whole resource policy of the function: added there
    kind = "add-permission"

    def touches(self) -> set:
        return {("statement", self.function_arn, self.qualifier, self.statement_id)}

    def key(self) -> tuple:
        return (self.kind, self.function_arn, self.qualifier, self.source_arn)

    def apply(self, documents) -> None:
        owner = _policy_owner(documents, self.function_arn, self.qualifier)
        if owner is None:
            return
        policy, statements = _statements(owner)
        resource = self.function_arn + (f":{self.qualifier}" if self.qualifier else "")
        statements.append({"Sid": self.statement_id, "Effect": "Allow", "Principal": {"Service": APIGATEWAY},
                           "Action": "lambda:InvokeFunction", "Resource": resource,
                           "Condition": {"ArnLike": {"AWS:SourceArn": self.source_arn}}})
        _store(owner, policy)

    def commands(self) -> list[str]:
        args = ["aws lambda add-permission", "--function-name",
                q(self.function_arn if self.other_account else self.function_name)]
        if self.qualifier:
            args += ["--qualifier", q(self.qualifier)]
        args += ["--statement-id", q(self.statement_id), "--action lambda:InvokeFunction",
                 f"--principal {APIGATEWAY}", "--source-arn", q(self.source_arn), "--region", q(self.region)]
        return [" ".join(args)]

    def script_commands(self) -> list[str]:
        """Added unless a statement with this id is there: the plan's ids are new ones, so it is the first run's."""
        name = self.function_arn if self.other_account else self.function_name
        return [f"{_has_statement(name, self.qualifier, self.region, self.statement_id)} || {self.commands()[0]}"]

    def summary(self) -> str:
        where = f":{self.qualifier}" if self.qualifier else ""
        return f"function {self.function_name}{where}: allow API Gateway from `{self.source_arn}` (statement {self.statement_id})"


@dataclass(eq=False, repr=False)
class RemovePermission(Edit):
    function_arn: str = ""
    function_name: str = ""
    qualifier: str | None = None
    statement_id: str = ""
    kind = "remove-permission"

    def touches(self) -> set:
        return {("statement", self.function_arn, self.qualifier, self.statement_id)}

    def apply(self, documents) -> None:
        resource = self.function_arn + (f":{self.qualifier}" if self.qualifier else "")
        owners = _policy_owners(documents, self.function_arn)
        for owner in owners if self.qualifier else owners[:1]:
            policy, statements = _statements(owner)
            kept = [s for s in statements if not (isinstance(s, dict) and s.get("Sid") == self.statement_id and
                                                  (owner.get("FunctionArn") != self.function_arn or not self.qualifier
                                                   or resource in json.dumps(s.get("Resource"))))]
            if len(kept) != len(statements):
                policy["Statement"] = kept
                _store(owner, policy)

    def commands(self) -> list[str]:
        args = ["aws lambda remove-permission", "--function-name", q(self.function_name)]
        if self.qualifier:
            args += ["--qualifier", q(self.qualifier)]
        args += ["--statement-id", q(self.statement_id), "--region", q(self.region)]
        return [" ".join(args)]

    def script_commands(self) -> list[str]:
        there = _has_statement(self.function_name, self.qualifier, self.region, self.statement_id)
        return [f"if {there}; then {self.commands()[0]}; fi"]

    def summary(self) -> str:
        return f"function {self.function_name}: remove statement {self.statement_id}"


@dataclass(eq=False, repr=False)
class ReplaceStatement(Edit):
    """Grant again, scoped, under new statement ids, then remove the old statement: one edit, so no other step
    runs between the halves, and a failure between them leaves the route working (both statements there)."""

    remove: RemovePermission = None
    grants: list = field(default_factory=list)  # AddPermission, one per API that calls the function
    why: str = ""  # why the old statement is wrong, when it is not plainly over-broad
    kind = "replace-statement"

    def touches(self) -> set:
        out = self.remove.touches()
        for grant in self.grants:
            out |= grant.touches()
        return out

    def apply(self, documents) -> None:
        self.remove.apply(documents)
        for grant in self.grants:
            grant.apply(documents)

    def commands(self) -> list[str]:
        return [c for g in self.grants for c in g.commands()] + self.remove.commands()

    def script_commands(self) -> list[str]:
        return [c for g in self.grants for c in g.script_commands()] + self.remove.script_commands()

    def summary(self) -> str:
        if not self.grants:
            return self.remove.summary()
        why = f" ({self.why})" if self.why else ""
        return "; ".join(g.summary() for g in self.grants) + "; then " + self.remove.summary() + why


def changed_statement(raw: dict, changes: list) -> dict | None:
    """`raw` with each (key path, value) of `changes` set; None when a value would replace one already there
    under that path (a person merges those)."""
    fixed = json.loads(json.dumps(raw))
    for path, value in changes:
        at = fixed
        for key in path[:-1]:
            if not isinstance(at.get(key, {}), dict):
                return None
            at = at.setdefault(key, {})
        if path[-1] in at and at[path[-1]] != value and len(path) > 1:
            return None
        at[path[-1]] = value
    return fixed


@dataclass(eq=False, repr=False)
class PutResourcePolicy(Edit):
    """Write a whole resource-based policy with one statement corrected (PutResourcePolicy replaces the policy,
    so the whole document is written: every other statement as read, Deny ones included).

    The corrected statement takes a new id (`remove_sid` gone, `statement_id` there): a rerun sees the change
    made and does nothing. The write passes the revision the plan read, and the script checks it first, so a
    policy changed since the plan read it is never overwritten (the step stops and says run `fix` again)."""

    function_arn: str = ""  # unqualified
    function_name: str = ""
    qualifier: str | None = None
    remove_sid: str = ""
    statement_id: str = ""
    policy: dict = field(default_factory=dict)  # the full corrected document
    revision: str = ""
    changes: list = field(default_factory=list)  # (key path, value) set in the statement: what a template gets
    why: str = ""
    kind = "put-resource-policy"

    @property
    def resource_arn(self) -> str:
        return self.function_arn + (f":{self.qualifier}" if self.qualifier else "")

    def touches(self) -> set:
        return {("statement", self.function_arn, self.qualifier, self.remove_sid),
                ("statement", self.function_arn, self.qualifier, self.statement_id),
                ("policy", self.function_arn, self.qualifier)}

    def apply(self, documents) -> None:
        """The corrected statement in place of the old one (what this round's other edits did is kept; the script
        runs this step before them, on the policy as the plan read it)."""
        owner = _policy_owner(documents, self.function_arn, self.qualifier)
        if owner is None:
            return
        policy, statements = _statements(owner)
        fixed = lambda s: dict(changed_statement(s, self.changes) or s, Sid=self.statement_id)
        policy["Statement"] = [fixed(s) if isinstance(s, dict) and s.get("Sid") == self.remove_sid else s
                               for s in statements]
        _store(owner, policy)

    def _put(self, revision: str) -> str:
        return " ".join(["aws lambda put-resource-policy --resource-arn", q(self.resource_arn), "--policy",
                         q(json.dumps(self.policy, separators=(",", ":"))), "--revision-id", revision,
                         "--region", q(self.region)])

    def commands(self) -> list[str]:
        return [self._put(q(self.revision))]

    def script_commands(self) -> list[str]:
        """Done already when the new statement is there and the old one gone; otherwise written only while the
        policy's revision is still the one the plan read."""
        new = _has_statement(self.function_name, self.qualifier, self.region, self.statement_id)
        old = _has_statement(self.function_name, self.qualifier, self.region, self.remove_sid)
        read = " ".join(["aws lambda get-resource-policy --resource-arn", q(self.resource_arn), "--region",
                         q(self.region), "--query RevisionId --output text"])
        changed = q(f"{self.function_name}: its resource-based policy changed since the plan read it (revision "
                    f"{self.revision}); nothing written: run fix again")
        return [f"if {new} && ! {old}; then echo {q('already done: ' + self.summary())}; "
                f"else rev=$({read}) || exit 1; if [ \"$rev\" = {q(self.revision)} ]; then {self.commands()[0]}; "
                f"else echo {changed} >&2; exit 1; fi; fi"]

    def summary(self) -> str:
        where = f":{self.qualifier}" if self.qualifier else ""
        why = f" ({self.why})" if self.why else ""
        what = "; ".join(f"{'.'.join(path)} = {json.dumps(value)}" for path, value in self.changes)
        renamed = f" (now {self.statement_id})" if self.statement_id != self.remove_sid else ""
        return (f"function {self.function_name}{where}: in its resource-based policy, statement {self.remove_sid}"
                f"{renamed}: set {what}, the other statements kept{why}")


@dataclass(eq=False, repr=False)
class SetFunctionTimeout(Edit):
    function_arn: str = ""
    function_name: str = ""
    timeout_s: int = 0
    kind = "set-function"

    def touches(self) -> set:
        return {("function", self.function_arn)}

    def apply(self, documents) -> None:
        function = find_function(documents, self.function_arn)
        if function is not None:
            function["Timeout"] = self.timeout_s

    def commands(self) -> list[str]:
        return [f"aws lambda update-function-configuration --function-name {q(self.function_name)} "
                f"--timeout {self.timeout_s} --region {q(self.region)}"]

    def summary(self) -> str:
        return f"function {self.function_name}: set Timeout {self.timeout_s}"


@dataclass(eq=False, repr=False)
class Choice:
    """A decision the model cannot make: the question, the candidates, and the finding it would clear."""

    finding: object
    question: str
    candidates: list[str]

    def describe(self) -> str:
        """The question on the first line, one candidate per line after it."""
        listed = [f"  - {visible(c)}" for c in self.candidates] or ["  (no candidate in the input)"]
        return "\n".join([f"{self.finding.rule_id} {visible(self.question)} Candidates:", *listed])


"""Finding -> edits: the rule's Fix, with every value the model decides filled in.

What the model decides (the only integration on the API that calls the function, the function named
inside a garbled ARN, the API that invokes a function) is chosen here; a real choice (which
authorizer, which of two functions) becomes a `Choice` listing the candidates.
"""

import re
from types import SimpleNamespace

from auditor.core.analysis import TARGET_PREFIX, classify, names_api, route_source_arns, stage_names
from auditor.core.arnlike import glob_match, has_wildcard
from auditor.core.arns import execute_api_arn
from auditor.core.arns import parse_lambda_arn, parse_source_arn
import json

from auditor.fix.rest_derive import RestFixes
from auditor.fix.edits import changed_statement
from auditor.fix.edits import (AddPermission, Choice, CreateIntegration, CreateRoute, CreateStage, DeleteAuthorizer,
                               DeleteIntegration, PutResourcePolicy, RemovePermission, ReplaceStatement,
                               SetFunctionTimeout, SetIntegration,
                               SetRoute, SetStage, SetTrustPolicy)
from auditor.core.policy import ALLOW_APIGATEWAY_ASSUME, APIGATEWAY, StatementShapeError, read_statement
from auditor.core.routekey import route_key_problem
from auditor.rules.common import q, statement_location, statement_qualifier
from auditor.rules.roles import fixed_trust_policy, untrusted_role
from auditor.iac.remediation import hint_of as remediation_hints


_CREATED_INTEGRATIONS = ("created", "integrations")  # key in used_sids: stand-in ids of integrations planned
_LIST_POSITION = re.compile(r"\[(\d+)\]$")  # the end of a JSON path: the position in a parent's list


# The `$default` route AGW105 would create: what the evidence of a route reads of it (its key; not REST)
_PLANNED_DEFAULT_ROUTE = SimpleNamespace(key="$default", is_rest=False)

class Planner(RestFixes):
    """Derives edits against one model; `used_sids` keeps statement ids unique across the whole plan."""

    def __init__(self, snapshot, index, used_sids: dict, automatic: bool = False):
        """automatic: the plan `fix` makes and predicts (True), rather than one finding's suggested repair in an
        audit report: a change whose safety depends on what the model cannot see (the handler's code) is then
        left to a person instead of planned."""
        self.automatic = automatic
        self.snapshot = snapshot
        self.index = index
        self.used_sids = used_sids  # function ARN -> statement ids taken (in the model or by the plan), kept across rounds
        self._apis = None
        self._lookups: dict = {}
        self._locations: dict = {}  # id(route) -> its location
        self.gated: list = []  # the findings the plan must clear this round (what one fix should wait for)

    # -- lookups ------------------------------------------------------------------------------
    def api(self, resource):
        if self._apis is None:  # built once: a plan derives one edit per finding, thousands on big inputs
            self._apis = {}
            for api in self.index.apis:
                self._apis.setdefault((api.scope.account, api.scope.region, api.id), api)
        return self._apis.get((resource.account, resource.region, resource.api_id))

    def route(self, api, finding):
        """The route the finding is located at, else the first with its route key.

        Every finding of a big input asks, so routes' locations (built on each access) are not built for a
        whole API: the route at the list position the finding's JSON path ends in (model.child_location)
        is tried first, and kept only if its own location is the finding's."""
        path = finding.location.path if finding.location else None
        if path is not None:
            position = _LIST_POSITION.search(path)
            route = api.routes[int(position.group(1))] if position and int(position.group(1)) < len(api.routes) \
                else None
            if route is not None and self.located(route).path == path:
                return route
            route = self._members(api, "routes", "path").get(path)
            if route is not None:
                return route
        return self._members(api, "routes", "key").get(finding.resource.route_key)

    def located(self, member):
        """member.location, built once per plan (the model builds it anew on every access)."""
        location = self._locations.get(id(member))
        if location is None:
            location = self._locations[id(member)] = member.location
        return location

    def integration(self, api, integration_id):
        """The first integration of the API with that id: the index's table when the API's ids are unique."""
        try:
            table = self.index.integrations_of(api)
        except KeyError:  # an API the index does not hold
            table = None
        if table is not None and len(table) == len(api.integrations):
            return table.get(integration_id)
        return self._members(api, "integrations", "id").get(integration_id)

    def _members(self, api, kind: str, key: str) -> dict:
        """Per API, member kind and attribute: the first member with each value, as a scan finds it."""
        cached = self._lookups.get((id(api), kind, key))
        if cached is None:
            cached = self._lookups[(id(api), kind, key)] = {}
            for member in getattr(api, kind):
                cached.setdefault(self.located(member).path if key == "path" else getattr(member, key), member)
        return cached

    def function(self, arn):
        ref = parse_lambda_arn(arn or "")
        return self.index.function(ref) if ref else None

    def sid(self, function_arn: str, wanted: str, function=None) -> str:
        taken = self.used_sids.setdefault(function_arn, set())
        if function is not None:
            taken.update(s.sid for s in function.statements if s.sid)
        wanted = re.sub(r"[^A-Za-z0-9_-]+", "-", wanted).strip("-")[:90] or "apigateway-invoke"
        sid, n = wanted, 2
        while sid in taken:
            sid, n = f"{wanted}-{n}", n + 1
        taken.add(sid)
        return sid

    def lambda_integrations(self, api, function_name: str | None = None) -> list:
        out = [i for i in api.integrations if i.function_ref is not None]
        if function_name is not None:
            out = [i for i in out if i.function_ref.name == function_name]
        return out

    # -- per finding --------------------------------------------------------------------------
    def derive(self, finding):
        """A list of edits, a Choice, or None (nothing to change: e.g. AGW000, plugin rules)."""
        rest_api = self.rest_api(finding.resource)
        if rest_api is not None:
            return self.derive_rest(finding, rest_api)
        handler = getattr(self, "fix_" + finding.rule_id, None)
        if handler is None or finding.fix is None or finding.fix.action == "review":
            return None
        return handler(finding)

    def _base(self, api):
        return {"account": api.scope.account, "region": api.scope.region}

    def _target(self, finding, api, route, *, known_id: str | None = None, function_name: str | None = None):
        """The integration a route should target: the one the model names, the one every piece of evidence
        points at, or a Choice whenever more than one reading remains."""
        if known_id is not None:
            return known_id
        candidates = api.integrations
        if function_name is not None:
            calling = self.lambda_integrations(api, function_name)
            if len(calling) == 1 or calling and len({_behaviour(i) for i in calling}) == 1:
                return calling[0].id  # one, or several that behave the same (SAM makes one per event)
            candidates = calling or candidates
            return self._ask(finding, api, route, candidates, [])
        pointed = route_evidence(api, route)  # functions whose own permission names exactly this route
        if pointed:
            names = {f.name for f in pointed}
            calling = [i for i in candidates if i.function_ref is not None and i.function_ref.name in names]
            if len(names) == 1 and calling and len({_behaviour(i) for i in calling}) == 1:
                return calling[0].id
            return self._ask(finding, api, route, candidates, [f for f in pointed if f.name not in
                                                                 {i.function_ref.name for i in calling}])
        if len(candidates) == 1 and not _permission_points_elsewhere(candidates[0], api, route, self.index):
            return candidates[0].id
        return self._ask(finding, api, route, candidates, [])

    def _ask(self, finding, api, route, candidates, uncalled) -> Choice:
        """The route's target, left to a person: each integration of the API, and a new one for each function
        whose own permission names the route but which no integration calls."""
        pointed = {f.name for f in route_evidence(api, route)}
        listed = [f"integrations/{i.id}" + (f" (function {i.function_ref.name}" + (
                      ", whose permission names this route" if i.function_ref.name in pointed else "") + ")"
                      if i.function_ref else "") for i in candidates]
        listed = [f"a new Lambda proxy integration to function {f.name}, whose own permission names this route "
                  "(probably the route's function)" for f in uncalled] + listed
        why = " The evidence disagrees (a function's permission names this route), so the plan does not choose." \
            if pointed else ""
        return Choice(finding, f"Route `{route.key}` of API {api.id}: which integration should it target?{why}",
                      listed)

    def _set_target(self, finding, route=None, **hints):
        """route: the finding's, when the caller has found it already."""
        api = route.api if route is not None else self.api(finding.resource)
        route = route if route is not None else api and self.route(api, finding)
        if route is None:
            return None
        chosen = self._target(finding, api, route, **hints)
        if isinstance(chosen, Choice):
            return chosen
        return [self._point(api, route, self.integration(api, chosen), chosen)]

    def _point(self, api, route, target, target_id: str | None = None):
        """The edit that points a route at an integration (target: None when the model does not hold it)."""
        scope = api.scope
        return SetRoute(account=scope.account, region=scope.region, location=self.located(route), api_id=api.id,
                        route_id=route.id, route_key=route.key,
                        values={"Target": TARGET_PREFIX + (target.id if target_id is None else target_id)},
                        target_function=target.function_ref.arn if target is not None and target.is_lambda else None)

    def fix_AGW101(self, finding):
        api = self.api(finding.resource)
        route = api and self.route(api, finding)
        if route is None:
            return None
        known = self.integration(api, route.target)
        if known is not None:  # the bare id of one of the API's integrations: the prefix is all that is missing
            return [self._point(api, route, known)]
        return self._set_target(finding, route)

    def fix_AGW102(self, finding):
        api = self.api(finding.resource)
        route = api and self.route(api, finding)
        if route is None:
            return None
        resolution = self.index.target(route)
        foreign = None
        if resolution.state == "foreign" and resolution.foreign_api is not None:
            foreign = self.integration(resolution.foreign_api, resolution.integration_id)
        if foreign is None or not foreign.is_lambda:
            return self._set_target(finding, route)
        if self.lambda_integrations(api, foreign.function_ref.name):
            return self._set_target(finding, route, function_name=foreign.function_ref.name)
        # no integration of this API calls the function the route meant: give it one
        created = self.used_sids.setdefault(_CREATED_INTEGRATIONS, set())
        create = CreateIntegration(**self._base(api), location=api.location, api_id=api.id,
                                   new_id=f"new-integration-{len(created) + 1}", function_arn=foreign.function_ref.arn)
        created.add(create.new_id)
        return [create, SetRoute(**self._base(api), location=self.located(route), api_id=api.id, route_id=route.id,
                                 route_key=route.key, values={"Target": TARGET_PREFIX + create.new_id})]

    def fix_AGW103(self, finding):
        return self._set_target(finding)

    def fix_AGW104(self, finding):
        api = self.api(finding.resource)
        route = api and self.route(api, finding)
        wanted = finding.fix.details.get("RouteKey", "")
        if route is None:
            return None
        if route_key_problem(wanted) is not None or any(r.key == wanted for r in api.routes if r is not route):
            return Choice(finding, f"Route key `{route.key}` of API {api.id}: which key was meant?",
                          [f"`{wanted}`"] if route_key_problem(wanted) is None else [])
        return [SetRoute(**self._base(api), location=self.located(route), api_id=api.id, route_id=route.id,
                         route_key=route.key, values={"RouteKey": wanted})]

    def fix_AGW105(self, finding):
        api = self.api(finding.resource)
        if api is None:
            return None
        edits = []
        for step in finding.fix.details.get("steps", []):
            action = step.get("action")
            if action == "create-route":
                chosen = self._target(finding, api, _PLANNED_DEFAULT_ROUTE)
                if isinstance(chosen, Choice):
                    return chosen
                edits.append(CreateRoute(**self._base(api), location=api.location, api_id=api.id, route_key="$default",
                                         target=TARGET_PREFIX + chosen))
            elif action == "create-stage":
                edits.append(CreateStage(**self._base(api), location=api.location, api_id=api.id, stage="$default"))
            elif action == "set-stage":
                stage = next((s for s in api.stages if s.name == step.get("StageName")), None)
                edits.append(SetStage(**self._base(api), location=stage.location if stage else api.location, api_id=api.id,
                                      stage=step.get("StageName"), values={"AutoDeploy": True}))
        return edits

    def _set_integration(self, finding, values: dict):
        api = self.api(finding.resource)
        integration = api and self.integration(api, finding.resource.integration_id)
        if integration is None:
            return None
        return [SetIntegration(**self._base(api), location=integration.location, api_id=api.id,
                               integration_id=integration.id, values=values)]

    def fix_AGW111(self, finding):
        """Switching a route that may work today to 2.0 is safe only for a handler that reads the 2.0 event. Planned
        when another integration already sends the same function 2.0 events (its handler reads them); in a template
        diff, which a person reads before applying, planned with that caution spelled out; otherwise a person's
        choice."""
        edits = self._set_integration(finding, {"PayloadFormatVersion": "2.0"})
        if not edits or not self.automatic:
            return edits
        edit = edits[0]
        api = self.api(finding.resource)
        integration = self.integration(api, edit.integration_id)
        ref = integration.function_ref
        if ref is not None and any(other.function_ref is not None and other.function_ref.arn == ref.arn and
                                   other.payload_format_version == "2.0"
                                   for other_api in self.index.apis for other in other_api.integrations):
            edit.caution = f"{ref.name} already gets 2.0 events from another integration"
            return edits
        caution = ("only if its handler reads the 2.0 event (event.requestContext.http, event.rawPath): a handler "
                   "written for 1.0 would break")
        if edit.location is not None and edit.location.input_type != "snapshot":
            edit.caution = caution + "; drop this hunk otherwise"
            return edits
        return Choice(finding, f"Integration {edit.integration_id} of API {edit.api_id} sends the 1.0 event: switch it "
                               f"to 2.0 {caution}. Otherwise keep 1.0 and accept the finding (--ignore, a tag, or the "
                               "baseline).",
                      [f"the handler reads 2.0 events: {edit.commands()[0]}",
                       "the handler reads 1.0 events: keep it (accept AGW111 for this integration)"])

    def fix_AGW112(self, finding):
        return self._set_integration(finding, {"IntegrationType": "AWS_PROXY", "PayloadFormatVersion": "2.0"})

    def fix_AGW113(self, finding):
        api = self.api(finding.resource)
        integration = api and self.integration(api, finding.resource.integration_id)
        if integration is None:
            return None
        functions = [f for f in api.scope.functions]
        uri = integration.uri or ""
        named = [f for f in functions if f.name and re.search(r"(?<![\w-])" + re.escape(f.name) + r"(?![\w-])", uri)]
        if len(named) == 1:
            return self._set_integration(finding, {"IntegrationUri": named[0].arn})
        candidates = named or functions
        return Choice(finding, f"Integration {integration.id} of API {api.id} has IntegrationUri `{uri}`: which "
                               "function should it invoke?", [f.arn for f in candidates])

    def fix_AGW114(self, finding):
        api = self.api(finding.resource)
        if api is None:
            return None
        ref = parse_lambda_arn(finding.resource.function_arn or "")
        function = self.function(finding.resource.function_arn) if ref else None
        what = "authorizer" if finding.resource.authorizer_id else f"integration {finding.resource.integration_id}"
        if function is not None and ref.qualifier:  # the function exists, the alias does not
            candidates = [q.arn for q in list(function.aliases.values()) + list(function.versions.values())]
            return Choice(finding, f"{what} of API {api.id} invokes `{ref.arn}`, which does not exist: deploy it, or "
                                   "point it at an existing alias or version.", [function.arn] + candidates)
        return Choice(finding, f"{what} of API {api.id} invokes function {ref.name if ref else '?'}, which does not "
                               "exist: deploy it, or point the integration at an existing function.",
                      [f.arn for f in api.scope.functions])

    def fix_AGW115(self, finding):
        details = finding.fix.details
        if finding.fix.action == "set-function":
            function = self.function(details.get("FunctionArn"))
            if function is None:
                return None
            edits = [SetFunctionTimeout(account=function.scope.account, region=function.scope.region,
                                        location=function.location, function_arn=function.arn,
                                        function_name=function.name, timeout_s=details["Timeout"])]
            if "TimeoutInMillis" in details:
                edits = (self._set_integration(finding, {"TimeoutInMillis": details["TimeoutInMillis"]}) or []) + edits
            return edits
        return self._set_integration(finding, {"TimeoutInMillis": details["TimeoutInMillis"]})

    def _grant(self, finding, source_arn: str, function_arn: str, sid_hint: str):
        ref = parse_lambda_arn(function_arn)
        if ref is None:
            return None
        function = self.index.function(ref)
        pattern = parse_source_arn(source_arn)
        other = pattern is not None and pattern.account != ref.account
        sid = self.sid(ref.unqualified_arn, sid_hint, function)
        qualifier = ref.qualifier if ref.has_own_policy else None
        return AddPermission(account=ref.account, region=ref.region,
                             location=function.location if function else None,
                             function_arn=ref.unqualified_arn, function_name=ref.name,
                             qualifier=qualifier, statement_id=sid,
                             source_arn=source_arn, other_account=other,
                             policy_location=_whole_policy_of(function, qualifier))

    def _add_permission(self, finding):
        details = finding.fix.details
        source_arn = details["SourceArn"]
        pattern = parse_source_arn(source_arn)
        tail = pattern.resource if pattern else ""
        hint = "apigateway-" + ("invoke-" + tail.replace("/*", "") if "/authorizers/" not in tail
                                else "authorizer-" + tail.replace("/authorizers/", "-"))
        grant = self._grant(finding, source_arn, details["FunctionArn"], hint.replace("$", ""))
        return [grant] if grant else None

    fix_AGW201 = fix_AGW205 = _add_permission

    def fix_AGW204(self, finding):
        """The permission is on another qualifier: grant the invoked one what that statement grants this API (one
        route stays one route), never more; the whole API only when the other statement names it whole."""
        api = self.api(finding.resource)
        ref = parse_lambda_arn(finding.fix.details.get("FunctionArn") or "")
        function = self.index.function(ref) if ref else None
        if api is None or function is None:
            return self._add_permission(finding)
        arns = sorted({arn for statement in classify(api, ref, function)[2] for arn in statement.source_arns or ()
                       if names_api(_only(statement, arn), api)})
        if not arns:
            return self._add_permission(finding)
        grants = []
        for arn in arns:
            tail = (parse_source_arn(arn).resource if parse_source_arn(arn) else "").replace("/*", "")
            grant = self._grant(finding, arn, finding.fix.details["FunctionArn"],
                                ("apigateway-invoke-" + tail).replace("$", "").replace("/", "-"))
            if grant is not None:
                grants.append(grant)
        return grants or None

    def fix_AGW202(self, finding):
        """The permission names another API: when that API is known not to use the function (it is in the
        input and calls other functions, or its account and region were fully read and it is not there), the
        statement is a mistake: grant this API under a new id, then remove it. Otherwise it may serve an API
        outside the input: keep it, and say so."""
        grants = self._add_permission(finding)
        api = self.api(finding.resource)
        ref = parse_lambda_arn(finding.fix.details.get("FunctionArn") or "")
        function = self.index.function(ref) if ref else None
        if not grants or api is None or function is None:
            return grants
        if function.location is None or function.location.input_type != "snapshot":
            return grants  # a template's statement is a resource of its own the model does not point at: kept
        for statement in classify(api, ref, function)[3]:
            if self._serves_no_api(function, statement) and len(statement.source_arns or ()) == 1:
                return [self._replacing(function, statement, grants,
                                        f"it names `{statement.source_arns[0]}`, which no API uses for this function")]
        return grants

    def _serves_no_api(self, function, statement) -> bool:
        for raw in statement.source_arns or ():
            pattern = parse_source_arn(raw)
            if pattern is None or has_wildcard(pattern.region + pattern.account + pattern.api_id):
                return False  # names APIs we cannot list: one of them may use it
            if self.index.api_exists(pattern.account, pattern.region, pattern.api_id):
                named = [a for a in self.index.apis_with_id(pattern.api_id)
                         if (a.scope.account, a.scope.region) == (pattern.account, pattern.region)]
                if any(a in self.index.invoking_apis(function) for a in named):
                    return False  # that API calls the function: the statement is its grant
            elif not self.index.is_complete(pattern.account, pattern.region):
                return False  # an account or region not read whole: the API may be there
        return True

    def _replacing(self, function, statement, grants, why: str):
        qualifier = statement_qualifier(function, statement.resources)
        remove = RemovePermission(account=function.scope.account, region=function.scope.region,
                                  location=function.location,
                                  function_arn=function.arn, function_name=function.name, qualifier=qualifier,
                                  statement_id=statement.sid)
        return ReplaceStatement(account=function.scope.account, region=function.scope.region,
                                location=function.location, remove=remove, grants=grants, why=why)

    def fix_AGW203(self, finding):
        if finding.fix.action == "remove-statement":
            return self._exempt(finding) or self._remove(finding)
        grants = self._add_permission(finding)
        wrong = grants and self._wrong_stage(finding)
        if not wrong:
            return grants
        function, statement, fixed = wrong
        grant = self._grant(finding, fixed, function.arn + (f":{grants[0].qualifier}" if grants[0].qualifier else ""),
                            f"{statement.sid}-any-stage")
        stage = parse_source_arn(statement.source_arns[0]).resource.split("/")[1]
        return [self._replacing(function, statement, [grant],
                                f"it names stage `{stage}`, which API {finding.resource.api_id} does not have")]

    def _wrong_stage(self, finding):
        """A statement on the function naming this API and route on a stage the API does not have: (function,
        statement, its SourceArn with the stage as `*`), when that corrected ARN covers the route."""
        api = self.api(finding.resource)
        ref = parse_lambda_arn(finding.fix.details.get("FunctionArn") or "")
        function = self.index.function(ref) if ref else None
        route = api and self.route(api, finding)
        if function is None or route is None or function.location is None or \
                function.location.input_type != "snapshot":
            return None
        stages = {s.name for s in api.stages}
        for statement in function.statements:
            if not (statement.is_allow and statement.source_arns and len(statement.source_arns) == 1 and
                    statement.applies_to(ref.arn) and names_api(statement, api)):
                continue
            pattern = parse_source_arn(statement.source_arns[0])
            parts = pattern.resource.split("/", 2) if pattern else []
            if len(parts) < 3 or has_wildcard(parts[1]) or parts[1] in stages:
                continue
            fixed = pattern.raw[:-len(pattern.resource)] + f"{parts[0]}/*/{parts[2]}"
            if any(glob_match(fixed, arn) for s in stage_names(api) for arn in route_source_arns(api, route, s)):
                return function, statement, fixed
        return None

    def _statement(self, finding):
        function = self.function(finding.resource.function_arn or finding.fix.details.get("FunctionArn"))
        sid = finding.resource.statement_id or finding.fix.details.get("StatementId")
        if function is None or not sid:
            return None, None
        return function, next((s for s in function.statements if s.sid == sid), None)

    def _remove(self, finding):
        function, statement = self._statement(finding)
        if statement is None:
            return None
        qualifier = statement_qualifier(function, statement.resources)
        return [RemovePermission(account=function.scope.account, region=function.scope.region,
                                 location=finding.location, function_arn=function.arn, function_name=function.name,
                                 qualifier=qualifier, statement_id=statement.sid)]

    def _rescope(self, finding):
        function, statement = self._statement(finding)
        if statement is None:
            return None
        apis = self.index.invoking_apis(function)
        if not apis:
            return Choice(finding, f"Statement `{statement.sid}` on {function.name}: no API in the input invokes the "
                                   "function; remove the statement, or scope it to the API that should call it.",
                          ["remove it: " + self._remove(finding)[0].commands()[0]]
                          + [f"API {a.id} ({a.name})" for a in function.scope.apis])
        qualifier = statement_qualifier(function, statement.resources)
        remove = self._remove(finding)[0]
        grants = []
        for api in apis:
            source_arn = f"arn:{api.partition}:execute-api:{api.scope.region}:{api.scope.account}:{api.id}/*"
            arn = function.arn + (f":{qualifier}" if qualifier else "")
            # a new id: the grant goes in before the old statement goes, so both hold at once for a moment
            hint = f"{statement.sid}-scoped" if len(apis) == 1 else f"{statement.sid}-{api.id}"
            grants.append(self._grant(finding, source_arn, arn, hint))
        whole = self._in_whole_policy(function, qualifier, statement, grants)
        if whole is not None:
            return [whole]
        return [ReplaceStatement(account=function.scope.account, region=function.scope.region,
                                 location=finding.location, remove=remove, grants=grants)]

    fix_AGW301 = fix_AGW302 = fix_AGW303 = _rescope

    def _in_whole_policy(self, function, qualifier, statement, grants):
        """An over-broad Allow of a policy written whole: scoped in the document (Principal API Gateway, the
        grants' SourceArn), the one evaluator confirming it then grants API Gateway from exactly those ARNs."""
        if not grants:
            return None
        arns = [grant.source_arn for grant in grants]
        changes = [(("Principal",), {"Service": APIGATEWAY}),
                   (("Condition", "ArnLike", "AWS:SourceArn"), arns[0] if len(arns) == 1 else arns)]
        return self._rewrite(function, qualifier, statement, grants[0].statement_id, changes,
                             lambda read: read.is_allow and APIGATEWAY in read.services and
                             sorted(read.source_arns or ()) == sorted(arns))

    def _rewrite(self, function, qualifier, statement, new_sid, changes, holds, why=""):
        """A read policy (a snapshot's) written whole by PutResourcePolicy: the statement is corrected in the
        document (`changes`: key path -> value), which is written back whole against the revision read, the
        statement under `new_sid` (what tells a rerun it is done). `holds(read)` is what the one evaluator must
        read in the corrected statement. Probably written whole when it holds a statement AddPermission cannot
        write (a Deny, a Not* element, no Sid); otherwise, or without the revision GetPolicy answered, None."""
        if function.location is None or function.location.input_type != "snapshot":
            return None
        owner = function.raw
        if qualifier:
            owner = next((item for key, name in (("Aliases", "Name"), ("Versions", "Version"))
                          for item in function.raw.get(key) or () if item.get(name) == qualifier and "Policy" in item),
                         function.raw)
        revision = owner.get("PolicyRevisionId")
        policy = owner.get("Policy")
        try:
            policy = json.loads(policy) if isinstance(policy, str) else json.loads(json.dumps(policy))
        except ValueError:
            return None
        raw = policy.get("Statement") if isinstance(policy, dict) else None
        raw = [raw] if isinstance(raw, dict) else raw
        if not isinstance(revision, str) or not isinstance(raw, list) or \
                not any(_written_whole(item) for item in raw):
            return None
        index = next((i for i, item in enumerate(raw) if isinstance(item, dict) and item.get("Sid") == statement.sid),
                     None)
        if index is None or not statement.sid:
            return None
        fixed = changed_statement(raw[index], changes)
        if fixed is None:
            return None
        fixed["Sid"] = new_sid
        try:  # the one evaluator says what the corrected statement does
            if not holds(read_statement(fixed, "$")):
                return None
        except StatementShapeError:
            return None
        raw[index] = fixed
        policy["Statement"] = raw
        return PutResourcePolicy(account=function.scope.account, region=function.scope.region,
                                 location=function.location, function_arn=function.arn, function_name=function.name,
                                 qualifier=qualifier, remove_sid=statement.sid, statement_id=new_sid,
                                 policy=policy, revision=revision, changes=changes, why=why)

    def _exempt(self, finding):
        """A Deny that refuses API Gateway's call to a route: rather than dropping it (it guards the function
        against everyone else too), API Gateway's call from this API is taken out of it: `ArnNotLike
        AWS:SourceArn` the API (a caller without that SourceArn, any other, still meets the Deny). In a
        template's AWS::Lambda::ResourcePolicy, in its PolicyDocument; for a read policy, the document written
        whole. None where neither applies (then the Deny is removed, as before)."""
        function, statement = self._statement(finding)
        api = self.api(finding.resource)
        if statement is None or statement.is_allow or api is None or not statement.sid:
            return None
        arn = f"arn:{api.partition}:execute-api:{api.scope.region}:{api.scope.account}:{api.id}/*"
        qualifier = statement_qualifier(function, statement.resources)
        changes = [(("Condition", "ArnNotLike", "AWS:SourceArn"), arn)]
        holds = lambda read: not read.is_allow and any(value == arn for _, value in read.not_source_arns)
        why = f"API Gateway's call from API {api.id} is taken out of the Deny; everyone else still meets it"
        location = statement_location(function, statement)
        hint = (remediation_hints(location) or {}) if location.input_type != "snapshot" else {}
        if hint.get("type") in ("AWS::Lambda::ResourcePolicy", "aws_lambda_resource_policy"):
            if changed_statement({"Effect": "Deny"}, changes) is None:
                return None
            return [PutResourcePolicy(account=function.scope.account, region=function.scope.region,
                                      location=location, function_arn=function.arn, function_name=function.name,
                                      qualifier=qualifier, remove_sid=statement.sid, statement_id=statement.sid,
                                      policy={}, revision="", changes=changes, why=why)]
        edit = self._rewrite(function, qualifier, statement, self.sid(function.arn, f"{statement.sid}-except-apigateway",
                                                                       function), changes, holds, why)
        return [edit] if edit else None

    def fix_AGW304(self, finding):
        api = self.api(finding.resource)
        route = api and self.route(api, finding)
        if route is None:
            return None
        if len(api.authorizers) != 1:
            return Choice(finding, f"Route `{route.key}` of API {api.id} has no authorization: which authorizer "
                                   "should it require (or is it meant to be public)?",
                          [f"{a.id} ({a.name}, {a.type})" for a in api.authorizers] +
                          ([] if api.authorizers else ["create one (aws apigatewayv2 create-authorizer) and attach it"])
                          + ["keep it public"])
        authorizer = api.authorizers[0]
        kind = {"JWT": "JWT", "REQUEST": "CUSTOM"}.get(authorizer.type, "JWT")
        return [SetRoute(**self._base(api), location=self.located(route), api_id=api.id, route_id=route.id,
                         route_key=route.key, values={"AuthorizationType": kind, "AuthorizerId": authorizer.id})]

    def fix_AGW305(self, finding):
        api = self.api(finding.resource)
        stage = api and next((s for s in api.stages if s.name == finding.resource.stage), None)
        if stage is None:
            return None
        settings = finding.fix.details.get("AccessLogSettings")
        return [SetStage(**self._base(api), location=stage.location, api_id=api.id, stage=stage.name,
                         values={"AccessLogSettings": settings})]

    def fix_AGW106(self, finding):
        """The right limit is the owner's to choose: say where it goes, never guess a number."""
        api = self.api(finding.resource)
        details = finding.fix.details
        if api is None:
            return None
        stage, key = details.get("StageName"), details.get("RouteKey")
        base = f"aws apigatewayv2 update-stage --api-id {q(api.id)} --stage-name {q(stage)}"
        if key:
            limits = json.dumps({key: {"ThrottlingRateLimit": "<requests-per-second>",
                                       "ThrottlingBurstLimit": "<burst>"}}).replace('"<', "<").replace('>"', ">")
            where = f"--route-settings {q(limits)}"
            said = f"stage {stage}'s RouteSettings for `{key}`"
        else:
            where = "--default-route-settings 'ThrottlingRateLimit=<requests-per-second>,ThrottlingBurstLimit=<burst>'"
            said = f"stage {stage}'s DefaultRouteSettings"
        return Choice(finding, f"Route `{finding.resource.route_key}` of API {api.id} is throttled to 0 by {said}: "
                               "which limits should it have? The numbers are yours to choose (the account's regional "
                               "limit applies when the setting is removed).",
                      [f"{base} {where} --region {q(api.scope.region)}"])

    def fix_AGW206(self, finding):
        """Which function in reach to call (or where to deploy it) is the owner's choice."""
        api = self.api(finding.resource)
        if api is None:
            return None
        what = (f"authorizer {finding.resource.authorizer_id}" if finding.resource.authorizer_id
                else f"integration {finding.resource.integration_id}")
        suggested = finding.remediation.split("  #")[0] if finding.remediation else None
        reachable = [f.arn for f in api.scope.functions]
        return Choice(finding, f"The {what} of API {api.id} invokes `{finding.resource.function_arn}`, which it cannot "
                               "reach: deploy the function where the API can invoke it, or point it at one that is.",
                      ([f"once the function is deployed there: {suggested}"] if suggested else [])
                      + [f"function {arn}" for arn in reachable])

    def fix_AGW210(self, finding):
        api = self.api(finding.resource)
        if api is None:
            return None
        if finding.resource.authorizer_id:
            owner = next((a for a in api.authorizers if a.id == finding.resource.authorizer_id), None)
        else:
            owner = self.integration(api, finding.resource.integration_id)
        found = owner and untrusted_role(self.index.roles, owner.credentials_arn)
        if not found:
            return None
        role, verdict = found
        return [SetTrustPolicy(account=role.scope.account, region=role.scope.region, location=role.location,
                               role_arn=role.arn, role_name=role.name, policy=fixed_trust_policy(role, verdict),
                               added=dict(ALLOW_APIGATEWAY_ASSUME),
                               dropped=[role.trust[i] for i in verdict.blocking])]

    def fix_AGW403(self, finding):
        api = self.api(finding.resource)
        authorizer = api and next((a for a in api.authorizers if a.id == finding.resource.authorizer_id), None)
        if authorizer is None:
            return None
        if any(f.rule_id == "AGW304" and (f.resource.account, f.resource.region, f.resource.api_id) ==
               (api.scope.account, api.scope.region, api.id) for f in self.gated):
            return None  # an open route of this API is to get an authorizer first: maybe this one
        return [DeleteAuthorizer(**self._base(api), location=authorizer.location, api_id=api.id,
                                 authorizer_id=authorizer.id, name=authorizer.name)]

    _TARGET_RULES = ("AGW101", "AGW102", "AGW103")

    def fix_AGW401(self, finding):
        api = self.api(finding.resource)
        integration = api and self.integration(api, finding.resource.integration_id)
        if integration is None:
            return None
        wanted = TARGET_PREFIX + integration.id
        for other in self.gated:  # a route without a working target may be meant for it: never delete a candidate
            if other.rule_id in self._TARGET_RULES and (other.resource.account, other.resource.region,
                                                        other.resource.api_id) == (api.scope.account, api.scope.region,
                                                                                   api.id):
                chosen = self.derive(other)
                if isinstance(chosen, Choice) and any(c.startswith(wanted + " ") or c == wanted
                                                      for c in chosen.candidates):
                    return Choice(finding, f"Integration {integration.id} of API {api.id}: no route targets it, but "
                                           f"it may be the target route `{other.resource.route_key}` is missing: "
                                           "delete it only once that choice is made.",
                                  [f"keep it and point route `{other.resource.route_key}` at {wanted}",
                                   "delete it (once the route has its target)"])
        return [DeleteIntegration(**self._base(api), location=integration.location, api_id=api.id,
                                  integration_id=integration.id)]

    def fix_AGW402(self, finding):
        return self._remove(finding)

    def fix_AGW231(self, finding):
        """WebSocket: authorization off the message route, onto `$connect` when that has none."""
        api = self.api(finding.resource)
        route = api and self.route(api, finding)
        if route is None:
            return None
        edits = [SetRoute(**self._base(api), location=self.located(route), api_id=api.id, route_id=route.id,
                          route_key=route.key, values={"AuthorizationType": "NONE"})]
        connect = next((r for r in api.routes if r.key == "$connect"), None)
        if connect is not None and (connect.authorization_type or "NONE") == "NONE" and route.authorizer_id:
            edits.append(SetRoute(**self._base(api), location=self.located(connect), api_id=api.id,
                                  route_id=connect.id, route_key=connect.key,
                                  values={"AuthorizationType": route.authorization_type,
                                          "AuthorizerId": route.authorizer_id}))
        return edits



def _whole_policy_of(function, qualifier):
    """Where a template's AWS::Lambda::ResourcePolicy of the function (or of this alias) sits, if it has one: a
    grant goes into its document, not into an AWS::Lambda::Permission beside it (PutResourcePolicy replaces the
    policy the Permission adds to; which is left depends on deploy order)."""
    if function is None or function.location is None or function.location.input_type == "snapshot":
        return None
    for statement in function.statements:
        location = statement_location(function, statement)
        if (remediation_hints(location) or {}).get("type") in ("AWS::Lambda::ResourcePolicy",
                                                                "aws_lambda_resource_policy") and \
                statement_qualifier(function, statement.resources) == qualifier:
            return location
    return None


def _written_whole(raw) -> bool:
    """A statement AddPermission cannot write: the policy holding it was probably put whole (PutResourcePolicy)."""
    return isinstance(raw, dict) and (raw.get("Effect") != "Allow" or not raw.get("Sid") or
                                      any(key.startswith("Not") for key in raw))


def _only(statement, arn: str):
    """The statement as if it named only this SourceArn (to ask which of its values names an API)."""
    import msgspec
    return msgspec.structs.replace(statement, source_arns=(arn,), source_arn_ops=statement.source_arn_ops[:1],
                                   source_arn_clauses=())


def route_evidence(api, route) -> list:
    """The functions whose own resource policy names exactly this route of this API (method and path, not a
    wildcard that takes any route): the strongest sign of which function the route was made for."""
    scope = api.scope
    stage = next((s.name for s in api.stages), "$default")
    arns = route_source_arns(api, route, stage)
    probe = execute_api_arn(api.partition, scope.region, scope.account, api.id, stage,
                            "GET /apigw-auditor-probe/no-such-route")
    out = []
    for function in scope.functions:
        for statement in function.statements:
            if statement.is_allow and statement.source_arns and names_api(statement, api) and \
                    any(statement.allows(function.arn, arn, scope.account) for arn in arns) and \
                    not statement.allows(function.arn, probe, scope.account):
                out.append(function)
                break
    return out


def _permission_points_elsewhere(integration, api, route, index) -> bool:
    """The only integration calls a function whose permissions on this API name routes, none of them this one:
    its owner scoped it to other routes, so pointing this route at it is a guess, not a repair."""
    if integration.function_ref is None:
        return False
    function = index.function(integration.function_ref)
    if function is None:
        return False
    stage = next((s.name for s in api.stages), "$default")
    arns = route_source_arns(api, route, stage)
    on_api = [s for s in function.statements if s.is_allow and s.source_arns and names_api(s, api)]
    invoked = integration.function_ref.arn
    return bool(on_api) and not any(s.allows(invoked, arn, api.scope.account) for s in on_api for arn in arns)


def _behaviour(integration) -> tuple:
    """What a request sent to the integration meets: equal tuples are interchangeable targets."""
    return (integration.type, integration.subtype, integration.uri, integration.payload_format_version,
            integration.timeout_ms, integration.credentials_arn)

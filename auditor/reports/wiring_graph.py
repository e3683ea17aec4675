"""The wiring of each HTTP and WebSocket API as a graph: stages, routes, integrations, functions, and the
permission that lets each route through, with every broken edge carrying the rule that explains
it and what the client gets.

Mermaid, DOT and the HTML report all draw this one graph. It asks the semantic core for every
verdict: `routing_table` for each route's integration, function and coverage, and the `explain`
simulator for what a request shaped like the route gets on each serving stage; nothing here
matches routes or evaluates policies itself.
"""

from dataclasses import dataclass, field

import msgspec

from auditor.core.analysis import stage_names
from auditor.findings import Severity
from auditor.core.routekey import CONCRETE_METHODS, parse_route_key

# Rules whose failure is the integration's (or its function's): every route through it fails alike.
INTEGRATION_RULES = frozenset({"AGW112", "AGW113", "AGW114", "AGW201", "AGW202", "AGW204"})
STAGE_RULES = frozenset({"AGW105"})
# Each simulated request ranks every route of its API; past this many routes, only the routes a
# finding of medium or higher severity concerns are simulated one by one (the rest take the routing
# table's verdict), so drawing 10,000 routes stays linear.
SIMULATE_ALL_UP_TO = 500
# The same across a report's APIs: once this many routes were simulated one by one, the routes of
# further APIs take the routing table's verdict unless a finding concerns them (10,000 routes in 500
# small APIs: the HTML report stays within 3x the JSON one).
SIMULATE_REPORT_UP_TO = 500
RANKING_BUDGET = 250_000  # route comparisons the simulations of one larger API may spend in all;
# past it, the remaining routes a finding concerns are left unknown (said on their edge)


# Node, Edge and RouteVerdict: a few per route of every API drawn, so msgspec Structs (built in C, several times
# faster than a dataclass's __init__; gc=False: they hold strings and flags only, never a cycle).

class Node(msgspec.Struct, gc=False):
    id: str
    kind: str  # stage, api, route, integration, function, target (what a broken target points at)
    label: str
    detail: str = ""
    broken: bool = False
    group: str | None = None  # routes: the id of the integration node they lead to
    resource: str | None = None  # REST methods: the path of their resource (drawn as a tree by Mermaid)


class Edge(msgspec.Struct, gc=False):
    id: str
    source: str
    target: str
    kind: str  # serves (stage -> api), routes (route -> integration), invokes (integration -> function)
    label: str = ""
    broken: bool = False
    uncertain: bool = False  # the input cannot tell (values known only at deployment)
    rule_id: str | None = None
    status: str | None = None  # what the client gets: "500", "404", "404/500"
    permission: str | None = None  # on route edges: what lets the route invoke the function

    @property
    def broken_label(self) -> str:
        """The red edge's text: rule id and what the client gets."""
        parts = [p for p in (self.rule_id, self.status and f"client gets {self.status}") if p]
        return ": ".join(parts) if parts else "fails"


class RouteVerdict(msgspec.Struct, gc=False):
    route_key: str
    route_edge: str  # the id of the route's edge
    outcome: str  # reaches-function, reaches-backend, fails, unknown, never
    summary: str
    status: str | None
    rule_id: str | None
    certain: bool
    stage: str | None
    fix: str | None = None


@dataclass
class ApiGraph:
    api_id: str
    name: str
    account: str
    region: str
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    verdicts: list[RouteVerdict] = field(default_factory=list)
    # the edge that stands for each route (by key), integration (by id) and stage (by name; None: no stage)
    route_edges: dict[str, str] = field(default_factory=dict)
    integration_edges: dict[str, str] = field(default_factory=dict)
    stage_edges: dict[str | None, str] = field(default_factory=dict)
    api_type: str = "HTTP"  # "REST": routes are methods on a resource tree

    def node(self, node_id: str) -> Node:
        return self._nodes[node_id]

    def add(self, node: Node) -> Node:
        existing = self._nodes.get(node.id)
        if existing is not None:
            return existing
        self._nodes[node.id] = node
        self.nodes.append(node)
        return node

    def __post_init__(self):
        self._nodes = {n.id: n for n in self.nodes}

    @property
    def broken_edges(self) -> list[Edge]:
        return [e for e in self.edges if e.broken]

    def edge_for(self, finding) -> str | None:
        """The edge a finding is about, for the HTML report's click-to-highlight."""
        r = finding.resource
        if r.route_key is not None:
            return self.route_edges.get(r.route_key)
        if r.integration_id is not None:
            return self.integration_edges.get(r.integration_id)
        if r.stage is not None:
            return self.stage_edges.get(r.stage)
        if r.api_id is not None:  # the API as a whole: its first stage's edge (or the `no stage` one)
            return next(iter(self.stage_edges.values()), None)
        return None


def _statuses(verdict) -> str | None:
    statuses = verdict.statuses or ([verdict.status] if verdict.status else [])
    return "/".join(str(s) for s in statuses) or None


def _sample_requests(route_key: str):
    """(method, path) requests shaped like the route, most specific first: the simulator then says
    which route API Gateway picks for them, so a route another one takes is seen as such."""
    key = parse_route_key(route_key)
    if key is None:  # invalid: what it was meant to match, as the AGW104 fix would make it
        method, _, path = route_key.partition(" ")
        method = method.upper() if method.upper() in CONCRETE_METHODS else "GET"
        path = "/" + "/".join(s.strip("{}").rstrip("+") or "x" for s in path.strip("/").split("/") if s)
        return [(method, path)]
    if key.is_default:
        return [("GET", "/"), ("POST", "/apigw-auditor-unmatched-path")]
    path = "/" + "/".join(s.strip("{}").rstrip("+") if s.startswith("{") else s for s in key.segments)
    methods = CONCRETE_METHODS if key.method == "ANY" else (key.method,)
    return [(m, path) for m in methods]


class _Builder:
    def __init__(self, simulator, api, budget: list | None = None):
        from auditor.core.simulate import routing_table
        self.simulator = simulator
        self.api = api
        self.table = routing_table(simulator, api)
        self.graph = ApiGraph(api.id, api.name or "", api.scope.account, api.scope.region)
        self.integrations = {i.id: i for i in api.integrations}
        self._routes = {r.key: r for r in api.routes}
        self._route_count = self._simulated = 0
        self._simulate_at_most = max(20, RANKING_BUDGET // max(1, len(api.routes)))
        # every route simulated: a small API, while the report's budget (routes left to simulate) lasts
        self._whole = len(api.routes) <= SIMULATE_ALL_UP_TO and (budget is None or budget[0] >= len(api.routes))
        if self._whole and budget is not None:
            budget[0] -= len(api.routes)
        self._edges: dict[str, Edge] = {}  # by id: a broken route marks its integration's edge without a search
        # no finding on the API: no route is a suspect, and none needs a findings lookup (most of 500 APIs)
        self._findings_here = bool(simulator.findings.of_api(api))
        self._table_summaries: dict = {}  # the routing table's verdict per function ARN: one string per function

    def _function_node(self, ref) -> str:
        """The node of the function an integration invokes (one per ARN), named as the input names it."""
        target = f"f_{ref.arn}"
        function, _ = self.simulator.index.locate(ref)
        self.graph.add(Node(target, "function", ref.name + (f":{ref.qualifier}" if ref.qualifier else ""),
                            (f"{ref.account}/{ref.region}" if function is None else
                             (f"qualifier {ref.qualifier}" if ref.qualifier else "unqualified"))))
        return target

    def _add_edge(self, edge: Edge) -> None:
        self.graph.edges.append(edge)
        self._edges[edge.id] = edge

    def build(self) -> ApiGraph:
        graph, api = self.graph, self.api
        graph.add(Node("api", "api", f"API {api.id}", api.name or ""))
        self._stages()
        for row in self.table["routes"]:
            self._route(row)
        for integration in api.integrations:  # targeted by no route: drawn, so the picture is complete
            self._integration_node(integration.id)
        return graph

    def _stages(self):
        graph, api = self.graph, self.api
        finding = self.simulator.findings.find("AGW105", api)
        if not api.stages:
            graph.add(Node("stage_none", "stage", "no stage", "", broken=True))
            self._stage_edge("stage_none", None, finding, "no stage")
        for position, stage in enumerate(api.stages):
            node_id = f"stage{position}"
            deploy = "auto-deploy" if stage.auto_deploy else stage.deployment_id or "not deployed"
            graph.add(Node(node_id, "stage", f"stage {stage.name}", deploy, broken=not stage.serves))
            self._stage_edge(node_id, stage.name, finding if not stage.serves or not api.routes else None,
                             "serves nothing" if not stage.serves else "")

    def _stage_edge(self, node_id, stage_name, finding, why):
        edge = Edge(f"e{len(self.graph.edges)}", node_id, "api", "serves", label=why)
        self.graph.stage_edges[stage_name] = edge.id
        if finding is not None:
            edge.broken, edge.rule_id, edge.status = True, finding.rule_id, "404"
        self._add_edge(edge)

    def _integration_node(self, integration_id: str) -> str:
        graph = self.graph
        node_id = f"i_{integration_id}"
        if node_id in graph._nodes:
            return node_id
        integration = self.integrations.get(integration_id)
        detail = ""
        if integration is not None:
            detail = " ".join(p for p in (integration.type or "untyped", integration.subtype,
                                          integration.payload_format_version) if p)
        graph.add(Node(node_id, "integration", f"integration {integration_id}", detail))
        if integration is not None:
            self._function_edge(integration, node_id)
        return node_id

    def _function_edge(self, integration, node_id):
        graph = self.graph
        ref = integration.function_ref
        from auditor.core.analysis import invokes_lambda
        if integration.type == "HTTP_PROXY" or integration.subtype or (
                self.api.is_websocket and not invokes_lambda(self.api, integration) and ref is None):
            target = f"b_{integration.id}"
            graph.add(Node(target, "function", integration.subtype or "HTTP backend",
                           integration.uri or integration.credentials_arn or ""))
        elif ref is None:
            target = f"b_{integration.id}"
            graph.add(Node(target, "target", "no Lambda function", integration.uri or "(no IntegrationUri)",
                           broken=True))
        else:
            target = self._function_node(ref)
        edge = Edge(f"e{len(graph.edges)}", node_id, target, "invokes",
                    label=f"role {integration.credentials_arn}" if integration.credentials_arn else "")
        self._add_edge(edge)
        graph.integration_edges[integration.id] = edge.id

    def _target_node(self, row) -> str:
        """Where a route's Target leads: its integration, or a node saying what it names instead."""
        integration = row["integration"]
        if integration is not None:
            return self._integration_node(integration["id"])
        state, target = row["target_state"], row["target"] or ""
        if state == "prefix":
            bare = target
            if bare in self.integrations:
                return self._integration_node(bare)
        label = {"missing": "no target", "prefix": f"target {target}", "not-collected": target,
                 "foreign": target, "unknown": target}.get(state, target or state)
        detail = {"foreign": "another API's integration", "unknown": "no such integration",
                  "prefix": "lacks integrations/", "not-collected": "integrations not in input",
                  "unresolved": "known at deployment"}.get(state, "")
        node_id = f"t_{state}_{target}"
        self.graph.add(Node(node_id, "target", label, detail, broken=state not in ("not-collected", "unresolved")))
        return node_id

    def _route(self, row):
        graph = self.graph
        node_id = f"r{self._route_count}"  # no other node's id starts with `r`: added without a look-up
        self._route_count += 1
        target = self._target_node(row)
        key = row["route_key"]
        node = Node(node_id, "route", key, f"priority {row['priority'] or 'never'}", group=target)
        graph.nodes.append(node)
        graph._nodes[node_id] = node
        edge = Edge(f"e{len(graph.edges)}", node_id, target, "routes")
        graph.edges.append(edge)
        self._edges[edge.id] = edge
        graph.route_edges.setdefault(key, edge.id)
        suspect = self._suspect(row)
        if suspect is None:  # the routing table's verdict: it reaches its function
            graph.verdicts.append(self._table_verdict(row, edge))
            edge.label = edge.permission or ""
            return
        if self._whole or self._simulated < self._simulate_at_most:
            self._simulated += 1
            verdict = self._verdict(row, edge)
        else:
            verdict = RouteVerdict(row["route_key"], edge.id, "unknown",
                                   f"not simulated: {self._simulate_at_most} routes of this API already were; findings on "
                                   f"it: {', '.join(suspect) or 'none'}", None, None, False, None)
        graph.verdicts.append(verdict)
        if verdict.outcome in ("reaches-function", "reaches-backend"):
            edge.label = edge.permission or ""
            return
        if verdict.outcome == "unknown":
            edge.uncertain = True
            edge.label = ("unknown before deployment" if verdict.summary.startswith(("cannot", "integration"))
                          else "unknown: " + verdict.summary.split(":")[0])
            return
        rule = verdict.rule_id
        broken_edge = edge
        if rule in INTEGRATION_RULES and row["integration"] is not None:
            broken_edge = self._edges[graph.integration_edges[row["integration"]["id"]]]
        elif rule in STAGE_RULES:
            broken_edge = next((e for e in map(self._edges.get, graph.stage_edges.values()) if e.broken), edge)
        for e in {id(edge): edge, id(broken_edge): broken_edge}.values():
            e.broken, e.rule_id, e.status = True, rule, verdict.status
        graph.node(node_id).broken = True
        edge.label = edge.broken_label

    def _suspect(self, row) -> list[str] | None:
        """None for a route an API too large to simulate route by route may take the routing table's
        verdict for; else the rules of medium or higher severity that concern it (maybe none)."""
        if self._whole:
            return []
        rules = []
        if self._findings_here:
            route = self._routes.get(row["route_key"])
            integration = self.integrations.get((row["integration"] or {}).get("id"))
            rules = sorted({f.rule_id for f in self.simulator.findings.about(self.api, route, integration)
                            if f.severity >= Severity.MEDIUM})
        if rules or (row["permission"] or {}).get("status") not in ("covered", "credentials"):
            return rules
        return None

    def _table_verdict(self, row, edge) -> RouteVerdict:
        """A route no finding of medium or more concerns, in an API too large to simulate route by route."""
        edge.permission = "permission covers it" if row["permission"]["status"] == "covered" else "role"
        arn = (row["function"] or {}).get("arn", "its function")
        summary = self._table_summaries.get(arn)
        if summary is None:
            why = (f"in an API of over {SIMULATE_ALL_UP_TO:,} routes" if len(self.api.routes) > SIMULATE_ALL_UP_TO
                   else f"one by one: the report's first {SIMULATE_REPORT_UP_TO:,} routes were")
            summary = self._table_summaries[arn] = (f"reaches {arn}: its permission covers it and no finding of medium "
                                                    f"or higher concerns it (routing table; not simulated {why})")
        return RouteVerdict(row["route_key"], edge.id, "reaches-function", summary, None, None, False, None)

    def _verdict(self, row, edge) -> RouteVerdict:
        """explain's verdict for requests shaped like the route, on every stage that serves."""
        from auditor.core.simulate import Request
        api, key = self.api, row["route_key"]
        if api.is_websocket:
            return self._websocket_verdict(row, edge)
        stages = [s for s in stage_names(api) if any(st.name == s for st in api.stages)] or [None]
        chosen_verdict = None
        for stage in stages:
            explanation = None
            for method, path in _sample_requests(key):
                try:
                    explanation = self.simulator.explain(Request(method, path, api.id, api.scope.region,
                                                                 stage=stage), all_candidates=False)
                except (AttributeError, TypeError, KeyError) as exc:  # a simulator defect must not cost the report
                    return RouteVerdict(key, edge.id, "unknown", f"explain could not simulate this route "
                                        f"({type(exc).__name__}: {exc})", None, None, False, stage)
                if explanation.steps.get("route", {}).get("chosen") in (key, None):
                    break
            verdict, chosen = explanation.verdict, explanation.steps.get("route", {}).get("chosen")
            if chosen not in (key, None):
                return RouteVerdict(key, edge.id, "never", f"requests shaped like it go to `{chosen}`", None,
                                    None, True, stage)
            permission = explanation.steps.get("permission") or {}
            if permission.get("path") == "credentials":
                edge.permission = "role " + permission.get("role_arn", "")
            elif permission.get("statements"):
                sids = [s["sid"] or "(no Sid)" for s in permission["statements"] if s["verdict"].startswith("allows")]
                edge.permission = ("allowed by " + ", ".join(sids)) if sids else None
            current = RouteVerdict(key, edge.id, verdict.outcome, verdict.summary, _statuses(verdict),
                                   verdict.rule_id, verdict.certain, stage, verdict.fix)
            if chosen_verdict is None or (current.outcome in ("fails", "unknown")
                                          and chosen_verdict.outcome not in ("fails",)):
                chosen_verdict = current
            if current.outcome == "fails":
                break
        return chosen_verdict

    def _websocket_verdict(self, row, edge) -> RouteVerdict:
        """explain's verdict for the handshake (`$connect`), `$disconnect`, or a message the selection
        expression routes to the route (a message that is not JSON for `$default`), on each serving stage."""
        from auditor.core import websocket
        from auditor.core.simulate_websocket import WebSocketRequest
        api, key = self.api, row["route_key"]
        if row["kind"] == "unselectable":
            return RouteVerdict(key, edge.id, "never", "the route selection expression never selects it", None,
                                "AGW131", True, None)
        if key in (websocket.CONNECT, websocket.DISCONNECT):
            request = {"route_key": key}
        elif key == websocket.DEFAULT:
            request = {"message": "apigw-auditor: not JSON, so `$default` takes it", "assume_connected": True}
        else:
            selection = websocket.parse_selection(api.route_selection_expression)
            message = websocket.message_for(selection, key) if selection is not None else None
            if message is None:
                return RouteVerdict(key, edge.id, "unknown", "cannot build a message the selection expression "
                                    "routes here", None, None, False, None)
            request = {"message": message, "assume_connected": True}
        stages = [s for s in stage_names(api) if any(st.name == s for st in api.stages)] or [None]
        chosen_verdict = None
        for stage in stages:
            explanation = self.simulator.explain(WebSocketRequest(api_id=api.id, region=api.scope.region,
                                                                  stage=stage, **request))
            verdict = explanation.verdict
            permission = explanation.steps.get("permission") or {}
            if permission.get("statements"):
                sids = [s["sid"] or "(no Sid)" for s in permission["statements"] if s["verdict"].startswith("allows")]
                edge.permission = ("allowed by " + ", ".join(sids)) if sids else None
            outcome = {"accepted": "reaches-function", "no-backend": "reaches-backend"}.get(verdict.outcome,
                                                                                           verdict.outcome)
            current = RouteVerdict(key, edge.id, outcome, verdict.summary, _statuses(verdict), verdict.rule_id,
                                   verdict.certain, stage, verdict.fix)
            if chosen_verdict is None or (current.outcome in ("fails", "unknown")
                                          and chosen_verdict.outcome not in ("fails",)):
                chosen_verdict = current
            if current.outcome == "fails":
                break
        return chosen_verdict


class _RestBuilder(_Builder):
    """A REST API (v1): methods on their resources, one integration node per backend they call (type and URI),
    the verdicts from the same simulator."""

    def __init__(self, simulator, api, budget: list | None = None):
        super().__init__(simulator, api, budget)
        self.graph.api_type = "REST"
        self.integrations = {}
        self._by_method = {}
        for method in api.methods:
            integration = method.integration
            if integration is None:
                continue
            key = "-".join(str(p) for p in (integration.type, integration.uri, integration.credentials_arn))
            self.integrations.setdefault(key, integration)
            self._by_method[method.key] = key
        self._routes = {m.key: m for m in api.methods}

    def build(self) -> ApiGraph:
        graph, api = self.graph, self.api
        graph.add(Node("api", "api", f"REST API {api.id}", api.name or ""))
        for position, stage in enumerate(api.stages):
            node_id = f"stage{position}"
            graph.add(Node(node_id, "stage", f"stage {stage.name}", stage.deployment_id or "not deployed",
                           broken=not stage.serves))
            finding = self.simulator.findings.find("AGW123", api, stage=stage.name)
            self._stage_edge(node_id, stage.name, None, "serves nothing" if not stage.serves else
                             "older deployment" if finding is not None else "")
        if not api.stages:
            graph.add(Node("stage_none", "stage", "no stage", "", broken=True))
            self._stage_edge("stage_none", None, None, "no stage")
        for row in self.table["routes"]:
            self._route(row)
            method = self._routes.get(row["route_key"])
            graph.nodes[-1].resource = method.path if method is not None else None
        return graph

    def _integration_node(self, integration_id: str) -> str:
        graph = self.graph
        node_id = f"i_{integration_id}"
        if node_id in graph._nodes:
            return node_id
        integration = self.integrations[integration_id]
        detail = " ".join(p for p in (integration.type or "untyped", integration.integration_http_method) if p)
        graph.add(Node(node_id, "integration", "integration " + (integration.type or "untyped"), detail))
        self._function_edge(integration, node_id, integration_id)
        return node_id

    def _function_edge(self, integration, node_id, integration_id=None):
        graph = self.graph
        ref = integration.function_ref
        if not integration.is_lambda_uri:
            target = f"b_{integration_id}"
            what = {"MOCK": "answered by API Gateway (MOCK)", "HTTP": "HTTP backend", "HTTP_PROXY": "HTTP backend"}
            graph.add(Node(target, "function", what.get(integration.type, "AWS service"), integration.uri or ""))
        elif ref is None:
            target = f"b_{integration_id}"
            graph.add(Node(target, "target", "no Lambda function", integration.uri or "(no uri)", broken=True))
        else:
            target = self._function_node(ref)
        edge = Edge(f"e{len(graph.edges)}", node_id, target, "invokes",
                    label=f"credentials {integration.credentials_arn}" if integration.credentials_arn else "")
        self._add_edge(edge)
        graph.integration_edges[integration_id] = edge.id

    def _target_node(self, row) -> str:
        key = self._by_method.get(row["route_key"])
        if key is not None:
            return self._integration_node(key)
        node_id = "t_none"
        self.graph.add(Node(node_id, "target", "no integration", "", broken=True))
        return node_id

    def _verdict(self, row, edge) -> RouteVerdict:
        """explain's verdict for a request shaped like the method, on each serving stage."""
        from auditor.core.simulate import Request
        from auditor.core import rest
        api, key = self.api, row["route_key"]
        method = self._routes[key]
        path = "/" + "/".join(p.strip("{}").rstrip("+") if rest.is_parameter(p) else p
                              for p in rest.segments(method.path))
        verb = "GET" if method.verb == rest.ANY else method.verb
        chosen = None
        for stage in [s.name for s in api.stages if s.serves] or [None]:
            try:
                explanation = self.simulator.explain(Request(verb, path, api.id, api.scope.region, stage=stage))
            except (AttributeError, TypeError, KeyError) as exc:
                return RouteVerdict(key, edge.id, "unknown", f"explain could not simulate this method "
                                    f"({type(exc).__name__}: {exc})", None, None, False, stage)
            verdict = explanation.verdict
            if verdict.rule_id == "AGW123":  # the stage's deployment predates it: the stage edge says so
                edge.uncertain = True
            current = RouteVerdict(key, edge.id, verdict.outcome, verdict.summary, _statuses(verdict),
                                   verdict.rule_id, verdict.certain, stage, verdict.fix)
            permission = explanation.steps.get("permission") or {}
            if permission.get("statements"):
                sids = [s["sid"] or "(no Sid)" for s in permission["statements"] if s["verdict"].startswith("allows")]
                edge.permission = ("allowed by " + ", ".join(sids)) if sids else None
            if chosen is None or current.outcome == "fails":
                chosen = current
            if current.outcome == "fails":
                break
        return chosen


def simulators_for(snapshot, simulator=None, rules=None) -> list:
    """One simulator per stack (model.Snapshot.stacks): two templates may both hold an API `HttpApi`, and
    neither sees the other's. simulator: lookups already built over the whole snapshot (its rules and
    severity are reused per stack)."""
    from auditor.core.simulate import Simulator
    parts = snapshot.stacks()
    if simulator is not None and len(parts) == 1:
        return [simulator]
    rules, severity = (simulator._rules, simulator._severity) if simulator is not None else (rules, None)
    return [Simulator(part, rules, severity) for part in parts]


def simulators_for_result(result) -> list:
    """The simulators over an audit's snapshot with the rules the audit ran (one per stack)."""
    from auditor.core.simulate import Simulator
    audited = getattr(result, "audited", None)
    if audited is not None and getattr(result, "index", None) is not None and not getattr(result, "severity", None):
        # the audit ran these rules, as shipped, on the whole snapshot at once: its findings are the simulator's
        return [Simulator(result.snapshot, list(result.rules), index=result.index, audited=audited)]
    return simulators_for(result.snapshot, rules=list(result.rules))


def build_graphs(snapshot, simulator=None, api_id: str | None = None, rules=None, simulators=None) -> list[ApiGraph]:
    """One graph per HTTP API of the snapshot (or only `api_id`'s), each simulated within its own stack."""
    graphs, budget = [], [SIMULATE_REPORT_UP_TO]
    for part in simulators if simulators is not None else simulators_for(snapshot, simulator, rules):
        for api in part.index.apis:
            if not api.is_v2 or (api_id is not None and api.id != api_id):
                continue
            graphs.append(_Builder(part, api, budget).build())
        for api in part.index.rest_apis:
            if api_id is None or api.id == api_id:
                graphs.append(_RestBuilder(part, api, budget).build())
    return graphs


class GraphsOnDemand:
    """The graphs `build_graphs` makes, each built when first read: the Markdown report draws only as many
    APIs as its budget holds and names the rest, which then cost no simulation."""

    def __init__(self, simulators: list):
        self._apis = [(simulator, api) for simulator in simulators for api in simulator.index.apis if api.is_v2]
        self._apis += [(simulator, api) for simulator in simulators for api in simulator.index.rest_apis]
        self.api_ids = [api.id for _, api in self._apis]
        self._built: dict[int, ApiGraph] = {}
        self._budget = [SIMULATE_REPORT_UP_TO]

    def __len__(self) -> int:
        return len(self._apis)

    def __getitem__(self, position: int) -> ApiGraph:
        if position not in self._built:
            simulator, api = self._apis[position]
            self._built[position] = (_RestBuilder if api.is_rest else _Builder)(simulator, api, self._budget).build()
        return self._built[position]

    def __iter__(self):
        return (self[position] for position in range(len(self._apis)))


# --------------------------------------------------------------------------- drawing budget

@dataclass(slots=True)
class Drawing:
    """What a renderer draws of one graph: every node and edge, or routes grouped per integration."""

    graph: ApiGraph
    nodes: list[Node]
    edges: list[Edge]
    left_out: list[str]


def drawing(graph: ApiGraph, max_routes: int) -> Drawing:
    """At most `max_routes` route nodes: broken routes first; the others folded into one node per
    integration ("N more routes") once the API has more routes than fit; what is left out is said."""
    routes = [n for n in graph.nodes if n.kind == "route"]
    unsimulated = sum(1 for v in graph.verdicts if v.summary.startswith("not simulated"))
    left_out = [f"{unsimulated} routes that findings concern were not simulated one by one (the API is too large): "
                "their edges are dashed; `apigw-auditor explain` takes them one at a time"] if unsimulated else []
    if len(routes) <= max_routes:
        return Drawing(graph, list(graph.nodes), list(graph.edges), left_out)
    by_source = {e.source: e for e in graph.edges if e.kind == "routes"}
    broken = [n for n in routes if n.broken]
    shown = {n.id for n in broken[:max_routes]}
    folded: dict[str, list[Node]] = {}
    for n in routes:
        if n.id not in shown:
            folded.setdefault(by_source[n.id].target, []).append(n)
    nodes = [n for n in graph.nodes if n.kind != "route" or n.id in shown]
    edges = [e for e in graph.edges if e.kind != "routes" or e.source in shown]
    hidden_broken = len(broken) - len([n for n in broken if n.id in shown])
    for target, members in folded.items():
        fold_id = f"more_{target}"
        bad = sum(1 for n in members if n.broken)
        nodes.append(Node(fold_id, "route", f"{len(members)} more route(s)",
                          f"{bad} broken" if bad else "all reach their integration", broken=bad > 0, group=target))
        edges.append(Edge(f"fold_{target}", fold_id, target, "routes", label="", broken=bad > 0,
                          rule_id=None, status=None))
    left_out.insert(0, f"{len(routes) - len(shown)} of {len(routes)} routes folded into one node per integration"
                    + (f" ({hidden_broken} broken ones among them)" if hidden_broken else ""))
    return Drawing(graph, nodes, edges, left_out)


__all__ = ["ApiGraph", "Node", "Edge", "RouteVerdict", "Drawing", "build_graphs", "GraphsOnDemand", "drawing",
           "simulators_for", "simulators_for_result"]

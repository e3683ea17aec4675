"""One self-contained HTML report (`audit --format html -o report.html`) that opens offline.

The summary; the findings table, filterable by severity, rule and API and sortable by any column,
each fix copyable; then each API's wiring drawn as inline SVG by a small layered layout in the page
(routes | integrations | functions, the permission on each route's edge, broken edges red with
rule id and status) beside `explain`'s verdict for every route. Clicking a finding highlights its
edge. Routes fold per integration when an API has many, so 1,000 routes stay usable.

Nothing is fetched: CSS and script are inline and a Content-Security-Policy forbids any request.
Text from the input reaches the page only HTML-escaped (tables) or as JSON with `<`, `>` and `&`
written as \\u escapes, read by the script into textContent/attributes, never into markup.
"""

import json

from auditor.reports.common import failing, readable, summary
from auditor.reports.pointers import describe, display_path, finding_file, finding_line, left_out_summary

FORMAT = "html"
EXTENSION = "html"

FOLD_AT = 12  # an integration with more routes than this starts folded (when the API has over FOLD_API)
FOLD_API = 60
VERDICTS_OPEN = 20  # more routes than this that reach their backend are listed in a closed <details>
_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"


def simulators_for_result(result):
    """The drawing's simulators (wiring_graph's), imported with the drawing: discovery imports every renderer."""
    from auditor.reports import wiring_graph
    return wiring_graph.simulators_for_result(result)


_ESCAPED: dict[str, str] = {}  # the same stage names, outcomes and rule ids fill most cells


def _e(text) -> str:
    """html.escape(readable(text), quote=True): it runs for every cell of 10,000 routes. Its replacements
    (`&` first), not str.translate: translate looks every character up in its table, and each character
    not there costs a KeyError raised and cleared inside it."""
    if text is None:
        return ""
    if type(text) is not str:
        text = str(text)
    done = _ESCAPED.get(text)
    if done is None:
        done = (readable(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                .replace('"', "&quot;").replace("'", "&#x27;"))
        if len(_ESCAPED) < 50_000:
            _ESCAPED[text] = done
    return done


def script_json(value) -> str:
    """JSON safe inside a <script> element: no `</script>`, `<!--` or line separator can end it."""
    import msgspec
    try:  # the same text as json.dumps(ensure_ascii=False, compact), several times faster
        text = msgspec.json.encode(value).decode()
    except (UnicodeEncodeError, TypeError, OverflowError):  # a lone surrogate: json.dumps writes it as it is
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for char, escape in _SCRIPT_ESCAPES:  # `in` finds a character at memchr's speed; replace counts byte by byte
        if char in text:
            text = text.replace(char, escape)
    return text


_SCRIPT_ESCAPES = (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))


def _subject(finding) -> str:
    r = finding.resource
    if r.api_id:
        return f"API {r.api_id}"
    if r.function_arn:
        return f"function {r.function_arn.rsplit(':function:', 1)[-1]}"
    return f"account {r.account}/{r.region}"


def _graph_data(graph, number: int) -> dict:
    return {"id": number, "api": graph.api_id, "name": graph.name,
            "nodes": [{"id": n.id, "kind": n.kind, "label": n.label, "detail": n.detail, "broken": n.broken,
                       "group": n.group} for n in graph.nodes],
            "edges": [{"id": e.id, "source": e.source, "target": e.target, "kind": e.kind,
                       "label": e.broken_label if e.broken else e.label, "broken": e.broken,
                       "uncertain": e.uncertain} for e in graph.edges],
            "fold": len([n for n in graph.nodes if n.kind == "route"]) > FOLD_API, "foldAt": FOLD_AT}


def render(result, options) -> str:
    info = summary(result, options)
    from auditor.reports.wiring_graph import build_graphs
    graphs = build_graphs(result.snapshot, simulators=simulators_for_result(result))
    keyed = {(g.account, g.region, g.api_id): (number, g) for number, g in enumerate(graphs)}
    gating = {id(f) for f in failing(result.findings, options.fail_on)}
    verdict = "failed" if gating else "passed"
    out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
           f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>apigw-auditor: {verdict}</title>", f"<style>{_CSS}</style>", "</head>", "<body>",
           f'<header><h1>apigw-auditor: <span class="verdict {verdict}">{verdict}</span></h1>']
    files = ", ".join(_e(display_path(f) if not f.startswith("<") else f) for f in info["files"])
    out.append(f"<p>{info['findings']} finding(s), {len(gating)} at or above --fail-on {_e(info['fail_on'])}; "
               f"{info['apis']} API(s), {info['functions']} function(s), {info['rules_run']} rules"
               f"{' on ' + files if files else ''}.</p>")
    out.append('<ul class="counts">' + "".join(f'<li class="sev-{_e(label)}">{_e(label)} <b>{count}</b></li>'
                                               for label, count in info["by_severity"].items()) + "</ul>")
    extra = left_out_summary(result)
    if extra:
        out.append(f"<p>Not reported: {_e(extra)}.</p>")
    for skipped in info["skipped_apis"]:
        out.append(f"<p>Skipped API {_e(skipped['api_id'])} ({_e(skipped['protocol_type'])}): "
                   f"{_e(skipped['reason'])}.</p>")
    out.append("</header>")
    out += _findings_table(result, keyed, gating)
    out.append('<section id="wiring"><h2>Wiring</h2>')
    if not graphs:
        out.append("<p>No HTTP API to draw.</p>")
    for number, graph in enumerate(graphs):
        out += _api_section(number, graph)
    out.append("</section>")
    # script_json of the whole list, a graph at a time: each graph's dicts are dropped once written (a JSON
    # list is its items joined by commas, and the escapes replace single characters)
    out.append('<script type="application/json" id="graph-data">['
               + ",".join(script_json(_graph_data(graph, number)) for number, graph in enumerate(graphs))
               + "]</script>")
    out.append(f"<script>{_JS}</script>")
    out += ["</body>", "</html>", ""]  # the last: the text ends with a newline, without copying it once more
    return "\n".join(out)


def _findings_table(result, keyed, gating) -> list[str]:
    findings = result.findings
    rules = sorted({f.rule_id for f in findings})
    subjects = list(dict.fromkeys(_subject(f) for f in findings))
    out = ['<section id="findings"><h2>Findings</h2>']
    if not findings:
        return out + ["<p>No findings.</p>", "</section>"]
    out.append('<form class="filters" id="filters" onsubmit="return false">')
    out.append('<label>Severity <select id="f-severity"><option value="">all</option>'
               + "".join(f'<option value="{s}">{s}</option>' for s in ("critical", "high", "medium", "low", "info"))
               + "</select></label>")
    out.append('<label>Rule <select id="f-rule"><option value="">all</option>'
               + "".join(f'<option value="{_e(r)}">{_e(r)}</option>' for r in rules) + "</select></label>")
    out.append('<label>API <select id="f-api"><option value="">all</option>'
               + "".join(f'<option value="{_e(s)}">{_e(s)}</option>' for s in subjects) + "</select></label>")
    out.append('<label>Text <input id="f-text" type="search" placeholder="route, message..."></label>')
    out.append(f'<span id="f-count">{len(findings)} of {len(findings)} shown</span></form>')
    out.append('<div class="table-wrap"><table id="findings-table"><thead><tr>'
               + "".join(f'<th data-sort="{key}" tabindex="0">{label}</th>' for key, label in
                         (("n", "#"), ("severity", "Severity"), ("rule", "Rule"), ("api", "API"),
                          ("where", "Where"), ("message", "Finding")))
               + "<th>Fix</th></tr></thead><tbody>")
    for number, finding in enumerate(findings, start=1):
        r = finding.resource
        edge = ""
        entry = keyed.get((r.account, r.region, r.api_id))
        if entry is not None:
            graph_number, graph = entry
            edge_id = graph.edge_for(finding)
            if edge_id is not None:
                edge = f"{graph_number}:{edge_id}"
        where = describe(finding)
        file = finding_file(finding, result)
        if file and not file.startswith("<"):
            line = finding_line(finding)
            where += f" ({display_path(file)}{':' + str(line) if line is not None else ''})"
        severity = finding.severity.label
        out.append(f'<tr data-n="{number}" data-severity="{severity}" data-sev="{int(finding.severity)}" '
                   f'data-rule="{_e(finding.rule_id)}" data-api="{_e(_subject(finding))}" data-edge="{_e(edge)}"'
                   f'{" class=gating" if id(finding) in gating else ""}>'
                   f"<td>{number}</td><td class=\"sev-{severity}\">{severity}</td>"
                   f"<td><code>{_e(finding.rule_id)}</code> {_e(finding.rule)}</td><td>{_e(_subject(finding))}</td>"
                   f"<td>{_e(where)}</td><td>{_e(finding.message)}"
                   + ('<button type="button" class="show-edge">show edge</button>' if edge else "")
                   + f'</td><td><pre class="fix"><code>{_e(finding.remediation)}</code></pre>'
                   '<button type="button" class="copy">copy</button></td></tr>')
    out += ["</tbody></table></div>", "</section>"]
    return out


def _api_section(number: int, graph) -> list[str]:
    broken = len(graph.broken_edges)
    out = [f'<article class="api" id="api-{number}">',
           f"<h3>API {_e(graph.api_id)}{' (' + _e(graph.name) + ')' if graph.name else ''} "
           f"<small>{_e(graph.account)}/{_e(graph.region)}</small></h3>",
           f'<p class="{"bad" if broken else "ok"}">'
           + (f"{broken} broken edge(s), drawn red." if broken else "Every edge is healthy.") + "</p>",
           '<div class="api-body">',
           f'<div class="wiring-box"><div class="legend">routes | integrations | functions; '
           f'<span class="red">red</span>: broken (rule: what the client gets)</div>'
           f'<div class="svg-holder" id="svg-{number}" data-graph="{number}"></div></div>']
    reaching, others = [], []
    for v in graph.verdicts:  # one pass: `v not in reaching` compared every pair (10,000 routes: minutes)
        (reaching if v.outcome in ("reaches-function", "reaches-backend") else others).append(v)
    head = ("<table><thead><tr><th>Route</th><th>Stage</th><th>Verdict</th><th>Rule</th></tr></thead><tbody>")
    out.append(f'<div class="verdicts"><h4>explain, per route</h4><div class="table-wrap">{head}')
    out += [_verdict_row(number, v) for v in others]  # what fails first: that is what a reader looks for
    if not graph.verdicts:
        out.append('<tr><td colspan="4">No routes: every request gets 404.</td></tr>')
    if len(reaching) > VERDICTS_OPEN and others:
        out.append(f"</tbody></table><details><summary>{len(reaching)} route(s) that reach their backend"
                   f"</summary>{head}")
        out += [_verdict_row(number, v) for v in reaching]
        out.append("</tbody></table></details>")
    else:
        out += [_verdict_row(number, v) for v in reaching]
        out.append("</tbody></table>")
    out += ["</div></div>", "</div>", "</article>"]
    return out


_OUTCOMES = {"reaches-function": "reaches", "reaches-backend": "reaches", "fails": "fails", "unknown": "unknown",
             "never": "never chosen"}
_ROW_ENDS: dict[tuple, tuple[str, str]] = {}  # most routes share their verdict (the function's): escaped once


def _verdict_row(number: int, verdict) -> str:
    """One route's row. What follows the route key (stage, verdict, rule) is the same text for every route of
    a function that the routing table judged, so it is escaped once per distinct verdict, not per route."""
    shared = (verdict.outcome, verdict.status, verdict.stage, verdict.certain, verdict.summary, verdict.rule_id)
    ends = _ROW_ENDS.get(shared)
    if ends is None:
        outcome = _OUTCOMES.get(verdict.outcome, verdict.outcome)
        status = f" {verdict.status}" if verdict.status else ""
        ends = (f'" class="v-{_e(verdict.outcome)}"><td><code>',
                f"</code></td><td>{_e(verdict.stage or '-')}</td>"
                f'<td><b>{_e(outcome)}{_e(status)}</b>{"" if verdict.certain else " (probably)"}'
                f"<br><small>{_e(verdict.summary)}</small></td><td>{_e(verdict.rule_id or '-')}</td></tr>")
        if len(_ROW_ENDS) < 50_000:
            _ROW_ENDS[shared] = ends
    return f'<tr data-edge="{number}:{_e(verdict.route_edge)}{ends[0]}{_e(verdict.route_key)}{ends[1]}'


_CSS = """
:root{--red:#d32f2f;--ink:#1d2430;--muted:#5b6573;--line:#d7dce3}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);margin:0 auto;
 padding:16px;max-width:1400px;background:#fff}
h1{font-size:22px;margin:0 0 8px}h2{font-size:18px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:16px;margin:16px 0 4px}h3 small{color:var(--muted);font-weight:normal}
.verdict.failed{color:var(--red)}.verdict.passed{color:#2e7d32}
.counts{display:flex;flex-wrap:wrap;gap:8px;list-style:none;padding:0}
.counts li{border:1px solid var(--line);border-radius:4px;padding:2px 8px}
.filters{display:flex;flex-wrap:wrap;gap:12px;align-items:center;margin:8px 0}
.filters label{display:flex;gap:4px;align-items:center}
table{border-collapse:collapse;width:100%}.table-wrap{overflow-x:auto;max-width:100%}
.api-body>*{min-width:0}
th,td{border:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th[data-sort]{cursor:pointer;background:#f4f6f9;white-space:nowrap}
th[data-sort]:after{content:" \\2195";color:#9aa3ad}
tr.gating td:nth-child(2){font-weight:bold}
tr.selected td{background:#fff6d6}
.sev-critical,.sev-high{color:var(--red)}.sev-medium{color:#b26a00}
pre.fix{margin:0;white-space:pre-wrap;overflow-wrap:anywhere;font-size:12px}
#findings-table td:last-child{width:34%}#findings-table td:nth-child(3){width:12%}
button{font:inherit;font-size:12px;margin-top:2px;cursor:pointer}
.api-body{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:12px}
@media (max-width:900px){.api-body{grid-template-columns:1fr}}
.svg-holder{overflow-x:auto;border:1px solid var(--line);border-radius:4px}
.svg-holder svg{display:block;min-width:640px;width:100%;height:auto}
.legend{color:var(--muted);font-size:12px}.red,.bad{color:var(--red)}.ok{color:#2e7d32}
.verdicts h4{margin:0 0 4px}.verdicts summary{cursor:pointer;margin:6px 0}.verdicts td:nth-child(2),.verdicts td:nth-child(4){white-space:nowrap}
.verdicts td:first-child code{overflow-wrap:anywhere}.verdicts tr.v-fails td:nth-child(3) b{color:var(--red)}
svg .node rect{stroke-width:1.2}svg .node text{font:12px system-ui,sans-serif;fill:#1d2430}
svg .node.fold{cursor:pointer}svg .node.fold rect{stroke-dasharray:4 2}
svg .edge path{fill:none;stroke:#8a94a3;stroke-width:1.5}
svg .edge.broken path{stroke:#d32f2f;stroke-width:3}
svg .edge.uncertain path{stroke-dasharray:5 4}
svg .edge text{font:11px system-ui,sans-serif;fill:#5b6573}svg .edge.broken text{fill:#d32f2f;font-weight:bold}
svg .edge.hl path{stroke:#f5a623;stroke-width:6}svg .col{font:bold 12px system-ui,sans-serif;fill:#5b6573}
@media print{
 .filters,button{display:none!important}body{max-width:none;padding:0;font-size:11px}
 tr{break-inside:avoid}.api{break-inside:avoid-page}.api-body{grid-template-columns:1fr}
 .svg-holder{overflow:visible;border:none}.svg-holder svg{min-width:0}
 svg .edge.broken path{stroke:#d32f2f!important}tr[hidden]{display:table-row!important}
 *{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
"""

_JS = r"""
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var data = JSON.parse(document.getElementById("graph-data").textContent);
  var state = {};
  function el(name, attrs, parent) {
    var node = document.createElementNS(NS, name);
    for (var key in attrs) { node.setAttribute(key, String(attrs[key])); }
    if (parent) { parent.appendChild(node); }
    return node;
  }
  function clip(text, n) { text = String(text || ""); return text.length > n ? text.slice(0, n - 1) + "\u2026" : text; }
  var COLX = {stage: 10, api: 10, route: 200, integration: 660, target: 660, function: 940};
  var W = {stage: 160, api: 160, route: 220, integration: 200, target: 200, function: 230};
  var ROW = 40;

  function layout(graph) {
    var folded = state[graph.id].folded;
    var byId = {}; graph.nodes.forEach(function (n) { byId[n.id] = n; });
    var groups = {}, order = [];
    graph.nodes.forEach(function (n) {
      if (n.kind !== "route") { return; }
      if (!groups[n.group]) { groups[n.group] = []; order.push(n.group); }
      groups[n.group].push(n);
    });
    var nodes = [], edges = [], pos = {}, y = 34;
    order.forEach(function (g) {
      var members = groups[g];
      if (folded[g]) {
        var bad = members.filter(function (m) { return m.broken; }).length;
        var fold = {id: "fold:" + g, kind: "route", fold: g, broken: bad > 0,
                    label: members.length + " routes" + (bad ? " (" + bad + " broken)" : ""),
                    detail: "click to unfold"};
        nodes.push(fold); pos[fold.id] = y; y += ROW;
        var brokenEdge = graph.edges.some(function (e) { return e.kind === "routes" && byId[e.source] &&
          byId[e.source].group === g && e.broken; });
        edges.push({id: "fold:" + g, source: fold.id, target: g, kind: "routes", broken: brokenEdge,
                    label: bad ? bad + " broken" : "", members: members.map(function (m) { return m.id; })});
      } else {
        members.forEach(function (m) { nodes.push(m); pos[m.id] = y; y += ROW; });
      }
      y += 8;
    });
    var visible = {}; nodes.forEach(function (n) { visible[n.id] = true; });
    graph.edges.forEach(function (e) {
      if (e.kind === "routes" && !visible[e.source]) { return; }
      edges.push(e);
    });
    function place(kind) {
      var want = [];
      graph.nodes.forEach(function (n) {
        if (n.kind !== kind && !(kind === "integration" && n.kind === "target")) { return; }
        var ys = edges.filter(function (e) { return e.target === n.id && pos[e.source] !== undefined; })
                      .map(function (e) { return pos[e.source]; });
        want.push({n: n, y: ys.length ? ys.reduce(function (a, b) { return a + b; }, 0) / ys.length : 1e9});
      });
      want.sort(function (a, b) { return a.y - b.y; });
      var next = 34;
      want.forEach(function (w) {
        var at = w.y === 1e9 ? next : Math.max(next, w.y);
        pos[w.n.id] = at; next = at + ROW + 6; nodes.push(w.n);
      });
      return next;
    }
    var bottom = Math.max(y, place("integration"), place("function"));
    var left = 34;
    graph.nodes.forEach(function (n) {
      if (n.kind === "stage") { pos[n.id] = left; left += ROW + 6; nodes.push(n); }
    });
    graph.nodes.forEach(function (n) { if (n.kind === "api") { pos[n.id] = left + 20; nodes.push(n); left += ROW + 26; } });
    return {nodes: nodes, edges: edges, pos: pos, height: Math.max(bottom, left) + 10};
  }

  function draw(graph) {
    var holder = document.getElementById("svg-" + graph.id);
    var plan = layout(graph);
    var svg = el("svg", {viewBox: "0 0 1180 " + plan.height, role: "img",
                         "aria-label": "wiring of API " + graph.api});
    [["stages", 10], ["routes", 200], ["integrations", 660], ["functions", 940]].forEach(function (c) {
      var t = el("text", {x: c[1], y: 18, "class": "col"}, svg); t.textContent = c[0];
    });
    var kinds = {};
    plan.nodes.forEach(function (n) { kinds[n.id] = n.kind; });
    var edgeLayer = el("g", {}, svg), nodeLayer = el("g", {}, svg);
    plan.edges.forEach(function (e) {
      if (plan.pos[e.source] === undefined || plan.pos[e.target] === undefined) { return; }
      var sk = kinds[e.source], tk = kinds[e.target];
      var x1 = COLX[sk] + W[sk], y1 = plan.pos[e.source] + 14, x2 = COLX[tk], y2 = plan.pos[e.target] + 14;
      if (e.kind === "serves") { x1 = COLX[sk] + 40; x2 = COLX[tk] + 40; y1 = plan.pos[e.source] + 28; }
      var g = el("g", {"class": "edge" + (e.broken ? " broken" : "") + (e.uncertain ? " uncertain" : ""),
                       "data-edge": graph.id + ":" + e.id}, edgeLayer);
      if (e.members) { g.setAttribute("data-members", e.members.join(" ")); }
      var d = e.kind === "serves" ? "M" + x1 + "," + y1 + " L" + x2 + "," + y2
            : "M" + x1 + "," + y1 + " C" + (x1 + 90) + "," + y1 + " " + (x2 - 90) + "," + y2 + " " + x2 + "," + y2;
      el("path", {d: d, "marker-end": "url(#arrow-" + graph.id + (e.broken ? "-red" : "") + ")"}, g);
      var title = el("title", {}, g); title.textContent = e.label || e.kind;
      if (e.label && e.kind !== "serves") {
        var t = el("text", {x: x1 + 6, y: y1 - 4}, g); t.textContent = clip(e.label, 46);
      } else if (e.label) {
        var s = el("text", {x: x1 + 46, y: (y1 + y2) / 2}, g); s.textContent = clip(e.label, 30);
      }
    });
    plan.nodes.forEach(function (n) {
      var y = plan.pos[n.id];
      var g = el("g", {"class": "node " + n.kind + (n.broken ? " broken" : "") + (n.fold ? " fold" : ""),
                       transform: "translate(" + COLX[n.kind] + "," + y + ")"}, nodeLayer);
      var fill = {route: "#eef4ff", integration: "#f3f0ff", target: "#fff0f0", "function": "#eefaf0",
                  stage: "#f7f7f7", api: "#fffbe6"}[n.kind];
      el("rect", {width: W[n.kind], height: 30, rx: 4, fill: fill, stroke: n.broken ? "#d32f2f" : "#8a94a3"}, g);
      var t1 = el("text", {x: 6, y: 13}, g); t1.textContent = clip(n.label, 34);
      if (n.detail) { var t2 = el("text", {x: 6, y: 26, "font-size": 10, fill: "#5b6573"}, g);
                      t2.textContent = clip(n.detail, 38); }
      var title = el("title", {}, g); title.textContent = n.label + (n.detail ? "\n" + n.detail : "");
      if (n.fold) {
        g.addEventListener("click", function () { state[graph.id].folded[n.fold] = false; draw(graph); });
      }
    });
    var defs = el("defs", {}, svg);
    [["", "#8a94a3"], ["-red", "#d32f2f"]].forEach(function (m) {
      var marker = el("marker", {id: "arrow-" + graph.id + m[0], viewBox: "0 0 10 10", refX: 10, refY: 5,
                                 markerWidth: 7, markerHeight: 7, orient: "auto"}, defs);
      el("path", {d: "M0,0 L10,5 L0,10 z", fill: m[1]}, marker);
    });
    while (holder.firstChild) { holder.removeChild(holder.firstChild); }
    holder.appendChild(svg);
  }

  data.forEach(function (graph) {
    var folded = {};
    if (graph.fold) {
      var sizes = {};
      graph.nodes.forEach(function (n) { if (n.kind === "route") { sizes[n.group] = (sizes[n.group] || 0) + 1; } });
      for (var g in sizes) { if (sizes[g] > graph.foldAt) { folded[g] = true; } }
    }
    state[graph.id] = {folded: folded};
    draw(graph);
  });

  function highlight(ref) {
    if (!ref) { return; }
    var parts = ref.split(":"), number = parts[0], edgeId = parts.slice(1).join(":");
    var graph = data[Number(number)];
    if (!graph) { return; }
    var edge = graph.edges.filter(function (e) { return e.id === edgeId; })[0];
    if (edge && edge.kind === "routes") {
      var source = graph.nodes.filter(function (n) { return n.id === edge.source; })[0];
      if (source && state[graph.id].folded[source.group]) { state[graph.id].folded[source.group] = false; draw(graph); }
    }
    var old = document.querySelectorAll("svg .edge.hl");
    for (var i = 0; i < old.length; i++) { old[i].classList.remove("hl"); }
    var target = null, all = document.querySelectorAll("#svg-" + graph.id + " .edge");
    for (var j = 0; j < all.length; j++) {
      if (all[j].getAttribute("data-edge") === ref) { target = all[j]; }
    }
    if (target) {
      target.classList.add("hl");
      target.parentNode.appendChild(target);
      document.getElementById("api-" + graph.id).scrollIntoView({block: "start"});
    }
  }

  var table = document.getElementById("findings-table");
  if (table) {
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var controls = ["f-severity", "f-rule", "f-api", "f-text"].map(function (id) { return document.getElementById(id); });
    function filter() {
      var sev = controls[0].value, rule = controls[1].value, api = controls[2].value,
          text = controls[3].value.toLowerCase(), shown = 0;
      rows.forEach(function (row) {
        var ok = (!sev || row.getAttribute("data-severity") === sev) && (!rule || row.getAttribute("data-rule") === rule)
          && (!api || row.getAttribute("data-api") === api) && (!text || row.textContent.toLowerCase().indexOf(text) >= 0);
        row.hidden = !ok; if (ok) { shown++; }
      });
      document.getElementById("f-count").textContent = shown + " of " + rows.length + " shown";
    }
    controls.forEach(function (c) { c.addEventListener("input", filter); c.addEventListener("change", filter); });
    var direction = {};
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, column) {
      var key = th.getAttribute("data-sort");
      if (!key) { return; }
      function sort() {
        direction[key] = -(direction[key] || -1);
        var value = function (row) {
          if (key === "n") { return Number(row.getAttribute("data-n")); }
          if (key === "severity") { return -Number(row.getAttribute("data-sev")); }
          return row.cells[column].textContent.toLowerCase();
        };
        rows.sort(function (a, b) { var x = value(a), y = value(b); return (x < y ? -1 : x > y ? 1 : 0) * direction[key]; });
        rows.forEach(function (row) { table.tBodies[0].appendChild(row); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { sort(); } });
    });
    table.addEventListener("click", function (ev) {
      var button = ev.target.closest("button");
      var row = ev.target.closest("tr");
      if (button && button.classList.contains("copy")) {
        var block = row.querySelector("pre.fix code");
        var done = function () { button.textContent = "copied"; };
        var select = function () {  // no clipboard API (local files, denied): select it for Ctrl+C
          var range = document.createRange(); range.selectNodeContents(block);
          var sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
          var copied = false;
          try { copied = document.execCommand("copy"); } catch (err) { copied = false; }
          button.textContent = copied ? "copied" : "selected: copy it";
        };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(block.textContent).then(done, select);
        } else {
          select();
        }
        return;
      }
      if (row && (button || ev.target.tagName !== "PRE")) {
        var selected = table.querySelectorAll("tr.selected");
        for (var i = 0; i < selected.length; i++) { selected[i].classList.remove("selected"); }
        row.classList.add("selected");
        highlight(row.getAttribute("data-edge"));
      }
    });
  }
  window.addEventListener("beforeprint", function () {  // a printout lists every route's verdict
    var closed = document.querySelectorAll("details:not([open])");
    for (var i = 0; i < closed.length; i++) { closed[i].open = true; }
  });
  var verdictRows = document.querySelectorAll(".verdicts tr[data-edge]");
  for (var k = 0; k < verdictRows.length; k++) {
    verdictRows[k].addEventListener("click", function () { highlight(this.getAttribute("data-edge")); });
  }
})();
"""

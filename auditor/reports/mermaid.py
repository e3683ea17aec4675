"""The wiring graph as a Mermaid flowchart, the kind GitHub renders in Markdown, PR comments and
job summaries: routes grouped by the integration they target, then integrations, functions and
stages; a broken edge drawn red (linkStyle) and labelled with its rule id and what the client gets.

Labels come from the user's input (route keys, names), so every character outside a small safe
set is written as a Mermaid entity code (`#60;`): no label can close its quotes, start a new
statement, or carry HTML. Node ids are our own (n0, n1...). GitHub renders Mermaid with its
default limits (maxTextSize 50,000 characters, maxEdges 500); each API's flowchart is cut well
within them, and what was folded away is said in the diagram and beside it.
"""

import re

from auditor.escape import markdown_text
from auditor.reports.common import readable

MAX_TEXT = 50_000  # Mermaid's default maxTextSize, which GitHub uses
MAX_EDGES = 500  # Mermaid's default maxEdges
BUDGET_TEXT, BUDGET_EDGES = 40_000, 400  # what one API's diagram may use: room for the rest of a page
FIRST_ROUTE_CAP = 60  # beyond this many routes, healthy ones fold into one node per integration

BROKEN_STYLE = "stroke:#d32f2f,stroke-width:3px,color:#d32f2f"
# Every character but the safe ones, and a `-` after a `-` (`--` could read as the start of an arrow in edge
# text; `$$`, never safe, would start Mermaid's math).
_UNSAFE = re.compile(r"[^A-Za-z0-9 .,:/_=+*@\-]|(?<=-)-")


def _entity(match) -> str:
    return f"#{ord(match.group())};"


def label(text: str, limit: int = 80) -> str:
    """Text for inside a quoted label: safe characters kept, every other one an entity code."""
    text = " ".join(readable(str(text)).split())
    if len(text) > limit:
        text = text[:limit - 1] + "\u2026"
    return _UNSAFE.sub(_entity, text)


_CLASSES = {
    "route": "fill:#eef4ff,stroke:#4a6fa5", "integration": "fill:#f3f0ff,stroke:#6a55b5",
    "function": "fill:#eefaf0,stroke:#3c8c4f", "stage": "fill:#f7f7f7,stroke:#777",
    "api": "fill:#fffbe6,stroke:#b08900", "target": "fill:#fff0f0,stroke:#d32f2f,stroke-dasharray:4",
    "broken": "stroke:#d32f2f,stroke-width:2px",
}


def flowchart(graph, max_routes: int | None = None) -> tuple[str, list[str]]:
    """(the flowchart of one API, what was left out), within the text and edge budget."""
    cap = FIRST_ROUTE_CAP if max_routes is None else max_routes
    while True:
        from auditor.reports.wiring_graph import drawing
        picture = drawing(graph, cap)
        text = _render(picture)
        if (len(text) <= BUDGET_TEXT and len(picture.edges) <= BUDGET_EDGES) or cap <= 1:
            break
        cap //= 2
    left_out = list(picture.left_out)
    if len(text) > BUDGET_TEXT or len(picture.edges) > BUDGET_EDGES:  # too many integrations even folded
        text = "\n".join(["flowchart LR", f'  n0["{label(f"API {graph.api_id}: too large to draw")}"]'])
        left_out = [f"the API's {len(graph.nodes)} nodes and {len(graph.edges)} edges exceed GitHub's Mermaid "
                    "limits even folded; see the HTML report or `graph --format dot`"]
    return text, left_out


def _render(picture) -> str:
    graph = picture.graph
    ids = {node.id: f"n{number}" for number, node in enumerate(picture.nodes)}
    lines = ["flowchart LR"]
    title = f"API {graph.api_id}" + (f" {graph.name}" if graph.name else "") + f" {graph.account}/{graph.region}"
    lines.append(f"  %% {label(title, 200)}")
    for reason in picture.left_out:
        lines.append(f"  %% left out: {label(reason, 200)}")

    def node_line(node, indent="  "):
        text = label(node.label) + (f"<br/>{label(node.detail, 60)}" if node.detail else "")
        return f'{indent}{ids[node.id]}["{text}"]'

    groups: dict[str, list] = {}
    for node in picture.nodes:
        if node.kind == "route" and not (graph.api_type == "REST" and node.resource is not None):
            groups.setdefault(node.group, []).append(node)
        elif node.kind != "route":
            lines.append(node_line(node))
    if graph.api_type == "REST":  # methods inside their resources, nested as the resource tree is
        lines.extend(_resource_tree([n for n in picture.nodes if n.kind == "route" and n.resource is not None],
                                    node_line))
    targets = {node.id: node for node in picture.nodes}
    for number, (group, members) in enumerate(groups.items()):
        into = targets.get(group)
        lines.append(f'  subgraph g{number}["{label("routes to " + (into.label if into else "?"))}"]')
        lines.extend(node_line(node, "    ") for node in members)
        lines.append("  end")
    broken = []
    for number, edge in enumerate(picture.edges):
        arrow = "-.->" if edge.uncertain else "-->"
        text = edge.broken_label if edge.broken else edge.label
        lines.append(f'  {ids[edge.source]} {arrow}{"|" + chr(34) + label(text) + chr(34) + "|" if text else ""} '
                     f"{ids[edge.target]}")
        if edge.broken:
            broken.append(number)
    for name, style in _CLASSES.items():
        lines.append(f"  classDef {name} {style}")
    for kind in ("route", "integration", "function", "stage", "api", "target"):
        members = [ids[n.id] for n in picture.nodes if n.kind == kind]
        if members:
            lines.append(f"  class {','.join(members)} {kind}")
    bad = [ids[n.id] for n in picture.nodes if n.broken]
    if bad:
        lines.append(f"  class {','.join(bad)} broken")
    if broken:
        lines.append(f"  linkStyle {','.join(map(str, broken))} {BROKEN_STYLE}")
    return "\n".join(lines)


def _resource_tree(methods, node_line) -> list[str]:
    """REST methods in nested subgraphs, one per resource path (`/pets` holding `/pets/{id}`)."""
    if not methods:
        return []
    by_path: dict[str, list] = {}
    for node in methods:
        by_path.setdefault(node.resource, []).append(node)
    paths = set(by_path) | {"/"}
    for path in list(paths):  # every ancestor holds its descendants, even one without methods
        parts = [p for p in path.split("/") if p]
        paths.update("/" + "/".join(parts[:n]) for n in range(len(parts)))
    children: dict[str, list[str]] = {}
    for path in sorted(paths - {"/"}):
        parent = path.rsplit("/", 1)[0] or "/"
        children.setdefault(parent, []).append(path)
    lines: list[str] = []
    numbers = {path: number for number, path in enumerate(sorted(paths))}

    def emit(path: str, depth: int):
        indent = "  " * (depth + 1)
        name = path if path == "/" else path.rsplit("/", 1)[1]
        lines.append(f'{indent}subgraph res{numbers[path]}["{label("resource " + name)}"]')
        lines.extend(node_line(node, indent + "  ") for node in by_path.get(path, ()))
        for child in children.get(path, ()):
            emit(child, depth + 1)
        lines.append(f"{indent}end")

    emit("/", 0)
    return lines


def markdown_section(graphs, heading: str | None = "###", budget: int | None = None) -> list[str]:
    """Markdown lines: under a heading (or a bold line, heading None) per API, its flowchart in a ```mermaid block (GitHub draws it)
    and what was left out, in plain text too. `budget` caps the characters of all diagrams together
    (a pull-request comment holds 65,536): the APIs past it are named, not drawn (and, given
    wiring_graph.GraphsOnDemand, never built)."""
    lines, used = [], 0
    for position, graph in enumerate(graphs):
        text, left_out = flowchart(graph)
        if budget is not None and used + len(text) > budget:
            rest = getattr(graphs, "api_ids", None) or [g.api_id for g in graphs]
            rest = rest[position:]
            lines += ["", f"Not drawn here (the page would grow past {budget:,} characters of diagrams): API(s) "
                          f"{_md(', '.join(rest))}; `apigw-auditor graph INPUT --api ID` draws one."]
            break
        used += len(text)
        broken = len(graph.broken_edges)
        title = f"Wiring of API {_md(graph.api_id)}{' (' + _md(graph.name) + ')' if graph.name else ''}"
        lines += ["", f"{heading} {title}" if heading else f"**{title}**", "",
                  f"{broken} broken edge(s), drawn red." if broken else "Every edge is healthy.", "",
                  "```mermaid", text, "```"]
        for reason in left_out:
            lines += ["", f"Left out of the drawing: {_md(reason)}."]
    return lines


def _md(text: str) -> str:
    return markdown_text(text)


def mermaid_document(graphs) -> str:
    """`apigw-auditor graph --format mermaid`: one API's flowchart as Mermaid text (what `mmdc` and the
    live editor take); several APIs as Markdown, one ```mermaid block each, since one Mermaid text
    holds one diagram."""
    if len(graphs) == 1:
        return flowchart(graphs[0])[0] + "\n"
    return "\n".join(markdown_section(graphs, "##")).lstrip("\n") + "\n"


__all__ = ["flowchart", "label", "markdown_section", "mermaid_document", "MAX_TEXT", "MAX_EDGES"]

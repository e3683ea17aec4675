"""The wiring graph in Graphviz DOT (`apigw-auditor graph --format dot | dot -Tsvg`): one cluster
per API, routes ranked left of integrations, functions on the right; broken edges red, labelled
with the rule id and what the client gets. Graphviz has no size limit worth cutting for, so every
route is drawn. Every id and label is a quoted DOT string with `"` and `\\` escaped and line
breaks removed, so input text cannot end a string or add an attribute.
"""

from auditor.reports.common import readable

RED = "#d32f2f"
_SHAPES = {"route": "box", "integration": "box3d", "function": "component", "stage": "tab", "api": "house",
           "target": "octagon"}
_FILLS = {"route": "#eef4ff", "integration": "#f3f0ff", "function": "#eefaf0", "stage": "#f7f7f7",
          "api": "#fffbe6", "target": "#fff0f0"}


def quote(text: str) -> str:
    """A DOT double-quoted string holding text literally (no escString sequences survive: `\\` doubled)."""
    text = " ".join(readable(str(text)).split())
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dot_document(graphs) -> str:
    lines = ["digraph wiring {", "  rankdir=LR;", '  node [fontname="Helvetica", fontsize=10, style=filled];',
             '  edge [fontname="Helvetica", fontsize=9];']
    for number, graph in enumerate(graphs):
        from auditor.reports.wiring_graph import drawing
        picture = drawing(graph, max_routes=len(graph.nodes) + 1)
        prefix = f"a{number}_"
        ids = {node.id: f"{prefix}n{index}" for index, node in enumerate(picture.nodes)}
        lines.append(f"  subgraph cluster_{number} {{")
        title = f"API {graph.api_id}" + (f" ({graph.name})" if graph.name else "") + f" {graph.account}/{graph.region}"
        lines.append(f"    label={quote(title)};")
        for node in picture.nodes:
            attributes = [f"label={quote(node.label)}" if not node.detail else
                          f"label={quote(node.label)[:-1]}\\n{quote(node.detail)[1:]}",
                          f"shape={_SHAPES[node.kind]}", f'fillcolor="{_FILLS[node.kind]}"']
            if node.broken:
                attributes += [f'color="{RED}"', "penwidth=2"]
            lines.append(f"    {ids[node.id]} [{', '.join(attributes)}];")
        if graph.api_type == "REST":
            lines.extend(_resource_tree(picture, ids, prefix))
        for kind in ("route", "integration", "function"):
            members = [ids[n.id] for n in picture.nodes if n.kind == kind]
            if members:
                lines.append(f"    {{ rank=same; {'; '.join(members)}; }}")
        for edge in picture.edges:
            attributes = []
            text = edge.broken_label if edge.broken else edge.label
            if text:
                attributes.append(f"label={quote(text)}")
            if edge.broken:
                attributes += [f'color="{RED}"', f'fontcolor="{RED}"', "penwidth=2.5"]
            if edge.uncertain:
                attributes.append("style=dashed")
            lines.append(f"    {ids[edge.source]} -> {ids[edge.target]}"
                         + (f" [{', '.join(attributes)}]" if attributes else "") + ";")
        lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _resource_tree(picture, ids: dict, prefix: str) -> list[str]:
    """A REST API's resources as folders, each under its parent and over its methods (dotted, no arrows)."""
    methods = [n for n in picture.nodes if n.kind == "route" and n.resource is not None]
    if not methods:
        return []
    paths = {"/"} | {n.resource for n in methods}
    for path in list(paths):
        parts = [p for p in path.split("/") if p]
        paths.update("/" + "/".join(parts[:n]) for n in range(len(parts)))
    names = {path: f"{prefix}res{number}" for number, path in enumerate(sorted(paths))}
    tree = 'style=dotted, arrowhead=none, color="#8a94a3"'
    lines = [f'    {names[path]} [label={quote("resource " + path)}, shape=folder, fillcolor="#ffffff"];'
             for path in sorted(paths)]
    api = next((ids[n.id] for n in picture.nodes if n.kind == "api"), None)
    if api is not None:
        lines.append(f"    {api} -> {names['/']} [{tree}];")
    for path in sorted(paths - {"/"}):
        lines.append(f"    {names[path.rsplit('/', 1)[0] or '/']} -> {names[path]} [{tree}];")
    lines += [f"    {names[n.resource]} -> {ids[n.id]} [{tree}];" for n in methods]
    return lines


__all__ = ["dot_document", "quote"]

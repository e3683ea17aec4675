"""A strict checker for the subset of Mermaid flowchart syntax apigw-auditor emits.

Every line must be one of the statement forms below, ids must be declared before use, linkStyle
indexes must name drawn edges, and every label is made of the safe characters, `<br/>` and entity
codes (`#60;`) only, so a label can neither end its quotes nor start a statement. `parse` returns
what a reader needs to check the picture: nodes with decoded labels, edges in order, red edges.
"""

import re
from dataclasses import dataclass, field

LABEL = r'(?:[A-Za-z0-9 .,:/_=+*@\-]|#\d{1,7};|<br/>)*'
NODE_ID, GROUP_ID = r"n\d+", r"(?:g|res)\d+"  # res: a REST API's resources, nested as its tree
STATEMENTS = {
    "comment": re.compile(rf"^  %% ({LABEL})$"),
    "node": re.compile(rf'^((?:  )+)({NODE_ID})\["({LABEL})"\]$'),
    "subgraph": re.compile(rf'^((?:  )+)subgraph ({GROUP_ID})\["({LABEL})"\]$'),
    "end": re.compile(r"^((?:  )+)end$"),
    "edge": re.compile(rf'^  ({NODE_ID}) (-->|-\.->)(?:\|"({LABEL})"\|)? ({NODE_ID})$'),
    "classDef": re.compile(r"^  classDef ([a-z]+) ([a-z-]+:[#\w.]+(?:,[a-z-]+:[#\w.]+)*)$"),
    "class": re.compile(rf"^  class ({NODE_ID}(?:,{NODE_ID})*) ([a-z]+)$"),
    "linkStyle": re.compile(r"^  linkStyle (\d+(?:,\d+)*) ([a-z-]+:[#\w.]+(?:,[a-z-]+:[#\w.]+)*)$"),
}


class GrammarError(AssertionError):
    pass


@dataclass
class Flowchart:
    nodes: dict = field(default_factory=dict)  # id -> decoded label
    groups: dict = field(default_factory=dict)
    edges: list = field(default_factory=list)  # (source, arrow, decoded label or None, target)
    red: set = field(default_factory=set)  # indexes of edges styled red
    classes: dict = field(default_factory=dict)  # class name -> node ids
    comments: list = field(default_factory=list)


def decode(label: str) -> str:
    if "--" in label:
        raise GrammarError(f"`--` in label {label!r}")
    return re.sub(r"#(\d+);", lambda m: chr(int(m.group(1))), label.replace("<br/>", "\n"))


def parse(text: str, max_text: int = 50_000, max_edges: int = 500) -> Flowchart:
    if len(text) > max_text:
        raise GrammarError(f"{len(text)} characters: over Mermaid's maxTextSize {max_text}")
    lines = text.rstrip("\n").split("\n")
    if lines[0] != "flowchart LR":
        raise GrammarError(f"first line {lines[0]!r} is not `flowchart LR`")
    chart, defined_classes, stack = Flowchart(), {}, []  # stack: the subgraphs open, outermost first
    for number, line in enumerate(lines[1:], start=2):
        kind, match = next(((k, m) for k, p in STATEMENTS.items() if (m := p.match(line))), (None, None))
        if kind is None:
            raise GrammarError(f"line {number}: not in the grammar: {line!r}")
        if kind == "comment":
            chart.comments.append(decode(match.group(1)))
        elif kind == "node":
            if len(match.group(1)) != 2 * (len(stack) + 1):
                raise GrammarError(f"line {number}: node indentation does not match its subgraph")
            if match.group(2) in chart.nodes:
                raise GrammarError(f"line {number}: node {match.group(2)} declared twice")
            chart.nodes[match.group(2)] = decode(match.group(3))
            if stack:
                chart.groups[stack[-1]][1].append(match.group(2))
        elif kind == "subgraph":
            if len(match.group(1)) != 2 * (len(stack) + 1) or match.group(2) in chart.groups:
                raise GrammarError(f"line {number}: subgraph indentation does not match its nesting, or id reused")
            if stack and not match.group(2).startswith("res"):
                raise GrammarError(f"line {number}: nested subgraph")  # only a REST resource tree nests
            stack.append(match.group(2))
            chart.groups[stack[-1]] = (decode(match.group(3)), [])
        elif kind == "end":
            if not stack or len(match.group(1)) != 2 * len(stack):
                raise GrammarError(f"line {number}: `end` outside a subgraph, or indented unlike it")
            stack.pop()
        elif kind == "edge":
            source, arrow, label, target = match.groups()
            for node in (source, target):
                if node not in chart.nodes:
                    raise GrammarError(f"line {number}: edge uses undeclared node {node}")
            chart.edges.append((source, arrow, decode(label) if label is not None else None, target))
        elif kind == "classDef":
            defined_classes[match.group(1)] = match.group(2)
        elif kind == "class":
            members = match.group(1).split(",")
            if match.group(2) not in defined_classes or any(m not in chart.nodes for m in members):
                raise GrammarError(f"line {number}: class of an undefined class or node")
            chart.classes.setdefault(match.group(2), set()).update(members)
        elif kind == "linkStyle":
            indexes = [int(i) for i in match.group(1).split(",")]
            if any(i >= len(chart.edges) for i in indexes):
                raise GrammarError(f"line {number}: linkStyle names an edge that does not exist")
            if "stroke:#d32f2f" in match.group(2):
                chart.red.update(indexes)
    if stack:
        raise GrammarError("subgraph not closed")
    if len(chart.edges) > max_edges:
        raise GrammarError(f"{len(chart.edges)} edges: over Mermaid's maxEdges {max_edges}")
    return chart


def red_edges(chart: Flowchart) -> set[tuple[str, str, str]]:
    """(source label's first line, target label's first line, edge label) of every red edge."""
    def first(node):
        return chart.nodes[node].split("\n")[0]
    return {(first(s), first(t), label or "") for i, (s, _, label, t) in enumerate(chart.edges) if i in chart.red}

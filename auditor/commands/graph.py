"""`apigw-auditor graph`: each HTTP and WebSocket API's wiring (stages, routes, integrations, functions and the
permissions between them) as a Mermaid or Graphviz drawing, broken edges red."""

ORDER = 37

import argparse

from auditor.output import check_not_an_input, write_text

EXIT_HEALTHY, EXIT_BROKEN = 0, 1

EPILOG = """examples:
  apigw-auditor graph snapshot.json --api abc123def4 > wiring.mmd
  apigw-auditor graph template.yaml --format dot | dot -Tsvg > wiring.svg

One API gives Mermaid text (for mmdc or the live editor); several give Markdown with one
```mermaid block per API, as GitHub renders it. Large APIs are folded per integration to stay
within GitHub's Mermaid limits (the drawing says what was left out); DOT draws every route.

exit codes:
  0  drawn; every edge is healthy
  1  drawn; at least one edge is broken (red: a request along it gets 404 or 500)
  2  usage error: unknown API id, unreadable or malformed input
"""


def add_parser(sub, epilog: str) -> None:
    from auditor.commands.explain import add_input_arguments
    parser = sub.add_parser(
        "graph", help="draw each API's wiring (Mermaid or Graphviz DOT), broken edges red",
        description="Draw the wiring of HTTP and WebSocket APIs: stages, routes grouped by the integration they target, "
                    "integrations, the functions (with qualifiers) they invoke, and the permission that lets each "
                    "route through. A broken edge is red and labelled with the rule that explains it and what the "
                    "client gets (404/500), as `explain` predicts for a request along it.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input", metavar="SNAPSHOT-OR-TEMPLATE", nargs="?",
                        help="snapshot file (or template) holding the APIs; omit it with --live")
    parser.add_argument("--api", metavar="ID", help="draw only this API (default: every HTTP, REST and WebSocket API in the input)")
    from auditor.commands import choice
    parser.add_argument("--format", type=choice(["mermaid", "dot"], "format"), default="mermaid", metavar="FORMAT",
                        help="mermaid (GitHub renders it) or dot (Graphviz); default: mermaid")
    parser.add_argument("--output", "-o", metavar="FILE", help="write the drawing to FILE (whole or not at all)")
    add_input_arguments(parser, url=False)
    parser.add_argument("--live", action="store_true",
                        help="draw what is deployed: collect from AWS now (read-only, as `apigw-auditor snapshot`; "
                             "with --organization, every account)")
    from auditor.live import add_live_arguments
    add_live_arguments(parser, region=False)
    parser.add_argument("--quiet", "-q", action="store_true", help="--live: no progress display on stderr")
    parser.set_defaults(run=run)


def run(args) -> int:
    from auditor.commands.explain import load_input, select_input_api, simulator_for
    from auditor.errors import UsageError
    from auditor.reports.wiring_graph import build_graphs

    from auditor.live import live_options_given
    if args.live:
        if args.input is not None:
            raise UsageError("--live collects from AWS: give no SNAPSHOT-OR-TEMPLATE with it")
        from auditor.live import collect_for_cli, to_model
        snapshot = to_model(collect_for_cli(args))
        args.input = "<live>"
    elif args.input is None:
        raise UsageError("give a SNAPSHOT-OR-TEMPLATE, or --live to collect from AWS")
    elif live_options_given(args):
        raise UsageError(f"{', '.join(live_options_given(args))} only work(s) with --live")
    else:
        check_not_an_input(args.output, [args.input])
        snapshot = load_input(args)
    simulator = simulator_for(args, snapshot)
    if args.api is not None:
        select_input_api(simulator, args.input, args.api, None, None)  # an unknown or ambiguous id: a usage error naming it
    graphs = build_graphs(simulator.snapshot, simulator, args.api)
    if not graphs:
        raise UsageError(f"{args.input}: the input holds no HTTP or WebSocket API to draw")
    if args.format == "dot":
        from auditor.reports.dot import dot_document
        text = dot_document(graphs)
    else:
        from auditor.reports.mermaid import mermaid_document
        text = mermaid_document(graphs)
    write_text(text, args.output)
    return EXIT_BROKEN if any(graph.broken_edges for graph in graphs) else EXIT_HEALTHY

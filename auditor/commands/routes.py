"""`apigw-auditor routes`: an API's routing table in priority order, with where each route leads."""

ORDER = 35

import argparse
import json

from auditor.errors import UsageError
from auditor.commands import choice, exit_codes
from auditor.commands.explain import add_input_arguments, load_input, select_input_api, simulator_for
from auditor.core.arns import is_unresolved
from auditor.output import check_not_an_input, write_text


def add_parser(sub, epilog: str) -> None:
    parser = sub.add_parser(
        "routes", help="show an API's routes in priority order with integration, function and permission",
        description="The routing table of one HTTP or WebSocket API: routes in the order API Gateway prefers "
                    "them (full matches, literal before {param}, specific method before ANY; then greedy {proxy+}; "
                    "then $default; for WebSocket APIs $connect, $disconnect, the custom routes the selection "
                    "expression names, then $default), each with its integration, the function it invokes, whether the function's "
                    "permission covers it on every stage, and the rules that fire on it.",
        epilog=exit_codes((0, "the routing table was printed (whatever it shows)"),
                          (2, "usage error: unknown API id, bad URL, several APIs and no --api, unreadable input")),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input", metavar="SNAPSHOT-OR-TEMPLATE", help="snapshot file (or template) holding the API")
    parser.add_argument("--api", metavar="ID", help="the API id (needed when the input holds several HTTP APIs)")
    parser.add_argument("--url", metavar="URL", help="pick the API (and region) by its invoke URL "
                                                     "https://<api-id>.execute-api.<region>.amazonaws.com/...")
    parser.add_argument("--format", type=choice(["table", "json"], "format"), default="table", metavar="FORMAT",
                        help="output format: table or json (default: table)")
    parser.add_argument("--output", "-o", metavar="FILE", help="write the table (or JSON) to FILE")
    add_input_arguments(parser)
    parser.set_defaults(run=run)


def run(args) -> int:
    from auditor.core.simulate import routing_table

    check_not_an_input(args.output, [args.input])
    api_id, region = args.api, None
    if args.url:
        from auditor.core.simulate import parse_invoke_url
        try:
            url_api, region, _, _ = parse_invoke_url(args.url)
        except ValueError as exc:
            raise UsageError(f"not an invoke URL: {args.url!r} ({exc})") from None
        if api_id and api_id != url_api:
            raise UsageError(f"--api {api_id} contradicts the URL's API id {url_api}")
        api_id = url_api
    simulator = simulator_for(args, load_input(args, region))
    api = select_input_api(simulator, args.input, api_id, region, None)
    table = routing_table(simulator, api)
    text = json.dumps(table, indent=2) + "\n" if args.format == "json" else render_text(table)
    write_text(text, args.output)
    return 0


_TARGET_PROBLEM = {"prefix": "target lacks `integrations/`", "missing": "no target",
                   "unknown": "unknown integration", "foreign": "another API's integration",
                   "not-collected": "integrations not in input"}
_PERMISSION = {"covered": "yes", "credentials": "role (CredentialsArn)", "missing": "no: no permission",
               "api-mismatch": "no: names another API", "qualifier-mismatch": "no: other alias/version",
               "function-missing": "function missing", "not-in-snapshot": "function not in input",
               "dynamic": "stage variable", "invalid": "-", "not-applicable": "-",
               "cross-partition": "no: function in another partition", "unresolved": "not known before deployment",
               "unknown": "stage name not known before deployment"}


def _permission(cell) -> str:
    if cell is None:
        return "-"
    status = cell["status"]
    if status in ("uncovered", "partial"):
        gaps = [stage for stage, verdict in cell["by_stage"].items() if verdict != "allowed"]
        return f"{'no' if status == 'uncovered' else 'partly'} on {', '.join(gaps)}"
    return _PERMISSION.get(status, status)


def render_text(table: dict) -> str:
    from auditor.escape import visible_all
    table = visible_all(table)  # names as escapes: one line each, nothing sent to the terminal
    from auditor.tables import tabulate

    api = table["api"]
    lines = [f"API {api['id']}{' (' + api['name'] + ')' if api['name'] else ''}, account {api['account']}, "
             f"{api['region']}"]
    if api.get("protocol") == "WEBSOCKET":
        lines[0] = "WebSocket " + lines[0] + f"; route selection expression {api.get('route_selection_expression')}"
    if table["stages"]:
        stages = ", ".join(f"{s['name']} ({s['deployment'] or 'not deployed'})" for s in table["stages"])
        lines.append(f"Stages: {stages}")
    else:
        lines.append("Stages: none (every request gets 404)")
    rows = []
    for route in table["routes"]:
        integration = route["integration"]
        if integration is None:
            target = _TARGET_PROBLEM.get(route["target_state"], route["target_state"])
            if route["target"]:
                target += f" ({route['target']})"
        else:
            target = (f"{integration['type'] or 'untyped'}" if table["api"].get("type") == "REST" else
                      f"{integration['id']} {integration['type'] or 'untyped'}")
            if integration.get("subtype"):
                target += f" {integration['subtype']}"
            elif integration.get("payload_format_version"):
                target += f" {integration['payload_format_version']}"
        function = route["function"]
        function_text = "-" if function is None else function["name"] + (f":{function['qualifier']}"
                                                                          if function["qualifier"] else "")
        unknown = route["priority"] is None and is_unresolved(route["route_key"])
        rows.append([route["priority"] or ("?" if unknown else "never"), route["route_key"], target, function_text,
                     _permission(route["permission"]), ", ".join(route["findings"]) or "-"])
    if rows:
        lines.append(tabulate(rows, headers=["#", "route", "integration", "function", "permission", "rules"],
                              tablefmt="simple", maxcolwidths=[None, 40, 36, 36, 24, 30]))
    else:
        lines.append("No routes: every request gets 404.")
    return "\n".join(lines) + "\n"

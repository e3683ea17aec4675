"""`apigw-auditor explain`: what one request gets from the API, step by step, and why."""

ORDER = 30

import argparse
import itertools
import json

from auditor.commands import choice
from auditor.errors import UsageError
from auditor.output import check_not_an_input, write_text

EXIT_REACHES, EXIT_FAILS = 0, 1

USAGE_EXAMPLES = """examples:
  apigw-auditor explain snapshot.json GET /items/42
  apigw-auditor explain snapshot.json --api abc123def4 --stage prod POST /items
  apigw-auditor explain snapshot.json https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/items
  apigw-auditor explain snapshot.json --url https://abc123def4.execute-api.us-east-1.amazonaws.com/items POST
  apigw-auditor explain template.yaml '$connect' --stage prod          (a WebSocket API's handshake)
  apigw-auditor explain template.yaml --message '{"action":"sendmessage"}'   (a WebSocket message)
  apigw-auditor explain snapshot.json wss://ws1chat234.execute-api.us-east-1.amazonaws.com/prod

exit codes:
  0  the request reaches the function (or the integration's backend)
  1  it does not (404, 500, 403...), or the input cannot tell
  2  usage error: unknown API id, bad URL, several APIs and no --api, unreadable input
"""


def add_parser(sub, epilog: str) -> None:
    parser = sub.add_parser(
        "explain", help="predict what a request gets (stage, route, integration, permission) and why",
        description="Simulate one request against an HTTP API in a snapshot (or template): the stage and route "
                    "API Gateway picks, the integration and function it calls, each policy statement's verdict on "
                    "the request's execute-api ARN, and the status the client gets, with the rule and fix that "
                    "explain a failure.",
        usage="apigw-auditor explain [options] SNAPSHOT-OR-TEMPLATE [METHOD] PATH-OR-URL",
        epilog=USAGE_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input", metavar="SNAPSHOT-OR-TEMPLATE", help="snapshot file (or template) holding the API")
    request = parser.add_argument("request", nargs="+", metavar="REQUEST",
                        help="the request: METHOD PATH, METHOD URL, or just PATH or URL (GET); with --url, METHOD; "
                             "for a WebSocket API `$connect`, `$disconnect` or a wss:// URL")
    parser.add_argument("--message", metavar="JSON",
                        help="WebSocket APIs: a message (its text, e.g. '{\"action\":\"sendmessage\"}') to route "
                             "through the API's route selection expression")
    # `+`, not `*`, so REQUEST words after options still land here; optional, for `--message` alone
    request.required = False
    parser.add_argument("--api", metavar="ID", help="the API id (needed when the input holds several HTTP APIs)")
    parser.add_argument("--url", metavar="URL",
                        help="invoke URL https://<api-id>.execute-api.<region>.amazonaws.com/[stage/]path")
    parser.add_argument("--stage", metavar="NAME",
                        help="send the request to this stage (PATH is then relative to it); default: the first "
                             "path segment if it names a stage, else $default")
    parser.add_argument("--header", action="append", dest="headers", metavar="NAME:VALUE",
                        help="a header the request carries (repeatable); with none given, a Lambda authorizer's "
                             "header identity sources are assumed present and listed as conditions")
    parser.add_argument("--format", type=choice(["table", "json"], "format"), default="table", metavar="FORMAT",
                        help="output format: table or json (default: table)")
    parser.add_argument("--output", "-o", metavar="FILE", help="write the explanation to FILE")
    add_input_arguments(parser)
    parser.set_defaults(run=run)


def account_id(text: str) -> str:
    """argparse type of --account: an AWS account id is 12 digits (it goes into every ARN built)."""
    if not (len(text) == 12 and text.isascii() and text.isdigit()):
        raise argparse.ArgumentTypeError(f"an AWS account id is 12 digits, got {text!r}")
    return text


def add_input_arguments(parser, url: bool = True) -> None:
    """What templates leave open, as `audit` takes it (shared with `routes`)."""
    from auditor.inputs import INPUT_TYPES
    parser.add_argument("--input-type", type=choice(INPUT_TYPES, "input type"), metavar="TYPE",
                        help="what the input is, instead of detecting it from content: " + ", ".join(INPUT_TYPES))
    parser.add_argument("--region", action="append", dest="regions", metavar="REGION",
                        help="templates: the region to assume" + (" (default: an invoke URL's region)" if url else ""))
    parser.add_argument("--account", metavar="ID", type=account_id, help="templates/plans: the account to assume")
    parser.add_argument("--parameter", action="append", dest="parameters", metavar="KEY=VALUE",
                        help="templates: a parameter value (repeatable)")
    parser.add_argument("--var", action="append", dest="tf_vars", metavar="NAME=VALUE",
                        help="Terraform source: a variable's value, as terraform -var (repeatable)")
    parser.add_argument("--var-file", action="append", dest="tf_var_files", metavar="FILE",
                        help="Terraform source: a .tfvars file, as terraform -var-file (repeatable)")
    from auditor.config import add_config_arguments
    add_config_arguments(parser)  # custom rules and severity overrides apply; select/ignore hide nothing here


def simulator_for(args, snapshot):
    """The simulator with the rules `audit` would run from the same configuration: built-in, plugin
    and custom rules, with severity overrides (select/ignore do not hide what a request meets)."""
    from auditor.config import load_rules, severity_overrides
    from auditor.core.simulate import Simulator
    config, available = load_rules(args.config, args.rules_files)
    return Simulator(snapshot, available, severity_overrides(config, available))


def load_input(args, url_region: str | None = None):
    """The one input through auditor.inputs, like `audit` (snapshot files ignore the template options)."""
    from auditor.inputs import load_inputs
    if args.input_type == "snapshot" or not (args.regions or args.account or args.parameters or url_region
                                             or args.tf_vars or args.tf_var_files):
        return load_inputs([args.input], args.input_type)
    from auditor.iac import parse_parameters, region_of
    from auditor.iac.hcl import parse_variables
    return load_inputs([args.input], args.input_type, region_of(args.regions) or url_region, args.account,
                       parse_parameters(args.parameters), parse_variables(args.tf_vars), args.tf_var_files)


def _is_url(text: str) -> bool:
    return text.startswith(("https://", "http://"))


_WEBSOCKET_WORDS = ("$connect", "$disconnect")


def build_websocket_request(args):
    """`$connect`, `$disconnect`, a wss:// URL, or --message: a WebSocket connection or message."""
    from auditor.core.simulate import parse_invoke_url
    from auditor.core.simulate_websocket import WebSocketRequest
    words = list(args.request or ())
    url = args.url
    key = None
    for word in words:
        if word in _WEBSOCKET_WORDS:
            key = word
        elif word.startswith(("wss://", "ws://")):
            url = word
        else:
            raise UsageError(f"a WebSocket request is `$connect`, `$disconnect`, a wss:// URL or --message JSON; got {word!r}")
    if key is not None and args.message is not None:
        raise UsageError(f"give either {key} or --message, not both")
    api_id, region, stage = args.api, None, args.stage
    if url:
        https = "https://" + url.split("://", 1)[1]
        try:
            url_api, region, path, _ = parse_invoke_url(https)
        except ValueError as exc:
            raise UsageError(f"not a WebSocket URL: {url!r} ({exc})") from None
        if api_id and api_id != url_api:
            raise UsageError(f"--api {api_id} contradicts the URL's API id {url_api}")
        api_id = url_api
        named = path.strip("/").split("/")[0]
        if named and stage and named != stage:
            raise UsageError(f"--stage {stage} contradicts the URL's stage {named}")
        stage = stage or named or None
    return WebSocketRequest(route_key=key or (None if args.message is not None else "$connect"), message=args.message,
                            api_id=api_id, region=region, stage=stage, url=url)


def is_websocket_request(args) -> bool:
    words = list(args.request or ())
    return args.message is not None or any(w in _WEBSOCKET_WORDS or w.startswith(("wss://", "ws://")) for w in words) \
        or bool(args.url and args.url.startswith(("wss://", "ws://")))


def build_request(args):
    from auditor.core.simulate import Request, parse_invoke_url

    if is_websocket_request(args):
        return build_websocket_request(args)
    words = list(args.request or ())
    if not words and not args.url:
        raise UsageError("expected METHOD PATH (or an invoke URL), or for a WebSocket API `$connect` or --message")
    if len(words) > 2:
        raise UsageError(f"expected METHOD PATH (or an invoke URL), got {' '.join(words)!r}")
    if len(words) == 1:
        word = words[0]
        if word.startswith("/") or _is_url(word):
            method, where = "GET", word
        elif args.url:
            method, where = word, None
        else:
            raise UsageError(f"expected METHOD PATH (or an invoke URL), got only {word!r}")
    else:
        method, where = words
        if _is_url(method) and not _is_url(where):  # URL METHOD also reads naturally
            method, where = where, method
    if where is not None and args.url:
        raise UsageError("give the request's path or URL once: either --url URL or a PATH/URL argument")
    url = args.url or (where if where and _is_url(where) else None)
    api_id, region, query = args.api, None, ""
    if url:
        from auditor.core.domains import custom_domain_url
        domain = custom_domain_url(url)
        if domain is not None:  # https://api.example.com/...: resolved through the input's API mappings
            host, path, query = domain
            return Request(method=method, path=path, api_id=args.api, stage=args.stage, url=url, query=query,
                           headers=_headers(args), domain=host)
        try:
            api_id_from_url, region, path, query = parse_invoke_url(url)
        except ValueError as exc:  # urllib: an unclosed `[` in the host, a bad port...
            raise UsageError(f"not an invoke URL: {url!r} ({exc})") from None
        if args.api and args.api != api_id_from_url:
            raise UsageError(f"--api {args.api} contradicts the URL's API id {api_id_from_url}")
        api_id = api_id_from_url
    else:
        path = where
        if "?" in path:
            path, query = path.split("?", 1)
        if not path.startswith("/"):
            raise UsageError(f"a request path starts with `/`, got {path!r}")
    return Request(method=method, path=path, api_id=api_id, region=region, stage=args.stage, url=url, query=query,
                   headers=_headers(args))


def _headers(args) -> dict | None:
    """--header NAME:VALUE options as a dict; None when none was given."""
    if not getattr(args, "headers", None):
        return None
    headers = {}
    for header in args.headers:
        name, sep, value = header.partition(":")
        if not sep or not name.strip():
            raise UsageError(f"--header takes NAME:VALUE, got {header!r}")
        headers[name.strip()] = value.strip()
    return headers


def run(args) -> int:
    request = build_request(args)
    check_not_an_input(args.output, [args.input])
    snapshot = load_input(args, request.region)
    simulator = simulator_for(args, snapshot)
    domain = getattr(request, "domain", None)  # custom domains: HTTP and REST requests (core.domains)
    if domain:
        request = simulator.through_domain(request)  # the API and stage its mapping names (UsageError: unknown host)
    if not domain or request.api_id:
        select_input_api(simulator, args.input, request.api_id, request.region,
                         "WEBSOCKET" if is_websocket_request(args) else "HTTP")
    explanation = simulator.explain(request)
    document = explanation.as_dict()
    text = json.dumps(document, indent=2) + "\n" if args.format == "json" else render_text(document)
    write_text(text, args.output)
    return EXIT_REACHES if explanation.verdict.reaches else EXIT_FAILS


def select_input_api(simulator, input_file: str, api_id: str | None, region: str | None = None,
                     protocol: str | None = "HTTP"):
    """The API the command is about; an unknown or ambiguous id names the input file (shared with `routes`)."""
    from auditor.core.simulate import select_api
    try:
        return select_api(simulator.index, api_id, region, protocol)
    except UsageError as exc:
        raise UsageError(f"{input_file}: {exc}") from None


# --------------------------------------------------------------------------- text rendering

def _quote(value) -> str:
    return json.dumps(value)


def render_text(doc: dict) -> str:
    from auditor.escape import visible_all
    doc = visible_all(doc)  # names as escapes: one line each, nothing sent to the terminal
    req, steps, verdict = doc["request"], doc["steps"], doc["verdict"]
    if req.get("protocol") == "websocket":
        return _render_websocket(doc)
    lines = [f"{req['method']} {req['path']}  ->  API {req['api_id']}"
             f"{' (' + req['api_name'] + ')' if req.get('api_name') else ''}, account {req['account']}, "
             f"{req['region']}" + (f", --stage {req['stage']}" if req.get("stage") else ""), ""]
    heading = _numbered(lines)
    stage = steps.get("stage")
    if stage is not None:
        _stage_step(lines, heading, stage)
        if stage.get("name") and stage.get("path_in_stage") != req["path"]:
            lines.append(f"   path within the stage: {stage['path_in_stage']}")
    route = steps.get("route")
    if route is not None and req.get("api_type") == "REST":
        heading("Method", route["chosen"] or "none matches")
        lines.append(f"   resource: {route.get('resource') or 'none matches ' + route.get('path', '')}"
                     + (f", path parameters {route['path_parameters']}" if route.get("path_parameters") else ""))
        for other in route.get("resources") or ():
            if not other["won"]:
                lines.append(f"   lost resource {other['path']}: {other['reason']}")
        for candidate in route["candidates"]:
            lines.append(f"   {'won ' if candidate['won'] else 'no  '} {candidate['route_key']:<28} {candidate['reason']}")
        route = None
    for key, label in (("resource_policy", "resource policy"), ("api_key", "API key")):
        if steps.get(key):
            lines.append(f"   {label}: " + ", ".join(f"{k} {v}" for k, v in steps[key].items() if v is not None))
    if route is not None:
        heading("Route", route["chosen"] or "none matches")
        for candidate in route["candidates"]:
            mark = (f"#{candidate['priority']}" if candidate["priority"] else " -")
            state = ("won " if candidate["won"] else "lost" if candidate["matched"] else
                     "?   " if candidate["matched"] is None else "no  ")  # None: a key not known before deployment
            rule = f" [{candidate['rule_id']}]" if candidate.get("rule_id") else ""
            lines.append(f"   {mark:>3} {state} {candidate['route_key']:<28} {candidate['reason']}{rule}")
        if not route["candidates"]:
            lines.append("   the API has no routes")
    auth = steps.get("authorization")
    if auth is not None:
        lines.append(f"   authorization: {auth['type']} ({auth.get('detail', '')})")
    target = steps.get("target")
    if target is not None:
        heading("Target", f"{target['target'] or '(none)'}")
        lines.append(f"   {target.get('detail', target['state'])}")
        integration = steps.get("integration")
        if integration is not None:
            kind = integration["type"] or "untyped"
            if integration.get("subtype"):
                kind += f" {integration['subtype']}"
            lines.append(f"   integration {integration['id']}: {kind}, payload format "
                         f"{integration['payload_format_version'] or '(not set)'}, timeout {integration['timeout_ms']} ms")
            lines.append(f"   uri: {integration['uri'] or '(none)'}")
            if integration.get("uri_on_stage"):
                lines.append(f"   uri on this stage: {integration['uri_on_stage']}")
            if integration.get("credentials_arn"):
                lines.append(f"   credentials: {integration['credentials_arn']}")
    function = steps.get("function")
    if function is not None:
        qualifier = f"qualifier {function['qualifier']}" if function["qualifier"] else "unqualified"
        heading("Function", f"{function['name']} ({qualifier})")
        lines.append(f"   invokes {function['invoked_arn']}"
                     + (f" (from {function['resolved_from']})" if function.get("resolved_from") else "")
                     + ("" if function["in_input"] else " -- not in the input"))
        source = steps.get("source_arn")
        if source is not None:
            lines.append(f"   execute-api ARN of this request: {source['arn']}")
            for alternative in source.get("alternatives", []):
                lines.append(f"                       or perhaps: {alternative}")
            if source.get("note"):
                lines.append(f"   ({source['note']})")
    permission = steps.get("permission")
    if permission is not None:
        if permission["path"] == "credentials":
            heading("Permission", f"CredentialsArn {permission['role_arn']}")
            lines.append(f"   {permission['detail']}")
        else:
            count = len(permission["statements"])
            heading("Permission", f"resource policy of {function['name']} ({count} statement{'s' * (count != 1)})")
            if not count:
                lines.append("   the function has no resource policy")
            for statement in permission["statements"]:
                lines.extend(_statement_lines(statement))
    lines.append("")
    lines.extend(_verdict_lines(verdict))
    return "\n".join(lines) + "\n"


def _statement_lines(statement: dict) -> list[str]:
    out = [f"   - `{statement['sid'] or '(no Sid)'}` ({statement['effect']}): {statement['verdict']}"]
    for check in statement["checks"]:
        if check["check"] == "source-arn":
            continue
        out.append(f"       {'ok ' if check['ok'] else 'NO '} {check['check']}: {check['detail']}")
    source = next((c for c in statement["checks"] if c["check"] == "source-arn"), None)
    if source is not None and not statement["source_arn_comparisons"]:
        out.append(f"       {'ok ' if source['ok'] else 'NO '} source-arn: {source['detail']}")
    for comparison in statement["source_arn_comparisons"]:
        if comparison["match"]:
            out.append(f"       ok  {comparison['operator']} `{comparison['pattern']}` matches `{comparison['arn']}`")
        else:
            out.append(f"       NO  {comparison['operator']} `{comparison['pattern']}` vs `{comparison['arn']}`: "
                       f"{comparison.get('why', '')}")
    return out


def _indent(text: str, width: int) -> str:
    """Multi-line fixes (a template snippet) stay under their label."""
    return text.replace("\n", "\n" + " " * width)


def _verdict_lines(verdict: dict) -> list[str]:
    if verdict["reaches"]:
        out = [f"Verdict: {verdict['summary']}"]
        for condition in verdict["conditions"]:
            out.append(f"   provided {condition}")
        event = verdict.get("event")
        if event:
            out.append(f"   event payload format {event['payload_format_version']}:")
            for name, value in event["fields"].items():
                out.append(f"     {name} = {_quote(value)}")
            for name, value in event["path_parameters"].items():
                out.append(f"     pathParameters.{name} = {_quote(value)}")
            if not event["path_parameters"]:
                out.append("     pathParameters: none")
    else:
        label = "Verdict (cannot tell)" if verdict["outcome"] == "unknown" else "Verdict"
        out = [f"{label}: {verdict['summary']}"]
        if verdict["rule_id"]:
            out.append(f"   rule: {verdict['rule_id']}" + (f": {verdict['finding']}" if verdict["finding"] else ""))
        if verdict["fix"]:
            out.append("   fix:  " + _indent(verdict["fix"], 9))
    for warning in verdict["warnings"]:
        out.append(f"   warning{' ' + warning['rule_id'] if warning.get('rule_id') else ''}: {warning['message']}")
        if warning.get("fix"):
            out.append("     fix: " + _indent(warning["fix"], 10))
    return out



def _numbered(lines: list[str]):
    """`heading(title, value)` appends the next numbered step to `lines` (shared by every API type's text)."""
    count = itertools.count(1)

    def heading(title: str, value: str) -> None:
        lines.append(f"{next(count)}. {title}: {value}")
    return heading


def _stage_step(lines: list[str], heading, stage: dict) -> None:
    heading("Stage", stage["name"] or "none")
    lines.append(f"   {stage['reason']}" + (f"; it {stage['deployment']}" if stage.get("deployment") else ""))


def _render_websocket(doc: dict) -> str:
    """A WebSocket connection or message: stage, handshake or selection, route, then the shared steps."""
    req, steps, verdict = doc["request"], doc["steps"], doc["verdict"]
    what = f"message {req['message']}" if "message" in req else f"{req['route_key']} (the handshake)" \
        if req.get("route_key") == "$connect" else str(req.get("route_key"))
    lines = [f"{what}  ->  WebSocket API {req['api_id']}" + (f" ({req['api_name']})" if req.get("api_name") else "")
             + f", account {req['account']}, {req['region']}", ""]
    heading = _numbered(lines)
    stage = steps.get("stage")
    if stage is not None:
        _stage_step(lines, heading, stage)
    connection = steps.get("connection")
    if connection is not None:
        heading("Connection", "accepted")
        lines.append(f"   {connection['summary']}")
    selection = steps.get("selection")
    if selection is not None:
        heading("Selection", f"{selection['expression']} -> {selection['value'] if selection['value'] is not None else '(no value)'}")
        lines.append(f"   {selection['reason']}")
    route = steps.get("route")
    if route is not None:
        heading("Route", route["chosen"] or "none")
        if route.get("reason"):
            lines.append(f"   {route['reason']}")
    auth = steps.get("authorization")
    if auth is not None:
        lines.append(f"   authorization: {auth['type']} ({auth.get('detail', '')})")
    target = steps.get("target")
    if target is not None:
        heading("Target", f"{target['target'] or '(none)'}")
        lines.append(f"   {target.get('detail', target['state'])}")
        integration = steps.get("integration")
        if integration is not None:
            lines.append(f"   integration {integration['id']}: {integration['type'] or 'untyped'}, uri "
                         f"{integration['uri'] or '(none)'}")
    function = steps.get("function")
    if function is not None:
        heading("Function", function["name"] + (f" ({function['qualifier']})" if function["qualifier"] else ""))
        source = steps.get("source_arn")
        if source is not None:
            lines.append(f"   execute-api ARN of this route: {source['arn']} ({source['note']})")
    permission = steps.get("permission")
    if permission is not None:
        if permission["path"] == "credentials":
            heading("Permission", f"CredentialsArn {permission['role_arn']}")
        else:
            heading("Permission", f"resource policy of {function['name']} ({len(permission['statements'])} statement(s))")
            for statement in permission["statements"]:
                lines.extend(_statement_lines(statement))
    reply = steps.get("reply")
    if reply is not None:
        heading("Reply", "two-way route" if reply["two_way"] else "one-way route")
        if reply.get("detail"):
            lines.append(f"   {reply['detail']}")
    lines.append("")
    lines.extend(_verdict_lines({**verdict, "event": None}))
    return "\n".join(lines) + "\n"

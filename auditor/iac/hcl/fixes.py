"""Fixes for objects a community module makes: the change belongs in the user's `module` block
(an input of terraform-aws-modules/apigateway-v2 or /lambda), not in the module's resources."""

import json

from auditor.core.arns import parse_lambda_arn, parse_source_arn

_INTEGRATION_INPUTS = {"PayloadFormatVersion": "payload_format_version", "TimeoutInMillis": "timeout_milliseconds",
                       "IntegrationUri": "uri", "IntegrationType": "type", "CredentialsArn": "credentials_arn"}
_ROUTE_INPUTS = {"AuthorizationType": "authorization_type", "AuthorizerId": "authorizer_id"}


def _value(value, context) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    pattern = parse_source_arn(text)
    apis = context.get("apis", {})
    if pattern is not None and pattern.service == "execute-api" and pattern.api_id in apis:
        address = apis[pattern.api_id]
        rest = pattern.resource[len(pattern.api_id):]
        module, _, _ = address.partition(".aws_apigatewayv2_api.")
        if context.get("modules", {}).get(module + ".") == "apigateway-v2":
            return '"${' + module + '.api_execution_arn}' + rest + '"'
        return '"${' + address + '.execution_arn}' + rest + '"'
    return json.dumps(text).replace("${", "$${")


def _nest(path: list[str], leaf: list[tuple[str, str]], indent: int = 2) -> str:
    pad = " " * indent
    if not path:
        width = max(len(k) for k, _ in leaf)
        return "\n".join(f"{pad}{k.ljust(width)} = {v}" for k, v in leaf)
    head, rest = path[0], path[1:]
    return f"{pad}{head} = {{\n{_nest(rest, leaf, indent + 2)}\n{pad}}}"


def _block(module: str, path: list[str], leaf: list[tuple[str, str]]) -> str:
    name = module.rpartition(".")[2].split("[")[0]
    return f'module "{name}" {{\n{_nest(path, leaf)}\n}}'


def _key(key) -> str:
    return json.dumps(str(key))


def _site(context, module: str, location) -> str:
    """file:line of the module block (the finding may be located in another module's resource)."""
    site = context.get("module_sites", {}).get(module + ".")
    if site:
        return site
    return f"{location.file}:{location.line}" if location.line else location.file


def _label(module: str) -> str:
    return 'module "' + module.rpartition("module.")[2].split("[")[0] + '"'


def render_module_call(fix, context: dict, hint: dict, location) -> str | None:
    if fix is None:
        return None
    action, details = fix.action, fix.details
    module, community, kind = hint.get("module", ""), hint.get("community"), hint.get("type")
    where = f"{_site(context, module, location)}: in {_label(module)}"
    if action == "set" and community == "apigateway-v2":
        if kind == "aws_apigatewayv2_integration":
            leaf = [(_INTEGRATION_INPUTS[k], _value(v, context)) for k, v in details.items() if k in _INTEGRATION_INPUTS]
            if leaf:
                return f"{where}, set\n" + _block(module, ["routes", _key(hint.get("key")), "integration"], leaf)
        if kind == "aws_apigatewayv2_route":
            leaf = [(_ROUTE_INPUTS[k], _value(v, context)) for k, v in details.items() if k in _ROUTE_INPUTS]
            if leaf:
                return f"{where}, set\n" + _block(module, ["routes", _key(hint.get("key"))], leaf)
        if kind == "aws_apigatewayv2_stage" and isinstance(details.get("AccessLogSettings"), dict):
            leaf = [("create_log_group", "true"), ("format", json.dumps(details["AccessLogSettings"].get("Format", "")))]
            return f"{where}, set\n" + _block(module, ["stage_access_log_settings"], leaf)
    if action == "add-permission":
        ref = parse_lambda_arn(details.get("FunctionArn", ""))
        function = context.get("functions", {}).get(ref.unqualified_arn if ref else "", "")
        owner, _, _ = function.partition(".aws_lambda_function.")
        if ref and context.get("modules", {}).get(owner + ".") == "lambda":
            leaf = [("service", '"apigateway"'), ("source_arn", _value(details.get("SourceArn", ""), context))]
            return (f"{_site(context, owner, location)}: in {_label(owner)}, add\n"
                    + _block(owner, ["allowed_triggers", "APIGateway"], leaf))
    if action == "replace-statement" and community == "lambda":
        leaf = [("source_arn", _value(details.get("SourceArn", ""), context))]
        return f"{where}, set\n" + _block(module, ["allowed_triggers", _key(hint.get("key"))], leaf)
    if action == "set-function":
        function = context.get("functions", {}).get(details.get("FunctionArn", ""), "")
        owner, _, _ = function.partition(".aws_lambda_function.")
        if context.get("modules", {}).get(owner + ".") == "lambda":
            return (f"{_site(context, owner, location)}: in {_label(owner)}, set\n"
                    + _block(owner, [], [("timeout", str(details.get("Timeout")))]))
    return None

"""`explain` on WebSocket APIs: the handshake and a message, each answer tested against the AWS page that
states it.

- Route ARN without a verb, `<api-id>/<stage>/<route-key>`:
  https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-control-access-iam.html
- `$connect` is called while the connection is initiated; the selection expression's value picks a custom
  route, else `$default`; no match and no `$default`: the service returns an error:
  https://docs.aws.amazon.com/apigateway/latest/developerguide/websocket-api-develop-routes.html
- Lambda authorizers on `$connect` only:
  https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-lambda-auth.html
"""

import json

import pytest

from auditor.cli import main
from tests.websocket.chat import WS_ARN, WS_ID, grant


@pytest.fixture
def explain(tmp_path, capsys):
    def run(doc, *args, fmt="json"):
        path = tmp_path / "ws.json"
        path.write_text(json.dumps(doc))
        capsys.readouterr()
        code = main(["explain", str(path), *args, "--format", fmt])
        out = capsys.readouterr()
        return code, (json.loads(out.out) if fmt == "json" and out.out.strip() else out.out + out.err)
    return run


def test_handshake_reaches_the_connect_function_with_the_verbless_arn(chat, explain):
    """The route ARN is <api-id>/<stage>/<route-key>: https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-control-access-iam.html"""
    code, doc = explain(chat.doc, "$connect")
    assert code == 0
    assert doc["verdict"]["outcome"] == "accepted"
    assert doc["steps"]["source_arn"]["arn"] == f"{WS_ARN}/Prod/$connect"


def test_handshake_refused_when_connect_permission_is_in_the_verb_form(chat, explain):
    """No verb in a WebSocket route ARN, so `/*/GET/*` matches nothing: https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-control-access-iam.html"""
    chat.set_grants("OnConnect", grant(f"{WS_ARN}/*/GET/*"))
    code, doc = explain(chat.doc, "$connect")
    assert code == 1
    verdict = doc["verdict"]
    assert "handshake is refused" in verdict["summary"] and verdict["rule_id"] == "AGW203"
    assert "/*/$connect" in verdict["fix"]


def test_handshake_refused_when_the_connect_permission_is_missing(chat, explain):
    chat.set_grants("OnConnect")
    code, doc = explain(chat.doc, "$connect")
    assert code == 1 and doc["verdict"]["rule_id"] == "AGW201"


def test_handshake_refused_when_the_authorizer_cannot_be_invoked(chat, explain):
    """The Lambda authorizer runs on `$connect`: https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-lambda-auth.html"""
    chat.add_authorizer("$connect", granted=False)
    code, doc = explain(chat.doc, "$connect")
    assert code == 1
    assert doc["verdict"]["rule_id"] == "AGW205" and "handshake is refused" in doc["verdict"]["summary"]


def test_handshake_with_a_working_authorizer_is_conditional_on_it(chat, explain):
    chat.add_authorizer("$connect")
    code, doc = explain(chat.doc, "$connect")
    assert code == 0
    assert any("authorizer" in c for c in doc["verdict"]["conditions"])


def test_message_goes_to_the_route_its_action_names(chat, explain):
    """The selection expression's value names the custom route: https://docs.aws.amazon.com/apigateway/latest/developerguide/websocket-api-develop-routes.html"""
    code, doc = explain(chat.doc, "--message", '{"action": "sendmessage", "data": "hi"}')
    assert code == 0
    assert doc["steps"]["selection"]["value"] == "sendmessage"
    assert doc["steps"]["route"]["chosen"] == "sendmessage"
    assert doc["steps"]["source_arn"]["arn"] == f"{WS_ARN}/Prod/sendmessage"


def _with_default(chat):
    chat.api["Routes"].append({"RouteId": "rf", "RouteKey": "$default", "Target": "integrations/is"})


@pytest.mark.parametrize("message", ['{"action": "nosuchroute"}', '{"other": 1}', "not json"],
                         ids=["unknown-action", "no-action", "not-json"])
def test_message_no_route_takes_goes_to_default(chat, explain, message):
    """Not JSON, not evaluable, or no match: `$default`: https://docs.aws.amazon.com/apigateway/latest/developerguide/websocket-api-develop-routes.html"""
    _with_default(chat)
    code, doc = explain(chat.doc, "--message", message)
    assert code == 0 and doc["steps"]["route"]["chosen"] == "$default"


@pytest.mark.parametrize("message", ['{"action": "nosuchroute"}', "not json"])
def test_message_no_route_takes_and_no_default_gets_the_forbidden_frame(chat, explain, message):
    """No match and no `$default`: "the service returns an error" (https://docs.aws.amazon.com/apigateway/latest/developerguide/websocket-api-develop-routes.html); the frame is the one users report."""
    code, doc = explain(chat.doc, "--message", message)
    assert code == 1
    assert doc["steps"]["route"]["chosen"] is None
    assert '"message": "Forbidden"' in doc["verdict"]["summary"]


def test_message_never_sent_when_the_connection_is_refused(chat, explain):
    chat.set_grants("OnConnect")
    code, doc = explain(chat.doc, "--message", '{"action": "sendmessage"}')
    assert code == 1 and "handshake is refused" in doc["verdict"]["summary"]


def test_message_route_permission_missing_gets_an_error_frame(chat, explain):
    chat.set_grants("SendMessage")
    code, doc = explain(chat.doc, "--message", '{"action": "sendmessage"}')
    assert code == 1 and doc["verdict"]["rule_id"] == "AGW201"
    assert "Internal server error" in doc["verdict"]["summary"]


def test_nested_and_templated_selection_expressions(chat, explain):
    """`${request.body.service}/${request.body.action}` evaluates to `chat/join`: https://docs.aws.amazon.com/apigateway/latest/developerguide/websocket-api-develop-routes.html"""
    chat.api["RouteSelectionExpression"] = "${request.body.service}/${request.body.action}"
    chat.route("sendmessage")["RouteKey"] = "chat/join"
    code, doc = explain(chat.doc, "--message", '{"service": "chat", "action": "join"}')
    assert code == 0 and doc["steps"]["route"]["chosen"] == "chat/join"


def test_wss_url_names_the_api_and_stage(chat, explain):
    code, doc = explain(chat.doc, f"wss://{WS_ID}.execute-api.us-east-1.amazonaws.com/Prod")
    assert code == 0 and doc["steps"]["stage"]["name"] == "Prod"
    code, doc = explain(chat.doc, f"wss://{WS_ID}.execute-api.us-east-1.amazonaws.com/nostage")
    assert code == 1


def test_http_request_to_a_websocket_api_is_a_usage_error(chat, explain):
    code, text = explain(chat.doc, "--api", WS_ID, "GET", "/", fmt="table")
    assert code == 2 and "WebSocket API" in text


def test_table_output_shows_the_selection(chat, explain):
    code, text = explain(chat.doc, "--message", '{"action": "sendmessage"}', fmt="table")
    assert code == 0
    assert "Selection: $request.body.action -> sendmessage" in text
    assert f"{WS_ID}/Prod/sendmessage" in text


def test_nested_path_and_non_string_values_are_stringified(chat, explain):
    """"The result will be stringified": https://docs.aws.amazon.com/apigateway/latest/developerguide/websocket-api-develop-routes.html"""
    chat.api["RouteSelectionExpression"] = "$request.body.data.kind"
    chat.route("sendmessage")["RouteKey"] = "5"
    code, doc = explain(chat.doc, "--message", '{"data": {"kind": 5}}')
    assert code == 0 and doc["steps"]["selection"]["value"] == "5" and doc["steps"]["route"]["chosen"] == "5"


def test_a_message_naming_a_predefined_key_does_not_reach_connect(chat, explain):
    code, doc = explain(chat.doc, "--message", '{"action": "$connect"}')
    assert code == 1 and doc["steps"]["route"]["chosen"] is None


def test_http_explain_on_a_websocket_only_input_says_how(chat, explain):
    code, text = explain(chat.doc, "GET", "/", fmt="table")
    assert code == 2 and "--message" in text and "$connect" in text


def test_graph_builds_a_message_for_each_custom_route(chat, tmp_path, capsys):
    """The drawing simulates a message the selection expression routes to each custom route."""
    chat.api["RouteSelectionExpression"] = "${request.body.service}/${request.body.action}"
    chat.route("sendmessage")["RouteKey"] = "chat/send"
    path = tmp_path / "ws.json"
    path.write_text(json.dumps(chat.doc))
    capsys.readouterr()
    assert main(["graph", str(path)]) == 0
    assert capsys.readouterr().out.count("allowed by apigateway-invoke") == 3


def test_routes_not_in_the_input_leave_the_answer_unknown(chat, explain):
    del chat.api["Routes"]
    for words in (["$connect"], ["$disconnect"], ["--message", '{"action": "sendmessage"}']):
        code, doc = explain(chat.doc, *words)
        assert code == 1 and doc["verdict"]["outcome"] == "unknown", words

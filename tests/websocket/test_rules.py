"""WebSocket APIs through the rule engine: the shared rules (one id per concept) and AGW13x/AGW23x.

AWS pages each expectation rests on:
- route ARN `<api-id>/<stage>/<route-key>`, no verb:
  https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-control-access-iam.html
- Lambda authorizers on `$connect` only:
  https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-lambda-auth.html
- route selection expressions, `$default`:
  https://docs.aws.amazon.com/apigateway/latest/developerguide/websocket-api-develop-routes.html
"""

from tests.websocket.chat import WS_ARN, WS_ID, grant
from tests.websocket.conftest import findings_of, rule_ids


def test_the_correct_chat_api_audits_clean(chat, audit):
    code, report = audit(chat.doc)
    assert code == 0
    assert rule_ids(report, "low") == []
    assert report["summary"]["skipped_apis"] == []


def test_websocket_findings_name_the_api(chat, audit):
    chat.route("sendmessage")["Target"] = "is"
    (finding,) = findings_of(audit(chat.doc)[1], "AGW101")
    assert finding["resource"]["api_id"] == WS_ID and finding["resource"]["route_key"] == "sendmessage"
    assert "integrations/is" in finding["remediation"]


def test_grant_in_the_verb_form_covers_no_websocket_route(chat, audit):
    chat.set_grants("OnConnect", grant(f"{WS_ARN}/*/GET/*"))
    code, report = audit(chat.doc)
    assert code == 1
    (uncovered,) = findings_of(report, "AGW203")
    assert uncovered["resource"]["route_key"] == "$connect"
    assert f"{WS_ID}/Prod/$connect" in uncovered["message"] and "HTTP form" in uncovered["message"]
    assert "/*/$connect" in uncovered["remediation"]
    (refused,) = findings_of(report, "AGW230")
    assert "refuses every connection" in refused["message"] and "AGW203" in refused["message"]


def test_grant_naming_the_route_key_covers_it(chat, audit):
    chat.set_grants("OnConnect", grant(f"{WS_ARN}/*/$connect"))
    assert not {"AGW203", "AGW230"} & set(rule_ids(audit(chat.doc)[1]))


def test_grant_for_another_route_key_leaves_connect_uncovered(chat, audit):
    chat.set_grants("OnConnect", grant(f"{WS_ARN}/*/$disconnect"))
    report = audit(chat.doc)[1]
    assert [f["resource"]["route_key"] for f in findings_of(report, "AGW203")] == ["$connect"]


def test_missing_connect_permission_is_agw201_and_refuses_every_connection(chat, audit):
    chat.set_grants("OnConnect")
    report = audit(chat.doc)[1]
    (missing,) = findings_of(report, "AGW201")
    assert "OnConnect" in missing["message"]
    (refused,) = findings_of(report, "AGW230")
    assert "AGW201" in refused["message"] and "/*/$connect" in refused["remediation"]


def test_missing_permission_on_a_message_route_does_not_refuse_connections(chat, audit):
    chat.set_grants("SendMessage")
    ids = rule_ids(audit(chat.doc)[1])
    assert "AGW201" in ids and "AGW230" not in ids


def test_permission_for_another_api_is_agw202(chat, audit):
    chat.set_grants("OnConnect", grant(WS_ARN.replace(WS_ID, "other00000") + "/*"))
    assert "AGW202" in rule_ids(audit(chat.doc)[1])


def test_statements_without_or_with_broad_source_arn(chat, audit):
    chat.set_grants("SendMessage", grant(None, function="SendMessage"))
    chat.set_grants("OnDisconnect", grant(WS_ARN.replace(WS_ID, "*") + "/*", function="OnDisconnect"))
    ids = rule_ids(audit(chat.doc)[1])
    assert "AGW301" in ids and "AGW302" in ids


def test_public_function_is_agw303(chat, audit):
    statement = grant(None, function="SendMessage")
    statement["Principal"] = "*"
    chat.set_grants("SendMessage", statement)
    assert "AGW303" in rule_ids(audit(chat.doc)[1])


def test_authorizer_on_a_message_route_is_agw231(chat, audit):
    chat.add_authorizer("sendmessage")
    report = audit(chat.doc)[1]
    (finding,) = findings_of(report, "AGW231")
    assert finding["resource"]["route_key"] == "sendmessage"
    assert "--authorization-type NONE" in finding["remediation"]
    assert "--route-id rc --authorization-type CUSTOM --authorizer-id au1" in finding["remediation"]


def test_authorizer_on_connect_is_fine(chat, audit):
    chat.add_authorizer("$connect")
    ids = rule_ids(audit(chat.doc)[1])
    assert "AGW231" not in ids and "AGW304" not in ids and "AGW205" not in ids


def test_connect_authorizer_without_permission_refuses_connections(chat, audit):
    chat.add_authorizer("$connect", granted=False)
    report = audit(chat.doc)[1]
    assert findings_of(report, "AGW205")
    (refused,) = findings_of(report, "AGW230")
    assert "authorizer" in refused["message"]


def test_two_way_route_without_route_response_is_agw130(chat, audit):
    chat.route("sendmessage")["RouteResponseSelectionExpression"] = "$default"
    (finding,) = findings_of(audit(chat.doc)[1], "AGW130")
    assert "create-route-response" in finding["remediation"] and "--route-id rs" in finding["remediation"]


def test_two_way_route_with_its_response_is_silent(chat, audit):
    route = chat.route("sendmessage")
    route["RouteResponseSelectionExpression"] = "$default"
    route["RouteResponses"] = [{"RouteResponseId": "rr1", "RouteResponseKey": "$default"}]
    assert "AGW130" not in rule_ids(audit(chat.doc)[1])


def test_two_way_route_with_responses_not_collected_is_not_judged(chat, audit):
    route = chat.route("sendmessage")
    route["RouteResponseSelectionExpression"] = "$default"
    del route["RouteResponses"]
    assert "AGW130" not in rule_ids(audit(chat.doc)[1])


def test_key_the_selection_expression_cannot_produce_is_agw131(chat, audit):
    chat.api["RouteSelectionExpression"] = "${request.body.service}/${request.body.action}"
    chat.api["Routes"].append({"RouteId": "rj", "RouteKey": "chat/join", "Target": "integrations/is"})
    (finding,) = findings_of(audit(chat.doc)[1], "AGW131")
    assert finding["resource"]["route_key"] == "sendmessage"


def test_keys_a_plain_body_reference_can_produce_are_selectable(chat, audit):
    chat.api["Routes"].append({"RouteId": "rj", "RouteKey": "join/room", "Target": "integrations/is"})
    assert "AGW131" not in rule_ids(audit(chat.doc)[1])


def test_unused_integration_and_access_logs_apply_to_websocket(chat, audit):
    chat.api["Integrations"].append({"IntegrationId": "zz", "IntegrationType": "MOCK"})
    del chat.api["Stages"][0]["AccessLogSettings"]
    ids = rule_ids(audit(chat.doc)[1])
    assert "AGW401" in ids and "AGW305" in ids


def test_undeployed_stage_serves_nothing(chat, audit):
    del chat.api["Stages"][0]["DeploymentId"]
    (finding,) = findings_of(audit(chat.doc)[1], "AGW105")
    assert "every connection attempt fails" in finding["message"]
    assert "create-deployment" in finding["remediation"]


def test_http_only_rules_stay_silent_on_websocket(chat, audit):
    chat.api["Integrations"][2]["IntegrationType"] = "AWS"  # a non-proxy Lambda integration: valid for WebSocket
    chat.api["Integrations"][2]["TimeoutInMillis"] = 29000
    chat.route("sendmessage")["RouteKey"] = "send message"
    ids = rule_ids(audit(chat.doc)[1])
    assert not {"AGW104", "AGW111", "AGW112", "AGW115"} & set(ids)


def test_non_proxy_lambda_integration_is_permission_checked(chat, audit):
    chat.api["Integrations"][2]["IntegrationType"] = "AWS"
    chat.set_grants("SendMessage")
    assert "AGW201" in rule_ids(audit(chat.doc)[1])


def test_stage_variables_name_the_function_per_stage(chat, audit):
    from tests.websocket.chat import ACCOUNT, REGION, invocation
    chat.api["Integrations"][2]["IntegrationUri"] = invocation(
        f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:${{stageVariables.fn}}")
    chat.api["Stages"][0]["StageVariables"] = {"fn": "SendMessage"}
    assert not {"AGW000", "AGW201", "AGW113"} & set(rule_ids(audit(chat.doc)[1]))
    chat.api["Stages"][0]["StageVariables"] = {"fn": "Ghost"}
    (finding,) = findings_of(audit(chat.doc)[1], "AGW114")
    assert "Ghost" in finding["message"] and "Prod" in finding["message"]


def test_broken_connect_target_refuses_every_connection(chat, audit):
    chat.route("$connect")["Target"] = "ic"
    del chat.route("sendmessage")["Target"]
    report = audit(chat.doc)[1]
    (prefix,) = findings_of(report, "AGW101")
    assert "every connection is refused" in prefix["message"]
    (refused,) = findings_of(report, "AGW230")
    assert "AGW101" in refused["message"]
    (missing,) = findings_of(report, "AGW103")
    assert "messages routed to it reach no backend" in missing["message"]

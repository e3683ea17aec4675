"""Rule verdicts on tricky but realistic setups, checked against aws-semantics.md.

Each test builds the seed tutorial's correct snapshot (tests/seed.py), changes one thing, runs the
real CLI (`apigw-auditor audit FILE --format json`) and asserts the rule ids and severities a user
sees. Several began as confirmed false positives or misses of an earlier version.
"""

import json

import pytest

from auditor.core.routekey import route_key_problem
from tests.seed import ACCOUNT, API_ARN, API_ID, FUNCTION_ARN, REGION, grant

ALL_API = API_ARN + "/*"
LAMBDA_RULES = {"AGW111", "AGW112", "AGW113", "AGW114", "AGW115", "AGW201", "AGW202", "AGW203", "AGW204", "AGW205"}
PERMISSION_RULES = {"AGW201", "AGW202", "AGW203", "AGW204"}
AUTH_FUNCTION = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:authz"


def rule_ids(report, at_least=None):
    order = ["info", "low", "medium", "high", "critical"]
    return {f["rule_id"] for f in report["findings"]
            if at_least is None or order.index(f["severity"]) >= order.index(at_least)}


def of(report, rule_id):
    return [f for f in report["findings"] if f["rule_id"] == rule_id]


def policy(statements):
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def routes(seed, *keys):
    seed.api["Routes"] = []
    for key in keys:
        seed.add_route(key)


def deny(**kwargs):
    statement = grant(**kwargs)
    statement.update(Effect="Deny", Sid=kwargs.get("sid", "deny"))
    return statement


def invocation_uri(function_arn):
    return f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function_arn}/invocations"


# --------------------------------------------------------------------------- SourceArn forms

def test_sam_implicit_permissions_cover_their_routes(seed, audit):
    routes(seed, "GET /pets/{id}", "ANY /items/{proxy+}", "$default")
    seed.set_statements([grant(API_ARN + "/*/GET/pets/*", sid="pets"), grant(API_ARN + "/*/*/items/*", sid="items"),
                         grant(API_ARN + "/*/*", sid="default")])
    assert not rule_ids(audit(seed.doc)) & PERMISSION_RULES


def test_sam_implicit_permissions_leave_a_route_without_its_own_grant_uncovered(seed, audit):
    routes(seed, "GET /pets/{id}", "ANY /items/{proxy+}", "$default")
    seed.set_statements([grant(API_ARN + "/*/GET/pets/*", sid="pets"), grant(API_ARN + "/*/*/items/*", sid="items")])
    report = audit(seed.doc)
    assert [f["resource"]["route_key"] for f in of(report, "AGW203")] == ["$default"]
    assert of(report, "AGW203")[0]["severity"] == "high"


def test_default_route_arn_has_no_method_segment(seed, audit):
    # `<api>/<stage>/$default`: a grant of `<api>/*/*/*` needs one more segment than that.
    routes(seed, "$default")
    seed.set_statements([grant(API_ARN + "/*/*/*")])
    report = audit(seed.doc)
    assert len(of(report, "AGW203")) == 1
    assert "abc123def4/$default/$default" in of(report, "AGW203")[0]["message"]


def test_named_stage_with_default_route(seed, audit):
    seed.api["Stages"] = [{"StageName": "prod", "AutoDeploy": True}]
    seed.set_statements([grant(API_ARN + "/prod/*")])
    assert not rule_ids(audit(seed.doc)) & PERMISSION_RULES
    seed.set_statements([grant(API_ARN + "/$default/*")])
    report = audit(seed.doc)
    assert {f["resource"]["route_key"] for f in of(report, "AGW203")} == {"$default", "GET /items", "POST /items",
                                                                          "GET /items/{id}"}
    assert any("abc123def4/prod/$default" in f["message"] for f in of(report, "AGW203"))


def test_grant_for_one_of_two_serving_stages(seed, audit):
    seed.api["Stages"].append({"StageName": "prod", "AutoDeploy": True})
    seed.set_statements([grant(API_ARN + "/prod/*")])
    report = audit(seed.doc)
    findings = of(report, "AGW203")
    assert len(findings) == 4
    assert all(f"{API_ID}/$default/" in f["message"] and f"{API_ID}/prod/" not in f["message"] for f in findings)


def test_undeployed_stage_is_not_checked_for_coverage(seed, audit):
    seed.api["Stages"].append({"StageName": "old", "AutoDeploy": False})
    seed.set_statements([grant(API_ARN + "/$default/*")])
    assert "AGW203" not in rule_ids(audit(seed.doc))


def test_question_mark_in_the_stage_part_is_fine_but_not_in_the_api_id(seed, audit):
    seed.set_statements([grant(API_ARN + "/?default/*")])
    assert not rule_ids(audit(seed.doc)) & (PERMISSION_RULES | {"AGW302"})
    seed.set_statements([grant(API_ARN.replace(API_ID, "abc123def?") + "/*")])
    report = audit(seed.doc)
    assert [f["severity"] for f in of(report, "AGW302")] == ["medium"]
    assert not rule_ids(report) & PERMISSION_RULES


@pytest.mark.parametrize("condition", [
    {"ArnLike": {"aws:sourcearn": ALL_API}},
    {"ArnLike": {"aws:SourceArn": ALL_API}},
    {"ArnEquals": {"AWS:SourceArn": ALL_API}},
    {"StringLike": {"AWS:SourceArn": ALL_API}},
    {"ArnLike": {"AWS:SourceArn": ALL_API}, "StringEquals": {"AWS:SourceAccount": ACCOUNT}},
], ids=["lower-case-key", "mixed-case-key", "ArnEquals", "StringLike", "with-SourceAccount"])
def test_condition_operators_and_key_case(seed, audit, condition):
    seed.set_statements([grant(condition=condition)])
    assert not rule_ids(audit(seed.doc)) & (PERMISSION_RULES | {"AGW301", "AGW302"})


def test_two_source_arn_operators_must_both_match(seed, audit):
    """IAM ANDs condition operators: `ArnLike .../*/GET/*` with `StringLike .../*/*/items` admits only GET /items."""
    seed.set_statements([grant(condition={"ArnLike": {"AWS:SourceArn": API_ARN + "/*/GET/*"},
                                          "StringLike": {"AWS:SourceArn": API_ARN + "/*/*/items"}})])
    report = audit(seed.doc)
    assert sorted(f["resource"]["route_key"] for f in of(report, "AGW203")) == [
        "$default", "GET /items/{id}", "POST /items"]
    assert not rule_ids(report) & {"AGW201", "AGW202", "AGW302"}


def test_a_narrow_operator_narrows_a_broad_one(seed, audit):
    """The API id is pinned by one operator and the region by the other: nothing is left open (no AGW302)."""
    seed.set_statements([grant(condition={"ArnLike": {"AWS:SourceArn": f"arn:aws:execute-api:*:{ACCOUNT}:{API_ID}/*"},
                                          "StringLike": {"AWS:SourceArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT}:*"}})])
    report = audit(seed.doc)
    assert not rule_ids(report) & (PERMISSION_RULES | {"AGW302"})
    seed.set_statements([grant(condition={"ArnLike": {"AWS:SourceArn": f"arn:aws:execute-api:*:{ACCOUNT}:{API_ID}/*"},
                                          "StringLike": {"AWS:SourceArn": f"arn:aws:execute-api:*:{ACCOUNT}:*"}})])
    assert [f["severity"] for f in of(audit(seed.doc), "AGW302")] == ["medium"]  # the region stays open


def test_source_account_tests_are_anded_and_stringlike_is_a_glob(seed, audit):
    both = {"ArnLike": {"AWS:SourceArn": ALL_API}, "StringLike": {"AWS:SourceAccount": ACCOUNT[:6] + "*"}}
    seed.set_statements([grant(condition=both)])
    assert not rule_ids(audit(seed.doc)) & PERMISSION_RULES
    seed.set_statements([grant(condition={"ArnLike": {"AWS:SourceArn": ALL_API},
                                          "StringEquals": {"AWS:SourceAccount": ACCOUNT},
                                          "StringLike": {"AWS:SourceAccount": "9*"}})])
    assert rule_ids(audit(seed.doc), "high") & {"AGW201", "AGW202"}  # one of the two tests fails


@pytest.mark.parametrize("principal", ["*", {"Service": "apigateway.amazonaws.com"}])
def test_principal_org_id_never_admits_api_gateway(seed, audit, principal):
    """API Gateway calls as a service principal, which belongs to no organisation: the condition fails."""
    seed.set_statements([grant(ALL_API, principal=principal, condition={
        "ArnLike": {"AWS:SourceArn": ALL_API}, "StringEquals": {"aws:PrincipalOrgID": "o-abc123def4"}})])
    report = audit(seed.doc)
    assert "AGW201" in rule_ids(report, "high")
    assert not rule_ids(report) & {"AGW301", "AGW303"}


def test_principal_org_id_if_exists_still_admits_api_gateway(seed, audit):
    seed.set_statements([grant(condition={"ArnLike": {"AWS:SourceArn": ALL_API},
                                          "StringEqualsIfExists": {"aws:PrincipalOrgID": "o-abc123def4"}})])
    assert not rule_ids(audit(seed.doc)) & PERMISSION_RULES


def test_for_all_values_on_an_absent_org_key_is_met(seed, audit):
    """ForAllValues is true when the request has no value for the key (IAM): the grant admits API Gateway."""
    seed.set_statements([grant(condition={"ArnLike": {"AWS:SourceArn": ALL_API},
                                          "ForAllValues:StringEquals": {"aws:PrincipalOrgID": "o-abc123def4"}})])
    assert not rule_ids(audit(seed.doc)) & PERMISSION_RULES


def test_a_deny_on_anyone_outside_the_organisation_blocks_api_gateway(seed, audit):
    """StringNotEquals is true on a key the request lacks: a Deny for principals outside the org hits API Gateway."""
    seed.set_statements(seed.statements() + [{"Sid": "org-only", "Effect": "Deny", "Principal": "*",
                                               "Action": "lambda:InvokeFunction", "Resource": FUNCTION_ARN,
                                               "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-abc123def4"}}}])
    assert len(of(audit(seed.doc), "AGW203")) == 4


def test_the_data_perimeter_deny_spares_aws_services(seed, audit):
    seed.set_statements(seed.statements() + [{"Sid": "perimeter", "Effect": "Deny", "Principal": "*",
                                               "Action": "lambda:InvokeFunction", "Resource": FUNCTION_ARN,
                                               "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-abc123def4"},
                                                             "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}}])
    assert not rule_ids(audit(seed.doc)) & PERMISSION_RULES


def test_a_source_account_glob_is_any_account(seed, audit):
    seed.set_statements([grant(condition={"StringLike": {"AWS:SourceAccount": "*"}})])
    assert [f["severity"] for f in of(audit(seed.doc), "AGW301")] == ["high"]


def test_a_statement_api_gateway_never_meets_is_not_broad(seed, audit):
    seed.set_statements(seed.statements() + [grant(sid="org", condition={
        "ArnLike": {"AWS:SourceArn": "arn:aws:execute-api:*:*:*/*"}, "StringEquals": {"aws:PrincipalOrgID": "o-1"}})])
    assert "AGW302" not in rule_ids(audit(seed.doc))


def test_an_operator_naming_only_a_deleted_api_makes_the_statement_stale(seed, audit):
    deleted = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:deleted001/*"
    seed.set_statements(seed.statements() + [grant(sid="old", condition={
        "ArnLike": {"AWS:SourceArn": deleted}, "StringLike": {"AWS:SourceArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT}:*"}})])
    assert [f["resource"]["statement_id"] for f in of(audit(seed.doc), "AGW402")] == ["old"]


@pytest.mark.parametrize("condition", [
    {"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-abc123def4"}},
    {"ForAllValues:StringEquals": {"aws:PrincipalOrgID": "o-abc123def4"}},
])
def test_a_public_statement_api_gateway_still_meets_is_agw301_not_agw303(seed, audit, condition):
    seed.set_statements(seed.statements() + [grant(sid="org-ish", principal="*", condition=condition)])
    report = audit(seed.doc)
    assert [f["severity"] for f in of(report, "AGW301")] == ["high"] and "AGW303" not in rule_ids(report)


@pytest.mark.parametrize("condition", [
    {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-a/*"}},
    {"StringEqualsIgnoreCase": {"aws:PrincipalOrgID": "o-abc123def4"}},
    {"Bool": {"aws:PrincipalIsAWSService": "true"}},
])
def test_a_condition_on_who_calls_is_not_public(seed, audit, condition):
    seed.set_statements(seed.statements() + [grant(sid="callers", principal="*", condition=condition)])
    assert "AGW303" not in rule_ids(audit(seed.doc))


def test_a_literal_source_account_test_pins_a_glob_one(seed, audit):
    seed.set_statements([grant(condition={"StringLike": {"AWS:SourceAccount": "*"},
                                          "StringEquals": {"AWS:SourceAccount": ACCOUNT}})])
    [finding] = of(audit(seed.doc), "AGW301")
    assert finding["severity"] == "medium" and f"in account {ACCOUNT} invoke" in finding["message"]


@pytest.mark.parametrize("condition, admits", [
    ({"ForAnyValue:StringEqualsIfExists": {"aws:PrincipalOrgPaths": "o-a/*"}}, False),
    ({"Null": {"aws:PrincipalOrgID": ["true", "false"]}}, True),
    ({"Null": {"aws:PrincipalOrgID": "false"}}, False),
])
def test_absent_caller_keys_under_set_and_null_operators(seed, audit, condition, admits):
    seed.set_statements([grant(condition={"ArnLike": {"AWS:SourceArn": ALL_API}, **condition})])
    assert bool(rule_ids(audit(seed.doc), "high") & {"AGW201"}) is not admits


def test_stringlike_wildcard_crosses_colons(seed, audit):
    seed.set_statements([grant(condition={"StringLike": {"AWS:SourceArn": "arn:aws:execute-api:*"}})])
    report = audit(seed.doc)
    assert not rule_ids(report) & PERMISSION_RULES
    assert "AGW302" in rule_ids(report)


def test_stringequals_source_arn_with_wildcard_matches_nothing(seed, audit):
    seed.set_statements([grant(condition={"StringEquals": {"AWS:SourceArn": ALL_API}})])
    assert rule_ids(audit(seed.doc), "high") & PERMISSION_RULES


# --------------------------------------------------------------------------- actions and principals

@pytest.mark.parametrize("action", ["lambda:*", "*", ["lambda:GetFunction", "lambda:InvokeFunction"],
                                    "lambda:invokefunction", "lambda:Invoke*"])
def test_actions_that_grant_invoke(seed, audit, action):
    statement = grant(ALL_API)
    statement["Action"] = action
    seed.set_statements([statement])
    assert not rule_ids(audit(seed.doc)) & PERMISSION_RULES


def test_invoke_function_url_action_is_not_an_invoke_grant(seed, audit):
    statement = grant(ALL_API)
    statement["Action"] = "lambda:InvokeFunctionUrl"
    seed.set_statements([statement])
    assert [f["severity"] for f in of(audit(seed.doc), "AGW201")] == ["high"]


def test_principal_as_a_list_of_services(seed, audit):
    seed.set_statements([grant(ALL_API, principal={"Service": ["events.amazonaws.com", "apigateway.amazonaws.com"]})])
    assert not rule_ids(audit(seed.doc)) & (PERMISSION_RULES | {"AGW301", "AGW303"})


def test_other_service_principal_does_not_count(seed, audit):
    seed.set_statements([grant(ALL_API, principal={"Service": "events.amazonaws.com"})])
    assert "AGW201" in rule_ids(audit(seed.doc))


def test_aws_star_with_source_arn_is_neither_public_nor_missing(seed, audit):
    seed.set_statements([grant(ALL_API, principal={"AWS": "*"})])
    assert not rule_ids(audit(seed.doc)) & (PERMISSION_RULES | {"AGW301", "AGW303"})


@pytest.mark.parametrize("principal", ["*", {"AWS": "*"}, {"AWS": ["*"]}])
def test_public_principal_without_condition_is_critical(seed, audit, principal):
    seed.set_statements([grant(principal=principal)])
    report = audit(seed.doc)
    assert [f["severity"] for f in of(report, "AGW303")] == ["critical"]
    assert "AGW301" not in rule_ids(report)


def test_service_principal_without_source_arn_high_then_medium_with_account(seed, audit):
    seed.set_statements([grant()])
    assert [f["severity"] for f in of(audit(seed.doc), "AGW301")] == ["high"]
    seed.set_statements([grant(condition={"StringEquals": {"AWS:SourceAccount": ACCOUNT}})])
    assert [f["severity"] for f in of(audit(seed.doc), "AGW301")] == ["medium"]


def test_public_principal_with_only_source_account_is_agw301_medium(seed, audit):
    seed.set_statements(seed.statements() + [grant(principal="*", sid="any-in-account",
                                                   condition={"StringEquals": {"AWS:SourceAccount": ACCOUNT}})])
    assert [f["severity"] for f in of(audit(seed.doc), "AGW301")] == ["medium"]


FUNCTION_URL_STATEMENTS = [
    {"Sid": "FunctionURLAllowPublicAccess", "Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunctionUrl",
     "Resource": FUNCTION_ARN, "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}}},
    {"Sid": "FunctionURLInvokeAllowPublicAccess", "Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunction",
     "Resource": FUNCTION_ARN, "Condition": {"Bool": {"lambda:InvokedViaFunctionUrl": "true"}}},
]


def test_function_url_invoke_statement_is_not_agw303(seed, audit):
    seed.set_statements(seed.statements() + FUNCTION_URL_STATEMENTS)
    assert "AGW303" not in rule_ids(audit(seed.doc))


def test_function_url_statements_do_not_admit_api_gateway(seed, audit):
    seed.set_statements(FUNCTION_URL_STATEMENTS)
    assert [f["severity"] for f in of(audit(seed.doc), "AGW201")] == ["high"]


# --------------------------------------------------------------------------- Deny

def test_deny_for_one_method_uncovers_only_that_route(seed, audit):
    seed.set_statements([grant(ALL_API), deny(source_arn=API_ARN + "/*/POST/*")])
    assert [f["resource"]["route_key"] for f in of(audit(seed.doc), "AGW203")] == ["POST /items"]


def test_deny_for_another_api_changes_nothing(seed, audit):
    seed.set_statements([grant(ALL_API), deny(source_arn=API_ARN.replace(API_ID, "zzz9999999") + "/*")])
    assert not rule_ids(audit(seed.doc)) & PERMISSION_RULES


def test_deny_is_named_in_the_finding(seed, audit):
    seed.set_statements([grant(ALL_API), deny(source_arn=API_ARN + "/*/POST/*", sid="block-post")])
    finding = of(audit(seed.doc), "AGW203")[0]
    assert "block-post" in finding["message"]
    assert "lambda add-permission" not in finding["remediation"]


def test_deny_guard_arn_not_like_own_api(seed, audit):
    seed.set_statements([grant(ALL_API), deny(principal="*", condition={"ArnNotLike": {"AWS:SourceArn": ALL_API}})])
    assert not rule_ids(audit(seed.doc)) & PERMISSION_RULES


def test_deny_guard_string_not_equals_source_account(seed, audit):
    seed.set_statements([grant(ALL_API),
                         deny(principal="*", condition={"StringNotEquals": {"AWS:SourceAccount": ACCOUNT}})])
    assert not rule_ids(audit(seed.doc)) & PERMISSION_RULES


def test_source_account_mismatch_is_api_mismatch_not_per_route(seed, audit):
    seed.set_statements([grant(condition={"ArnLike": {"AWS:SourceArn": ALL_API},
                                          "StringEquals": {"AWS:SourceAccount": "210987654321"}})])
    report = audit(seed.doc)
    assert "AGW203" not in rule_ids(report)
    assert any("SourceAccount" in f["message"] for f in of(report, "AGW202"))


# --------------------------------------------------------------------------- qualifiers

def _alias(seed, statements=None, name="live", version="3"):
    alias = {"Name": name, "AliasArn": f"{FUNCTION_ARN}:{name}", "FunctionVersion": version}
    if statements is not None:
        alias["Policy"] = policy(statements)
    seed.function.setdefault("Aliases", []).append(alias)


@pytest.mark.parametrize("uri", [FUNCTION_ARN + ":live", invocation_uri(FUNCTION_ARN + ":live")],
                         ids=["function-arn", "invocation-uri"])
def test_alias_permission_covers_alias_integration(seed, audit, uri):
    seed.integration["IntegrationUri"] = uri
    seed.set_statements([])
    _alias(seed, [grant(ALL_API, resource=FUNCTION_ARN + ":live")])
    assert not rule_ids(audit(seed.doc)) & PERMISSION_RULES


@pytest.mark.parametrize("uri", [FUNCTION_ARN + ":live", invocation_uri(FUNCTION_ARN + ":live")],
                         ids=["function-arn", "invocation-uri"])
def test_unqualified_permission_does_not_cover_alias(seed, audit, uri):
    seed.integration["IntegrationUri"] = uri
    _alias(seed)
    findings = of(audit(seed.doc), "AGW204")
    assert [f["severity"] for f in findings] == ["high"]
    assert "--qualifier live" in findings[0]["remediation"]


def test_alias_permission_does_not_cover_unqualified(seed, audit):
    seed.set_statements([])
    _alias(seed, [grant(ALL_API, resource=FUNCTION_ARN + ":live")])
    findings = of(audit(seed.doc), "AGW204")
    assert findings and "--qualifier" not in findings[0]["remediation"]


def test_statement_resource_decides_not_the_policy_it_came_from(seed, audit):
    # moto repeats an alias's statements in the function's own policy: their Resource still says `:live`.
    seed.set_statements([grant(ALL_API, resource=FUNCTION_ARN + ":live")])
    _alias(seed, [grant(ALL_API, resource=FUNCTION_ARN + ":live")])
    assert "AGW204" in rule_ids(audit(seed.doc))


def test_version_permission_and_missing_version(seed, audit):
    seed.integration["IntegrationUri"] = FUNCTION_ARN + ":3"
    seed.function["Versions"] = [{"Version": "3", "FunctionArn": FUNCTION_ARN + ":3",
                                  "Policy": policy([grant(ALL_API, resource=FUNCTION_ARN + ":3")])}]
    assert not rule_ids(audit(seed.doc)) & (PERMISSION_RULES | {"AGW114"})
    seed.integration["IntegrationUri"] = FUNCTION_ARN + ":4"
    assert [f["severity"] for f in of(audit(seed.doc), "AGW114")] == ["high"]


def test_latest_qualifier_uses_the_function_policy(seed, audit):
    seed.integration["IntegrationUri"] = FUNCTION_ARN + ":$LATEST"
    report = audit(seed.doc)
    assert not rule_ids(report) & PERMISSION_RULES
    assert all("--qualifier '$LATEST'" not in f["remediation"] for f in report["findings"])


def test_unreadable_policy_is_not_reported_missing(seed, audit):
    seed.function.pop("Policy")
    seed.scope["Complete"] = False
    seed.scope["Errors"] = [{"Operation": "GetPolicy", "Resource": FUNCTION_ARN, "Code": "AccessDeniedException",
                             "Message": "not authorized to perform lambda:GetPolicy"}]
    report = audit(seed.doc)
    assert [f["severity"] for f in of(report, "AGW000")] == ["medium"]
    assert "AGW201" not in rule_ids(report)


def test_credentials_arn_needs_no_resource_policy(seed, audit):
    seed.integration["CredentialsArn"] = f"arn:aws:iam::{ACCOUNT}:role/apigw-invoke"
    seed.set_statements([])
    assert not rule_ids(audit(seed.doc)) & PERMISSION_RULES


# --------------------------------------------------------------------------- integrations that are not Lambda

NON_LAMBDA = {
    "http-proxy": {"IntegrationType": "HTTP_PROXY", "IntegrationUri": "https://example.com/{proxy}",
                   "IntegrationMethod": "ANY", "PayloadFormatVersion": "1.0", "ConnectionType": "INTERNET"},
    "vpc-link-alb": {"IntegrationType": "HTTP_PROXY", "ConnectionType": "VPC_LINK", "ConnectionId": "vl1",
                     "IntegrationMethod": "ANY", "PayloadFormatVersion": "1.0",
                     "IntegrationUri": f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:listener/app/my-alb/"
                                       "50dc6c495c0c9188/0467ef3c8400ae65"},
    "vpc-link-cloud-map": {"IntegrationType": "HTTP_PROXY", "ConnectionType": "VPC_LINK", "ConnectionId": "vl1",
                           "IntegrationMethod": "ANY", "PayloadFormatVersion": "1.0",
                           "IntegrationUri": f"arn:aws:servicediscovery:{REGION}:{ACCOUNT}:service/srv-abc"},
    "eventbridge": {"IntegrationType": "AWS_PROXY", "IntegrationSubtype": "EventBridge-PutEvents",
                    "CredentialsArn": f"arn:aws:iam::{ACCOUNT}:role/r", "PayloadFormatVersion": "1.0",
                    "RequestParameters": {"Detail": "$request.body", "DetailType": "d", "Source": "s"}},
    "sqs": {"IntegrationType": "AWS_PROXY", "IntegrationSubtype": "SQS-SendMessage",
            "CredentialsArn": f"arn:aws:iam::{ACCOUNT}:role/r", "PayloadFormatVersion": "1.0", "TimeoutInMillis": 10000,
            "RequestParameters": {"QueueUrl": f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/q",
                                  "MessageBody": "$request.body"}},
    "step-functions": {"IntegrationType": "AWS_PROXY", "IntegrationSubtype": "StepFunctions-StartExecution",
                       "CredentialsArn": f"arn:aws:iam::{ACCOUNT}:role/r", "PayloadFormatVersion": "1.0",
                       "RequestParameters": {"StateMachineArn": f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:sm"}},
}


@pytest.mark.parametrize("kind", sorted(NON_LAMBDA))
def test_no_lambda_rule_fires_on_non_lambda_integrations(seed, audit, kind):
    seed.api["Integrations"].append({"IntegrationId": "other1", **NON_LAMBDA[kind]})
    seed.add_route("POST /other", "integrations/other1")
    report = audit(seed.doc)
    assert not [f for f in report["findings"]
                if f["rule_id"] in LAMBDA_RULES | {"AGW000", "AGW401"}], report["findings"]


def test_websocket_api_is_judged(seed, audit):
    seed.scope["Apis"].append({
        "ApiId": "ws12345678", "Name": "chat", "ProtocolType": "WEBSOCKET",
        "RouteSelectionExpression": "$request.body.action",
        "Routes": [{"RouteId": "w1", "RouteKey": "$connect", "Target": "wi"},
                   {"RouteId": "w2", "RouteKey": "sendmessage"}],
        "Integrations": [{"IntegrationId": "wi", "IntegrationType": "AWS_PROXY",
                          "IntegrationUri": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:ghost"},
                         {"IntegrationId": "unused", "IntegrationType": "AWS", "TimeoutInMillis": 29000}],
        "Stages": [{"StageName": "prod"}], "Authorizers": []})
    report = audit(seed.doc)
    found = {f["rule_id"] for f in report["findings"] if f["resource"].get("api_id") == "ws12345678"}
    assert {"AGW101", "AGW103", "AGW114", "AGW105"} <= found  # bare target, no target, ghost function, undeployed
    assert report["summary"]["skipped_apis"] == []


@pytest.mark.parametrize("uri", [
    f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:${{stageVariables.fn}}",
    invocation_uri(FUNCTION_ARN + ":${stageVariables.alias}"),
], ids=["name", "alias-in-invocation-uri"])
def test_stage_variable_function_is_an_info_note(seed, audit, uri):
    seed.integration["IntegrationUri"] = uri
    report = audit(seed.doc)
    assert [f["severity"] for f in of(report, "AGW000")] == ["info"]
    assert not rule_ids(report) & LAMBDA_RULES


def test_payload_v1_is_judged_even_with_a_stage_variable_function(seed, audit):
    seed.integration["IntegrationUri"] = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:${{stageVariables.fn}}"
    seed.integration["PayloadFormatVersion"] = "1.0"
    assert [f["severity"] for f in of(audit(seed.doc), "AGW111")] == ["medium"]


def _far_function(seed, source_arn, region="eu-west-1"):
    arn = f"arn:aws:lambda:{region}:{ACCOUNT}:function:far"
    seed.integration["IntegrationUri"] = arn
    seed.doc["Scopes"].append({"AccountId": ACCOUNT, "Region": region, "Complete": True, "Apis": [], "Functions": [
        {"FunctionName": "far", "FunctionArn": arn, "Timeout": 3, "Policy": policy([grant(source_arn, resource=arn)])}]})


def test_function_in_another_region_uses_the_api_region_in_source_arn(seed, audit):
    _far_function(seed, ALL_API)
    assert not rule_ids(audit(seed.doc)) & (PERMISSION_RULES | {"AGW114", "AGW402", "AGW000"})


def test_function_in_another_region_with_source_arn_in_its_own_region(seed, audit):
    _far_function(seed, f"arn:aws:execute-api:eu-west-1:{ACCOUNT}:{API_ID}/*")
    report = audit(seed.doc)
    assert [f["severity"] for f in of(report, "AGW202")] == ["high"]
    assert "--region eu-west-1" in of(report, "AGW202")[0]["remediation"]
    assert f"execute-api:{REGION}:{ACCOUNT}:{API_ID}/*" in of(report, "AGW202")[0]["remediation"]


def test_function_in_another_region_not_in_snapshot_is_a_note(seed, audit):
    seed.integration["IntegrationUri"] = f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:far"
    report = audit(seed.doc)
    assert [f["severity"] for f in of(report, "AGW000")] == ["info"]
    assert not rule_ids(report) & (PERMISSION_RULES | {"AGW114"})


def test_cross_account_function_fix_names_the_function_arn(seed, audit):
    arn = "arn:aws:lambda:us-east-1:210987654321:function:other"
    seed.integration["IntegrationUri"] = arn
    seed.doc["Scopes"].append({"AccountId": "210987654321", "Region": REGION, "Complete": True, "Apis": [],
                               "Functions": [{"FunctionName": "other", "FunctionArn": arn, "Timeout": 3}]})
    finding = of(audit(seed.doc), "AGW201")[0]
    assert f"--function-name {arn}" in finding["remediation"]


# --------------------------------------------------------------------------- Complete: AGW114 / AGW402

@pytest.mark.parametrize("complete", [True, False])
def test_function_missing_only_in_a_complete_scope(seed, audit, complete):
    seed.scope["Complete"] = complete
    seed.integration["IntegrationUri"] = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:ghost"
    report = audit(seed.doc)
    assert [f["severity"] for f in of(report, "AGW114")] == (["high"] if complete else [])
    assert [f["severity"] for f in of(report, "AGW000")] == ([] if complete else ["info"])


@pytest.mark.parametrize("complete", [True, False])
def test_stale_permission_only_in_a_complete_scope(seed, audit, complete):
    seed.scope["Complete"] = complete
    seed.set_statements(seed.statements() + [grant(f"arn:aws:execute-api:{REGION}:{ACCOUNT}:gone123456/*", sid="old")])
    assert [f["severity"] for f in of(audit(seed.doc), "AGW402")] == (["low"] if complete else [])


def test_stale_permission_may_belong_to_a_rest_api(seed, audit):
    seed.set_statements(seed.statements() + [grant(f"arn:aws:execute-api:{REGION}:{ACCOUNT}:rest123456/*", sid="rest")])
    finding = of(audit(seed.doc), "AGW402")[0]
    assert "REST" in finding["message"]


# --------------------------------------------------------------------------- authorizers

def _authorizer(seed, kind="REQUEST", credentials=None, statements=None, present=True, uri=None):
    authorizer = {"AuthorizerId": "au1", "Name": "lam", "AuthorizerType": kind,
                  "IdentitySource": ["$request.header.Authorization"]}
    if kind == "REQUEST":
        authorizer.update(AuthorizerUri=uri or invocation_uri(AUTH_FUNCTION), AuthorizerPayloadFormatVersion="2.0")
    else:
        authorizer["JwtConfiguration"] = {"Audience": ["app"], "Issuer": "https://issuer.example.com"}
    if credentials:
        authorizer["AuthorizerCredentialsArn"] = credentials
    seed.api["Authorizers"] = [authorizer]
    for route in seed.api["Routes"]:
        route.update(AuthorizationType="CUSTOM" if kind == "REQUEST" else "JWT", AuthorizerId="au1")
    if present:
        seed.scope["Functions"].append({"FunctionName": "authz", "FunctionArn": AUTH_FUNCTION, "Timeout": 3,
                                        "Policy": policy(statements) if statements else None})


def test_request_authorizer_without_permission(seed, audit):
    _authorizer(seed)
    findings = of(audit(seed.doc), "AGW205")
    assert [f["severity"] for f in findings] == ["high"]
    assert f"{API_ID}/authorizers/au1" in findings[0]["remediation"]


@pytest.mark.parametrize("source_arn", [API_ARN + "/authorizers/*", API_ARN + "/authorizers/au1", ALL_API])
def test_request_authorizer_with_permission(seed, audit, source_arn):
    _authorizer(seed, statements=[grant(source_arn, resource=AUTH_FUNCTION)])
    assert "AGW205" not in rule_ids(audit(seed.doc))


def test_request_authorizer_route_grant_does_not_cover_authorizer(seed, audit):
    _authorizer(seed, statements=[grant(API_ARN + "/*/*/*", resource=AUTH_FUNCTION)])
    assert "AGW205" in rule_ids(audit(seed.doc))


def test_request_authorizer_with_credentials_and_jwt_authorizer_need_no_permission(seed, audit):
    _authorizer(seed, credentials=f"arn:aws:iam::{ACCOUNT}:role/authorizer-invoke")
    assert "AGW205" not in rule_ids(audit(seed.doc))
    seed.scope["Functions"].pop()
    _authorizer(seed, kind="JWT", present=False)
    report = audit(seed.doc)
    assert not rule_ids(report) & {"AGW205", "AGW000", "AGW304"}


def test_request_authorizer_function_missing_in_complete_scope(seed, audit):
    _authorizer(seed, present=False)
    report = audit(seed.doc)
    assert any(f["severity"] == "high" and f["resource"].get("authorizer_id") == "au1" for f in report["findings"])


# --------------------------------------------------------------------------- route keys

VALID_KEYS = ["$default", "GET /", "ANY /{proxy+}", "GET /items/{id}", "GET /items/{id}/parts", "ANY /items/{proxy+}",
              "HEAD /x", "OPTIONS /x", "PATCH /a-b_c.d", "DELETE /Items"]
INVALID_KEYS = ["GET /items/", "get /items", "GET items", "GET /{proxy+}/x", "GET //items", "GET /items/{id",
                "GET /items/{}", "CONNECT /x", "$DEFAULT", "GET /items ", "GET  /items", "GET"]


@pytest.mark.parametrize("key", VALID_KEYS)
def test_valid_route_keys_are_accepted(seed, audit, key):
    seed.add_route(key)
    assert "AGW104" not in rule_ids(audit(seed.doc))


@pytest.mark.parametrize("key", INVALID_KEYS)
def test_invalid_route_keys_are_high(seed, audit, key):
    seed.add_route(key)
    assert [f["severity"] for f in of(audit(seed.doc), "AGW104")] == ["high"]


@pytest.mark.parametrize("key", ["CONNECT /x", "GET /{proxy+}/x", "GET /items/{id", "$DEFAULT"])
def test_route_key_fix_is_a_valid_key(seed, audit, key):
    seed.add_route(key)
    fix = of(audit(seed.doc), "AGW104")[0]["fix"]["details"]["RouteKey"]
    assert fix != key and (route_key_problem(fix) is None or "<" in fix)
    if key == "$DEFAULT":
        assert fix == "$default"


# --------------------------------------------------------------------------- timeouts

@pytest.mark.parametrize("millis,function_seconds,fires", [
    (50, None, False), (30000, 30, False), (10000, 10, False), (None, 30, False),
    (49, None, True), (30001, None, True), (10000, 11, True), (None, 31, True), (29500, 30, True),
])
def test_timeouts_at_the_limits(seed, audit, millis, function_seconds, fires):
    if millis is None:
        seed.integration.pop("TimeoutInMillis", None)
    else:
        seed.integration["TimeoutInMillis"] = millis
    if function_seconds is None:
        seed.function.pop("Timeout")
    else:
        seed.function["Timeout"] = function_seconds
    assert [f["severity"] for f in of(audit(seed.doc), "AGW115")] == (["medium"] if fires else [])


def test_timeout_fix_under_one_second_changes_something(seed, audit):
    seed.integration["TimeoutInMillis"] = 500
    seed.function["Timeout"] = 1
    finding = of(audit(seed.doc), "AGW115")[0]
    assert "--timeout 1 " not in finding["remediation"]

"""Custom rules in TOML/YAML: the shipped examples, loading from configuration, validation."""

import json

import pytest

from tests.team.conftest import (INVOKER_RULE, ROUTE_RULE, api, broken, correct, findings_of, function, route,
                                 rule_ids)

RULE = """[[rules]]
id = "ORG100"
name = "stage-named-prod"
severity = "low"
title = "Stages are named prod"
select = "Apis[].Stages[] | [?StageName != 'prod']"
message = "Stage {StageName} of API {ApiId} is not named prod."
"""


def all_open_except_options(doc):
    """The compliant case for ORG001: every route has an authorizer, an OPTIONS route stays open."""
    a = api(doc)
    a["Authorizers"] = [{"AuthorizerId": "auth01", "Name": "jwt", "AuthorizerType": "JWT",
                         "IdentitySource": ["$request.header.Authorization"]}]
    for r in a["Routes"]:
        r["AuthorizationType"], r["AuthorizerId"] = "JWT", "auth01"
    a["Routes"].append({"RouteId": "opt001", "RouteKey": "OPTIONS /items", "AuthorizationType": "NONE",
                        "Target": a["Routes"][0]["Target"]})
    return doc


def test_route_authorizer_example_fires_on_seed_broken(cli):
    code, report, _ = cli.audit_json(broken(), "--rules-file", ROUTE_RULE, "--select", "ORG001")
    found = findings_of(report, "ORG001")
    assert sorted(f["resource"]["route_key"] for f in found) == [
        "DELETE /items/{id}/", "GET /items", "GET /items/{id}", "POST /items", "PUT /items"]
    post = next(f for f in found if f["resource"]["route_key"] == "POST /items")
    assert post["message"].startswith("Route `POST /items` of API my-frontend-app-api (abc123def4) has no authorizer")
    assert post["severity"] == "medium" and code == 1
    assert "--route-id xyz790" in post["remediation"] and "--region us-east-1" in post["remediation"]
    assert post["location"]["path"] == "$.Scopes[0].Apis[0].Routes[1]"


def test_route_authorizer_example_silent_on_compliant_api(cli):
    code, report, _ = cli.audit_json(all_open_except_options(correct()), "--rules-file", ROUTE_RULE,
                                     "--select", "ORG001")
    assert report["findings"] == [] and code == 0


def test_foreign_invoker_example_fires_on_seed_broken(cli):
    code, report, _ = cli.audit_json(broken(), "--rules-file", INVOKER_RULE, "--select", "ORG002")
    [found] = report["findings"]
    assert found["rule_id"] == "ORG002" and found["severity"] == "high"
    assert found["resource"]["statement_id"] == "apigateway-any-api"
    assert found["resource"]["function_arn"].endswith(":function:legacy-worker")
    assert "legacy-worker" in found["message"] and code == 1


def test_foreign_invoker_example_silent_on_own_account_and_fires_on_foreign(cli):
    code, report, _ = cli.audit_json(correct(), "--rules-file", INVOKER_RULE, "--select", "ORG002")
    assert report["findings"] == [] and code == 0
    doc = correct()
    policy = json.loads(function(doc, "my-frontend-app-api")["Policy"])
    foreign = dict(policy["Statement"][0], Sid="partner-api",
                   Condition={"ArnLike": {"AWS:SourceArn": "arn:aws:execute-api:us-east-1:999999999999:zzz/*"}})
    policy["Statement"].append(foreign)
    function(doc, "my-frontend-app-api")["Policy"] = json.dumps(policy)
    _, report, _ = cli.audit_json(doc, "--rules-file", INVOKER_RULE, "--select", "ORG002")
    assert [f["resource"]["statement_id"] for f in report["findings"]] == ["partner-api"]
    assert "999999999999" in report["findings"][0]["message"]


def test_rules_files_from_configuration_with_overrides_and_suppressions(cli):
    rules = cli.write("rules/house.toml", RULE)
    cli.write(".apigw-auditor.toml", 'rules-files = ["rules/house.toml"]\nselect = ["ORG1"]\n'
                                     '[severity]\nORG100 = "high"\n')
    code, report, _ = cli.audit_json(correct())
    [found] = report["findings"]
    assert found["rule_id"] == "ORG100" and found["severity"] == "high" and code == 1
    assert found["message"] == "Stage $default of API abc123def4 is not named prod."
    doc = correct()
    api(doc)["Tags"] = {"apigw-auditor:ignore": "ORG100", "apigw-auditor:reason": "legacy naming"}
    code, report, _ = cli.audit_json(doc)
    assert report["findings"] == [] and report["summary"]["suppressed"] == 1 and code == 0
    assert rules.exists()


def test_fingerprint_survives_message_rewording(cli):
    rules = cli.write("house.toml", RULE)
    snapshot = cli.write("today.json", correct())
    assert cli.run("baseline", "create", "b.json", snapshot, "--rules-file", rules, "--select", "ORG100")[0] == 0
    cli.write("house.toml", RULE.replace("is not named prod.", "should be called prod (house style)."))
    code, report, _ = cli.audit_json(snapshot, "--rules-file", rules, "--select", "ORG100", "--baseline", "b.json")
    assert report["findings"] == [] and report["summary"]["baseline"]["known"] == 1 and code == 0


def test_rules_command_lists_custom_rules(cli):
    code, out, _ = cli.run("rules", "--rules-file", INVOKER_RULE, "--format", "json")
    listed = {r["id"]: r for r in json.loads(out)}
    assert code == 0 and listed["ORG002"]["name"] == "function-invoked-from-outside" and "AGW101" in listed


def test_bad_jmespath_exits_2_naming_file_and_rule(cli):
    rules = cli.write("bad.toml", RULE.replace("[?StageName != 'prod']", "[?StageName != ]"))
    code, report, err = cli.audit_json(correct(), "--rules-file", rules)
    assert code == 2 and report is None
    assert "bad.toml" in err and "ORG100" in err and "JMESPath" in err and "Traceback" not in err


def test_bad_jmespath_in_yaml_from_configuration(cli):
    cli.write("house.yaml", "rules:\n  - id: ORG200\n    name: broken\n    severity: low\n    title: t\n"
                            "    select: \"Apis[?\"\n    message: m\n")
    cli.write("pyproject.toml", '[tool.apigw-auditor]\nrules-files = ["house.yaml"]\n')
    code, _, err = cli.audit_json(correct())
    assert code == 2 and "house.yaml" in err and "ORG200" in err


@pytest.mark.parametrize("edit, expected", [
    (lambda t: t.replace('title = "Stages are named prod"\n', ""), "field `title` is missing"),
    (lambda t: t.replace('severity = "low"', 'severity = "urgent"'), "unknown severity"),
    (lambda t: t + 'owner = "me"\n', "unknown field `owner`"),
    (lambda t: t.replace("{StageName}", "{StageName.upper}"), "not attribute access"),
    (lambda t: t.replace("{StageName}", "{StageName"), "bad template"),
    (lambda t: t.replace('id = "ORG100"', 'id = "AGW900"'), "reserved"),
    (lambda t: t.replace('id = "ORG100"', 'id = "org-1"'), "upper-case letters then digits"),
    (lambda t: t.replace('name = "stage-named-prod"', 'name = "route-no-authorization"'), "already used by"),
    (lambda t: t + t.replace('name = "stage-named-prod"', 'name = "other"'), "id 'ORG100' is already used"),
    (lambda t: "[[rule]]\n" + t.split("\n", 1)[1], "one key, `rules`"),
])
def test_invalid_rule_files_exit_2_naming_file_and_rule(cli, edit, expected):
    rules = cli.write("house.toml", edit(RULE))
    code, report, err = cli.audit_json(correct(), "--rules-file", rules)
    assert code == 2 and report is None, err
    assert "house.toml" in err and expected in err and "Traceback" not in err
    if "rules`" not in expected:
        assert "ORG100" in err or "AGW900" in err or "org-1" in err


def test_missing_rules_file_and_wrong_extension(cli):
    code, _, err = cli.audit_json(correct(), "--rules-file", "nope.toml")
    assert code == 2 and "nope.toml" in err
    other = cli.write("house.json", "{}")
    code, _, err = cli.audit_json(correct(), "--rules-file", other)
    assert code == 2 and "house.json" in err and ".toml, .yaml or .yml" in err


def test_expression_selecting_non_objects_is_an_error_naming_the_rule(cli):
    rules = cli.write("house.toml", RULE.replace("Apis[].Stages[] | [?StageName != 'prod']", "Apis[].ApiId"))
    code, _, err = cli.audit_json(correct(), "--rules-file", rules)
    assert code == 2 and "house.toml" in err and "ORG100" in err and "abc123def4" in err


def test_projection_keeping_identity_fields_works_and_templates_quote(cli):
    rules = cli.write("house.toml", RULE.replace(
        "Apis[].Stages[] | [?StageName != 'prod']", "Apis[].Stages[].{ApiId: ApiId, StageName: StageName, "
                                                    "AccountId: AccountId, Region: Region}").replace(
        'message = "', 'remediation = "echo {StageName!q}"\nmessage = "'))
    _, report, _ = cli.audit_json(correct(), "--rules-file", rules, "--select", "ORG100")
    [found] = report["findings"]
    assert found["resource"] == {"account": "123456789012", "region": "us-east-1", "api_id": "abc123def4",
                                 "stage": "$default"}
    assert found["remediation"] == "echo '$default'"


def test_view_exposes_route_method_and_tags(cli):
    doc = correct()
    route(doc, "POST /items")["Tags"] = {"team": "payments"}
    rules = cli.write("house.toml", RULE.replace(
        "Apis[].Stages[] | [?StageName != 'prod']", "Apis[].Routes[] | [?Method == 'POST']").replace(
        "Stage {StageName} of API {ApiId} is not named prod.", "{RouteKey} owned by {Tags[team]} ({Path})"))
    _, report, _ = cli.audit_json(doc, "--rules-file", rules, "--select", "ORG100")
    assert [f["message"] for f in report["findings"]] == ["POST /items owned by payments (/items)"]
    assert rule_ids(report) == ["ORG100"]


def test_routes_and_explain_run_the_configured_rules(cli):
    """`routes` and `explain` read the same configuration as `audit`: its custom rules are among the
    findings they show (its select/ignore hide nothing there)."""
    cli.write(".apigw-auditor.toml", f'rules-files = ["{ROUTE_RULE.as_posix()}"]\nignore = ["ORG001"]\n')
    snapshot = cli.write("snapshot.json", broken())
    code, out, err = cli.run("routes", snapshot, "--api", "abc123def4", "--format", "json")
    table = json.loads(out)
    post = next(r for r in table["routes"] if r["route_key"] == "POST /items")
    assert code == 0 and "ORG001" in post["findings"] and "AGW101" in post["findings"]
    cli.write(".apigw-auditor.toml", 'rules-files = ["missing.toml"]\n')
    code, out, err = cli.run("explain", snapshot, "--api", "abc123def4", "GET", "/items")
    assert code == 2 and "missing.toml" in err

"""Each failure story of the seed tutorial, told by `explain` with the tutorial's cause, and the fix the audit gives."""

from tests.explain.conftest import API_ARN, API_ID, FUNCTION_ARN, SEED_BROKEN, grant


def _finding(findings, rule_id, **resource):
    matches = [f for f in findings if f["rule_id"] == rule_id
               and all(f["resource"].get(k) == v for k, v in resource.items())]
    assert len(matches) == 1, matches
    return matches[0]


def test_correct_setup_reaches_the_function_with_path_parameters(seed, explain, cli):
    code, doc = explain(seed.doc, "GET", "/items/42")
    assert code == 0
    verdict = doc["verdict"]
    assert verdict["reaches"] and verdict["outcome"] == "reaches-function"
    assert verdict["event"]["path_parameters"] == {"id": "42"}
    assert verdict["event"]["fields"]["event.requestContext.http.method"] == "GET"
    assert doc["steps"]["route"]["chosen"] == "GET /items/{id}"
    assert doc["steps"]["source_arn"]["arn"] == f"{API_ARN}/$default/GET/items/{{id}}"
    assert doc["steps"]["function"]["invoked_arn"] == FUNCTION_ARN
    (statement,) = doc["steps"]["permission"]["statements"]
    assert statement["verdict"] == "allows"
    code, out, _ = cli("explain", seed.doc, "GET", "/items/42")
    assert code == 0
    assert 'pathParameters.id = "42"' in out
    assert "Verdict: reaches" in out


def test_404_everywhere_when_the_api_has_no_stage(seed, explain, audit):
    seed.api["Stages"] = []
    for method, path in (("GET", "/items"), ("POST", "/items"), ("GET", "/anything/else")):
        code, doc = explain(seed.doc, method, path)
        assert code == 1
        verdict = doc["verdict"]
        assert verdict["status"] == 404 and verdict["certain"]
        assert verdict["rule_id"] == "AGW105"
        assert verdict["fix"] == _finding(audit(seed.doc), "AGW105")["remediation"]
        assert "--auto-deploy" in verdict["fix"]


def test_404_everywhere_when_the_api_has_no_routes(seed, explain, audit):
    seed.api["Routes"] = []
    code, doc = explain(seed.doc, "GET", "/items")
    assert code == 1
    assert doc["steps"]["stage"]["name"] == "$default"
    assert doc["verdict"]["status"] == 404 and doc["verdict"]["rule_id"] == "AGW105"
    assert "create-route" in doc["verdict"]["fix"]


def test_404_when_the_stage_is_never_deployed(seed, explain):
    seed.api["Stages"][0]["AutoDeploy"] = False
    code, doc = explain(seed.doc, "GET", "/items")
    assert code == 1
    assert doc["verdict"]["status"] == 404 and doc["verdict"]["rule_id"] == "AGW105"
    assert "does not auto-deploy" in doc["verdict"]["summary"]


def test_500_from_the_missing_permission(seed, explain, audit, cli):
    del seed.function["Policy"]
    code, doc = explain(seed.doc, "GET", "/items")
    assert code == 1
    verdict = doc["verdict"]
    assert verdict["status"] == 500 and verdict["certain"]
    assert "Internal Server Error" in verdict["summary"]
    assert verdict["rule_id"] == "AGW201"
    assert verdict["fix"] == _finding(audit(seed.doc), "AGW201")["remediation"]
    assert verdict["fix"].startswith("aws lambda add-permission --function-name my-frontend-app-api")
    assert doc["steps"]["permission"]["statements"] == []
    code, out, _ = cli("explain", seed.doc, "GET", "/items")
    assert "rule: AGW201" in out and "fix:  aws lambda add-permission" in out


def test_bare_integration_id_is_a_probable_500(seed, explain, audit):
    seed.route("POST /items")["Target"] = "a1b2c3"
    code, doc = explain(seed.doc, "POST", "/items")
    assert code == 1
    verdict = doc["verdict"]
    assert verdict["rule_id"] == "AGW101"
    assert not verdict["certain"] and sorted(verdict["statuses"]) == [404, 500]
    assert "probably 500" in verdict["summary"]
    assert doc["steps"]["target"]["state"] == "prefix"
    assert verdict["fix"] == ("aws apigatewayv2 update-route --api-id abc123def4 --route-id xyz790 "
                              "--target integrations/a1b2c3 --region us-east-1")
    assert verdict["fix"] == _finding(audit(seed.doc), "AGW101")["remediation"]
    # GET /items still works: only the broken route fails.
    assert explain(seed.doc, "GET", "/items")[0] == 0


def test_route_without_target_is_404_or_500(seed, explain):
    del seed.route("POST /items")["Target"]
    code, doc = explain(seed.doc, "POST", "/items")
    assert code == 1
    assert doc["verdict"]["rule_id"] == "AGW103"
    assert doc["verdict"]["status"] is None and sorted(doc["verdict"]["statuses"]) == [404, 500]
    assert "404 or 500" in doc["verdict"]["summary"]


def test_payload_1_0_reaches_the_function_but_warns(seed, explain, cli):
    seed.integration["PayloadFormatVersion"] = "1.0"
    code, doc = explain(seed.doc, "GET", "/items/7")
    assert code == 0
    verdict = doc["verdict"]
    assert verdict["reaches"]
    (warning,) = [w for w in verdict["warnings"] if w["rule_id"] == "AGW111"]
    assert "event.requestContext.http" in warning["message"]
    assert "--payload-format-version 2.0" in warning["fix"]
    assert verdict["event"]["payload_format_version"] == "1.0"
    assert "undefined" in verdict["event"]["fields"]["event.requestContext.http"]
    assert verdict["event"]["path_parameters"] == {"id": "7"}
    code, out, _ = cli("explain", seed.doc, "GET", "/items/7")
    assert "warning AGW111" in out


def test_omitted_payload_version_warns_it_may_be_1_0(seed, explain):
    del seed.integration["PayloadFormatVersion"]
    code, doc = explain(seed.doc, "GET", "/items")
    assert code == 0
    assert [w["rule_id"] for w in doc["verdict"]["warnings"]] == ["AGW111"]
    assert doc["verdict"]["event"]["payload_format_version"].startswith("1.0")


def test_mismatched_api_ids(seed, explain):
    other = {"ApiId": "zzz999yyy8", "Name": "dev-copy", "ProtocolType": "HTTP", "Routes": [],
             "Integrations": [dict(seed.integration, IntegrationId="q9w8e7")], "Stages": []}
    seed.scope["Apis"].append(other)
    seed.route("GET /items")["Target"] = "integrations/q9w8e7"
    code, doc = explain(seed.doc, "--api", API_ID, "GET", "/items")
    assert code == 1
    assert doc["verdict"]["rule_id"] == "AGW102"
    assert "zzz999yyy8" in doc["steps"]["target"]["detail"]


def test_narrow_source_arn_covers_get_but_not_post(seed, explain, audit):
    seed.set_statements([grant(f"{API_ARN}/*/GET/items")])
    code, doc = explain(seed.doc, "GET", "/items")
    assert code == 0
    code, doc = explain(seed.doc, "POST", "/items")
    assert code == 1
    verdict = doc["verdict"]
    assert verdict["status"] == 500 and verdict["certain"] and verdict["rule_id"] == "AGW203"
    assert verdict["fix"] == _finding(audit(seed.doc), "AGW203", route_key="POST /items")["remediation"]
    (statement,) = doc["steps"]["permission"]["statements"]
    assert statement["verdict"] == "does not apply"
    (comparison,) = statement["source_arn_comparisons"]
    resource = comparison["parts"][-1]
    assert resource == {"part": "resource", "pattern": f"{API_ID}/*/GET/items",
                        "value": f"{API_ID}/$default/POST/items", "match": False}
    assert all(part["match"] for part in comparison["parts"][:-1])


def test_permission_for_another_api(seed, explain):
    seed.set_statements([grant("arn:aws:execute-api:us-east-1:123456789012:other00api/*")])
    code, doc = explain(seed.doc, "GET", "/items")
    assert code == 1 and doc["verdict"]["rule_id"] == "AGW202" and doc["verdict"]["status"] == 500


def test_permission_on_another_qualifier(seed, explain):
    seed.integration["IntegrationUri"] = FUNCTION_ARN + ":live"
    seed.function["Aliases"] = [{"Name": "live", "AliasArn": FUNCTION_ARN + ":live"}]
    code, doc = explain(seed.doc, "GET", "/items")
    assert code == 1
    assert doc["verdict"]["rule_id"] == "AGW204"
    assert doc["steps"]["function"]["qualifier"] == "live"
    assert "--qualifier live" in doc["verdict"]["fix"]


def test_seed_broken_example_agrees_with_the_audit(explain, audit):
    findings = audit(SEED_BROKEN)
    expected = {("GET", "/items"): (0, None), ("POST", "/items"): (1, "AGW101"),
                ("GET", "/items/42"): (1, "AGW102"), ("PUT", "/items"): (1, "AGW203"),
                ("DELETE", "/items/42"): (1, "AGW104"), ("PATCH", "/items"): (1, None)}
    for (method, path), (want_code, want_rule) in expected.items():
        code, doc = explain(SEED_BROKEN, "--api", API_ID, method, path)
        assert (code, doc["verdict"]["rule_id"]) == (want_code, want_rule), (method, path)
        if want_rule:
            assert any(f["rule_id"] == want_rule and f["remediation"] == doc["verdict"]["fix"] for f in findings)
    code, doc = explain(SEED_BROKEN, "--api", "xyz987uvw6", "GET", "/items")
    assert (code, doc["verdict"]["status"], doc["verdict"]["rule_id"]) == (1, 404, "AGW105")

"""The seed tutorial's final setup audits clean; each of its Common Mistakes gives the right finding."""

from tests.core.conftest import ACCOUNT, API_ID, REGION, findings_of, ids


def test_correct_setup_has_nothing_above_low(seed, audit):
    code, report = audit(seed.doc)
    assert code == 0
    assert ids(report, "medium") == []
    assert set(ids(report)) <= {"AGW304", "AGW305"}


def test_forgotten_integrations_prefix(seed, audit):
    seed.route("POST /items")["Target"] = "a1b2c3"
    code, report = audit(seed.doc)
    assert code == 1
    (finding,) = findings_of(report, "AGW101")
    assert finding["resource"]["route_key"] == "POST /items"
    assert "500" in finding["message"] and "probably" in finding["message"]
    assert finding["remediation"] == ("aws apigatewayv2 update-route --api-id abc123def4 --route-id xyz790 "
                                      "--target integrations/a1b2c3 --region us-east-1")


def test_payload_format_1_0(seed, audit):
    seed.integration["PayloadFormatVersion"] = "1.0"
    code, report = audit(seed.doc)
    assert code == 1
    (finding,) = findings_of(report, "AGW111")
    assert "--payload-format-version 2.0" in finding["remediation"]
    assert "--integration-id a1b2c3" in finding["remediation"]


def test_mismatched_api_ids(seed, audit):
    other = {"ApiId": "zzz999yyy8", "Name": "dev-copy", "ProtocolType": "HTTP", "Routes": [],
             "Integrations": [dict(seed.integration, IntegrationId="q9w8e7")], "Stages": []}
    seed.scope["Apis"].append(other)
    seed.route("GET /items")["Target"] = "integrations/q9w8e7"
    code, report = audit(seed.doc)
    (finding,) = findings_of(report, "AGW102")
    assert "API ID mismatch" in finding["message"] and "zzz999yyy8" in finding["message"]
    assert code == 1


def test_missing_permission_is_500(seed, audit):
    del seed.function["Policy"]
    code, report = audit(seed.doc)
    assert code == 1
    (finding,) = findings_of(report, "AGW201")
    assert "500" in finding["message"]
    assert finding["remediation"] == (
        "aws lambda add-permission --function-name my-frontend-app-api --statement-id apigateway-invoke-abc123def4 "
        "--action lambda:InvokeFunction --principal apigateway.amazonaws.com "
        f"--source-arn 'arn:aws:execute-api:{REGION}:{ACCOUNT}:{API_ID}/*' --region us-east-1")


def test_narrow_grant_from_the_tutorial_leaves_post_uncovered(seed, audit):
    seed.set_statements([seed.grant(f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API_ID}/*/GET/items")])
    code, report = audit(seed.doc)
    uncovered = sorted(f["resource"]["route_key"] for f in findings_of(report, "AGW203"))
    assert uncovered == ["$default", "GET /items/{id}", "POST /items"]
    assert code == 1

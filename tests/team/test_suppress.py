"""Suppressions by tag: scope, the reason requirement, counting and --show-suppressed."""

from tests.team.conftest import api, broken, correct, findings_of, function, route, rule_ids

IGNORE, REASON = "apigw-auditor:ignore", "apigw-auditor:reason"


def test_api_tag_with_reason_suppresses_its_routes_and_stages(cli):
    doc = correct()
    api(doc)["Tags"] = {IGNORE: "AGW304,AGW305", REASON: "public read-only catalogue (SEC-12)"}
    code, report, _ = cli.audit_json(doc)
    assert report["findings"] == []
    assert report["summary"]["suppressed"] == 5 and report["summary"]["findings"] == 0
    assert "suppressed" not in report  # listed only with --show-suppressed
    assert code == 0


def test_suppressed_findings_do_not_gate(cli):
    doc = broken()
    function(doc, "legacy-worker")["Tags"] = {IGNORE: "AGW301 AGW402", REASON: "decommissioned in Q3 (OPS-7)"}
    code, report, _ = cli.audit_json(doc, "--select", "AGW3,AGW402", "--fail-on", "high")
    assert not findings_of(report, "AGW301") and not findings_of(report, "AGW402")
    assert report["summary"]["suppressed"] == 2
    assert code == 0  # without the tag AGW301 (high) fails the gate
    del function(doc, "legacy-worker")["Tags"]
    code, _, _ = cli.audit_json(doc, "--select", "AGW3,AGW402", "--fail-on", "high")
    assert code == 1


def test_suppression_without_reason_is_not_applied_and_is_reported(cli):
    doc = broken()
    function(doc, "legacy-worker")["Tags"] = {IGNORE: "AGW301"}
    code, report, _ = cli.audit_json(doc, "--select", "AGW000,AGW301")
    assert len(findings_of(report, "AGW301")) == 1  # still reported
    [problem] = findings_of(report, "AGW000")
    assert "legacy-worker" in problem["message"] and REASON in problem["message"]
    assert problem["severity"] == "medium" and "tag-resource" in problem["remediation"]
    assert report["summary"]["suppressed"] == 0 and code == 1


def test_blank_reason_counts_as_missing(cli):
    doc = correct()
    api(doc)["Tags"] = {IGNORE: "AGW304", REASON: "   "}
    _, report, _ = cli.audit_json(doc)
    assert len(findings_of(report, "AGW304")) == 4 and len(findings_of(report, "AGW000")) == 1


def test_unknown_rule_in_tag_is_reported_and_known_codes_still_apply(cli):
    doc = correct()
    api(doc)["Tags"] = {IGNORE: "AGW304,AGW999", REASON: "open by design"}
    _, report, _ = cli.audit_json(doc)
    assert not findings_of(report, "AGW304")
    [problem] = findings_of(report, "AGW000")
    assert "AGW999" in problem["message"]


def test_function_tag_does_not_cover_other_functions(cli):
    doc = broken()
    function(doc, "my-frontend-app-api")["Tags"] = {IGNORE: "AGW301", REASON: "not this one"}
    _, report, _ = cli.audit_json(doc, "--select", "AGW301")
    assert [f["resource"]["function_arn"].rsplit(":", 1)[1] for f in report["findings"]] == ["legacy-worker"]


def test_route_tag_from_iac_covers_only_that_route(cli):
    doc = correct()
    route(doc, "GET /items")["Tags"] = {IGNORE: "route-no-authorization", REASON: "health check"}
    _, report, _ = cli.audit_json(doc, "--select", "AGW304")
    assert sorted(f["resource"]["route_key"] for f in report["findings"]) == ["$default", "GET /items/{id}",
                                                                              "POST /items"]
    assert report["summary"]["suppressed"] == 1


def test_stage_tags_as_cloudformation_list(cli):
    doc = correct()
    api(doc)["Stages"][0]["Tags"] = [{"Key": IGNORE, "Value": "AGW305"}, {"Key": REASON, "Value": "logs in CDN"}]
    _, report, _ = cli.audit_json(doc, "--select", "AGW305")
    assert report["findings"] == [] and report["summary"]["suppressed"] == 1


def test_tag_on_one_api_does_not_cover_another(cli):
    doc = broken()
    api(doc, 1)["Tags"] = {IGNORE: "AGW1", REASON: "dev API being deleted"}
    _, report, _ = cli.audit_json(doc, "--select", "AGW1")
    apis = {f["resource"]["api_id"] for f in report["findings"]}
    assert apis == {"abc123def4"}
    assert report["summary"]["suppressed"] == 1  # xyz987uvw6's AGW105


def test_show_suppressed_lists_them_with_reason(cli):
    doc = correct()
    api(doc)["Tags"] = {IGNORE: "AGW305", REASON: "CDN keeps logs"}
    _, report, _ = cli.audit_json(doc, "--show-suppressed")
    [entry] = report["suppressed"]
    assert entry["rule_id"] == "AGW305"
    assert entry["suppression"] == {"kind": "tag", "source": "tag on API abc123def4", "reason": "CDN keeps logs"}
    path = cli.write("tagged.json", doc)
    code, out, _ = cli.run("audit", path, "--show-suppressed")
    assert "Suppressed (1)" in out and "CDN keeps logs" in out and ", 1 suppressed;" in out
    code, out, _ = cli.run("audit", path)
    assert "Suppressed (" not in out and "CDN keeps logs" not in out and ", 1 suppressed;" in out


def test_ignoring_agw000_does_not_make_a_reasonless_suppression_work(cli):
    doc = correct()
    api(doc)["Tags"] = {IGNORE: "AGW304"}
    _, report, _ = cli.audit_json(doc, "--ignore", "AGW000")
    assert len(findings_of(report, "AGW304")) == 4 and rule_ids(report) == ["AGW304", "AGW305"]


def test_cloudformation_metadata_suppressions(cli):
    """Metadata: {apigw-auditor: {ignore, reason}} in a template reaches the same suppression logic."""
    from tests.team.conftest import ROOT
    template = ROOT / "tests" / "team" / "suppressed-template.yaml"
    code, report, _ = cli.audit_json(template, "--region", "us-east-1", "--account", "123456789012",
                                     "--show-suppressed")
    assert [s["rule_id"] for s in report["suppressed"]] == ["AGW304"]  # the API's Metadata, with a reason
    assert report["suppressed"][0]["suppression"]["reason"] == "public catalogue"
    [problem] = findings_of(report, "AGW000")  # the route's Metadata has no reason
    assert "GET /items" in problem["message"] and "Metadata.apigw-auditor" in problem["remediation"]
    assert findings_of(report, "AGW305") and code == 1

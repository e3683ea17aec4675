"""`--format junit`: valid XML, one testcase per rule x resource, failures exactly where the gate fails."""

import json
import xml.etree.ElementTree as ET

from tests.ci.conftest import api, broken, correct, route


def junit(cli, *args):
    code, out, _ = cli("audit", *args, "--format", "junit")
    return code, ET.fromstring(out.encode("utf-8"))


def suites(root):
    return {suite.get("name").split()[0]: suite for suite in root.findall("testsuite")}


def test_one_suite_per_rule_and_a_failure_per_gating_finding(cli):
    name = cli.write(broken())
    code, root = junit(cli, name)
    _, out, _ = cli("audit", name, "--format", "json")
    report = json.loads(out)
    assert code == 1
    by_rule = suites(root)
    assert len(by_rule) == report["summary"]["rules_run"]
    gating = [f for f in report["findings"] if f["severity"] in ("critical", "high", "medium")]
    failures = root.findall(".//failure")
    assert len(failures) == len(gating) == int(root.get("failures"))
    assert int(root.get("tests")) == len(root.findall(".//testcase"))
    for suite in root.findall("testsuite"):
        assert int(suite.get("tests")) == len(suite.findall("testcase"))
        assert int(suite.get("failures")) == len(suite.findall(".//failure"))

    [case] = by_rule["AGW101"].findall("testcase")
    assert case.get("name") == "api abc123def4 route POST /items (123456789012/us-east-1)"
    assert case.get("file") == "snapshot.json" and case.get("line")
    failure = case.find("failure")
    assert failure.get("type") == "high" and "without the `integrations/` prefix" in failure.get("message")
    assert "fix: aws apigatewayv2 update-route --api-id abc123def4 --route-id xyz790" in failure.text


def test_rules_that_ran_clean_pass_and_rule_x_resource_cases_are_distinct(cli):
    code, root = junit(cli, cli.write(broken()))
    by_rule = suites(root)
    [clean] = by_rule["AGW103"].findall("testcase")
    assert clean.get("name") == "no findings" and clean.find("failure") is None
    names = [c.get("name") for c in by_rule["AGW304"].findall("testcase")]
    assert len(names) == 5 and len(set(names)) == 5 and any("route GET /items " in n for n in names)


def test_findings_below_fail_on_pass_but_are_reported(cli):
    name = cli.write(correct())
    code, root = junit(cli, name)
    assert code == 0 and root.get("failures") == "0"
    [logs] = suites(root)["AGW305"].findall("testcase")
    assert logs.find("failure") is None and "below --fail-on medium" in logs.find("system-out").text
    code, root = junit(cli, name, "--fail-on", "info")
    assert code == 1 and int(root.get("failures")) == 5


def test_control_characters_from_the_input_still_give_valid_xml(cli):
    doc = broken()
    route(doc, "POST /items")["RouteKey"] = "POST /it\u0001ems<&>"
    code, root = junit(cli, cli.write(doc))
    names = [c.get("name") for c in root.iter("testcase")]
    assert any("POST /it\ufffdems<&>" in n for n in names)


def test_suppressed_findings_are_skipped_testcases_when_shown(cli):
    doc = correct()
    api(doc)["Tags"] = {"apigw-auditor:ignore": "AGW304", "apigw-auditor:reason": "public read API by design"}
    name = cli.write(doc)
    _, hidden = junit(cli, name)
    assert [c.get("name") for c in suites(hidden)["AGW304"].findall("testcase")] == ["no findings"]
    _, shown = junit(cli, name, "--show-suppressed")
    skipped = suites(shown)["AGW304"].findall(".//skipped")
    assert len(skipped) == 4 == int(shown.get("skipped"))
    assert "public read API by design" in skipped[0].get("message")

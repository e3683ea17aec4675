"""`--format sarif`: SARIF 2.1.0 that GitHub code scanning accepts and keeps stable across runs."""

import json

import pytest

from tests.ci.conftest import SARIF_SCHEMA, api, broken, correct, line_of, route


def sarif(cli, *args):
    code, out, err = cli("audit", *args, "--format", "sarif")
    assert err == ""
    return code, json.loads(out)


def results_of(doc, rule_id=None):
    return [r for r in doc["runs"][0]["results"] if rule_id is None or r["ruleId"] == rule_id]


@pytest.mark.skipif(not SARIF_SCHEMA.is_file(),
                    reason=f"OASIS SARIF 2.1.0 schema not found at {SARIF_SCHEMA} (CI provides it in ../shared)")
@pytest.mark.parametrize("make", [broken, correct], ids=["seed-broken", "seed-correct"])
def test_output_validates_against_the_oasis_schema(cli, make):
    import jsonschema

    schema = json.loads(SARIF_SCHEMA.read_text())
    _, doc = sarif(cli, cli.write(make()))
    # With suppressions and baseline states too: every optional part we emit must be valid.
    cli("baseline", "create", "base.json", cli.write(make(), "old.json"))
    doc_api = make()
    api(doc_api)["Tags"] = {"apigw-auditor:ignore": "AGW304", "apigw-auditor:reason": "public by design"}
    _, with_suppressions = sarif(cli, cli.write(doc_api, "new.json"), "--baseline", "base.json", "--show-suppressed")
    validator = jsonschema.Draft4Validator(schema)
    for document in (doc, with_suppressions):
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
        assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]
    assert doc["version"] == "2.1.0" and doc["runs"][0]["results"]


def test_one_reporting_descriptor_per_rule_run_with_help_and_level(cli):
    _, doc = sarif(cli, cli.write(broken()), "--select", "AGW1,AGW3")
    rules = doc["runs"][0]["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert ids == sorted(ids) and all(i.startswith(("AGW1", "AGW3")) for i in ids) and "AGW101" in ids
    by_id = {r["id"]: r for r in rules}
    prefix = by_id["AGW101"]
    assert prefix["name"] == "route-target-prefix"
    assert "integrations/" in prefix["shortDescription"]["text"]
    assert prefix["fullDescription"]["text"] and prefix["help"]["text"]
    assert "## How to fix" in prefix["help"]["markdown"] and "## What the client sees" in prefix["help"]["markdown"]
    assert prefix["defaultConfiguration"]["level"] == "error"
    assert "security-severity" not in prefix["properties"]
    # Security rules carry GitHub's security-severity score; info-level ones are notes.
    assert float(by_id["AGW301"]["properties"]["security-severity"]) >= 7.0
    assert "security" in by_id["AGW301"]["properties"]["tags"]
    assert by_id["AGW304"]["defaultConfiguration"]["level"] == "note"
    assert by_id["AGW302"]["defaultConfiguration"]["level"] == "warning"


def test_results_point_at_their_rule_file_and_line(cli):
    doc = broken()
    name = cli.write(doc)
    text = (cli.dir / name).read_text()
    code, out = sarif(cli, name)
    assert code == 1
    rules = out["runs"][0]["tool"]["driver"]["rules"]
    for result in results_of(out):
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    [prefix] = results_of(out, "AGW101")
    assert prefix["level"] == "error"
    physical = prefix["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "snapshot.json"
    assert physical["region"]["startLine"] == line_of(text, '"RouteId": "xyz790"')
    [payload] = results_of(out, "AGW111")
    assert payload["level"] == "warning"
    assert payload["locations"][0]["physicalLocation"]["region"]["startLine"] == line_of(text, '"IntegrationId": "a1b2c3"')


def test_logical_locations_name_the_api_route_integration_and_function(cli):
    _, doc = sarif(cli, cli.write(broken()))
    [uncovered] = results_of(doc, "AGW203")
    logical = {entry["properties"]["type"]: entry for entry in uncovered["locations"][0]["logicalLocations"]}
    assert logical["api"]["name"] == "abc123def4"
    assert logical["api"]["fullyQualifiedName"] == "arn:aws:apigateway:us-east-1::/apis/abc123def4"
    assert logical["route"]["name"] == "PUT /items"
    assert logical["integration"]["name"] == "a1b2c3"
    assert logical["function"]["fullyQualifiedName"] == "arn:aws:lambda:us-east-1:123456789012:function:my-frontend-app-api"
    for result in results_of(doc):
        assert result["locations"][0]["logicalLocations"], result["ruleId"]


def test_fingerprints_match_the_json_report_and_survive_reformatting(cli):
    doc = broken()
    _, first = sarif(cli, cli.write(doc, indent=2))
    _, moved = sarif(cli, cli.write("\n\n\n" + json.dumps(doc, indent=2)))
    code, out, _ = cli("audit", "snapshot.json", "--format", "json")
    fingerprints = sorted(f["fingerprint"] for f in json.loads(out)["findings"])

    def prints(d):
        return sorted(r["partialFingerprints"]["apigwAuditorFingerprint/v1"] for r in results_of(d))

    assert prints(first) == prints(moved) == fingerprints
    lines = lambda d: [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in results_of(d)]  # noqa: E731
    assert lines(moved) == [n + 3 for n in lines(first)]  # the alert moves with the file; its identity does not


def test_remediation_travels_with_each_result(cli):
    _, doc = sarif(cli, cli.write(broken()))
    [prefix] = results_of(doc, "AGW101")
    command = "aws apigatewayv2 update-route --api-id abc123def4 --route-id xyz790 --target integrations/a1b2c3"
    assert prefix["properties"]["remediation"].startswith(command)
    assert command in prefix["message"]["text"]
    assert prefix["properties"]["fix"] == {"action": "set", "details": {"Target": "integrations/a1b2c3"}}


def test_iac_source_locations_give_file_line_and_logical_id(cli):
    doc = broken()
    route(doc, "POST /items")["SourceLocation"] = {"File": "infra/template.yaml", "Line": 42, "Resource": "PostItemsRoute",
                                                   "InputType": "cloudformation"}
    _, out = sarif(cli, cli.write(doc))
    prefix = next(r for r in results_of(out, "AGW101"))
    physical = prefix["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "infra/template.yaml"
    assert physical["region"]["startLine"] == 42
    assert prefix["properties"]["logicalId"] == "PostItemsRoute"


def test_a_file_outside_the_working_directory_gets_a_file_uri(cli, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "snap shot.json"
    elsewhere.write_text(json.dumps(broken(), indent=2))
    _, doc = sarif(cli, elsewhere)
    uri = results_of(doc)[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.startswith("file:///") and uri.endswith("/snap%20shot.json")


def test_suppressed_findings_are_marked_suppressed_only_when_shown(cli):
    doc = correct()
    api(doc)["Tags"] = {"apigw-auditor:ignore": "AGW304", "apigw-auditor:reason": "public read API by design"}
    name = cli.write(doc)
    _, hidden = sarif(cli, name)
    assert not results_of(hidden, "AGW304")
    _, shown = sarif(cli, name, "--show-suppressed")
    suppressed = results_of(shown, "AGW304")
    assert suppressed and all(r["suppressions"][0]["status"] == "accepted" for r in suppressed)
    assert "public read API by design" in suppressed[0]["suppressions"][0]["justification"]
    assert all("suppressions" not in r for r in results_of(shown) if r["ruleId"] != "AGW304")


def test_baseline_marks_new_results(cli):
    cli("baseline", "create", "base.json", cli.write(broken(), "old.json"))
    doc = broken()
    route(doc, "GET /items")["Target"] = "a1b2c3"
    _, out = sarif(cli, cli.write(doc), "--baseline", "base.json")
    results = results_of(out)
    assert [(r["ruleId"], r["baselineState"]) for r in results] == [("AGW101", "new")]

"""The fixed point on snapshots: what the plan chooses, in which order, and what it predicts."""

import json
import re

from auditor.cli import main
from tests.seed import API_ID, FUNCTION_ARN, SEED_BROKEN, Seed, broken


def fix(tmp_path, capsys, doc, *args):
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(doc))
    code = main(["fix", str(path), *args])
    out, err = capsys.readouterr()
    return code, out, err


def commands(script: str) -> list[str]:
    """The commands that change something, without the checks that guard them (get-*, describe-*)."""
    steps = "\n".join(line for line in script.splitlines() if not line.startswith("#"))
    return re.findall(r"\baws (?:apigatewayv2|lambda|iam|logs) (?!get-|describe-)[a-z-]+[^;|)\n]*", steps)


def test_route_created_to_an_integration_is_never_also_deleted(tmp_path, capsys):
    code, script, err = fix(tmp_path, capsys, broken(), "--fail-on", "low")
    lines = commands(script)
    assert any("create-route --api-id xyz987uvw6" in c and "integrations/q9w8e7" in c for c in lines)
    assert not any("delete-integration" in c and "q9w8e7" in c for c in lines)
    assert "AGW401" not in err.split("Changes:")[0].split("Findings after")[1]  # cleared by the route, not deleted


def test_statement_ids_are_unique_and_avoid_existing_ones(tmp_path, capsys):
    seed = Seed()
    seed.set_statements([seed.grant(f"arn:aws:execute-api:us-east-1:123456789012:{API_ID}/*/GET/items",
                                    sid=f"apigateway-invoke-{API_ID}-POST-items")])
    for key in ("POST /items", "PUT /items"):
        seed.add_route(key)
    code, script, err = fix(tmp_path, capsys, seed.doc)
    sids = [c.split("--statement-id ")[1].split()[0] for c in commands(script) if "add-permission" in c]
    assert len(sids) == len(set(sids)) >= 2
    assert f"apigateway-invoke-{API_ID}-POST-items" not in sids  # taken by the existing statement
    assert code == 0 and "0 at or above medium" in err


def test_grants_come_before_the_routes_that_need_them(tmp_path, capsys):
    _, script, _ = fix(tmp_path, capsys, broken())
    kinds = [c.split()[2] for c in commands(script)]
    assert kinds.index("update-route") > max(i for i, k in enumerate(kinds) if k == "add-permission")
    assert kinds.index("create-stage") > kinds.index("create-route")


def test_uncovered_route_after_a_target_fix_is_planned_too(tmp_path, capsys):
    """AGW101 re-points a route at a function whose permission does not cover it: the re-audit finds AGW203."""
    seed = Seed()
    seed.set_statements([seed.grant(f"arn:aws:execute-api:us-east-1:123456789012:{API_ID}/*/GET/items")])
    seed.api["Routes"] = [r for r in seed.api["Routes"] if r["RouteKey"] == "GET /items"]
    seed.add_route("DELETE /items", target="a1b2c3")  # bare id: AGW101 first, AGW203 only afterwards
    code, script, err = fix(tmp_path, capsys, seed.doc)
    lines = commands(script)
    assert any("--target integrations/a1b2c3" in c for c in lines)
    assert any("add-permission" in c and f"{API_ID}/*/DELETE/items" in c for c in lines)
    assert code == 0


def test_garbled_arn_names_its_function(tmp_path, capsys):
    seed = Seed()
    seed.integration["IntegrationUri"] = "arn:aws:lambda:us-east-1:123456789012:my-frontend-app-api"
    _, script, _ = fix(tmp_path, capsys, seed.doc)
    assert f"--integration-uri {FUNCTION_ARN}" in script


def test_two_candidate_integrations_are_a_choice_with_candidates(tmp_path, capsys):
    seed = Seed()
    seed.api["Integrations"].append({"IntegrationId": "zz9", "IntegrationType": "AWS_PROXY",
                                     "IntegrationUri": FUNCTION_ARN.replace("my-frontend-app-api", "other"),
                                     "PayloadFormatVersion": "2.0"})
    seed.add_route("GET /orphan", target=None)
    seed.api["Routes"][-1].pop("Target")
    code, script, err = fix(tmp_path, capsys, seed.doc)
    assert code == 1
    person = err.split("Left for a person")[1]
    assert "integrations/a1b2c3 (function my-frontend-app-api)" in person and "integrations/zz9 (function other)" in person
    assert not any("<" in c for c in commands(script))


def test_one_permission_serves_several_integrations(tmp_path, capsys):
    seed = Seed()
    seed.set_statements([])
    seed.api["Integrations"].append(dict(seed.integration, IntegrationId="b2"))
    seed.add_route("GET /other", target="integrations/b2")
    _, script, _ = fix(tmp_path, capsys, seed.doc)
    assert len([c for c in commands(script) if "add-permission" in c]) == 1


def test_audit_prints_the_same_commands_as_the_plan(tmp_path, capsys):
    assert main(["audit", str(SEED_BROKEN), "--format", "json"]) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    main(["fix", str(SEED_BROKEN)])
    script = capsys.readouterr().out
    for finding in findings:
        if finding["rule_id"] in ("AGW101", "AGW102", "AGW104", "AGW111"):
            assert finding["remediation"] in script
    assert not any("<integration-id>" in f["remediation"] or "<function-name>" in f["remediation"] for f in findings)


def test_clean_input_plans_nothing_and_exits_0(tmp_path, capsys):
    code, script, err = fix(tmp_path, capsys, Seed().doc)
    assert code == 0 and commands(script) == [] and "Changes: 0" in err


def test_unreadable_input_exits_2_without_a_plan(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    assert main(["fix", str(bad)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "bad.json" in err and "Traceback" not in err


def test_findings_accepted_in_a_baseline_are_left_alone(tmp_path, capsys):
    baseline = tmp_path / "baseline.json"
    assert main(["baseline", "create", str(baseline), str(SEED_BROKEN)]) == 0
    capsys.readouterr()
    code = main(["fix", str(SEED_BROKEN), "--baseline", str(baseline)])
    out, err = capsys.readouterr()
    assert code == 0 and commands(out) == [] and "Changes: 0" in err


def test_output_may_not_replace_an_input(tmp_path, capsys):
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(broken()))
    assert main(["fix", str(path), "-o", str(path)]) == 2
    assert "is also an input" in capsys.readouterr().err
    assert json.loads(path.read_text()) == broken()

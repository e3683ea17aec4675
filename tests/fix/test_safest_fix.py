"""Where two repairs exist, the plan takes the one that changes least of what works.

AGW115: a function that may run up to 30 s gets an integration that waits that long (the old plan cut the
function's timeout down to the integration's, cutting off work that needs the time). AGW111: a working
1.0 route is not switched to 2.0 without knowing the handler reads 2.0 events. AGW204: the grant covers
what the statement on the other qualifier covered (one route), not the whole API.
"""

import json

from auditor.cli import main
from tests.seed import API_ID, FUNCTION_ARN, Seed

EXECUTE = f"arn:aws:execute-api:us-east-1:123456789012:{API_ID}"


def fix(tmp_path, capsys, doc, *args):
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(doc))
    code = main(["fix", str(path), *args])
    out, err = capsys.readouterr()
    return code, [line for line in out.splitlines() if line and not line.startswith("#")], err


def test_agw115_raises_the_integration_timeout_and_keeps_the_function(tmp_path, capsys):
    seed = Seed()
    seed.integration["TimeoutInMillis"] = 5000
    seed.function["Timeout"] = 20
    code, steps, err = fix(tmp_path, capsys, seed.doc)
    assert any("update-integration" in s and "--timeout-in-millis 20000" in s for s in steps)
    assert not any("update-function-configuration" in s for s in steps)
    assert code == 0, err


def test_agw115_a_function_beyond_30_s_gets_the_longest_integration_wait_and_30_s(tmp_path, capsys):
    seed = Seed()
    seed.integration["TimeoutInMillis"] = 5000
    seed.function["Timeout"] = 60
    code, steps, err = fix(tmp_path, capsys, seed.doc)
    assert any("update-integration" in s and "--timeout-in-millis 30000" in s for s in steps)
    assert any("update-function-configuration" in s and "--timeout 30 " in s for s in steps)
    assert code == 0, err


def test_agw111_is_left_to_a_person_not_switched(tmp_path, capsys):
    seed = Seed()
    seed.integration["PayloadFormatVersion"] = "1.0"
    code, steps, err = fix(tmp_path, capsys, seed.doc)
    assert not any("--payload-format-version" in s for s in steps)
    assert "Left for a person" in err and "only if its handler reads the 2.0 event" in err
    assert code == 1


def test_agw204_grants_the_invoked_alias_the_one_route_the_other_statement_covered(tmp_path, capsys):
    seed = Seed()
    seed.function["Aliases"] = [{"Name": "live", "AliasArn": FUNCTION_ARN + ":live", "FunctionVersion": "1",
                                 "Policy": json.dumps({"Version": "2012-10-17", "Statement": []})}]
    seed.integration["IntegrationUri"] = FUNCTION_ARN + ":live"
    seed.api["Routes"] = [r for r in seed.api["Routes"] if r["RouteKey"] == "GET /items"]
    seed.set_statements([seed.grant(f"{EXECUTE}/*/GET/items")])  # on the unqualified function: AGW204
    code, steps, err = fix(tmp_path, capsys, seed.doc)
    adds = [s for s in steps if "add-permission" in s]
    assert len(adds) == 1 and "--qualifier live" in adds[0] and f"{EXECUTE}/*/GET/items" in adds[0]
    assert f"{EXECUTE}/*'" not in adds[0] and f"{EXECUTE}/* " not in adds[0]
    assert code == 0, err

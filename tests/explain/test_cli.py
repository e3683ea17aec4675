"""`apigw-auditor explain` and `routes` through the CLI: request forms, exit codes, JSON documents."""

import json

import pytest

from tests.explain.conftest import API_ID, SEED_BROKEN, grant, API_ARN

URL = f"https://{API_ID}.execute-api.us-east-1.amazonaws.com"


def test_exit_0_when_reaching_1_when_not(seed, cli):
    assert cli("explain", seed.doc, "GET", "/items")[0] == 0
    del seed.function["Policy"]
    assert cli("explain", seed.doc, "GET", "/items")[0] == 1


def test_json_document_shape(seed, cli):
    code, out, _ = cli("explain", seed.doc, "--format", "json", "POST", "/items")
    assert code == 0
    doc = json.loads(out)
    assert doc["version"] == 1
    assert doc["request"] == {"method": "POST", "path": "/items", "api_id": API_ID, "api_name": "my-frontend-app-api",
                              "account": "123456789012", "region": "us-east-1"}
    assert list(doc["steps"]) == ["stage", "route", "authorization", "target", "integration", "function",
                                  "source_arn", "permission"]
    assert set(doc["verdict"]) >= {"reaches", "outcome", "status", "statuses", "certain", "summary", "rule_id",
                                   "fix", "warnings", "event"}


@pytest.mark.parametrize("args", [
    [f"{URL}/items/42"],
    ["GET", f"{URL}/items/42"],
    ["--url", f"{URL}/items/42", "GET"],
])
def test_invoke_url_forms(seed, cli, args):
    code, out, err = cli("explain", seed.doc, "--format", "json", *args)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["request"]["url"] == f"{URL}/items/42"
    assert doc["steps"]["route"]["path_parameters"] == {"id": "42"}


def test_url_names_the_stage(seed, cli):
    seed.api["Stages"].append({"StageName": "prod", "AutoDeploy": True})
    code, out, _ = cli("explain", seed.doc, "--format", "json", "POST", f"{URL}/prod/items?x=1")
    doc = json.loads(out)
    assert code == 0 and doc["steps"]["stage"]["name"] == "prod" and doc["steps"]["route"]["chosen"] == "POST /items"


def test_url_picks_the_api_among_several(cli):
    code, out, _ = cli("explain", SEED_BROKEN, "--format", "json", "GET", f"{URL}/items")
    assert code == 0 and json.loads(out)["request"]["api_id"] == API_ID


@pytest.mark.parametrize("args, message", [
    (["GET", "/items"], "several HTTP APIs"),
    (["--api", "nope000000", "GET", "/items"], "unknown API id 'nope000000'"),
    (["GET", "https://example.com/items"], "not an execute-api host"),
    (["GET", "ftp://x/items"], "starts with `/`"),
    (["FETCH", "/items", "--api", API_ID], "unknown method"),
    (["GET", "items", "--api", API_ID], "starts with `/`"),
    (["--api", "xyz987uvw6", "GET", f"{URL}/items"], "contradicts"),
    (["GET", f"https://{API_ID}.execute-api.eu-west-1.amazonaws.com/items"], "not in region eu-west-1"),
    (["--url", f"{URL}/a", "GET", "/items"], "either --url"),
    (["GET"], "expected METHOD PATH"),
])
def test_usage_errors_exit_2_with_a_message(cli, args, message):
    code, out, err = cli("explain", SEED_BROKEN, *args)
    assert code == 2
    assert message in err and "Traceback" not in err
    if message == "several HTTP APIs":
        assert "abc123def4 (my-frontend-app-api" in err and "xyz987uvw6 (my-frontend-app-api-dev" in err


def test_unreadable_input_exits_2_naming_the_file(tmp_path, cli):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    code, _, err = cli("explain", bad, "GET", "/items")
    assert code == 2 and str(bad) in err
    code, _, err = cli("routes", tmp_path / "missing.json")
    assert code == 2 and "missing.json" in err


def test_output_file(seed, cli, tmp_path):
    target = tmp_path / "explain.txt"
    code, out, _ = cli("explain", seed.doc, "GET", "/items", "-o", str(target))
    assert code == 0 and out == ""
    assert "Verdict: reaches" in target.read_text()


def test_routes_table_in_priority_order(seed, cli):
    seed.add_route("ANY /items/{proxy+}")
    seed.add_route("GET /items/special")
    seed.add_route("ANY /items/{id}")
    seed.set_statements([grant(f"{API_ARN}/*/GET/*"), grant(f"{API_ARN}/*/*/items", sid="items")])
    code, out, _ = cli("routes", seed.doc, "--format", "json")
    assert code == 0
    table = json.loads(out)
    order = [r["route_key"] for r in table["routes"]]
    assert order == ["GET /items", "POST /items", "GET /items/special", "GET /items/{id}", "ANY /items/{id}",
                     "ANY /items/{proxy+}", "$default"]
    rows = {r["route_key"]: r for r in table["routes"]}
    assert rows["GET /items/{id}"]["permission"] == {"status": "covered", "by_stage": {"$default": "allowed"}}
    assert rows["POST /items"]["permission"]["status"] == "covered"
    assert rows["$default"]["permission"]["status"] == "uncovered"
    assert rows["ANY /items/{id}"]["permission"]["status"] == "partial"
    assert "AGW203" in rows["$default"]["findings"]
    assert rows["GET /items"]["function"]["name"] == "my-frontend-app-api"
    code, out, _ = cli("routes", seed.doc)
    lines = out.splitlines()
    assert lines[0].startswith(f"API {API_ID}")
    assert any("$default" in line and "no on $default" in line for line in lines)


def test_routes_of_broken_example(cli):
    code, out, _ = cli("routes", SEED_BROKEN, "--api", API_ID, "--format", "json")
    rows = {r["route_key"]: r for r in json.loads(out)["routes"]}
    assert rows["POST /items"]["target_state"] == "prefix" and rows["POST /items"]["findings"] == ["AGW101"]
    assert rows["DELETE /items/{id}/"]["priority"] is None and rows["DELETE /items/{id}/"]["kind"] == "invalid"
    assert rows["PUT /items"]["permission"]["status"] == "uncovered"
    code, out, err = cli("routes", SEED_BROKEN)
    assert code == 2 and "--api" in err


def test_explain_does_not_import_boto3(seed, tmp_path):
    import subprocess
    import sys
    path = tmp_path / "s.json"
    path.write_text(json.dumps(seed.doc))
    code = ("import sys; from auditor.cli import main; rc = main(['explain', %r, 'GET', '/items']); "
            "assert 'boto3' not in sys.modules, 'boto3 imported'; sys.exit(rc)" % str(path))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("command", ["explain", "routes"])
def test_help(command, capsys):
    from auditor.cli import main
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    assert "SNAPSHOT-OR-TEMPLATE" in capsys.readouterr().out

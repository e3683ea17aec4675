"""`fix --live` end to end: a broken estate in moto (server mode), the plan run by the AWS CLI from pip
with AWS_ENDPOINT_URL, and a fresh collection showing what the plan predicted."""

import json
import os
import subprocess
import sys

import boto3
import pytest

from auditor.cli import main
from tests.live.conftest import ACCOUNT, REGION, make_function

EXPECTED = {"AGW101", "AGW102", "AGW103", "AGW104", "AGW105", "AGW111", "AGW112", "AGW113", "AGW115",
            "AGW201", "AGW202", "AGW203", "AGW301", "AGW302", "AGW303"}


def _arn(name):
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def seed_broken_estate(endpoint: str) -> None:
    """One mistake per automatically fixable rule at or above medium, each on its own function or route.

    Not here because moto cannot do them: AGW205 (moto has no GetAuthorizers, so a Lambda authorizer
    cannot be collected) and AGW105's UpdateStage branch (moto has no UpdateStage for apigatewayv2)."""
    apigw = boto3.client("apigatewayv2", region_name=REGION, endpoint_url=endpoint)
    lam = boto3.client("lambda", region_name=REGION, endpoint_url=endpoint)
    for name in ("items", "orders", "reports", "bare", "elsewhere", "open", "wild", "public", "slow", "garbled"):
        make_function(name, endpoint_url=endpoint)
    lam.update_function_configuration(FunctionName="slow", Timeout=60)  # AGW115: longer than the integration

    main_api = apigw.create_api(Name="main", ProtocolType="HTTP")["ApiId"]
    other_api = apigw.create_api(Name="other", ProtocolType="HTTP")["ApiId"]
    idle_api = apigw.create_api(Name="idle", ProtocolType="HTTP")["ApiId"]
    apigw.create_stage(ApiId=main_api, StageName="$default", AutoDeploy=True)
    apigw.create_stage(ApiId=other_api, StageName="$default", AutoDeploy=True)

    def integration(api, name, **extra):
        params = {"IntegrationType": "AWS_PROXY", "IntegrationUri": _arn(name), "PayloadFormatVersion": "2.0"}
        params.update(extra)
        return apigw.create_integration(ApiId=api, **params)["IntegrationId"]

    items = integration(main_api, "items")
    orders = integration(main_api, "orders", PayloadFormatVersion="1.0")  # AGW111
    reports = integration(main_api, "reports", IntegrationType="AWS")  # AGW112
    garbled = integration(main_api, "garbled", IntegrationUri=f"arn:aws:lambda:{REGION}:{ACCOUNT}:garbled")  # AGW113
    slow = integration(main_api, "slow")
    opened, wild, public, bare = (integration(main_api, n) for n in ("open", "wild", "public", "bare"))
    foreign_items = integration(other_api, "items")
    third_api = apigw.create_api(Name="third", ProtocolType="HTTP")["ApiId"]
    apigw.create_stage(ApiId=third_api, StageName="$default", AutoDeploy=True)
    elsewhere = integration(third_api, "elsewhere")
    integration(idle_api, "items")  # AGW105: no route, no stage

    apigw.create_route(ApiId=main_api, RouteKey="GET /items", Target=f"integrations/{items}")
    apigw.create_route(ApiId=main_api, RouteKey="POST /items", Target=items)  # AGW101
    apigw.create_route(ApiId=main_api, RouteKey="GET /items/{id}", Target=f"integrations/{foreign_items}")  # AGW102
    apigw.create_route(ApiId=other_api, RouteKey="GET /items", Target=f"integrations/{foreign_items}")
    apigw.create_route(ApiId=third_api, RouteKey="GET /elsewhere", Target=f"integrations/{elsewhere}")
    # AGW102 again, but no integration of main calls `elsewhere`: the plan creates one and targets it
    apigw.create_route(ApiId=main_api, RouteKey="GET /elsewhere", Target=f"integrations/{elsewhere}")
    apigw.create_route(ApiId=other_api, RouteKey="$default")  # AGW103: the API's only integration is the answer
    apigw.create_route(ApiId=main_api, RouteKey="GET /orders/", Target=f"integrations/{orders}")  # AGW104
    apigw.create_route(ApiId=main_api, RouteKey="PUT /items", Target=f"integrations/{items}")  # AGW203
    for key, target in (("GET /bare", bare), ("GET /reports", reports), ("GET /garbled", garbled), ("GET /slow", slow),
                        ("GET /open", opened), ("GET /wild", wild), ("GET /public", public)):
        apigw.create_route(ApiId=main_api, RouteKey=key, Target=f"integrations/{target}")
    def grant(function, sid, source_arn=None, principal="apigateway.amazonaws.com"):
        extra = {"SourceArn": source_arn} if source_arn else {}
        lam.add_permission(FunctionName=function, StatementId=sid, Action="lambda:InvokeFunction",
                           Principal=principal, **extra)

    execute = f"arn:aws:execute-api:{REGION}:{ACCOUNT}"
    grant("items", "get-items-only", f"{execute}:{main_api}/*/GET/items")  # AGW203 for the other routes
    grant("items", "other-api", f"{execute}:{other_api}/*")
    grant("orders", "copied", f"{execute}:{other_api}/*")  # AGW202: another API's permission
    # bare (AGW201), reports, garbled: no permission at all (AGW201 once their integrations are repaired)
    grant("elsewhere", "third", f"{execute}:{third_api}/*")
    grant("slow", "slow", f"{execute}:{main_api}/*")
    grant("open", "no-source-arn")  # AGW301
    grant("wild", "wildcard", f"{execute}:*/*")  # AGW302
    grant("public", "anyone", principal="*")  # AGW303


def _run(args) -> int:
    return main(args)


def test_fix_live_script_repairs_the_estate_with_the_aws_cli(moto_server, tmp_path, capsys):
    server = moto_server
    seed_broken_estate(server)
    live = ["--live", "--endpoint-url", server, "--region", REGION]

    assert _run(["audit", *live, "--format", "json"]) == 1
    before = json.loads(capsys.readouterr().out)["findings"]
    found = {f["rule_id"] for f in before if f["severity"] in ("medium", "high", "critical")}
    assert EXPECTED <= found, EXPECTED - found

    script = tmp_path / "fix.sh"
    code = _run(["fix", *live, "--output", str(script)])
    summary = capsys.readouterr().err
    text = script.read_text()
    assert text.startswith("#!/usr/bin/env bash") and "\nset -euo pipefail\n" in text
    assert "Findings after (predicted" in text and "<" not in "".join(
        line for line in text.splitlines() if line.startswith("aws "))  # no placeholder in any command
    # the 1.0 integration of `orders` may serve a 1.0 handler: a person's choice, not a planned switch
    assert "1 at or above medium" in summary and "still: AGW111" in summary, summary
    assert not [line for line in text.splitlines() if "update-integration" in line and not line.startswith("#") and
                "--payload-format-version 2.0" in line and "--integration-type" not in line]
    assert 'new_integration_1=$(aws apigatewayv2 create-integration' in text
    assert '--target "integrations/${new_integration_1}"' in text
    assert code == 1

    env = dict(os.environ, AWS_ENDPOINT_URL=server, AWS_DEFAULT_REGION=REGION,
               PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    done = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-2000:]

    assert _run(["audit", *live, "--format", "json", "--fail-on", "medium"]) == 1
    after = json.loads(capsys.readouterr().out)["findings"]
    left = sorted({f["rule_id"] for f in after if f["severity"] in ("medium", "high", "critical")})
    assert left == ["AGW111"]  # as predicted
    # the statement ids the plan chose were all accepted (Lambda refuses a duplicate id)
    policy = json.loads(boto3.client("lambda", region_name=REGION, endpoint_url=server).get_policy(
        FunctionName="items")["Policy"])
    sids = [s["Sid"] for s in policy["Statement"]]
    assert len(sids) == len(set(sids))


def test_fix_live_on_a_clean_estate_plans_nothing(moto_server, tmp_path, capsys):
    server = moto_server
    from tests.live.conftest import build_seed
    build_seed(endpoint_url=server)
    script = tmp_path / "fix.sh"
    assert _run(["fix", "--live", "--endpoint-url", server, "--region", REGION, "-o", str(script)]) == 0
    assert "Changes: 0" in script.read_text() and "echo 'nothing to change'" in script.read_text()


def test_fix_live_low_threshold_cleans_up_leftovers(moto_server, tmp_path, capsys):
    server = moto_server
    """AGW401/AGW402 at --fail-on low. AGW305 is ignored: its fix is UpdateStage, which moto does not have."""
    from tests.live.conftest import build_seed
    seed = build_seed(endpoint_url=server)
    apigw = boto3.client("apigatewayv2", region_name=REGION, endpoint_url=server)
    apigw.create_integration(ApiId=seed["api_id"], IntegrationType="AWS_PROXY", PayloadFormatVersion="2.0",
                             IntegrationUri=seed["function_arn"])  # AGW401: no route targets it
    boto3.client("lambda", region_name=REGION, endpoint_url=server).add_permission(
        FunctionName="my-frontend-app-api", StatementId="deleted-api", Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com", SourceArn=f"arn:aws:execute-api:{REGION}:{ACCOUNT}:gone000000/*")
    live = ["--live", "--endpoint-url", server, "--region", REGION, "--fail-on", "low", "--ignore", "AGW304,AGW305"]
    script = tmp_path / "fix.sh"
    assert _run(["fix", *live, "-o", str(script)]) == 0
    capsys.readouterr()
    text = script.read_text()
    assert "delete-integration" in text and "remove-permission" in text and "--statement-id deleted-api" in text
    env = dict(os.environ, AWS_ENDPOINT_URL=server, AWS_DEFAULT_REGION=REGION,
               PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    done = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert _run(["audit", *live]) == 0


def test_access_log_group_step_runs_twice_without_failing(moto_server, tmp_path):
    """AGW305's plan creates the log group only when missing (UpdateStage itself is missing from moto)."""
    from auditor.fix.edits import SetStage
    group = "/aws/apigateway/abc123"
    edit = SetStage(account=ACCOUNT, region=REGION, location=None, api_id="abc123", stage="$default",
                    values={"AccessLogSettings": {"DestinationArn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}",
                                                  "Format": "$context.requestId"}})
    step = edit.commands()[0]
    script = tmp_path / "logs.sh"
    script.write_text(f"set -euo pipefail\n{step}\n{step}\n")
    env = dict(os.environ, AWS_ENDPOINT_URL=moto_server, AWS_DEFAULT_REGION=REGION,
               PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    done = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    groups = boto3.client("logs", region_name=REGION, endpoint_url=moto_server).describe_log_groups()["logGroups"]
    assert [g["logGroupName"] for g in groups] == [group]

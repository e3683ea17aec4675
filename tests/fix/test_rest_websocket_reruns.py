"""The `fix --live` script for REST (v1) and WebSocket APIs, run twice with the AWS CLI against a moto server.

The same guarantees as for HTTP APIs (test_script_reruns): the first run clears the planted mistakes, the
second run exits 0 and changes nothing.

Not planted, because moto cannot serve the repair: AGW120/AGW113/AGW115 on REST (`aws apigateway
update-integration`: moto 5 has no UpdateIntegration, nor UpdateMethod); AGW123 (moto's deployments carry no
apiSummary, so what a stage serves cannot be judged; the script's redeployments still run, twice). A REST change goes live through a new deployment, which the script
makes on every run (a rerun deploys the same API again): the comparison reads what each stage serves (the
deployed methods), not the deployment's id or date.
"""

import json
import os
import subprocess
import sys

import boto3

from auditor.cli import main
from tests.live.conftest import ACCOUNT, REGION, make_function

PLANTED = {"AGW121", "AGW122", "AGW201", "AGW203", "AGW230", "AGW231"}


def _env(server):
    return dict(os.environ, AWS_ENDPOINT_URL=server, AWS_DEFAULT_REGION=REGION,
                PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])


def _uri(arn):
    return f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{arn}/invocations"


def _method(gw, api_id, parent, part, verb, arn, *, integration_method="POST", key=False, kind="AWS_PROXY"):
    resource_id = gw.create_resource(restApiId=api_id, parentId=parent, pathPart=part)["id"]
    gw.put_method(restApiId=api_id, resourceId=resource_id, httpMethod=verb, authorizationType="NONE",
                  apiKeyRequired=key)
    gw.put_integration(restApiId=api_id, resourceId=resource_id, httpMethod=verb, type=kind,
                       integrationHttpMethod=integration_method, uri=_uri(arn))
    return resource_id


def seed(server) -> dict:
    """A REST API with four planted mistakes and a WebSocket API with two, each on its own method or route."""
    gw = boto3.client("apigateway", region_name=REGION, endpoint_url=server)
    ws = boto3.client("apigatewayv2", region_name=REGION, endpoint_url=server)
    shop = make_function("shop", endpoint_url=server)
    basket = make_function("basket", endpoint_url=server)
    chat = make_function("chat", endpoint_url=server)
    api_id = gw.create_rest_api(name="shop", endpointConfiguration={"types": ["REGIONAL"]})["id"]
    root = next(r["id"] for r in gw.get_resources(restApiId=api_id)["items"] if r["path"] == "/")
    _method(gw, api_id, root, "orders", "GET", shop)
    _method(gw, api_id, root, "keyed", "GET", shop, key=True)  # AGW122: an API key and no usage plan
    _method(gw, api_id, root, "legacy", "GET", shop, kind="AWS")  # AGW121: non-proxy, no integration response
    cart = _method(gw, api_id, root, "cart", "GET", basket)
    gw.put_method(restApiId=api_id, resourceId=cart, httpMethod="POST", authorizationType="NONE")
    gw.put_integration(restApiId=api_id, resourceId=cart, httpMethod="POST", type="AWS_PROXY",
                       integrationHttpMethod="POST", uri=_uri(basket))
    gw.create_deployment(restApiId=api_id, stageName="prod")  # AGW201: shop has no permission at all
    boto3.client("lambda", region_name=REGION, endpoint_url=server).add_permission(  # AGW203: GET only, POST left out
        FunctionName="basket", StatementId="cart-get", Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com", SourceArn=f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api_id}/*/GET/cart")
    ws_id = ws.create_api(Name="chat", ProtocolType="WEBSOCKET", RouteSelectionExpression="$request.body.action")["ApiId"]
    integration = ws.create_integration(ApiId=ws_id, IntegrationType="AWS_PROXY", IntegrationUri=chat)["IntegrationId"]
    ws.create_route(ApiId=ws_id, RouteKey="$connect", Target=f"integrations/{integration}")  # AGW203 + AGW230
    ws.create_route(ApiId=ws_id, RouteKey="sendmessage", Target=f"integrations/{integration}",
                    AuthorizationType="AWS_IAM")  # AGW231: authorization on a message route
    ws.create_stage(ApiId=ws_id, StageName="prod", AutoDeploy=True)  # moto has no v2 CreateDeployment
    boto3.client("lambda", region_name=REGION, endpoint_url=server).add_permission(  # messages only, not `$connect`
        FunctionName="chat", StatementId="chat-send", Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com", SourceArn=f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{ws_id}/*/sendmessage")
    return {"rest": api_id, "websocket": ws_id}


def _findings(server, capsys) -> set:
    capsys.readouterr()
    main(["audit", "--live", "--endpoint-url", server, "--region", REGION, "--format", "json", "--fail-on", "never"])
    out = json.loads(capsys.readouterr().out)
    return {(f["rule_id"], f.get("message", "")) for f in out["findings"]}


def _served(server, capsys) -> dict:
    """A fresh `snapshot`, with each REST stage's deployment replaced by what it serves, dates and ids of
    deployments dropped: what a rerun may not change."""
    capsys.readouterr()
    assert main(["snapshot", "--endpoint-url", server, "--region", REGION]) == 0
    document = json.loads(capsys.readouterr().out)
    for scope in document["Scopes"]:
        for api in scope.get("RestApis") or ():
            deployments = {d["id"]: d.get("apiSummary") for d in api.pop("Deployments", None) or ()}
            for stage in api.get("Stages") or ():
                stage["served"] = deployments.get(stage.pop("deploymentId", None))
                for key in ("createdDate", "lastUpdatedDate"):
                    stage.pop(key, None)
        for plan in scope.get("UsagePlans") or ():
            plan.pop("id", None)  # counted, not named: a duplicate plan would still show
    return json.loads(json.dumps(document, sort_keys=True).replace(ACCOUNT, "<account>"))


def _bash(path, server):
    return subprocess.run(["bash", str(path)], capture_output=True, text=True, timeout=600, env=_env(server))


def test_rest_and_websocket_fix_script_runs_twice_and_the_second_run_changes_nothing(moto_server, tmp_path, capsys):
    ids = seed(moto_server)
    before = _findings(moto_server, capsys)
    assert PLANTED <= {rule for rule, _ in before}, before
    script = tmp_path / "fix.sh"
    assert main(["fix", "--live", "--endpoint-url", moto_server, "--region", REGION, "--output", str(script)]) == 0
    capsys.readouterr()
    text = script.read_text()
    # the guards: a usage plan only while none serves the stage; the permissions only while their statement is absent
    assert "get-usage-plans" in text and "create-usage-plan" in text
    assert "create-deployment --rest-api-id" in text and "repeatable" in text
    assert "put-method-response" in text and "put-integration-response" in text
    assert f"--source-arn 'arn:aws:execute-api:{REGION}:{ACCOUNT}:{ids['websocket']}/*/$connect'" in text  # quoted
    assert text.count("aws lambda add-permission") == text.count("aws lambda get-policy")

    # stopped after the method response, before the integration response (a throttle, a Ctrl-C): then run whole
    lines = text.splitlines()
    stop = next(i for i, line in enumerate(lines) if "put-method-response" in line)
    partial = tmp_path / "partial.sh"
    partial.write_text("\n".join(lines[:stop + 1]) + "\n")
    assert _bash(partial, moto_server).returncode == 0
    first = _bash(script, moto_server)
    assert first.returncode == 0, first.stderr[-3000:]
    after = _findings(moto_server, capsys)
    assert not PLANTED & {rule for rule, _ in after}, after

    assert {rule for rule, _ in after} <= {rule for rule, _ in before}  # nothing new
    assert f"Findings after (predicted by re-auditing the fixed model): {len(after)} finding(s)" in text
    done = _served(moto_server, capsys)
    assert done["Scopes"][0]["UsagePlans"] and all("Policy" in f for f in done["Scopes"][0]["Functions"])
    again = _bash(script, moto_server)
    assert again.returncode == 0, again.stderr[-3000:]
    assert _served(moto_server, capsys) == done
    assert len(boto3.client("apigateway", region_name=REGION, endpoint_url=moto_server)
               .get_usage_plans()["items"]) == 1


def test_rest_script_from_a_snapshot_parses_and_guards_what_it_creates(tmp_path, capsys):
    """No server needed: the script `fix` writes for a REST snapshot is valid bash, creates a usage plan only
    while none serves the stage, and no longer hides every error of put-method-response."""
    from tests.rest.estate import resource
    from tests.rest.test_fix import _broken
    doc = _broken()
    legacy = resource(doc, "/pets/{id}")["resourceMethods"]["ANY"]["methodIntegration"]
    legacy["type"] = "AWS"  # AGW121: non-proxy, no integration response
    path = tmp_path / "rest.json"
    path.write_text(json.dumps(doc))
    script = tmp_path / "fix.sh"
    assert main(["fix", str(path), "--output", str(script)]) == 0
    capsys.readouterr()
    text = script.read_text()
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True).returncode == 0
    (create,) = [line for line in text.splitlines() if "create-usage-plan --name" in line]
    assert create.startswith('if [ "$(aws apigateway get-usage-plans') and create.endswith("; fi")
    (put,) = [line for line in text.splitlines() if "put-method-response" in line]
    assert "2>/dev/null || true" not in put and "grep -q ConflictException" in put

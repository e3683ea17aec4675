"""`fix` on REST APIs: `aws apigateway` patch operations, then the deployment a change needs to go live;
the re-audit of the fixed model is clean."""

import json

from auditor.cli import main
from tests.rest.estate import arn, fresh, grant, policy, resource, rest_api


def _broken():
    doc = fresh()
    policy(doc)["Statement"] = [grant("a", arn("/*/GET/*"))]
    resource(doc, "/pets")["resourceMethods"]["GET"]["methodIntegration"]["httpMethod"] = "GET"
    resource(doc, "/pets")["resourceMethods"]["GET"]["apiKeyRequired"] = True
    del rest_api(doc)["Deployments"][0]["apiSummary"]["/pets"]["POST"]
    rest_api(doc)["endpointConfiguration"] = {"types": ["PRIVATE"], "vpcEndpointIds": ["vpce-0abc"]}
    return doc


def test_fix_script_patches_deploys_and_leaves_nothing(tmp_path, capsys):
    path = tmp_path / "rest.json"
    path.write_text(json.dumps(_broken()))
    capsys.readouterr()
    assert main(["fix", str(path)]) == 0
    script = capsys.readouterr().out
    assert "Findings after (predicted by re-auditing the fixed model): no findings" in script
    lines = [line for line in script.splitlines() if line.startswith("aws ")]
    update = next(i for i, line in enumerate(lines) if "update-integration" in line)
    deploy = next(i for i, line in enumerate(lines) if "create-deployment" in line)
    assert "--http-method GET --patch-operations op=replace,path=/httpMethod,value=POST" in lines[update]
    assert update < deploy and sum("create-deployment" in line for line in lines) == 1  # one deployment, last
    policy_line = next(line for line in lines if "update-rest-api" in line)
    assert '"path":"/policy"' in policy_line and "vpce-0abc" in policy_line
    assert any("get-usage-plans" in line and "create-usage-plan --name" in line  # only while none serves the stage
               for line in script.splitlines())
    assert any("add-permission" in line and "r3st000001/*/POST/pets" in line for line in lines)


def test_audit_remediation_of_a_rest_change_includes_the_deployment(tmp_path, capsys):
    path = tmp_path / "rest.json"
    path.write_text(json.dumps(_broken()))
    capsys.readouterr()
    main(["audit", str(path), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    [finding] = [f for f in report["findings"] if f["rule_id"] == "AGW120"]
    assert finding["remediation"].endswith(
        "aws apigateway create-deployment --rest-api-id r3st000001 --stage-name prod --region us-east-1")


def test_fix_adds_a_default_integration_response_to_a_non_proxy_integration(tmp_path, capsys):
    doc = fresh()
    integration = resource(doc, "/pets")["resourceMethods"]["GET"]["methodIntegration"]
    integration["type"] = "AWS"
    path = tmp_path / "rest.json"
    path.write_text(json.dumps(doc))
    capsys.readouterr()
    assert main(["fix", str(path)]) == 0
    script = capsys.readouterr().out
    assert "Findings after (predicted by re-auditing the fixed model): no findings" in script
    assert "put-integration-response --rest-api-id r3st000001 --resource-id res1 --http-method GET --status-code 200 " \
           "--selection-pattern ''" in script and "create-deployment" in script

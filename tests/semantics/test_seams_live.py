"""Stage variables read live: the snapshot a real collection (boto3 against moto) writes keeps each
stage's variables, and audit and explain judge each stage by the function they name."""

import boto3

from auditor.findings import Severity
from auditor.live import to_model
from auditor.core.simulate import Request, Simulator
from tests.live.conftest import ACCOUNT, REGION, audit, aws, aws_env, build_seed, make_function, snapshot  # noqa: F401


def test_live_stage_variables_name_the_function_each_stage_invokes(aws):
    seed = build_seed()
    make_function(name="other")
    apigw = boto3.client("apigatewayv2", region_name=REGION)
    apigw.update_integration(ApiId=seed["api_id"], IntegrationId=seed["integration_id"],
                             IntegrationUri=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:${{stageVariables.fn}}")
    # Today's collector reads the policies of functions an integration names literally (issue 11 part 1
    # widens that to every function): keep one naming the granted function.
    apigw.create_integration(ApiId=seed["api_id"], IntegrationType="AWS_PROXY", IntegrationUri=seed["function_arn"],
                             PayloadFormatVersion="2.0")
    apigw.create_stage(ApiId=seed["api_id"], StageName="prod", AutoDeploy=True,
                       StageVariables={"fn": "my-frontend-app-api"})
    apigw.create_stage(ApiId=seed["api_id"], StageName="dev", AutoDeploy=True, StageVariables={"fn": "other"})
    document, _ = snapshot()
    findings = audit(document)
    high = [f for f in findings if f.severity >= Severity.HIGH]
    assert [(f.rule_id, f.resource.function_arn) for f in high] == [
        ("AGW201", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:other")]
    simulator = Simulator(to_model(document))
    dev = simulator.explain(Request("GET", "/dev/items", seed["api_id"], REGION)).verdict
    assert (dev.status, dev.rule_id) == (500, "AGW201") and dev.finding == high[0].message
    assert simulator.explain(Request("GET", "/prod/items", seed["api_id"], REGION)).verdict.reaches
    default = simulator.explain(Request("GET", "/items", seed["api_id"], REGION)).verdict  # no variables there
    assert default.outcome == "unknown" and default.rule_id == "AGW000"

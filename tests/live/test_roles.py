"""Live: the trust policy of a role API Gateway is told to assume is read with iam:GetRole, so AGW210
judges it; a role that cannot be read is AGW000, never a clean pass."""

import json

import boto3

from auditor.engine import all_rules, run_audit
from auditor.findings import Severity
from auditor.live import LiveOptions, collect, to_model
from tests.live.conftest import REGION, build_seed, error_response, hooked_factory

TRUSTS_APIGATEWAY = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def _credentials_integration(seed, role_arn: str) -> str:
    apigw = boto3.client("apigatewayv2", region_name=REGION)
    integration = apigw.create_integration(ApiId=seed["api_id"], IntegrationType="AWS_PROXY", PayloadFormatVersion="2.0",
                                           IntegrationUri=seed["function_arn"], CredentialsArn=role_arn)["IntegrationId"]
    apigw.create_route(ApiId=seed["api_id"], RouteKey="GET /reports", Target=f"integrations/{integration}")
    return integration


def _audit(**options):
    document, stats = collect(LiveOptions(regions=[REGION], progress=False, **options))
    return document, run_audit(to_model(document), all_rules()).findings, stats


def test_a_role_trusting_only_lambda_is_reported(aws):
    seed = build_seed()
    role = boto3.client("iam", region_name=REGION).get_role(RoleName="lambda-role")["Role"]["Arn"]
    integration = _credentials_integration(seed, role)
    document, findings, stats = _audit()
    [hit] = [f for f in findings if f.rule_id == "AGW210"]
    assert hit.resource.integration_id == integration and "lambda.amazonaws.com" in hit.message
    assert "GET /reports" in hit.message and hit.remediation.startswith("aws iam update-assume-role-policy --role-name lambda-role")
    assert stats.operations["GetRole"] == 1
    assert document["Scopes"][0]["Roles"][0]["Arn"] == role


def test_a_role_trusting_api_gateway_is_not(aws):
    seed = build_seed()
    role = boto3.client("iam", region_name=REGION).create_role(
        RoleName="apigw-invoke", AssumeRolePolicyDocument=json.dumps(TRUSTS_APIGATEWAY))["Role"]["Arn"]
    _credentials_integration(seed, role)
    _, findings, _ = _audit()
    assert "AGW210" not in {f.rule_id for f in findings}


def test_a_role_that_cannot_be_read_is_audit_incomplete_not_clean(aws):
    seed = build_seed()
    role = boto3.client("iam", region_name=REGION).get_role(RoleName="lambda-role")["Role"]["Arn"]
    _credentials_integration(seed, role)

    def deny(**_):
        return error_response(403, "AccessDenied", "not authorized to perform: iam:GetRole")

    _, findings, _ = _audit(client_factory=hooked_factory([("iam", None, "before-send.iam.GetRole", deny)]))
    assert "AGW210" not in {f.rule_id for f in findings}
    [incomplete] = [f for f in findings if f.rule_id == "AGW000" and "GetRole" in f.message]
    assert incomplete.severity == Severity.MEDIUM and role in incomplete.message

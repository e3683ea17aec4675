"""The audit role in deploy/ grants exactly what the collector calls: every call any test makes is checked
against it (tests/conftest.py), and here a run that makes every kind of call proves each grant is used."""

import subprocess
import sys
from pathlib import Path

import boto3

from auditor.live import LiveOptions, collect
from tests.audit_role import (ROLE_TEMPLATE, SCANNER_ACTIONS, allowed, not_allowed, role_grants, scanner_grants,
                              terraform_grants)
from tests.live.conftest import FUNCTION, REGION, build_seed


def test_the_role_template_is_valid_cloudformation():
    exe = Path(sys.executable).parent / "cfn-lint"
    done = subprocess.run([str(exe), str(ROLE_TEMPLATE)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def test_terraform_grants_the_same_as_cloudformation():
    assert terraform_grants() == role_grants()


def test_every_grant_is_used_and_every_call_is_granted(aws, collector_calls):
    seed = build_seed()
    lam = boto3.client("lambda", region_name=REGION)
    version = lam.publish_version(FunctionName=FUNCTION)["Version"]
    lam.create_alias(FunctionName=FUNCTION, Name="live", FunctionVersion=version)
    apigw = boto3.client("apigatewayv2", region_name=REGION)
    for qualifier in ("live", version):
        apigw.create_integration(ApiId=seed["api_id"], IntegrationType="AWS_PROXY", PayloadFormatVersion="2.0",
                                 IntegrationUri=f"{seed['function_arn']}:{qualifier}")
    role = boto3.client("iam", region_name=REGION).get_role(RoleName="lambda-role")["Role"]["Arn"]
    apigw.create_integration(ApiId=seed["api_id"], IntegrationType="AWS_PROXY", PayloadFormatVersion="2.0",
                             IntegrationUri=seed["function_arn"], CredentialsArn=role)
    rest = boto3.client("apigateway", region_name=REGION).create_rest_api(name="rest")  # GetUsagePlans needs one
    assert rest["id"]
    apigw.create_domain_name(DomainName="api.example.com")  # GetApiMappings needs a custom domain
    apigw.create_api_mapping(DomainName="api.example.com", ApiId=seed["api_id"], Stage="$default")
    boto3.client("organizations", region_name=REGION).create_organization(FeatureSet="ALL")
    for options in (LiveOptions(regions=[REGION]), LiveOptions(regions=[REGION], api_ids=[seed["api_id"]]),
                    LiveOptions(organization=True, all_regions=True)):
        options.progress = False
        collect(options)
    assert not_allowed(collector_calls) == []
    role = role_grants()
    used = {grant for grant in role if any(allowed(call, {grant}) for call in collector_calls)}
    assert used == role, f"granted but never called: {sorted(role - used)}"
    assert {action for action, _ in scanner_grants()} == SCANNER_ACTIONS
    assert SCANNER_ACTIONS <= {action for action, _ in collector_calls}
    # nothing that writes: every role action reads
    assert all(action.split(":")[1].startswith(("Get", "List", "Describe", "GET")) for action, _ in role)


def test_a_call_the_role_does_not_grant_is_caught():
    granted = role_grants()
    without = {g for g in granted if g[0] != "lambda:GetPolicy"}
    call = ("lambda:GetPolicy", f"arn:aws:lambda:{REGION}:ACCOUNT:function:{FUNCTION}")
    assert allowed(call, granted) and not allowed(call, without)
    assert not allowed(("apigateway:DELETE", f"arn:aws:apigateway:{REGION}::/apis/x"), granted)
    assert not allowed(("apigateway:GET", f"arn:aws:apigateway:{REGION}::/apikeys"), granted)  # key values: never read

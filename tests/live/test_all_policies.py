"""Live collection reads the policy of every function in the scope, not only of those an integration
names: exposure and hygiene rules judge them all, and deleting an unused integration hides nothing."""

import boto3

from auditor.engine import all_rules, run_audit
from auditor.live import LiveOptions, collect, to_model
from tests.live.conftest import ACCOUNT, REGION, build_seed, make_function


def _audit():
    document, stats = collect(LiveOptions(regions=[REGION], progress=False))
    return run_audit(to_model(document), all_rules()).findings, stats


def _public_function(name: str) -> str:
    arn = make_function(name)
    boto3.client("lambda", region_name=REGION).add_permission(
        FunctionName=name, StatementId="anyone", Action="lambda:InvokeFunction", Principal="*")
    return arn


def _stale_function(name: str, api_id: str) -> str:
    """A function granting an API of this account that does not exist (any more)."""
    arn = make_function(name)
    boto3.client("lambda", region_name=REGION).add_permission(
        FunctionName=name, StatementId="old-api", Action="lambda:InvokeFunction", Principal="apigateway.amazonaws.com",
        SourceArn=f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api_id}/*")
    return arn


def _about(findings, arn: str) -> set[str]:
    return {f.rule_id for f in findings if f.resource.function_arn == arn}


def test_a_public_function_no_integration_names_is_reported(aws):
    build_seed()
    public = _public_function("public-report")
    findings, _ = _audit()
    assert "AGW303" in _about(findings, public)


def test_a_stale_grant_on_a_function_nothing_names_is_reported(aws):
    build_seed()
    stale = _stale_function("old-handler", "gone123456")
    findings, _ = _audit()
    assert "AGW402" in _about(findings, stale)


def test_deleting_an_unused_integration_does_not_hide_a_public_function(aws):
    seed = build_seed()
    public = _public_function("public-report")
    apigw = boto3.client("apigatewayv2", region_name=REGION)
    unused = apigw.create_integration(ApiId=seed["api_id"], IntegrationType="AWS_PROXY", IntegrationUri=public,
                                      PayloadFormatVersion="2.0")["IntegrationId"]
    with_integration, _ = _audit()
    apigw.delete_integration(ApiId=seed["api_id"], IntegrationId=unused)
    without, _ = _audit()
    assert "AGW401" in _about(with_integration, public)  # the unused integration itself
    assert "AGW303" in _about(with_integration, public)
    assert "AGW303" in _about(without, public)


def test_one_get_policy_per_function(aws):
    build_seed()
    _public_function("public-report")
    make_function("no-policy-at-all")
    _, stats = _audit()
    assert stats.operations.get("GetPolicy") == 3

"""The collector is read-only: every operation it sends is a Get*/List* call (sts:AssumeRole only
obtains credentials), recorded through botocore event hooks on every client it creates."""

import boto3

from auditor.live import LiveOptions, collect
from tests.live.conftest import FUNCTION, REGION, build_seed, hooked_factory


def test_every_operation_is_a_read(aws):
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
                             IntegrationUri=seed["function_arn"], CredentialsArn=role)  # read with iam:GetRole
    runs = [
        LiveOptions(regions=[REGION, "eu-west-1"]),
        LiveOptions(regions=[REGION], api_ids=[seed["api_id"]]),
        LiveOptions(all_regions=True, role_arns=["arn:aws:iam::123456789012:role/auditor"]),
    ]
    record: list = []
    for options in runs:
        options.progress = False
        options.client_factory = hooked_factory([], record)
        document, stats = collect(options)
        assert document["Scopes"]
    operations = {op for _, _, op, _ in record}
    # the run exercised every kind of call the collector makes
    assert {"GetCallerIdentity", "AssumeRole", "DescribeRegions", "GetApis", "GetApi", "GetRoutes", "GetIntegrations",
            "GetStages", "ListFunctions", "GetFunctionConfiguration", "GetPolicy", "ListAliases",
            "ListVersionsByFunction", "GetResources", "GetRole"} <= operations
    writes = sorted({op for op in operations if not op.startswith(("Get", "List", "Describe")) and op != "AssumeRole"})
    assert writes == []
    # and the REST services were only ever sent HTTP GETs
    assert {method for service, _, _, method in record if service in ("apigatewayv2", "lambda")} == {"GET"}

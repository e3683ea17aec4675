"""The seed tutorial built in moto through the real boto3 client, collected live, then audited."""

import json

import boto3

from auditor.cli import main
from auditor.findings import Severity
from auditor.live import dumps
from tests.live.conftest import ACCOUNT, FUNCTION, REGION, audit, build_seed, ids, snapshot


def test_correct_setup_collects_complete_and_audits_clean(aws):
    seed = build_seed()
    document, stats = snapshot()
    [scope] = document["Scopes"]
    assert (scope["AccountId"], scope["Region"], scope["Complete"], scope["Errors"]) == (ACCOUNT, REGION, True, [])
    [api] = scope["Apis"]
    assert api["ApiId"] == seed["api_id"]
    assert sorted(r["RouteKey"] for r in api["Routes"]) == ["$default", "GET /items", "GET /items/{id}", "POST /items"]
    [function] = scope["Functions"]
    policy = json.loads(function["Policy"])
    assert policy["Statement"][0]["Condition"]["ArnLike"]["AWS:SourceArn"].endswith(f"{seed['api_id']}/*")
    findings = audit(document)
    assert ids(findings, Severity.MEDIUM) == []
    assert ids(findings) == ["AGW304", "AGW305"]


def test_forgotten_integrations_prefix(aws):
    seed = build_seed(prefix=False)
    findings = audit(snapshot()[0])
    agw101 = [f for f in findings if f.rule_id == "AGW101"]
    assert len(agw101) == 4
    assert all(f.resource.api_id == seed["api_id"] for f in agw101)
    assert f"integrations/{seed['integration_id']}" in agw101[0].remediation


def test_payload_format_1_0(aws):
    build_seed(payload="1.0")
    assert "AGW111" in ids(audit(snapshot()[0]), Severity.MEDIUM)


def test_missing_permission(aws):
    seed = build_seed(permission=False)
    findings = audit(snapshot()[0])
    agw201 = [f for f in findings if f.rule_id == "AGW201"]
    assert agw201 and agw201[0].resource.function_arn == seed["function_arn"]
    assert "add-permission" in agw201[0].remediation
    assert "AGW000" not in ids(findings)  # GetPolicy's ResourceNotFoundException means "no policy"


def test_mismatched_api_ids(aws):
    seed = build_seed()
    apigw = boto3.client("apigatewayv2", region_name=REGION)
    dev = apigw.create_api(Name="my-frontend-app-api-dev", ProtocolType="HTTP")["ApiId"]
    apigw.create_stage(ApiId=dev, StageName="$default", AutoDeploy=True)
    # The route went to the dev API but names the integration of the other one.
    apigw.create_route(ApiId=dev, RouteKey="GET /items", Target=f"integrations/{seed['integration_id']}")
    findings = audit(snapshot()[0])
    agw102 = [f for f in findings if f.rule_id == "AGW102"]
    assert [f.resource.api_id for f in agw102] == [dev]
    assert seed["api_id"] in agw102[0].message


def test_permission_for_another_api(aws):
    build_seed(permission=False)
    boto3.client("lambda", region_name=REGION).add_permission(
        FunctionName=FUNCTION, StatementId="apigateway-invoke", Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com", SourceArn=f"arn:aws:execute-api:{REGION}:{ACCOUNT}:otherapi00/*")
    findings = audit(snapshot()[0])
    assert "AGW202" in ids(findings)
    assert "AGW402" in ids(findings)  # the scope is complete: otherapi00 does not exist


def test_function_deleted_after_wiring(aws):
    build_seed()
    boto3.client("lambda", region_name=REGION).delete_function(FunctionName=FUNCTION)
    assert "AGW114" in ids(audit(snapshot()[0]))


def test_api_id_narrows_the_run_and_marks_it_incomplete(aws):
    seed = build_seed()
    other = boto3.client("apigatewayv2", region_name=REGION).create_api(Name="other", ProtocolType="HTTP")["ApiId"]
    document, stats = snapshot(api_ids=[seed["api_id"]])
    [scope] = document["Scopes"]
    assert scope["Complete"] is False
    assert [a["ApiId"] for a in scope["Apis"]] == [seed["api_id"]]
    assert other not in dumps(document)
    assert [f["FunctionName"] for f in scope["Functions"]] == [FUNCTION]
    assert "ListFunctions" not in stats.operations and "GetApis" not in stats.operations
    assert stats.operations["GetFunctionConfiguration"] == 1
    assert ids(audit(document), Severity.MEDIUM) == []


def test_unknown_api_id_is_recorded(aws):
    build_seed()
    document, _ = snapshot(api_ids=["nosuchapi0"])
    [error] = document["Scopes"][0]["Errors"]
    assert (error["Operation"], error["Resource"], error["Code"]) == ("GetApi", "nosuchapi0", "NotFoundException")
    assert "AGW000" in ids(audit(document))


def test_aliases_and_versions_referenced_by_integrations(aws):
    seed = build_seed()
    lam = boto3.client("lambda", region_name=REGION)
    version = lam.publish_version(FunctionName=FUNCTION)["Version"]
    lam.create_alias(FunctionName=FUNCTION, Name="live", FunctionVersion=version)
    apigw = boto3.client("apigatewayv2", region_name=REGION)
    apigw.create_integration(ApiId=seed["api_id"], IntegrationType="AWS_PROXY", PayloadFormatVersion="2.0",
                             IntegrationUri=f"{seed['function_arn']}:live")
    apigw.create_integration(ApiId=seed["api_id"], IntegrationType="AWS_PROXY", PayloadFormatVersion="2.0",
                             IntegrationUri=f"{seed['function_arn']}:{version}")
    apigw.create_integration(ApiId=seed["api_id"], IntegrationType="AWS_PROXY", PayloadFormatVersion="2.0",
                             IntegrationUri=f"{seed['function_arn']}:gone")
    document, stats = snapshot()
    [function] = document["Scopes"][0]["Functions"]
    assert [a["Name"] for a in function["Aliases"]] == ["live"] and "Policy" in function["Aliases"][0]
    assert [v["Version"] for v in function["Versions"]] == [version] and "Policy" in function["Versions"][0]
    assert stats.operations["ListAliases"] == 1 and stats.operations["ListVersionsByFunction"] == 1
    assert stats.operations["GetPolicy"] == 3  # the function, alias live, version 1
    findings = audit(document)
    missing = [f for f in findings if f.rule_id == "AGW114"]
    assert len(missing) == 1 and missing[0].resource.function_arn.endswith(":gone")


def test_snapshot_then_audit_agrees_with_audit_live(aws, tmp_path, capsys):
    build_seed(payload="1.0", permission=False)
    out = tmp_path / "snap.json"
    assert main(["snapshot", "--region", REGION, "--output", str(out)]) == 0
    assert main(["audit", str(out), "--format", "json"]) == 1
    from_file = json.loads(capsys.readouterr().out)
    assert main(["audit", "--live", "--region", REGION, "--format", "json"]) == 1
    live = json.loads(capsys.readouterr().out)
    key = lambda report: sorted((f["fingerprint"], f["severity"], f["message"]) for f in report["findings"])
    assert key(from_file) == key(live)
    assert {"AGW111", "AGW201"} <= {f["rule_id"] for f in live["findings"]}


def test_environment_values_and_credentials_never_written(aws, tmp_path, capsys):
    from tests.live.conftest import SECRET
    seed = build_seed()
    apigw = boto3.client("apigatewayv2", region_name=REGION)
    apigw.create_integration(ApiId=seed["api_id"], IntegrationType="HTTP_PROXY", IntegrationMethod="GET",
                             IntegrationUri="https://backend.example.com", PayloadFormatVersion="1.0",
                             RequestParameters={"overwrite:header.x-api-key": SECRET,
                                                "append:header.x-request-id": "$context.requestId"})
    out = tmp_path / "snap.json"
    assert main(["snapshot", "--region", REGION, "-o", str(out)]) == 0
    text = out.read_text() + capsys.readouterr().err
    for secret in (SECRET, "DB_PASSWORD", "fakeSecretValueForTests", "AKIAFAKEKEYFORTESTS1"):
        assert secret not in text
    scope = json.loads(out.read_text())["Scopes"][0]
    assert "Environment" not in scope["Functions"][0]
    [http] = [i for i in scope["Apis"][0]["Integrations"] if i["IntegrationType"] == "HTTP_PROXY"]
    assert http["RequestParameters"] == {"overwrite:header.x-api-key": "<redacted by apigw-auditor>",
                                         "append:header.x-request-id": "$context.requestId"}


def test_live_usage_errors(aws, capsys):
    assert main(["audit", "--live", "examples/seed-correct.json"]) == 2
    assert "no PATH" in capsys.readouterr().err
    assert main(["audit", "examples/seed-correct.json", "--api-id", "x"]) == 2
    assert "--api-id" in capsys.readouterr().err
    assert main(["audit"]) == 2
    assert "--live" in capsys.readouterr().err
    assert main(["snapshot", "--region", REGION, "--all-regions"]) == 2
    assert main(["snapshot", "--role-arn", "not-an-arn", "--region", REGION]) == 2
    assert "IAM role ARN" in capsys.readouterr().err


def test_no_credentials_exit_2(aws_env, monkeypatch, capsys):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert main(["snapshot", "--region", REGION]) == 2
    assert "no AWS credentials" in capsys.readouterr().err


def test_unknown_profile_exit_2(aws_env, capsys):
    assert main(["snapshot", "--profile", "nosuchprofile", "--region", REGION]) == 2
    assert "nosuchprofile" in capsys.readouterr().err


def test_no_region_exit_2(aws, monkeypatch, capsys):
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.delenv("AWS_REGION", raising=False)
    assert main(["snapshot"]) == 2
    assert "--region" in capsys.readouterr().err


def test_progress_bar_only_when_asked_or_on_a_terminal(aws, capsys):
    build_seed()
    snapshot(progress=True)
    err = capsys.readouterr().err
    assert "collecting" in err and "1/1" in err and "AWS calls" in err
    snapshot()  # progress=False, as when stderr is not a terminal
    assert capsys.readouterr().err == ""


def test_collected_snapshot_matches_the_shipped_schema(aws):
    import jsonschema
    from importlib.resources import files
    schema = json.loads(files("auditor").joinpath("schemas/snapshot.schema.json").read_text())
    build_seed()
    for options in ({}, {"api_ids": ["nosuchapi0"]}):
        jsonschema.validate(json.loads(dumps(snapshot(**options)[0])), schema)


def test_suppression_tags_on_functions_are_collected(aws, capsys):
    """A function's `apigw-auditor:ignore` tag works live as from a file: one tagging-API listing reads it."""
    seed = build_seed()
    lam = boto3.client("lambda", region_name=REGION)
    lam.add_permission(FunctionName=FUNCTION, StatementId="any-api", Action="lambda:InvokeFunction",
                       Principal="apigateway.amazonaws.com")  # no SourceArn: AGW301, high
    capsys.readouterr()
    assert main(["audit", "--live", "--region", REGION, "--format", "json"]) == 1
    assert "AGW301" in {f["rule_id"] for f in json.loads(capsys.readouterr().out)["findings"]}
    lam.tag_resource(Resource=seed["function_arn"], Tags={"apigw-auditor:ignore": "AGW301",
                                                          "apigw-auditor:reason": "partner APIs call it by design"})
    assert main(["audit", "--live", "--region", REGION, "--format", "json", "--show-suppressed"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert "AGW301" not in {f["rule_id"] for f in report["findings"]}
    [suppressed] = report["suppressed"]
    assert suppressed["rule_id"] == "AGW301" and suppressed["suppression"]["reason"] == "partner APIs call it by design"


def test_a_collected_snapshot_is_decoded_straight_into_the_model(aws, tmp_path, monkeypatch):
    """What `apigw-auditor snapshot` writes (nulls, types and keys as AWS returns them) is what the typed reader
    takes: a large collected estate gets the fast path, not the general reader it falls back to."""
    from auditor import snapshot as snapshot_module
    build_seed(payload="1.0")
    out = tmp_path / "snap.json"
    assert main(["snapshot", "--region", REGION, "--output", str(out)]) == 0
    monkeypatch.setattr(snapshot_module, "FAST_MIN_BYTES", 0)
    model = snapshot_module.fast_read(out.read_bytes(), str(out))
    assert model is not None
    (scope,) = model.scopes
    assert len(scope.apis[0].routes) == 4 and scope.functions[0].statements

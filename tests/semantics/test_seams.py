"""Where pieces meet: stage variables, unknown stage names, partitions, authorizer use, NotPrincipal.

Each test runs the real CLI on a variant of the seed tutorial's correct snapshot (or a template) and
asserts what a user sees from `audit` and, where the request path matters, from `explain` too: the
two must tell the same story (issue 11). Each began as a defect of an earlier version.
"""

import json
import textwrap

import pytest

from auditor.core.arns import dns_suffix_for_region, known_partitions, parse_invoke_host, partition_for_region
from auditor.cli import main
from tests.seed import ACCOUNT, API_ID, REGION, grant

PERMISSION_RULES = {"AGW201", "AGW202", "AGW203", "AGW204", "AGW205", "AGW206"}
OTHER_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:other"


def rule_ids(findings, at_least=None):
    order = ["info", "low", "medium", "high", "critical"]
    return {f["rule_id"] for f in findings if at_least is None or order.index(f["severity"]) >= order.index(at_least)}


@pytest.fixture
def run(tmp_path, capsys):
    """`apigw-auditor audit|explain FILE ... --format json` on a document: the parsed output."""

    def invoke(command, doc, *args, name="snapshot.json"):
        path = tmp_path / name
        path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
        capsys.readouterr()
        code = main([command, str(path), *args, "--format", "json"])
        out = json.loads(capsys.readouterr().out)
        assert code in (0, 1)
        return out["findings"] if command == "audit" else out

    return invoke


def explain_verdict(run, doc, *request):
    return run("explain", doc, *request)["verdict"]


# --------------------------------------------------------------------------- stage variables

def _stage_variable_api(seed, prod_fn="my-frontend-app-api", dev_fn="other"):
    seed.integration["IntegrationUri"] = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:${{stageVariables.fn}}"
    seed.api["Stages"] = [{"StageName": "prod", "AutoDeploy": True, "StageVariables": {"fn": prod_fn}},
                          {"StageName": "dev", "AutoDeploy": True, "StageVariables": {"fn": dev_fn}}]
    seed.scope["Functions"].append({"FunctionName": "other", "FunctionArn": OTHER_ARN, "Timeout": 3})


def test_each_stage_is_judged_by_the_function_its_variables_name(seed, run):
    """Before: AGW000 info "cannot be checked statically" while explain predicted 500 on dev."""
    _stage_variable_api(seed)
    findings = run("audit", seed.doc)
    missing = [f for f in findings if f["rule_id"] == "AGW201"]
    assert len(missing) == 1 and "other" in missing[0]["message"] and "stage(s) dev" in missing[0]["message"]
    assert missing[0]["severity"] == "high"
    assert not [f for f in findings if f["rule_id"] == "AGW000" and "statically" in f["message"]]
    dev = explain_verdict(run, seed.doc, "GET", "/dev/items")
    assert (dev["status"], dev["rule_id"]) == (500, "AGW201")
    assert dev["finding"] == missing[0]["message"]
    prod = explain_verdict(run, seed.doc, "GET", "/prod/items")
    assert prod["reaches"] and prod["outcome"] == "reaches-function"


def test_stage_variables_naming_granted_functions_audit_clean(seed, run):
    _stage_variable_api(seed, dev_fn="other")
    seed.scope["Functions"][-1]["Policy"] = json.dumps(
        {"Statement": [grant(f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API_ID}/*", resource=OTHER_ARN)]})
    findings = run("audit", seed.doc)
    assert not rule_ids(findings) & (PERMISSION_RULES | {"AGW000"})
    assert explain_verdict(run, seed.doc, "POST", "/dev/items")["reaches"]


def test_a_stage_variable_no_stage_defines_stays_unknown_in_both(seed, run):
    _stage_variable_api(seed)
    del seed.api["Stages"][1]["StageVariables"]
    findings = run("audit", seed.doc)
    unknown = [f for f in findings if f["rule_id"] == "AGW000" and "stage(s) dev" in f["message"]]
    assert len(unknown) == 1
    dev = explain_verdict(run, seed.doc, "GET", "/dev/items")
    assert dev["outcome"] == "unknown" and dev["rule_id"] == "AGW000"


def test_a_stage_variable_resolving_to_no_function_arn_is_agw113(seed, run):
    seed.integration["IntegrationUri"] = "${stageVariables.uri}"
    seed.api["Stages"] = [{"StageName": "prod", "AutoDeploy": True, "StageVariables": {"uri": "not-an-arn"}}]
    findings = run("audit", seed.doc)
    assert "AGW113" in rule_ids(findings, "high")
    verdict = explain_verdict(run, seed.doc, "GET", "/prod/items")
    assert (verdict["status"], verdict["rule_id"]) == (500, "AGW113")


# --------------------------------------------------------------------------- stage name not known before deployment

_UNKNOWN_STAGE = textwrap.dedent("""\
    AWSTemplateFormatVersion: '2010-09-09'
    Transform: AWS::Serverless-2016-10-31
    Parameters:
      StageName:
        Type: String
    Resources:
      Api:
        Type: AWS::Serverless::HttpApi
        Properties:
          StageName: !Ref StageName
      Fn:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          InlineCode: "def handler(e, c): return {}"
          Events:
            Get:
              Type: HttpApi
              Properties:
                ApiId: !Ref Api
                Path: /items
                Method: GET
    """)


def test_an_unresolved_stage_name_is_never_compared_as_a_name(run):
    """Before: high AGW203 on SAM's own correct wiring (`${unresolved:parameter StageName}` held a ':')."""
    findings = run("audit", _UNKNOWN_STAGE, name="template.yaml")
    assert not rule_ids(findings, "medium")


def test_a_grant_for_named_stages_is_unknown_on_an_unresolved_stage(seed, run):
    seed.api["Stages"] = [{"StageName": "${unresolved:parameter StageName}", "AutoDeploy": True}]
    seed.set_statements([grant(f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API_ID}/prod/*/*")])
    findings = run("audit", seed.doc)
    assert not rule_ids(findings) & PERMISSION_RULES
    assert any(f["rule_id"] == "AGW000" and "not known before deployment" in f["message"] for f in findings)


def test_a_route_no_grant_covers_on_any_stage_is_still_reported_when_the_stage_is_unknown(seed, run):
    seed.api["Stages"] = [{"StageName": "${unresolved:parameter StageName}", "AutoDeploy": True}]
    seed.set_statements([grant(f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API_ID}/*/GET/items"),
                         {**grant(f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API_ID}/*/POST/items", sid="no"),
                          "Effect": "Deny"}])
    findings = run("audit", seed.doc)
    uncovered = [f for f in findings if f["rule_id"] == "AGW203"]
    assert [f["resource"]["route_key"] for f in uncovered] == ["POST /items"]


# --------------------------------------------------------------------------- partitions

def test_every_botocore_partition_maps_its_own_regions_back():
    partitions = known_partitions()
    assert {"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"} <= set(partitions)
    expected = {"us-east-1": "aws", "cn-north-1": "aws-cn", "us-gov-west-1": "aws-us-gov", "us-iso-east-1": "aws-iso",
                "us-isob-east-1": "aws-iso-b", "eu-isoe-west-1": "aws-iso-e", "us-isof-south-1": "aws-iso-f",
                "eusc-de-east-1": "aws-eusc"}
    assert {region: partition_for_region(region) for region in expected} == expected
    assert dns_suffix_for_region("eusc-de-east-1") == "amazonaws.eu"
    assert parse_invoke_host("abc123.execute-api.cn-north-1.amazonaws.com.cn") == ("abc123", "cn-north-1")
    assert parse_invoke_host("abc123.execute-api.us-isob-east-1.sc2s.sgov.gov") == ("abc123", "us-isob-east-1")
    assert parse_invoke_host("abc123.execute-api.us-east-1.amazonaws.com.cn") is None


def _moved(seed, region):
    """The seed's correct wiring, moved whole to a region (and so to its partition)."""
    partition = partition_for_region(region)
    text = json.dumps(seed.doc).replace("arn:aws:", f"arn:{partition}:").replace(REGION, region)
    return json.loads(text), partition


@pytest.mark.parametrize("region", ["eusc-de-east-1", "us-iso-east-1", "us-isob-east-1", "cn-north-1"])
def test_correct_wiring_in_any_partition_audits_clean_and_reaches(seed, run, region):
    """Before: AGW202 high for aws-eusc and aws-iso (the region was taken for partition `aws`)."""
    doc, partition = _moved(seed, region)
    assert not rule_ids(run("audit", doc)) & PERMISSION_RULES
    host = f"{API_ID}.execute-api.{region}.{dns_suffix_for_region(region)}"
    verdict = explain_verdict(run, doc, f"https://{host}/items", "GET")
    assert verdict["reaches"], verdict


def test_a_function_in_another_partition_cannot_be_invoked(seed, run):
    """Before: an aws API naming an aws-cn function audited clean."""
    cn_arn = f"arn:aws-cn:lambda:cn-north-1:{ACCOUNT}:function:my-frontend-app-api"
    seed.integration["IntegrationUri"] = cn_arn
    seed.function["FunctionArn"] = cn_arn
    seed.set_statements([grant(f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API_ID}/*", resource=cn_arn)])
    findings = run("audit", seed.doc)
    crossing = [f for f in findings if f["rule_id"] == "AGW206"]
    assert len(crossing) == 1 and crossing[0]["severity"] == "high" and "aws-cn" in crossing[0]["message"]
    verdict = explain_verdict(run, seed.doc, "GET", "/items")
    assert (verdict["status"], verdict["rule_id"]) == (500, "AGW206")


def test_a_function_arn_whose_partition_is_not_its_regions_is_reported(seed, run):
    wrong = f"arn:aws:lambda:cn-north-1:{ACCOUNT}:function:my-frontend-app-api"
    seed.integration["IntegrationUri"] = wrong
    assert "AGW206" in rule_ids(run("audit", seed.doc), "high")


def test_a_source_arn_in_another_partition_names_the_partition(seed, run):
    seed.set_statements([grant(f"arn:aws-cn:execute-api:{REGION}:{ACCOUNT}:{API_ID}/*")])
    (finding,) = [f for f in run("audit", seed.doc) if f["rule_id"] == "AGW202"]
    assert "partition" in finding["message"] and "aws-cn" in finding["message"]


# --------------------------------------------------------------------------- authorizers

AUTH_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:authz"


def _authorizer(seed, used: bool):
    seed.api["Authorizers"] = [{"AuthorizerId": "au1234", "Name": "lambda-authz", "AuthorizerType": "REQUEST",
                                "AuthorizerUri": f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/"
                                                 f"{AUTH_ARN}/invocations"}]
    seed.scope["Functions"].append({"FunctionName": "authz", "FunctionArn": AUTH_ARN, "Timeout": 3})
    if used:
        seed.route("GET /items").update(AuthorizationType="CUSTOM", AuthorizerId="au1234")


def test_an_authorizer_no_route_uses_is_low_hygiene_not_agw205(seed, run):
    """Before: AGW205 high ("requests get 500") for an authorizer no route runs."""
    _authorizer(seed, used=False)
    findings = run("audit", seed.doc)
    assert "AGW205" not in rule_ids(findings)
    (unused,) = [f for f in findings if f["rule_id"] == "AGW403"]
    assert unused["severity"] == "low" and "lambda-authz" in unused["message"]


def test_an_authorizer_a_route_uses_needs_its_permission(seed, run):
    _authorizer(seed, used=True)
    findings = run("audit", seed.doc)
    (missing,) = [f for f in findings if f["rule_id"] == "AGW205"]
    assert "GET /items" in missing["message"] and "AGW403" not in rule_ids(findings)
    verdict = explain_verdict(run, seed.doc, "GET", "/items")
    assert verdict["rule_id"] == "AGW205" and 500 in verdict["statuses"]
    assert explain_verdict(run, seed.doc, "POST", "/items")["reaches"]


# --------------------------------------------------------------------------- NotPrincipal

def _not_principal(effect, excluded):
    return {"Sid": "np", "Effect": effect, "NotPrincipal": excluded, "Action": "lambda:InvokeFunction",
            "Resource": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:my-frontend-app-api"}


def test_allow_with_not_principal_is_public_and_admits_api_gateway(seed, run):
    """Before: ignored, so AGW201 (no permission) and no exposure finding."""
    seed.set_statements([_not_principal("Allow", {"AWS": f"arn:aws:iam::{ACCOUNT}:root"})])
    findings = run("audit", seed.doc)
    assert not rule_ids(findings) & PERMISSION_RULES
    (public,) = [f for f in findings if f["rule_id"] == "AGW303"]
    assert public["severity"] == "critical" and "except" in public["message"]


def test_allow_with_not_principal_naming_api_gateway_does_not_admit_it(seed, run):
    seed.set_statements([_not_principal("Allow", {"Service": "apigateway.amazonaws.com"})])
    findings = run("audit", seed.doc)
    assert "AGW201" in rule_ids(findings, "high")
    verdict = explain_verdict(run, seed.doc, "GET", "/items")
    assert verdict["rule_id"] == "AGW201"


def test_deny_with_not_principal_denies_api_gateway_unless_named(seed, run):
    whole = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API_ID}/*"
    seed.set_statements([grant(whole), _not_principal("Deny", {"AWS": f"arn:aws:iam::{ACCOUNT}:root"})])
    assert "AGW203" in rule_ids(run("audit", seed.doc), "high")
    seed.set_statements([grant(whole), _not_principal("Deny", {"Service": "apigateway.amazonaws.com"})])
    assert not rule_ids(run("audit", seed.doc)) & PERMISSION_RULES


def test_routes_shows_each_stage_by_the_function_it_invokes(seed, run):
    _stage_variable_api(seed)
    table = run("routes", seed.doc)
    cells = {row["route_key"]: row["permission"] for row in table["routes"]}
    assert cells["GET /items"] == {"status": "uncovered", "by_stage": {"prod": "allowed", "dev": "missing"}}


def test_a_stage_variable_left_to_deployment_is_unknown_not_missing(seed, run):
    _stage_variable_api(seed, dev_fn="${unresolved:parameter DevFunction}")
    findings = run("audit", seed.doc)
    assert not rule_ids(findings) & PERMISSION_RULES
    (unknown,) = [f for f in findings if f["rule_id"] == "AGW000" and "stage(s) dev" in f["message"]]
    assert "not known before deployment" in unknown["message"]
    assert explain_verdict(run, seed.doc, "GET", "/dev/items")["outcome"] == "unknown"


def test_stage_variables_cannot_name_a_function_in_another_account(seed, run):
    """AWS: a function named through stage variables must be in the API's account."""
    seed.integration["IntegrationUri"] = f"arn:aws:lambda:{REGION}:${{stageVariables.account}}:function:my-frontend-app-api"
    seed.api["Stages"] = [{"StageName": "prod", "AutoDeploy": True, "StageVariables": {"account": ACCOUNT}},
                          {"StageName": "dev", "AutoDeploy": True, "StageVariables": {"account": "210987654321"}}]
    findings = run("audit", seed.doc)
    (unreachable,) = [f for f in findings if f["rule_id"] == "AGW206"]
    assert "210987654321" in unreachable["message"] and "stage(s) dev" in unreachable["message"]
    assert explain_verdict(run, seed.doc, "GET", "/dev/items")["rule_id"] == "AGW206"
    assert explain_verdict(run, seed.doc, "GET", "/prod/items")["reaches"]

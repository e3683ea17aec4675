"""Unusual but valid REST inputs: every command answers (no traceback, no usage error), and nothing above
low is reported on the ones that are correct."""

import json

import pytest

from auditor.cli import main
from tests.rest.estate import fresh, method, resource, rest_api, scope, uri


def _case(name):
    d = fresh()
    get = resource(d, "/pets")["resourceMethods"]["GET"]
    if name == "not-in-snapshot":
        scope(d)["Complete"], scope(d)["Functions"] = False, []
    elif name == "no-stages":
        del rest_api(d)["Stages"]
    elif name == "no-resources":
        del rest_api(d)["Resources"]
    elif name == "mock":
        get["methodIntegration"] = {"type": "MOCK"}
    elif name == "http-proxy":
        get["methodIntegration"] = {"type": "HTTP_PROXY", "httpMethod": "GET", "uri": "https://example.com/{proxy}"}
    elif name == "stage-variable":
        get["methodIntegration"]["uri"] = uri("arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.fn}")
        rest_api(d)["Stages"][0]["variables"] = {"fn": "pets"}
    elif name == "cognito":
        get.update(authorizationType="COGNITO_USER_POOLS", authorizerId="c1")
        rest_api(d)["Authorizers"] = [{"id": "c1", "name": "pool", "type": "COGNITO_USER_POOLS",
                                       "providerARNs": ["arn:aws:cognito-idp:us-east-1:123456789012:userpool/x"]}]
    elif name == "aws-iam":
        get["authorizationType"] = "AWS_IAM"
    elif name == "root-only":
        rest_api(d)["Resources"] = [{"id": "root1", "path": "/"}]
    elif name == "escaped-policy":
        rest_api(d)["policy"] = json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
             "Resource": "execute-api:/*"}]}).replace('"', '\\"')
    elif name == "caller-credentials":
        get["methodIntegration"]["credentials"] = "arn:aws:iam::*:user/*"
    elif name == "s3-service":
        get["methodIntegration"].update(type="AWS", uri="arn:aws:apigateway:us-east-1:s3:path/bucket/key",
                                        credentials="arn:aws:iam::123456789012:role/s3")
    elif name == "greedy":
        rest_api(d)["Resources"].append({"id": "g", "parentId": "root1", "pathPart": "{proxy+}", "path": "/{proxy+}",
                                         "resourceMethods": {"ANY": method("ANY")}})
        rest_api(d)["Deployments"][0]["apiSummary"]["/{proxy+}"] = {"ANY": {}}
    return d


CASES = ["not-in-snapshot", "no-stages", "no-resources", "mock", "http-proxy", "stage-variable", "cognito",
         "aws-iam", "root-only", "escaped-policy", "caller-credentials", "s3-service", "greedy"]


@pytest.mark.parametrize("name", CASES)
def test_every_command_answers_and_correct_inputs_stay_clean(tmp_path, capsys, name):
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(_case(name)))
    capsys.readouterr()
    assert main(["audit", str(path), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert all(f["severity"] in ("info", "low") for f in report["findings"]), report["findings"]
    for command in (["routes", str(path)], ["explain", str(path), "GET", "/prod/pets"], ["graph", str(path)],
                    ["fix", str(path)]):
        assert main(command) in (0, 1), command
    assert "Traceback" not in capsys.readouterr().err

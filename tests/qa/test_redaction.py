"""A password in an integration URI and the static values of parameter mappings are never written out:
not by `snapshot`, not in any report; the output says what it redacted (issue 20)."""

import json

import boto3
import pytest

from auditor.cli import main
from tests.fuzz.hostile import seed
from tests.live.conftest import aws, aws_env  # noqa: F401 (fixtures)

PASSWORD = "hunter2-pw"
STATIC = {"overwrite:header.x-api-key": "sk-live-static-token", "append:querystring.token": "qs-static-token",
          "overwrite:path": "/static-path-token"}
EXPRESSION = {"append:header.request-id": "$context.requestId"}


def secret_snapshot() -> dict:
    data = seed()
    api = data["Scopes"][0]["Apis"][0]
    api["Integrations"].append({"IntegrationId": "http1", "IntegrationType": "HTTP_PROXY", "IntegrationMethod": "GET",
                                "IntegrationUri": f"https://admin:{PASSWORD}@backend.example.com/v1",
                                "PayloadFormatVersion": "1.0", "RequestParameters": {**STATIC, **EXPRESSION}})
    api["Routes"].append({"RouteId": "r9", "RouteKey": "GET /proxy", "Target": "integrations/http1",
                          "AuthorizationType": "NONE"})
    return data


@pytest.mark.parametrize("fmt", ["table", "markdown", "html", "json", "sarif", "junit", "github"])
def test_no_report_shows_a_uri_password_and_each_says_it_redacted_one(tmp_path, capsys, fmt):
    path = tmp_path / "secret.json"
    path.write_text(json.dumps(secret_snapshot()))
    main(["audit", str(path), "--format", fmt, "--fail-on", "never"])
    out = capsys.readouterr().out
    assert PASSWORD not in out  # was: printed by the Markdown and HTML reports (the wiring drawing)
    assert "not shown in this report" in out or "not shown in this report".replace(" ", "&#32;") in out


def test_redaction_keeps_the_verdict_of_every_other_rule(tmp_path, capsys):
    path = tmp_path / "secret.json"
    path.write_text(json.dumps(secret_snapshot()))
    main(["audit", str(path), "--format", "json", "--fail-on", "never"])
    findings = json.loads(capsys.readouterr().out)["findings"]
    redacted = [f for f in findings if "not shown in this report" in f["message"]]
    assert [f["severity"] for f in redacted] == ["info"]
    clean = tmp_path / "clean.json"
    data = secret_snapshot()
    data["Scopes"][0]["Apis"][0]["Integrations"][-1]["IntegrationUri"] = "https://backend.example.com/v1"
    clean.write_text(json.dumps(data))
    main(["audit", str(clean), "--format", "json", "--fail-on", "never"])
    without = json.loads(capsys.readouterr().out)["findings"]
    assert sorted(f["fingerprint"] for f in findings if f not in redacted) == sorted(f["fingerprint"] for f in without)


def test_snapshot_command_writes_no_password_nor_static_value_and_says_so(aws, tmp_path, capsys):  # noqa: F811
    client = boto3.client("apigatewayv2", region_name="us-east-1")
    api = client.create_api(Name="secrets", ProtocolType="HTTP")["ApiId"]
    integration = client.create_integration(
        ApiId=api, IntegrationType="HTTP_PROXY", IntegrationMethod="GET", PayloadFormatVersion="1.0",
        IntegrationUri=f"https://admin:{PASSWORD}@backend.example.com/v1",
        RequestParameters={**STATIC, **EXPRESSION})["IntegrationId"]
    client.create_route(ApiId=api, RouteKey="GET /proxy", Target=f"integrations/{integration}")
    out = tmp_path / "snap.json"
    assert main(["snapshot", "--region", "us-east-1", "--output", str(out)]) == 0
    err = capsys.readouterr().err
    text = out.read_text()
    assert PASSWORD not in text
    for value in STATIC.values():
        assert value not in text  # was: the query-string and path values were written verbatim
    document = json.loads(text)
    item = document["Scopes"][0]["Apis"][0]["Integrations"][0]
    assert item["IntegrationUri"] == "https://admin:REDACTED@backend.example.com/v1"  # still a URI, same host
    assert item["RequestParameters"]["append:header.request-id"] == "$context.requestId"  # a reference: kept
    assert "redacted" in err and "IntegrationUri (password)" in err and "querystring.token" in err


def test_rest_literal_mapping_values_stay_quoted():
    from auditor.redact import REDACTED, redact_document
    document = {"Scopes": [{"RestApis": [{"Resources": [{"resourceMethods": {"GET": {"methodIntegration": {
        "uri": f"http://u:{PASSWORD}@h.example/x",
        "requestParameters": {"integration.request.header.x-key": "'static-secret'",
                              "integration.request.path.id": "method.request.path.id"}}}}}]}]}]}
    said = redact_document(document)
    integration = document["Scopes"][0]["RestApis"][0]["Resources"][0]["resourceMethods"]["GET"]["methodIntegration"]
    assert integration["requestParameters"] == {"integration.request.header.x-key": f"'{REDACTED}'",
                                                "integration.request.path.id": "method.request.path.id"}
    assert PASSWORD not in integration["uri"] and len(said) == 2

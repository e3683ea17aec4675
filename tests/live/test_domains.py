"""Live collection reads custom domains and their API mappings read-only (moto), and explain resolves them."""

import json

import boto3

from auditor.cli import main
from tests.live.conftest import REGION, build_seed, snapshot


def test_domains_and_mappings_are_collected_and_explained(aws, tmp_path, capsys):
    seed = build_seed()
    apigw = boto3.client("apigatewayv2", region_name=REGION)
    apigw.create_domain_name(DomainName="api.example.com", DomainNameConfigurations=[
        {"CertificateArn": f"arn:aws:acm:{REGION}:123456789012:certificate/abc", "EndpointType": "REGIONAL"}])
    apigw.create_api_mapping(DomainName="api.example.com", ApiId=seed["api_id"], Stage="$default",
                             ApiMappingKey="orders")
    document, _ = snapshot()
    [domain] = document["Scopes"][0]["DomainNames"]
    assert domain["DomainName"] == "api.example.com"
    assert [(m["ApiId"], m["ApiMappingKey"], m["Stage"]) for m in domain["ApiMappings"]] == [
        (seed["api_id"], "orders", "$default")]
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(document, default=str))  # as `apigw-auditor snapshot` writes dates
    capsys.readouterr()
    code = main(["explain", str(path), "GET", "https://api.example.com/orders/items", "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert out["steps"]["domain"]["api_id"] == seed["api_id"] and out["steps"]["route"]["chosen"] == "GET /items"
    assert code == 0

"""Custom domains and API mappings: `explain https://api.example.com/...` (issue 22, item 4)."""

import pytest

from tests.seed import API_ID, REGION

HOST = "api.example.com"


def with_domain(seed, mappings):
    seed.scope["DomainNames"] = [{
        "DomainName": HOST, "DomainNameConfigurations": [{"EndpointType": "REGIONAL", "DomainNameStatus": "AVAILABLE"}],
        "ApiMappings": [{"ApiId": api, "ApiMappingId": f"m{i}", "ApiMappingKey": key, "Stage": stage}
                        for i, (key, api, stage) in enumerate(mappings)]}]
    return seed.doc


def test_a_custom_domain_url_resolves_through_its_mapping(seed, explain):
    doc = with_domain(seed, [("orders", API_ID, "$default")])
    code, out = explain(doc, "GET", f"https://{HOST}/orders/items")
    assert code == 0, out["verdict"]
    assert out["steps"]["domain"]["mapping_key"] == "orders" and out["steps"]["domain"]["path"] == "/items"
    assert out["steps"]["route"]["chosen"] == "GET /items"


@pytest.mark.parametrize("path, key, api_path", [
    ("/orders/items", "orders", "/items"),
    ("/items", "", "/items"),
    ("/ordersx/items", "", "/ordersx/items"),  # keys match whole segments
    ("/orders/v2/items", "orders/v2", "/items"),  # the longest key wins
])
def test_the_longest_matching_key_wins_and_the_empty_key_takes_the_rest(seed, explain, path, key, api_path):
    doc = with_domain(seed, [("", API_ID, "$default"), ("orders", API_ID, "$default"),
                             ("orders/v2", API_ID, "$default")])
    _, out = explain(doc, "GET", f"https://{HOST}{path}")
    assert out["steps"]["domain"]["mapping_key"] == key and out["steps"]["domain"]["path"] == api_path


def test_no_matching_mapping_is_probably_404(seed, explain):
    doc = with_domain(seed, [("orders", API_ID, "$default")])
    code, out = explain(doc, "GET", f"https://{HOST}/users/1")
    assert code == 1 and out["verdict"]["status"] == 404 and out["verdict"]["certain"] is False


def test_a_disabled_default_endpoint_stops_only_the_execute_api_host(seed, explain):
    seed.api["DisableExecuteApiEndpoint"] = True
    doc = with_domain(seed, [("", API_ID, "$default")])
    code, out = explain(doc, "GET", f"https://{API_ID}.execute-api.{REGION}.amazonaws.com/items")
    assert code == 1 and out["verdict"]["status"] == 403
    code, out = explain(doc, "GET", f"https://{HOST}/items")
    assert code == 0 and not out["verdict"]["conditions"]


def test_an_unknown_host_is_a_usage_error_naming_it(seed, cli):
    code, _, err = cli("explain", with_domain(seed, [("", API_ID, "$default")]), "GET", "https://other.example.com/x")
    assert code == 2 and "other.example.com" in err


def test_a_malformed_mapping_is_named_by_its_json_path(seed, cli):
    doc = with_domain(seed, [("", API_ID, "$default")])
    del doc["Scopes"][0]["DomainNames"][0]["ApiMappings"][0]["Stage"]
    code, _, err = cli("audit", doc)
    assert code == 2 and "$.Scopes[0].DomainNames[0].ApiMappings[0].Stage" in err


FIXTURES = __import__("pathlib").Path(__file__).parent / "fixtures"


@pytest.mark.parametrize("name", ["sam-domain.yaml", "domain.tf"])
def test_templates_and_terraform_source_read_domains_and_mappings(cli, name):
    import json
    code, out, err = cli("explain", str(FIXTURES / name), "GET", f"https://{HOST}/orders/items", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["steps"]["domain"]["mapping_key"] == "orders" and doc["steps"]["domain"]["path"] == "/items"

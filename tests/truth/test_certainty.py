"""Readings AWS's documentation does not settle are answered `certain: false` with "probably" (issue 22,
item 9): `:$LATEST` on an unqualified grant, a bare function ARN in another region, a path whose letter
case differs from the route's, `%2F` in a path variable."""

import pytest

from tests.seed import FUNCTION_ARN, grant, API_ARN


def test_latest_with_a_grant_on_the_unqualified_function_is_probable(seed, explain):
    seed.integration["IntegrationUri"] = FUNCTION_ARN + ":$LATEST"
    code, out = explain(seed.doc, "GET", "/items")
    assert code == 0 and out["verdict"]["certain"] is False
    assert out["verdict"]["summary"].startswith("probably")
    assert any("$LATEST" in w["message"] for w in out["verdict"]["warnings"])


def test_a_bare_function_arn_in_another_region_is_probable(seed, explain):
    other = FUNCTION_ARN.replace("us-east-1", "eu-west-1")
    seed.function["FunctionArn"] = other
    seed.integration["IntegrationUri"] = other
    seed.set_statements([grant(API_ARN + "/*", resource=other)])
    code, out = explain(seed.doc, "GET", "/items")
    assert code == 0 and out["verdict"]["certain"] is False
    assert any("eu-west-1" in w["message"] for w in out["verdict"]["warnings"])


def test_the_same_function_in_the_apis_region_stays_certain(seed, explain):
    code, out = explain(seed.doc, "GET", "/items")
    assert code == 0 and out["verdict"]["certain"] is True


def test_a_path_differing_only_in_case_is_probable(seed, explain):
    seed.api["Routes"] = [r for r in seed.api["Routes"] if r["RouteKey"] != "$default"]
    code, out = explain(seed.doc, "GET", "/Items")
    assert code == 1 and out["verdict"]["status"] == 404 and out["verdict"]["certain"] is False
    assert any("letter case" in w["message"] for w in out["verdict"]["warnings"])


@pytest.mark.parametrize("path", ["/items/a%2Fb", "/items/a%2fb"])
def test_an_encoded_slash_in_a_path_variable_is_probable(seed, explain, path):
    code, out = explain(seed.doc, "GET", path)
    assert out["verdict"]["certain"] is False
    assert any("%2F" in w["message"] for w in out["verdict"]["warnings"])


def test_the_table_shows_the_unsettled_reading(seed, cli):
    seed.integration["IntegrationUri"] = FUNCTION_ARN + ":$LATEST"
    code, out, err = cli("explain", seed.doc, "GET", "/items")
    assert code == 0 and "warning: probably: the integration invokes `:$LATEST`" in out

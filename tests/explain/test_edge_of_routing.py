"""What API Gateway decides before (or instead of) routing: CORS preflight, a disabled default
endpoint, throttling. Each is run through the real CLI on a variant of the seed's correct snapshot."""

from tests.seed import API_ID, REGION

URL = f"https://{API_ID}.execute-api.{REGION}.amazonaws.com"


# --------------------------------------------------------------------------- CORS preflight

def test_cors_preflight_is_answered_by_api_gateway_even_without_an_options_route(seed, explain):
    """Before: routed to the `$default` route as if API Gateway had no CORS configuration."""
    seed.api["CorsConfiguration"] = {"AllowOrigins": ["https://example.com"], "AllowMethods": ["GET", "POST"]}
    code, doc = explain(seed.doc, "OPTIONS", "/items")
    verdict = doc["verdict"]
    assert code == 1 and not verdict["reaches"]
    assert verdict["outcome"] == "answered-by-api-gateway" and verdict["status"] == 204
    assert "route" not in doc["steps"] and doc["steps"]["cors"]["preflight"] is True
    assert any("Access-Control-Request-Method" in c for c in verdict["conditions"])


def test_without_cors_an_options_request_is_routed_like_any_other(seed, explain):
    code, doc = explain(seed.doc, "OPTIONS", "/items")
    assert code == 0 and doc["steps"]["route"]["chosen"] == "$default" and "cors" not in doc["steps"]


def test_cors_leaves_other_methods_to_the_routes(seed, explain):
    seed.api["CorsConfiguration"] = {"AllowOrigins": ["*"]}
    code, doc = explain(seed.doc, "GET", "/items")
    assert code == 0 and doc["steps"]["route"]["chosen"] == "GET /items"
    assert "ignores" in doc["steps"]["cors"]["detail"]


# --------------------------------------------------------------------------- DisableExecuteApiEndpoint

def test_a_disabled_default_endpoint_does_not_serve_its_url(seed, explain):
    """Before: explain of the default URL said the request reaches the function."""
    seed.api["DisableExecuteApiEndpoint"] = True
    code, doc = explain(seed.doc, URL + "/items", "GET")
    verdict = doc["verdict"]
    assert code == 1 and verdict["status"] == 403 and not verdict["certain"]
    assert f"{API_ID}.execute-api.{REGION}.amazonaws.com" in verdict["summary"]


def test_a_disabled_default_endpoint_leaves_custom_domains(seed, explain):
    seed.api["DisableExecuteApiEndpoint"] = True
    code, doc = explain(seed.doc, "--api", API_ID, "GET", "/items")
    assert code == 0 and any("custom domain" in c for c in doc["verdict"]["conditions"])


def test_an_enabled_default_endpoint_serves_its_url(seed, explain):
    seed.api["DisableExecuteApiEndpoint"] = False
    code, doc = explain(seed.doc, URL + "/items", "GET")
    assert code == 0 and doc["verdict"]["reaches"]


# --------------------------------------------------------------------------- throttling

def test_a_stage_throttled_to_zero_rejects_every_request_and_audit_says_so(seed, explain, audit):
    """Before: explain said the request reaches the function; audit said nothing."""
    seed.api["Stages"][0]["DefaultRouteSettings"] = {"ThrottlingRateLimit": 0, "ThrottlingBurstLimit": 0}
    code, doc = explain(seed.doc, "GET", "/items")
    verdict = doc["verdict"]
    assert code == 1 and verdict["status"] == 429 and verdict["certain"] and verdict["rule_id"] == "AGW106"
    assert doc["steps"]["throttling"]["rate_limit"]["value"] == 0
    throttled = [f for f in audit(seed.doc) if f["rule_id"] == "AGW106"]
    assert {f["resource"]["route_key"] for f in throttled} == {"GET /items", "POST /items", "GET /items/{id}", "$default"}
    assert verdict["finding"] in {f["message"] for f in throttled}


def test_a_route_setting_overrides_the_stage_default(seed, explain, audit):
    stage = seed.api["Stages"][0]
    stage["DefaultRouteSettings"] = {"ThrottlingRateLimit": 0, "ThrottlingBurstLimit": 0}
    stage["RouteSettings"] = {"GET /items": {"ThrottlingRateLimit": 50, "ThrottlingBurstLimit": 20}}
    code, doc = explain(seed.doc, "GET", "/items")
    assert code == 0
    limits = doc["steps"]["throttling"]
    assert limits["rate_limit"]["value"] == 50 and "RouteSettings" in limits["rate_limit"]["from"]
    assert any("429" in c for c in doc["verdict"]["conditions"])
    assert "GET /items" not in {f["resource"]["route_key"] for f in audit(seed.doc) if f["rule_id"] == "AGW106"}
    assert explain(seed.doc, "POST", "/items")[1]["verdict"]["status"] == 429


def test_positive_limits_are_shown_and_do_not_block(seed, explain, audit):
    seed.api["Stages"][0]["DefaultRouteSettings"] = {"ThrottlingRateLimit": 10.5, "ThrottlingBurstLimit": 5}
    code, doc = explain(seed.doc, "GET", "/items")
    assert code == 0 and doc["steps"]["throttling"]["burst_limit"] == {"value": 5, "from": "DefaultRouteSettings of stage $default"}
    assert not [f for f in audit(seed.doc) if f["rule_id"] == "AGW106"]


# --------------------------------------------------------------------------- a stage name not known before deployment

UNKNOWN = "${unresolved:parameter StageName}"


def test_a_path_naming_no_known_stage_may_name_the_unknown_one(seed, explain):
    """Before: 404 for certain, as if `${unresolved:...}` were the stage's real name."""
    seed.api["Stages"] = [{"StageName": UNKNOWN, "AutoDeploy": True}]
    code, doc = explain(seed.doc, "GET", "/prod/items")
    verdict = doc["verdict"]
    assert code == 0 and verdict["reaches"] and not verdict["certain"]
    assert doc["steps"]["stage"]["path_in_stage"] == "/items"
    assert f"stage `{UNKNOWN}` is named `prod` at deployment" in verdict["conditions"]


def test_a_grant_for_one_stage_name_leaves_the_unknown_stage_undecided(seed, explain):
    seed.api["Stages"] = [{"StageName": UNKNOWN, "AutoDeploy": True}]
    seed.set_statements([seed.grant("arn:aws:execute-api:us-east-1:123456789012:abc123def4/prod/*/*")])
    code, doc = explain(seed.doc, "--stage", "prod", "GET", "/items")
    assert code == 1 and doc["verdict"]["outcome"] == "unknown" and doc["verdict"]["rule_id"] == "AGW000"


def test_the_default_stage_takes_the_request_unless_the_unknown_stage_is_named_so(seed, explain):
    seed.api["Stages"].append({"StageName": UNKNOWN, "AutoDeploy": True})
    code, doc = explain(seed.doc, "GET", "/items")
    assert doc["steps"]["stage"]["name"] == "$default" and not doc["verdict"]["certain"]

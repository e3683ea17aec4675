"""Hypothesis fuzzing of live AWS answers (a fixed, derandomized budget): whatever malformed body one
operation answers with, `audit --live` exits 1 with an AGW000 for the scope (2 for the caller's own
identity call), never 0 (a malformed answer is no "nothing found"), never a traceback; and page tokens,
however they repeat, never make the collector ask for more pages than there are distinct tokens."""

import json

import pytest
from botocore.stub import Stubber
from hypothesis import HealthCheck, given, settings, strategies as st

from auditor.live import LiveOptions, collect
from tests.fuzz.harness import run_cli
from tests.live.conftest import REGION, _Body, aws, aws_env, build_seed  # noqa: F401 - fixtures

FUZZ = settings(max_examples=40, derandomize=True, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))

# operation -> (botocore service, the key its valid answer must hold)
OPERATIONS = {"GetApis": ("apigatewayv2", "items"), "GetRoutes": ("apigatewayv2", "items"),
              "GetIntegrations": ("apigatewayv2", "items"), "GetStages": ("apigatewayv2", "items"),
              "ListFunctions": ("lambda", "functions"), "GetPolicy": ("lambda", "policy"),
              "AssumeRole": ("sts", "credentials"), "GetCallerIdentity": ("sts", "account")}

json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                                      max_size=3), max_leaves=8)
FIXED = [b"", b"{}", b"null", b"[]", b'"text"', b"0", b'{"Items": null}', b'{"items": null}', b'{"Items": {}}',
         b'{"Items": [1, 2]}', b'{"Items": [{}]}', b'{"NextToken": "a"}', b'{"Functions": null}',
         b'{"Functions": [{"FunctionName": "x"}]}', b'{"Policy": "{not json"}', b'{"Policy": "[1]"}',
         b'{"Policy": 7}', b"<html><body>proxy login</body></html>", b"\x00\xff\xfe", b"[" * 5000 + b"]" * 5000,
         b"<AssumeRoleResponse><AssumeRoleResult/></AssumeRoleResponse>", b"<x>unclosed"]


def _malformed(operation: str):
    key = OPERATIONS[operation][1]
    keyless = st.dictionaries(st.text(max_size=10).filter(lambda k: key not in k.lower()), json_values, max_size=4)
    return st.sampled_from(FIXED) | keyless.map(lambda d: json.dumps(d).encode())


@st.composite
def injection(draw):
    operation = draw(st.sampled_from(sorted(OPERATIONS)))
    return operation, draw(_malformed(operation))


def _is_valid(operation: str, body: bytes) -> bool:
    """A few FIXED bodies are a valid answer for some operations (`{"Items": []}`-like): skip those."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return False
    if operation == "GetPolicy":
        return False  # no FIXED body holds a policy that is a JSON object
    return isinstance(document, dict) and isinstance(document.get("Items" if operation.startswith("Get") else
                                                                    "Functions"), list) and not document.get("Items")


@pytest.fixture
def estate(aws, monkeypatch):
    build_seed()
    from auditor import live
    original = live.Collector._client
    injected = {}

    def hooked(self, session, service, region, *args, **kwargs):
        client = original(self, session, service, region, *args, **kwargs)
        if injected and service == injected["service"]:
            def answer(request, **_):
                from botocore.awsrequest import AWSResponse
                return AWSResponse("https://fuzz.invalid/", 200, {"Content-Type": injected["type"]},
                                   _Body(injected["body"]))
            client.meta.events.register_first(f"before-send.{service}.{injected['operation']}", answer)
        return client
    monkeypatch.setattr(live.Collector, "_client", hooked)
    return injected


def test_malformed_live_answers_never_pass_the_gate(estate):
    @FUZZ
    @given(case=injection())
    def check(case):
        operation, body = case
        service = OPERATIONS[operation][0]
        estate.update(service=service, operation=operation, body=body,
                      type="text/xml" if service == "sts" else "application/json")
        argv = ["audit", "--live", "--region", REGION, "--format", "json"]
        if operation == "AssumeRole":
            argv += ["--role-arn", "arn:aws:iam::123456789012:role/auditor"]
        code, out, err, crash = run_cli(argv)
        assert crash is None, f"{operation} {body[:80]!r}: {type(crash).__name__}: {crash}"
        assert "Traceback" not in err
        if operation == "GetCallerIdentity":
            assert code == 2 and len(err.strip().splitlines()) == 1, (body[:80], err)
            return
        if _is_valid(operation, body):
            return
        assert code == 1, f"{operation} answering {body[:80]!r} passed the gate (exit {code}): {err[:300]}"
        findings = json.loads(out)["findings"]
        assert any(f["rule_id"] == "AGW000" and f["severity"] in ("medium", "high", "critical") for f in findings)
    check()


@st.composite
def token_pages(draw):
    tokens = draw(st.lists(st.sampled_from(["a", "b", "c", None]), min_size=1, max_size=12))
    return tokens


def test_page_tokens_never_make_more_requests_than_distinct_tokens(aws):
    @FUZZ
    @given(tokens=token_pages(), cap=st.integers(1, 6))
    def check(tokens, cap):
        served = []

        def factory(session, service, region, config, endpoint_url):
            client = session.client(service, region_name=region, config=config, endpoint_url=endpoint_url)
            if service == "apigatewayv2":
                stubber = Stubber(client)
                for token in tokens + [None]:
                    page = {"Items": []}
                    if token is not None:
                        page["NextToken"] = token
                    stubber.add_response("get_apis", page)
                stubber.activate()
                client.meta.events.register("after-call.apigatewayv2.GetApis",
                                            lambda parsed, **_: served.append(parsed.get("NextToken")))
            return client
        document, stats = collect(LiveOptions(regions=[REGION], progress=False, max_pages=cap,
                                              client_factory=factory))
        distinct = len({t for t in tokens if t is not None})
        assert stats.operations["GetApis"] <= min(cap, distinct + 1)
        [scope] = document["Scopes"]
        errors = [e for e in scope["Errors"] if e["Operation"] == "GetApis"]
        if served[-1] is None:  # the listing ended: complete
            assert errors == []
        else:  # stopped on a repeated token or the cap: said so
            assert errors and errors[0]["Code"] == "MalformedResponse"
    check()

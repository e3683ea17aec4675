"""Every AWS answer is untrusted (issue 20, "a malformed live answer passes the gate"): a list call whose
answer holds no list, page tokens that cycle, a region that never answers, an STS answer that is not
XML, a failing credential_process, a policy that is not JSON. Each is an AGW000 for its scope (or a
one-line exit 2 for the caller's own credentials), never "no APIs", never a hang, never a traceback.
moto serves AWS; botocore before-send hooks (and the Stubber, for pages) replace one answer."""

import json
import socket
import threading
import time

import pytest
from botocore.stub import Stubber

from auditor.cli import main
from auditor.findings import Severity
from tests.live.conftest import REGION, _Body, audit, build_seed, hooked_factory, ids, snapshot


def answer(body: bytes, content_type: str = "application/json", status: int = 200):
    def handler(request, **_):
        from botocore.awsrequest import AWSResponse
        return AWSResponse("https://proxy.invalid/", status, {"Content-Type": content_type}, _Body(body))
    return handler


def on_cli_clients(monkeypatch, service, event, handler):
    """Hook `handler` on every `service` client the CLI's collector makes."""
    from auditor import live
    original = live.Collector._client

    def hooked(self, session, name, region, *args, **kwargs):
        client = original(self, session, name, region, *args, **kwargs)
        if name == service:
            client.meta.events.register_first(event, handler)
        return client
    monkeypatch.setattr(live.Collector, "_client", hooked)


def medium_agw000(findings):
    return [f for f in findings if f.rule_id == "AGW000" and f.severity >= Severity.MEDIUM]


@pytest.mark.parametrize("body", [b"{}", b'{"Items": null}', b'{"items": null}'])
def test_get_apis_without_a_list_is_not_no_apis(aws, body):
    build_seed()
    document, _ = snapshot(client_factory=hooked_factory(
        [("apigatewayv2", None, "before-send.apigatewayv2.GetApis", answer(body))]))
    [scope] = document["Scopes"]
    assert scope["Complete"] is False and scope["Apis"] == []
    assert [(e["Operation"], e["Code"]) for e in scope["Errors"]] == [("GetApis", "MalformedResponse")]
    [finding] = medium_agw000(audit(document))
    assert "GetApis" in finding.message and "Items" in finding.message


def test_audit_live_with_an_empty_get_apis_answer_fails_the_gate(aws, monkeypatch, capsys):
    build_seed()
    on_cli_clients(monkeypatch, "apigatewayv2", "before-send.apigatewayv2.GetApis", answer(b"{}"))
    assert main(["audit", "--live", "--region", REGION, "--format", "json"]) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert any(f["rule_id"] == "AGW000" and "GetApis" in f["message"] for f in findings)


def test_fix_live_plans_no_remove_permission_from_an_empty_answer(aws, monkeypatch, capsys):
    build_seed()
    on_cli_clients(monkeypatch, "apigatewayv2", "before-send.apigatewayv2.GetApis", answer(b'{"Items": null}'))
    main(["fix", "--live", "--region", REGION, "--fail-on", "low"])
    script = capsys.readouterr().out
    assert "remove-permission" not in script


def test_list_functions_without_a_list_is_no_false_agw114(aws):
    build_seed()
    document, stats = snapshot(client_factory=hooked_factory(
        [("lambda", None, "before-send.lambda.ListFunctions", answer(b"{}"))]))
    [scope] = document["Scopes"]
    assert [(e["Operation"], e["Code"]) for e in scope["Errors"]] == [("ListFunctions", "MalformedResponse")]
    findings = audit(document)
    assert "AGW114" not in ids(findings)  # the function exists; the listing was no listing
    assert stats.operations["GetFunctionConfiguration"] == 1  # read one by one instead
    assert [f["FunctionName"] for f in scope["Functions"]] == ["my-frontend-app-api"]
    assert medium_agw000(findings)


def _stubbed_get_apis(pages):
    def factory(session, service, region, config, endpoint_url):
        client = session.client(service, region_name=region, config=config, endpoint_url=endpoint_url)
        if service == "apigatewayv2":
            stubber = Stubber(client)
            for page in pages:
                stubber.add_response("get_apis", page)
            stubber.activate()
            factory.stubber = stubber
        return client
    return factory


def _api(n):
    return {"ApiId": f"api{n}", "Name": f"a{n}", "ProtocolType": "HTTP",
            "RouteSelectionExpression": "$request.method $request.path"}


def test_cycling_page_tokens_stop(aws):
    # A -> B -> A: botocore's own check catches only a token repeated at once
    pages = [{"Items": [], "NextToken": "A"}, {"Items": [], "NextToken": "B"}, {"Items": [], "NextToken": "A"}]
    factory = _stubbed_get_apis(pages + [{"Items": [], "NextToken": "B"}] * 50)
    started = time.monotonic()
    document, stats = snapshot(client_factory=factory)
    assert time.monotonic() - started < 30
    assert stats.operations["GetApis"] == 3
    [scope] = document["Scopes"]
    [error] = [e for e in scope["Errors"] if e["Operation"] == "GetApis"]
    assert error["Code"] == "MalformedResponse" and "cycle" in error["Message"]
    assert scope["Complete"] is False and medium_agw000(audit(document))


def test_page_cap(aws):
    pages = [{"Items": [_api(n)], "NextToken": f"t{n}"} for n in range(5)]
    document, stats = snapshot(client_factory=_stubbed_get_apis(pages), max_pages=3)
    assert stats.operations["GetApis"] == 3
    [scope] = document["Scopes"]
    [error] = [e for e in scope["Errors"] if e["Operation"] == "GetApis"]
    assert "--max-pages" in error["Message"]
    assert scope["Apis"] == []  # a listing cut short is not judged as if whole


class SilentServer:
    """A loopback TCP server that accepts connections and never answers (a region that hangs)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.held = []
        self.stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        self.sock.settimeout(0.2)
        while not self.stop:
            try:
                self.held.append(self.sock.accept()[0])
            except OSError:
                continue

    def close(self):
        self.stop = True
        for conn in self.held:
            conn.close()
        self.sock.close()


def test_a_region_that_never_answers_costs_at_most_its_deadline(aws):
    build_seed()
    server = SilentServer()
    try:
        def factory(session, service, region, config, endpoint_url):
            url = server.url if region == "eu-west-1" and service != "sts" else endpoint_url
            return session.client(service, region_name=region, config=config, endpoint_url=url)
        started = time.monotonic()
        document, _ = snapshot(regions=[REGION, "eu-west-1"], client_factory=factory, region_deadline=2.0)
        elapsed = time.monotonic() - started
    finally:
        server.close()
    assert elapsed < 2.0 + 8, elapsed  # the deadline, one retry backoff and moto's own time
    scopes = {s["Region"]: s for s in document["Scopes"]}
    assert scopes[REGION]["Complete"] is True
    hung = scopes["eu-west-1"]
    assert hung["Complete"] is False
    [error] = hung["Errors"]
    assert error["Code"] == "DeadlineExceeded" and "eu-west-1" in error["Message"]
    [finding] = medium_agw000(audit(document))
    assert "eu-west-1" in finding.message and "--region-deadline" in finding.message


def test_an_sts_that_never_answers_costs_at_most_the_deadline_and_is_agw000_for_that_account(aws):
    build_seed()
    server = SilentServer()
    try:
        def factory(session, service, region, config, endpoint_url):
            url = server.url if service == "sts" else endpoint_url
            return session.client(service, region_name=region, config=config, endpoint_url=url)
        started = time.monotonic()
        document, _ = snapshot(role_arns=["arn:aws:iam::222222222222:role/auditor"], client_factory=factory,
                               region_deadline=1.5)
        elapsed = time.monotonic() - started
    finally:
        server.close()
    assert elapsed < 1.5 + 8, elapsed
    [scope] = document["Scopes"]
    [error] = scope["Errors"]
    assert (error["Operation"], error["Code"]) == ("AssumeRole", "DeadlineExceeded") and "222222222222" in error["Message"]
    assert [f.resource.account for f in medium_agw000(audit(document))] == ["222222222222"]


def test_timeouts_and_limits_are_in_help(capsys):
    with pytest.raises(SystemExit):
        main(["audit", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for option, default in (("--connect-timeout", "default: 10"), ("--read-timeout", "default: 60"),
                            ("--region-deadline", "default: 600"), ("--max-pages", "default: 1000"),
                            ("--max-workers", "default: 8"), ("--cache-max-age", "default: 86400")):
        assert option in text and default in text, option


def test_non_xml_assume_role_answer_is_agw000_for_that_account(aws):
    build_seed()
    roles = ["arn:aws:iam::123456789012:role/auditor", "arn:aws:iam::222222222222:role/auditor"]

    def html_for_the_second(request, **kwargs):
        body = request.body.decode() if isinstance(request.body, bytes) else str(request.body or "")
        if "222222222222" in body:
            return answer(b"<html>proxy login</html>"[6:], "text/html")(request)  # not XML at all
        return None
    document, _ = snapshot(role_arns=roles, client_factory=hooked_factory(
        [("sts", None, "before-send.sts.AssumeRole", html_for_the_second)]))
    scopes = {s["AccountId"]: s for s in document["Scopes"]}
    assert scopes["123456789012"]["Complete"] is True
    [error] = scopes["222222222222"]["Errors"]
    assert (error["Operation"], error["Code"]) == ("AssumeRole", "MalformedResponse")
    assert [f.resource.account for f in medium_agw000(audit(document))] == ["222222222222"]


@pytest.mark.parametrize("body", [b"proxy says no", b"<AssumeRoleResponse><AssumeRoleResult/></AssumeRoleResponse>"])
def test_malformed_assume_role_answer_in_the_cli_is_agw000_not_a_traceback(aws, monkeypatch, capsys, body):
    build_seed()
    on_cli_clients(monkeypatch, "sts", "before-send.sts.AssumeRole", answer(body, "text/xml"))
    code = main(["audit", "--live", "--region", REGION, "--role-arn", "arn:aws:iam::123456789012:role/auditor"])
    out, err = capsys.readouterr()
    assert code == 1 and "Traceback" not in err
    assert "AGW000" in out and "AssumeRole" in out


def test_failing_credential_process_is_one_line_exit_2(aws_env, tmp_path, monkeypatch, capsys):
    config = tmp_path / "config"
    config.write_text("[profile broken]\nregion = us-east-1\ncredential_process = sh -c 'echo token expired >&2; exit 3'\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    for args in (["audit", "--live", "--profile", "broken"],
                 ["audit", "--live", "--profile", "broken", "--role-arn", "arn:aws:iam::123456789012:role/a"],
                 ["snapshot", "--profile", "broken", "--organization"]):
        code = main(args)
        err = capsys.readouterr().err
        assert code == 2, args
        [line] = err.strip().splitlines()
        assert "credentials" in line and "Traceback" not in err


def test_one_non_json_policy_is_agw000_for_that_function_not_exit_2(aws, monkeypatch, capsys):
    seed = build_seed()
    on_cli_clients(monkeypatch, "lambda", "before-send.lambda.GetPolicy",
                   answer(json.dumps({"Policy": "{not json", "RevisionId": "1"}).encode()))
    code = main(["audit", "--live", "--region", REGION, "--format", "json"])
    assert code == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert any(f["rule_id"] == "AGW000" and seed["function_arn"] in f["message"] and "not JSON" in f["message"]
               for f in findings)
    assert not any(f["rule_id"] == "AGW201" for f in findings)  # unknown policy, not a missing permission

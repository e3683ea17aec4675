"""`--organization`: every account of an AWS Organization in moto, through a role assumed in each.

The estate: the management account holds the tutorial's correct setup; member `clean` the same;
member `broken` forgot the Lambda permission; member `norole` has no audit role (AssumeRole is
denied); member `denied` refuses GetApis. One command audits them all: every reachable account's
findings, and exactly one AGW000 per unreachable or denied one."""

import json
import os

import boto3
import pytest

from auditor.cli import main
from auditor.findings import Severity
from auditor.live import DEFAULT_ROLE_NAME, LiveOptions, collect, dumps
from tests.live.conftest import ACCOUNT, REGION, _Body, audit, build_seed, error_response

MEMBERS = ("clean", "broken", "norole", "denied")


def _sts_denied(request, **_):
    from botocore.awsrequest import AWSResponse
    body = (b"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User is not authorized "
            b"to perform: sts:AssumeRole</Message></Error></ErrorResponse>")
    return AWSResponse("https://injected.invalid/", 403, {}, _Body(body))


def _as_account(account: str):
    """boto3's default session switched to `account` (moto: assumed credentials reach its resources)."""
    creds = boto3.client("sts").assume_role(RoleArn=f"arn:aws:iam::{account}:role/builder",
                                            RoleSessionName="build")["Credentials"]
    boto3.setup_default_session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                                aws_session_token=creds["SessionToken"], region_name=REGION)


def _build_member(account: str, permission: bool):
    _as_account(account)
    try:
        seed = build_seed(permission=False)
        if permission:
            boto3.client("lambda", region_name=REGION).add_permission(
                FunctionName="my-frontend-app-api", StatementId="apigateway-invoke", Action="lambda:InvokeFunction",
                Principal="apigateway.amazonaws.com",
                SourceArn=f"arn:aws:execute-api:{REGION}:{account}:{seed['api_id']}/*")
        return seed
    finally:
        boto3.setup_default_session(region_name=REGION)


@pytest.fixture
def org(aws):
    organizations = boto3.client("organizations", region_name=REGION)
    organizations.create_organization(FeatureSet="ALL")
    ids = {}
    for name in MEMBERS:
        ids[name] = organizations.create_account(Email=f"{name}@example.com",
                                                 AccountName=name)["CreateAccountStatus"]["AccountId"]
    build_seed()  # the management account
    _build_member(ids["clean"], permission=True)
    _build_member(ids["broken"], permission=False)
    _build_member(ids["denied"], permission=True)
    _build_member(ids["norole"], permission=True)
    return ids


def org_hooks(ids, record=None, external_ids=None):
    """A client factory: AssumeRole into `norole` is denied, GetApis in `denied` is refused; every call is
    recorded as (account, operation) when `record` is a list."""
    accounts = {}

    def account_of(session):
        key = session.get_credentials().access_key
        if key not in accounts:
            accounts[key] = boto3.Session(aws_access_key_id=key, aws_secret_access_key=session.get_credentials().secret_key,
                                          aws_session_token=session.get_credentials().token,
                                          region_name=REGION).client("sts").get_caller_identity()["Account"]
        return accounts[key]

    def factory(session, service, region, config, endpoint_url):
        client = session.client(service, region_name=region, config=config, endpoint_url=endpoint_url)
        account = account_of(session)
        if record is not None:
            client.meta.events.register_first("before-call", lambda model, **_: record.append((account, model.name)))
        if service == "sts":
            def assume(request, **_):
                body = request.body.decode() if isinstance(request.body, bytes) else str(request.body or "")
                if external_ids is not None:
                    external_ids.append("ExternalId=" in body and body.split("ExternalId=")[1].split("&")[0])
                return _sts_denied(request) if ids["norole"] in body else None
            client.meta.events.register_first("before-send.sts.AssumeRole", assume)
        if service == "apigatewayv2" and account == ids["denied"]:
            client.meta.events.register_first(
                "before-send.apigatewayv2.GetApis",
                lambda **_: error_response(403, "AccessDeniedException", "not authorized to perform apigateway:GET"))
        return client
    return factory


def run(ids, **options):
    options.setdefault("regions", [REGION])
    return collect(LiveOptions(organization=True, progress=False, client_factory=org_hooks(ids), **options))


def agw000_by_account(findings):
    out = {}
    for f in findings:
        if f.rule_id == "AGW000" and f.severity >= Severity.MEDIUM:
            out.setdefault(f.resource.account, []).append(f)
    return out


def test_one_command_audits_the_whole_organization(org):
    document, stats = run(org)
    scopes = {s["AccountId"]: s for s in document["Scopes"]}
    assert set(scopes) == {ACCOUNT, *org.values()}
    for name in ("clean", "broken"):
        assert scopes[org[name]]["Complete"] is True and len(scopes[org[name]]["Apis"]) == 1
    assert scopes[ACCOUNT]["Complete"] is True
    findings = audit(document)
    high = {(f.resource.account, f.rule_id) for f in findings if f.severity >= Severity.HIGH}
    assert {account for account, _ in high} == {org["broken"]}  # its missing permission, nobody else's
    assert any(rule in ("AGW201", "AGW203") for _, rule in high)
    unreachable = agw000_by_account(findings)
    assert set(unreachable) == {org["norole"], org["denied"]}
    assert all(len(found) == 1 for found in unreachable.values())  # one AGW000 per unreachable account
    [norole] = unreachable[org["norole"]]
    assert "AssumeRole" in norole.message and f"role/{DEFAULT_ROLE_NAME}" in norole.message
    assert "GetApis" in unreachable[org["denied"]][0].message
    assert stats.unreachable == [org["norole"]]


def test_accounts_and_exclude_accounts(org):
    document, _ = run(org, accounts=[org["clean"], org["broken"], org["norole"]], exclude_accounts=[org["norole"]])
    assert sorted(s["AccountId"] for s in document["Scopes"]) == sorted([org["clean"], org["broken"]])


def test_external_id_and_role_name_reach_assume_role(org):
    seen = []
    collect(LiveOptions(organization=True, progress=False, regions=[REGION], role_name="SecurityAudit",
                        external_id="ext-1234", accounts=[org["clean"]],
                        client_factory=org_hooks(org, external_ids=seen)))
    assert seen == ["ext-1234"]


def _cli_hooks(org, monkeypatch):
    from auditor import live
    original = live.Collector._client
    factory = org_hooks(org)

    def hooked(self, session, service, region, *args, **kwargs):
        self.options.client_factory = factory
        return original(self, session, service, region, *args, **kwargs)
    monkeypatch.setattr(live.Collector, "_client", hooked)


def test_the_cli_audits_the_organization_in_one_command(org, monkeypatch, capsys):
    _cli_hooks(org, monkeypatch)
    code = main(["audit", "--live", "--organization", "--region", REGION, "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 1, err
    findings = json.loads(out)["findings"]
    accounts = {f["resource"]["account"] for f in findings}
    assert {org["broken"], org["norole"], org["denied"]} <= accounts
    assert "5 account(s), 1 unreachable (AGW000)" in err and "Traceback" not in err


def test_usage_errors(aws_env, capsys):
    for args, words in ((["snapshot", "--role-name", "x"], "--organization"),
                        (["snapshot", "--organization", "--role-arn", "arn:aws:iam::123456789012:role/a"], "not both"),
                        (["snapshot", "--organization", "--accounts", "12"], "12-digit"),
                        (["audit", "--role-name", "x", "snap.json"], "--live")):
        with pytest.raises(SystemExit) if words == "12-digit" else _no_raise():
            assert main(args) == 2
        assert words in capsys.readouterr().err


class _no_raise:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_cache_makes_a_rerun_call_nothing_for_the_scopes_it_holds(org, tmp_path):
    cache = tmp_path / "cache"
    record: list = []
    first, stats = collect(LiveOptions(organization=True, progress=False, regions=[REGION], cache_dir=str(cache),
                                       client_factory=org_hooks(org, record)))
    assert stats.cached == 0
    held = sorted(p.relative_to(cache).as_posix() for p in cache.rglob("*.json"))
    # complete scopes only: the unreachable and the denied account are asked again next time
    assert held == sorted(f"{a}/{REGION}.json" for a in (ACCOUNT, org["clean"], org["broken"]))
    assert not list(cache.rglob("*.tmp"))  # each entry written whole, through a renamed temporary file
    record.clear()
    second, stats = collect(LiveOptions(organization=True, progress=False, regions=[REGION], cache_dir=str(cache),
                                        client_factory=org_hooks(org, record)))
    assert stats.cached == 3
    called = {account for account, op in record if op not in ("GetCallerIdentity", "ListAccounts", "AssumeRole")}
    assert called == {org["denied"]}  # nothing for the three held scopes (norole cannot be entered)
    assert sum(op == "AssumeRole" for _, op in record) == 2  # only the two accounts the cache does not hold
    assert json.loads(dumps(first)) == json.loads(dumps(second))
    # stale entries are collected again
    record.clear()
    collect(LiveOptions(organization=True, progress=False, regions=[REGION], cache_dir=str(cache), cache_max_age=1e-6,
                        client_factory=org_hooks(org, record)))
    assert {account for account, op in record if op == "GetApis"} >= {ACCOUNT, org["clean"], org["broken"]}


def test_an_interrupted_scan_continues_where_it_stopped(org, tmp_path):
    cache = tmp_path / "cache"
    victim = max(ACCOUNT, org["clean"], org["broken"])  # one worker reads accounts in order: the last one stops it

    def interrupting(session, service, region, config, endpoint_url):
        client = org_hooks(org)(session, service, region, config, endpoint_url)
        if service == "lambda":
            account = boto3.Session(aws_access_key_id=session.get_credentials().access_key,
                                    aws_secret_access_key=session.get_credentials().secret_key,
                                    aws_session_token=session.get_credentials().token,
                                    region_name=REGION).client("sts").get_caller_identity()["Account"]
            if account == victim:
                def stop(**_):
                    raise KeyboardInterrupt
                client.meta.events.register_first("before-send.lambda.GetPolicy", stop)
        return client
    with pytest.raises(KeyboardInterrupt):
        collect(LiveOptions(organization=True, progress=False, regions=[REGION], cache_dir=str(cache), max_workers=1,
                            client_factory=interrupting))
    held_before = {p.parent.name for p in cache.rglob(f"{REGION}.json")}
    assert victim not in held_before and held_before  # what finished is kept, the rest is not
    record: list = []
    document, stats = collect(LiveOptions(organization=True, progress=False, regions=[REGION], cache_dir=str(cache),
                                          client_factory=org_hooks(org, record)))
    assert stats.cached == len(held_before)
    assert {a for a, op in record if op == "GetApis"} == {ACCOUNT, *org.values()} - held_before - {org["norole"]}
    assert victim in {s["AccountId"] for s in document["Scopes"] if s["Complete"]}


def test_snapshot_fix_and_graph_take_the_organization_too(org, monkeypatch, capsys, tmp_path):
    _cli_hooks(org, monkeypatch)
    out = tmp_path / "org.json"
    assert main(["snapshot", "--organization", "--region", REGION, "-q", "--output", str(out)]) == 0
    assert capsys.readouterr().err.count("\n") == 1  # the failed calls, said once; -q drops the summary
    assert len(json.loads(out.read_text())["Scopes"]) == 5
    assert main(["fix", "--live", "--organization", "--region", REGION]) == 1
    script = capsys.readouterr().out
    assert "aws lambda add-permission" in script and org["broken"] in script
    assert "remove-permission" not in script  # nothing planned from the accounts it could not read
    assert main(["graph", "--live", "--organization", "--region", REGION, "-q"]) == 1
    drawing = capsys.readouterr().out
    assert drawing.count("```mermaid") == 3  # management, clean, broken: the accounts whose APIs it could read


def test_no_account_to_audit_is_one_line_exit_2_not_a_clean_pass(aws, capsys):
    build_seed()  # moto lists no account when there is no organization
    assert main(["audit", "--live", "--organization", "--region", REGION]) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert "organizations:ListAccounts listed no active account" in line


def test_list_accounts_denied_is_one_line_exit_2(org, monkeypatch, capsys):
    from tests.live.test_untrusted import on_cli_clients
    on_cli_clients(monkeypatch, "organizations", "before-send.organizations.ListAccounts",
                   lambda **_: error_response(400, "AccessDeniedException", "not the management account"))
    assert main(["audit", "--live", "--organization", "--region", REGION]) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert "AWS rejected the call (organizations:ListAccounts" in line and "not the management account" in line


def test_an_unknown_account_in_accounts_is_a_usage_error(org, capsys):
    assert main(["snapshot", "--organization", "--region", REGION, "--accounts", "999999999999"]) == 2
    assert "999999999999" in capsys.readouterr().err

"""Live collection: read API Gateway HTTP APIs and their Lambda functions from AWS accounts into a
snapshot document (the same format `audit` reads), read-only, with boto3.

Every AWS call is a Get*/List*/Describe* call (plus sts:AssumeRole, which only obtains credentials,
and organizations:ListAccounts with --organization). Failures do not abort the run: each is recorded
in its scope's `Errors` and the scope is marked incomplete, so the audit reports AGW000 instead of a
false "clean". Every answer is untrusted: a body of the wrong shape, page tokens that cycle, a region
that never answers are failures of that scope too, never an empty list.

How other collectors plug in (REST, WebSocket, custom domains): `Collector.collect_scope(pool, scope)`
is the per-scope entry point (one account x region); each adds ONE line there that submits its own
work with `pool.submit(fn, *args)` (the task inherits the scope: deadline, cache and progress follow).
Inside a task, use `self._client(scope.account.session, service, scope.region)` for a client,
`self._paginate(client, method, key, into, **params)` for every page of a list call (bounded; register
the operation in `_LISTS` to have each item shape-checked) and `self._try(scope, operation, resource, fn)`
to record a failure in the scope. Whatever ends up on the scope's document goes into the snapshot.

boto3/botocore are imported inside functions so that `audit file.json` never loads them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from auditor import __version__, live_domains, live_rest
from auditor.core.arns import parse_function_uri
from auditor.errors import UsageError
from auditor.core.model import TAG_READ
from auditor.snapshot import SNAPSHOT_VERSION

DEFAULT_WORKERS = 8
MAX_ATTEMPTS = 6  # botocore adaptive retry mode: throttling and transient errors
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 60.0
DEFAULT_REGION_DEADLINE = 600.0  # one account x region; a healthy region of 1,000 APIs takes a minute
DEFAULT_MAX_PAGES = 1000  # per list call: 1,000 pages of 100 items is far beyond any real account
DEFAULT_CACHE_MAX_AGE = 86400.0
DEFAULT_ROLE_NAME = "apigw-auditor-readonly"  # the role deploy/ creates in each account
_COLLECT_EVERY = 64  # scopes between two full garbage collections while collecting
# Fields a collected object never carries into the snapshot (secrets, noise).
_SECRET_FIELDS = ("Environment",)
_NO_POLICY = "ResourceNotFoundException"
REDACTED = "<redacted by apigw-auditor>"
_ACCOUNT = re.compile(r"\d{12}")


@dataclass
class LiveOptions:
    """How live collection reaches AWS: profile, regions, accounts, roles and limits."""

    profile: str | None = None
    regions: list[str] = field(default_factory=list)
    all_regions: bool = False
    role_arns: list[str] = field(default_factory=list)
    api_ids: list[str] = field(default_factory=list)
    max_workers: int = DEFAULT_WORKERS
    endpoint_url: str | None = None
    progress: bool | None = None  # None: a bar when stderr is a terminal and not in CI
    # Tests and embedders: build every client (sts, ec2, apigatewayv2, lambda...) themselves.
    client_factory: Callable | None = None
    # --organization: every account of the organization, through a role of the same name in each
    organization: bool = False
    role_name: str = DEFAULT_ROLE_NAME
    external_id: str | None = None
    accounts: list[str] = field(default_factory=list)  # only these (with --organization)
    exclude_accounts: list[str] = field(default_factory=list)
    # untrusted answers: bounded time and pages
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    read_timeout: float = DEFAULT_READ_TIMEOUT
    region_deadline: float = DEFAULT_REGION_DEADLINE
    max_pages: int = DEFAULT_MAX_PAGES
    # --cache DIR: per-scope snapshots a rerun reuses instead of calling AWS
    cache_dir: str | None = None
    cache_max_age: float = DEFAULT_CACHE_MAX_AGE


@dataclass
class CollectStats:
    """What a collection cost (calls, retries, errors), for the summary and the benchmarks."""

    calls: int = 0  # API operations called (pages count one each)
    attempts: int = 0  # HTTP requests sent, retries included
    errors: int = 0
    seconds: float = 0.0
    operations: dict = field(default_factory=dict)  # operation name -> count
    notices: list = field(default_factory=list)  # for stderr: what the run fell back on
    scopes: int = 0  # account x region scopes in the snapshot
    cached: int = 0  # of which read from --cache, without an AWS call
    accounts: int = 0
    unreachable: list = field(default_factory=list)  # account ids whose role could not be assumed


# ---------------------------------------------------------------- command-line options

_REGION = re.compile(r"[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 1 <= value <= 64:
        raise argparse.ArgumentTypeError("must be between 1 and 64")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not 0 < value <= 7 * 86400:  # also rejects nan and inf
        raise argparse.ArgumentTypeError("must be more than 0 and at most a week of seconds")
    return value


def _pages(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 1 <= value <= 1_000_000:
        raise argparse.ArgumentTypeError("must be between 1 and 1000000")
    return value


def _account_ids(text: str) -> list[str]:
    ids = [part.strip() for part in text.split(",") if part.strip()]
    bad = [part for part in ids if not _ACCOUNT.fullmatch(part)]
    if bad or not ids:
        raise argparse.ArgumentTypeError(f"expected comma-separated 12-digit account ids, got {text!r}")
    return ids


def add_live_arguments(parser, region: bool = True) -> None:
    """The collection options shared by `snapshot`, `audit --live`, `fix --live` and `graph --live`."""
    group = parser.add_argument_group("live collection (read-only AWS calls through boto3)")
    group.add_argument("--profile", metavar="NAME", help="AWS profile (default: boto3's credential chain)")
    if region:
        group.add_argument("--region", action="append", dest="regions", metavar="REGION",
                           help="region to collect (repeatable; default: the profile's region, or with "
                                "--organization each account's enabled regions)")
    group.add_argument("--all-regions", action="store_true",
                       help="collect every region enabled in each account (ec2:DescribeRegions)")
    group.add_argument("--role-arn", action="append", dest="role_arns", metavar="ARN",
                       help="assume this role and collect its account (repeatable: one account each)")
    group.add_argument("--organization", action="store_true",
                       help="collect every active account of the AWS Organization (organizations:ListAccounts, "
                            "from the management account or a delegated administrator) through --role-name")
    group.add_argument("--role-name", metavar="NAME", default=None,
                       help=f"--organization: the role to assume in each account (default: {DEFAULT_ROLE_NAME}, "
                            "as deploy/ creates it)")
    group.add_argument("--external-id", metavar="ID", help="the ExternalId the roles' trust policy asks for")
    group.add_argument("--accounts", type=_account_ids, action="append", metavar="IDS",
                       help="--organization: only these accounts (comma-separated, repeatable)")
    group.add_argument("--exclude-accounts", type=_account_ids, action="append", metavar="IDS",
                       help="--organization: skip these accounts (comma-separated, repeatable)")
    group.add_argument("--api-id", action="append", dest="api_ids", metavar="ID",
                       help="collect only this API (repeatable); the scope is then marked incomplete")
    group.add_argument("--max-workers", type=_positive, default=DEFAULT_WORKERS, metavar="N",
                       help=f"parallel AWS calls, across accounts and regions (default: {DEFAULT_WORKERS})")
    group.add_argument("--endpoint-url", metavar="URL",
                       help="send every AWS call to this endpoint (LocalStack, moto server)")
    group.add_argument("--connect-timeout", type=_seconds, default=DEFAULT_CONNECT_TIMEOUT, metavar="SECONDS",
                       help=f"give up connecting to an AWS endpoint after this long (default: {DEFAULT_CONNECT_TIMEOUT:g})")
    group.add_argument("--read-timeout", type=_seconds, default=DEFAULT_READ_TIMEOUT, metavar="SECONDS",
                       help=f"give up waiting for an answer after this long (default: {DEFAULT_READ_TIMEOUT:g})")
    group.add_argument("--region-deadline", type=_seconds, default=DEFAULT_REGION_DEADLINE, metavar="SECONDS",
                       help="most time one account x region may take, retries included; past it the calls left "
                            f"are not made and the region is AGW000 (default: {DEFAULT_REGION_DEADLINE:g})")
    group.add_argument("--max-pages", type=_pages, default=DEFAULT_MAX_PAGES, metavar="N",
                       help="most pages one list call may take; more, or a page token seen twice, is AGW000 "
                            f"(default: {DEFAULT_MAX_PAGES})")
    group.add_argument("--cache", dest="cache_dir", metavar="DIR",
                       help="keep each complete account x region in DIR and reuse it instead of calling AWS: an "
                            "interrupted scan continues where it stopped")
    group.add_argument("--cache-max-age", type=_seconds, default=DEFAULT_CACHE_MAX_AGE, metavar="SECONDS",
                       help=f"--cache: reuse entries younger than this (default: {DEFAULT_CACHE_MAX_AGE:g}, a day)")


_LIVE_FLAGS = (("--profile", "profile"), ("--all-regions", "all_regions"), ("--role-arn", "role_arns"),
               ("--organization", "organization"), ("--role-name", "role_name"), ("--external-id", "external_id"),
               ("--accounts", "accounts"), ("--exclude-accounts", "exclude_accounts"), ("--api-id", "api_ids"),
               ("--endpoint-url", "endpoint_url"), ("--cache", "cache_dir"))
_LIVE_DEFAULTS = (("--max-workers", "max_workers", DEFAULT_WORKERS),
                  ("--connect-timeout", "connect_timeout", DEFAULT_CONNECT_TIMEOUT),
                  ("--read-timeout", "read_timeout", DEFAULT_READ_TIMEOUT),
                  ("--region-deadline", "region_deadline", DEFAULT_REGION_DEADLINE),
                  ("--max-pages", "max_pages", DEFAULT_MAX_PAGES),
                  ("--cache-max-age", "cache_max_age", DEFAULT_CACHE_MAX_AGE))


def _flat(lists) -> list[str]:
    return list(dict.fromkeys(item for group in lists or () for item in group))


def options_from_args(args) -> LiveOptions:
    if args.all_regions and args.regions:
        raise UsageError("give --region or --all-regions, not both")
    from auditor.core.arns import check_region
    for region in args.regions or []:
        check_region(region)  # a typo would collect an empty region and pass
    if args.endpoint_url is not None:
        from urllib.parse import urlsplit
        try:
            parts = urlsplit(args.endpoint_url)
            parts.port  # noqa: B018 -- raises ValueError on a bad port
        except ValueError:
            parts = None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            raise UsageError(f"--endpoint-url {args.endpoint_url!r} is not a URL (e.g. http://localhost:4566)")
    organization = getattr(args, "organization", False)
    if organization and args.role_arns:
        raise UsageError("--organization assumes --role-name in every account: give it or --role-arn, not both")
    if not organization:
        only_org = [flag for flag, dest in (("--role-name", "role_name"), ("--accounts", "accounts"),
                                            ("--exclude-accounts", "exclude_accounts"))
                    if getattr(args, dest, None)]
        if only_org:
            raise UsageError(f"{', '.join(only_org)} only work(s) with --organization")
    role_name = getattr(args, "role_name", None) or DEFAULT_ROLE_NAME
    if not re.fullmatch(r"[\w+=,.@/-]{1,64}", role_name):
        raise UsageError(f"--role-name {role_name!r} is not an IAM role name (letters, digits and +=,.@_-)")
    external_id = getattr(args, "external_id", None)
    if external_id is not None and not re.fullmatch(r"[\w+=,.@:/-]{2,1224}", external_id):
        raise UsageError("--external-id must be 2 to 1224 characters of letters, digits and +=,.@:/-_")
    if getattr(args, "cache_dir", None) is not None and os.path.exists(args.cache_dir) \
            and not os.path.isdir(args.cache_dir):
        raise UsageError(f"--cache {args.cache_dir!r} is a file, not a folder")
    quiet = getattr(args, "quiet", False)
    return LiveOptions(profile=args.profile, regions=list(dict.fromkeys(args.regions or [])),
                       all_regions=args.all_regions, role_arns=list(dict.fromkeys(args.role_arns or [])),
                       api_ids=list(dict.fromkeys(args.api_ids or [])), max_workers=args.max_workers,
                       endpoint_url=args.endpoint_url, progress=False if quiet else None,
                       organization=organization, role_name=role_name, external_id=external_id,
                       accounts=_flat(getattr(args, "accounts", None)),
                       exclude_accounts=_flat(getattr(args, "exclude_accounts", None)),
                       connect_timeout=getattr(args, "connect_timeout", DEFAULT_CONNECT_TIMEOUT),
                       read_timeout=getattr(args, "read_timeout", DEFAULT_READ_TIMEOUT),
                       region_deadline=getattr(args, "region_deadline", DEFAULT_REGION_DEADLINE),
                       max_pages=getattr(args, "max_pages", DEFAULT_MAX_PAGES),
                       cache_dir=getattr(args, "cache_dir", None),
                       cache_max_age=getattr(args, "cache_max_age", DEFAULT_CACHE_MAX_AGE))


def live_options_given(args) -> list[str]:
    """The collection-only options present on a command line (for `audit` without --live)."""
    given = [flag for flag, dest in _LIVE_FLAGS if getattr(args, dest, None)]
    given += [flag for flag, dest, default in _LIVE_DEFAULTS if getattr(args, dest, default) != default]
    return given


# ---------------------------------------------------------------- progress

def _progress_wanted(enabled: bool | None) -> bool:
    if enabled is not None:
        return enabled
    return sys.stderr.isatty() and not os.environ.get("CI")


class _Progress:
    """A tqdm bar of scopes (account x region) on stderr, with the AWS calls made; nothing when stderr is
    not a terminal, in CI, or with -q."""

    def __init__(self, enabled: bool | None):
        self.enabled = _progress_wanted(enabled)
        self.lock = threading.Lock()
        self.calls = 0
        self.last = 0.0
        self.bar = None
        if self.enabled:
            from tqdm import tqdm
            self.bar = tqdm(total=0, desc="collecting", unit="scope", file=sys.stderr, dynamic_ncols=True,
                            leave=True, mininterval=0.1)

    def add(self, n: int = 1):
        if self.bar is not None:
            with self.lock:
                self.bar.total += n
                self.bar.refresh()

    def scope_done(self):
        if self.bar is not None:
            with self.lock:
                self.bar.update(1)

    def call(self):
        if self.bar is None:
            return
        with self.lock:
            self.calls += 1
            now = time.monotonic()
            if now - self.last >= 0.1:
                self.last = now
                self.bar.set_postfix_str(f"{self.calls} AWS calls", refresh=True)

    def close(self):
        if self.bar is not None:
            self.bar.set_postfix_str(f"{self.calls} AWS calls", refresh=False)
            self.bar.close()
            self.bar = None


# ---------------------------------------------------------------- the pool

_current = threading.local()  # .scope: the scope the running task works for (None: account or org work)


class _Pool:
    """A bounded thread pool whose tasks may submit more tasks; wait() returns when all are done.

    A task belongs to a scope (or to none): `submit` from inside a task inherits its scope, so other
    collectors never pass one. When a scope's last task ends, its `on_idle` runs (the next phase)."""

    def __init__(self, workers: int, progress: _Progress):
        from concurrent.futures import ThreadPoolExecutor  # only when collecting: every command imports this module
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="apigw-collect")
        self.cv = threading.Condition(threading.RLock())
        self.pending = 0
        self.failure: BaseException | None = None
        self.progress = progress

    def submit(self, fn, *args) -> None:
        """Run fn(*args) in the pool, for the scope of the task calling submit (if any)."""
        self.submit_for(getattr(_current, "scope", None), fn, *args)

    def submit_for(self, scope, fn, *args) -> None:
        with self.cv:
            self.pending += 1
            if scope is not None:
                scope.pending += 1
        self.executor.submit(self._run, scope, fn, args)

    def _run(self, scope, fn, args):
        _current.scope = scope
        try:
            if scope is not None and scope.started is None:
                scope.start()
            fn(*args)
        except BaseException as exc:  # a bug in the collector, not an AWS error: re-raised by wait()
            with self.cv:
                self.failure = self.failure or exc
        finally:
            _current.scope = None
            idle = False
            if scope is not None:
                with self.cv:
                    scope.pending -= 1
                    idle = scope.pending == 0
            if idle and scope.on_idle is not None and self.failure is None:
                try:
                    scope.on_idle(scope)  # may submit the scope's next phase before `pending` drops below
                except BaseException as exc:
                    with self.cv:
                        self.failure = self.failure or exc
            with self.cv:
                self.pending -= 1
                self.cv.notify_all()

    def wait(self) -> None:
        with self.cv:
            while self.pending and self.failure is None:
                self.cv.wait(0.5)
        if self.failure is not None:
            raise self.failure

    def shutdown(self):
        self.executor.shutdown(wait=True, cancel_futures=True)


# ---------------------------------------------------------------- the scope being collected

@dataclass
class _Account:
    """An account collection reaches: its partition and the session that reads it."""

    account: str
    partition: str
    session: object | None  # boto3.Session, None when the role could not be assumed
    error: dict | None = None


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class _AccountSession:
    """An assumed role's credentials over the caller's boto3 session: its clients are made from the one
    session (a botocore session per account costs ~1 MiB of event handlers; at 200 accounts, that is
    the collector's memory). Quacks like the boto3.Session that client factories are given."""

    _lock = threading.Lock()  # botocore sessions are not thread-safe: clients are made one at a time

    def __init__(self, base, creds: dict, region: str):
        self._base = base
        self._creds = {"aws_access_key_id": creds["AccessKeyId"], "aws_secret_access_key": creds["SecretAccessKey"],
                       "aws_session_token": creds["SessionToken"]}
        self.region_name = region

    def client(self, service: str, **kwargs):
        with self._lock:
            return self._base.client(service, **self._creds, **kwargs)

    def get_credentials(self):
        from botocore.credentials import Credentials
        return Credentials(self._creds["aws_access_key_id"], self._creds["aws_secret_access_key"],
                           self._creds["aws_session_token"])

    def get_available_regions(self, *args, **kwargs):
        return self._base.get_available_regions(*args, **kwargs)


class DeadlineExceeded(Exception):
    """The scope's --region-deadline passed: the calls left are not made."""


class _Deadline:
    """The deadline of an account's own calls (AssumeRole, DescribeRegions): the same --region-deadline."""

    def __init__(self, seconds: float):
        self.deadline_seconds = seconds
        self.deadline = time.monotonic() + seconds

    def remaining(self) -> float:
        return self.deadline - time.monotonic()


class _Scope:
    """One account x region being collected: what its calls found, what failed, and its deadline."""

    def __init__(self, account: _Account, region: str, narrowed: bool, deadline_seconds: float | None = None):
        self.account = account
        self.region = region
        self.narrowed = narrowed
        self.lock = threading.Lock()
        self.apis: list[dict | None] = []  # in GetApis order; None: GetApi failed
        self.functions: dict[str, dict] = {}  # unqualified ARN -> ListFunctions item, in order
        self.functions_listed = False  # ListFunctions went through every page
        self.dropped: set[str] = set()  # functions whose policy could not be read
        self.errors: list[dict] = []
        self.function_tags: dict[str, dict] = {}  # unqualified ARN -> tags, of functions with a suppression tag
        self.roles: list[dict] = []  # iam:GetRole of the roles API Gateway is told to assume (credentials)
        self.rest: dict | None = None  # RestApis and UsagePlans (auditor.live_rest)
        self.read: dict[str, set] = {}  # unqualified ARN -> qualifiers whose details were read
        self.apigw = None
        self.lam = None
        self.tagging = None
        # the pool's bookkeeping (see _Pool): tasks left, the phase, what runs when they are done
        self.pending = 0
        self.phase = 0
        self.on_idle = None
        self.started: float | None = None
        self.deadline_seconds = deadline_seconds
        self.deadline: float | None = None
        self.timed_out = False
        self.counted = False  # in the progress bar

    def start(self):
        self.started = time.monotonic()
        if self.deadline_seconds is not None:
            self.deadline = self.started + self.deadline_seconds

    def remaining(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.monotonic()

    def error(self, operation: str, resource: str, code: str, message: str) -> None:
        with self.lock:
            self.errors.append({"Operation": operation, "Resource": resource, "Code": code, "Message": message})

    def deadline_error(self, operation: str) -> None:
        """Once per scope: the region did not finish in time (the calls cut short are not listed one by one)."""
        with self.lock:
            if self.timed_out:
                return
            self.timed_out = True
            self.errors.append({"Operation": operation, "Resource": "", "Code": "DeadlineExceeded",
                                "Message": f"region {self.region} of account {self.account.account} did not answer "
                                           f"within {self.deadline_seconds:g} s (--region-deadline); the calls left "
                                           "were not made"})

    def document(self) -> dict:
        functions = [(arn, f if arn not in self.function_tags else {**f, "Tags": self.function_tags[arn]})
                     for arn, f in self.functions.items() if arn not in self.dropped]
        if self.narrowed:  # fetched one by one, in completion order
            functions.sort(key=lambda pair: pair[0])
        # Unread tags cost suppressions only, never a finding: the scope still holds everything.
        complete = not any(error["Operation"] != TAG_READ for error in self.errors)
        document = {"AccountId": self.account.account, "Region": self.region,
                    "Complete": not self.narrowed and complete,
                    "Apis": [api for api in self.apis if api is not None],
                    "Functions": [f for _, f in functions],
                    "Errors": sorted(self.errors, key=lambda e: (e["Operation"], e["Resource"], e["Code"]))}
        if self.rest:
            document.update(self.rest)
            document["Errors"] = live_rest.without_rest_ids(document["Errors"], self.rest)
        if self.roles:
            document["Roles"] = sorted(self.roles, key=lambda role: role["Arn"])
        if getattr(self, "domain_names", None) is not None:  # auditor.live_domains
            document["DomainNames"] = self.domain_names
        return document


def _clean(item: dict) -> dict:
    """A response item as the snapshot keeps it: no ResponseMetadata, no environment values."""
    return {k: v for k, v in item.items() if k != "ResponseMetadata" and k not in _SECRET_FIELDS}


def _redact_mapping(mapping: dict) -> dict:
    return {k: REDACTED if isinstance(v, str) and "header." in k and "$" not in v else v for k, v in mapping.items()}


def _redact_integration(item: dict) -> dict:
    """A static header value in an integration's parameter mapping is often a backend token: keep
    the key and mapping expressions (`$request...`), drop the literal."""
    if isinstance(item.get("RequestParameters"), dict):
        item["RequestParameters"] = _redact_mapping(item["RequestParameters"])
    if isinstance(item.get("ResponseParameters"), dict):
        item["ResponseParameters"] = {status: _redact_mapping(m) if isinstance(m, dict) else m
                                      for status, m in item["ResponseParameters"].items()}
    return item


class MalformedResponse(Exception):
    """An answer that is not the API's response (a proxy's login page, a broken endpoint, `{}`, cycling
    page tokens): its scope is incomplete (AGW000), never read as an empty or clean one."""


# What each read must hold for the rules to trust it: operation -> (list key, id key of each item).
# A registered list call whose answer lacks the list (`{}`, `{"Items": null}`) is malformed, not empty:
# AWS always sends the list, empty or not. Other collectors register their list calls here.
_LISTS = {  # (service, operation) -> (list key, id key) of the list calls whose answer must hold their list
    ("apigatewayv2", "GetApis"): ("Items", "ApiId"), ("apigatewayv2", "GetRoutes"): ("Items", "RouteId"),
    ("apigatewayv2", "GetIntegrations"): ("Items", "IntegrationId"), ("apigatewayv2", "GetStages"): ("Items", "StageName"),
    ("apigatewayv2", "GetAuthorizers"): ("Items", "AuthorizerId"),
    ("apigatewayv2", "GetDomainNames"): ("Items", "DomainName"), ("apigatewayv2", "GetApiMappings"): ("Items", "ApiId"),
    ("apigateway", "GetRestApis"): ("items", "id"), ("apigateway", "GetResources"): ("items", "id"),
    ("apigateway", "GetAuthorizers"): ("items", "id"), ("apigateway", "GetUsagePlans"): ("items", "id"),
    ("apigateway", "GetGatewayResponses"): ("items", "responseType"),
    ("lambda", "ListFunctions"): ("Functions", "FunctionArn"), ("lambda", "ListAliases"): ("Aliases", "Name"),
    ("lambda", "ListVersionsByFunction"): ("Versions", "Version"),
    ("organizations", "ListAccounts"): ("Accounts", "Id"),
    ("resourcegroupstaggingapi", "GetResources"): ("ResourceTagMappingList", "ResourceARN")}


def _short(text, limit: int = 120) -> str:
    """One line of at most `limit` characters of a body or message (an HTML page must not flood a notice)."""
    text = text.decode("utf-8", "replace") if isinstance(text, (bytes, bytearray)) else str(text)
    text = re.sub(r"<[^>]{0,200}>", " ", text) if "<" in text else text
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _check_body(operation_model=None, response_dict=None, **_):
    """before-parse: a 2xx answer must be in the protocol's format (botocore reads HTML as an empty JSON
    result, and a query-protocol body that is not XML as a traceback)."""
    if operation_model is None or not response_dict or not 200 <= response_dict.get("status_code", 0) < 300:
        return
    protocol = operation_model.metadata.get("protocol")
    body = response_dict.get("body") or b""
    content_type = (response_dict.get("headers") or {}).get("content-type", "no content type")
    if protocol in ("query", "ec2"):  # sts, ec2: XML
        if not body.strip()[:1] == b"<":
            raise MalformedResponse(f"the answer is not XML ({content_type}: {_short(body, 80)!r})")
        return
    if protocol not in ("rest-json", "json"):
        return
    if not body.strip():
        return
    try:
        json.loads(body)
    except (ValueError, RecursionError):
        raise MalformedResponse(f"the answer is not JSON ({content_type}: {_short(body, 80)!r})") from None


def _checked_page(service: str, operation: str, page, key: str | None = None) -> list:
    """The items of one page of a list call, each an object with its id; MalformedResponse otherwise.
    A registered operation must send its list; another's missing list reads as empty."""
    registered = (service, operation) in _LISTS
    key, id_key = _LISTS[service, operation] if registered else (key, None)
    if not isinstance(page, dict):
        raise MalformedResponse("the answer is not an object")
    items = page.get(key)
    if items is None:
        if registered:
            raise MalformedResponse(f"the answer holds no {key} list ({'null' if key in page else 'missing'}): "
                                    "not read as an empty one")
        return []
    if not isinstance(items, list) or not all(isinstance(i, dict) and (id_key is None or id_key in i) for i in items):
        raise MalformedResponse(f"{key} is not a list of objects" + (f" with {id_key}" if id_key else ""))
    return items


def _policy_of(answer) -> tuple[str, str | None]:
    """GetPolicy's policy document (a JSON object in a string) and its RevisionId (what `fix` passes to
    PutResourcePolicy, so a policy changed since this read is never overwritten), or MalformedResponse: `{}` is
    no answer, not "no policy", and a policy that is not a JSON object is that function's problem, not the
    whole audit's."""
    policy = answer.get("Policy") if isinstance(answer, dict) else None
    if not isinstance(policy, str) or not policy.strip():
        raise MalformedResponse("the answer holds no Policy document")
    try:
        document = json.loads(policy)
    except ValueError as exc:
        raise MalformedResponse(f"the Policy is not JSON ({exc.msg} at character {exc.pos}: "
                                f"{_short(policy, 60)!r})") from None
    if not isinstance(document, dict):
        raise MalformedResponse(f"the Policy is a JSON {type(document).__name__}, not an object")
    revision = answer.get("RevisionId")
    return policy, revision if isinstance(revision, str) and revision else None


def _keep_policy(owner: dict, answer) -> None:
    owner["Policy"] = answer[0] if answer else None
    if answer and answer[1]:
        owner["PolicyRevisionId"] = answer[1]


def _raised_by_parser(exc: BaseException) -> bool:
    """Did botocore's response parser raise it (a body of the wrong shape makes it raise KeyError & co)?"""
    trace = exc.__traceback__
    while trace is not None:
        if trace.tb_frame.f_code.co_filename.replace("\\", "/").endswith("botocore/parsers.py"):
            return True
        trace = trace.tb_next
    return False


def _error_of(exc: BaseException) -> tuple[str, str]:
    from botocore.exceptions import ClientError
    from botocore.parsers import ResponseParserError
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return str(error.get("Code") or "ClientError"), _short(error.get("Message") or exc, 300)
    if isinstance(exc, (MalformedResponse, ResponseParserError)) or _raised_by_parser(exc):
        return "MalformedResponse", _short(f"the answer does not parse ({type(exc).__name__}: {exc})"
                                           if not isinstance(exc, MalformedResponse) else exc, 300)
    return type(exc).__name__, _short(str(exc) or type(exc).__name__, 300)


def _is_timeout(exc: BaseException) -> bool:
    from botocore.exceptions import ConnectTimeoutError, ReadTimeoutError
    return isinstance(exc, (ConnectTimeoutError, ReadTimeoutError, DeadlineExceeded))


def _json_default(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return None
    raise TypeError(f"cannot write {type(value).__name__} into a snapshot")


# ---------------------------------------------------------------- the cache

class _Cache:
    """--cache DIR: one file per complete scope (DIR/<account>/<region>.json) and the regions found per
    account (DIR/<account>/regions.json), each written whole (a temporary file renamed over it), each
    carrying when it was collected and for which collection (tool version, endpoint, --api-id)."""

    VERSION = 1

    def __init__(self, folder: str, max_age: float, options: LiveOptions):
        self.folder = folder
        self.max_age = max_age
        key = json.dumps([SNAPSHOT_VERSION, __version__, options.endpoint_url, sorted(options.api_ids)])
        self.key = hashlib.sha256(key.encode()).hexdigest()[:16]
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"--cache {folder!r}: cannot create the folder ({exc.strerror})") from None

    def _path(self, account: str, name: str) -> str:
        return os.path.join(self.folder, account, name + ".json")

    def read(self, account: str, name: str):
        """The entry's content, or None when absent, stale, for another collection or unreadable."""
        try:
            with open(self._path(account, name), encoding="utf-8") as handle:
                entry = json.load(handle)
        except (OSError, ValueError):
            return None
        if not isinstance(entry, dict) or entry.get("CacheVersion") != self.VERSION or entry.get("Key") != self.key:
            return None
        collected = entry.get("CollectedAt")
        if not isinstance(collected, (int, float)) or not 0 <= time.time() - collected <= self.max_age:
            return None
        return entry.get("Content")

    def write(self, account: str, name: str, content) -> None:
        import tempfile
        folder = os.path.join(self.folder, account)
        os.makedirs(folder, exist_ok=True)
        text = json.dumps({"CacheVersion": self.VERSION, "Key": self.key, "CollectedAt": time.time(),
                           "Content": content}, default=_json_default)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, self._path(account, name))
        except BaseException:
            try:
                os.unlink(temporary)
            except OSError:
                pass
            raise


# ---------------------------------------------------------------- the collector

class Collector:
    def __init__(self, options: LiveOptions):
        self.options = options
        self.stats = CollectStats()
        self.stats_lock = threading.Lock()
        self.progress = _Progress(options.progress)
        self.config = None
        self.scopes: list[_Scope] = []  # collected now
        self.finished = 0  # scopes done, for the periodic garbage collection
        self.sts = None  # the caller's STS client, shared by every AssumeRole
        self.cached: list[dict] = []  # scope documents read from --cache
        self.cache = (_Cache(options.cache_dir, options.cache_max_age, options)
                      if options.cache_dir is not None else None)

    # -- clients

    def _client(self, session, service: str, region: str):
        """A client that counts its calls, checks every answer's format, and keeps the running scope's
        deadline (see _before_send)."""
        if self.config is None:
            from botocore.config import Config
            workers = self.options.max_workers
            self.config = Config(retries={"mode": "adaptive", "total_max_attempts": MAX_ATTEMPTS},
                                 max_pool_connections=max(10, workers * 2),
                                 user_agent_extra=f"apigw-auditor/{__version__}",
                                 connect_timeout=self.options.connect_timeout,
                                 read_timeout=self.options.read_timeout)
        with _AccountSession._lock if not isinstance(session, _AccountSession) else _nothing():
            if self.options.client_factory is not None:
                client = self.options.client_factory(session, service, region, self.config, self.options.endpoint_url)
            else:
                client = session.client(service, region_name=region, config=self.config,
                                        endpoint_url=self.options.endpoint_url)
        client.meta.events.register("before-parse", _check_body)
        client.meta.events.register_first("before-parameter-build", self._count_call)
        client.meta.events.register_first("before-send", self._before_send)
        return client

    def _count_call(self, model=None, **_):
        name = model.name if model is not None else "?"
        with self.stats_lock:
            self.stats.calls += 1
            self.stats.operations[name] = self.stats.operations.get(name, 0) + 1
        self.progress.call()

    def _before_send(self, request=None, **_):
        """Every HTTP attempt (retries included): none after the running scope's deadline, and none that
        waits for an answer past it (botocore takes a per-request read timeout from the request context)."""
        with self.stats_lock:
            self.stats.attempts += 1
        scope = getattr(_current, "scope", None)
        remaining = scope.remaining() if scope is not None else None
        if remaining is None:
            return
        if remaining <= 0:
            raise DeadlineExceeded(f"--region-deadline of {scope.deadline_seconds:g} s passed")
        context = getattr(request, "context", None)
        if isinstance(context, dict):
            context["read_timeout"] = max(0.05, min(self.options.read_timeout, remaining))

    # -- accounts and regions

    def _base_session(self):
        import boto3
        from botocore.exceptions import ProfileNotFound
        try:
            return boto3.Session(profile_name=self.options.profile)
        except ProfileNotFound as exc:
            raise UsageError(f"AWS profile not found: {exc}") from None

    def _home_region(self, session) -> str:
        if self.options.regions:
            return self.options.regions[0]
        return session.region_name or "us-east-1"

    def _caller_call(self, base, service: str, call, what: str):
        """A call made with the caller's own credentials before any account is read (GetCallerIdentity,
        ListAccounts): any failure is a one-line usage error (exit 2), never a traceback."""
        from botocore.exceptions import BotoCoreError, ClientError, CredentialRetrievalError, NoCredentialsError
        from botocore.parsers import ResponseParserError
        try:
            return call(self._client(base, service, self._home_region(base)))
        except NoCredentialsError:
            raise UsageError("no AWS credentials found (boto3 looks at AWS_* environment variables, "
                             "--profile / AWS_PROFILE, ~/.aws/credentials, SSO and instance roles)") from None
        except CredentialRetrievalError as exc:  # credential_process, SSO, an instance role failing
            raise UsageError(f"could not obtain AWS credentials: {_short(exc, 300)}") from None
        except (ClientError, BotoCoreError) as exc:
            code, message = _error_of(exc)
            why = "AWS rejected the call" if isinstance(exc, ClientError) else "could not reach AWS"
            raise UsageError(f"{why} ({what}: {code}: {message})") from None
        except Exception as exc:  # noqa: BLE001 - only a malformed answer is handled here
            if not isinstance(exc, (MalformedResponse, ResponseParserError)) and not _raised_by_parser(exc):
                raise
            raise UsageError(f"{what}: not a valid AWS answer ({_error_of(exc)[1]}); is "
                             "--endpoint-url or a proxy answering instead of AWS?") from None

    def _identity(self, base) -> tuple[str, str]:
        def call(sts):
            identity = sts.get_caller_identity()
            account, arn = identity.get("Account"), identity.get("Arn")
            if not (isinstance(account, str) and _ACCOUNT.fullmatch(account) and isinstance(arn, str)
                    and arn.count(":") >= 5):
                raise MalformedResponse("the answer holds no 12-digit Account and ARN")
            return account, arn.split(":")[1]
        return self._caller_call(base, "sts", call, "sts:GetCallerIdentity")

    def _organization_accounts(self, base) -> list[str]:
        """Active accounts of the organization (every page of ListAccounts), --accounts/--exclude-accounts applied."""
        def call(organizations):
            items: list = []
            self._paginate(organizations, "list_accounts", "Accounts", items)
            return items
        items = self._caller_call(base, "organizations", call, "organizations:ListAccounts")
        active = []
        for item in items:
            account = item.get("Id")
            state = item.get("State") or item.get("Status")  # State replaces Status (2025); either says ACTIVE
            if isinstance(account, str) and _ACCOUNT.fullmatch(account) and state in ("ACTIVE", None):
                active.append(account)
        known = set(active)
        if self.options.accounts:
            unknown = [a for a in self.options.accounts if a not in known]
            if unknown:
                raise UsageError(f"--accounts {', '.join(unknown)}: not an active account of the organization")
            active = [a for a in active if a in set(self.options.accounts)]
        excluded = set(self.options.exclude_accounts)
        chosen = sorted(dict.fromkeys(a for a in active if a not in excluded))
        if not chosen:  # nothing audited must never read as a clean organization
            raise UsageError("--organization: organizations:ListAccounts listed no active account"
                             + (" left after --accounts/--exclude-accounts" if self.options.accounts
                                or excluded else "") + "; nothing to audit")
        return chosen

    def _assume(self, base, role: str, account: str, partition: str) -> _Account:
        """The account through `role`; an account whose role cannot be assumed (missing, AccessDenied, a
        malformed answer, a timeout) is returned with its error: one AGW000, the rest goes on."""
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError, CredentialRetrievalError, NoCredentialsError
        from botocore.parsers import ResponseParserError
        params = {"RoleArn": role, "RoleSessionName": f"apigw-auditor-{os.getpid()}"}
        if self.options.external_id:
            params["ExternalId"] = self.options.external_id
        try:
            sts = self._sts_client(base)
            creds = sts.assume_role(**params).get("Credentials")
            if not (isinstance(creds, dict) and all(isinstance(creds.get(k), str) and creds.get(k)
                                                    for k in ("AccessKeyId", "SecretAccessKey", "SessionToken"))):
                raise MalformedResponse("the answer holds no Credentials")
        except NoCredentialsError:
            raise UsageError("no AWS credentials found to assume roles with") from None
        except CredentialRetrievalError as exc:
            raise UsageError(f"could not obtain AWS credentials: {_short(exc, 300)}") from None
        except Exception as exc:  # noqa: BLE001
            if not isinstance(exc, (ClientError, BotoCoreError, MalformedResponse, ResponseParserError,
                                    DeadlineExceeded)) and not _raised_by_parser(exc):
                raise
            code, message = _error_of(exc)
            if isinstance(exc, DeadlineExceeded) or _is_timeout(exc):
                code, message = "DeadlineExceeded", (f"account {account} did not answer sts:AssumeRole within "
                                                     f"{self.options.region_deadline:g} s (--region-deadline)")
            with self.stats_lock:
                self.stats.unreachable.append(account)
            return _Account(account, partition, None, {"Operation": "AssumeRole", "Resource": role,
                                                       "Code": code, "Message": message})
        session = _AccountSession(base, creds, self._home_region(base))
        return _Account(account, partition, session)

    def _sts_client(self, base):
        """One STS client for every AssumeRole (botocore clients are thread-safe): not one per account."""
        with self.stats_lock:
            if self.sts is None:
                self.sts = self._client(base, "sts", self._home_region(base))
            return self.sts

    def _explicit_roles(self) -> list[tuple[str, str, str]]:
        out = []
        for role in self.options.role_arns:
            parts = role.split(":")
            if len(parts) < 6 or parts[0] != "arn" or parts[2] != "iam" or not parts[5].startswith("role/"):
                raise UsageError(f"--role-arn {role!r} is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)")
            out.append((role, parts[4], parts[1]))
        return out

    def _discovers_regions(self) -> bool:
        return self.options.all_regions or (self.options.organization and not self.options.regions)

    def _regions(self, account: _Account, base) -> list[str]:
        """The regions to read in an account: --region, or (--all-regions, --organization) the regions
        enabled in it. ec2:DescribeRegions, not account:ListRegions: without AllRegions it answers exactly
        the regions enabled for the calling account, in every partition (the Account Management API is not
        in all of them), and it is the call most read-only roles (SecurityAudit, ReadOnlyAccess) already hold."""
        if not self._discovers_regions():
            if self.options.regions:
                return self.options.regions
            if base.region_name:
                from auditor.core.arns import check_region
                check_region(base.region_name, "the region of the profile or AWS_REGION")
                return [base.region_name]
            raise UsageError("no region: pass --region REGION (or --all-regions), or set AWS_REGION / the profile's region")
        if account.session is None:
            return [self._home_region(base)]
        if self.cache is not None:
            cached = self.cache.read(account.account, "regions")
            if isinstance(cached, list) and cached and all(isinstance(r, str) and _REGION.fullmatch(r) for r in cached):
                return cached
        try:
            client = self._client(account.session, "ec2", self._home_region(base))
            answer = client.describe_regions()
            items = answer.get("Regions") if isinstance(answer, dict) else None
            if not isinstance(items, list) or not items or not all(
                    isinstance(r, dict) and isinstance(r.get("RegionName"), str) and _REGION.fullmatch(r["RegionName"])
                    for r in items):
                raise MalformedResponse("the answer holds no list of Regions")
            regions = sorted({r["RegionName"] for r in items})
            if self.cache is not None:
                self.cache.write(account.account, "regions", regions)
            return regions
        except Exception as exc:  # noqa: BLE001 - any failure falls back, and is said
            # Fall back to every region botocore knows for the partition; one not enabled in the
            # account then fails on its own and is recorded in its scope.
            code, message = _error_of(exc)
            with self.stats_lock:
                self.stats.notices.append(f"ec2:DescribeRegions failed for {account.account} ({code}: {message}); "
                                          "trying every region botocore knows")
            return sorted(account.session.get_available_regions("apigatewayv2", partition_name=account.partition))

    # -- one call, its failure recorded

    def _try(self, scope: _Scope, operation: str, resource: str, fn, *, no_policy_ok: bool = False):
        """(True, result) or (False, None) after recording the failure in the scope. Past the scope's
        deadline, the failure is recorded once for the whole scope."""
        try:
            return True, fn()
        except Exception as exc:
            code, message = _error_of(exc)
            if no_policy_ok and code == _NO_POLICY:
                return True, None
            with self.stats_lock:
                self.stats.errors += 1
            remaining = scope.remaining()
            if _is_timeout(exc) and remaining is not None and remaining <= 0.05:
                scope.deadline_error(operation)
            else:
                scope.error(operation, resource, code, message)
            return False, None

    def _paginate(self, client, operation: str, key: str, into: list, **params) -> list:
        """Every page of a list call into `into` (kept even when a later page fails). Bounded: a page token
        seen before (cycling pages) or more than --max-pages pages raises MalformedResponse, as does a page
        that is not the operation's answer (see _checked_page)."""
        name = client.meta.method_to_api_mapping[operation]  # the operation's API name (GetApis), as errors name it
        if client.can_paginate(operation):
            config = client.get_paginator(operation)._pagination_cfg  # noqa: SLF001 - botocore's own token names
            inputs, outputs = config["input_token"], config["output_token"]
        else:  # a list call botocore has no paginator for (GetApiMappings): AWS's NextToken
            inputs = outputs = "NextToken"
        inputs = [inputs] if isinstance(inputs, str) else list(inputs)
        outputs = [outputs] if isinstance(outputs, str) else list(outputs)
        method = getattr(client, operation)
        seen: set = set()
        pages = 0
        call = dict(params)
        while True:
            page = method(**call)
            pages += 1
            into.extend(_checked_page(client.meta.service_model.service_name, name, page, key))
            tokens = tuple(page.get(out) for out in outputs) if isinstance(page, dict) else ()
            if not any(tokens):
                return into
            if not all(t is None or isinstance(t, (str, int)) for t in tokens):
                raise MalformedResponse(f"page {pages}'s next-page token is not a string")
            if tokens in seen:
                raise MalformedResponse(f"page {pages} repeats an earlier page token ({_short(tokens[0], 40)!r}): "
                                        "the pages cycle; stopped")
            if pages >= self.options.max_pages:
                raise MalformedResponse(f"more than {self.options.max_pages} pages (--max-pages); stopped")
            seen.add(tokens)
            call = dict(params)
            for in_name, token in zip(inputs, tokens):
                if token is not None:
                    call[in_name] = token

    # -- phase 1: APIs and the function list

    def collect_scope(self, pool: _Pool, scope: _Scope):
        """The per-scope entry point: everything read per account x region, each piece its own task. Other
        API types add one line each here (`live_rest.collect(self, pool, scope)`...); their tasks join the
        scope's (same deadline; the scope is cached and counted once all of them are done)."""
        self._collect_apis(pool, scope)
        pool.submit(live_rest.collect, self, pool, scope)  # REST APIs (v1)
        if not scope.narrowed:
            pool.submit(self._list_functions, scope)
        pool.submit(self._function_tags, scope)

    def _collect_apis(self, pool: _Pool, scope: _Scope):
        client = scope.apigw
        if scope.narrowed:
            for api_id in self.options.api_ids:
                scope.apis.append(None)
                pool.submit(self._get_api, pool, scope, len(scope.apis) - 1, api_id)
            return
        items: list = []
        ok, _ = self._try(scope, "GetApis", "", lambda: self._paginate(client, "get_apis", "Items", items))
        if not ok:
            items = []  # a page of a listing that failed half-way is no list to judge by
        pool.submit(live_domains.collect_domains, self, scope)  # custom domains: after GetApis, whose error it reads
        for item in items:
            scope.apis.append(_clean(item))
            pool.submit(self._api_details, scope, scope.apis[-1])

    def _get_api(self, pool: _Pool, scope: _Scope, slot: int, api_id: str):
        ok, item = self._try(scope, "GetApi", api_id, lambda: scope.apigw.get_api(ApiId=api_id))
        if ok and not (isinstance(item, dict) and isinstance(item.get("ApiId"), str)):
            scope.error("GetApi", api_id, "MalformedResponse", "the answer holds no ApiId")
            ok = False
        if ok:
            scope.apis[slot] = _clean(item)
            self._api_details(scope, scope.apis[slot])

    def _api_details(self, scope: _Scope, api: dict):
        client, api_id = scope.apigw, api["ApiId"]
        for operation, method, key in (("GetRoutes", "get_routes", "Routes"),
                                       ("GetIntegrations", "get_integrations", "Integrations"),
                                       ("GetStages", "get_stages", "Stages")):
            items: list = []
            ok, _ = self._try(scope, operation, api_id,
                              lambda: self._paginate(client, method, "Items", items, ApiId=api_id))
            if ok:
                api[key] = [_clean(i) for i in items]
                if key == "Integrations":
                    api[key] = [_redact_integration(i) for i in api[key]]
        # Authorizers are reached only through routes: list them when a route names one.
        if any(r.get("AuthorizerId") for r in api.get("Routes") or ()):
            items = []
            ok, _ = self._try(scope, "GetAuthorizers", api_id,
                              lambda: self._paginate(client, "get_authorizers", "Items", items, ApiId=api_id))
            if ok:
                api["Authorizers"] = [_clean(i) for i in items]
        from auditor.live_websocket import collect_websocket_details  # two-way WebSocket routes' responses
        collect_websocket_details(self, scope, api)

    def _list_functions(self, scope: _Scope):
        items: list = []
        ok, _ = self._try(scope, "ListFunctions", "", lambda: self._paginate(scope.lam, "list_functions", "Functions", items))
        for item in items:
            ref = parse_function_uri(item.get("FunctionArn", ""))
            with scope.lock:
                scope.functions[ref.unqualified_arn if ref else item.get("FunctionArn", "")] = _clean(item)
        scope.functions_listed = ok

    def _function_tags(self, scope: _Scope):
        """Tags of the functions carrying a suppression tag: one tagging-API listing, not a call per function."""
        from auditor.suppress import IGNORE_TAG
        items: list = []
        self._try(scope, TAG_READ, "Lambda functions tagged " + IGNORE_TAG,
                  lambda: self._paginate(scope.tagging, "get_resources", "ResourceTagMappingList", items,
                                         ResourceTypeFilters=["lambda:function"], TagFilters=[{"Key": IGNORE_TAG}]))
        for item in items:
            ref = parse_function_uri(item.get("ResourceARN", ""))
            if ref is not None:
                scope.function_tags[ref.unqualified_arn] = {t.get("Key"): t.get("Value") for t in item.get("Tags") or ()}

    # -- phase 2: the policy of every function, and of the aliases and versions integrations name

    def _function_details(self, scope: _Scope, arn: str, qualifiers: set[str]):
        # The client is already the function's account and region: call it by name (moto, unlike
        # Lambda, does not take an ARN in ListAliases/ListVersionsByFunction).
        with scope.lock:
            scope.read.setdefault(arn, set()).update(qualifiers)
        lam, name = scope.lam, arn.rsplit(":", 1)[-1]
        function = scope.functions.get(arn)
        if function is None:
            if scope.functions_listed:
                return  # the listing is complete: the function does not exist (AGW114 says so)
            ok, item = self._try(scope, "GetFunctionConfiguration", arn,
                                 lambda: lam.get_function_configuration(FunctionName=name))
            if ok and not (isinstance(item, dict) and isinstance(item.get("FunctionArn"), str)):
                scope.error("GetFunctionConfiguration", arn, "MalformedResponse", "the answer holds no FunctionArn")
                ok = False
            if not ok:
                return
            function = _clean(item)
            with scope.lock:
                scope.functions[arn] = function
        failed = False
        ok, policy = self._try(scope, "GetPolicy", arn, lambda: _policy_of(lam.get_policy(FunctionName=name)),
                               no_policy_ok=True)
        failed |= not ok
        _keep_policy(function, policy)
        aliases = sorted(q for q in qualifiers if not q.isdigit() and q != "$LATEST")
        versions = sorted(q for q in qualifiers if q.isdigit())
        for names, operation, method, key, name_key, out_key in (
                (aliases, "ListAliases", "list_aliases", "Aliases", "Name", "Aliases"),
                (versions, "ListVersionsByFunction", "list_versions_by_function", "Versions", "Version", "Versions")):
            if not names:
                continue
            items: list = []
            ok, _ = self._try(scope, operation, arn,
                              lambda: self._paginate(lam, method, key, items, FunctionName=name))
            if not ok:
                failed = True
                continue
            listed = [_clean(i) for i in items if not (name_key == "Version" and i.get("Version") == "$LATEST")]
            for entry in listed:
                qualifier = entry.get(name_key)
                if qualifier in names:
                    ok, policy = self._try(scope, "GetPolicy", f"{arn}:{qualifier}",
                                           lambda: _policy_of(lam.get_policy(FunctionName=name, Qualifier=qualifier)),
                                           no_policy_ok=True)
                    failed |= not ok
                    _keep_policy(entry, policy)
            function[out_key] = listed
        if failed:
            # A policy we could not read must not look like "no permission": leave the function
            # out, so the rules say "not in the snapshot" (AGW000) instead of AGW201.
            with scope.lock:
                scope.dropped.add(arn)

    # -- the trust policies of credentials roles

    def _get_role(self, scope: _Scope, iam, arn: str):
        name = arn.rsplit("/", 1)[-1]
        ok, item = self._try(scope, "GetRole", arn, lambda: iam.get_role(RoleName=name))
        role = item.get("Role") if ok and isinstance(item, dict) else None
        if ok and not (isinstance(role, dict) and all(k in role for k in ("RoleName", "Arn", "AssumeRolePolicyDocument"))):
            scope.error("GetRole", arn, "MalformedResponse", "the answer holds no Role with its trust policy")
            return
        if ok:
            with scope.lock:
                scope.roles.append({"RoleName": role["RoleName"], "Arn": role["Arn"],
                                    "AssumeRolePolicyDocument": role["AssumeRolePolicyDocument"]})

    @staticmethod
    def _credentials_roles(scope: _Scope) -> list[str]:
        """The role ARNs of this scope's account that its integrations and authorizers name as credentials
        (a role in another account cannot be read with this account's credentials: left unknown)."""
        found = set()
        for api in scope.apis:
            for obj, key in [(i, "CredentialsArn") for i in (api or {}).get("Integrations") or ()] + \
                            [(a, "AuthorizerCredentialsArn") for a in (api or {}).get("Authorizers") or ()]:
                parts = str(obj.get(key) or "").split(":", 5)
                if len(parts) == 6 and parts[2] == "iam" and parts[4] == scope.account.account \
                        and parts[5].startswith("role/"):
                    found.add(obj[key])
        found.update(arn for _, arn in live_rest.references(scope) if isinstance(arn, str) and arn.startswith(
            f"arn:{scope.account.partition}:iam::{scope.account.account}:role/"))
        return sorted(found)

    # -- the run: accounts, then each account's regions, then each scope's phases, all in one pool

    def collect(self) -> dict:
        import gc
        collecting = gc.isenabled()
        gc.enable()  # the CLI turns the cyclic GC off for the model; botocore's clients need it to be freed
        try:
            return self._collect()
        finally:
            if not collecting:
                gc.disable()

    def _collect(self) -> dict:
        started = time.perf_counter()
        base = self._base_session()
        pool = _Pool(self.options.max_workers, self.progress)
        try:
            try:
                if self.options.organization:
                    _, partition = self._identity(base)
                    accounts = self._organization_accounts(base)
                    for account in accounts:
                        role = f"arn:{partition}:iam::{account}:role/{self.options.role_name}"
                        pool.submit_for(None, self._open_account, pool, base, role, account, partition)
                elif self.options.role_arns:
                    for role, account, partition in self._explicit_roles():
                        pool.submit_for(None, self._open_account, pool, base, role, account, partition)
                else:
                    account, partition = self._identity(base)
                    pool.submit_for(None, self._open_account, pool, base, None, account, partition)
                pool.wait()
                self._cross_scope_details(pool)
                pool.wait()
            finally:
                pool.shutdown()
        finally:
            self.progress.close()
            self.stats.seconds = time.perf_counter() - started
        documents = [s.document() for s in self.scopes] + self.cached
        documents.sort(key=lambda d: (d["AccountId"], d["Region"]))
        self.stats.scopes = len(documents)
        self.stats.cached = len(self.cached)
        self.stats.accounts = len({d["AccountId"] for d in documents})
        return {"SnapshotVersion": SNAPSHOT_VERSION, "Scopes": documents}

    def _open_account(self, pool: _Pool, base, role: str | None, account_id: str, partition: str):
        """One account: every region from --cache when it holds them all (no AWS call), else assume the
        role (if any), find the regions and start a scope for each region the cache does not hold."""
        narrowed = bool(self.options.api_ids)
        if self.cache is not None and not narrowed:
            regions = self.options.regions if not self._discovers_regions() else \
                self.cache.read(account_id, "regions")
            held = self._cached_scopes(account_id, regions) if isinstance(regions, list) and regions else None
            if held is not None:
                with self.stats_lock:
                    self.cached.extend(held)
                self.progress.add(len(held))
                for _ in held:
                    self.progress.scope_done()
                return
        _current.scope = _Deadline(self.options.region_deadline)  # an STS that never answers is bounded too
        try:
            account = self._assume(base, role, account_id, partition) if role else _Account(account_id, partition, base)
            regions = self._regions(account, base)
        finally:
            _current.scope = None
        for region in regions:
            if self.cache is not None and not narrowed and account.session is not None:
                held = self._cached_scopes(account_id, [region])
                if held is not None:
                    with self.stats_lock:
                        self.cached.extend(held)
                    self.progress.add(1)
                    self.progress.scope_done()
                    continue
            scope = _Scope(account, region, narrowed, self.options.region_deadline)
            scope.on_idle = lambda s: self._next_phase(pool, s)
            if account.error:
                scope.errors.append(dict(account.error))
            with self.stats_lock:
                self.scopes.append(scope)
            self.progress.add(1)
            if account.session is None:
                self.progress.scope_done()
                continue
            pool.submit_for(scope, self._start_scope, pool, scope)

    def _start_scope(self, pool: _Pool, scope: _Scope):
        """A scope's clients are made when it starts, not when it is queued: at most --max-workers scopes
        hold clients at once, however large the organization."""
        session, region = scope.account.session, scope.region
        scope.apigw = self._client(session, "apigatewayv2", region)
        scope.lam = self._client(session, "lambda", region)
        scope.tagging = self._client(session, "resourcegroupstaggingapi", region)
        self.collect_scope(pool, scope)

    def _cached_scopes(self, account_id: str, regions: list[str]) -> list[dict] | None:
        held = []
        for region in regions:
            document = self.cache.read(account_id, region)
            if not (isinstance(document, dict) and document.get("AccountId") == account_id
                    and document.get("Region") == region):
                return None
            held.append(document)
        return held

    def _next_phase(self, pool: _Pool, scope: _Scope):
        """A scope's phases: 1 (collect_scope: lists) -> 2 (policies, aliases, versions, roles) -> done. Each
        phase starts as ONE task that submits the rest, so the scope cannot look idle half-way."""
        scope.phase += 1
        if scope.phase == 1:
            pool.submit_for(scope, self._phase_two, pool, scope)
        elif scope.phase == 2:
            self._scope_done(scope)

    def _phase_two(self, pool: _Pool, scope: _Scope):
        key = (scope.account.account, scope.region)
        details = {arn: quals for (where, arn), quals in self._references([scope]).items() if where == key}
        for arn in scope.functions:  # every listed function too: exposure rules judge those nothing references
            details.setdefault(arn, set())
        for arn, qualifiers in details.items():
            pool.submit(self._function_details, scope, arn, qualifiers)
        roles = self._credentials_roles(scope)
        if roles:
            iam = self._client(scope.account.session, "iam", scope.region)
            for arn in roles:
                pool.submit(self._get_role, scope, iam, arn)

    def _scope_done(self, scope: _Scope):
        # Clients hold connection pools and reference cycles: closed and dropped with their scope, so an
        # organization's memory is its documents, not 3 clients x every scope.
        for client in (scope.apigw, scope.lam, scope.tagging):
            if client is not None and hasattr(client, "close"):
                client.close()
        scope.apigw = scope.tagging = scope.lam = None
        with self.stats_lock:
            self.finished += 1
            due = self.finished % _COLLECT_EVERY == 0
        if due:  # a finished scope leaves ~1 MiB of cyclic garbage (botocore): collect it now and then, or the
            import gc  # organization's peak memory is that garbage (gen-2 passes grow rarer as the heap grows)
            gc.collect()
        if not scope.counted:
            scope.counted = True
            self.progress.scope_done()
        if self.cache is not None and not scope.narrowed:
            document = scope.document()
            if document["Complete"] and not document["Errors"]:
                self.cache.write(scope.account.account, scope.region, json.loads(dumps(document)))

    def _cross_scope_details(self, pool: _Pool):
        """Aliases and versions one scope's integrations name of a function in ANOTHER scope (another
        account or region) that its own scope did not read: read them now, in that scope."""
        by_key = {(s.account.account, s.region): s for s in self.scopes if s.account.session is not None}
        found = self._references(self.scopes)
        for document in self.cached:
            self._references_in(document.get("Apis") or (), found)
        extra: dict = {}
        for (key, arn), qualifiers in sorted(found.items(), key=lambda item: item[0]):
            scope = by_key.get(key)
            if scope is None or scope.timed_out:
                continue
            done = scope.read.get(arn)
            if done is None or not qualifiers <= done:
                extra.setdefault(key, []).append((arn, qualifiers | (done or set())))
        for key, reads in extra.items():
            scope = by_key[key]
            scope.lam = self._client(scope.account.session, "lambda", scope.region)
            scope.phase = 1  # back in phase 2 for these reads: done (and cached again) when they are
            pool.submit_for(scope, self._more_details, pool, reads)

    def _more_details(self, pool: _Pool, reads: list):
        for arn, qualifiers in reads:
            pool.submit(self._function_details, getattr(_current, "scope"), arn, qualifiers)

    @classmethod
    def _references(cls, scopes: list[_Scope]) -> dict:
        """(account, region), unqualified ARN -> qualifiers named, over every integration and authorizer."""
        found: dict = {}
        for scope in scopes:
            cls._references_in(scope.apis, found)
            cls._add_references(live_rest.function_refs(scope), found)
        return found

    @classmethod
    def _references_in(cls, apis, found: dict) -> dict:
        return cls._add_references((parse_function_uri(obj.get(key) or "") for api in apis
                                    for obj, key in [(i, "IntegrationUri") for i in (api or {}).get("Integrations") or ()]
                                    + [(a, "AuthorizerUri") for a in (api or {}).get("Authorizers") or ()]), found)

    @staticmethod
    def _add_references(refs, found: dict) -> dict:
        for ref in refs:
            if ref is None:
                continue
            qualifiers = found.setdefault(((ref.account, ref.region), ref.unqualified_arn), set())
            if ref.qualifier:
                qualifiers.add(ref.qualifier)
        return found


def collect(options: LiveOptions) -> tuple[dict, CollectStats]:
    """Collect a snapshot document from AWS; raises UsageError when no credentials or region are usable."""
    collector = Collector(options)
    document = collector.collect()
    return document, collector.stats


def dumps(document: dict) -> str:
    return json.dumps(document, indent=2, default=_json_default) + "\n"


def to_model(document: dict, label: str = "<live>"):
    """The snapshot model of a collected document, through the same reader as snapshot files."""
    from auditor.snapshot import read_snapshot_document
    return read_snapshot_document(json.loads(dumps(document)), label)


def collect_for_cli(args) -> dict:
    """`snapshot`, `audit --live`, `fix --live`, `graph --live`: collect from the command line's options;
    notices and (for several accounts) a one-line summary on stderr."""
    from auditor.output import say
    options = options_from_args(args)
    document, stats = collect(options)
    for notice in stats.notices:
        say(f"apigw-auditor: {notice}")
    if (options.organization or options.cache_dir) and not getattr(args, "quiet", False):
        unreachable = f", {len(stats.unreachable)} unreachable (AGW000)" if stats.unreachable else ""
        cached = f", {stats.cached} from --cache" if stats.cached else ""
        say(f"apigw-auditor: collected {stats.scopes} account x region scope(s) in {stats.accounts} account(s)"
            f"{unreachable}{cached}; {stats.calls} AWS calls in {stats.seconds:.1f} s")
    return document

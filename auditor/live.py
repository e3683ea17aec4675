"""Live collection: read API Gateway HTTP APIs and their Lambda functions from AWS accounts into a
snapshot document (the same format `audit` reads), read-only, with boto3.

Every AWS call is a Get*/List* call (plus sts:AssumeRole when --role-arn is given, which only
obtains credentials). Failures do not abort the run: each is recorded in its scope's `Errors`
and the scope is marked incomplete, so the audit reports AGW000 instead of a false "clean".

boto3/botocore are imported inside functions so that `audit file.json` never loads them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from auditor import __version__, live_rest
from auditor.core.arns import parse_function_uri
from auditor.errors import UsageError
from auditor.core.model import TAG_READ
from auditor.snapshot import SNAPSHOT_VERSION

DEFAULT_WORKERS = 8
MAX_ATTEMPTS = 6  # botocore adaptive retry mode: throttling and transient errors
# Fields a collected object never carries into the snapshot (secrets, noise).
_SECRET_FIELDS = ("Environment",)
_NO_POLICY = "ResourceNotFoundException"
REDACTED = "<redacted by apigw-auditor>"


@dataclass
class LiveOptions:
    """How live collection reaches AWS: profile, regions, role and limits."""

    profile: str | None = None
    regions: list[str] = field(default_factory=list)
    all_regions: bool = False
    role_arns: list[str] = field(default_factory=list)
    api_ids: list[str] = field(default_factory=list)
    max_workers: int = DEFAULT_WORKERS
    endpoint_url: str | None = None
    progress: bool | None = None  # None: a bar when stderr is a terminal
    # Tests and embedders: build every client (sts, account, apigatewayv2, lambda) themselves.
    client_factory: Callable | None = None


@dataclass
class CollectStats:
    """What a collection cost (calls, retries, errors), for the summary and the benchmarks."""

    calls: int = 0  # API operations called (pages count one each)
    attempts: int = 0  # HTTP requests sent, retries included
    errors: int = 0
    seconds: float = 0.0
    operations: dict = field(default_factory=dict)  # operation name -> count
    notices: list = field(default_factory=list)  # for stderr: what the run fell back on


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


def add_live_arguments(parser, region: bool = True) -> None:
    """The collection options shared by `snapshot` and `audit --live`."""
    group = parser.add_argument_group("live collection (read-only AWS calls through boto3)")
    group.add_argument("--profile", metavar="NAME", help="AWS profile (default: boto3's credential chain)")
    if region:
        group.add_argument("--region", action="append", dest="regions", metavar="REGION",
                           help="region to collect (repeatable; default: the profile's region)")
    group.add_argument("--all-regions", action="store_true",
                       help="collect every region enabled in each account (account:ListRegions)")
    group.add_argument("--role-arn", action="append", dest="role_arns", metavar="ARN",
                       help="assume this role and collect its account (repeatable: one account each)")
    group.add_argument("--api-id", action="append", dest="api_ids", metavar="ID",
                       help="collect only this API (repeatable); the scope is then marked incomplete")
    group.add_argument("--max-workers", type=_positive, default=DEFAULT_WORKERS, metavar="N",
                       help=f"parallel AWS calls (default: {DEFAULT_WORKERS})")
    group.add_argument("--endpoint-url", metavar="URL",
                       help="send every AWS call to this endpoint (LocalStack, moto server)")


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
    return LiveOptions(profile=args.profile, regions=list(dict.fromkeys(args.regions or [])),
                       all_regions=args.all_regions, role_arns=list(dict.fromkeys(args.role_arns or [])),
                       api_ids=list(dict.fromkeys(args.api_ids or [])), max_workers=args.max_workers,
                       endpoint_url=args.endpoint_url)


def live_options_given(args) -> list[str]:
    """The collection-only options present on a command line (for `audit` without --live)."""
    given = []
    for flag, dest in (("--profile", "profile"), ("--all-regions", "all_regions"), ("--role-arn", "role_arns"),
                       ("--api-id", "api_ids"), ("--endpoint-url", "endpoint_url")):
        if getattr(args, dest, None):
            given.append(flag)
    if getattr(args, "max_workers", DEFAULT_WORKERS) != DEFAULT_WORKERS:
        given.append("--max-workers")
    return given


# ---------------------------------------------------------------- progress

class _Progress:
    """One line on stderr, redrawn at most ten times a second; nothing when stderr is not a terminal."""

    def __init__(self, enabled: bool | None):
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.lock = threading.Lock()
        self.done = 0
        self.total = 0
        self.calls = 0
        self.last = 0.0

    def add(self, n: int = 1):
        with self.lock:
            self.total += n
        self.draw()

    def finish_task(self):
        with self.lock:
            self.done += 1
        self.draw()

    def call(self):
        with self.lock:
            self.calls += 1
        self.draw()

    def draw(self, force: bool = False):
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self.last < 0.1:
            return
        self.last = now
        total = max(self.total, 1)
        width = 30
        filled = int(width * self.done / total)
        sys.stderr.write(f"\rcollecting [{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} tasks, "
                         f"{self.calls} AWS calls ")
        sys.stderr.flush()

    def close(self):
        if self.enabled:
            self.draw(force=True)
            sys.stderr.write("\n")
            sys.stderr.flush()


# ---------------------------------------------------------------- the pool

class _Pool:
    """A bounded thread pool whose tasks may submit more tasks; wait() returns when all are done."""

    def __init__(self, workers: int, progress: _Progress):
        from concurrent.futures import ThreadPoolExecutor  # only when collecting: every command imports this module
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="apigw-collect")
        self.cv = threading.Condition(threading.RLock())
        self.pending = 0
        self.failure: BaseException | None = None
        self.progress = progress

    def submit(self, fn, *args) -> None:
        with self.cv:
            self.pending += 1
        self.progress.add()
        self.executor.submit(self._run, fn, args)

    def _run(self, fn, args):
        try:
            fn(*args)
        except BaseException as exc:  # a bug in the collector, not an AWS error: re-raised by wait()
            with self.cv:
                self.failure = self.failure or exc
        finally:
            self.progress.finish_task()
            with self.cv:
                self.pending -= 1
                self.cv.notify_all()

    def wait(self) -> None:
        with self.cv:
            while self.pending:
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


class _Scope:
    def __init__(self, account: _Account, region: str, narrowed: bool):
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
        self.apigw = None
        self.lam = None
        self.tagging = None

    def error(self, operation: str, resource: str, code: str, message: str) -> None:
        with self.lock:
            self.errors.append({"Operation": operation, "Resource": resource, "Code": code, "Message": message})

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
                    "Functions": [f for _, f in functions], "Errors": list(self.errors)}
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
    """An answer that is not the API's response (a proxy's login page, a broken endpoint): its scope is
    incomplete (AGW000), never read as an empty or clean one."""


# What each read must hold for the rules to trust it: operation -> (list key, id key of each item).
_LISTS = {"GetApis": ("Items", "ApiId"), "GetRoutes": ("Items", "RouteId"),
          "GetIntegrations": ("Items", "IntegrationId"), "GetStages": ("Items", "StageName"),
          "GetAuthorizers": ("Items", "AuthorizerId"), "ListFunctions": ("Functions", "FunctionArn"),
          "ListAliases": ("Aliases", "Name"), "ListVersionsByFunction": ("Versions", "Version")}


def _short(text, limit: int = 120) -> str:
    """One line of at most `limit` characters of a body or message (an HTML page must not flood a notice)."""
    text = text.decode("utf-8", "replace") if isinstance(text, (bytes, bytearray)) else str(text)
    text = re.sub(r"<[^>]{0,200}>", " ", text) if "<" in text else text
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _check_body(operation_model=None, response_dict=None, **_):
    """before-parse: a 2xx JSON-protocol answer must be JSON (botocore would read HTML as an empty result)."""
    if operation_model is None or not response_dict or not 200 <= response_dict.get("status_code", 0) < 300:
        return
    if operation_model.metadata.get("protocol") not in ("rest-json", "json"):
        return
    body = response_dict.get("body") or b""
    if not body.strip():
        return
    try:
        json.loads(body)
    except ValueError:
        content_type = (response_dict.get("headers") or {}).get("content-type", "no content type")
        raise MalformedResponse(f"the answer is not JSON ({content_type}: {_short(body, 80)!r})") from None


def _checked_page(operation: str, page) -> list:
    """The items of one page of a list call, each an object with its id; MalformedResponse otherwise."""
    key, id_key = _LISTS.get(operation, (None, None))
    items = page.get(key) if isinstance(page, dict) else None
    if items is None:
        return []
    if not isinstance(items, list) or not all(isinstance(i, dict) and id_key in i for i in items):
        raise MalformedResponse(f"{key} is not a list of objects with {id_key}")
    return items


def _policy_of(answer) -> tuple[str, str | None]:
    """GetPolicy's policy document (a JSON string) and its RevisionId (what `fix` passes to PutResourcePolicy, so
    a policy changed since this read is never overwritten), or MalformedResponse: `{}` is no answer, not "no
    policy"."""
    policy = answer.get("Policy") if isinstance(answer, dict) else None
    if not isinstance(policy, str) or not policy.strip():
        raise MalformedResponse("the answer holds no Policy document")
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


def _json_default(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return None
    raise TypeError(f"cannot write {type(value).__name__} into a snapshot")


# ---------------------------------------------------------------- the collector

class Collector:
    def __init__(self, options: LiveOptions):
        self.options = options
        self.stats = CollectStats()
        self.stats_lock = threading.Lock()
        self.progress = _Progress(options.progress)
        self.config = None

    # -- clients

    def _client(self, session, service: str, region: str):
        if self.config is None:
            from botocore.config import Config
            workers = self.options.max_workers
            self.config = Config(retries={"mode": "adaptive", "total_max_attempts": MAX_ATTEMPTS},
                                 max_pool_connections=max(10, workers * 2),
                                 user_agent_extra=f"apigw-auditor/{__version__}",
                                 connect_timeout=10, read_timeout=60)
        if self.options.client_factory is not None:
            client = self.options.client_factory(session, service, region, self.config, self.options.endpoint_url)
        else:
            client = session.client(service, region_name=region, config=self.config,
                                    endpoint_url=self.options.endpoint_url)
        client.meta.events.register("before-parse", _check_body)
        client.meta.events.register_first("before-parameter-build", self._count_call)
        client.meta.events.register_first("before-send", self._count_attempt)
        return client

    def _count_call(self, model=None, **_):
        name = model.name if model is not None else "?"
        with self.stats_lock:
            self.stats.calls += 1
            self.stats.operations[name] = self.stats.operations.get(name, 0) + 1
        self.progress.call()

    def _count_attempt(self, **_):
        with self.stats_lock:
            self.stats.attempts += 1

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

    def _accounts(self, base) -> list[_Account]:
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError
        from botocore.parsers import ResponseParserError
        home = self._home_region(base)
        if not self.options.role_arns:
            sts = self._client(base, "sts", home)
            try:
                identity = sts.get_caller_identity()
                account, arn = identity.get("Account"), identity.get("Arn")
                if not (isinstance(account, str) and re.fullmatch(r"\d{12}", account) and isinstance(arn, str)
                        and arn.count(":") >= 5):
                    raise MalformedResponse("the answer holds no 12-digit Account and ARN")
            except NoCredentialsError:
                raise UsageError("no AWS credentials found (boto3 looks at AWS_* environment variables, "
                                 "--profile / AWS_PROFILE, ~/.aws/credentials, SSO and instance roles)") from None
            except (ClientError, BotoCoreError) as exc:
                code, message = _error_of(exc)
                what = "AWS rejected the credentials" if isinstance(exc, ClientError) else "could not reach AWS"
                raise UsageError(f"{what} (sts:GetCallerIdentity: {code}: {message})") from None
            except Exception as exc:  # noqa: BLE001 - only a malformed answer is handled here
                if not isinstance(exc, (MalformedResponse, ResponseParserError)) and not _raised_by_parser(exc):
                    raise
                raise UsageError(f"sts:GetCallerIdentity: not a valid AWS answer ({_error_of(exc)[1]}); is "
                                 "--endpoint-url or a proxy answering instead of AWS?") from None
            return [_Account(account, arn.split(":")[1], base)]
        import boto3
        sts = self._client(base, "sts", home)
        accounts = []
        for role in self.options.role_arns:
            parts = role.split(":")
            if len(parts) < 6 or parts[0] != "arn" or parts[2] != "iam" or not parts[5].startswith("role/"):
                raise UsageError(f"--role-arn {role!r} is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)")
            account, partition = parts[4], parts[1]
            try:
                creds = sts.assume_role(RoleArn=role, RoleSessionName=f"apigw-auditor-{os.getpid()}")["Credentials"]
            except NoCredentialsError:
                raise UsageError("no AWS credentials found to assume --role-arn with") from None
            except (ClientError, BotoCoreError) as exc:
                code, message = _error_of(exc)
                accounts.append(_Account(account, partition, None, {"Operation": "AssumeRole", "Resource": role,
                                                                    "Code": code, "Message": message}))
                continue
            session = boto3.Session(aws_access_key_id=creds["AccessKeyId"],
                                    aws_secret_access_key=creds["SecretAccessKey"],
                                    aws_session_token=creds["SessionToken"], region_name=home)
            accounts.append(_Account(account, partition, session))
        return accounts

    def _regions(self, account: _Account, base) -> list[str]:
        if not self.options.all_regions:
            if self.options.regions:
                return self.options.regions
            if base.region_name:
                from auditor.core.arns import check_region
                check_region(base.region_name, "the region of the profile or AWS_REGION")
                return [base.region_name]
            raise UsageError("no region: pass --region REGION (or --all-regions), or set AWS_REGION / the profile's region")
        if account.session is None:
            return [self._home_region(base)]
        client = self._client(account.session, "account", self._home_region(base))
        regions: list[str] = []
        try:
            for page in client.get_paginator("list_regions").paginate(
                    RegionOptStatusContains=["ENABLED", "ENABLED_BY_DEFAULT"]):
                regions.extend(r["RegionName"] for r in page.get("Regions", []))
            return sorted(regions)
        except Exception as exc:
            # Fall back to every region botocore knows for the partition; one not enabled in the
            # account then fails on its own and is recorded in its scope.
            code, message = _error_of(exc)
            with self.stats_lock:
                self.stats.notices.append(f"account:ListRegions failed for {account.account} ({code}: {message}); "
                                          "trying every region botocore knows")
            return sorted(account.session.get_available_regions("apigatewayv2", partition_name=account.partition))

    # -- one call, its failure recorded

    def _try(self, scope: _Scope, operation: str, resource: str, fn, *, no_policy_ok: bool = False):
        """(True, result) or (False, None) after recording the failure in the scope."""
        try:
            return True, fn()
        except Exception as exc:
            code, message = _error_of(exc)
            if no_policy_ok and code == _NO_POLICY:
                return True, None
            scope.error(operation, resource, code, message)
            with self.stats_lock:
                self.stats.errors += 1
            return False, None

    @staticmethod
    def _paginate(client, operation: str, key: str, into: list, **params) -> list:
        """Every page of a list call into `into` (kept even when a later page fails); a page that is not the
        operation's answer raises MalformedResponse."""
        paginator = client.get_paginator(operation)
        name = paginator._model.name  # noqa: SLF001 - the operation's API name (GetApis), as errors name it
        for page in paginator.paginate(**params):
            if name in _LISTS:
                into.extend(_checked_page(name, page))
            else:
                into.extend(page.get(key) or [])
        return into

    # -- phase 1: APIs and the function list

    def _collect_apis(self, pool: _Pool, scope: _Scope):
        client = scope.apigw
        if scope.narrowed:
            for api_id in self.options.api_ids:
                scope.apis.append(None)
                pool.submit(self._get_api, pool, scope, len(scope.apis) - 1, api_id)
            return
        items: list = []
        self._try(scope, "GetApis", "", lambda: self._paginate(client, "get_apis", "Items", items))
        pool.submit(__import__("auditor.live_domains").live_domains.collect_domains, self, scope)  # custom domains
        for item in items:
            scope.apis.append(_clean(item))
            pool.submit(self._api_details, scope, scope.apis[-1])

    def _get_api(self, pool: _Pool, scope: _Scope, slot: int, api_id: str):
        ok, item = self._try(scope, "GetApi", api_id, lambda: scope.apigw.get_api(ApiId=api_id))
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
        lam, name = scope.lam, arn.rsplit(":", 1)[-1]
        function = scope.functions.get(arn)
        if function is None:
            if scope.functions_listed:
                return  # the listing is complete: the function does not exist (AGW114 says so)
            ok, item = self._try(scope, "GetFunctionConfiguration", arn,
                                 lambda: lam.get_function_configuration(FunctionName=name))
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
        if ok:
            role = item["Role"]
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

    # -- the run

    def collect(self) -> dict:
        started = time.perf_counter()
        base = self._base_session()
        narrowed = bool(self.options.api_ids)
        scopes: list[_Scope] = []
        try:
            accounts = self._accounts(base)
            for account in accounts:
                for region in self._regions(account, base):
                    scope = _Scope(account, region, narrowed)
                    if account.error:
                        scope.errors.append(dict(account.error))
                    if account.session is not None:
                        scope.apigw = self._client(account.session, "apigatewayv2", region)
                        scope.lam = self._client(account.session, "lambda", region)
                        scope.tagging = self._client(account.session, "resourcegroupstaggingapi", region)
                    scopes.append(scope)
            pool = _Pool(self.options.max_workers, self.progress)
            try:
                live = [s for s in scopes if s.apigw is not None]
                for scope in live:
                    pool.submit(self._collect_apis, pool, scope)
                    pool.submit(live_rest.collect, self, pool, scope)
                    if not narrowed:
                        pool.submit(self._list_functions, scope)
                    pool.submit(self._function_tags, scope)
                pool.wait()
                by_key = {(s.account.account, s.region): s for s in live}
                details = self._references(scopes)
                for scope in live:  # every listed function too: exposure rules judge those nothing references
                    key = (scope.account.account, scope.region)
                    for arn in scope.functions:
                        details.setdefault((key, arn), set())
                for (key, arn), qualifiers in details.items():
                    if key in by_key:
                        pool.submit(self._function_details, by_key[key], arn, qualifiers)
                for scope in live:
                    roles = self._credentials_roles(scope)
                    if roles:
                        iam = self._client(scope.account.session, "iam", scope.region)
                        for arn in roles:
                            pool.submit(self._get_role, scope, iam, arn)
                pool.wait()
            finally:
                pool.shutdown()
        finally:
            self.progress.close()
            self.stats.seconds = time.perf_counter() - started
        scopes.sort(key=lambda s: (s.account.account, s.region))
        return {"SnapshotVersion": SNAPSHOT_VERSION, "Scopes": [s.document() for s in scopes]}

    @staticmethod
    def _references(scopes: list[_Scope]) -> dict:
        """(account, region), unqualified ARN -> qualifiers named, over every integration and authorizer."""
        found: dict = {}
        for scope in scopes:
            for api in scope.apis:
                for obj, key in [(i, "IntegrationUri") for i in (api or {}).get("Integrations") or ()] + \
                                [(a, "AuthorizerUri") for a in (api or {}).get("Authorizers") or ()]:
                    ref = parse_function_uri(obj.get(key) or "")
                    if ref is None:
                        continue
                    qualifiers = found.setdefault(((ref.account, ref.region), ref.unqualified_arn), set())
                    if ref.qualifier:
                        qualifiers.add(ref.qualifier)
            for ref in live_rest.function_refs(scope):
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
    """`snapshot` and `audit --live`: collect from the command line's options, notices on stderr."""
    document, stats = collect(options_from_args(args))
    for notice in stats.notices:
        from auditor.output import say
        say(f"apigw-auditor: {notice}")
    return document

"""ARN parsing and building: the one place that knows Lambda, invocation-URI and execute-api forms."""

import importlib.util
import json
import os
import re
from dataclasses import dataclass
from functools import lru_cache

import msgspec

# arn:<partition>:lambda:<region>:<account>:function:<name>[:<qualifier>]
_LAMBDA_ARN = re.compile(
    r"^arn:(?P<partition>aws[a-zA-Z-]*):lambda:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
    # An IaC value known only after apply (`${unresolved:random_string.suffix.result}`) may stand for part of
    # the name: it keeps its identity, so the same unknown names the same function (see same_unknowns).
    r"function:(?P<name>(?:[A-Za-z0-9_-]|\$\{unresolved:[^}]*\}){1,140})"
    r"(?::(?P<qualifier>\$LATEST|[A-Za-z0-9_-]{1,128}))?$"
)
# arn:<partition>:apigateway:<region>:lambda:path/2015-03-31/functions/<function-arn>/invocations, or a REST
# API's response-streaming form .../path/2021-11-15/functions/<function-arn>/response-streaming-invocations
# (InvokeWithResponseStream: https://docs.aws.amazon.com/apigateway/latest/developerguide/response-transfer-mode-lambda.html)
_INVOCATION_URI = re.compile(
    r"^arn:(?P<partition>aws[a-zA-Z-]*):apigateway:(?P<region>[a-z0-9-]+):lambda:path/"
    r"\d{4}-\d{2}-\d{2}/functions/(?P<function>.+)/(?:response-streaming-)?invocations$"
)
_STAGE_VARIABLE = re.compile(r"\$\{stageVariables\.[A-Za-z0-9_]+\}")
UNRESOLVED_MARK = "${unresolved:"


class FunctionRef(msgspec.Struct, frozen=True):  # frozen: parse_function_uri hands out shared instances
    """The function an integration or authorizer invokes, with its qualifier (alias or version).
    Made by parse_lambda_arn (a msgspec Struct: 20,000 integrations make 20,000 of them)."""

    partition: str
    region: str
    account: str
    name: str
    qualifier: str | None
    unqualified_arn: str  # follows from the fields above
    # The ARN Lambda authorises against: qualified when the URI names an alias or version; for
    # `$LATEST` the function's own policy applies (Lambda keeps no separate policy for it).
    arn: str

    @property
    def has_own_policy(self) -> bool:
        """An alias or a published version has a resource policy of its own."""
        return bool(self.qualifier) and self.qualifier != "$LATEST"


def function_arn(partition: str, region: str, account: str, name: str) -> str:
    """A Lambda function's ARN (name may carry `:<qualifier>`)."""
    return f"arn:{partition}:lambda:{region}:{account}:function:{name}"


def invocation_uri(partition: str, region: str, function: str) -> str:
    """The URI API Gateway invokes a function through (SAM's and Terraform's invoke_arn form)."""
    return f"arn:{partition}:apigateway:{region}:lambda:path/2015-03-31/functions/{function}/invocations"


def parse_lambda_arn(text: str) -> FunctionRef | None:
    match = _LAMBDA_ARN.match(text)
    if not match:
        return None
    partition, region, account, name, qualifier = match.groups()
    whole = match.group(0)  # the text, but for a final newline `$` lets through
    base = whole if qualifier is None else whole[:match.end("name")]
    arn = whole if qualifier and qualifier != "$LATEST" else base
    return FunctionRef(partition, region, account, name, qualifier, base, arn)


@lru_cache(maxsize=1 << 16)
def parse_function_uri(uri: str) -> FunctionRef | None:
    """A function ARN, or API Gateway's invocation URI wrapping one (SAM's form)."""
    ref = parse_lambda_arn(uri)
    if ref is not None:
        return ref
    match = _INVOCATION_URI.match(uri)
    if match:
        return parse_lambda_arn(match["function"])
    return None


def looks_like_lambda_uri(uri: str) -> bool:
    """Does this URI try to name a Lambda function (even if garbled)?"""
    return ":lambda:" in uri or uri.startswith("arn:aws:lambda") or "/functions/" in uri


def uses_stage_variable(text: str) -> bool:
    return bool(_STAGE_VARIABLE.search(text))


_NAME_WITH_UNKNOWNS = re.compile(r"(?:[A-Za-z0-9_-]|\$\{unresolved:[^}]*\})+")


def is_function_name(text: str) -> bool:
    """A function name, parts of which may be IaC values known only after apply (kept by identity)."""
    return bool(_NAME_WITH_UNKNOWNS.fullmatch(text))


def is_unresolved(text: str) -> bool:
    """A value an IaC reader could not resolve keeps this mark; rules must not judge it."""
    return UNRESOLVED_MARK in text


def substitute_stage_variables(text: str, variables: dict) -> str:
    """Replace each `${stageVariables.x}` a stage defines; unknown ones stay as they are."""
    def value(match):
        name = match.group(0)[len("${stageVariables."):-1]
        return str(variables[name]) if name in variables else match.group(0)
    return _STAGE_VARIABLE.sub(value, text)


def is_dynamic(text: str) -> bool:
    return is_unresolved(text) or uses_stage_variable(text)


_INVOKE_HOST = re.compile(r"^(?P<api>[A-Za-z0-9]+)\.execute-api\.(?P<region>[a-z0-9-]+)\.(?P<suffix>[a-z0-9.-]+)$")


def parse_invoke_host(host: str) -> tuple[str, str] | None:
    """(api id as written, region) of an API's default endpoint host, `<api>.execute-api.<region>.<dns suffix>`, where the
    suffix is the one botocore's endpoint data gives the region's partition (amazonaws.com, amazonaws.com.cn,
    amazonaws.eu, c2s.ic.gov...)."""
    api, dot, rest = host.partition(".")
    match = _INVOKE_HOST.match(api + dot + rest.lower())
    if not match or match["suffix"] != dns_suffix_for_region(match["region"]):
        return None
    return match["api"], match["region"]  # the API id as written (a template's is its logical id, e.g. MyApi)


def invoke_host(api_id: str, region: str) -> str:
    """The default `execute-api` hostname of an API in a region."""
    return f"{api_id}.execute-api.{region}.{dns_suffix_for_region(region)}"


def execute_api_arn(partition: str, region: str, account: str, api_id: str, stage: str, route_key: str) -> str:
    """The SourceArn API Gateway presents to Lambda for a route on a stage.

    `GET /items/{id}` on stage prod is `<api>/prod/GET/items/{id}`; the `$default` route is
    `<api>/<stage>/$default` with no method segment.
    """
    prefix = f"arn:{partition}:execute-api:{region}:{account}:{api_id}/{stage}/"
    if route_key == "$default":
        return prefix + "$default"
    method, _, path = route_key.partition(" ")
    return prefix + method + path


def authorizer_source_arn(partition: str, region: str, account: str, api_id: str, authorizer_id: str) -> str:
    return f"arn:{partition}:execute-api:{region}:{account}:{api_id}/authorizers/{authorizer_id}"


@lru_cache(maxsize=1)
def _partitions() -> tuple[dict, ...]:
    """botocore's own partition data (partitions.json; endpoints.json in older releases), read once.

    Read from botocore's data directory without importing botocore's loader when the plain file is
    there (the file-audit path stays light); otherwise through botocore.loaders, which also reads
    compressed data files. Each entry: id, dnsSuffix, the set of listed regions, the region regex."""
    data = None
    spec = importlib.util.find_spec("botocore")
    if spec is not None and spec.origin:
        for name in ("partitions.json", "endpoints.json"):
            path = os.path.join(os.path.dirname(spec.origin), "data", name)
            if os.path.isfile(path):
                with open(path, encoding="utf-8") as handle:
                    data = json.load(handle)
                break
    if data is None:
        try:
            from botocore.loaders import Loader
        except ImportError:  # a declared dependency; without it only the three public partitions are known
            data = {"partitions": [{"id": "aws", "regionRegex": r"^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$"},
                                   {"id": "aws-cn", "regionRegex": r"^cn\-\w+\-\d+$",
                                    "outputs": {"dnsSuffix": "amazonaws.com.cn"}},
                                   {"id": "aws-us-gov", "regionRegex": r"^us\-gov\-\w+\-\d+$"}]}
        else:
            loader = Loader()
            try:
                data = loader.load_data("partitions")
            except Exception:  # older botocore ships endpoints.json only
                data = loader.load_data("endpoints")
    out = []
    for partition in data.get("partitions", ()):
        outputs = partition.get("outputs") or {}
        out.append({"id": partition.get("id") or partition.get("partition"),
                    "dns_suffix": outputs.get("dnsSuffix") or partition.get("dnsSuffix") or "amazonaws.com",
                    "regions": set(partition.get("regions") or ()),
                    "regex": re.compile(partition.get("regionRegex") or "(?!)")})
    return tuple(out)


@lru_cache(maxsize=256)
def _partition_entry(region: str) -> dict | None:
    """The partition that lists the region, else the first whose region regex matches it (botocore's order)."""
    partitions = _partitions()
    for partition in partitions:
        if region in partition["regions"]:
            return partition
    for partition in partitions:
        if partition["regex"].match(region):
            return partition
    return None


def partition_for_region(region: str) -> str:
    """`aws`, `aws-cn`, `aws-us-gov`, `aws-iso`, `aws-iso-b`, `aws-eusc`...; `aws` for a region botocore does not
    know (a placeholder or a region newer than the installed botocore), as botocore itself defaults."""
    entry = _partition_entry(region)
    return entry["id"] if entry else "aws"


def dns_suffix_for_region(region: str) -> str:
    entry = _partition_entry(region)
    return entry["dns_suffix"] if entry else "amazonaws.com"


def known_region(region: str) -> bool:
    """A region botocore's endpoint data lists (in any partition): `us-east1` and `us-eest-1` are not."""
    return isinstance(region, str) and any(region in partition["regions"] for partition in _partitions())


def check_region(region: str, flag: str = "--region") -> None:
    """UsageError (exit 2) for a region name botocore does not know, suggesting the closest one: a typo must not
    audit an empty region and pass."""
    if known_region(region):
        return
    import difflib

    from auditor.errors import UsageError
    regions = sorted(r for partition in _partitions() for r in partition["regions"])
    close = difflib.get_close_matches(region, regions, n=1)
    hint = f"; did you mean {close[0]}?" if close else ""
    raise UsageError(f"{flag} {region!r} is not a region botocore's endpoint data knows{hint} (a region newer than "
                     f"the installed botocore needs a newer botocore)")


def known_partitions() -> list[str]:
    return [partition["id"] for partition in _partitions()]


@dataclass(slots=True, unsafe_hash=True)  # treat as immutable: parse_source_arn hands out shared instances
class SourceArnPattern:
    """An AWS:SourceArn value split into the parts the permission rules reason about."""

    raw: str
    partition: str
    service: str
    region: str
    account: str
    resource: str  # "<api-id>/<stage>/<METHOD>/<path>" with wildcards

    @property
    def api_id(self) -> str:
        return self.resource.split("/", 1)[0]


@lru_cache(maxsize=1 << 16)
def parse_source_arn(text: str) -> SourceArnPattern | None:
    parts = text.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return None
    return SourceArnPattern(text, parts[1], parts[2], parts[3], parts[4], parts[5])

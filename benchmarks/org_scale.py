"""Benchmark `--organization` against moto in server mode (its own process): an organization of ACCOUNTS
accounts, each with one HTTP API (4 routes, one Lambda integration, an auto-deploying stage) and its
function with a permission, in each of REGIONS regions, read through a role assumed in every account,
with LATENCY ms added to every request (as a real round trip has).

Reports, for each --max-workers: wall time; AWS calls per scope against the single-account minimum
(a scope of the organization must cost what the same scope costs alone: the org adds only ListAccounts,
GetCallerIdentity and one AssumeRole per account); and (tracemalloc) the peak memory of collecting
organizations of growing size, which must grow no more than linearly.

    python3 benchmarks/org_scale.py [--accounts 200] [--regions 3] [--latency-ms 20] [--workers 8 32 64]
"""

import argparse
import io
import json
import os
import sys
import time
import tracemalloc
import zipfile
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from benchmarks.live_collect import _Subprocess, _with_latency, free_port  # noqa: E402

REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2", "eu-central-1"]
ORG_LEVEL = {"GetCallerIdentity", "ListAccounts", "AssumeRole"}


def _code() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("index.py", "def handler(e, c):\n    return {}\n")
    return buffer.getvalue()


def seed_scope(session, account: str, region: str, endpoint: str, code: bytes, role: str) -> None:
    lam = session.client("lambda", region_name=region, endpoint_url=endpoint)
    apigw = session.client("apigatewayv2", region_name=region, endpoint_url=endpoint)
    arn = lam.create_function(FunctionName="items", Runtime="python3.12", Role=role, Handler="index.handler",
                              Code={"ZipFile": code})["FunctionArn"]
    api = apigw.create_api(Name="items", ProtocolType="HTTP")["ApiId"]
    apigw.create_stage(ApiId=api, StageName="$default", AutoDeploy=True)
    integration = apigw.create_integration(ApiId=api, IntegrationType="AWS_PROXY", IntegrationUri=arn,
                                           PayloadFormatVersion="2.0")["IntegrationId"]
    for key in ("GET /items", "POST /items", "GET /items/{id}", "DELETE /items/{id}"):
        apigw.create_route(ApiId=api, RouteKey=key, Target=f"integrations/{integration}")
    lam.add_permission(FunctionName="items", StatementId="apigw", Action="lambda:InvokeFunction",
                       Principal="apigateway.amazonaws.com",
                       SourceArn=f"arn:aws:execute-api:{region}:{account}:{api}/*")


def seed(endpoint: str, accounts: int, regions: list[str]) -> list[str]:
    import boto3
    organizations = boto3.client("organizations", region_name="us-east-1", endpoint_url=endpoint)
    organizations.create_organization(FeatureSet="ALL")
    ids = [organizations.create_account(Email=f"a{n}@example.com", AccountName=f"a{n}")
           ["CreateAccountStatus"]["AccountId"] for n in range(accounts - 1)]
    ids.append("123456789012")  # the management account
    code = _code()
    sts = boto3.client("sts", region_name="us-east-1", endpoint_url=endpoint)

    def one(account):
        creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/seed", RoleSessionName="seed")["Credentials"]
        session = boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                                aws_session_token=creds["SessionToken"])
        role = session.client("iam", region_name="us-east-1", endpoint_url=endpoint).create_role(
            RoleName="fn", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}}]})
        )["Role"]["Arn"]
        for region in regions:
            seed_scope(session, account, region, endpoint, code, role)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, ids))
    return ids


def run(endpoint, regions, workers, latency, accounts=None, memory=False):
    from auditor.live import LiveOptions, collect
    options = LiveOptions(organization=True, regions=regions, endpoint_url=endpoint, max_workers=workers,
                          progress=False, accounts=accounts or [], client_factory=_with_latency(latency / 1000))
    if memory:
        tracemalloc.start()
    started, cpu = time.perf_counter(), time.process_time()
    document, stats = collect(options)
    wall = time.perf_counter() - started
    stats.cpu = time.process_time() - cpu
    peak = tracemalloc.get_traced_memory()[1] if memory else None
    if memory:
        tracemalloc.stop()
    return document, stats, wall, peak


def single_scope_calls(endpoint, region) -> int:
    """What one scope costs collected alone (one account, one region, the caller's own credentials)."""
    from auditor.live import LiveOptions, collect
    document, stats = collect(LiveOptions(regions=[region], endpoint_url=endpoint, progress=False))
    return stats.calls - stats.operations.get("GetCallerIdentity", 0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--regions", type=int, default=3)
    parser.add_argument("--latency-ms", type=float, default=20)
    parser.add_argument("--workers", type=int, nargs="+", default=[8, 32, 64])
    parser.add_argument("--memory-sizes", type=int, nargs="+", default=[50, 100, 200],
                        help="organization sizes (accounts) whose peak memory is measured, at the largest --workers")
    args = parser.parse_args()
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")
    for name in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        os.environ.pop(name, None)
    regions = REGIONS[:args.regions]
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    server = _Subprocess([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], endpoint)
    failed = False
    try:
        started = time.perf_counter()
        ids = seed(endpoint, args.accounts, regions)
        print(f"seeded {len(ids)} accounts x {len(regions)} regions in {time.perf_counter() - started:.1f}s")
        alone = single_scope_calls(endpoint, regions[0])
        print(f"one scope collected alone: {alone} calls")
        for workers in args.workers:
            document, stats, wall, _ = run(endpoint, regions, workers, args.latency_ms)
            scopes = document["Scopes"]
            bad = [s for s in scopes if not s["Complete"] or s["Errors"]]
            per_scope = (stats.calls - sum(stats.operations.get(op, 0) for op in ORG_LEVEL)) / len(scopes)
            print(f"workers={workers:3d} latency={args.latency_ms:g}ms: {wall:7.1f}s wall, {len(scopes)} scopes "
                  f"({len(bad)} incomplete), {stats.calls} calls ({stats.attempts} HTTP requests), "
                  f"{per_scope:g} calls per scope (alone: {alone}), "
                  f"{stats.operations.get('AssumeRole', 0)} AssumeRole, {len(scopes) / wall:.1f} scopes/s, "
                  f"collector CPU {stats.cpu:.1f}s")
            failed |= bool(bad) or per_scope != alone
        peaks = []
        for size in args.memory_sizes:
            _, stats, wall, peak = run(endpoint, regions, max(args.workers), args.latency_ms, accounts=sorted(ids)[:size],
                                       memory=True)
            peaks.append((size, peak))
            print(f"memory: {size:4d} accounts ({stats.scopes} scopes): peak {peak / 2**20:6.1f} MiB, "
                  f"{peak / stats.scopes / 1024:6.1f} KiB per scope")
        (small, small_peak), (large, large_peak) = peaks[0], peaks[-1]
        growth = (large_peak / small_peak) / (large / small)
        print(f"memory growth vs size: x{large_peak / small_peak:.2f} for x{large / small:g} accounts "
              f"(1.0 = linear): {growth:.2f}")
        failed |= growth > 1.25
    finally:
        server.stop()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

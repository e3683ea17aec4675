"""Benchmark live collection against moto in server mode.

Builds APIS HTTP APIs x ROUTES routes (and --rest-apis REST APIs x ROUTES methods) and FUNCTIONS Lambda functions (each with an API Gateway
permission) in a ThreadedMotoServer, then collects them with 1 and with 8 workers and prints the
number of AWS calls (compared with the minimum the pages require) and the wall time.

    python3 benchmarks/live_collect.py [--apis 200] [--routes 20] [--functions 500]
"""

import argparse
import io
import json
import os
import socket
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

REGION = "us-east-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build(endpoint: str, apis: int, routes: int, functions: int, rest_apis: int = 0) -> None:
    import boto3
    iam = boto3.client("iam", region_name=REGION, endpoint_url=endpoint)
    role = iam.create_role(RoleName="bench", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                               "Principal": {"Service": "lambda.amazonaws.com"}}]}))["Role"]["Arn"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("index.py", "def handler(e, c):\n    return {}\n")
    code = buffer.getvalue()
    lam = boto3.client("lambda", region_name=REGION, endpoint_url=endpoint)
    apigw = boto3.client("apigatewayv2", region_name=REGION, endpoint_url=endpoint)

    def make_function(n):
        return lam.create_function(FunctionName=f"fn-{n:04d}", Runtime="python3.12", Role=role,
                                   Handler="index.handler", Code={"ZipFile": code})["FunctionArn"]

    with ThreadPoolExecutor(8) as pool:
        arns = list(pool.map(make_function, range(functions)))

    def make_api(n):
        api_id = apigw.create_api(Name=f"api-{n:04d}", ProtocolType="HTTP")["ApiId"]
        apigw.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
        integrations = []
        for k in range(4):  # four functions per API: every function is referenced
            arn = arns[(n * 4 + k) % len(arns)]
            integrations.append(apigw.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=arn,
                                                         PayloadFormatVersion="2.0")["IntegrationId"])
        for r in range(routes):
            apigw.create_route(ApiId=api_id, RouteKey=f"GET /r{r}", Target=f"integrations/{integrations[r % 4]}")
        return api_id

    with ThreadPoolExecutor(8) as pool:
        api_ids = list(pool.map(make_api, range(apis)))
    rest = boto3.client("apigateway", region_name=REGION, endpoint_url=endpoint)

    def make_rest_api(n):  # REST APIs (v1): `routes` methods each on their own resource, deployed to prod
        api_id = rest.create_rest_api(name=f"rest-{n:04d}")["id"]
        root = rest.get_resources(restApiId=api_id)["items"][0]["id"]
        for r in range(routes):
            resource_id = rest.create_resource(restApiId=api_id, parentId=root, pathPart=f"r{r}")["id"]
            rest.put_method(restApiId=api_id, resourceId=resource_id, httpMethod="GET", authorizationType="NONE")
            arn = arns[(n * 4 + r % 4) % len(arns)]
            rest.put_integration(restApiId=api_id, resourceId=resource_id, httpMethod="GET", type="AWS_PROXY",
                                 integrationHttpMethod="POST",
                                 uri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{arn}/invocations")
        rest.create_deployment(restApiId=api_id, stageName="prod")
        return api_id

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(make_rest_api, range(rest_apis)))
    for n, arn in enumerate(arns):
        lam.add_permission(FunctionName=arn.rsplit(":", 1)[-1], StatementId="apigw", Action="lambda:InvokeFunction",
                           Principal="apigateway.amazonaws.com",
                           SourceArn=f"arn:aws:execute-api:{REGION}:123456789012:{api_ids[(n // 4) % len(api_ids)]}/*")


def minimum_calls(endpoint: str) -> int:
    """What the pages require: every page of every list call (the tag listing of suppressed functions
    included), one GetPolicy per function of the scope (referenced or not), and the identity call."""
    import boto3
    from auditor.core.arns import parse_function_uri
    apigw = boto3.client("apigatewayv2", region_name=REGION, endpoint_url=endpoint)
    lam = boto3.client("lambda", region_name=REGION, endpoint_url=endpoint)
    calls = 1  # sts:GetCallerIdentity
    api_ids = []
    for page in apigw.get_paginator("get_apis").paginate():
        calls += 1
        api_ids += [a["ApiId"] for a in page["Items"]]
    functions = set()
    for api_id in api_ids:
        for method in ("get_routes", "get_integrations", "get_stages"):
            for page in apigw.get_paginator(method).paginate(ApiId=api_id):
                calls += 1
                if method == "get_integrations":  # a function only an integration names is read too
                    functions |= {parse_function_uri(i["IntegrationUri"]).unqualified_arn for i in page["Items"]}
    rest = boto3.client("apigateway", region_name=REGION, endpoint_url=endpoint)
    rest_ids = []
    for page in rest.get_paginator("get_rest_apis").paginate():
        calls += 1
        rest_ids += [a["id"] for a in page["items"]]
    if rest_ids:
        calls += sum(1 for _ in rest.get_paginator("get_usage_plans").paginate())
    for api_id in rest_ids:  # resources with their methods, stages, each served deployment, gateway responses
        methods = []
        for page in rest.get_paginator("get_resources").paginate(restApiId=api_id, embed=["methods"]):
            calls += 1
            methods += [m for r in page["items"] for m in (r.get("resourceMethods") or {}).values()]
        calls += 1 + len({s.get("deploymentId") for s in rest.get_stages(restApiId=api_id)["item"]
                          if s.get("deploymentId")})
        if any(m.get("authorizerId") for m in methods):
            calls += sum(1 for _ in rest.get_paginator("get_authorizers").paginate(restApiId=api_id))
        calls += sum(1 for _ in rest.get_paginator("get_gateway_responses").paginate(restApiId=api_id))
    for page in lam.get_paginator("list_functions").paginate():
        calls += 1
        functions |= {f["FunctionArn"] for f in page["Functions"]}
    tagging = boto3.client("resourcegroupstaggingapi", region_name=REGION, endpoint_url=endpoint)
    for _ in tagging.get_paginator("get_resources").paginate(ResourceTypeFilters=["lambda:function"],
                                                             TagFilters=[{"Key": "apigw-auditor:ignore"}]):
        calls += 1
    return calls + len(functions)


class _Subprocess:
    """moto's server in its own process, so the collector's threads do not share its GIL."""

    def __init__(self, command, endpoint):
        import subprocess
        import urllib.request
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                urllib.request.urlopen(endpoint + "/moto-api/", timeout=1)
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("moto server did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait(10)


def _with_latency(seconds: float):
    """A client factory adding a round trip's latency to every request (sleeping releases the GIL)."""
    def factory(session, service, region, config, endpoint_url):
        client = session.client(service, region_name=region, config=config, endpoint_url=endpoint_url)
        if seconds:
            client.meta.events.register("before-send", lambda **_: time.sleep(seconds))
        return client
    return factory


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--apis", type=int, default=200)
    parser.add_argument("--routes", type=int, default=20)
    parser.add_argument("--functions", type=int, default=500)
    parser.add_argument("--rest-apis", type=int, default=0, help="REST APIs (v1) of --routes methods each, too")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--latency-ms", type=float, nargs="+", default=[0, 30],
                        help="extra round-trip time per request, as real AWS has (default: 0 and 30)")
    parser.add_argument("--in-process", action="store_true",
                        help="run moto in this process (it then shares the GIL with the collector)")
    args = parser.parse_args()
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION=REGION)
    import logging
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no request log
    from moto.server import ThreadedMotoServer
    from auditor.live import LiveOptions, collect

    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    if args.in_process:
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
    else:
        server = _Subprocess([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], endpoint)
    try:
        started = time.perf_counter()
        build(endpoint, args.apis, args.routes, args.functions, args.rest_apis)
        print(f"built {args.apis} APIs x {args.routes} routes, {args.functions} functions in "
              f"{time.perf_counter() - started:.1f}s")
        minimum = minimum_calls(endpoint)
        print(f"minimum AWS calls the pages require: {minimum}")
        for latency, workers in [(l, w) for l in args.latency_ms for w in args.workers]:
            document, stats = collect(LiveOptions(regions=[REGION], endpoint_url=endpoint, max_workers=workers,
                                                  progress=False, client_factory=_with_latency(latency / 1000)))
            [scope] = document["Scopes"]
            assert scope["Complete"] and not scope["Errors"], scope["Errors"][:3]
            routes = sum(len(a["Routes"]) for a in scope["Apis"])
            routes += sum(len(r.get("resourceMethods") or {}) for a in scope.get("RestApis") or ()
                          for r in a.get("Resources") or ())
            print(f"latency={latency:g}ms workers={workers}: {stats.seconds:.2f}s wall, {stats.calls} calls ({stats.attempts} HTTP requests), "
                  f"{len(scope['Apis'])} APIs, {routes} routes, {len(scope['Functions'])} functions; "
                  f"calls {'==' if stats.calls == minimum else '!='} minimum; by operation: "
                  + ", ".join(f"{k} {v}" for k, v in sorted(stats.operations.items())))
            if stats.calls != minimum:
                return 1
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Synthetic REST API (v1) snapshots: N methods over APIs of 20 methods, F functions, a realistic 1% of
mistakes (a grant narrowed to GET, an integrationHttpMethod copied from the client's verb).

python benchmarks/generate_rest.py --methods 100000 --functions 20000 -o /tmp/rest.json
"""

import argparse
import json
import random

ACCOUNT, REGION = "123456789012", "us-east-1"
PARTS = [("items", "{id}"), ("orders", "{order}"), ("users", "{user}"), ("health", None), ("{proxy+}", None)]
VERBS = ["GET", "POST", "PUT", "DELETE", "ANY"]


def _uri(arn: str) -> str:
    return f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{arn}/invocations"


def build(methods: int, functions: int, methods_per_api: int = 20, seed: int = 7) -> dict:
    rng = random.Random(seed)
    api_count = max(1, methods // methods_per_api)
    fn_arns = [f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:fn-{i:06d}" for i in range(functions)]
    fn_users: dict[int, list[str]] = {}
    apis = []
    for a in range(api_count):
        api_id = f"r{a:09d}"
        resources = [{"id": f"{api_id}-root", "path": "/", "resourceMethods": {}}]
        count = 0
        for p, (first, second) in enumerate(PARTS):
            parent = {"id": f"{api_id}-{p}", "parentId": f"{api_id}-root", "pathPart": first, "path": f"/{first}",
                      "resourceMethods": {}}
            resources.append(parent)
            if second:
                resources.append({"id": f"{api_id}-{p}c", "parentId": parent["id"], "pathPart": second,
                                  "path": f"/{first}/{second}", "resourceMethods": {}})
        slots = [r for r in resources if r["path"] != "/"]
        while count < methods_per_api:
            resource = slots[count % len(slots)]
            verb = VERBS[(count // len(slots)) % len(VERBS)]
            fn_index = (a * 4 + count % 4) % functions
            fn_users.setdefault(fn_index, []).append(api_id)
            resource["resourceMethods"][verb] = {
                "httpMethod": verb, "authorizationType": "NONE", "apiKeyRequired": False,
                "methodIntegration": {"type": "AWS_PROXY", "httpMethod": "GET" if rng.random() < 0.01 else "POST",
                                      "uri": _uri(fn_arns[fn_index]), "timeoutInMillis": 29000,
                                      "passthroughBehavior": "WHEN_NO_MATCH", "cacheKeyParameters": []}}
            count += 1
        summary = {r["path"]: {v: {"authorizationType": "NONE", "apiKeyRequired": False} for v in r["resourceMethods"]}
                   for r in resources}
        apis.append({"id": api_id, "name": f"rest-{a}", "rootResourceId": f"{api_id}-root",
                     "endpointConfiguration": {"types": ["REGIONAL"]}, "apiKeySource": "HEADER",
                     "disableExecuteApiEndpoint": False, "Resources": resources,
                     "Stages": [{"stageName": "prod", "deploymentId": f"{api_id}-d1", "tracingEnabled": False,
                                 "accessLogSettings": {"destinationArn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/r/{api_id}",
                                                       "format": "$context.requestId"}}],
                     "Deployments": [{"id": f"{api_id}-d1", "apiSummary": summary}],
                     "Authorizers": [], "GatewayResponses": []})
    function_list = []
    for f, arn in enumerate(fn_arns):
        users = sorted(set(fn_users.get(f, [])))
        tails = ["/*/GET/*" if rng.random() < 0.01 else "/*" for _ in users]
        statements = [{"Sid": f"apigw-{api_id}", "Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
                       "Action": "lambda:InvokeFunction", "Resource": arn,
                       "Condition": {"ArnLike": {"AWS:SourceArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api_id}{tail}"}}}
                      for api_id, tail in zip(users, tails)]
        policy = json.dumps({"Version": "2012-10-17", "Id": "default", "Statement": statements}) if statements else None
        function_list.append({"FunctionName": arn.rsplit(":", 1)[1], "FunctionArn": arn, "Runtime": "python3.12",
                              "Handler": "app.handler", "Timeout": 10, "MemorySize": 256, "Policy": policy})
    return {"SnapshotVersion": 1, "Scopes": [{"AccountId": ACCOUNT, "Region": REGION, "Complete": True,
                                              "RestApis": apis, "UsagePlans": [], "Functions": function_list}]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--methods", type=int, default=100000)
    parser.add_argument("--functions", type=int, default=20000)
    parser.add_argument("-o", "--output", required=True)
    args = parser.parse_args()
    with open(args.output, "w") as out:
        json.dump(build(args.methods, args.functions), out)


if __name__ == "__main__":
    main()

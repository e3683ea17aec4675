"""Synthetic snapshots for benchmarks: N APIs x R routes, F functions, a realistic 1% of mistakes.

python benchmarks/generate.py --routes 100000 --functions 20000 -o /tmp/big.json
"""

import argparse
import json
import random

ACCOUNT, REGION = "123456789012", "us-east-1"
PATHS = ["/items", "/items/{id}", "/orders", "/orders/{id}/lines", "/users/{user}/prefs", "/{proxy+}", "/health"]
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "ANY"]


def build(routes: int, functions: int, routes_per_api: int = 20, seed: int = 7) -> dict:
    rng = random.Random(seed)
    api_count = max(1, routes // routes_per_api)
    fn_arns = [f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:fn-{i:06d}" for i in range(functions)]
    apis = []
    fn_users: dict[int, list[str]] = {}
    for a in range(api_count):
        api_id = f"a{a:09d}"
        integrations = []
        for i in range(4):
            fn_index = (a * 4 + i) % functions
            fn_users.setdefault(fn_index, []).append(api_id)
            integrations.append({"IntegrationId": f"i{a:05d}{i}", "IntegrationType": "AWS_PROXY",
                                 "IntegrationUri": fn_arns[fn_index], "ConnectionType": "INTERNET",
                                 "PayloadFormatVersion": "1.0" if rng.random() < 0.01 else "2.0",
                                 "TimeoutInMillis": 30000})
        route_list = []
        for r in range(routes_per_api):
            key = f"{METHODS[r % len(METHODS)]} /v{r // len(METHODS)}{PATHS[r % len(PATHS)]}"
            target = f"integrations/{integrations[r % 4]['IntegrationId']}"
            if rng.random() < 0.01:
                target = target.removeprefix("integrations/")
            route_list.append({"RouteId": f"r{a:05d}{r:02d}", "RouteKey": key, "Target": target, "ApiKeyRequired": False,
                               "AuthorizationType": "JWT", "AuthorizerId": f"au{a:05d}"})
        apis.append({"ApiId": api_id, "Name": f"api-{a}", "ProtocolType": "HTTP",
                     "ApiEndpoint": f"https://{api_id}.execute-api.{REGION}.amazonaws.com",
                     "RouteSelectionExpression": "$request.method $request.path",
                     "Routes": route_list, "Integrations": integrations,
                     "Stages": [{"StageName": "$default", "AutoDeploy": True,
                                 "AccessLogSettings": {"DestinationArn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/a/{api_id}",
                                                       "Format": "$context.requestId"}}],
                     "Authorizers": [{"AuthorizerId": f"au{a:05d}", "Name": "jwt", "AuthorizerType": "JWT",
                                      "IdentitySource": ["$request.header.Authorization"],
                                      "JwtConfiguration": {"Audience": ["x"], "Issuer": "https://issuer.example.com"}}]})
    function_list = []
    for f, arn in enumerate(fn_arns):
        statements = [{"Sid": f"apigw-{api_id}", "Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
                       "Action": "lambda:InvokeFunction", "Resource": arn,
                       "Condition": {"ArnLike": {"AWS:SourceArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api_id}/*"}}}
                      for api_id in fn_users.get(f, [])]
        if statements and rng.random() < 0.01:
            statements.pop()
        policy = json.dumps({"Version": "2012-10-17", "Id": "default", "Statement": statements}) if statements else None
        function_list.append({"FunctionName": arn.rsplit(":", 1)[1], "FunctionArn": arn, "Runtime": "python3.12",
                              "Handler": "app.handler", "Timeout": 10, "MemorySize": 256, "Policy": policy})
    return {"SnapshotVersion": 1, "Scopes": [{"AccountId": ACCOUNT, "Region": REGION, "Complete": True,
                                              "Apis": apis, "Functions": function_list}]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--routes", type=int, default=100000)
    parser.add_argument("--functions", type=int, default=20000)
    parser.add_argument("-o", "--output", required=True)
    args = parser.parse_args()
    with open(args.output, "w") as out:
        json.dump(build(args.routes, args.functions), out)


if __name__ == "__main__":
    main()

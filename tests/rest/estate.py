"""A REST API snapshot built the way AWS returns it (GetRestApis, GetResources with embed=methods...):
the correct form audits clean; tests change one thing to plant a mistake."""

import copy

ACCOUNT, REGION, API = "123456789012", "us-east-1", "r3st000001"
FN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:pets"
AUTH_FN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:auth"


def uri(function_arn: str = FN) -> str:
    return f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function_arn}/invocations"


def method(verb: str, **extra) -> dict:
    out = {"httpMethod": verb, "authorizationType": "NONE", "apiKeyRequired": False,
           "methodIntegration": {"type": "AWS_PROXY", "httpMethod": "POST", "uri": uri(), "timeoutInMillis": 29000}}
    out.update(extra)
    return out


def grant(sid: str, source_arn: str, function_arn: str = FN, effect: str = "Allow") -> dict:
    return {"Sid": sid, "Effect": effect, "Principal": {"Service": "apigateway.amazonaws.com"},
            "Action": "lambda:InvokeFunction", "Resource": function_arn,
            "Condition": {"ArnLike": {"AWS:SourceArn": source_arn}}}


def arn(tail: str) -> str:
    return f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API}{tail}"


def correct() -> dict:
    """/pets GET and POST, /pets/{id} ANY, / GET; stage prod serving a deployment of all of them."""
    resources = [
        {"id": "root1", "path": "/", "resourceMethods": {"GET": method("GET")}},
        {"id": "res1", "parentId": "root1", "pathPart": "pets", "path": "/pets",
         "resourceMethods": {"GET": method("GET"), "POST": method("POST")}},
        {"id": "res2", "parentId": "res1", "pathPart": "{id}", "path": "/pets/{id}",
         "resourceMethods": {"ANY": method("ANY")}},
    ]
    summary = {r["path"]: {v: {"authorizationType": "NONE", "apiKeyRequired": False} for v in r["resourceMethods"]}
               for r in resources}
    return {"SnapshotVersion": 1, "Scopes": [{
        "AccountId": ACCOUNT, "Region": REGION, "Complete": True,
        "RestApis": [{"id": API, "name": "pets", "rootResourceId": "root1",
                      "endpointConfiguration": {"types": ["REGIONAL"]}, "apiKeySource": "HEADER",
                      "disableExecuteApiEndpoint": False,
                      "Resources": resources,
                      "Stages": [{"stageName": "prod", "deploymentId": "dep1",
                                  "accessLogSettings": {"destinationArn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:a",
                                                        "format": "$context.requestId"}}],
                      "Deployments": [{"id": "dep1", "apiSummary": summary}],
                      "Authorizers": [], "GatewayResponses": []}],
        "UsagePlans": [],
        "Functions": [{"FunctionArn": FN, "FunctionName": "pets", "Timeout": 10,
                       "Policy": {"Version": "2012-10-17", "Statement": [grant("rest", arn("/*"))]}},
                      {"FunctionArn": AUTH_FN, "FunctionName": "auth", "Timeout": 5,
                       "Policy": {"Version": "2012-10-17", "Statement": [grant("auth", arn("/authorizers/*"), AUTH_FN)]}}],
    }]}


def scope(doc: dict) -> dict:
    return doc["Scopes"][0]


def rest_api(doc: dict) -> dict:
    return scope(doc)["RestApis"][0]


def resource(doc: dict, path: str) -> dict:
    return next(r for r in rest_api(doc)["Resources"] if r["path"] == path)


def policy(doc: dict, name: str = "pets") -> dict:
    return next(f for f in scope(doc)["Functions"] if f["FunctionName"] == name)["Policy"]


def fresh() -> dict:
    return copy.deepcopy(correct())

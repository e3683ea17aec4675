"""A correct WebSocket chat API (the shape of aws-samples/simple-websockets-chat-app) as a snapshot
document, with handles to plant the mistakes WebSocket APIs suffer from."""

import copy
import json

ACCOUNT, REGION, WS_ID = "123456789012", "us-east-1", "ws1chat234"
WS_ARN = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{WS_ID}"
FUNCTIONS = {name: f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
             for name in ("OnConnect", "OnDisconnect", "SendMessage", "Authorize")}


def invocation(arn: str) -> str:
    return f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{arn}/invocations"


def grant(source_arn, sid="apigateway-invoke", function="OnConnect"):
    statement = {"Sid": sid, "Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
                 "Action": "lambda:InvokeFunction", "Resource": FUNCTIONS[function]}
    if source_arn is not None:
        statement["Condition"] = {"ArnLike": {"AWS:SourceArn": source_arn}}
    return statement


def _policy(*statements) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


BASE = {
    "SnapshotVersion": 1,
    "Scopes": [{
        "AccountId": ACCOUNT, "Region": REGION, "Complete": True,
        "Apis": [{
            "ApiId": WS_ID, "Name": "simple-websockets-chat", "ProtocolType": "WEBSOCKET",
            "RouteSelectionExpression": "$request.body.action",
            "Routes": [
                {"RouteId": "rc", "RouteKey": "$connect", "AuthorizationType": "NONE", "Target": "integrations/ic",
                 "RouteResponses": []},
                {"RouteId": "rd", "RouteKey": "$disconnect", "AuthorizationType": "NONE",
                 "Target": "integrations/id", "RouteResponses": []},
                {"RouteId": "rs", "RouteKey": "sendmessage", "AuthorizationType": "NONE",
                 "Target": "integrations/is", "RouteResponses": []},
            ],
            "Integrations": [
                {"IntegrationId": "ic", "IntegrationType": "AWS_PROXY",
                 "IntegrationUri": invocation(FUNCTIONS["OnConnect"]), "IntegrationResponses": []},
                {"IntegrationId": "id", "IntegrationType": "AWS_PROXY",
                 "IntegrationUri": invocation(FUNCTIONS["OnDisconnect"]), "IntegrationResponses": []},
                {"IntegrationId": "is", "IntegrationType": "AWS_PROXY",
                 "IntegrationUri": invocation(FUNCTIONS["SendMessage"]), "IntegrationResponses": []},
            ],
            "Stages": [{"StageName": "Prod", "DeploymentId": "dep1",
                        "AccessLogSettings": {"DestinationArn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:ws",
                                              "Format": "$context.requestId"}}],
            "Authorizers": [],
        }],
        "Functions": [
            {"FunctionName": name, "FunctionArn": arn, "Timeout": 3,
             "Policy": _policy(grant(f"{WS_ARN}/*", function=name))}
            for name, arn in FUNCTIONS.items() if name != "Authorize"
        ],
    }],
}


class Chat:
    def __init__(self):
        self.doc = copy.deepcopy(BASE)

    @property
    def api(self):
        return self.doc["Scopes"][0]["Apis"][0]

    def route(self, key):
        return next(r for r in self.api["Routes"] if r["RouteKey"] == key)

    def function(self, name):
        return next(f for f in self.doc["Scopes"][0]["Functions"] if f["FunctionName"] == name)

    def set_grants(self, name, *statements):
        self.function(name)["Policy"] = _policy(*statements)

    def add_authorizer(self, route_key="$connect", granted=True):
        self.api["Authorizers"].append({"AuthorizerId": "au1", "Name": "auth", "AuthorizerType": "REQUEST",
                                        "AuthorizerUri": invocation(FUNCTIONS["Authorize"]),
                                        "IdentitySource": ["route.request.querystring.token"]})
        route = self.route(route_key)
        route.update({"AuthorizationType": "CUSTOM", "AuthorizerId": "au1"})
        policy = _policy(grant(f"{WS_ARN}/authorizers/au1", function="Authorize")) if granted else None
        entry = {"FunctionName": "Authorize", "FunctionArn": FUNCTIONS["Authorize"], "Timeout": 3}
        if policy:
            entry["Policy"] = policy
        self.doc["Scopes"][0]["Functions"].append(entry)

"""Live collection against moto: the seed tutorial's API built with the same calls as its CLI steps."""

import io
import json
import zipfile

import boto3
import pytest
from moto import mock_aws

from auditor.engine import all_rules, run_audit
from auditor.live import LiveOptions, collect, to_model

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account
FUNCTION = "my-frontend-app-api"
SECRET = "hunter2-do-not-leak"


@pytest.fixture
def aws_env(monkeypatch):
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAFAKEKEYFORTESTS1")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "fakeSecretValueForTests/DoNotLeak")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/apigw-auditor-test-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/apigw-auditor-test-credentials")


@pytest.fixture
def aws(aws_env):
    with mock_aws():
        yield


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("index.js", "exports.handler = async () => ({statusCode: 200, body: '[]'});")
    return buffer.getvalue()


def make_function(name: str = FUNCTION, region: str = REGION, endpoint_url: str | None = None) -> str:
    iam = boto3.client("iam", region_name=region, endpoint_url=endpoint_url)
    try:
        role = iam.create_role(RoleName="lambda-role", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                   "Principal": {"Service": "lambda.amazonaws.com"}}]}))["Role"]["Arn"]
    except iam.exceptions.EntityAlreadyExistsException:
        role = iam.get_role(RoleName="lambda-role")["Role"]["Arn"]
    lam = boto3.client("lambda", region_name=region, endpoint_url=endpoint_url)
    return lam.create_function(FunctionName=name, Runtime="nodejs20.x", Role=role, Handler="index.handler",
                               Code={"ZipFile": _zip()}, Timeout=10,
                               Environment={"Variables": {"DB_PASSWORD": SECRET}})["FunctionArn"]


def build_seed(*, prefix: bool = True, payload: str | None = "2.0", permission: bool = True,
               region: str = REGION, endpoint_url: str | None = None) -> dict:
    """The tutorial's steps: an HTTP API with an auto-deploying $default stage, one Lambda proxy
    integration, routes GET /items, POST /items, GET /items/{id} and $default, and add-permission."""
    arn = make_function(region=region, endpoint_url=endpoint_url)
    apigw = boto3.client("apigatewayv2", region_name=region, endpoint_url=endpoint_url)
    api_id = apigw.create_api(Name="my-frontend-app-api", ProtocolType="HTTP")["ApiId"]
    apigw.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    params = {"PayloadFormatVersion": payload} if payload else {}
    integration_id = apigw.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=arn,
                                              **params)["IntegrationId"]
    target = f"integrations/{integration_id}" if prefix else integration_id
    routes = {}
    for key in ("GET /items", "POST /items", "GET /items/{id}", "$default"):
        routes[key] = apigw.create_route(ApiId=api_id, RouteKey=key, Target=target)["RouteId"]
    if permission:
        boto3.client("lambda", region_name=region, endpoint_url=endpoint_url).add_permission(
            FunctionName=FUNCTION, StatementId="apigateway-invoke", Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com",
            SourceArn=f"arn:aws:execute-api:{region}:{ACCOUNT}:{api_id}/*")
    return {"api_id": api_id, "integration_id": integration_id, "function_arn": arn, "routes": routes}


def snapshot(**options):
    options.setdefault("regions", [REGION])
    options.setdefault("progress", False)
    return collect(LiveOptions(**options))


def audit(document):
    return run_audit(to_model(document), all_rules()).findings


def ids(findings, at_least=None):
    from auditor.findings import Severity
    floor = Severity.INFO if at_least is None else at_least
    return sorted({f.rule_id for f in findings if f.severity >= floor})


class _Body:
    def __init__(self, body: bytes):
        self.body = body

    def stream(self, **_):
        yield self.body


def error_response(status: int, code: str, message: str):
    """An AWS error as the wire carries it (restJson), for a before-send hook to return."""
    from botocore.awsrequest import AWSResponse
    body = json.dumps({"message": message, "Message": message}).encode()
    return AWSResponse("https://injected.invalid/", status,
                       {"x-amzn-ErrorType": code, "Content-Type": "application/json"}, _Body(body))


def hooked_factory(hooks, record=None):
    """A client factory (LiveOptions.client_factory) that registers event hooks on every client.

    hooks: (service, region or None, event, handler); record: a list receiving
    (service, region, operation name, HTTP method) for every call a client makes.
    """
    def factory(session, service, region, config, endpoint_url):
        client = session.client(service, region_name=region, config=config, endpoint_url=endpoint_url)
        if record is not None:
            def on_call(model, **_):
                record.append((service, region, model.name, model.http.get("method")))
            client.meta.events.register_first("before-call", on_call)
        for hook_service, hook_region, event, handler in hooks:
            if hook_service == service and hook_region in (None, region):
                client.meta.events.register_first(event, handler)
        return client
    return factory

"""What the shipped audit role (deploy/) grants, and which of its grants an AWS call the collector made
needs: the IAM action and resource of each call, matched as IAM matches them (`*` and `?` wildcards)."""

import fnmatch
import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
ROLE_TEMPLATE = ROOT / "deploy" / "audit-role.cfn.yaml"
ROLE_TERRAFORM = ROOT / "deploy" / "audit-role.tf"
SCANNER_POLICY = ROOT / "deploy" / "scanner-policy.json"
ACCOUNT = "ACCOUNT"  # the account a grant and a call name: the role's own
# Calls no policy needs to allow, and calls the scanning identity makes (not the role in each account).
NEEDS_NOTHING = {"sts:GetCallerIdentity"}
SCANNER_ACTIONS = {"organizations:ListAccounts", "sts:AssumeRole"}
# botocore service name -> IAM service prefix, where they differ
IAM_PREFIX = {"resourcegroupstaggingapi": "tag", "apigatewayv2": "apigateway"}


class _Loader(yaml.SafeLoader):
    pass


def _tag(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {suffix: value}


_Loader.add_multi_constructor("!", _tag)


def _substitute(text: str) -> str:
    return text.replace("${AWS::Partition}", "aws").replace("${AWS::AccountId}", ACCOUNT)


def _strings(value) -> list[str]:
    if isinstance(value, dict) and "Sub" in value:
        value = value["Sub"]
    if isinstance(value, str):
        return [_substitute(value)]
    return [s for item in value for s in _strings(item)]


def role_grants() -> set[tuple[str, str]]:
    """(action, resource pattern) of every Allow in the CloudFormation role's inline policies."""
    template = yaml.load(ROLE_TEMPLATE.read_text(), Loader=_Loader)
    grants = set()
    for policy in template["Resources"]["AuditRole"]["Properties"]["Policies"]:
        for statement in policy["PolicyDocument"]["Statement"]:
            assert statement["Effect"] == "Allow" and set(statement) <= {"Sid", "Effect", "Action", "Resource"}
            for action in _strings(statement["Action"]):
                for resource in _strings(statement["Resource"]):
                    grants.add((action, resource))
    return grants


def terraform_grants() -> set[tuple[str, str]]:
    import hcl2
    with ROLE_TERRAFORM.open() as handle:
        document = hcl2.load(handle)
    unquote = lambda s: s[1:-1] if isinstance(s, str) and s[:1] == s[-1:] == '"' else s  # noqa: E731
    grants = set()
    for block in document["data"]:
        for kind, named in block.items():
            for name, body in named.items():
                if unquote(kind) != "aws_iam_policy_document" or unquote(name) != "read":
                    continue
                for statement in body["statement"]:
                    for action in statement["actions"]:
                        for resource in statement["resources"]:
                            resource = unquote(resource).replace("${data.aws_partition.current.partition}", "aws")
                            resource = resource.replace("${data.aws_caller_identity.current.account_id}", ACCOUNT)
                            grants.add((unquote(action), resource))
    return grants


def scanner_grants() -> set[tuple[str, str]]:
    grants = set()
    for statement in json.loads(SCANNER_POLICY.read_text())["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        grants |= {(a, r) for a in actions for r in resources}
    return grants


def call_of(service: str, region: str, operation: str, request: dict) -> tuple[str, str]:
    """The IAM action and resource of one call, from botocore's request dict (before-call)."""
    path = request.get("url_path") or "/"
    body = request.get("body") if isinstance(request.get("body"), dict) else {}
    if service in ("apigatewayv2", "apigateway"):  # API Gateway's own IAM: the HTTP verb on the resource path
        path = re.sub(r"^/v2(?=/)", "", path.split("?")[0])
        return f"apigateway:{request.get('method', 'GET')}", f"arn:aws:apigateway:{region}::{path}"
    action = f"{IAM_PREFIX.get(service, service)}:{operation}"
    if service == "lambda":
        match = re.search(r"/functions/([^/?]+)", path)
        if match:
            from urllib.parse import unquote
            name = unquote(match.group(1)).rsplit(":function:", 1)[-1].split(":")[0]
            return action, f"arn:aws:lambda:{region}:{ACCOUNT}:function:{name}"
    if service == "iam" and body.get("RoleName"):
        return action, f"arn:aws:iam::{ACCOUNT}:role/{body['RoleName']}"
    return action, "*"


def allowed(call: tuple[str, str], grants: set[tuple[str, str]]) -> bool:
    action, resource = call
    return any(fnmatch.fnmatchcase(action, granted_action) and
               (granted_resource == "*" or resource != "*" and fnmatch.fnmatchcase(resource, granted_resource))
               for granted_action, granted_resource in grants)


def not_allowed(calls) -> list[tuple[str, str]]:
    """The recorded calls the shipped policies do not allow (scanner calls: by action only, since the
    roles a test assumes have other names than the default one the scanner policy names)."""
    role, scanner = role_grants(), scanner_grants()
    out = []
    for action, resource in calls:
        if action in NEEDS_NOTHING:
            continue
        if action in SCANNER_ACTIONS:
            if not any(fnmatch.fnmatchcase(action, a) for a, _ in scanner):
                out.append((action, resource))
        elif not allowed((action, resource), role):
            out.append((action, resource))
    return sorted(set(out))

"""Hostile inputs a contributor (or an attacker) can put in a pull request: each one is small, and each
once made the tool run for minutes. Tests use them at the sizes below; `python -m tests.fuzz.hostile DIR`
writes them out for timing by hand."""

import copy
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "examples" / "seed-broken.json"


def seed() -> dict:
    return json.loads(SEED.read_text())


def billion_laughs_yaml(levels: int = 9) -> str:
    """A template whose aliases expand 10**levels times: 3 KB of text."""
    lines = ["AWSTemplateFormatVersion: '2010-09-09'", 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol",'
             '"lol","lol"]']
    for level in range(1, levels + 1):
        prev = f"*a{level - 1}"
        lines.append(f"a{level}: &a{level} [{', '.join([prev] * 10)}]")
    lines += ["Resources:", "  Fn:", "    Type: AWS::Serverless::Function",
              "    Properties: {Runtime: python3.12, Handler: a.b, CodeUri: ., Tags: {x: *a%d}}" % levels]
    return "\n".join(lines) + "\n"


def question_runs_snapshot(length: int = 29_000) -> str:
    """A route with a long path and a permission whose ArnLike pattern is a long run of `?` between `*`s."""
    data = seed()
    scope = data["Scopes"][0]
    route = scope["Apis"][0]["Routes"][0]
    route["RouteKey"] = "GET /" + "a" * (2 * length)
    pattern = "arn:aws:execute-api:us-east-1:123456789012:abc123def4/*" + "?" * length + "b*"
    policy = json.loads(scope["Functions"][0]["Policy"])
    policy["Statement"][0]["Condition"]["ArnLike"]["AWS:SourceArn"] = pattern
    scope["Functions"][0]["Policy"] = json.dumps(policy)
    return json.dumps(data)


def long_route_key_snapshot(length: int = 1_000_000) -> str:
    data = seed()
    data["Scopes"][0]["Apis"][0]["Routes"][0]["RouteKey"] = "GET /" + "x" * length
    return json.dumps(data)


def backtick_message_snapshot(length: int = 10_000) -> str:
    """Backtick runs in a name that findings quote (the Markdown code-span regex)."""
    data = seed()
    data["Scopes"][0]["Apis"][0]["Routes"][0]["RouteKey"] = "GET /" + "`" * length
    return json.dumps(data)


def escaped_quotes_cfn_json(length: int = 40_000) -> str:
    """A CloudFormation JSON template with a long run of escaped quotes in a string (the key regex)."""
    return json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Description": '"' * length,
                       "Resources": {"Api": {"Type": "AWS::ApiGatewayV2::Api",
                                             "Properties": {"Name": "x", "ProtocolType": "HTTP"}}}})


def bracket_runs_tfplan(length: int = 30_000) -> str:
    """A Terraform plan whose address and references hold long `[` runs."""
    plan = json.loads((ROOT / "tests" / "iac" / "fixtures" / "seed" / "correct.tfplan.json").read_text())
    resources = plan["planned_values"]["root_module"]["resources"]
    resources[0]["address"] = "module." + "[" * length + "." + resources[0]["address"]
    for resource in plan.get("configuration", {}).get("root_module", {}).get("resources", []):
        for expression in resource.get("expressions", {}).values():
            if isinstance(expression, dict) and "references" in expression:
                expression["references"] = ["aws_lambda_function.x" + "[" * length + ".arn"]
    return json.dumps(plan)


HOSTILE = {
    "billion-laughs.yaml": billion_laughs_yaml,
    "question-runs.json": question_runs_snapshot,
    "long-route-key.json": long_route_key_snapshot,
    "backticks.json": backtick_message_snapshot,
    "escaped-quotes.cfn.json": escaped_quotes_cfn_json,
    "brackets.tfplan.json": bracket_runs_tfplan,
}

if __name__ == "__main__":
    import sys
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for name, make in HOSTILE.items():
        (out / name).write_text(make())
        print(name, (out / name).stat().st_size)

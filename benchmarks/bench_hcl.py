"""Time `apigw-auditor audit DIR` on a generated Terraform project against `checkov -d DIR`.

The project holds one HTTP API with N routes, N integrations, N functions and N permissions
(default N=500) as plain resources in a few .tf files, written as people write them (references,
interpolation, a variable, a local). Both tools run as the command a user types (fresh process per
run, so start-up counts); the best of --repeat runs is reported.

checkov must live in its own environment (`pipx install checkov`, or a separate venv): it depends
on bc-python-hcl2, a fork that installs over python-hcl2's `hcl2` package and would break this
tool in a shared venv, so it is not in the `bench` extra. Give its path with --checkov, or have it
on PATH.

    python3 benchmarks/bench_hcl.py [--routes 500] [--repeat 3] [--keep DIR] [--checkov PATH]
"""

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import best_run  # noqa: E402

HEAD = '''variable "prefix" {
  type    = string
  default = "bench"
}

locals {
  tags = { app = var.prefix }
}

resource "aws_apigatewayv2_api" "http" {
  name          = "${var.prefix}-api"
  protocol_type = "HTTP"
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.http.id
  name        = "$default"
  auto_deploy = true
}

resource "aws_iam_role" "fn" {
  name = "${var.prefix}-fn"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }]
  })
}
'''

ROUTE = '''
resource "aws_lambda_function" "fn{i}" {{
  function_name = "${{var.prefix}}-fn-{i}"
  role          = aws_iam_role.fn.arn
  runtime       = "python3.12"
  handler       = "app.handler"
  timeout       = 10
  filename      = "build/fn.zip"
  tags          = local.tags
}}

resource "aws_apigatewayv2_integration" "fn{i}" {{
  api_id                 = aws_apigatewayv2_api.http.id
  integration_type       = "AWS_PROXY"
  integration_uri        = aws_lambda_function.fn{i}.invoke_arn
  payload_format_version = "2.0"
}}

resource "aws_apigatewayv2_route" "fn{i}" {{
  api_id    = aws_apigatewayv2_api.http.id
  route_key = "GET /items{i}/{{id}}"
  target    = "integrations/${{aws_apigatewayv2_integration.fn{i}.id}}"
}}

resource "aws_lambda_permission" "fn{i}" {{
  statement_id  = "AllowAPIGateway"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.fn{i}.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${{aws_apigatewayv2_api.http.execution_arn}}/*/GET/items{i}/*"
}}
'''


def generate(folder: str, routes: int, per_file: int = 50) -> int:
    """Writes the project; returns its size in bytes."""
    size = 0
    with open(os.path.join(folder, "main.tf"), "w") as handle:
        size += handle.write(HEAD)
    for start in range(0, routes, per_file):
        with open(os.path.join(folder, f"routes_{start // per_file:03d}.tf"), "w") as handle:
            size += handle.write("".join(ROUTE.format(i=i) for i in range(start, min(routes, start + per_file))))
    return size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--routes", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", metavar="DIR", help="also copy the generated project here")
    parser.add_argument("--checkov", metavar="PATH", help="the checkov command (default: checkov on PATH)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        project = os.path.join(work, "project")
        os.mkdir(project)
        size = generate(project, args.routes)
        if args.keep:
            shutil.copytree(project, args.keep, dirs_exist_ok=True)
        report = os.path.join(work, "report.json")
        auditor = [sys.executable, "-m", "auditor", "audit", project, "--format", "json", "--fail-on", "never",
                   "--output", report]
        audit_time, code, err = best_run(auditor, args.repeat)
        if code != 0:
            print(f"apigw-auditor failed ({code}): {err}", file=sys.stderr)
            return 1
        print(f"project: {args.routes} routes, integrations, functions and permissions in "
              f"{len(os.listdir(project))} .tf files ({size // 1024} KiB)")
        print(f"apigw-auditor audit : {audit_time:8.2f} s (best of {args.repeat})")
        checkov = args.checkov or shutil.which("checkov")
        if checkov is None:
            print("checkov -d          : not installed (pipx install checkov, then --checkov PATH if not on PATH)")
            return 0
        checkov_time, code, err = best_run([checkov, "-d", project, "--quiet", "--compact", "-o", "json"], args.repeat)
        if code not in (0, 1):  # checkov exits 1 when a check fails
            print(f"checkov failed ({code}): {err[:500]}", file=sys.stderr)
        print(f"checkov -d          : {checkov_time:8.2f} s (best of {args.repeat})")
        print(f"ratio               : {checkov_time / audit_time:8.1f}x (goal: at least 10x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

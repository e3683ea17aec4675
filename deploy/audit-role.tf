# The read-only role apigw-auditor assumes in each account (`audit --live --organization`), as
# deploy/audit-role.cfn.yaml creates it: the same actions, nothing more (tests/live/test_audit_role.py).
# Apply it in every account (e.g. one provider alias per account, or Account Factory for Terraform).

variable "auditor_account_id" {
  type        = string
  description = "The account whose principals run the scan (they also need deploy/scanner-policy.json)."
}

variable "role_name" {
  type    = string
  default = "apigw-auditor-readonly" # must match --role-name
}

variable "external_id" {
  type    = string
  default = "" # when set, the scan must pass the same --external-id
}

data "aws_partition" "current" {}
data "aws_caller_identity" "current" {}

data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${var.auditor_account_id}:root"]
    }
    dynamic "condition" {
      for_each = var.external_id == "" ? [] : [var.external_id]
      content {
        test     = "StringEquals"
        variable = "sts:ExternalId"
        values   = [condition.value]
      }
    }
  }
}

data "aws_iam_policy_document" "read" {
  statement {
    sid     = "ReadHttpApis"
    actions = ["apigateway:GET"]
    resources = [
      "arn:${data.aws_partition.current.partition}:apigateway:*::/apis",
      "arn:${data.aws_partition.current.partition}:apigateway:*::/apis/*",
    ]
  }
  statement {
    sid     = "ReadRestApis"
    actions = ["apigateway:GET"]
    resources = [
      "arn:${data.aws_partition.current.partition}:apigateway:*::/restapis",
      "arn:${data.aws_partition.current.partition}:apigateway:*::/restapis/*",
      "arn:${data.aws_partition.current.partition}:apigateway:*::/usageplans",
    ]
  }
  statement {
    sid     = "ReadCustomDomains"
    actions = ["apigateway:GET"]
    resources = [
      "arn:${data.aws_partition.current.partition}:apigateway:*::/domainnames",
      "arn:${data.aws_partition.current.partition}:apigateway:*::/domainnames/*",
    ]
  }
  statement {
    sid       = "ListFunctions"
    actions   = ["lambda:ListFunctions"]
    resources = ["*"]
  }
  statement {
    sid = "ReadFunctionsAndPolicies"
    actions = [
      "lambda:GetFunctionConfiguration",
      "lambda:GetPolicy",
      "lambda:ListAliases",
      "lambda:ListVersionsByFunction",
    ]
    resources = ["arn:${data.aws_partition.current.partition}:lambda:*:${data.aws_caller_identity.current.account_id}:function:*"]
  }
  statement {
    sid       = "ReadTrustOfCredentialsRoles"
    actions   = ["iam:GetRole"]
    resources = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:role/*"]
  }
  statement {
    sid       = "ReadSuppressionTagsOnFunctions"
    actions   = ["tag:GetResources"]
    resources = ["*"]
  }
  statement {
    sid       = "ListEnabledRegions"
    actions   = ["ec2:DescribeRegions"]
    resources = ["*"]
  }
}

resource "aws_iam_role" "apigw_auditor" {
  name                 = var.role_name
  description          = "Read-only access for apigw-auditor (API Gateway HTTP APIs and their Lambda permissions)"
  max_session_duration = 3600
  assume_role_policy   = data.aws_iam_policy_document.trust.json
}

resource "aws_iam_role_policy" "apigw_auditor_read" {
  name   = "apigw-auditor-read"
  role   = aws_iam_role.apigw_auditor.id
  policy = data.aws_iam_policy_document.read.json
}

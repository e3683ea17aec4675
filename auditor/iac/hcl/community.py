"""Built-in knowledge of the two community modules this wiring is most often written with, used
when `terraform init` has not downloaded them: what resources their inputs become.

Each is written here as a small Terraform module of its own (evaluated by the same code as the
user's), reduced to the arguments the rules read, with the modules' documented variable defaults:
- terraform-aws-modules/apigateway-v2, versions 5.x and 6.x (`routes` keyed by route key, each with
  a nested `integration` object; `authorizers`; `stage_*`; `create_stage`; access logs to a log
  group of its own unless `stage_access_log_settings = null`). Version 4 and earlier took separate
  `integrations`; those are read only from `terraform init`'s download.
- terraform-aws-modules/lambda (`function_name`, `publish`, `allowed_triggers`,
  `create_current_version_allowed_triggers`, `create_unqualified_alias_allowed_triggers`).
A `payload_format_version` left out of a route's integration is null in the module, so the
provider's default "1.0" applies, as it does when deployed.
"""

from functools import lru_cache

APIGATEWAY_V2 = r'''
variable "create" { default = true }
variable "name" { default = "" }
variable "protocol_type" { default = "HTTP" }
variable "body" { default = null }
variable "target" { default = null }
variable "route_key" { default = null }
variable "credentials_arn" { default = null }
variable "disable_execute_api_endpoint" { default = null }
variable "cors_configuration" { default = null }
variable "tags" { default = {} }
variable "create_routes_and_integrations" { default = true }
variable "routes" { default = {} }
variable "authorizers" { default = {} }
variable "create_stage" { default = true }
variable "stage_name" { default = "$default" }
variable "stage_access_log_settings" { default = {} }
variable "stage_default_route_settings" { default = null }
variable "stage_variables" { default = {} }
variable "stage_tags" { default = {} }
variable "create_domain_name" { default = true }

locals {
  is_http      = var.protocol_type == "HTTP"
  create_stage = var.create && var.create_stage
  routes       = { for k, v in var.routes : k => v if var.create && var.create_routes_and_integrations }
  # The module logs by default (stage_access_log_settings = {}: a log group it creates, JSON lines).
  default_log_format = jsonencode({
    requestId = "$context.requestId", requestTime = "$context.requestTime", routeKey = "$context.routeKey",
    status = "$context.status", integrationErrorMessage = "$context.integrationErrorMessage"
  })
}

resource "aws_apigatewayv2_api" "this" {
  count                        = var.create ? 1 : 0
  name                         = var.name
  protocol_type                = var.protocol_type
  body                         = local.is_http ? var.body : null
  target                       = local.is_http ? var.target : null
  route_key                    = local.is_http ? var.route_key : null
  credentials_arn              = local.is_http ? var.credentials_arn : null
  disable_execute_api_endpoint = var.disable_execute_api_endpoint
  tags                         = var.tags
}

resource "aws_apigatewayv2_authorizer" "this" {
  for_each                          = { for k, v in var.authorizers : k => v if var.create }
  api_id                            = aws_apigatewayv2_api.this[0].id
  authorizer_type                   = try(each.value.authorizer_type, null) != null ? each.value.authorizer_type : "REQUEST"
  authorizer_uri                    = try(each.value.authorizer_uri, null)
  authorizer_credentials_arn        = try(each.value.authorizer_credentials_arn, null)
  authorizer_payload_format_version = try(each.value.authorizer_payload_format_version, null)
  enable_simple_responses           = try(each.value.enable_simple_responses, null)
  identity_sources                  = try(each.value.identity_sources, null)
  name                              = try(each.value.name, null) != null ? each.value.name : each.key
}

resource "aws_apigatewayv2_integration" "this" {
  for_each               = local.routes
  api_id                 = aws_apigatewayv2_api.this[0].id
  integration_type       = try(each.value.integration.type, null) != null ? each.value.integration.type : "AWS_PROXY"
  integration_uri        = try(each.value.integration.uri, null)
  integration_method     = try(each.value.integration.method, null)
  integration_subtype    = try(each.value.integration.subtype, null)
  connection_type        = try(each.value.integration.connection_type, null)
  credentials_arn        = try(each.value.integration.credentials_arn, null)
  payload_format_version = try(each.value.integration.payload_format_version, null)
  timeout_milliseconds   = try(each.value.integration.timeout_milliseconds, null)
}

resource "aws_apigatewayv2_route" "this" {
  for_each           = local.routes
  api_id             = aws_apigatewayv2_api.this[0].id
  route_key          = each.key
  authorization_type = try(each.value.authorization_type, null)
  authorizer_id      = try(aws_apigatewayv2_authorizer.this[each.value.authorizer_key].id, try(each.value.authorizer_id, null))
  target             = "integrations/${aws_apigatewayv2_integration.this[each.key].id}"
}

resource "aws_apigatewayv2_stage" "this" {
  count       = local.create_stage ? 1 : 0
  api_id      = aws_apigatewayv2_api.this[0].id
  name        = var.stage_name
  auto_deploy = local.is_http ? true : null
  dynamic "access_log_settings" {
    for_each = var.stage_access_log_settings != null ? [var.stage_access_log_settings] : []
    content {
      destination_arn = try(access_log_settings.value.create_log_group, true) == false ? try(access_log_settings.value.destination_arn, null) : aws_cloudwatch_log_group.this[0].arn
      format          = try(access_log_settings.value.format, null) != null ? access_log_settings.value.format : local.default_log_format
    }
  }
  stage_variables = var.stage_variables
  tags            = merge(var.tags, var.stage_tags)
}

resource "aws_cloudwatch_log_group" "this" {
  count = local.create_stage && var.stage_access_log_settings != null && try(var.stage_access_log_settings.create_log_group, true) != false ? 1 : 0
  name  = try(var.stage_access_log_settings.log_group_name, null) != null ? var.stage_access_log_settings.log_group_name : "/aws/apigateway/${var.name}/${replace(var.stage_name, "$", "")}"
}

output "api_id" { value = try(aws_apigatewayv2_api.this[0].id, null) }
output "api_arn" { value = try(aws_apigatewayv2_api.this[0].arn, null) }
output "api_endpoint" { value = try(aws_apigatewayv2_api.this[0].api_endpoint, null) }
output "api_execution_arn" { value = try(aws_apigatewayv2_api.this[0].execution_arn, null) }
output "authorizers" { value = aws_apigatewayv2_authorizer.this }
output "integrations" { value = aws_apigatewayv2_integration.this }
output "routes" { value = aws_apigatewayv2_route.this }
output "stage_id" { value = try(aws_apigatewayv2_stage.this[0].id, null) }
output "stage_arn" { value = try(aws_apigatewayv2_stage.this[0].arn, null) }
output "stage_execution_arn" { value = try(aws_apigatewayv2_stage.this[0].execution_arn, null) }
output "stage_invoke_url" { value = try(aws_apigatewayv2_stage.this[0].invoke_url, null) }
'''

LAMBDA = r'''
variable "create" { default = true }
variable "create_function" { default = true }
variable "create_layer" { default = false }
variable "function_name" { default = "" }
variable "handler" { default = "" }
variable "runtime" { default = "" }
variable "timeout" { default = 3 }
variable "memory_size" { default = 128 }
variable "publish" { default = false }
variable "lambda_at_edge" { default = false }
variable "snap_start" { default = false }
variable "tags" { default = {} }
variable "function_tags" { default = {} }
variable "allowed_triggers" { default = {} }
variable "create_current_version_allowed_triggers" { default = true }
variable "create_unqualified_alias_allowed_triggers" { default = true }

locals {
  create   = var.create && var.create_function && !var.create_layer
  publish  = var.lambda_at_edge || var.snap_start ? true : var.publish
}

resource "aws_lambda_function" "this" {
  count         = local.create ? 1 : 0
  function_name = var.function_name
  handler       = var.handler
  runtime       = var.runtime
  timeout       = var.timeout
  memory_size   = var.memory_size
  publish       = local.publish
  tags          = merge(var.tags, var.function_tags)
}

# A permission on the current version: with publish = false that is $LATEST, which Lambda refuses
# (the module's users turn it off); it is read only for published functions.
resource "aws_lambda_permission" "current_version_triggers" {
  for_each       = { for k, v in var.allowed_triggers : k => v if local.create && local.publish && var.create_current_version_allowed_triggers }
  function_name  = aws_lambda_function.this[0].function_name
  qualifier      = aws_lambda_function.this[0].version
  statement_id   = try(each.value.statement_id, each.key)
  action         = try(each.value.action, "lambda:InvokeFunction")
  principal      = try(each.value.principal, format("%s.amazonaws.com", try(each.value.service, "")))
  source_arn     = try(each.value.source_arn, null)
  source_account = try(each.value.source_account, null)
}

resource "aws_lambda_permission" "unqualified_alias_triggers" {
  for_each       = { for k, v in var.allowed_triggers : k => v if local.create && var.create_unqualified_alias_allowed_triggers }
  function_name  = aws_lambda_function.this[0].function_name
  statement_id   = try(each.value.statement_id, each.key)
  action         = try(each.value.action, "lambda:InvokeFunction")
  principal      = try(each.value.principal, format("%s.amazonaws.com", try(each.value.service, "")))
  source_arn     = try(each.value.source_arn, null)
  source_account = try(each.value.source_account, null)
}

output "lambda_function_arn" { value = try(aws_lambda_function.this[0].arn, "") }
output "lambda_function_invoke_arn" { value = try(aws_lambda_function.this[0].invoke_arn, "") }
output "lambda_function_name" { value = try(aws_lambda_function.this[0].function_name, "") }
output "lambda_function_qualified_arn" { value = try(aws_lambda_function.this[0].qualified_arn, "") }
output "lambda_function_qualified_invoke_arn" { value = try(aws_lambda_function.this[0].qualified_invoke_arn, "") }
output "lambda_function_version" { value = try(aws_lambda_function.this[0].version, "") }
'''

_SOURCES = {"apigateway-v2": APIGATEWAY_V2, "lambda": LAMBDA}


@lru_cache(maxsize=None)
def builtin_blocks(name: str):
    from auditor.iac.hcl.parse import parse_text
    return parse_text(_SOURCES[name], f"<built-in terraform-aws-modules/{name}>")

"""Terraform REST APIs (API Gateway v1) -> the `RestApis` / `UsagePlans` snapshot dicts.

One mapping for both Terraform inputs: `auditor.iac.terraform.PlanReader` (plan JSON) and its
subclass for .tf source (`auditor.iac.hcl.mapping.SourceReader`) call `read_rest` and
`synthesize`. Maps aws_api_gateway_rest_api (with an OpenAPI `body`), _resource, _method,
_method_response, _integration, _integration_response, _deployment, _stage, _method_settings,
_authorizer, _gateway_response, _rest_api_policy and _usage_plan. A deployment with no `triggers`
(nor another value that changes with the API) is marked `RedeployOnChange: false` for AGW126: the
provider cannot see changes to the API's resources, so the stage keeps serving the old deployment.
https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/api_gateway_deployment
"""

import json

from auditor.core.arns import invoke_host, is_unresolved
from auditor.iac.openapi_rest import read_rest_body
from auditor.iac.resolve import unresolved
from auditor.iac.rest import RestDraft, root_id

REST_TYPES = ("aws_api_gateway_rest_api", "aws_api_gateway_resource", "aws_api_gateway_method",
              "aws_api_gateway_method_response", "aws_api_gateway_integration", "aws_api_gateway_integration_response",
              "aws_api_gateway_deployment", "aws_api_gateway_stage", "aws_api_gateway_method_settings",
              "aws_api_gateway_authorizer", "aws_api_gateway_gateway_response", "aws_api_gateway_rest_api_policy",
              "aws_api_gateway_usage_plan")
# Arguments that, when they reference another resource, are that attribute and nothing more
# (terraform.WHOLE_VALUE: rebuilt from the plan's configuration when unknown).
WHOLE_VALUE = {"rest_api_id", "resource_id", "parent_id", "uri", "credentials", "authorizer_credentials",
               "stage_name", "http_method", "provider_arns"}
_ID_TYPES = {"aws_api_gateway_rest_api", "aws_api_gateway_resource", "aws_api_gateway_deployment",
             "aws_api_gateway_authorizer", "aws_api_gateway_usage_plan", "aws_api_gateway_api_key",
             "aws_api_gateway_request_validator", "aws_api_gateway_vpc_link"}
# Arguments of a deployment whose change replaces it (or that carry a value computed at apply).
_REDEPLOY_ARGUMENTS = ("triggers", "description", "stage_description", "variables")


def synthesize(reader, instance, attr: str):
    """An attribute of a REST resource not known before apply, as the reader names it; None if not one."""
    s = reader.settings
    kind = instance.type
    if kind in _ID_TYPES and attr == "id":
        return instance.address
    if kind == "aws_api_gateway_rest_api":
        api_id = reader.attribute(instance, "id")
        if attr == "root_resource_id":
            return root_id(api_id)
        if attr == "execution_arn":
            return f"arn:{s.partition}:execute-api:{s.region}:{s.account}:{api_id}"
        if attr == "arn":
            return f"arn:{s.partition}:apigateway:{s.region}::/restapis/{api_id}"
    if kind == "aws_api_gateway_stage" and attr in ("stage_name", "execution_arn", "invoke_url", "id"):
        api, name = reader.value(instance, "rest_api_id"), reader.value(instance, "stage_name")
        if attr == "stage_name":
            return name if isinstance(name, str) else None
        if isinstance(api, str) and isinstance(name, str):
            if attr == "execution_arn":
                return f"arn:{s.partition}:execute-api:{s.region}:{s.account}:{api}/{name}"
            if attr == "invoke_url":
                return f"https://{invoke_host(api, s.region)}/{name}"
            return f"ags-{api}-{name}"
    if kind == "aws_api_gateway_deployment" and attr in ("execution_arn", "invoke_url"):
        api = reader.value(instance, "rest_api_id")
        name = reader.value(instance, "stage_name", "")
        if isinstance(api, str) and isinstance(name, str):
            if attr == "execution_arn":
                return f"arn:{s.partition}:execute-api:{s.region}:{s.account}:{api}/{name}"
            return f"https://{invoke_host(api, s.region)}/{name}"
    if kind == "aws_api_gateway_method" and attr == "http_method":
        value = reader.value(instance, "http_method")
        return value if isinstance(value, str) else None
    if kind == "aws_api_gateway_resource" and attr == "path":  # from the parents' path_part, when all are known
        parts, current = [], instance
        for _ in range(64):
            part, parent = reader.value(current, "path_part"), reader.value(current, "parent_id")
            if not isinstance(part, str) or is_unresolved(part) or not isinstance(parent, str):
                return None
            parts.append(part)
            if parent.endswith(":root"):
                return "/" + "/".join(reversed(parts))
            current = reader.instances.get(parent)
            if current is None or current.type != "aws_api_gateway_resource":
                return None
        return None
    return None


def _text(value, what: str):
    return value if isinstance(value, str) else unresolved(what)


def _first(value) -> dict:
    """A nested block as a plan holds it (a list of one object)."""
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return value[0]
    return value if isinstance(value, dict) else {}


def _tags(value) -> dict:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


class RestPlanReader:
    """The REST part of one Terraform read (plan or source)."""

    def __init__(self, reader):
        self.reader = reader
        self.builder = reader.builder

    def where(self, instance) -> dict:
        return self.reader.where(instance)

    def draft(self, instance) -> RestDraft:
        api_id = self.reader.value(instance, "rest_api_id")
        if not isinstance(api_id, str):
            api_id = unresolved(f"{instance.address}.rest_api_id")
        drafts = self.builder.rest_apis
        if api_id not in drafts:
            drafts[api_id] = RestDraft(api_id, {}, external=True)
        return drafts[api_id]

    def value(self, instance, attr, default=None):
        return self.reader.value(instance, attr, default)

    def read(self) -> None:
        of_type = self.reader.of_type
        for instance in of_type("aws_api_gateway_rest_api"):
            self.read_api(instance)
        for instance in of_type("aws_api_gateway_rest_api_policy"):
            draft = self.draft(instance)
            policy = self.value(instance, "policy")
            if policy is not None:
                draft.obj["policy"] = policy
        for instance in of_type("aws_api_gateway_resource"):
            draft = self.draft(instance)
            draft.add_resource(self.reader.attribute(instance, "id"), self.value(instance, "parent_id"),
                               self.value(instance, "path_part"), self.where(instance))
        methods = {}
        for instance in of_type("aws_api_gateway_method"):
            methods[self.method_key(instance)] = self.read_method(instance)
        for instance in of_type("aws_api_gateway_method_response"):
            method = methods.get(self.method_key(instance))
            status = self.value(instance, "status_code")
            if method is not None and isinstance(status, str):
                method.setdefault("methodResponses", {})[status] = {"statusCode": status}
        for instance in of_type("aws_api_gateway_integration"):
            method = methods.get(self.method_key(instance))
            if method is not None:  # located at its own block
                method["methodIntegration"] = dict(self.integration(instance), **method.get("methodIntegration", {}),
                                                   **self.where(instance))
        for instance in of_type("aws_api_gateway_integration_response"):
            method = methods.get(self.method_key(instance))
            status = self.value(instance, "status_code")
            if method is None or not isinstance(status, str):
                continue
            entry = {"statusCode": status}
            for src, dst in (("selection_pattern", "selectionPattern"), ("response_parameters", "responseParameters"),
                             ("response_templates", "responseTemplates"), ("content_handling", "contentHandling")):
                value = self.value(instance, src)
                if value not in (None, "", {}):
                    entry[dst] = value
            method.setdefault("methodIntegration", {}).setdefault("integrationResponses", {})[status] = entry
        for instance in of_type("aws_api_gateway_authorizer"):
            self.read_authorizer(instance)
        for instance in of_type("aws_api_gateway_deployment"):
            self.read_deployment(instance)
        for instance in of_type("aws_api_gateway_stage"):
            self.read_stage(instance)
        for instance in of_type("aws_api_gateway_method_settings"):
            self.read_method_settings(instance)
        for instance in of_type("aws_api_gateway_gateway_response"):
            draft = self.draft(instance)
            item = {"responseType": _text(self.value(instance, "response_type"), f"{instance.address}.response_type"),
                    "defaultResponse": False}
            for src, dst in (("status_code", "statusCode"), ("response_parameters", "responseParameters"),
                             ("response_templates", "responseTemplates")):
                value = self.value(instance, src)
                if value not in (None, "", {}):
                    item[dst] = value
            draft.add("GatewayResponses", dict(item, **self.where(instance)))
        for instance in of_type("aws_api_gateway_usage_plan"):
            self.read_usage_plan(instance)
        self.check_deployments(methods)

    def check_deployments(self, methods: dict) -> None:
        """AGW125: the methods and integrations of its API that a deployment does not depend on (depends_on,
        or a reference, e.g. in `triggers`, directly or through other resources): Terraform may create
        the deployment first, and it is then made without them (or fails: "No integration defined for method")."""
        of_api: dict[str, list] = {}
        for kind in ("aws_api_gateway_method", "aws_api_gateway_integration"):
            for instance in self.reader.of_type(kind):
                api_id = self.value(instance, "rest_api_id")
                if isinstance(api_id, str) and not is_unresolved(api_id):
                    of_api.setdefault(api_id, []).append(instance)
        graph = _Dependencies(self.reader)
        for instance in self.reader.of_type("aws_api_gateway_deployment"):
            api_id = self.value(instance, "rest_api_id")
            draft = self.builder.rest_apis.get(api_id) if isinstance(api_id, str) else None
            if draft is None or not of_api.get(api_id) or graph.unknown(instance):
                continue
            reached = graph.closure(instance)
            missing = [m for m in of_api[api_id] if m.address not in reached]
            deployment_id = self.reader.attribute(instance, "id")
            deployment = next((d for d in draft.lists["Deployments"] if d["id"] == deployment_id), None)
            if deployment is None or not missing:
                continue
            deployment["MethodsNotDependedOn"] = [
                {"Resource": m.address, "Method": "{} {}".format(*self.method_path(draft, m))
                 + (" (its integration)" if m.type == "aws_api_gateway_integration" else ""),
                 **({"Line": self.reader.lines[m.address]} if self.reader.lines.get(m.address) else {})}
                for m in missing]

    def method_path(self, draft, instance) -> tuple[str, str]:
        api, resource, verb = self.method_key(instance)
        for path, key, method in draft.method_list():
            if key == verb and (method.get("SourceLocation") or {}).get("Resource") and \
                    self.method_key_of(method) == (api, resource, verb):
                return verb, path
        return verb, "?"

    def method_key_of(self, method: dict) -> tuple | None:
        address = (method.get("SourceLocation") or {}).get("Resource")
        instance = self.reader.instances.get(address)
        return self.method_key(instance) if instance is not None else None

    def method_key(self, instance) -> tuple:
        return (str(self.value(instance, "rest_api_id")), str(self.value(instance, "resource_id")),
                str(self.value(instance, "http_method")).upper())

    # -- the API ------------------------------------------------------------------------------
    def read_api(self, instance):
        api_id = self.reader.attribute(instance, "id")
        draft = RestDraft(api_id, self.where(instance))
        self.builder.rest_apis[api_id] = draft
        self.reader.context["apis"][api_id] = instance.address
        api = draft.obj
        api["name"] = str(self.value(instance, "name", instance.name))
        endpoint = _first(self.value(instance, "endpoint_configuration"))
        if isinstance(endpoint.get("types"), list) and endpoint["types"]:
            api["endpointConfiguration"]["types"] = [str(t).upper() for t in endpoint["types"]]
        if isinstance(endpoint.get("vpc_endpoint_ids"), list):
            api["endpointConfiguration"]["vpcEndpointIds"] = endpoint["vpc_endpoint_ids"]
        for src, dst in (("policy", "policy"), ("api_key_source", "apiKeySource"),
                         ("disable_execute_api_endpoint", "disableExecuteApiEndpoint"),
                         ("binary_media_types", "binaryMediaTypes")):
            value = self.value(instance, src)
            if value not in (None, "", []):
                api[dst] = value
        api["tags"] = _tags(self.value(instance, "tags"))
        body = self.value(instance, "body")
        if isinstance(body, str) and body.strip():
            # A body known but for some values (jsonencode of an object naming an ARN known after apply) is read,
            # those values staying unresolved; only one that is not a document at all is unknown.
            try:
                document = json.loads(body)
            except json.JSONDecodeError:
                from auditor.errors import InputError
                from auditor.iac.yamlload import load_yaml_text
                try:
                    document = load_yaml_text(body, instance.address)
                    if not isinstance(document, dict) and is_unresolved(body):
                        raise InputError("not known before apply")
                except InputError as exc:  # the rest of the configuration is still audited
                    draft.resources_unknown = True
                    if is_unresolved(body):
                        self.builder.error("ReadBody", instance.address, "Unknown",
                                           "body is not known before apply; its resources and methods were not checked")
                        return
                    self.builder.error("ReadBody", instance.address, "Unreadable",
                                       f"body is neither JSON nor YAML ({exc}); its resources and methods were not checked",
                                       hint=f"{self.where(instance)['SourceLocation'].get('File')}: make the body of "
                                            f"{instance.address} an OpenAPI document (jsonencode({{...}}) or file(\"api.json\"))")
                    return
            line = self.reader.lines.get(instance.address)

            def source(line_no, pointer, kind):
                return self.builder.source(line, instance.address, {"kind": "openapi", "address": instance.address,
                                                                    "type": instance.type, "pointer": pointer})
            read_rest_body(document, draft, source, line)

    def read_method(self, instance) -> dict:
        draft = self.draft(instance)
        method = {"authorizationType": str(self.value(instance, "authorization", "NONE")).upper(),
                  "apiKeyRequired": bool(self.value(instance, "api_key_required", False))}
        for src, dst in (("authorizer_id", "authorizerId"), ("request_parameters", "requestParameters"),
                         ("authorization_scopes", "authorizationScopes"), ("operation_name", "operationName")):
            value = self.value(instance, src)
            if value not in (None, "", {}, []):
                method[dst] = value if dst != "authorizerId" or isinstance(value, str) else \
                    unresolved(f"{instance.address}.authorizer_id")
        method.update(self.where(instance))
        draft.add_method(self.value(instance, "resource_id"), self.value(instance, "http_method"), method)
        return method

    def integration(self, instance) -> dict:
        out = {}
        for src, dst in (("type", "type"), ("integration_http_method", "httpMethod"), ("uri", "uri"),
                         ("credentials", "credentials"), ("connection_type", "connectionType"),
                         ("connection_id", "connectionId"), ("request_parameters", "requestParameters"),
                         ("request_templates", "requestTemplates"), ("passthrough_behavior", "passthroughBehavior"),
                         ("content_handling", "contentHandling"), ("cache_key_parameters", "cacheKeyParameters"),
                         ("response_transfer_mode", "responseTransferMode")):
            value = self.value(instance, src)
            if value not in (None, "", {}, []):
                out[dst] = value
        for key in ("type", "httpMethod", "uri", "credentials", "connectionId"):
            if key in out and not isinstance(out[key], str):
                out[key] = unresolved(f"{instance.address}.{key}")
        for key in ("type", "httpMethod"):
            if key in out and not is_unresolved(out[key]):
                out[key] = out[key].upper()
        timeout = self.value(instance, "timeout_milliseconds")
        if isinstance(timeout, (int, float)) and not isinstance(timeout, bool):
            out["timeoutInMillis"] = int(timeout)
        return out

    # -- deployments and stages ---------------------------------------------------------------
    def read_deployment(self, instance):
        draft = self.draft(instance)
        deployment_id = self.reader.attribute(instance, "id")
        item = {"id": deployment_id}
        description = self.value(instance, "description")
        if isinstance(description, str):
            item["description"] = description
        if not self.redeploys(instance):
            item["RedeployOnChange"] = False
        draft.add("Deployments", dict(item, **self.where(instance)))
        stage_name = self.value(instance, "stage_name")
        if isinstance(stage_name, str) and stage_name:  # the (deprecated) argument makes that stage
            stage = {"stageName": stage_name, "deploymentId": deployment_id}
            variables = self.value(instance, "variables")
            if isinstance(variables, dict):
                stage["variables"] = variables
            draft.add("Stages", dict(stage, **self.where(instance)))

    def redeploys(self, instance) -> bool:
        """Does a change to the API make a new deployment? `triggers` (the documented way), a
        `replace_triggered_by`, or a description/variables computed from something that changes."""
        expressions = getattr(instance, "expressions", None) or {}
        block = getattr(getattr(instance, "values", None), "block", None)
        if block is not None:  # .tf source: read the expressions themselves
            for lifecycle in block.nested("lifecycle"):
                if "replace_triggered_by" in lifecycle.attributes:
                    return True
            if "triggers" in block.attributes:
                return True
            return any(name in block.attributes and not _constant_tree(block.attributes[name])
                       for name in _REDEPLOY_ARGUMENTS)
        if instance.unknown.get("triggers") or instance.values.get("triggers"):
            return True
        for name in _REDEPLOY_ARGUMENTS:
            expression = expressions.get(name)
            if instance.unknown.get(name) is True:
                return True
            if isinstance(expression, dict) and expression and "constant_value" not in expression:
                return True  # references or a function call: probably changes with what it names
        return False

    def read_stage(self, instance):
        draft = self.draft(instance)
        stage = {"stageName": _text(self.value(instance, "stage_name"), f"{instance.address}.stage_name")}
        deployment = self.value(instance, "deployment_id")
        if deployment not in (None, ""):
            stage["deploymentId"] = _text(deployment, f"{instance.address}.deployment_id")
        variables = self.value(instance, "variables")
        if isinstance(variables, dict):
            stage["variables"] = variables
        logs = _first(self.value(instance, "access_log_settings"))
        if logs:
            stage["accessLogSettings"] = {"destinationArn": _text(logs.get("destination_arn"),
                                                                  f"{instance.address}.access_log_settings"),
                                          "format": logs.get("format")}
        if self.value(instance, "xray_tracing_enabled") is not None:
            stage["tracingEnabled"] = bool(self.value(instance, "xray_tracing_enabled"))
        if isinstance(self.value(instance, "web_acl_arn"), str):
            stage["webAclArn"] = self.value(instance, "web_acl_arn")
        stage["tags"] = _tags(self.value(instance, "tags"))
        draft.add("Stages", dict(stage, **self.where(instance)))

    def read_method_settings(self, instance):
        draft = self.draft(instance)
        name, path = self.value(instance, "stage_name"), self.value(instance, "method_path")
        settings = _first(self.value(instance, "settings"))
        if not isinstance(name, str) or not isinstance(path, str) or not settings:
            return
        names = {"throttling_burst_limit": "throttlingBurstLimit", "throttling_rate_limit": "throttlingRateLimit",
                 "logging_level": "loggingLevel", "metrics_enabled": "metricsEnabled",
                 "data_trace_enabled": "dataTraceEnabled", "caching_enabled": "cachingEnabled"}
        converted = {names[k]: v for k, v in settings.items() if k in names and v is not None}
        resource, _, verb = path.rpartition("/")
        key = f"{resource.replace('/', '~1') if resource != '*' else '*'}/{verb}"
        for stage in draft.lists["Stages"]:
            if stage.get("stageName") == name:
                stage.setdefault("methodSettings", {})[key] = converted

    def read_authorizer(self, instance):
        draft = self.draft(instance)
        item = {"id": self.reader.attribute(instance, "id"), "name": str(self.value(instance, "name", instance.name)),
                "type": str(self.value(instance, "type", "TOKEN")).upper()}
        for src, dst in (("authorizer_uri", "authorizerUri"), ("authorizer_credentials", "authorizerCredentials"),
                         ("identity_source", "identitySource"), ("provider_arns", "providerARNs"),
                         ("identity_validation_expression", "identityValidationExpression"),
                         ("authorizer_result_ttl_in_seconds", "authorizerResultTtlInSeconds")):
            value = self.value(instance, src)
            if value not in (None, "", []):
                item[dst] = value
        if item["type"] == "TOKEN":
            item.setdefault("identitySource", "method.request.header.Authorization")  # the provider's default
        for key in ("authorizerUri", "authorizerCredentials"):
            if key in item and not isinstance(item[key], str):
                item[key] = unresolved(f"{instance.address}.{key}")
        if instance.values.get("id") is None:
            self.reader.context["authorizers"][item["id"]] = instance.address
        draft.add("Authorizers", dict(item, **self.where(instance)))

    def read_usage_plan(self, instance):
        plan = {"id": self.reader.attribute(instance, "id"), "name": str(self.value(instance, "name", instance.name)),
                "apiStages": []}
        stages = self.value(instance, "api_stages")
        configured = (getattr(instance, "expressions", None) or {}).get("api_stages")
        for index, entry in enumerate(stages if isinstance(stages, list) else []):
            if not isinstance(entry, dict):
                continue
            out = {}
            for src, dst in (("api_id", "apiId"), ("stage", "stage")):
                value = entry.get(src)
                if not isinstance(value, str):
                    value = self.nested_reference(instance, configured, index, src)
                out[dst] = value
            plan["apiStages"].append(out)
        throttle, quota = _first(self.value(instance, "throttle_settings")), _first(self.value(instance, "quota_settings"))
        if throttle:
            plan["throttle"] = {"burstLimit": throttle.get("burst_limit"), "rateLimit": throttle.get("rate_limit")}
        if quota:
            plan["quota"] = {"limit": quota.get("limit"), "offset": quota.get("offset"), "period": quota.get("period")}
        plan.update(self.where(instance))
        self.builder.usage_plans.append(plan)

    def nested_reference(self, instance, configured, index: int, field: str):
        """A nested block's argument not known at plan time, from the configuration's references."""
        blocks = configured if isinstance(configured, list) else []
        expression = blocks[index].get(field) if index < len(blocks) and isinstance(blocks[index], dict) else None
        for reference in (expression or {}).get("references") or []:
            found = self.reader.target_of(instance, reference)
            if found and found[1]:
                value = self.reader.attribute(found[0], found[1])
                if isinstance(value, str):
                    return value
        return unresolved(f"{instance.address}.api_stages.{field}")


class _Dependencies:
    """What Terraform creates before a resource: its depends_on and every resource its arguments reference,
    transitively (plan: the configuration's `depends_on` and `references`; source: the block's expressions)."""

    def __init__(self, reader):
        self.reader = reader
        self._direct: dict[str, set[str]] = {}

    def unknown(self, instance) -> bool:
        """Neither a plan's configuration nor source: the references are not known (a state file)."""
        return getattr(getattr(instance, "values", None), "block", None) is None and \
            not getattr(instance, "expressions", None) and not self.reader.config

    def _names(self, instance) -> list[str]:
        block = getattr(getattr(instance, "values", None), "block", None)
        if block is not None:
            return _tree_references(block)
        config = self.reader.plan.get("configuration") if isinstance(self.reader.plan, dict) else None
        names = []
        for expression in (instance.expressions or {}).values():
            names.extend(_expression_references(expression))
        names.extend(_config_depends_on(config, instance))
        return names

    def direct(self, instance) -> set[str]:
        if instance.address not in self._direct:
            found = set()
            for name in self._names(instance):
                found.update(i.address for i in self.reader.by_base.get(instance.module + name, ()))
            found.discard(instance.address)
            self._direct[instance.address] = found
        return self._direct[instance.address]

    def closure(self, instance) -> set[str]:
        seen: set[str] = set()
        stack = [instance]
        while stack:
            for address in self.direct(stack.pop()):
                if address not in seen:
                    seen.add(address)
                    target = self.reader.instances.get(address)
                    if target is not None:
                        stack.append(target)
        return seen


_RESOURCE_REFERENCE = None


def _resource_names(text: str) -> list[str]:
    """`aws_x.name` of each resource reference in a text (`aws_x.name.attr`, `aws_x.name[0]`)."""
    global _RESOURCE_REFERENCE
    if _RESOURCE_REFERENCE is None:
        import re
        _RESOURCE_REFERENCE = re.compile(r"(?<![A-Za-z0-9_.\-])(aws_[a-z0-9_]+\.[A-Za-z_][A-Za-z0-9_-]*)")
    return _RESOURCE_REFERENCE.findall(text)


def _tree_references(block) -> list[str]:
    from lark import Token, Tree
    names = []
    trees = list(block.attributes.values()) + [b for b in block.blocks]
    while trees:
        node = trees.pop()
        if hasattr(node, "attributes") and hasattr(node, "blocks"):  # a nested block (lifecycle, dynamic...)
            trees.extend(list(node.attributes.values()) + list(node.blocks))
            continue
        if isinstance(node, Tree):
            names.extend(_resource_names("".join(str(t) for t in node.scan_values(lambda v: isinstance(v, Token)))))
    return names


def _expression_references(expression) -> list[str]:
    names = []
    if isinstance(expression, dict):
        for reference in expression.get("references") or ():
            if isinstance(reference, str):
                names.extend(_resource_names(reference))
        for key, value in expression.items():
            if key != "references" and isinstance(value, (dict, list)):
                names.extend(_expression_references(value))
    elif isinstance(expression, list):
        for item in expression:
            names.extend(_expression_references(item))
    return names


def _config_depends_on(config, instance) -> list[str]:
    """The `depends_on` of an instance's resource in a plan's configuration (root or module)."""
    module = (config or {}).get("root_module") or {}
    rest = instance.module
    while rest.startswith("module."):
        _, _, rest = rest.partition(".")
        name, _, rest = rest.partition(".")
        module = (((module.get("module_calls") or {}).get(name) or {}).get("module")) or {}
    for resource in module.get("resources") or ():
        if isinstance(resource, dict) and resource.get("type") == instance.type and resource.get("name") == instance.name:
            return [n for d in resource.get("depends_on") or () if isinstance(d, str) for n in _resource_names(d)]
    return []


def _constant_tree(tree) -> bool:
    """Is an HCL expression a literal (no reference, interpolation or function call)?"""
    from lark import Tree
    stack = [tree]
    while stack:
        node = stack.pop()
        if not isinstance(node, Tree):
            continue
        if node.data in ("interpolation", "function_call", "get_attr", "index", "for_tuple_expr",
                         "for_object_expr", "conditional"):
            return False
        if node.data == "object_elem_key":
            continue  # `{ a = ... }`: the key is a name, not a reference
        if node.data == "identifier" and str(node.children[0]) not in ("true", "false", "null"):
            return False
        stack.extend(node.children)
    return True


def read_rest(reader) -> None:
    RestPlanReader(reader).read()

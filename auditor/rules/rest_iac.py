"""AGW125-AGW126: REST API (v1) deployments declared in infrastructure as code that may not serve what the
template declares. Only IaC readers know these (auditor.iac.cfn_rest, auditor.iac.terraform_rest mark the
deployment); a snapshot of a live API shows the deployment itself (its apiSummary) instead.
"""

from auditor.engine import Rule
from auditor.findings import Fix, Severity
from auditor.rules.common import api_resource

CFN_DEPLOYMENT_DOC = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigateway-deployment.html"
TF_DEPLOYMENT_DOC = "https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/api_gateway_deployment"


def _deployments(ctx):
    for scope in ctx.snapshot.scopes:
        for api in scope.rest_apis:
            for deployment in api.deployments or ():
                yield api, deployment


def _stages_serving(api, deployment) -> list[str]:
    return [stage.name for stage in api.stages or () if stage.deployment_id == deployment.id]


def _deployment_resource(api, deployment, stages: list[str]):
    """The stage(s) it serves name the finding; a deployment no stage serves, by its id."""
    if stages:
        return api_resource(api, stage=", ".join(stages))
    return api_resource(api, statement_id=f"deployment:{deployment.id}")


def _served_phrase(stages: list[str]) -> str:
    if not stages:
        return "the stage that uses it"
    return ("stage " if len(stages) == 1 else "stages ") + ", ".join(f"`{name}`" for name in stages)


class DeploymentBeforeMethods(Rule):
    id = "AGW125"
    name = "rest-deployment-before-methods"
    severity = Severity.MEDIUM
    title = "REST deployment does not depend on every method of its API"
    rationale = ("A deployment is a snapshot of the REST API at the moment it is created, and CloudFormation and "
                 "Terraform create resources in parallel unless one depends on another. A deployment that neither "
                 "names a method (Terraform: and its integration) in DependsOn/depends_on nor reaches it through a "
                 "chain of references (Terraform: e.g. in `triggers`) may be created before it: the deployment then "
                 "fails (\"The REST API doesn't contain any methods\", \"No integration defined for method\"), or the "
                 "stage serves a deployment without the method. AWS's documentation of AWS::ApiGateway::Deployment "
                 f"says the deployment must depend on the API's methods ({CFN_DEPLOYMENT_DOC}); the Terraform "
                 f"provider's, that it must depend on every resource, method and integration ({TF_DEPLOYMENT_DOC}).")
    client_sees = ("Probably 403 {\"message\":\"Missing Authentication Token\"} for the methods the deployment was "
                   "made without (or a failed stack, when it was made before any method).")
    fix = ("CloudFormation: add every AWS::ApiGateway::Method of the API to the deployment's DependsOn (CDK and SAM "
           "do this themselves); to publish later changes, give the deployment a new logical id whenever the methods "
           f"change ({CFN_DEPLOYMENT_DOC}). Terraform: name every aws_api_gateway_method and _integration of the API in "
           f"the deployment's `triggers` (or depends_on) ({TF_DEPLOYMENT_DOC}).")

    def check(self, ctx):
        for api, deployment in _deployments(ctx):
            missing = deployment.raw.get("MethodsNotDependedOn")
            if not isinstance(missing, list) or not missing:
                continue
            names = [str(m.get("Method") or m.get("Resource")) for m in missing if isinstance(m, dict)]
            logicals = [str(m.get("Resource")) for m in missing if isinstance(m, dict) and m.get("Resource")]
            stages = _stages_serving(api, deployment)
            shown = ", ".join(f"`{n}`" for n in names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
            where = deployment.location
            logical = where.resource or deployment.id
            yield self.finding(
                ctx, f"Deployment {deployment.id} of REST API {api.id} does not depend on method(s) {shown} "
                     f"({', '.join(logicals[:6])}): "
                     f"{'Terraform' if where.input_type == 'terraform' else 'CloudFormation'} may create it before them, and "
                     f"{_served_phrase(stages)} then probably serve(s) the API without them ("
                     + ("or the apply fails: \"No integration defined for method\")." if where.input_type == "terraform"
                        else "or the stack fails with \"The REST API doesn't contain any methods\")."),
                _deployment_resource(api, deployment, stages),
                where,
                _depends_on_fix(where, logical, logicals),
                Fix("depends-on", {"DependsOn": logicals}))


def _depends_on_fix(where, logical: str, missing: list[str]) -> str:
    at = f"{where.file}{':' + str(where.line) if where.line else ''}"
    if where.input_type == "terraform":
        return (f"{at}: in {logical}, name them in `triggers` (or depends_on):\n"
                "  triggers = {\n    redeployment = sha1(jsonencode([\n"
                + "".join(f"      {m}.id,\n" for m in missing)
                + f"    ]))\n  }}\n  (Terraform: {TF_DEPLOYMENT_DOC})")
    return (f"{at}: in resource {logical} (AWS::ApiGateway::Deployment), add\n  DependsOn:\n"
            + "".join(f"    - {m}\n" for m in missing) + f"  (AWS: {CFN_DEPLOYMENT_DOC})")


class DeploymentWithoutTriggers(Rule):
    id = "AGW126"
    name = "rest-deployment-without-triggers"
    severity = Severity.MEDIUM
    title = "REST deployment is never redeployed when the API changes (Terraform: no `triggers`)"
    rationale = ("A REST stage serves the deployment it names, not the API's current resources. Terraform cannot "
                 "see changes to the API's resources, methods and integrations as changes to an "
                 "aws_api_gateway_deployment, so without `triggers` (or another argument that changes with the API, "
                 "or `lifecycle { replace_triggered_by }`) the first deployment is kept for ever and later edits never "
                 f"go live. The provider's documentation recommends `triggers` with `create_before_destroy`: {TF_DEPLOYMENT_DOC}")
    client_sees = ("After a later `terraform apply`, clients still get the old API: probably 403 "
                   "{\"message\":\"Missing Authentication Token\"} for methods added since, and the old integration "
                   "for methods changed since.")
    fix = ("Give the deployment `triggers = { redeployment = sha1(jsonencode([...the API's resources, methods and "
           "integrations, or its body...])) }` and `lifecycle { create_before_destroy = true }`. "
           f"See {TF_DEPLOYMENT_DOC}")

    def check(self, ctx):
        for api, deployment in _deployments(ctx):
            if deployment.raw.get("RedeployOnChange") is not False:
                continue
            stages = _stages_serving(api, deployment)
            where = deployment.location
            address = where.resource or deployment.id
            yield self.finding(
                ctx, f"Deployment {address} of REST API {api.id} has no `triggers` (nor another argument that "
                     f"changes with the API): Terraform never replaces it, so {_served_phrase(stages)} keep(s) serving "
                     "the API as first deployed and later changes to its methods and integrations probably never go live.",
                _deployment_resource(api, deployment, stages),
                where,
                f"{where.file}{':' + str(where.line) if where.line else ''}: in {address}, add\n"
                "  triggers = {\n    redeployment = sha1(jsonencode([\n"
                "      # every aws_api_gateway_resource/_method/_integration of the API (their .id), or the rest_api's body\n"
                "    ]))\n  }\n  lifecycle {\n    create_before_destroy = true\n  }\n"
                f"  (Terraform: {TF_DEPLOYMENT_DOC})",
                Fix("triggers", {}))

"""AGW210: a role API Gateway is told to assume, whose trust policy does not let it.

`explain` asks `untrusted_role` too, so audit and explain give the same verdict.
"""

import json

from auditor.core.arns import is_unresolved
from auditor.engine import Rule
from auditor.findings import Fix, Severity
from auditor.core.model import Role
from auditor.core.policy import ALLOW_APIGATEWAY_ASSUME, TrustVerdict, service_may_assume
from auditor.rules.common import api_resource, integration_resource, q, routes_phrase

def untrusted_role(roles: dict[str, Role], arn: str | None) -> tuple[Role, TrustVerdict] | None:
    """The role (and why) when API Gateway cannot assume the role `arn` names; None when it can, or
    when the role is not in the input or its trust policy is beyond what we model (unknown is not wrong)."""
    if not arn or is_unresolved(arn):
        return None
    role = roles.get(arn)
    if role is None:
        return None
    verdict = service_may_assume(role.trust)
    return (role, verdict) if verdict.admits is False else None


def fixed_trust_policy(role: Role, verdict: TrustVerdict) -> dict:
    """The role's trust policy with its refusing Deny statements dropped and an Allow for API Gateway added."""
    kept = [s for index, s in enumerate(role.trust) if index not in verdict.blocking]
    return {"Version": "2012-10-17", "Statement": kept + [ALLOW_APIGATEWAY_ASSUME]}


class CredentialsRoleUntrusted(Rule):
    id = "AGW210"
    name = "credentials-role-untrusted"
    severity = Severity.HIGH
    title = "API Gateway cannot assume the credentials role"
    rationale = ("An integration's CredentialsArn and a Lambda authorizer's AuthorizerCredentialsArn (SAM: "
                 "FunctionInvokeRole) name a role API Gateway assumes (sts:AssumeRole) for each call. IAM lets it "
                 "only when the role's trust policy allows the service principal apigateway.amazonaws.com; a role "
                 "made for Lambda (lambda.amazonaws.com) does not, and the call fails before the backend or "
                 "authorizer runs. A role missing from the input is not judged.")
    client_sees = 'Requests to the routes using the integration or authorizer get 500 {"message":"Internal Server Error"}.'
    fix = ("Add a trust statement allowing apigateway.amazonaws.com sts:AssumeRole to the role "
           "(aws iam update-assume-role-policy), or name a role that has one.")

    def check(self, ctx):
        roles = ctx.index.roles
        if not roles:
            return
        for api in (*ctx.v2_apis, *ctx.rest_apis):
            for integration in api.integrations:
                found = untrusted_role(roles, integration.credentials_arn)
                if found is None:
                    continue
                routes = ctx.index.routes_to(integration)
                if not routes:
                    continue  # nothing calls it (AGW401 says so)
                who = f"The integration of method `{integration.id}`" if api.is_rest else f"Integration {integration.id}"
                yield self._finding(ctx, found, who, routes_phrase(routes),
                                    integration_resource(integration), api.is_rest)
            for authorizer in api.authorizers:
                found = untrusted_role(roles, authorizer.credentials_arn)
                if found is None:
                    continue
                routes = [r for r in api.routes if r.authorizer_id == authorizer.id and r.authorization_type == "CUSTOM"]
                if not routes:
                    continue  # no route uses the authorizer
                yield self._finding(ctx, found, f"Authorizer {authorizer.name or authorizer.id}",
                                    routes_phrase(routes), api_resource(api, authorizer_id=authorizer.id), api.is_rest)

    def _finding(self, ctx, found: tuple[Role, TrustVerdict], who: str, routes: str, resource, rest: bool = False):
        role, verdict = found
        body = '{"message": "Internal server error"}' if rest else '{"message":"Internal Server Error"}'
        policy = fixed_trust_policy(role, verdict)
        command = (f"aws iam update-assume-role-policy --role-name {q(role.name)} --policy-document "
                   f"{q(json.dumps(policy, separators=(',', ':')))}")
        return self.finding(
            ctx, f"{who} calls through role {role.name} ({role.arn}), but {verdict.reason}: API Gateway cannot "
                 f"assume it, so requests to {routes} get 500 {body}.",
            resource, role.location, command, Fix("set", {"AssumeRolePolicyDocument": policy}))


"""A third-party rule package, as an organisation would publish one."""

from auditor.engine import Rule
from auditor.findings import Severity
from auditor.rules.common import route_resource


class NoDefaultRoute(Rule):
    id = "HOUSE001"
    name = "no-default-route"
    severity = Severity.HIGH
    title = "House rule: no $default catch-all routes"
    rationale = "Our APIs list their routes explicitly."
    client_sees = "Unlisted paths reach the function."
    fix = "Delete the $default route."

    def check(self, ctx):
        for api in ctx.http_apis:
            for route in api.routes:
                if route.key == "$default":
                    yield self.finding(ctx, f"API {api.id} has a $default route.", route_resource(route),
                                       route.location, f"aws apigatewayv2 delete-route --api-id {api.id} --route-id {route.id}")


RULES = [NoDefaultRoute]

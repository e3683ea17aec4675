"""Finding -> edits for REST APIs: patch operations on the API, method or integration, then the deployment
that takes the change live on each serving stage (auditor.fix.rest_edits)."""

import json

from auditor.fix.rest_edits import (CreateRestDeployment, CreateUsagePlan, PatchRest, PutDefaultResponse,
                                    redeployments)

# Rules whose fix is the function's (a permission, a trust policy, a function timeout): the shared handlers.
_SHARED = {"AGW201", "AGW202", "AGW203", "AGW204", "AGW205", "AGW210", "AGW301", "AGW302", "AGW303", "AGW402"}


class RestFixes:
    """Mixed into fix.derive.Planner."""

    def rest_api(self, resource):
        if not self.index.rest_apis or not resource.api_id:
            return None
        if getattr(self, "_rest_apis", None) is None:
            self._rest_apis = {(a.scope.account, a.scope.region, a.id): a for a in self.index.rest_apis}
        return self._rest_apis.get((resource.account, resource.region, resource.api_id))

    def derive_rest(self, finding, api):
        if finding.fix is None or finding.fix.action == "review":
            return None
        handler = getattr(self, "rest_" + finding.rule_id, None)
        if handler is not None:
            return handler(finding, api)
        if finding.rule_id in _SHARED:
            return getattr(self, "fix_" + finding.rule_id)(finding)
        return None

    def _method(self, api, finding):
        return next((m for m in api.methods if m.key == finding.resource.route_key), None)

    def _patch(self, api, finding, what: str, values: dict):
        method = self._method(api, finding)
        if method is None or method.integration is None and what == "integration":
            return None
        base = self._base(api)
        location = method.integration.location if what == "integration" else method.location
        return [PatchRest(**base, location=location, api_id=api.id, what=what, resource_id=method.resource.id,
                          verb=method.verb, patches=values)] + redeployments(api, base)

    def rest_AGW113(self, finding, api):
        uri = finding.fix.details.get("uri", "")
        return None if "<" in uri else self._patch(api, finding, "integration", {"/uri": uri})

    def rest_AGW115(self, finding, api):
        if finding.fix.action == "set-function":
            return self.fix_AGW115(finding)
        return self._patch(api, finding, "integration", {"/timeoutInMillis": finding.fix.details["TimeoutInMillis"]})

    def rest_AGW120(self, finding, api):
        return self._patch(api, finding, "integration", {"/httpMethod": "POST"})

    def rest_AGW121(self, finding, api):
        method = self._method(api, finding)
        if method is None:
            return None
        base = self._base(api)
        return [PutDefaultResponse(**base, location=method.integration.location, api_id=api.id,
                                   resource_id=method.resource.id, verb=method.verb)] + redeployments(api, base)

    def rest_AGW122(self, finding, api):
        return [CreateUsagePlan(**self._base(api), location=api.location, api_id=api.id, stage=finding.resource.stage)]

    def rest_AGW123(self, finding, api):
        return [CreateRestDeployment(**self._base(api), location=api.location, api_id=api.id,
                                     stage=finding.resource.stage)]

    def rest_AGW220(self, finding, api):
        policy = finding.fix.details.get("policy")
        if not isinstance(policy, dict) or "<vpce-id>" in json.dumps(policy):
            return None  # the VPC endpoint is the user's to name
        base = self._base(api)
        return [PatchRest(**base, location=api.location, api_id=api.id, what="api",
                          patches={"/policy": json.dumps(policy, separators=(",", ":"))})] + redeployments(api, base)

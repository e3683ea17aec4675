"""Edits of REST APIs (API Gateway v1): `aws apigateway` patch operations, and the new deployment a change
needs before any stage serves it (a REST stage serves the deployment it names, not the API as it is now)."""

import json
from dataclasses import dataclass, field

from auditor.fix.edits import Edit, _jmes, _tolerating
from auditor.rules.common import patch, q


def find_rest_api(documents, account: str, region: str, api_id: str) -> dict | None:
    for _, document in documents:
        for scope in document["Scopes"]:
            if scope.get("AccountId") == account and scope.get("Region") == region:
                for api in scope.get("RestApis") or ():
                    if api.get("id") == api_id:
                        return api
    return None


def _rest(command: str, api_id: str, region: str, *args: str) -> str:
    return " ".join(["aws apigateway", command, "--rest-api-id", q(api_id), *args, "--region", q(region)])


@dataclass(eq=False, repr=False)
class PatchRest(Edit):
    """Replace values of a REST API (`what` "api"), a method or its integration: path -> value."""

    api_id: str = ""
    what: str = "integration"  # "api", "method" or "integration"
    resource_id: str = ""
    verb: str = ""
    patches: dict = field(default_factory=dict)  # patch path ("/httpMethod") -> value (not `values`: no template field names)
    kind = "set-rest"

    def touches(self) -> set:
        return {("rest", self.api_id, self.what, self.resource_id, self.verb)}

    def _target(self, documents) -> dict | None:
        api = find_rest_api(documents, self.account, self.region, self.api_id)
        if api is None or self.what == "api":
            return api
        for resource in api.get("Resources") or ():
            if resource.get("id") == self.resource_id:
                method = (resource.get("resourceMethods") or {}).get(self.verb)
                if method is None:
                    return None
                return method if self.what == "method" else method.setdefault("methodIntegration", {})
        return None

    def apply(self, documents) -> None:
        target = self._target(documents)
        if target is None:
            return
        for path, value in self.patches.items():
            key = path.strip("/")
            target[key] = int(value) if key == "timeoutInMillis" else value

    # script_commands: the plain commands. A `replace` patch sets a value, so a rerun writes the same value again and
    # changes nothing (AWS's update-* calls are not additive for these paths).

    def commands(self) -> list[str]:
        pairs = [(path, value if isinstance(value, str) else json.dumps(value)) for path, value in self.patches.items()]
        if self.what == "api":
            return [_rest("update-rest-api", self.api_id, self.region, patch(*pairs))]
        return [_rest(f"update-{self.what}", self.api_id, self.region, "--resource-id", q(self.resource_id),
                      "--http-method", q(self.verb), patch(*pairs))]

    def summary(self) -> str:
        said = ", ".join(f"{path.strip('/')} {value if len(str(value)) < 60 else '(a policy)'}"
                         for path, value in self.patches.items())
        where = f"REST API {self.api_id}" if self.what == "api" else \
            f"{self.what} of {self.verb} (resource {self.resource_id}) of REST API {self.api_id}"
        return f"{where}: set {said}"


@dataclass(eq=False, repr=False)
class PutDefaultResponse(Edit):
    """A default (no selection pattern) 200 integration response, with its 200 method response, on a non-proxy
    integration (AGW121)."""

    api_id: str = ""
    resource_id: str = ""
    verb: str = ""
    kind = "set-rest"

    def touches(self) -> set:
        return {("rest", self.api_id, "integration", self.resource_id, self.verb)}

    def apply(self, documents) -> None:
        api = find_rest_api(documents, self.account, self.region, self.api_id)
        for resource in (api or {}).get("Resources") or ():
            method = (resource.get("resourceMethods") or {}).get(self.verb) if resource.get("id") == self.resource_id \
                else None
            if method is not None:
                method.setdefault("methodResponses", {}).setdefault("200", {"statusCode": "200"})
                integration = method.setdefault("methodIntegration", {})
                if not isinstance(integration.get("integrationResponses"), dict):
                    integration["integrationResponses"] = {}
                integration["integrationResponses"]["200"] = {"statusCode": "200", "selectionPattern": ""}

    def commands(self) -> list[str]:
        where = ("--resource-id", q(self.resource_id), "--http-method", q(self.verb), "--status-code 200")
        return [_rest("put-method-response", self.api_id, self.region, *where) + " 2>/dev/null || true",
                _rest("put-integration-response", self.api_id, self.region, *where, "--selection-pattern", q(""))]

    def script_commands(self) -> list[str]:
        """The method response is created once (a second PutMethodResponse may answer ConflictException: it is
        there); PutIntegrationResponse is a PUT of the whole response, so a rerun writes the same one again."""
        method_response, integration_response = self.commands()
        method_response = method_response.removesuffix(" 2>/dev/null || true")
        return [_tolerating(method_response, "ConflictException", f"method response 200 of {self.verb} "
                                                                  f"(resource {self.resource_id}): there already"),
                integration_response]

    def summary(self) -> str:
        return f"integration of {self.verb} (resource {self.resource_id}) of REST API {self.api_id}: a default 200 response"


def _summary_of(api: dict) -> dict:
    """The apiSummary a deployment made now would have: every current method."""
    return {r.get("path"): {verb: {"authorizationType": m.get("authorizationType", "NONE"),
                                   "apiKeyRequired": bool(m.get("apiKeyRequired"))}
                            for verb, m in (r.get("resourceMethods") or {}).items() if isinstance(m, dict)}
            for r in api.get("Resources") or () if isinstance(r, dict)}


@dataclass(eq=False, repr=False)
class CreateRestDeployment(Edit):
    """A new deployment of the API as it is (after the plan's other changes) to one stage."""

    api_id: str = ""
    stage: str = ""
    kind = "create-deployment"

    def touches(self) -> set:
        return {("rest-stage", self.api_id, self.stage)}

    def key(self) -> tuple:
        return (self.kind, self.account, self.region, self.api_id, self.stage)

    def apply(self, documents) -> None:
        api = find_rest_api(documents, self.account, self.region, self.api_id)
        if api is None:
            return
        new_id = f"planned-{self.stage}"
        deployments = [d for d in api.get("Deployments") or () if d.get("id") != new_id]
        deployments.append({"id": new_id, "apiSummary": _summary_of(api)})
        if api.get("Deployments") is not None:
            api["Deployments"] = deployments
        for stage in api.get("Stages") or ():
            if stage.get("stageName") == self.stage:
                stage["deploymentId"] = new_id

    def commands(self) -> list[str]:
        return [_rest("create-deployment", self.api_id, self.region, "--stage-name", q(self.stage))]

    def script_commands(self) -> list[str]:
        """Not guarded: whether the stage serves the API as it is now cannot be read from AWS, and a step before
        may have changed it in a run that then stopped. A rerun makes one more deployment of the same API:
        the stage serves what it served (a new deployment id, the same methods), nothing else changes."""
        return ["# (repeatable: a rerun deploys the same API again, a new deployment id and nothing else)",
                *self.commands()]

    def summary(self) -> str:
        return f"REST API {self.api_id}: deploy it again to stage {self.stage}"


@dataclass(eq=False, repr=False)
class CreateUsagePlan(Edit):
    api_id: str = ""
    stage: str = ""
    kind = "create-usage-plan"

    def touches(self) -> set:
        return {("usage-plan", self.api_id, self.stage)}

    def apply(self, documents) -> None:
        for _, document in documents:
            for scope in document["Scopes"]:
                if scope.get("AccountId") == self.account and scope.get("Region") == self.region:
                    scope.setdefault("UsagePlans", []).append(
                        {"id": f"planned-{self.api_id}-{self.stage}", "name": f"{self.api_id}-{self.stage}",
                         "apiStages": [{"apiId": self.api_id, "stage": self.stage}]})
                    return

    _KEYS = ("# then give clients keys: aws apigateway create-usage-plan-key --usage-plan-id <plan-id> "
             "--key-id <api-key-id> --key-type API_KEY")

    def _create(self) -> str:
        return (f"aws apigateway create-usage-plan --name {q(self.api_id + '-' + self.stage)} --api-stages "
                f"{q(f'apiId={self.api_id},stage={self.stage}')} --region {q(self.region)}")

    def commands(self) -> list[str]:
        return [f"{self._create()}  {self._KEYS}"]

    def script_commands(self) -> list[str]:
        """Created only while no usage plan serves the stage (the first run's, or one a person made since): a
        second plan on the stage would change nothing for AGW122 and leave a duplicate to clean up."""
        serving = (f"length(items[?apiStages[?apiId=={_jmes(self.api_id)} && stage=={_jmes(self.stage)}]] "
                   "|| `[]`)")
        count = f"aws apigateway get-usage-plans --region {q(self.region)} --query {q(serving)} --output text"
        return [f'if [ "$({count})" = 0 ]; then {self._create()} >/dev/null; fi', self._KEYS]

    def summary(self) -> str:
        return f"REST API {self.api_id}: a usage plan for stage {self.stage}"


def redeployments(api, base: dict, stages: list[str] | None = None) -> list[CreateRestDeployment]:
    """The deployments that take a change of `api` (the model's RestApi) live on its serving stages."""
    names = stages or [s.name for s in api.stages if s.serves]
    return [CreateRestDeployment(**base, location=api.location, api_id=api.id, stage=name) for name in names]

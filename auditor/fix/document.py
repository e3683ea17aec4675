"""The model as snapshot documents again: the planner edits a copy and reads it back with the snapshot reader."""

import copy

from auditor.core.model import Snapshot
from auditor.snapshot import merge, read_snapshot_document


def documents_of(snapshot: Snapshot) -> list[tuple[str, dict]]:
    """One deep-copied document per input file, scopes in their original order (JSON paths stay valid)."""
    by_file: dict[str, dict] = {}
    for scope in snapshot.scopes:
        file = scope.location.file if scope.location else "<input>"
        document = by_file.setdefault(file, {"SnapshotVersion": 1, "Scopes": []})
        raw = {"AccountId": scope.account, "Region": scope.region, "Complete": scope.complete,
               "Apis": [api.raw for api in scope.apis], "Functions": [f.raw for f in scope.functions]}
        if scope.rest_collected:  # REST APIs (v1) and their usage plans: edited like the rest
            raw["RestApis"] = [api.raw for api in scope.rest_apis]
        if scope.usage_plans is not None:
            raw["UsagePlans"] = [plan.raw for plan in scope.usage_plans]
        if scope.roles:  # credentials roles: their trust is judged (AGW210) and edited like the rest
            raw["Roles"] = [role.raw for role in scope.roles]
        if scope.errors:
            raw["Errors"] = [{"Operation": e.operation, "Resource": e.resource, "Code": e.code, "Message": e.message}
                             for e in scope.errors]
        document["Scopes"].append(raw)
    return [(file, copy.deepcopy(document)) for file, document in by_file.items()]


def read_documents(documents: list[tuple[str, dict]]) -> Snapshot:
    return merge([read_snapshot_document(document, file) for file, document in documents])


def find_scope(documents, account: str, region: str) -> dict | None:
    for _, document in documents:
        for scope in document["Scopes"]:
            if scope.get("AccountId") == account and scope.get("Region") == region:
                return scope
    return None


def find_api(documents, account: str, region: str, api_id: str) -> dict | None:
    for _, document in documents:
        for scope in document["Scopes"]:
            if scope.get("AccountId") == account and scope.get("Region") == region:
                for api in scope.get("Apis") or ():
                    if api.get("ApiId") == api_id:
                        return api
    return None


def find_function(documents, arn: str) -> dict | None:
    for _, document in documents:
        for scope in document["Scopes"]:
            for function in scope.get("Functions") or ():
                if function.get("FunctionArn") == arn:
                    return function
    return None


def find_role(documents, arn: str) -> dict | None:
    for _, document in documents:
        for scope in document["Scopes"]:
            for role in scope.get("Roles") or ():
                if role.get("Arn") == arn:
                    return role
    return None

"""A folder of `aws apigateway get-*` outputs audits like the snapshot it describes."""

import json

from tests.rest.conftest import found
from tests.rest.estate import FN, fresh, policy, rest_api


def _folder(tmp_path, doc):
    api = rest_api(doc)
    folder = tmp_path / "outputs"
    (folder / "pets-api").mkdir(parents=True)
    (folder / "fn").mkdir()
    head = {k: v for k, v in api.items() if k[0].islower()}
    (folder / "pets-api" / "get-rest-api.json").write_text(json.dumps(head, indent=2))
    (folder / "pets-api" / "get-resources.json").write_text(json.dumps({"items": api["Resources"]}, indent=2))
    (folder / "pets-api" / "get-stages.json").write_text(json.dumps({"item": api["Stages"]}, indent=2))
    (folder / "pets-api" / "get-deployments.json").write_text(json.dumps({"items": api["Deployments"]}, indent=2))
    (folder / "pets-api" / "get-usage-plans.json").write_text(json.dumps({"items": []}))
    (folder / "fn" / "get-function-configuration.json").write_text(json.dumps(
        {"FunctionArn": FN, "FunctionName": "pets", "Runtime": "python3.12", "Timeout": 10}))
    (folder / "fn" / "get-policy.json").write_text(json.dumps({"Policy": json.dumps(policy(doc)), "RevisionId": "1"}))
    return folder


def test_cli_folder_of_a_correct_rest_api_audits_clean(tmp_path, capsys):
    from tests.seed import audit_document  # noqa: F401
    from auditor.cli import main
    folder = _folder(tmp_path, fresh())
    assert main(["audit", str(folder), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["summary"]["apis"] == 1 and not report["findings"]


def test_cli_folder_finding_points_at_the_resources_file(tmp_path, capsys):
    from auditor.cli import main
    doc = fresh()
    rest_api(doc)["Resources"][1]["resourceMethods"]["GET"]["methodIntegration"]["httpMethod"] = "GET"
    folder = _folder(tmp_path, doc)
    assert main(["audit", str(folder), "--format", "json"]) == 1
    [finding] = found(json.loads(capsys.readouterr().out), "AGW120")
    assert finding["location"]["file"].endswith("get-resources.json") and finding["location"]["line"] > 1

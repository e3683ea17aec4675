"""A new user's first hour: no input dropped or overwritten silently, no typo'd region or empty input that
passes, no template CloudFormation would reject audited as fine, no option advertised and refused (issue 20)."""

import json
import shutil

import pytest

from auditor.cli import main
from tests.fuzz.hostile import ROOT, SEED

TEMPLATE = ROOT / "examples" / "iac" / "seed-broken.cfn.yaml"
TERRAFORM = ROOT / "tests" / "fix" / "fixtures" / "seed.tf"


def findings(capsys, *args) -> list[dict]:
    main(["audit", *map(str, args), "--format", "json", "--fail-on", "never"])
    return json.loads(capsys.readouterr().out)["findings"]


def test_a_mixed_folder_audits_every_input_it_holds(tmp_path, capsys):
    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copy(SEED, folder / "snap.json")
    shutil.copy(TEMPLATE, folder / "template.yaml")
    shutil.copy(TERRAFORM, folder / "main.tf")
    (folder / "README.md").write_text("# my API\n")
    alone = {name: {f["fingerprint"] + (f["location"] or {}).get("file", "").rsplit("/", 1)[-1]
                    for f in findings(capsys, folder / name)} for name in ("snap.json", "template.yaml", "main.tf")}
    together = findings(capsys, folder)
    got = {f["fingerprint"] + (f["location"] or {}).get("file", "").rsplit("/", 1)[-1] for f in together}
    assert got == set().union(*alone.values())  # was: main.tf's 4 findings only, the snapshot's dropped
    assert len(together) == sum(map(len, alone.values()))


def test_a_folder_of_templates_is_read_not_refused(tmp_path, capsys):
    shutil.copy(TEMPLATE, tmp_path / "template.yaml")
    assert len(findings(capsys, tmp_path)) == len(findings(capsys, tmp_path / "template.yaml")) > 0


def test_baseline_create_never_replaces_an_input_given_first(tmp_path, capsys):
    snapshot = tmp_path / "snap.json"
    shutil.copy(SEED, snapshot)
    before = snapshot.read_bytes()
    assert main(["baseline", "create", str(snapshot), str(ROOT / "examples" / "seed-correct.json")]) == 2
    assert snapshot.read_bytes() == before  # was: replaced by a baseline
    assert "not an apigw-auditor baseline" in capsys.readouterr().err
    baseline = tmp_path / "baseline.json"
    assert main(["baseline", "create", str(baseline), str(snapshot)]) == 0
    assert main(["baseline", "create", str(baseline), str(snapshot)]) == 0  # a baseline is replaced, as before


@pytest.mark.parametrize("command", [
    ["audit", str(TEMPLATE), "--region", "us-east1"],
    ["explain", str(TEMPLATE), "--region", "us-east1", "GET", "/items"],
    ["routes", str(TEMPLATE), "--region", "us-east1"],
    ["graph", str(TEMPLATE), "--region", "us-east1"],
    ["snapshot", "--region", "us-east1"],
    ["audit", "--live", "--region", "us-eest-1"],
])
def test_an_unknown_region_is_an_error_everywhere(command, capsys):
    assert main(command) == 2
    err = capsys.readouterr().err
    assert "is not a region" in err and "did you mean us-" in err  # and the closest known one is suggested


def test_a_known_region_of_another_partition_is_accepted(capsys):
    assert main(["audit", str(TEMPLATE), "--region", "cn-north-1", "--fail-on", "never", "--quiet"]) == 0


def test_nothing_audited_is_an_error_unless_allowed(tmp_path, capsys):
    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps({"SnapshotVersion": 1, "Scopes": [
        {"AccountId": "123456789012", "Region": "us-east-1", "Complete": True, "Apis": [], "Functions": []}]}))
    assert main(["audit", str(empty)]) == 2  # was: 0, "passed"
    assert "nothing was audited" in capsys.readouterr().err
    assert main(["audit", str(empty), "--allow-empty"]) == 0


def test_a_sub_naming_an_undefined_resource_is_reported(tmp_path, capsys):
    correct = (ROOT / "examples" / "iac" / "seed-correct.cfn.yaml").read_text()
    assert "integrations/${ItemsIntegration}" in correct
    broken = tmp_path / "template.yaml"
    broken.write_text(correct.replace("integrations/${ItemsIntegration}", "integrations/${ItemsIntegraton}", 1))
    assert main(["audit", str(broken), "--quiet"]) == 1  # was: 0 (CloudFormation rejects the template)
    capsys.readouterr()
    undefined = [f for f in findings(capsys, broken) if "ItemsIntegraton" in f["message"] and f["rule_id"] == "AGW000"
                 and f["severity"] == "medium"]
    assert undefined
    for kind, text in (("Ref", "!Ref NoSuchParameter"), ("GetAtt", "!GetAtt NoSuchResource.Arn")):
        other = tmp_path / f"{kind}.yaml"
        other.write_text(correct + f"Outputs:\n  X:\n    Value: {text}\n")
        assert any(f["severity"] == "medium" and "NoSuch" in f["message"] for f in findings(capsys, other)), kind


@pytest.mark.parametrize("name", ["seed-correct.cfn.yaml", "seed-correct.sam.yaml", "seed-broken.cfn.yaml"])
def test_defined_references_are_not_reported(name, capsys):
    assert not [f for f in findings(capsys, ROOT / "examples" / "iac" / name) if "UndefinedReference" in f["message"]]


def test_fix_advertises_only_what_it_takes(capsys):
    with pytest.raises(SystemExit):
        main(["fix", "--help"])
    text = capsys.readouterr().out
    assert "--format" not in text and "FORMAT=" not in text  # was: advertised, then refused
    assert "--output FILE" in text


def test_terraform_variables_reach_explain_routes_and_graph(tmp_path, capsys):
    source = tmp_path / "main.tf"
    source.write_text(TERRAFORM.read_text().replace('route_key = "POST /items"', "route_key = var.route_key")
                      + '\nvariable "route_key" {\n  type = string\n}\n')
    assert main(["routes", str(source), "--var", "route_key=PUT /things"]) in (0, 1)
    assert "PUT /things" in capsys.readouterr().out
    values = tmp_path / "values.tfvars"
    values.write_text('route_key = "PATCH /things"\n')
    assert main(["explain", str(source), "--var-file", str(values), "PATCH", "/things"]) in (0, 1)
    assert "PATCH /things" in capsys.readouterr().out
    assert main(["graph", str(source), "--var", "route_key=PUT /things"]) in (0, 1)
    assert "PUT /things" in capsys.readouterr().out


def test_graph_format_takes_any_case(capsys):
    assert main(["graph", str(SEED), "--format", "DOT"]) in (0, 1)  # was: exit 2, invalid choice
    assert capsys.readouterr().out.startswith("digraph")

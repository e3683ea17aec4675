"""Terraform values known only after apply keep their identity (issue 22, item 5): a function named
`items-${random_string.suffix.result}`, another module instance's `api_execution_arn`, a jsonencode() body
holding one unknown value. The same unknown names the same thing, so the mistakes are found instead of
an AGW000 "not checked"."""

import json
import shutil
from pathlib import Path

import pytest

from auditor.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "unknowns"


def audit(capsys, path):
    capsys.readouterr()
    code = main(["audit", str(path), "--format", "json"])
    assert code in (0, 1)
    return json.loads(capsys.readouterr().out)["findings"]


def rules(findings, at_least="low"):
    order = ["info", "low", "medium", "high", "critical"]
    return {f["rule_id"] for f in findings if order.index(f["severity"]) >= order.index(at_least)}


@pytest.mark.parametrize("suffix", ["random_string.suffix.result", "random_uuid.suffix.result",
                                    "random_pet.suffix.id"])
def test_a_missing_permission_behind_a_random_suffix_is_found(capsys, tmp_path, suffix):
    folder = tmp_path / "tf"
    shutil.copytree(FIXTURES / "random-no-permission", folder)
    main_tf = folder / "main.tf"
    kind = suffix.split(".")[0]
    main_tf.write_text(main_tf.read_text().replace("random_string.suffix.result", suffix)
                       .replace('resource "random_string" "suffix"', f'resource "{kind}" "suffix"'))
    findings = audit(capsys, folder)
    assert {"AGW201", "AGW115"} <= rules(findings)
    assert not [f for f in findings if f["rule_id"] == "AGW000"]


def test_the_same_unknown_name_in_the_permission_is_a_grant(capsys):
    findings = audit(capsys, FIXTURES / "random-correct")
    assert not rules(findings, "medium") and "AGW000" not in rules(findings, "info")


def test_a_permission_naming_another_module_instance_is_found(capsys):
    findings = audit(capsys, FIXTURES / "module-other-instance")
    [mismatch] = [f for f in findings if f["rule_id"] == "AGW202"]
    assert 'module.api["b"]' in mismatch["message"] and 'module.api["a"]' in mismatch["message"]
    assert "AGW000" not in rules(findings, "info")


def test_a_jsonencode_body_with_one_unknown_value_is_read(capsys):
    findings = audit(capsys, FIXTURES / "jsonencode-body")
    assert {"AGW201", "AGW115"} <= rules(findings)
    assert not [f for f in findings if f["rule_id"] == "AGW000"]

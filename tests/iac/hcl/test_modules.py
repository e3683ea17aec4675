"""Modules: the community modules known built in (same rule ids as the plain-resource forms), local
modules evaluated with their inputs, variables from terraform.tfvars and --var, and modules that
cannot be read reported by AGW000 instead of guessed."""

import shutil
from pathlib import Path

import pytest

from tests.iac.conftest import audit_json, rule_ids
from tests.iac.hcl.test_seed_source import CASES, block_line

HERE = Path(__file__).parent / "fixtures"
COMMUNITY = {"correct": HERE / "community-correct", "payload-v1": HERE / "community-payload-default.tf",
             "missing-permission": HERE / "community-no-trigger.tf"}


@pytest.mark.parametrize("case", sorted(COMMUNITY))
def test_community_modules_give_the_rule_ids_of_the_plain_resources(case):
    plain = rule_ids(audit_json(CASES[case]))
    report = audit_json(COMMUNITY[case])
    # The module gives its stage access logs by default (stage_access_log_settings = {}): no AGW305.
    assert rule_ids(report) == plain - {"AGW305"}
    path = COMMUNITY[case] / "main.tf" if COMMUNITY[case].is_dir() else COMMUNITY[case]
    # Resources made by a module the user does not own point at the user's module block.
    lines = {(f["location"]["file"], f["location"]["line"]) for f in report["findings"]}
    assert lines == {(str(path), block_line(path, 'module "api"'))}


def test_community_permission_naming_another_api_is_a_high_finding():
    report = audit_json(HERE / "community-wrong-api.tf")
    assert "AGW202" in rule_ids(report)
    assert all(f["severity"] in ("low", "info") for f in report["findings"] if f["rule_id"] != "AGW202")


def test_old_apigateway_module_major_is_reported_not_read(tmp_path):
    text = (HERE / "community-correct" / "main.tf").read_text().replace('"~> 5.0"', '"~> 4.0"')
    (tmp_path / "main.tf").write_text(text)
    report = audit_json(tmp_path)
    messages = [f["message"] for f in report["findings"] if f["rule_id"] == "AGW000"]
    assert any("module.api" in m and "versions 5" in m for m in messages)
    assert not any(f["severity"] in ("high", "critical") for f in report["findings"])


def test_unknown_registry_module_is_listed_by_agw000(tmp_path):
    (tmp_path / "main.tf").write_text('module "x" {\n  source = "acme/http-api/aws"\n}\n'
                                      'resource "aws_lambda_permission" "p" {\n  function_name = "f"\n'
                                      '  principal = "apigateway.amazonaws.com"\n  action = "lambda:InvokeFunction"\n'
                                      '  source_arn = "${module.x.execution_arn}/*"\n}\n')
    report = audit_json(tmp_path)
    assert any(f["rule_id"] == "AGW000" and "module.x" in f["message"] and "acme/http-api/aws" in f["message"]
               for f in report["findings"])


def test_initialised_registry_module_is_read_from_dot_terraform(tmp_path):
    shutil.copytree(HERE / "local-module", tmp_path / "root")
    root = tmp_path / "root"
    text = (root / "main.tf").read_text().replace('source          = "./modules/http_api"',
                                                  'source          = "acme/http-api/aws"')
    (root / "main.tf").write_text(text)
    (root / ".terraform" / "modules").mkdir(parents=True)
    (root / ".terraform" / "modules" / "modules.json").write_text(
        '{"Modules":[{"Key":"","Source":"","Dir":"."},{"Key":"api","Source":"registry.terraform.io/acme/http-api/aws",'
        '"Version":"1.0.0","Dir":"modules/http_api"}]}')
    report = audit_json(root, "--var", "payload_version=1.0")
    assert [f["location"]["line"] for f in report["findings"] if f["rule_id"] == "AGW111"] == [
        block_line(root / "main.tf", 'module "api"')]


def test_local_module_reads_tfvars_and_var_flags():
    folder = HERE / "local-module"
    module_file = folder / "modules" / "http_api" / "main.tf"
    assert "AGW111" not in rule_ids(audit_json(folder))  # terraform.tfvars sets "2.0"
    report = audit_json(folder, "--var", "payload_version=1.0")
    found = [f for f in report["findings"] if f["rule_id"] == "AGW111"]
    assert [(f["location"]["file"], f["location"]["line"]) for f in found] == [
        (str(module_file), block_line(module_file, 'resource "aws_apigatewayv2_integration" "this"'))]
    assert {f["location"]["resource"] for f in report["findings"] if f["rule_id"] == "AGW304"} == {
        "module.api.aws_apigatewayv2_route.this[0]", "module.api.aws_apigatewayv2_route.this[1]"}


def test_var_file_overrides_tfvars(tmp_path):
    values = tmp_path / "v1.tfvars"
    values.write_text('payload_version = "1.0"\n')
    assert "AGW111" in rule_ids(audit_json(HERE / "local-module", "--var-file", values))


def test_permission_built_from_data_sources_and_module_output_matches_the_api():
    # source_arn = join(":", [partition, region, account, "${module.api.api_id}/*/*"]): no AGW2xx.
    ids = rule_ids(audit_json(HERE / "local-module"))
    assert not {i for i in ids if i.startswith("AGW2") or i == "AGW000"}


def test_fixes_for_community_module_objects_are_inputs_of_the_users_module_block():
    report = audit_json(HERE / "community-payload-default.tf")
    fix = next(f["remediation"] for f in report["findings"] if f["rule_id"] == "AGW111")
    assert 'module "api" {' in fix and "routes = {" in fix and "integration = {" in fix
    assert 'payload_format_version = "2.0"' in fix
    path = HERE / "community-no-trigger.tf"
    report = audit_json(path)
    fix = next(f["remediation"] for f in report["findings"] if f["rule_id"] == "AGW201")
    line = block_line(path, 'module "items"')
    assert fix.startswith(f'{path}:{line}: in module "items", add')
    assert "allowed_triggers = {" in fix and 'service    = "apigateway"' in fix
    assert 'source_arn = "${module.api.api_execution_arn}/*"' in fix

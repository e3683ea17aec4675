"""The seed tutorial's API and each of its common mistakes as Terraform source (.tf): each gives
the same rule ids as the snapshot form, located at the .tf file and line of the faulty block."""

from pathlib import Path

import pytest

from tests.iac.conftest import SEED, audit_json, rule_ids, run_cli

HERE = Path(__file__).parent / "fixtures"
CASES = {"correct": HERE / "seed-correct", "missing-prefix": HERE / "missing-prefix.tf",
         "payload-v1": HERE / "payload-v1.tf", "missing-permission": HERE / "missing-permission.tf",
         "mismatched-api": HERE / "mismatched-api.tf"}
# The rule each mistake is about, and the block it must point at.
PROBLEM = {"missing-prefix": ("AGW101", 'resource "aws_apigatewayv2_route" "post_items"'),
           "payload-v1": ("AGW111", 'resource "aws_apigatewayv2_integration" "items"'),
           "missing-permission": ("AGW201", 'resource "aws_apigatewayv2_integration" "items"'),
           "mismatched-api": ("AGW102", 'resource "aws_apigatewayv2_route" "get_item"')}


def block_line(path: Path, header: str) -> int:
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if line.startswith(header):
            return number
    raise AssertionError(f"{header} not in {path}")


@pytest.mark.parametrize("case", sorted(CASES))
def test_source_form_matches_the_snapshot_form(case, snapshot_form):
    expected = rule_ids(audit_json(snapshot_form(case)))
    report = audit_json(CASES[case])
    assert rule_ids(report) == expected
    for finding in report["findings"]:
        location = finding["location"]
        assert location["input_type"] == "terraform"
        assert location["file"].endswith(".tf")
        assert location["resource"].startswith("aws_")
        assert isinstance(location["line"], int)


@pytest.mark.parametrize("case", sorted(CASES))
def test_source_form_knows_what_the_plan_form_leaves_to_apply(case):
    # The plan cannot know ids before apply (AGW000 info); the source's references name them.
    plan = audit_json(SEED / f"{case}.tfplan.json")
    assert rule_ids(audit_json(CASES[case])) == rule_ids(plan, exclude_info_meta=True)
    assert "AGW000" not in rule_ids(audit_json(CASES[case]))


@pytest.mark.parametrize("case", sorted(PROBLEM))
def test_each_mistake_points_at_its_block(case):
    rule, header = PROBLEM[case]
    path = CASES[case]
    found = [f for f in audit_json(path)["findings"] if f["rule_id"] == rule]
    assert found, rule
    assert {(f["location"]["file"], f["location"]["line"]) for f in found} == {(str(path), block_line(path, header))}


def test_correct_folder_findings_point_into_its_file():
    report = audit_json(CASES["correct"])
    assert {f["severity"] for f in report["findings"]} <= {"low", "info"}
    main = CASES["correct"] / "main.tf"
    stage = [f for f in report["findings"] if f["rule_id"] == "AGW305"]
    assert [(f["location"]["file"], f["location"]["line"]) for f in stage] == \
        [(str(main), block_line(main, 'resource "aws_apigatewayv2_stage" "default"'))]


def test_missing_prefix_remediation_is_hcl_for_the_users_block():
    report = audit_json(CASES["missing-prefix"])
    finding = next(f for f in report["findings"] if f["rule_id"] == "AGW101")
    assert 'target = "integrations/${aws_apigatewayv2_integration.items.id}"' in finding["remediation"]
    assert 'resource "aws_apigatewayv2_route" "post_items"' in finding["remediation"]


def test_syntax_error_exits_2_naming_file_and_line(tmp_path):
    bad = tmp_path / "main.tf"
    bad.write_text('resource "aws_apigatewayv2_api" "x" {\n  name = \n}\n')
    code, out, err = run_cli("audit", tmp_path)
    assert code == 2
    assert f"{bad}:2" in err
    assert "Traceback" not in err and out == ""

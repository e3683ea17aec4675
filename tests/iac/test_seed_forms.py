"""The seed tutorial's API and each of its common mistakes, as CloudFormation YAML, SAM and a
Terraform plan: each form must give the same rule ids as the snapshot form."""

import pytest

from tests.iac.conftest import SEED, audit_json, rule_ids

CASES = ["correct", "missing-prefix", "payload-v1", "mismatched-api", "missing-permission"]
EXPECTED_PROBLEM = {"correct": set(), "missing-prefix": {"AGW101"}, "payload-v1": {"AGW111"},
                    "mismatched-api": {"AGW102", "AGW105", "AGW401"}, "missing-permission": {"AGW201"}}


@pytest.mark.parametrize("case", CASES)
def test_snapshot_form_is_what_the_iac_forms_are_compared_with(case, snapshot_form):
    ids = rule_ids(audit_json(snapshot_form(case)))
    assert ids - {"AGW304", "AGW305"} == EXPECTED_PROBLEM[case]


@pytest.mark.parametrize("suffix", ["cfn.yaml", "sam.yaml"])
@pytest.mark.parametrize("case", CASES)
def test_cloudformation_and_sam_forms_match_the_snapshot_form(case, suffix, snapshot_form):
    expected = rule_ids(audit_json(snapshot_form(case)))
    report = audit_json(SEED / f"{case}.{suffix}")
    assert rule_ids(report) == expected
    for finding in report["findings"]:
        location = finding["location"]
        assert location["file"].endswith(f"{case}.{suffix}")
        assert location["input_type"] == ("sam" if suffix == "sam.yaml" else "cloudformation")
        assert isinstance(location.get("line"), int) and location["line"] > 0
        assert location.get("resource")


@pytest.mark.parametrize("case", CASES)
def test_terraform_plan_form_matches_the_snapshot_form(case, snapshot_form):
    expected = rule_ids(audit_json(snapshot_form(case)))
    report = audit_json(SEED / f"{case}.tfplan.json")
    # A fresh plan cannot know ids and ARNs: the rules say so (AGW000 info) instead of guessing.
    assert rule_ids(report, exclude_info_meta=True) == expected
    assert all(f["severity"] == "info" for f in report["findings"] if f["rule_id"] == "AGW000")
    for finding in report["findings"]:
        assert finding["location"]["resource"].startswith("aws_")
        assert finding["location"]["input_type"] == "terraform"


def test_terraform_plan_with_known_ids_audits_exactly_like_the_snapshot(snapshot_form):
    assert rule_ids(audit_json(SEED / "correct-known.tfplan.json")) == rule_ids(audit_json(snapshot_form("correct")))


def test_correct_forms_have_nothing_above_low():
    for name in ("correct.cfn.yaml", "correct.sam.yaml", "correct.tfplan.json", "correct-known.tfplan.json"):
        report = audit_json(SEED / name)
        assert {f["severity"] for f in report["findings"]} <= {"low", "info"}, name

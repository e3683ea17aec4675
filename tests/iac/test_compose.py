"""Several inputs in one run: each template or plan is its own stack, snapshot files of one account
and region merge, and a conflicting duplicate is reported once and resolved whatever the order."""

import copy
import json
from collections import Counter

from auditor.cli import main
from tests.iac.conftest import FIXTURES, ROOT, seed_mistake

COMPOSE = FIXTURES / "compose"
TEMPLATES = sorted(
    [p for p in FIXTURES.rglob("*") if p.suffix in (".yaml", ".json") and "cdk.out" not in p.parts
     and "cli-outputs" not in p.parts and p.name != "include-api.yaml"]
    + list((ROOT / "examples" / "iac").iterdir()))


def findings(capsys, *paths) -> list[dict]:
    # --allow-empty: some fixtures hold only what is not judged (a REST API), which alone is "nothing audited"
    assert main(["audit", *map(str, paths), "--format", "json", "--fail-on", "never", "--allow-empty"]) == 0
    return json.loads(capsys.readouterr().out)["findings"]


def seen(found: list[dict]) -> Counter:
    """What a user reads of each finding: rule, severity, message, place."""
    return Counter((f["rule_id"], f["severity"], f["message"], json.dumps(f["location"], sort_keys=True))
                   for f in found)


def test_independent_inputs_together_give_exactly_the_union_of_each_alone(capsys):
    inputs = TEMPLATES + [FIXTURES / "cdk.out", FIXTURES / "cli-outputs", ROOT / "examples" / "seed-correct.json"]
    alone = Counter()
    for path in inputs:
        alone += seen(findings(capsys, path))
    together = findings(capsys, *inputs)
    assert seen(together) == alone
    assert not any("in the input twice" in f["message"] for f in together)


def test_an_explicit_and_an_implicit_sam_http_api_together_audit_as_they_do_alone(capsys):
    explicit, implicit = COMPOSE / "explicit-httpapi.sam.yaml", COMPOSE / "implicit-httpapi.sam.yaml"
    together = findings(capsys, explicit, implicit)
    assert not [f for f in together if f["rule_id"].startswith("AGW2")]
    assert seen(together) == seen(findings(capsys, explicit)) + seen(findings(capsys, implicit))


def test_a_template_and_a_snapshot_of_the_same_placeholder_account_do_not_mix(capsys):
    """The seed snapshot uses 123456789012/us-east-1 too, and names its function as the seed template does."""
    template = FIXTURES / "seed" / "missing-permission.cfn.yaml"
    snapshot = ROOT / "examples" / "seed-correct.json"
    assert seen(findings(capsys, template, snapshot)) == seen(findings(capsys, template)) + seen(findings(capsys, snapshot))


def _write(path, document):
    path.write_text(json.dumps(document))
    return path


def test_identical_copies_in_two_snapshot_files_are_audited_once_without_warning(tmp_path, capsys):
    first = _write(tmp_path / "a.json", seed_mistake("missing-prefix"))
    second = _write(tmp_path / "b.json", seed_mistake("missing-prefix"))
    assert seen(findings(capsys, first, second)) == seen(findings(capsys, second))  # b.json's copy is kept


def test_a_function_held_twice_with_different_content_is_reported_once_and_resolved_whatever_the_order(tmp_path, capsys):
    granted = seed_mistake("correct")
    revoked = copy.deepcopy(granted)
    revoked["Scopes"][0]["Functions"][0]["Policy"] = None
    older = _write(tmp_path / "snapshot-2026-11-01.json", revoked)
    newer = _write(tmp_path / "snapshot-2026-11-29.json", granted)
    forward, backward = findings(capsys, older, newer), findings(capsys, newer, older)
    assert forward == backward
    conflicts = [f for f in forward if f["rule_id"] == "AGW000" and "twice" in f["message"]]
    assert len(conflicts) == 1
    assert str(older) in conflicts[0]["message"] and str(newer) in conflicts[0]["message"]
    assert conflicts[0]["location"]["file"] == str(newer)  # the copy kept: the file whose path sorts last
    assert not [f for f in forward if f["rule_id"].startswith("AGW2")]  # newer grants the permission


def test_snapshot_files_of_one_account_and_region_still_resolve_each_other(tmp_path, capsys):
    """The API in one file, its function in another: the route reaches it and its missing permission is found."""
    document = seed_mistake("missing-permission")
    apis_only, functions_only = copy.deepcopy(document), copy.deepcopy(document)
    apis_only["Scopes"][0]["Functions"] = []
    functions_only["Scopes"][0]["Apis"] = []
    split = findings(capsys, _write(tmp_path / "apis.json", apis_only), _write(tmp_path / "functions.json", functions_only))
    assert "AGW201" in {f["rule_id"] for f in split}
    assert {f["rule_id"] for f in split} == {f["rule_id"] for f in findings(capsys, _write(tmp_path / "one.json", document))}

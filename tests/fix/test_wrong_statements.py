"""A permission that names another API or a stage the API does not have is replaced, not joined.

The measured defect: the plan added a second, correct statement beside the wrong one and never named it.
Now the correct statement goes in first (a new id), the wrong one is removed after it, and the plan and the
finding name the wrong statement; a statement that may serve an API outside the input is kept, and the
plan says nothing would remove it.
"""

import json

from auditor.cli import main
from tests.seed import API_ID, Seed

OTHER = "arn:aws:execute-api:us-east-1:123456789012"


def fix(tmp_path, capsys, doc, *args):
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(doc))
    code = main(["fix", str(path), *args])
    out, err = capsys.readouterr()
    steps = [line for line in out.splitlines() if line and not line.startswith("#")]
    return code, steps, err


def test_a_statement_naming_an_api_that_does_not_exist_is_replaced(tmp_path, capsys):
    seed = Seed()
    seed.set_statements([seed.grant(f"{OTHER}:gone000000/*", sid="copied-from-dev")])
    path = tmp_path / "a.json"
    path.write_text(json.dumps(seed.doc))
    main(["audit", str(path), "--format", "json"])
    finding = next(f for f in json.loads(capsys.readouterr().out)["findings"] if f["rule_id"] == "AGW202")
    assert "`copied-from-dev`" in finding["message"]
    code, steps, err = fix(tmp_path, capsys, seed.doc)
    add = next(i for i, s in enumerate(steps) if "add-permission" in s and f"{API_ID}/*" in s)
    remove = next(i for i, s in enumerate(steps) if "remove-permission" in s and "--statement-id copied-from-dev" in s)
    assert add < remove
    assert "remove statement copied-from-dev (it names" in err
    assert code == 0, err


def test_a_statement_naming_a_stage_the_api_does_not_have_is_replaced(tmp_path, capsys):
    seed = Seed()
    seed.set_statements([seed.grant(f"{OTHER}:{API_ID}/prod/*", sid="prod-only")])
    code, steps, err = fix(tmp_path, capsys, seed.doc)
    adds = [s for s in steps if "add-permission" in s]
    assert len(adds) == 1 and f"{API_ID}/*/*" in adds[0] and "prod-only-any-stage" in adds[0]
    assert any("remove-permission" in s and "--statement-id prod-only" in s for s in steps)
    assert "which API abc123def4 does not have" in err
    assert code == 0, err


def test_a_statement_that_may_serve_an_api_outside_the_input_is_kept(tmp_path, capsys):
    seed = Seed()
    seed.set_statements([seed.grant("arn:aws:execute-api:eu-west-1:123456789012:euapi00000/*", sid="eu")])
    code, steps, err = fix(tmp_path, capsys, seed.doc)
    assert any("add-permission" in s for s in steps)
    assert not any("remove-permission" in s for s in steps)
    assert code == 0, err

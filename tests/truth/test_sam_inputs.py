"""SAM templates as users keep them (issue 22, item 7): image functions before `sam build`, JSON templates'
event-generated routes located, nested applications with a local Location followed."""

import json
from pathlib import Path

from auditor.cli import main

SAM = Path(__file__).parent / "fixtures" / "sam"


def run(capsys, *args):
    capsys.readouterr()
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_an_image_function_without_image_uri_is_accepted_as_sam_validate_does(capsys):
    code, out, err = run(capsys, "audit", str(SAM / "image.yaml"), "--format", "json")
    assert code in (0, 1), err
    findings = json.loads(out)["findings"]
    assert {f["rule_id"] for f in findings} >= {"AGW304"}  # its HttpApi event's route is read


def test_findings_on_generated_routes_of_a_json_template_carry_a_line(capsys):
    code, out, _ = run(capsys, "audit", str(SAM / "events.json"), "--format", "json")
    findings = json.loads(out)["findings"]
    event_line = next(n for n, line in enumerate((SAM / "events.json").read_text().splitlines(), 1) if '"Get"' in line)
    assert findings and all(f["location"].get("line") == event_line for f in findings)  # the HttpApi event's line


def test_a_nested_application_with_a_local_location_is_followed(capsys):
    code, out, _ = run(capsys, "audit", str(SAM / "nested" / "template.yaml"), "--format", "json")
    findings = json.loads(out)["findings"]
    [missing] = [f for f in findings if f["rule_id"] == "AGW201"]
    assert missing["location"]["file"].endswith("child/template.yaml")
    assert code == 1

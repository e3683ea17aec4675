"""Which route a finding's repair changes: the one the finding points at, on an API of many routes too.

The planner finds a finding's route without building every route's location (auditor.fix.derive
Planner.route); these check it still picks the route the finding names, including when several routes
share a key, in both `audit`'s remediation and `fix`'s script.
"""

import json

from auditor.cli import main
from tests.seed import API_ID, Seed, audit_document


def _bare_target_routes(count: int) -> Seed:
    """count routes more, each targeting the integration by its bare id (AGW101), keys cycling over three."""
    seed = Seed()
    for n in range(count):
        seed.add_route(["GET /a", "GET /b", "PUT /c"][n % 3], target="a1b2c3", route_id=f"bare{n}")
    return seed


def _remediations(report) -> dict[str, str]:
    """route path in the report -> remediation of its AGW101 finding."""
    return {f["location"]["path"]: f["remediation"] for f in report["findings"] if f["rule_id"] == "AGW101"}


def test_each_finding_repairs_its_own_route_when_keys_repeat(tmp_path, capsys):
    seed = _bare_target_routes(30)
    _, report = audit_document(tmp_path, capsys, seed.doc, "--fail-on", "never")
    remediations = _remediations(report)
    assert len(remediations) == 30
    for position, route in enumerate(seed.api["Routes"]):
        if route["Target"] != "a1b2c3":
            continue
        text = remediations[f"$.Scopes[0].Apis[0].Routes[{position}]"]
        assert f"update-route --api-id {API_ID} --route-id {route['RouteId']} --target integrations/a1b2c3" in text


def test_fix_script_changes_every_such_route_once(tmp_path, capsys):
    seed = _bare_target_routes(12)
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(seed.doc))
    main(["fix", str(path), "--fail-on", "low"])
    script = capsys.readouterr().out
    updated = [line.split("--route-id ")[1].split()[0] for line in script.splitlines() if "update-route" in line]
    assert sorted(updated) == sorted(f"bare{n}" for n in range(12))

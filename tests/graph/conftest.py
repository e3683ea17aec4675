import json
from pathlib import Path

import pytest

from auditor.errors import InputError, UsageError
from auditor.inputs import load_inputs
from auditor.reports.wiring_graph import build_graphs
from tests.seed import EXAMPLES, ROOT, api, broken, correct, route  # noqa: F401

FIXTURE_DIRS = [EXAMPLES, EXAMPLES / "iac", ROOT / "tests" / "iac" / "fixtures"]


def fixture_inputs() -> list[Path]:
    """Every snapshot, template, plan and CLI-output folder the project keeps as a fixture."""
    found = []
    for folder in FIXTURE_DIRS:
        for path in sorted(folder.rglob("*")):
            if ("cli-outputs" in path.parts or "custom-rules" in path.parts or path.name == "manifest.json"
                    or "cdk.out" in path.parts):
                continue  # read as folders below; custom rules are not inputs
            if path.is_file() and path.suffix in (".json", ".yaml", ".yml"):
                found.append(path)
    found += [ROOT / "tests" / "iac" / "fixtures" / "cli-outputs", ROOT / "tests" / "iac" / "fixtures" / "cdk.out"]
    return found


def graphs_of(path):
    """The wiring graphs of a fixture, or None when it is not an input on its own (a fragment)."""
    try:
        snapshot = load_inputs([str(path)])
    except (InputError, UsageError):
        return None
    return build_graphs(snapshot)


def write(tmp_path, doc, name="snapshot.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc, indent=2))
    return path


def big_api(routes: int, integrations: int = 10, broken_every: int = 97) -> dict:
    """The seed's correct API with many routes over several integrations; every `broken_every`-th
    route misses the `integrations/` prefix (AGW101)."""
    doc = correct()
    the_api = api(doc)
    template = the_api["Integrations"][0]
    the_api["Integrations"] = [dict(template, IntegrationId=f"int{i:04d}") for i in range(integrations)]
    the_api["Routes"] = [{"RouteId": f"r{i}", "RouteKey": f"GET /res{i}/{{id}}", "AuthorizationType": "NONE",
                          "Target": (f"int{i % integrations:04d}" if i % broken_every == 0 else
                                     f"integrations/int{i % integrations:04d}")} for i in range(routes)]
    return doc


HOSTILE = '"]\n  click n0 "javascript:alert(1)"\n  A[<img src=x onerror=alert(1)>'
HOSTILE_HTML = "</script><script>window.__pwned=1</script><img src=x onerror=\"window.__pwned=2\">"


@pytest.fixture
def hostile_doc():
    """The seed's broken API with route keys, names and ids that try to break out of every syntax."""
    doc = broken()
    the_api = api(doc)
    the_api["Name"] = HOSTILE_HTML + " --> x%%{init: {}}%%"
    route(doc, "PUT /items")["RouteKey"] = "PUT /items" + HOSTILE
    route(doc, "POST /items")["RouteKey"] = "POST /" + HOSTILE_HTML
    return doc

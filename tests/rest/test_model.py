"""The REST model and reader: AWS's shapes read, linked and located; mistakes named by file and path."""

import json

import jsonschema
import pytest

from auditor.cli import main
from auditor.core import rest
from auditor.snapshot import load_snapshot_file, try_load_snapshot
from tests.rest.estate import API, arn, fresh, resource, rest_api, scope
from tests.seed import ROOT


def _load(tmp_path, doc):
    path = tmp_path / "rest.json"
    path.write_text(json.dumps(doc))
    return load_snapshot_file(path)


def test_methods_are_linked_and_located(tmp_path):
    api = _load(tmp_path, fresh()).scopes[0].rest_apis[0]
    assert [m.key for m in api.methods] == ["GET /", "GET /pets", "POST /pets", "ANY /pets/{id}"]
    post = api.methods[2]
    assert post.location.path == "$.Scopes[0].RestApis[0].Resources[1].resourceMethods.POST"
    assert post.integration.location.path.endswith("resourceMethods.POST.methodIntegration")
    assert post.integration.function_ref.name == "pets"
    assert post.raw["httpMethod"] == "POST"
    assert api.stages[0].serves and api.endpoint_types == ["REGIONAL"]


def test_paths_follow_parents_when_the_input_leaves_them_out(tmp_path):
    doc = fresh()
    for r in rest_api(doc)["Resources"]:
        if r["path"] != "/":
            del r["path"]
    api = _load(tmp_path, doc).scopes[0].rest_apis[0]
    assert [m.key for m in api.methods][-1] == "ANY /pets/{id}"


@pytest.mark.parametrize("path,verb,expected", [
    ("/pets", "GET", ("/pets", "GET /pets", {})),
    ("/pets/7", "DELETE", ("/pets/{id}", "ANY /pets/{id}", {"id": "7"})),
    ("/", "GET", ("/", "GET /", {})),
    ("/pets", "DELETE", ("/pets", None, {})),
    ("/cats", "GET", None),
    ("/pets/7/toys", "GET", None),
])
def test_resource_and_method_selection(tmp_path, path, verb, expected):
    api = _load(tmp_path, fresh()).scopes[0].rest_apis[0]
    found = rest.Tree(api).match(path)
    if expected is None:
        assert found is None
        return
    chosen, params = found
    method = rest.select_method(chosen, verb)
    assert (chosen.path, method.key if method else None, params) == expected


def test_literal_before_parameter_before_greedy(tmp_path):
    doc = fresh()
    rest_api(doc)["Resources"] += [
        {"id": "lit", "parentId": "res1", "pathPart": "mine", "path": "/pets/mine", "resourceMethods": {}},
        {"id": "gr", "parentId": "root1", "pathPart": "{proxy+}", "path": "/{proxy+}", "resourceMethods": {}}]
    api = _load(tmp_path, doc).scopes[0].rest_apis[0]
    tree = rest.Tree(api)
    assert tree.match("/pets/mine")[0].path == "/pets/mine"
    assert tree.match("/pets/9")[0].path == "/pets/{id}"
    assert tree.match("/a/b/c") == (tree.match("/a/b/c")[0], {"proxy": "a/b/c"})
    assert tree.match("/pets/9/x")[0].path == "/{proxy+}"  # /pets/{id} has no child: the greedy sibling takes it


def test_source_arns_list_every_reading(tmp_path):
    api = _load(tmp_path, fresh()).scopes[0].rest_apis[0]
    get_root, _, post, any_id = api.methods
    assert rest.method_source_arns(api, get_root, "prod") == [arn("/prod/GET/")]
    assert rest.method_source_arns(api, post, "prod") == [arn("/prod/POST/pets")]
    readings = rest.method_source_arns(api, any_id, "prod")
    assert arn("/prod/GET/pets/{id}") in readings and arn("/prod/ANY/pets/{id}") in readings
    assert len(readings) == 16  # 7 verbs and ANY, each with the template and a value
    assert rest.grant_suffix(any_id) == "/*/*/pets/*" and rest.grant_suffix(get_root) == "/*/GET/"


def test_bad_rest_input_names_file_and_path(tmp_path, capsys):
    doc = fresh()
    resource(doc, "/pets")["resourceMethods"]["GET"]["apiKeyRequired"] = "yes"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    code = main(["audit", str(path)])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "RestApis[0].Resources[1].resourceMethods.GET.apiKeyRequired" in err and "bad.json" in err


def test_schema_accepts_the_rest_snapshot_and_rejects_an_api_without_id():
    schema = json.loads((ROOT / "auditor" / "schemas" / "snapshot.schema.json").read_text())
    doc = fresh()
    jsonschema.validate(doc, schema)
    del rest_api(doc)["id"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, schema)


def test_fast_reader_reads_rest_apis_as_the_general_reader_does(tmp_path):
    doc = fresh()
    api = rest_api(doc)
    # over a megabyte, so the typed reader takes it
    api["Resources"] += [{"id": f"x{i}", "parentId": "root1", "pathPart": f"p{i}", "path": f"/p{i}",
                          "resourceMethods": {"GET": resource(doc, "/pets")["resourceMethods"]["GET"]}}
                         for i in range(4000)]
    path = tmp_path / "big.json"
    path.write_text(json.dumps(doc))
    fast = try_load_snapshot(path)
    assert fast is not None and fast.scopes[0].raw_scope is None  # decoded straight into the model
    general = _load(tmp_path, doc)
    keys = [m.key for m in fast.scopes[0].rest_apis[0].methods]
    assert keys == [m.key for m in general.scopes[0].rest_apis[0].methods] and len(keys) == 4004
    method = fast.scopes[0].rest_apis[0].methods[-1]
    assert method.raw["httpMethod"] == "GET" and method.location.path.endswith("Resources[4002].resourceMethods.GET")
    assert fast.scopes[0].usage_plans == [] and scope(doc)["RestApis"][0]["id"] == API

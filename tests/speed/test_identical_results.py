"""The fast paths (msgspec decoding of snapshots, msgspec-split line index) must give exactly the reports
the general reader and the pure-Python line scanner give: on every example and fixture, and on inputs
the fast decoder must decline (errors and limits stay the general reader's)."""

import json
import sys
from pathlib import Path

import pytest

from auditor import iac, snapshot as snapshot_module
from auditor.cli import main
from auditor.reports import pointers
from tests.seed import EXAMPLES, ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import build  # noqa: E402

FIXTURES = ROOT / "tests" / "iac" / "fixtures"
FORMATS = ["json", "sarif", "junit", "github", "markdown"]


def _documents() -> dict[str, dict]:
    """Snapshot documents: the examples, the one each IaC example and fixture turns into (with its
    SourceLocation keys), and a generated benchmark snapshot with its 1% of mistakes."""
    out = {path.name: json.loads(path.read_text()) for path in sorted(EXAMPLES.glob("*.json"))}
    templates = sorted(p for p in [*FIXTURES.rglob("*"), *(EXAMPLES / "iac").glob("*")]
                       if p.suffix in (".yaml", ".json") and p.parent.name not in ("cdk.out", "cli-outputs", "api",
                                                                                  "function"))
    for path in templates:
        try:
            out[str(path.relative_to(ROOT))] = iac.load_file(str(path), None, None, None, None)
        except Exception:  # noqa: BLE001 - a fixture that is an error case on its own (an include target)
            continue
    for folder, kind in ((FIXTURES / "cdk.out", "cdk"), (FIXTURES / "cli-outputs", "cli-outputs")):
        for file, document in iac.load_folder(folder, kind, None, None, None):
            out[f"{Path(file).relative_to(ROOT)}:{kind}"] = document
    out["generated"] = build(400, 60)
    return out


DOCUMENTS = _documents()


def test_the_corpus_covers_every_input_kind():
    kinds = {(location or {}).get("InputType") for doc in DOCUMENTS.values() for scope in doc["Scopes"]
             for api in scope.get("Apis", []) for location in [api.get("SourceLocation")]}
    assert {None, "cloudformation", "sam", "terraform", "cdk"} <= kinds
    assert len(DOCUMENTS) >= 25


def _reports(tmp_path, capsys, monkeypatch, path: Path, fast: bool) -> dict[str, tuple[int, str, str]]:
    monkeypatch.setattr(snapshot_module, "FAST_MIN_BYTES", 0 if fast else 1 << 60)
    if not fast:
        monkeypatch.setattr(pointers, "_RawIndex", lambda data, file: pointers._index_text(file))  # the scanner
    out = {}
    for name in [*FORMATS, "json --input-type snapshot"]:
        pointers._index.cache_clear()
        capsys.readouterr()
        try:
            code = main(["audit", path.name, "--format", *name.split(), "--fail-on", "never", "--allow-empty"])
        except Exception as exc:  # noqa: BLE001 - the general reader's own failure must be the fast path's too
            code = f"{type(exc).__name__}: {exc}"
        captured = capsys.readouterr()
        out[name] = (code, captured.out, captured.err)
    monkeypatch.undo()
    monkeypatch.chdir(tmp_path)
    return out


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
@pytest.mark.parametrize("indent", [None, 2])
def test_fast_and_general_paths_report_the_same(tmp_path, capsys, monkeypatch, name, indent):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(DOCUMENTS[name], indent=indent))
    assert snapshot_module.fast_decode(path.read_bytes()) is None  # small: the plain reader by default
    monkeypatch.setattr(snapshot_module, "FAST_MIN_BYTES", 0)
    assert snapshot_module.fast_decode(path.read_bytes()) == DOCUMENTS[name]  # the fast path is really taken
    monkeypatch.undo()
    monkeypatch.chdir(tmp_path)
    fast = _reports(tmp_path, capsys, monkeypatch, path, fast=True)
    general = _reports(tmp_path, capsys, monkeypatch, path, fast=False)
    assert fast == general
    assert fast["json"][0] in (0, 1) and json.loads(fast["json"][1])["findings"] is not None
    if indent:  # an indented file: the findings point at lines beyond the first
        lines = [r["locations"][0]["physicalLocation"].get("region", {}).get("startLine")
                 for r in json.loads(fast["sarif"][1])["runs"][0]["results"]]
        assert not lines or max(line or 0 for line in lines) > 1 or all(
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] != "snapshot.json"
            for r in json.loads(fast["sarif"][1])["runs"][0]["results"])


def _deep(depth: int) -> str:
    nested = '{"a":' * depth + "1" + "}" * depth
    return (EXAMPLES / "seed-correct.json").read_text().replace('"Timeout": 3,', f'"Timeout": 3, "Deep": {nested},', 1)


HOSTILE = {
    "nested-150": lambda: _deep(150),  # msgspec would take it: the fast path declines beyond FAST_MAX_DEPTH
    "nested-2000": lambda: _deep(2000),
    "nested-250": lambda: _deep(250),  # past the general reader's limit: its error, whichever path first sees it
    # nested in a value the model keeps (typed Any), not a key it skips
    "nested-tags-250": lambda: (EXAMPLES / "seed-correct.json").read_text().replace(
        '"Timeout": 3,', '"Timeout": 3, "Tags": {"t": ' + "[" * 250 + "]" * 250 + "},", 1),
    "huge-int": lambda: (EXAMPLES / "seed-correct.json").read_text().replace('"Timeout": 3,', '"Timeout": ' + "9" * 5000 + ",", 1),
    "big-int": lambda: (EXAMPLES / "seed-correct.json").read_text().replace('"Timeout": 3,', '"Timeout": ' + "9" * 40 + ",", 1),
    "lone-surrogate": lambda: (EXAMPLES / "seed-correct.json").read_text().replace('"Name": "', '"Name": "\\ud800', 1),
    "nan": lambda: (EXAMPLES / "seed-correct.json").read_text().replace('"Timeout": 3,', '"Timeout": NaN,', 1),
    "huge-float": lambda: (EXAMPLES / "seed-correct.json").read_text().replace('"Timeout": 3,', '"Timeout": 1e400,', 1),
    "bom": lambda: "\ufeff" + (EXAMPLES / "seed-correct.json").read_text(),
    "duplicate-keys": lambda: (EXAMPLES / "seed-broken.json").read_text().replace('"RouteId":', '"RouteId": "x", "RouteId":'),
    "truncated": lambda: (EXAMPLES / "seed-correct.json").read_text()[:-40],
    "control-character": lambda: (EXAMPLES / "seed-correct.json").read_text().replace('"Name": "', '"Name": "\t', 1),
    # keys named like the fields the reader sets itself (model._own): decoded, then overwritten
    "reader-field-keys": lambda: (EXAMPLES / "seed-broken.json").read_text().replace(
        '"RouteKey":', '"(api)": 1, "(index)": "x", "(raw_item)": 5, "RouteKey":').replace(
        '"FunctionArn"', '"(statements)": 7, "(aliases)": [], "(scope)": null, "(has_aliases)": 3, "FunctionArn"'),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_inputs_the_fast_decoder_declines_get_the_general_readers_answer(tmp_path, capsys, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "snapshot.json"
    text = HOSTILE[name]()
    assert text not in ((EXAMPLES / "seed-correct.json").read_text(), (EXAMPLES / "seed-broken.json").read_text())
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    fast = _reports(tmp_path, capsys, monkeypatch, path, fast=True)
    general = _reports(tmp_path, capsys, monkeypatch, path, fast=False)
    assert fast == general


def test_utf16_snapshot_reads_the_same(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "snapshot.json"
    path.write_bytes((EXAMPLES / "seed-broken.json").read_text().encode("utf-16"))
    fast = _reports(tmp_path, capsys, monkeypatch, path, fast=True)
    general = _reports(tmp_path, capsys, monkeypatch, path, fast=False)
    assert fast == general


@pytest.mark.parametrize("source", [EXAMPLES / "seed-broken.json", FIXTURES / "misc" / "quick-create.cfn.json"])
def test_a_named_pipe_is_read_once(tmp_path, capsys, monkeypatch, source):
    """The fast path only takes regular files: a pipe (or /dev/stdin) read by it would be empty for the
    general reader after it."""
    import os
    import threading
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(snapshot_module, "FAST_MIN_BYTES", 0)
    (tmp_path / "file.json").write_bytes(source.read_bytes())
    os.mkfifo(tmp_path / "pipe.json")
    writer = threading.Thread(target=lambda: (tmp_path / "pipe.json").write_bytes(source.read_bytes()))
    writer.start()
    # A second open of the pipe would wait for a writer forever: after 20 s this one ends it (empty), so
    # the test fails instead of hanging.
    watchdog = threading.Timer(20, lambda: open(tmp_path / "pipe.json", "wb").close())
    watchdog.daemon = True
    watchdog.start()
    capsys.readouterr()
    piped = main(["audit", "pipe.json", "--format", "json", "--fail-on", "never"]), capsys.readouterr()
    watchdog.cancel()
    writer.join()
    plain = main(["audit", "file.json", "--format", "json", "--fail-on", "never"]), capsys.readouterr()
    assert piped[0] == plain[0] == 0 and piped[1].err == plain[1].err == ""
    assert piped[1].out.replace("pipe.json", "file.json") == plain[1].out


def test_the_typed_reader_takes_every_corpus_document(tmp_path, monkeypatch):
    """The fast path is msgspec decoding straight into the model: it must accept every well-formed input
    (declining falls back to the general reader, correct but slower)."""
    monkeypatch.setattr(snapshot_module, "FAST_MIN_BYTES", 0)
    declined = []
    for name, document in DOCUMENTS.items():
        path = tmp_path / "snapshot.json"
        path.write_text(json.dumps(document))
        if snapshot_module.fast_read(path.read_bytes(), str(path)) is None:
            declined.append(name)
    assert declined == []


def _custom_rules_and_fix(tmp_path, capsys, monkeypatch, path: Path, fast: bool) -> list:
    monkeypatch.setattr(snapshot_module, "FAST_MIN_BYTES", 0 if fast else 1 << 60)
    rules = str(EXAMPLES / "custom-rules" / "foreign-invokers.yaml")
    out = []
    for argv in (["audit", path.name, "--rules-file", rules, "--format", "json", "--fail-on", "never", "--allow-empty"],
                 ["fix", path.name, "--fail-on", "low", "--allow-empty"]):
        capsys.readouterr()
        code = main(argv)
        captured = capsys.readouterr()
        out.append((code, captured.out, captured.err))
    monkeypatch.undo()
    monkeypatch.chdir(tmp_path)
    return out


@pytest.mark.parametrize("name", ["seed-broken.json", "generated"])
def test_objects_read_back_from_the_file_give_custom_rules_and_fix_the_same_input(tmp_path, capsys, monkeypatch,
                                                                                  name):
    """Custom rules and fix plans read each object as the input has it (`raw`): the typed reader reads it back
    from the file on first use, keys the model does not know included."""
    monkeypatch.chdir(tmp_path)
    document = json.loads(json.dumps(DOCUMENTS[name]))
    for scope in document["Scopes"]:
        for api in scope.get("Apis", []):
            api["Description"] = "kept for custom rules"
            for route in api.get("Routes", []):
                route["OperationName"] = "op"
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(document))
    fast = _custom_rules_and_fix(tmp_path, capsys, monkeypatch, path, fast=True)
    general = _custom_rules_and_fix(tmp_path, capsys, monkeypatch, path, fast=False)
    assert fast == general
    assert fast[1][1].strip()  # the fix plan is not empty: raw was really read


def test_a_snapshot_changed_during_the_audit_is_an_error_not_a_mixed_result(tmp_path, monkeypatch):
    monkeypatch.setattr(snapshot_module, "FAST_MIN_BYTES", 0)
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(DOCUMENTS["seed-broken.json"]))
    model = snapshot_module.fast_read(path.read_bytes(), str(path))
    path.write_text(json.dumps(DOCUMENTS["seed-broken.json"], indent=2))
    with pytest.raises(snapshot_module.InputError, match="changed while being audited"):
        model.scopes[0].apis[0].routes[0].raw


def test_no_report_explanation_or_drawing_reads_objects_back_from_the_file(tmp_path, capsys, monkeypatch):
    """Only custom rules and fix plans need an object as the input has it: every other command must run on
    the typed model alone, or a large snapshot would be decoded a second time (memory and time)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(snapshot_module, "FAST_MIN_BYTES", 0)

    def refuse(file, stamp, scope_index):
        def read():
            raise AssertionError("an object's raw input was read back")
        return read
    monkeypatch.setattr(snapshot_module, "_raw_reader", refuse)
    document = json.loads(json.dumps(DOCUMENTS["seed-broken.json"]))
    api = document["Scopes"][0]["Apis"][0]
    api["DisableExecuteApiEndpoint"] = False
    api["CorsConfiguration"] = {"AllowOrigins": ["*"]}
    (tmp_path / "snapshot.json").write_text(json.dumps(document))
    api_id = api["ApiId"]
    runs = [["audit", "snapshot.json", "--format", name, "--fail-on", "never"] for name in [*FORMATS, "table", "html"]]
    runs += [["explain", "snapshot.json", "--api", api_id, "GET", "/items"],
             ["explain", "snapshot.json", "--api", api_id, "OPTIONS", "/items"],
             ["routes", "snapshot.json", "--api", api_id], ["graph", "snapshot.json", "--format", "dot"]]
    for argv in runs:
        assert main(argv) in (0, 1), argv
        assert "raw input was read back" not in capsys.readouterr().err


@pytest.mark.parametrize("other_thread", [False, True])
def test_the_fast_reader_declines_deep_nesting_whether_or_not_another_thread_runs(tmp_path, monkeypatch, other_thread):
    """The recursion limit bounds msgspec's nesting only while no other thread runs (it is the interpreter's);
    with one running, the brackets are scanned instead: the same answers either way."""
    import threading
    from auditor import snapshot
    monkeypatch.setattr(snapshot, "FAST_MIN_BYTES", 0)
    limit = sys.getrecursionlimit()
    alone = threading.active_count() == 1  # (a test before this one may have left a thread behind)
    done = threading.Event()
    thread = threading.Thread(target=done.wait) if other_thread else None
    if thread is not None:
        thread.start()
    try:
        assert snapshot._limit_bounds_nesting() is (snapshot._BOUNDED_BY_LIMIT and alone and not other_thread)
        for name in ("nested-tags-250", "nested-150", "nested-2000"):
            path = tmp_path / f"{name}.json"
            path.write_text(HOSTILE[name]())
            assert snapshot.fast_read(path.read_bytes(), str(path)) is None
        path = tmp_path / "seed.json"
        path.write_bytes((EXAMPLES / "seed-correct.json").read_bytes())
        assert snapshot.fast_read(path.read_bytes(), str(path)) is not None
        assert sys.getrecursionlimit() == limit  # restored after each decode
    finally:
        done.set()
        if thread is not None:
            thread.join()

"""The msgspec-split line index answers every JSON path exactly as the pure-Python scanner does,
however the file is laid out, and hands files it cannot split to that scanner."""

import json
import os

from hypothesis import given, settings, strategies as st

from auditor.reports import pointers

_keys = st.text(alphabet=st.sampled_from('ab"\\é\n/ '), min_size=0, max_size=4)
_scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30), st.floats(allow_nan=False, allow_infinity=False),
                     st.text(alphabet=st.sampled_from('x"\\\n{}[],:é😀'), max_size=5))
_values = st.recursive(_scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                         st.dictionaries(_keys, inner, max_size=4)), max_leaves=25)


def _paths(value, steps=()):
    yield list(steps)
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*steps, key))
        yield [*steps, "absent"]
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*steps, index))
        yield [*steps, len(value)]
    else:
        yield [*steps, 0]


def _both(data: bytes, path: str = "x.json"):
    return pointers._RawIndex(data, path), pointers._JsonIndex(data.decode("utf-8"))


@settings(max_examples=300, deadline=None)
@given(document=st.dictionaries(_keys, _values, max_size=5), indent=st.sampled_from([None, 0, 1, 3, "\t"]),
       ascii_only=st.booleans(), separators=st.sampled_from([None, (",", ":"), (" ,", " :  ")]))
def test_every_path_gets_the_scanners_line(document, indent, ascii_only, separators):
    data = json.dumps(document, indent=indent, ensure_ascii=ascii_only, separators=separators).encode("utf-8")
    fast, general = _both(data)
    for steps in _paths(document):
        assert fast.line_of(steps) == general.line_of(steps), steps
    assert fast.fallback is None  # split throughout, never handed over


def test_duplicate_keys_go_to_the_scanner_which_takes_the_first(tmp_path):
    data = b'{\n "a": 1,\n "b": {\n  "c": 2\n },\n "b": {\n  "c": 3\n }\n}\n'
    path = tmp_path / "dup.json"
    path.write_bytes(data)
    fast, general = _both(data, str(path))
    assert fast.line_of(["b", "c"]) == general.line_of(["b", "c"]) == 4
    assert isinstance(fast.fallback, pointers._JsonIndex)


def test_a_file_msgspec_declines_is_indexed_by_the_scanner(tmp_path):
    path = tmp_path / "nan.json"
    path.write_text('{\n "a": NaN,\n "b": [\n  1\n ]\n}\n')
    index = pointers._index(str(path), 0, 0)
    assert index.line_of(["b", 0]) == 4 and isinstance(index.fallback, pointers._JsonIndex)


def _mixed_layout(value, one_line: list[bool], depth: int = 0) -> str:
    """JSON where each container, in turn, is written on one line or over several (as hand-edited files are)."""
    if not isinstance(value, (dict, list)):
        return json.dumps(value)
    flat = one_line[depth % len(one_line)]
    items = ([f"{json.dumps(k)}: {_mixed_layout(v, one_line, depth + 1)}" for k, v in value.items()]
             if isinstance(value, dict) else [_mixed_layout(v, one_line, depth + 1) for v in value])
    opener, closer = "{}" if isinstance(value, dict) else "[]"
    if flat or not items:
        return opener + ", ".join(items) + closer
    pad = "\n" + "  " * (depth + 1)
    return opener + pad + ("," + pad).join(items) + "\n" + "  " * depth + closer


@settings(max_examples=300, deadline=None)
@given(document=st.dictionaries(_keys, _values, max_size=5), one_line=st.lists(st.booleans(), min_size=1, max_size=4),
       before=st.sampled_from(["", "\n", " \n\t"]), after=st.sampled_from(["", "\n", " \n \n"]))
def test_containers_on_one_line_get_the_scanners_line(document, one_line, before, after):
    """A container with no line break in it is not split (every value in it is on its first line): the
    lines stay the scanner's whichever containers are compact, and whatever whitespace surrounds the root."""
    data = (before + _mixed_layout(document, one_line) + after).encode("utf-8")
    fast, general = _both(data)
    for steps in _paths(document):
        assert fast.line_of(steps) == general.line_of(steps), steps
    assert fast.fallback is None


def test_a_compact_file_is_never_split(tmp_path):
    """A compact snapshot (one line) answers every path from one look for a line break: nothing is split,
    and the file is not even held in memory whole."""
    document = {"Scopes": [{"Apis": [{"Routes": [{"RouteKey": f"GET /{n}"} for n in range(50)]}]}]}
    path = tmp_path / "compact.json"
    path.write_text("\n\n" + json.dumps(document) + "\n")
    assert pointers.json_path_line(str(path), "$.Scopes[0].Apis[0].Routes[42]") == 3
    assert pointers.json_path_line(str(path), "$.Scopes[0].Missing[7]") == 3
    assert pointers.json_path_line(str(path), "Scopes[0]") is None  # not a JSON path
    assert isinstance(pointers._index(os.path.abspath(path), path.stat().st_mtime_ns, path.stat().st_size),
                      pointers._OneLine)
    index = pointers._RawIndex(path.read_bytes(), str(path))  # given the bytes, it splits nothing either
    assert index.line_of(["Scopes", 0, "Apis", 0, "Routes", 7]) == 3
    assert list(index.members.values()) == [pointers._ONE_LINE]


@settings(max_examples=300, deadline=None)
@given(document=st.one_of(st.dictionaries(_keys, _values, max_size=4), st.lists(_values, max_size=3), _scalars),
       one_line=st.lists(st.booleans(), min_size=1, max_size=3),
       before=st.sampled_from(["", "\n", " \n\t", "\ufeff"]), after=st.sampled_from(["", "\n", " \n \n", "\nx"]),
       chunk=st.integers(1, 9))
def test_the_one_line_reader_agrees_with_the_scanner(tmp_path_factory, document, one_line, before, after, chunk):
    """Read through a buffer of any size, a file counts as one line exactly when its object or array has no
    line break (whitespace around it aside), and its line is then the scanner's for every path."""
    import io
    text = before + _mixed_layout(document, one_line) + after
    data = text.encode("utf-8")
    found = pointers._one_line(io.BytesIO(data), chunk)
    content = data.strip(b" \t\n\r")
    expected_one_line = content[:1] in (b"{", b"[") and b"\n" not in content
    assert (found is not None) == expected_one_line
    if found is not None:
        general = pointers._JsonIndex(text)
        for steps in _paths(document):
            assert found == general.line_of(steps), steps


_members = st.one_of(_scalars, st.dictionaries(_keys, _values, max_size=3),
                     st.lists(st.dictionaries(_keys, _values, max_size=3), max_size=3))


@settings(max_examples=300, deadline=None)
@given(document=st.dictionaries(_keys, _members, min_size=1, max_size=4),
       one_line=st.lists(st.booleans(), min_size=1, max_size=3))
def test_a_root_split_two_levels_deep_gets_the_scanners_line(document, one_line):
    """A root of scalars, objects and arrays of objects (a snapshot's shape) is split two levels deeper in
    one pass; every path still gets the scanner's line."""
    data = _mixed_layout(document, [False, *one_line]).encode("utf-8")
    fast, general = _both(data)
    fast.line_of([next(iter(document))])
    assert isinstance(fast.members[fast.root], dict)
    nested = [key for key, value in document.items() if isinstance(value, (dict, list)) and value]
    assert all(fast.members[fast.root][key][0] in fast.members for key in nested)  # split in the same pass
    for steps in _paths(document):
        assert fast.line_of(steps) == general.line_of(steps), steps
    assert fast.fallback is None

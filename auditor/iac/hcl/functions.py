"""The Terraform functions evaluated before a plan: pure ones over known values, and
templatefile/file of a file beside the configuration. Every other function is Unknown."""

import json
import re
from pathlib import Path

from auditor.iac.hcl.evaluate import MAX_ITEMS, EvalError, Unknown, as_json, text_of, to_plain


def _unknown_in(args) -> Unknown | None:
    for arg in args:
        if isinstance(arg, Unknown):
            return arg
    return None


def _pure(function):
    """A function of known arguments; any unknown argument makes its result unknown."""
    def call(evaluator, scope, *args):
        unknown = _unknown_in(args)
        if unknown is not None:
            return Unknown(f"{function.__name__.strip('_')}({unknown.what})")
        try:
            return function(*args)
        except (TypeError, ValueError, KeyError, IndexError, AttributeError) as exc:
            raise EvalError(f"{function.__name__.strip('_')}: {exc}") from None
    return call


_VERB = re.compile(r"%(%|[-+ #0]*\d*(?:\.\d+)?[sdvqtfeEgGxXob])")


def _format(spec, *args):
    values = iter(args)

    def one(match):
        verb = match.group(1)
        if verb == "%":
            return "%"
        value = next(values)
        kind = verb[-1]
        if isinstance(value, Unknown):
            return text_of(value)
        if kind in "sv":
            return text_of(value) if not isinstance(value, (dict, list)) else as_json(value)
        if kind == "q":
            return json.dumps(text_of(value))
        if kind == "t":
            return "true" if value else "false"
        try:
            return ("%" + verb) % value
        except (TypeError, ValueError):
            raise EvalError(f"format: %{verb} of {type(value).__name__}") from None
    if not isinstance(spec, str):
        raise EvalError("format spec is not a string")
    try:
        return _VERB.sub(one, spec)
    except StopIteration:
        raise EvalError("format: too few arguments") from None


def _format_call(evaluator, scope, spec=None, *args):
    if isinstance(spec, Unknown):
        return spec
    return _format(spec, *args)


def _join(separator, items):
    return separator.join(text_of(i) for i in items)


def _merge(evaluator, scope, *maps):
    out = {}
    for item in maps:
        if isinstance(item, Unknown):
            return item
        if item is None:
            continue
        if not isinstance(item, dict):
            raise EvalError("merge of a non-map")
        out.update(item)
    return out


def _lookup(evaluator, scope, mapping=None, key=None, *default):
    if isinstance(mapping, Unknown) or isinstance(key, Unknown):
        return Unknown("lookup(...)")
    if not isinstance(mapping, dict):
        raise EvalError("lookup of a non-map")
    if text_of(key) in mapping:
        return mapping[text_of(key)]
    if default:
        return default[0]
    raise EvalError(f"lookup: no key {key!r}")


def _jsonencode(evaluator, scope, value=None):
    if isinstance(value, Unknown):
        return value
    return json.dumps(to_plain(value), separators=(",", ":"))


def _coalesce(evaluator, scope, *args):
    for arg in args:
        if isinstance(arg, Unknown):
            return arg
        if arg is not None and arg != "":
            return arg
    raise EvalError("coalesce: no non-null argument")


def _coalescelist(evaluator, scope, *args):
    for arg in args:
        if isinstance(arg, Unknown):
            return arg
        if arg:
            return arg
    raise EvalError("coalescelist: no non-empty argument")


def _local_file(scope, path) -> str | Unknown:
    if isinstance(path, Unknown) or not isinstance(path, str):
        return Unknown("file(...)")
    # path.module and path.root are relative to where the audit runs, as Terraform's are to its cwd.
    candidates = [Path(path), Path(scope.module.directory) / path, Path(scope.module.root_directory) / path]
    candidate = next((c for c in candidates if c.is_file()), None)
    if candidate is None:
        return Unknown(f"file {path}")
    try:
        return candidate.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return Unknown(f"file {path}")


def _file(evaluator, scope, path=None):
    return _local_file(scope, path)


def _templatefile(evaluator, scope, path=None, variables=None):
    text = _local_file(scope, path)
    if isinstance(text, Unknown):
        return text
    if isinstance(variables, Unknown):
        return variables
    if "${" not in text and "%{" not in text:
        return text
    from auditor.iac.hcl.parse import parse_expression
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    try:
        tree = parse_expression(f'"{escaped}"', str(path))
    except Exception:  # noqa: BLE001 - a template we cannot read stays unknown
        return Unknown(f"templatefile {path}")
    from auditor.iac.hcl.evaluate import Scope
    return evaluator.ev(tree, Scope(scope.module, dict(variables or {})))


def _jsondecode(text):
    return json.loads(text)


def _flatten(items, out=None):
    out = [] if out is None else out
    for item in items:
        if isinstance(item, (list, tuple)):
            _flatten(item, out)
        else:
            out.append(item)
        if len(out) > MAX_ITEMS:
            raise ValueError("result too large")
    return out


def _distinct(items):
    out = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def _element(items, index):
    return items[int(index) % len(items)]


def _tostring(value):
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (dict, list)):
        raise ValueError("not a primitive")
    return text_of(value)


def _tonumber(value):
    if value is None or isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return int(value) if str(value).lstrip("-").isdigit() else float(value)


def _tobool(value):
    if value is None or isinstance(value, bool):
        return value
    return {"true": True, "false": False}[value]


def _replace(text, old, new):
    if len(old) > 1 and old.startswith("/") and old.endswith("/"):
        raise ValueError("regular expression replace")
    return text.replace(old, new)


def _one(items):
    if len(items) > 1:
        raise ValueError("more than one element")
    return items[0] if items else None


def _length(value):
    return len(value)


def _zipmap(keys, values):
    return dict(zip((text_of(k) for k in keys), values))


FUNCTIONS = {
    "format": _format_call, "join": _pure(_join), "merge": _merge, "lookup": _lookup, "jsonencode": _jsonencode,
    "templatefile": _templatefile, "file": _file, "coalesce": _coalesce, "coalescelist": _coalescelist,
    "jsondecode": _pure(_jsondecode), "concat": _pure(lambda *lists: [i for one in lists for i in one]),
    "length": _pure(_length), "keys": _pure(lambda m: sorted(m)), "values": _pure(lambda m: [m[k] for k in sorted(m)]),
    "lower": _pure(lambda s: s.lower()), "upper": _pure(lambda s: s.upper()), "replace": _pure(_replace),
    "tostring": _pure(_tostring), "tonumber": _pure(_tonumber), "tobool": _pure(_tobool),
    "tolist": _pure(list), "toset": _pure(_distinct), "tomap": _pure(dict), "element": _pure(_element),
    "contains": _pure(lambda items, value: value in items), "compact": _pure(lambda items: [i for i in items if i]),
    "flatten": _pure(_flatten), "distinct": _pure(_distinct), "split": _pure(lambda sep, s: s.split(sep)),
    "trimprefix": _pure(lambda s, p: s[len(p):] if s.startswith(p) else s),
    "trimsuffix": _pure(lambda s, p: s[:-len(p)] if p and s.endswith(p) else s),
    "trimspace": _pure(lambda s: s.strip()), "startswith": _pure(lambda s, p: s.startswith(p)),
    "endswith": _pure(lambda s, p: s.endswith(p)), "zipmap": _pure(_zipmap), "one": _pure(_one),
    "basename": _pure(lambda p: p.rstrip("/").rpartition("/")[2]), "dirname": _pure(lambda p: p.rpartition("/")[0] or "."),
    "sort": _pure(lambda items: sorted(text_of(i) for i in items)), "reverse": _pure(lambda items: list(items)[::-1]),
    "min": _pure(min), "max": _pure(max), "abs": _pure(abs),
    "substr": _pure(lambda s, start, length: s[int(start):] if length == -1 else s[int(start):int(start) + int(length)]),
}

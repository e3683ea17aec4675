"""Read CloudFormation/SAM templates (YAML or JSON) with line numbers and short-form intrinsics.

YAML goes through a `yaml.SafeLoader` subclass (never an unsafe loader) that turns `!Ref X`,
`!GetAtt A.B`, `!Sub ...` and the other short forms into their long form (`{"Ref": "X"}`...) and
builds every mapping as a `LineDict`, which remembers the line of the mapping and of each key.
JSON goes through `json` (fast) and gets the line of each resource from a scan of the text.
"""

import re

from auditor.errors import InputError
from auditor.files import LineIndex


class LineDict(dict):
    """A dict that knows the 1-based line where it starts and where each of its keys is."""

    __slots__ = ("line", "key_lines", "file")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.line = None
        self.key_lines = {}
        self.file = None  # set on content included from another file (AWS::Include)


def line_of(mapping, key=None):
    """Line of `key` in mapping (or of the mapping itself), None when unknown."""
    if not isinstance(mapping, LineDict):
        return None
    if key is not None and key in mapping.key_lines:
        return mapping.key_lines[key]
    return mapping.line


# Short-form tag -> long-form key. GetAtt's "A.B" scalar becomes ["A", "B"].
_FUNCTIONS = ("And", "Base64", "Cidr", "Equals", "FindInMap", "GetAtt", "GetAZs", "If", "ImportValue", "Join",
              "Length", "Not", "Or", "Select", "Split", "Sub", "ToJsonString", "Transform")

_loader_class = None


def _loader():
    """Build the SafeLoader subclass once, on first use (yaml is imported lazily)."""
    global _loader_class
    if _loader_class is not None:
        return _loader_class
    import yaml

    try:
        from yaml.cyaml import CParser  # libyaml's parser when PyYAML was built with it: same events, ~10x faster

        class TemplateLoader(CParser, yaml.SafeLoader):
            """SafeLoader (its SafeConstructor and Resolver) reading events from libyaml's parser."""

            def __init__(self, stream):
                CParser.__init__(self, stream)
                yaml.constructor.SafeConstructor.__init__(self)
                yaml.resolver.Resolver.__init__(self)
    except ImportError:  # pure-Python PyYAML
        class TemplateLoader(yaml.SafeLoader):
            pass

    scalar_node, str_tag = yaml.ScalarNode, "tag:yaml.org,2002:str"

    def construct_mapping(loader, node):
        """A LineDict of the mapping. A string key or value (most of a template) is its node's value, which is what
        loader.construct_object returns for it (and for every alias of it), without the call: the other nodes go
        through construct_object as before, so the loader's recursion (and where a deep document stops it) is
        unchanged."""
        loader.flatten_mapping(node)
        out = LineDict()
        out.line = node.start_mark.line + 1
        for key_node, value_node in node.value:
            if key_node.tag == str_tag and type(key_node) is scalar_node:
                key = key_node.value
            else:
                key = loader.construct_object(key_node, deep=True)
                if not isinstance(key, (str, int, float, bool)) and key is not None:
                    raise yaml.constructor.ConstructorError(
                        None, None, "a mapping key must be a scalar", key_node.start_mark)
                key = str(key) if not isinstance(key, str) else key
            if value_node.tag == str_tag and type(value_node) is scalar_node:
                out[key] = value_node.value
            else:
                out[key] = loader.construct_object(value_node, deep=True)
            out.key_lines[key] = key_node.start_mark.line + 1
        return out

    def make_tag(name):
        long_name = "Ref" if name == "Ref" else "Condition" if name == "Condition" else f"Fn::{name}"

        def construct(loader, node):
            if isinstance(node, yaml.ScalarNode):
                value = loader.construct_scalar(node)
                if name == "GetAtt" and isinstance(value, str):
                    value = value.split(".", 1) if "." in value else [value]
            elif isinstance(node, yaml.SequenceNode):
                value = loader.construct_sequence(node, deep=True)
            else:
                value = construct_mapping(loader, node)
            out = LineDict({long_name: value})
            out.line = node.start_mark.line + 1
            return out
        return construct

    def get_single_node(loader):
        node = super(TemplateLoader, loader).get_single_node()
        if node is not None and loader.has_anchors:
            _check_aliases(node)
        return node

    def construct_int(loader, node):
        try:
            return yaml.SafeLoader.construct_yaml_int(loader, node)
        except ValueError:  # CPython's limit on converting long digit strings (sys.get_int_max_str_digits)
            raise yaml.constructor.ConstructorError(
                None, None, "an integer with more than 4300 digits (no AWS value is that long)",
                node.start_mark) from None

    TemplateLoader.add_constructor("tag:yaml.org,2002:int", construct_int)
    TemplateLoader.get_single_node = get_single_node
    TemplateLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    for fn in _FUNCTIONS:
        TemplateLoader.add_constructor(f"!{fn}", make_tag(fn))
    TemplateLoader.add_constructor("!Ref", make_tag("Ref"))
    TemplateLoader.add_constructor("!Condition", make_tag("Condition"))
    # CloudFormation treats timestamps and YAML 1.1 booleans-in-disguise as strings where it matters
    # (e.g. Version: 2012-10-17): keep dates as their text.
    TemplateLoader.add_constructor("tag:yaml.org,2002:timestamp",
                                   lambda loader, node: loader.construct_scalar(node))
    _loader_class = TemplateLoader
    return TemplateLoader


# Aliases share one node, so a few kilobytes can stand for billions of nodes ("billion laughs") that every
# pass over the template would walk. Real templates use a handful of aliases: allow their expansion to add
# this many nodes beyond the document's own, and reject more at load.
MAX_ALIAS_EXPANSION = 100_000
MAX_YAML_DEPTH = 200


class _AliasBomb(Exception):
    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.message, self.line = message, line


def _check_aliases(root) -> None:
    """Count the nodes the document expands to (each node's subtree size once, iteratively): linear in its
    distinct nodes; _AliasBomb when aliases or nesting go beyond the bounds above."""
    sizes: dict[int, int] = {}
    depth_of = {id(root): 1}
    stack = [(root, False)]
    distinct = 0
    while stack:
        node, done = stack.pop()
        key = id(node)
        children = node.value if isinstance(node.value, list) else ()
        flat = [child for pair in children for child in (pair if isinstance(pair, tuple) else (pair,))]
        if not done:
            if key in sizes:
                continue
            sizes[key] = -1  # in progress: an alias of an ancestor is a cycle
            distinct += 1
            depth = depth_of[key]
            if depth > MAX_YAML_DEPTH:
                raise _AliasBomb(f"nested more than {MAX_YAML_DEPTH} levels deep", node.start_mark.line + 1)
            stack.append((node, True))
            for child in flat:
                if sizes.get(id(child)) == -1:
                    raise _AliasBomb("an alias refers to a node that contains it", child.start_mark.line + 1)
                if id(child) not in sizes:
                    depth_of.setdefault(id(child), depth + 1)
                    stack.append((child, False))
            continue
        total = 1 + sum(sizes[id(child)] for child in flat)
        sizes[key] = total
        if total > distinct + MAX_ALIAS_EXPANSION:
            raise _AliasBomb(f"its aliases expand to more than {MAX_ALIAS_EXPANSION:,} nodes (an alias bomb)",
                             node.start_mark.line + 1)


def load_yaml_text(text: str, file: str):
    import yaml
    try:
        loader = _loader()(text)  # a SafeLoader subclass, used as yaml.load(text, Loader=...) would
        loader.has_anchors = "&" in text  # no anchor, no alias: nothing to count
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except _AliasBomb as exc:
        raise InputError(f"invalid YAML: {exc.message}", file=file, line=exc.line) from None
    except RecursionError:
        raise InputError(f"invalid YAML: nested more than {MAX_YAML_DEPTH} levels deep", file=file) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or exc.context or "invalid YAML"
        if mark is not None and ("\t" in what or _tab_at(text, mark)):
            what += "; the line is indented with a tab: YAML indents with spaces only"
        raise InputError(f"invalid YAML: {what}" + (f" (column {mark.column + 1})" if mark else ""), file=file,
                         line=mark.line + 1 if mark else None) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow: its own message is two lines
        line = text.count("\n", 0, exc.position) + 1 if isinstance(exc.position, int) else None
        character = f"#x{exc.character:04x}" if isinstance(exc.character, int) else repr(exc.character)
        raise InputError(f"invalid YAML: character {character} is not allowed ({exc.reason})", file=file,
                         line=line) from None
    except yaml.YAMLError as exc:
        raise InputError("invalid YAML: " + " ".join(str(exc).split()), file=file) from None


def _tab_at(text: str, mark) -> bool:
    """Does the marked line (or the one before it) start its indentation with a tab?"""
    lines = text.split("\n", mark.line + 1)
    return any(lines[i][:len(lines[i]) - len(lines[i].lstrip())].count("\t")
               for i in (mark.line - 1, mark.line) if 0 <= i < len(lines))


def _json_hook(pairs):
    out = LineDict()
    for key, value in pairs:
        out[key] = value
    return out


# Every string, whole, so the scan never restarts inside one (escaped quotes made it quadratic); a key is a
# string followed by a colon.
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"(\s*:)?')


def load_json_text(text: str, file: str):
    from auditor.files import parse_json
    document = parse_json(text, file, object_pairs_hook=_json_hook)
    if isinstance(document, LineDict):
        _json_lines(document, text)
    return document


def _json_lines(document: LineDict, text: str) -> None:
    """Give the top-level sections and each resource (and its Properties/Metadata) their lines.

    A linear scan of the keys in text order: each resource id is looked up after the
    `"Resources"` key, the way a reader's eye would find it.
    """
    document.line = 1
    line_at = LineIndex(text).line

    keys = [(m.group(1), m.start()) for m in _STRING.finditer(text) if m.group(2)]
    top = set(document)
    resources = document.get("Resources")
    wanted = set(resources) if isinstance(resources, dict) else set()
    after_resources = False
    current = None
    nested: list = []
    for key, pos in keys:
        if key in top and key not in document.key_lines:
            document.key_lines[key] = line_at(pos)
            if key == "Resources":
                after_resources = True
                continue
        if after_resources and key in wanted and key not in resources.key_lines:
            resources.key_lines[key] = line_at(pos)
            current = resources[key]
            if isinstance(current, LineDict):
                current.line = line_at(pos)
            nested = []  # the resource's Properties, then a function's Events: their keys get lines too
            continue
        if isinstance(current, LineDict) and key in current and key not in current.key_lines:
            current.key_lines[key] = line_at(pos)
            value = current[key]
            if isinstance(value, LineDict) and value.line is None:
                value.line = line_at(pos)
            if key == "Properties" and isinstance(value, LineDict):
                nested = [value]
            continue
        for mapping in nested:
            if key in mapping and key not in mapping.key_lines:
                mapping.key_lines[key] = line_at(pos)
                value = mapping[key]
                if isinstance(value, LineDict) and value.line is None:
                    value.line = line_at(pos)
                if key == "Events" and isinstance(value, LineDict) and len(nested) == 1:
                    nested.append(value)
                break


def load_template_text(text: str, file: str):
    """JSON when it looks like JSON, YAML otherwise."""
    stripped = text.lstrip()
    if not stripped:
        raise InputError("empty file: expected a template (YAML or JSON)", file=file)
    if stripped.startswith("{"):
        try:
            return load_json_text(text, file)
        except InputError as json_error:
            try:  # YAML flow mappings start with { too
                return load_yaml_text(text, file)
            except InputError:
                raise json_error from None
    return load_yaml_text(text, file)


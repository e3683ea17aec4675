"""Terraform files -> blocks whose arguments stay unevaluated expression trees.

python-hcl2's dictionary output turns every expression back into text, losing what a reference
is; its Lark tree keeps the structure and the line of every block, so the evaluator walks it.
"""

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from auditor.errors import InputError


@dataclass
class Block:
    """One HCL block: `resource "aws_x" "name" { ... }`, its arguments and nested blocks."""

    type: str
    labels: list[str]
    attributes: dict  # name -> expression tree
    blocks: list["Block"]
    file: str
    line: int
    attribute_lines: dict = field(default_factory=dict)

    def nested(self, kind: str) -> list["Block"]:
        return [b for b in self.blocks if b.type == kind]


def _name(node) -> str:
    """An attribute or block name: identifier, keyword or literal (`in`, `true`) as HCL allows."""
    from lark import Token
    if isinstance(node, Token):
        return str(node)
    return str(node.children[0])


def _label(node) -> str:
    from lark import Token
    if isinstance(node, Token):
        return str(node)
    if node.data == "string":
        return "".join(str(part.children[0]) for part in node.children[1:-1]
                       if not isinstance(part, Token) and isinstance(part.children[0], Token))
    return _name(node)


def _line(node) -> int | None:
    """The line a node starts on, from its first token (trees carry no positions; see _parser)."""
    from lark import Token
    while not isinstance(node, Token):
        if not node.children:
            return None
        node = node.children[0]
    return node.line


def _cache_file(variant: str = "") -> str:
    """A private file for Lark's compiled parser (a pickle: never in a shared temporary folder)."""
    import os
    import hcl2
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = os.path.join(base, "apigw-auditor")
    os.makedirs(folder, mode=0o700, exist_ok=True)
    if os.stat(folder).st_uid != os.getuid() or os.stat(folder).st_mode & 0o022:
        raise PermissionError(folder)
    return os.path.join(folder, f"hcl2-{getattr(hcl2, '__version__', 'unknown')}{variant and '-' + variant}.lark")


# python-hcl2's terminals that repeat a group once per character: Python's regular expression engine
# keeps a backtracking record per repetition, so a 10 MB heredoc, block comment or quoted string took
# over 1 GB to lex. The same languages written as one character class (or a possessive repetition,
# Python 3.11+) are matched in constant memory.
_LINEAR_TERMINALS = (
    (r"/\/\*(.|\n)*?(\*\/)/", r"/\/\*[\s\S]*?(\*\/)/"),
    (r"(?:(?:.|\n)*?\r?\n)??\s*(?P=heredoc)", r"(?:[\s\S]*?\r?\n)??\s*(?P=heredoc)"),
    (r"(?:(?:.|\n)*?\r?\n)??\s*(?P=heredoc_trim)", r"(?:[\s\S]*?\r?\n)??\s*(?P=heredoc_trim)"),
    (r'/(?:(?!\$\$\{)(?!\$\{)(?!%%\{)(?!%\{)[^"\\]|\\.|(?:\$(?!\$?\{))|(?:%(?!%?\{)))+/',
     r'/(?:[^"\\$%]+|\\.|\$(?!\$?\{)|%(?!%?\{))++/'),
)


def _grammar(hcl2_folder: str) -> str | None:
    """hcl2.lark with _LINEAR_TERMINALS swapped in; None if any is not found as written (another version)."""
    import os
    with open(os.path.join(hcl2_folder, "hcl2.lark"), encoding="utf-8") as handle:
        text = handle.read()
    for old, new in _LINEAR_TERMINALS:
        if old not in text:
            return None
        text = text.replace(old, new)
    return text


@lru_cache(maxsize=1)
def _parser():
    """python-hcl2's grammar without per-node positions (tokens keep their lines): 40% faster on
    large projects; with terminals that lex in linear memory (_LINEAR_TERMINALS). Falls back to
    python-hcl2's own parser if its grammar cannot be loaded so."""
    import os
    import hcl2
    from lark import Lark
    try:
        from hcl2.postlexer import PostLexer
        folder = os.path.dirname(hcl2.__file__)
        grammar = _grammar(folder)
        if grammar is None:
            return Lark.open("hcl2.lark", parser="lalr", rel_to=hcl2.__file__, propagate_positions=False,
                             postlex=PostLexer(), cache=_cache_file()).parse
        return Lark(grammar, parser="lalr", import_paths=[folder], propagate_positions=False, postlex=PostLexer(),
                    cache=_cache_file("linear")).parse
    except Exception:  # noqa: BLE001 - no private cache or an unknown python-hcl2 layout: its own parser
        return hcl2.parses_to_tree


def _body(body, file: str) -> tuple[dict, list[Block], dict]:
    from lark import Token
    attributes, blocks, lines = {}, [], {}
    for child in body.children:
        if isinstance(child, Token):
            continue
        if child.data == "attribute":
            name = _name(child.children[0])
            attributes[name] = child.children[2]
            lines[name] = _line(child)
        elif child.data == "block":
            parts = [c for c in child.children if not isinstance(c, Token) and c.data != "new_line_or_comment"]
            inner = parts[-1]
            kind = _name(parts[0])
            labels = [_label(p) for p in parts[1:-1]]
            a, b, l = _body(inner, file)
            blocks.append(Block(kind, labels, a, b, file, _line(child), l))
    return attributes, blocks, lines


_HEREDOC_OPEN = None


def _heredoc_ends_trimmed(text: str) -> str:
    """Terraform ends a heredoc at a line holding only its marker, spaces around it allowed (HCL trims the
    line); python-hcl2's grammar allows none after it. Trailing spaces after a closing marker are dropped."""
    global _HEREDOC_OPEN
    if "<<" not in text:
        return text
    if _HEREDOC_OPEN is None:
        import re
        _HEREDOC_OPEN = re.compile(r"<<-?([A-Za-z][A-Za-z0-9._-]*)[ \t]*\r?$", re.M)
    markers = set(_HEREDOC_OPEN.findall(text))
    if not markers:
        return text
    lines = text.split("\n")
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped in markers and line.rstrip(" \t\r") != line.rstrip("\r"):
            lines[index] = line.rstrip(" \t\r") + ("\r" if line.endswith("\r") else "")
    return "\n".join(lines)


def parse_text(text: str, file: str) -> list[Block]:
    """The top-level blocks of one file; a syntax error is an InputError naming file and line."""
    from lark.exceptions import LarkError, UnexpectedInput
    text = _heredoc_ends_trimmed(text)
    try:
        tree = _parser()(text if text.endswith("\n") else text + "\n")
    except UnexpectedInput as exc:
        raise InputError(f"HCL syntax error at column {exc.column}", file=file, line=exc.line) from None
    except (LarkError, RecursionError) as exc:
        raise InputError(f"HCL syntax error: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}",
                         file=file) from None
    body = tree.children[0]
    _, blocks, _ = _body(body, file)
    top_attributes = [c for c in body.children if getattr(c, "data", None) == "attribute"]
    if top_attributes and file.endswith(".tf"):
        raise InputError(f"unexpected argument {_name(top_attributes[0].children[0])!r} outside a block "
                         "(a .tf file holds blocks)", file=file, line=_line(top_attributes[0]))
    return blocks


def parse_values_text(text: str, file: str) -> dict:
    """A *.tfvars file: `name = expression` lines, as expression trees."""
    from lark.exceptions import LarkError, UnexpectedInput
    try:
        tree = _parser()(text if text.endswith("\n") else text + "\n")
    except UnexpectedInput as exc:
        raise InputError(f"HCL syntax error at column {exc.column}", file=file, line=exc.line) from None
    except (LarkError, RecursionError):
        raise InputError("HCL syntax error", file=file) from None
    attributes, _, _ = _body(tree.children[0], file)
    return attributes


def parse_expression(text: str, file: str):
    """One expression (a `--var` value, a heredoc's template) as a tree."""
    attributes = parse_values_text(f"_ = {text}\n", file)
    return attributes["_"]


def read_files(files: list[Path]) -> list[Block]:
    from auditor.files import read_text
    blocks: list[Block] = []
    for path in files:
        blocks.extend(parse_text(read_text(str(path)), str(path)))
    return blocks


def tf_files(folder: Path) -> list[Path]:
    """The *.tf files Terraform reads as one module (overrides are out of scope), in name order."""
    return sorted(p for p in folder.glob("*.tf") if p.is_file() and not p.name.endswith("_override.tf")
                  and p.name != "override.tf")

"""Evaluate Terraform expressions (python-hcl2's Lark trees) as far as they are known before a plan.

Literals, interpolation, conditionals, for expressions, splats, `var.*`, `local.*`, `each.*`,
`count.index`, references between resources and a set of pure functions are computed. Anything
else (a data source, a function outside the set, a variable without a value) is `Unknown`, which
leaves the evaluator as the `${unresolved:...}` marker the CloudFormation resolver uses, so the
rules report AGW000 instead of guessing. Strings keep an unknown part as that marker in place
(`integrations/${unresolved:...}`), so what is known about their shape is still checked.
"""

import json
import re

from auditor.core.arns import UNRESOLVED_MARK
from auditor.iac.resolve import unresolved


class Unknown:
    """A value Terraform computes only at plan or apply time."""

    __slots__ = ("what",)

    def __init__(self, what: str):
        self.what = what

    def __repr__(self):
        return f"Unknown({self.what})"


MAX_ITEMS = 100_000  # elements of one collection
MAX_TEXT = 1_000_000  # characters of one string
MAX_NODES = 1_000_000  # values visited to turn one value into the snapshot's
MAX_STEPS = 1_000_000  # expression nodes evaluated for one argument


class TooLarge(Exception):
    """A value no configuration a person writes reaches (hostile input): read as unknown."""


def check_size(value):
    """value, or Unknown when it is a collection or string past the limits above."""
    if isinstance(value, str) and len(value) > MAX_TEXT:
        return Unknown(f"string of {len(value)} characters")
    if isinstance(value, (list, tuple, dict)) and len(value) > MAX_ITEMS:
        return Unknown(f"collection of {len(value)} elements")
    return value


class EvalError(Exception):
    """An expression Terraform itself would reject (missing key, wrong type): try() moves on."""


class Namespace:
    """`var`, `local`, `module`, `data`, a resource type: a name that only means something with `.attr`."""

    __slots__ = ("kind", "parts")

    def __init__(self, kind: str, parts: tuple = ()):
        self.kind, self.parts = kind, parts


def to_plain(value):
    """The value the snapshot holds: Unknown -> the unresolved marker string."""
    budget = [MAX_NODES]
    try:
        return _plain(value, budget)
    except TooLarge:
        return unresolved("value too large to read")


def _plain(value, budget):
    budget[0] -= 1
    if budget[0] < 0:
        raise TooLarge()
    if isinstance(value, Unknown):
        return unresolved(value.what)
    if isinstance(value, dict):
        return {str(k): _plain(v, budget) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, budget) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return unresolved(getattr(value, "label", type(value).__name__))


def _text(value) -> str:
    """A value inside a string template."""
    if isinstance(value, Unknown):
        return unresolved(value.what)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (str, int, float)):
        return str(value)
    if value is None:
        raise EvalError("null in a string template")
    raise EvalError(f"cannot use a {type(value).__name__} in a string template")


_ESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)", re.S)
_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unescape(text: str) -> str:
    def one(match):
        code = match.group(1)
        if code[0] in "uU" and len(code) > 1:
            return chr(int(code[1:], 16))
        return _SIMPLE.get(code, "\\" + code)
    return _ESCAPE.sub(one, text)


def _strip_marker(value):
    """A reader value that is wholly the unresolved marker is Unknown again (conditions, indexes)."""
    if isinstance(value, str) and value.startswith(UNRESOLVED_MARK) and value.endswith("}") \
            and value.count(UNRESOLVED_MARK) == 1:
        return Unknown(value[len(UNRESOLVED_MARK):-1])
    return value


class Scope:
    """Where an expression is evaluated: its module, `each`/`count` of its block, for-expression names."""

    __slots__ = ("module", "names")

    def __init__(self, module, names: dict | None = None):
        self.module = module  # auditor.iac.hcl.modules.ModuleInstance
        self.names = names or {}

    def with_names(self, **names) -> "Scope":
        return Scope(self.module, {**self.names, **names})


class Evaluator:
    def __init__(self, functions: dict):
        self.functions = functions
        self.steps = 0
        self.depth = 0

    # -- entry points -------------------------------------------------------------------------
    def value(self, node, scope: Scope):
        """The value of an expression; what Terraform would reject is Unknown, never a guess."""
        if self.depth == 0:
            self.steps = 0
        self.depth += 1
        try:
            return self.ev(node, scope)
        except EvalError as exc:
            return Unknown(f"invalid expression ({exc})")
        except RecursionError:
            return Unknown("expression nested too deeply")
        except TooLarge:
            return Unknown("expression too large to evaluate")
        finally:
            self.depth -= 1

    # -- tree walk ----------------------------------------------------------------------------
    def ev(self, node, scope: Scope):
        from lark import Token
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise TooLarge()
        if isinstance(node, Token):
            raise EvalError(f"unexpected token {node!s}")
        handler = getattr(self, "_" + node.data, None)
        if handler is None:
            raise EvalError(f"unsupported expression {node.data}")
        return handler(node, scope)

    @staticmethod
    def _subtrees(node):
        from lark import Token
        return [c for c in node.children if not isinstance(c, Token) and c.data != "new_line_or_comment"]

    def _expr_term(self, node, scope):
        return self.ev(self._subtrees(node)[0], scope)

    def _int_lit(self, node, scope):
        return int(str(node.children[0]))

    def _float_lit(self, node, scope):
        return float(str(node.children[0]))

    def _literal_value(self, node, scope):
        return {"true": True, "false": False, "null": None}[str(node.children[0])]

    def _identifier(self, node, scope):
        name = str(node.children[0])
        if name in scope.names:
            return scope.names[name]
        if name in ("var", "local", "module", "data", "path", "terraform"):
            return Namespace(name)
        if name == "each":
            each = scope.names.get("__each__")
            if each is None:
                raise EvalError("each outside for_each")
            return each
        if name == "count":
            count = scope.names.get("__count__")
            if count is None:
                raise EvalError("count outside a counted block")
            return count
        if name == "self":
            return Unknown("self")
        if "_" in name:
            return Namespace("resource", (name,))
        raise EvalError(f"unknown name {name}")

    def _string(self, node, scope):
        parts = []
        for part in self._subtrees(node):
            inner = part.children[0]
            from lark import Token
            if isinstance(inner, Token):
                if inner.type == "STRING_CHARS":
                    parts.append(_unescape(str(inner)))
                elif inner.type == "ESCAPED_INTERPOLATION":
                    parts.append(str(inner)[1:])
                elif inner.type == "ESCAPED_DIRECTIVE":
                    parts.append(str(inner)[1:])
                else:
                    parts.append(str(inner))
            elif inner.data == "interpolation":
                value = self.ev(self._subtrees(inner)[0], scope)
                if len(self._subtrees(node)) == 1:
                    return value  # "${x}" is x itself, whatever its type
                parts.append(_text(value))
            else:
                return Unknown("template directive")
        return check_size("".join(parts))

    def _template_string(self, node, scope):
        return _unescape(str(node.children[0])[2:-2])

    def _heredoc(self, token: str, trim: bool, scope):
        if len(token) > MAX_TEXT:  # before any copy of it: the limit every string has
            return Unknown(f"heredoc of {len(token):,} characters")
        first, _, rest = token.partition("\n")
        lines = rest.split("\n")
        while lines and lines[-1].strip() == "":
            lines.pop()
        body = lines[:-1]  # the last line is the closing marker
        if trim:
            indents = [len(line) - len(line.lstrip(" \t")) for line in body if line.strip()]
            cut = min(indents) if indents else 0
            body = [line[cut:] for line in body]
        text = "\n".join(body) + ("\n" if body else "")
        if "${" not in text and "%{" not in text:
            return text
        from auditor.iac.hcl.parse import parse_expression
        escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        try:
            tree = parse_expression(f'"{escaped}"', "<heredoc>")
        except Exception:  # noqa: BLE001 - a heredoc we cannot re-read stays unknown
            return Unknown("heredoc")
        return self.ev(tree, scope)

    def _heredoc_template(self, node, scope):
        return self._heredoc(str(node.children[0]), False, scope)

    def _heredoc_template_trim(self, node, scope):
        return self._heredoc(str(node.children[0]), True, scope)

    def _tuple(self, node, scope):
        return check_size([self.ev(c, scope) for c in self._subtrees(node)])

    def _object(self, node, scope):
        out = {}
        for elem in self._subtrees(node):
            key_node, value_node = self._subtrees(elem)
            key_expr = self._subtrees(key_node)
            if not key_expr:  # a keyword used as a key
                key = str(key_node.children[0].children[0])
            else:
                inner = key_expr[0]
                bare = inner.data == "expr_term" and self._subtrees(inner)[0].data == "identifier"
                key = str(self._subtrees(inner)[0].children[0]) if bare else self.ev(inner, scope)
            if isinstance(key, Unknown):
                return Unknown("object with an unknown key")
            out[_text(key)] = self.ev(value_node, scope)
        return out

    def _conditional(self, node, scope):
        condition, yes, no = self._subtrees(node)
        test = self.ev(condition, scope)
        if isinstance(test, Unknown):
            return Unknown(test.what)
        if not isinstance(test, bool):
            raise EvalError("condition is not a bool")
        return self.ev(yes if test else no, scope)

    def _unary_op(self, node, scope):
        operator = str(node.children[0])
        value = self.ev(node.children[1], scope)
        if isinstance(value, Unknown):
            return value
        if operator == "!":
            if not isinstance(value, bool):
                raise EvalError("! of a non-bool")
            return not value
        number = _number(value)
        return -number

    def _binary_op(self, node, scope):
        trees = self._subtrees(node)
        left = self.ev(trees[0], scope)
        term = trees[1]
        operator = str(self._subtrees(term)[0].children[0])
        # && and || decide on a known left side without the right (Terraform evaluates both, but
        # the result is the same when the right side is merely unknown).
        if operator in ("&&", "||") and isinstance(left, bool):
            if operator == "&&" and not left:
                return False
            if operator == "||" and left:
                return True
        right = self.ev(self._subtrees(term)[1], scope)
        if isinstance(left, Unknown) or isinstance(right, Unknown):
            return Unknown(f"{'unknown' if isinstance(left, Unknown) else 'value'} {operator} ...")
        if operator == "==":
            return _equal(left, right)
        if operator == "!=":
            return not _equal(left, right)
        if operator in ("&&", "||"):
            if not isinstance(right, bool) or not isinstance(left, bool):
                raise EvalError(f"{operator} of non-bools")
            return right
        a, b = _number(left), _number(right)
        if operator == "+":
            return a + b
        if operator == "-":
            return a - b
        if operator == "*":
            return a * b
        if operator == "/":
            if b == 0:
                raise EvalError("division by zero")
            return a / b
        if operator == "%":
            if b == 0:
                raise EvalError("division by zero")
            return a % b
        return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[operator]

    def _function_call(self, node, scope):
        trees = self._subtrees(node)
        names = [str(t.children[0]) for t in trees if t.data == "identifier"]
        name = "::".join(names)
        args_tree = next((t for t in trees if t.data == "arguments"), None)
        arg_nodes = self._subtrees(args_tree) if args_tree is not None else []
        from lark import Token
        expand = args_tree is not None and any(isinstance(c, Token) and c.type == "ELLIPSIS"
                                               for c in args_tree.children)
        if name in ("try", "can"):
            return self._try(name, arg_nodes, scope)
        function = self.functions.get(name)
        if function is None:
            return Unknown(f"{name}(...)")
        args = [self.ev(a, scope) for a in arg_nodes]
        if expand and args:
            last = args.pop()
            if isinstance(last, Unknown):
                return last
            if not isinstance(last, (list, tuple)):
                raise EvalError(f"{name}(...) expands a non-list")
            args.extend(last)
        return check_size(function(self, scope, *args))

    def _try(self, name, arg_nodes, scope):
        for arg in arg_nodes:
            try:
                value = self.ev(arg, scope)
            except EvalError:
                continue
            if name == "can":
                return Unknown("can(...)") if isinstance(value, Unknown) else True
            return value
        if name == "can":
            return False
        raise EvalError("no argument of try() is valid")

    def _index_expr_term(self, node, scope):
        collection_node, index_node = self._subtrees(node)
        collection = self.ev(collection_node, scope)
        if index_node.data == "short_index":
            key = int(str(index_node.children[1]))
        else:
            key = self.ev(self._subtrees(index_node)[0], scope)
        return self.index(collection, key)

    def index(self, collection, key):
        if isinstance(collection, Unknown):
            return collection
        if isinstance(key, Unknown):
            return Unknown(f"index {key.what}")
        if isinstance(collection, (list, tuple)):
            number = _number(key)
            if not float(number).is_integer() or not 0 <= int(number) < len(collection):
                raise EvalError(f"index {key!r} out of range")
            return collection[int(number)]
        if isinstance(collection, dict):
            text = _text(key)
            if text not in collection:
                raise EvalError(f"no key {text!r}")
            return collection[text]
        resolve = getattr(collection, "index", None)
        if callable(resolve):
            return resolve(key)
        raise EvalError(f"cannot index a {type(collection).__name__}")

    def _get_attr_expr_term(self, node, scope):
        target_node, attr_node = self._subtrees(node)
        target = self.ev(target_node, scope)
        name = str(self._subtrees(attr_node)[0].children[0])
        return self.attr(target, name, scope)

    def attr(self, target, name: str, scope):
        if isinstance(target, Unknown):
            return target
        if isinstance(target, Namespace):
            return scope.module.namespace_attr(target, name, scope)
        if isinstance(target, dict):
            if name not in target:
                raise EvalError(f"no attribute {name!r}")
            return target[name]
        resolve = getattr(target, "attr", None)
        if callable(resolve):
            return _strip_marker(resolve(name))
        raise EvalError(f"cannot read .{name} of a {type(target).__name__}")

    def _splat(self, node, scope):
        target_node, splat = self._subtrees(node)
        target = self.ev(target_node, scope)
        if isinstance(target, Unknown):
            return target
        if target is None:
            items = []
        elif isinstance(target, (list, tuple)):
            items = list(target)
        else:
            items = [target]
        out = []
        for item in items:
            value = item
            for step in self._subtrees(splat):
                if step.data == "get_attr":
                    value = self.attr(value, str(self._subtrees(step)[0].children[0]), scope)
                elif step.data == "short_index":
                    value = self.index(value, int(str(step.children[1])))
                else:
                    value = self.index(value, self.ev(self._subtrees(step)[0], scope))
            out.append(value)
        return out

    _attr_splat_expr_term = _splat
    _full_splat_expr_term = _splat

    def _for(self, node, scope):
        trees = self._subtrees(node)
        intro = trees[0]
        intro_trees = self._subtrees(intro)
        names = [str(t.children[0]) for t in intro_trees if t.data == "identifier"]
        collection = self.ev(intro_trees[-1], scope)
        if isinstance(collection, Unknown):
            return collection
        if isinstance(collection, dict):
            pairs = list(collection.items())
        elif isinstance(collection, (list, tuple)):
            pairs = list(enumerate(collection))
        else:
            raise EvalError("for over a non-collection")
        condition = trees[-1] if trees[-1].data == "for_cond" else None
        body = trees[1:-1] if condition is not None else trees[1:]
        out = []
        for key, item in pairs:
            inner = scope.with_names(**({names[0]: key, names[1]: item} if len(names) == 2 else {names[0]: item}))
            if condition is not None:
                test = self.ev(self._subtrees(condition)[0], inner)
                if isinstance(test, Unknown):
                    return Unknown("for condition")
                if not test:
                    continue
            out.append(tuple(self.ev(b, inner) for b in body))
        return out

    def _for_tuple_expr(self, node, scope):
        rows = self._for(node, scope)
        return rows if isinstance(rows, Unknown) else check_size([row[0] for row in rows])

    def _for_object_expr(self, node, scope):
        from lark import Token
        rows = self._for(node, scope)
        if isinstance(rows, Unknown):
            return rows
        group = any(isinstance(c, Token) and c.type == "ELLIPSIS" for c in node.children)
        out: dict = {}
        for key, value in rows:
            if isinstance(key, Unknown):
                return Unknown("for key")
            key = _text(key)
            if group:
                out.setdefault(key, []).append(value)
            elif key in out:
                raise EvalError(f"duplicate key {key!r}")
            else:
                out[key] = value
        return check_size(out)


def _number(value):
    if isinstance(value, bool):
        raise EvalError("a bool is not a number")
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            try:
                return float(value)
            except ValueError:
                raise EvalError(f"{value!r} is not a number") from None
    raise EvalError(f"a {type(value).__name__} is not a number")


def _equal(a, b) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    return type(a) is type(b) and a == b


def text_of(value) -> str:
    return _text(value)


def as_json(value) -> str:
    return json.dumps(to_plain(value), separators=(",", ":"))

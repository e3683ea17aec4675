"""Variable type constraints applied to the values given: `optional(type, default)` attributes of
object types are filled in as Terraform does, so a module reads `each.value.integration.type` of a
caller who left it out (the community modules' inputs are written this way)."""

from auditor.iac.hcl.evaluate import Unknown


def _call(evaluator, node):
    """(function name, argument trees) of a type expression such as `map(object({...}))`, or None."""
    trees = evaluator._subtrees(node)
    while trees and node.data == "expr_term":
        node = trees[0]
        trees = evaluator._subtrees(node)
    if node.data != "function_call":
        return None
    name = str(trees[0].children[0])
    arguments = next((t for t in trees if t.data == "arguments"), None)
    return name, (evaluator._subtrees(arguments) if arguments is not None else [])


def _object_fields(evaluator, node) -> dict | None:
    trees = evaluator._subtrees(node)
    while trees and node.data == "expr_term":
        node = trees[0]
        trees = evaluator._subtrees(node)
    if node.data != "object":
        return None
    fields = {}
    for elem in trees:
        key_node, value_node = evaluator._subtrees(elem)
        key_expr = evaluator._subtrees(key_node)
        if not key_expr:
            continue
        inner = evaluator._subtrees(key_expr[0])
        fields[str(inner[0].children[0]) if inner and inner[0].data == "identifier" else ""] = value_node
    return fields


def convert(value, type_node, evaluator, scope, depth: int = 0):
    """value with the optional attributes of its declared type filled in (everything else as given)."""
    if isinstance(value, Unknown) or value is None or depth > 32:
        return value
    call = _call(evaluator, type_node)
    if call is None:
        return value
    name, arguments = call
    if name == "optional" and arguments:
        return convert(value, arguments[0], evaluator, scope, depth + 1)
    if name in ("map", "list", "set") and arguments:
        if isinstance(value, dict) and name == "map":
            return {k: convert(v, arguments[0], evaluator, scope, depth + 1) for k, v in value.items()}
        if isinstance(value, (list, tuple)) and name in ("list", "set"):
            return [convert(v, arguments[0], evaluator, scope, depth + 1) for v in value]
        return value
    if name == "object" and arguments and isinstance(value, dict):
        fields = _object_fields(evaluator, arguments[0])
        if fields is None:
            return value
        out = dict(value)
        for field, field_type in fields.items():
            inner = _call(evaluator, field_type)
            if field not in out or out[field] is None:
                if inner is not None and inner[0] == "optional" and len(inner[1]) > 1:
                    out[field] = evaluator.value(inner[1][1], scope)
                else:
                    out[field] = None
            out[field] = convert(out[field], field_type, evaluator, scope, depth + 1)
        return out
    return value

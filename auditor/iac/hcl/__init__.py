"""Terraform source (.tf) in, snapshot document out, with no `terraform plan` (no credentials,
backend or providers): for pre-commit hooks and pull requests.

parse (python-hcl2's tree) -> modules/project (variables, locals, count/for_each, modules) ->
evaluate (expressions, as far as known before a plan) -> mapping (the plan reader's own mapping
to the snapshot). See docs/iac.md, "Terraform source".
"""

from pathlib import Path

from auditor.errors import InputError

VALUE_FILES = ("terraform.tfvars", "terraform.tfvars.json")


def is_source_folder(path: Path) -> bool:
    from auditor.iac.hcl.parse import tf_files
    return path.is_dir() and bool(tf_files(path))


def is_source_file(path: str) -> bool:
    return path.endswith(".tf")


def parse_variables(items: list[str] | None) -> dict:
    """`--var name=value` flags (repeatable), as Terraform's -var."""
    from auditor.errors import UsageError
    out = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--var expects NAME=VALUE, got {item!r}")
        out[key.strip()] = value
    return out


def _value_files(root: Path, var_files: list[str], folder: bool) -> list[Path]:
    found = []
    if folder:
        found += [root / name for name in VALUE_FILES if (root / name).is_file()]
        found += sorted(p for p in root.glob("*.auto.tfvars") if p.is_file())
        found += sorted(p for p in root.glob("*.auto.tfvars.json") if p.is_file())
    for given in var_files:
        path = Path(given)
        if not path.is_file():
            raise InputError("no such --var-file", file=given)
        found.append(path)
    return found


def _read_value_file(path: Path) -> dict:
    """name -> expression tree (or ("value", v) for .json), as Terraform reads *.tfvars."""
    from auditor.files import parse_json, read_text
    from auditor.iac.hcl.parse import parse_values_text
    text = read_text(str(path))
    if path.name.endswith(".json"):
        data = parse_json(text, str(path))
        if not isinstance(data, dict):
            raise InputError("a .tfvars.json file holds an object", file=str(path))
        return {k: ("value", v) for k, v in data.items()}
    return {k: ("tree", v) for k, v in parse_values_text(text, str(path)).items()}


def load_source(path: str, region: str | None, account: str | None, parameters: dict | None,
                variables: dict | None = None, var_files: list[str] | None = None) -> dict:
    """The snapshot document of a folder of .tf files (one root module) or of one .tf file."""
    from auditor.files import read_text
    from auditor.iac import make_settings
    from auditor.iac.hcl.mapping import SourceReader
    from auditor.iac.hcl.parse import parse_expression, parse_text, tf_files
    from auditor.iac.hcl.project import Project
    from auditor.iac.resolve import Settings
    target = Path(path)
    folder = target.is_dir()
    files = tf_files(target) if folder else [target]
    if not files:
        raise InputError("folder holds no .tf files", file=path)
    texts, blocks = [], []
    for file in files:
        text = read_text(str(file))
        texts.append(text)
        blocks.extend(parse_text(text, str(file)))
    root = target if folder else target.parent
    reader = SourceReader(path, Settings())
    project = Project(root, blocks, {}, reader)
    module = project.root_module
    for value_file in _value_files(root, list(var_files or []), folder):
        for name, given in _read_value_file(value_file).items():
            module.inputs[name] = given if given[0] == "value" else (given[1], module.scope)
    for name, text in (variables or {}).items():
        declared = module.variables.get(name)
        wants_string = declared is None or "type" not in declared.attributes or \
            _type_name(declared.attributes["type"]) == "string"
        module.inputs[name] = ("value", text) if wants_string else \
            (parse_expression(text, f"--var {name}"), module.scope)
    provider_region = None
    for block in blocks:
        if block.type == "provider" and block.labels == ["aws"] and "alias" not in block.attributes \
                and "region" in block.attributes:
            value = project.evaluator.value(block.attributes["region"], module.scope)
            provider_region = value if isinstance(value, str) else None
    reader.settings = make_settings("\n".join(texts), region, account, parameters, fallback_region=provider_region)
    reader.builder.settings = reader.settings
    try:
        project.expand_all()
        return reader.read()
    except RecursionError:
        raise InputError("references nest too deeply to read", file=path) from None
    except (AttributeError, TypeError, KeyError, ValueError) as exc:  # a value of a type no provider takes
        raise InputError(f"not Terraform configuration this tool can read: unexpected value ({exc})",
                         file=path) from None


def _type_name(tree) -> str | None:
    from lark import Token
    node = tree
    while not isinstance(node, Token) and node.children and node.data in ("expr_term", "identifier"):
        node = node.children[0]
    return str(node) if isinstance(node, Token) else None


__all__ = ["load_source", "is_source_folder", "is_source_file", "parse_variables"]

"""Run the CLI in-process on one input and judge the outcome by the contract a CI user relies on:
exit 0, 1 or 2; never a traceback; an exit-2 message is one line that names the file."""

import contextlib
import io
import json
import random
from pathlib import Path

from auditor.cli import main

ROOT = Path(__file__).resolve().parents[2]
# Inputs the mutations start from: the repository's own examples and fixtures, one per input kind.
SNAPSHOTS = [ROOT / "examples" / "seed-broken.json", ROOT / "examples" / "seed-correct.json"]
TEMPLATES = [ROOT / "examples" / "iac" / "seed-broken.cfn.yaml", ROOT / "examples" / "iac" / "seed-correct.sam.yaml",
             ROOT / "examples" / "iac" / "seed-missing-permission.tfplan.json",
             ROOT / "tests" / "iac" / "fixtures" / "misc" / "api.openapi.yaml",
             ROOT / "tests" / "iac" / "fixtures" / "cdk.out" / "ItemsStack.template.json"]
FORMATS = ("json", "sarif", "junit", "markdown", "github", "table")

# Values put at a random place in a document: wrong types, limits of each type, and text JSON
# allows but Python or the report formats choke on. DEEP and HUGE are spliced into the text as is.
DEEP = "[" * 50_000 + "]" * 50_000
HUGE = "9" * 5000
HOSTILE_VALUES = [None, True, 0, -1, 1.5e308, 10**30, "", "\ud800", "\udcff", "a\x00b", "`" * 50, "*" * 40,
                  "arn:aws:execute-api:*:*:*/*", "${unresolved}", "<x>|&", [], {}, [None], {"": None},
                  "é" * 3000, "\u202e", "GET /{proxy+}", "$default", "integrations/", "a" * 5000]


def run_cli(argv: list[str]) -> tuple[int | None, str, str, BaseException | None]:
    out, err = io.StringIO(), io.StringIO()
    crash = None
    code = None
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse
            code = exc.code
        except BaseException as exc:  # noqa: BLE001 - any escape is the defect we look for
            crash = exc
    return code, out.getvalue(), err.getvalue(), crash


def verdict(argv: list[str], path: str) -> str | None:
    """None when the run kept the contract, else what went wrong."""
    code, _, err, crash = run_cli(argv)
    if crash is not None:
        return f"traceback: {type(crash).__name__}: {str(crash)[:200]}"
    if "Traceback" in err:
        return "traceback on stderr"
    if code not in (0, 1, 2):
        return f"exit {code}"
    if code == 2:
        lines = err.strip().splitlines()
        if len(lines) != 1:
            return f"exit 2 with {len(lines)} lines: {err[:300]!r}"
        if Path(path).name not in lines[0]:
            return f"exit 2 message does not name the file: {lines[0][:300]!r}"
    return None


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, prefix + (index,))


def mutate_document(document, rng: random.Random, count: int):
    """`count` mutations at random paths: replace, delete, or wrap a value. Returns (document, splices)."""
    splices = {}
    for _ in range(count):
        paths = list(_paths(document))
        path = rng.choice(paths)
        if not path:
            continue
        parent = document
        for step in path[:-1]:
            parent = parent[step]
        key = path[-1]
        action = rng.randrange(4)
        if action == 0:
            del parent[key]
        elif action == 1:
            parent[key] = [parent[key]]
        elif action == 2:
            token = f"@@SPLICE{len(splices)}@@"
            splices[f'"{token}"'] = rng.choice([DEEP, HUGE, "-" + HUGE, "1e99999", '{"Items": []}'])
            parent[key] = token
        else:
            parent[key] = rng.choice(HOSTILE_VALUES)
    return document, splices


def mutated_text(source: Path, rng: random.Random) -> tuple[str, str]:
    """A mutated copy of source's text and the suffix to save it under."""
    text = source.read_text()
    suffix = source.suffix
    if rng.random() < 0.25:  # text-level: cut, insert a hostile character, tabs, aliases
        pos = rng.randrange(len(text) + 1)
        piece = rng.choice(["", "\t", "\ud800", "&a ", "*a ", "!Ref", "{", "]", "\x00", "\n  - ", ": ", "'", '"\\'])
        text = text[:pos] + piece + text[pos + rng.randrange(3):]
        return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace"), suffix
    if suffix in (".yaml", ".yml"):
        from auditor.iac.yamlload import load_yaml_text
        document = json.loads(json.dumps(load_yaml_text(text, str(source))))
        suffix = ".json"  # CloudFormation reads JSON too; the mutated document is written as JSON
    else:
        document = json.loads(text)
    document, splices = mutate_document(document, rng, rng.randint(1, 3))
    out = json.dumps(document)
    for token, value in splices.items():
        out = out.replace(token, value)
    return out, suffix


def check_one(source: Path, seed: int, workdir: Path) -> str | None:
    rng = random.Random(seed)
    text, suffix = mutated_text(source, rng)
    path = workdir / (source.stem.split(".")[0] + "-mutant" + (".cfn" if source.suffix == ".yaml" else "") + suffix)
    if source.name.endswith(".tfplan.json"):
        path = workdir / "mutant.tfplan.json"
    elif source.parent.name == "cdk.out":
        path = workdir / "mutant.template.json"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    fmt = rng.choice(FORMATS)
    outputs = [f"--output={other}={workdir / ('report.' + other)}" for other in FORMATS if other != fmt]
    return verdict(["audit", str(path), "--format", fmt, *outputs], str(path))


CLI_OUTPUTS = ROOT / "tests" / "iac" / "fixtures" / "cli-outputs"


def check_cli_folder(seed: int, workdir: Path) -> str | None:
    """A copy of the CLI-outputs fixture folder with one of its files mutated."""
    import shutil
    rng = random.Random(seed)
    folder = workdir / "cli"
    shutil.copytree(CLI_OUTPUTS, folder)
    files = sorted(folder.rglob("*.json"))
    target = rng.choice(files)
    document, splices = mutate_document(json.loads(target.read_text()), rng, rng.randint(1, 3))
    text = json.dumps(document)
    for token, value in splices.items():
        text = text.replace(token, value)
    target.write_text(text, encoding="utf-8")
    return verdict(["audit", str(folder), "--format", rng.choice(FORMATS)], str(folder))

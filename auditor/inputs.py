"""Turn the paths a user gives into one snapshot model, whatever each file is.

Every input kind ends in the same model, so the rules never know where a snapshot came from:
snapshot JSON, or infrastructure as code (auditor/iac: CloudFormation, SAM, CDK cdk.out,
Terraform plan JSON, OpenAPI, a folder of AWS CLI outputs), detected from content unless
`input_type` says which.
"""

from pathlib import Path

from auditor.errors import UsageError
from auditor.core.model import Snapshot
from auditor.snapshot import expand_paths, load_snapshot_file, merge, read_snapshot_document, try_load_snapshot

INPUT_TYPES = ["snapshot", "cloudformation", "sam", "cdk", "terraform", "openapi", "cli-outputs"]


def load_inputs(paths: list[str], input_type: str | None = None, region: str | None = None,
                account: str | None = None, parameters: dict | None = None, variables: dict | None = None,
                var_files: list[str] | None = None) -> Snapshot:
    """region/account/parameters fill in what templates leave open (ignored by snapshot files);
    variables/var_files are Terraform source's -var and -var-file."""
    if input_type is not None and input_type not in INPUT_TYPES:
        raise UsageError(f"unknown input type {input_type!r}; use one of {', '.join(INPUT_TYPES)}")
    if input_type == "snapshot":
        return merge([load_snapshot_file(path) for path in expand_paths(paths)])
    from auditor import iac
    snapshots = []
    files = []  # plain files and folders of them, read below in one pass so none is read twice
    for given in paths:
        folder = Path(given)
        kind = (input_type or iac.detect_folder(folder)) if folder.is_dir() else None
        if kind == "terraform" and not iac.is_terraform_source_folder(folder):
            kind = None  # a folder of plan JSON files
        if kind in ("cdk", "cli-outputs", "terraform"):
            for file, document in iac.load_folder(folder, kind, region, account, parameters, variables, var_files):
                snapshots.append(_stack(read_snapshot_document(document, file), file))
            if kind == "terraform":  # the folder's other inputs too: a snapshot or template beside main.tf
                files += [str(p) for p in _other_inputs(folder, json_too=True)]
        elif folder.is_dir() and input_type is None and (templates := _other_inputs(folder, json_too=False)):
            if any(p.is_file() for p in folder.glob("*.json")):
                files.append(given)
            files += [str(p) for p in templates]
        else:
            files.append(given)
    for path in expand_paths(files) if files else ():
        snapshot = try_load_snapshot(path) if input_type is None else None  # the fast path of big snapshots
        if snapshot is None:
            document, from_iac = iac.load_input_file(str(path), input_type, region, account, parameters, variables,
                                                     var_files)
            snapshot = read_snapshot_document(document, str(path))
            if from_iac:
                snapshot = _stack(snapshot, str(path))
                snapshots += _nested(str(path), region, account, {str(Path(path).resolve())})
        snapshots.append(snapshot)
    return merge(snapshots)


def _other_inputs(folder: Path, json_too: bool) -> list[Path]:
    """A folder's templates (and, beside Terraform source, its JSON files other than Terraform's own
    *.tfvars.json): read with the rest, never dropped without a word because the folder held something else.
    A file the Terraform source names (`templatefile("${path.module}/api.yaml", ...)`, `file("policy.json")`)
    is part of that source, not an input of its own."""
    from auditor.files import read_text
    from auditor.snapshot import _looks_like_template
    found = [p for p in sorted(folder.iterdir()) if _looks_like_template(p)]
    if json_too:
        found += [p for p in sorted(folder.glob("*.json")) if p.is_file() and not p.name.endswith(".tfvars.json")
                  and not p.name.startswith(".")]
        source = "".join(read_text(str(tf)) for tf in sorted(folder.glob("*.tf")) if tf.is_file())
        found = [p for p in found if p.name not in source]
    return found


def _nested(path: str, region, account, seen: set, depth: int = 0) -> list[Snapshot]:
    """Nested applications with a local Location (iac.sam.local_applications), each its own stack."""
    from auditor import iac
    from auditor.iac.sam import MAX_NESTING, local_applications
    out = []
    for nested in local_applications(path) if depth < MAX_NESTING else ():
        key = str(Path(nested).resolve())
        if key in seen:
            continue
        seen.add(key)
        document, _ = iac.load_input_file(nested, None, region, account, None)
        out.append(_stack(read_snapshot_document(document, nested), nested))
        out += _nested(nested, region, account, seen, depth + 1)
    return out


def _stack(snapshot: Snapshot, name: str) -> Snapshot:
    """A template, plan or CLI-output folder is a stack of its own: see README, "Several inputs in one run"."""
    for scope in snapshot.scopes:
        scope.stack = name
    return snapshot

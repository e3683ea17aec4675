"""Turn the paths a user gives into one snapshot model, whatever each file is.

Every input kind ends in the same model, so the rules never know where a snapshot came from:
snapshot JSON, or infrastructure as code (auditor/iac: CloudFormation, SAM, CDK cdk.out,
Terraform plan JSON, OpenAPI, a folder of AWS CLI outputs), detected from content unless
`input_type` says which.
"""

from pathlib import Path

from auditor.errors import UsageError
from auditor.model import Snapshot
from auditor.snapshot import expand_paths, load_snapshot_file, merge, read_snapshot_document, try_load_snapshot

INPUT_TYPES = ["snapshot", "cloudformation", "sam", "cdk", "terraform", "openapi", "cli-outputs"]


def load_inputs(paths: list[str], input_type: str | None = None, region: str | None = None,
                account: str | None = None, parameters: dict | None = None) -> Snapshot:
    """region/account/parameters fill in what templates leave open (ignored by snapshot files)."""
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
        if kind in ("cdk", "cli-outputs"):
            for file, document in iac.load_folder(folder, kind, region, account, parameters):
                snapshots.append(read_snapshot_document(document, file))
        else:
            files.append(given)
    for path in expand_paths(files) if files else ():
        snapshot = try_load_snapshot(path) if input_type is None else None  # the fast path of big snapshots
        if snapshot is None:
            snapshot = read_snapshot_document(iac.load_file(str(path), input_type, region, account, parameters),
                                              str(path))
        snapshots.append(snapshot)
    return merge(snapshots)

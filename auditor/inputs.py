"""Turn the paths a user gives into one snapshot model, whatever each file is.

Every input kind (snapshot JSON today; IaC readers register here) ends in the same model, so
the rules never know where a snapshot came from.
"""

from auditor.model import Snapshot
from auditor.snapshot import expand_paths, load_snapshot_file, merge

INPUT_TYPES = ["snapshot"]


def load_inputs(paths: list[str], input_type: str | None = None) -> Snapshot:
    return merge([load_snapshot_file(path) for path in expand_paths(paths)])

"""What `fix` predicts equals a fresh audit of what it wrote, and a template never gets an `aws` command.

The measured defect: narrowing a broad permission on an alias was written correctly into a CloudFormation
or Terraform template, but the prediction still said AGW302 (the statement was removed from the alias's
policy in the model, where a template keeps it on the function's), exit 1, and an `aws` command (in
Terraform with a resource address inside the ARN) was printed as the fix for a template.
"""

import re
import shutil
from pathlib import Path

import pytest

from auditor.cli import main

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize("name", ["alias-broad.cfn.yaml", "alias-broad.tf"])
def test_narrowing_a_broad_permission_on_an_alias_is_predicted_as_written(name, tmp_path, capsys):
    copy = tmp_path / name
    shutil.copy(FIXTURES / name, copy)
    assert main(["audit", str(copy)]) == 1
    capsys.readouterr()
    assert main(["fix", str(copy), "--diff"]) == 0
    out, err = capsys.readouterr()
    assert "0 at or above medium" in err and "still: AGW302" not in err
    assert not re.search(r"\baws (lambda|apigatewayv2) ", out + err)  # no CLI command for a template
    assert main(["fix", str(copy), "--write"]) == 0
    capsys.readouterr()
    assert main(["audit", str(copy)]) == 0  # the fresh audit agrees with the prediction


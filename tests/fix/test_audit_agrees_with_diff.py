"""On a CloudFormation template, `audit`'s per-finding remediation and `fix --diff` add the same resources
under the same names, and neither writes the placeholder account into the template (issue 12)."""

import json
import re

from auditor.cli import main
from tests.fix.test_text_stays_valid import TEMPLATE

BLOCK_TEMPLATE = TEMPLATE.replace("    Properties: {ApiId: !Ref Api, StageName: $default, AutoDeploy: true}\n",
                                  "    Properties:\n      ApiId: !Ref Api\n      StageName: $default\n"
                                  "      AutoDeploy: true\n")


def test_audit_text_and_fix_diff_name_the_same_new_resources(tmp_path, capsys):
    path = tmp_path / "template.yaml"
    path.write_text(BLOCK_TEMPLATE)
    capsys.readouterr()
    main(["audit", str(path), "--format", "json", "--fail-on", "never"])
    findings = json.loads(capsys.readouterr().out)["findings"]
    texts = {f["rule_id"]: f["remediation"] for f in findings if f["rule_id"] in ("AGW201", "AGW305")}
    assert set(texts) == {"AGW201", "AGW305"}
    assert main(["fix", str(path), "--diff", "--fail-on", "low"]) == 0
    diff = capsys.readouterr().out
    added = [line[1:] for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")]
    new_resources = {m.group(1) for line in added if (m := re.fullmatch(r"  (\w+):", line))}
    assert new_resources == {"FnApiInvokePermission", "ApiAccessLogs"}
    for name in new_resources:
        assert f"{name}:" in texts["AGW201"] + texts["AGW305"]
    assert "!GetAtt ApiAccessLogs.Arn" in texts["AGW305"] and "!GetAtt ApiAccessLogs.Arn" in diff
    assert not [line for line in added if "123456789012" in line]
    assert "123456789012" not in texts["AGW305"]

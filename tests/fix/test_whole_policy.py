"""A statement of a whole resource-based policy (AWS::Lambda::ResourcePolicy) is fixed inside its own
PolicyDocument (issue 23, item 8): before, an Allow with no SourceArn in such a document was left for a person.

The diff scopes that one statement (Principal API Gateway, SourceArn the API's), keeps every other statement
(a Deny too) as written, applies with `patch`, adds no cfn-lint error, equals what `fix` predicted, and a second
run plans nothing."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from auditor.cli import main
from tests.fix.test_template_diff import lint_errors

FIXTURES = Path(__file__).parent / "fixtures"
SCOPED_ALLOW = """            Action: lambda:InvokeFunction
            Resource: !GetAtt ItemsFunction.Arn
            Condition:
              ArnLike:
                AWS:SourceArn: !Sub "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:%s/*"
"""
VARIANTS = {
    # a Deny for callers outside a VPC: API Gateway's call has no aws:SourceVpc, so the Deny refuses it
    "deny-blocks-api-gateway": ("AGW203", SCOPED_ALLOW % "${HttpApi}" + """          - Sid: only-from-the-vpc
            Effect: Deny
            Principal: "*"
            Action: lambda:InvokeFunction
            Resource: !GetAtt ItemsFunction.Arn
            Condition:
              StringNotEquals:
                aws:SourceVpc: vpc-1a2b3c4d
""", ["+              ArnNotLike:", "AWS:SourceArn: !Sub", "${HttpApi}/*"], ["only-from-the-vpc", "vpc-1a2b3c4d"]),
    # an Allow naming another API: this one gets its grant in the same document (the other kept)
    "allow-names-another-api": ("AGW202", SCOPED_ALLOW % "a1b2c3d4e5", ["+          - Sid: apigateway-invoke-HttpApi",
                                                                       "${HttpApi}/*"], ["a1b2c3d4e5"]),
}


def findings(path, capsys) -> set:
    main(["audit", str(path), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    return {(f["rule_id"], f["severity"]) for f in report["findings"]}


@pytest.mark.parametrize("name", ["whole-policy-broad.cfn.yaml", "whole-policy-broad.cfn.json"])
def test_an_allow_without_source_arn_is_scoped_in_its_policy_document(name, tmp_path, capsys):
    copy = tmp_path / name
    shutil.copy(FIXTURES / name, copy)
    original = copy.read_text()
    assert ("AGW301", "high") in findings(copy, capsys)
    main(["audit", str(copy)])
    advice = capsys.readouterr().out
    assert "ItemsPolicy (AWS::Lambda::ResourcePolicy), in the PolicyDocument statement with Sid `api-gateway`" in advice
    assert "(AWS::Lambda::Permission)" not in advice

    assert main(["fix", str(copy), "--diff"]) == 0
    diff, err = capsys.readouterr()
    assert "0 at or above medium" in err and "left for a person" not in err
    assert "+++" in diff and "AWS:SourceArn" in diff
    (tmp_path / "fix.diff").write_text(diff)
    patched = tmp_path / "patched" / name
    patched.parent.mkdir()
    shutil.copy(copy, patched)
    done = subprocess.run(["patch", str(patched), str(tmp_path / "fix.diff")], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr

    # only the scoped statement changed: no line of the original removed but that statement's Principal
    removed = [line for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")]
    assert all("Principal" in line for line in removed)
    assert "AWS::Lambda::Permission" not in patched.read_text()  # no grant added beside the whole policy
    for kept in ("keep-account-reader", "lambda:GetFunction") + (("no-other-account", "444455556666")
                                                                  if name.endswith(".json") else ()):
        assert kept in patched.read_text()
    assert lint_errors(patched) <= lint_errors(copy)

    # the prediction equals a fresh audit of the patched file, and a second run plans nothing
    after = findings(patched, capsys)
    assert not {rule for rule, severity in after if severity in ("medium", "high", "critical")}
    assert main(["fix", str(patched), "--diff"]) == 0
    diff2, err2 = capsys.readouterr()
    assert diff2.strip() == "" and "Changes: 0" in err2
    assert copy.read_text() == original  # --diff wrote nothing


def test_a_statement_with_conditions_of_its_own_is_left_for_a_person_with_words(tmp_path, capsys):
    """Its other conditions are a person's to merge: the plan says what to set, in the document."""
    text = (FIXTURES / "whole-policy-broad.cfn.yaml").read_text().replace(
        "            Action: lambda:InvokeFunction\n",
        "            Action: lambda:InvokeFunction\n            Condition:\n              StringEquals:\n"
        "                AWS:SourceAccount: !Ref AWS::AccountId\n")
    copy = tmp_path / "t.yaml"
    copy.write_text(text)
    main(["fix", str(copy), "--diff"])
    diff, err = capsys.readouterr()
    assert "left for a person" in err and "whole resource-based policy" in err and "api-gateway" in err
    assert "Condition" not in diff


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_a_whole_policy_that_fails_api_gateway_is_fixed_in_its_document(variant, tmp_path, capsys):
    rule, statements, added, kept = VARIANTS[variant]
    text = (FIXTURES / "whole-policy-broad.cfn.yaml").read_text().replace(
        "            Action: lambda:InvokeFunction\n            Resource: !GetAtt ItemsFunction.Arn\n", statements)
    copy = tmp_path / "t.yaml"
    copy.write_text(text)
    assert rule in {r for r, severity in findings(copy, capsys) if severity == "high"}
    main(["audit", str(copy)])
    advice = capsys.readouterr().out.split("How to fix:")[1]
    assert "AWS::Lambda::ResourcePolicy" in advice and "aws lambda" not in advice  # audit says what fix writes
    assert "AWS::Lambda::Permission" not in advice

    assert main(["fix", str(copy), "--diff"]) == 0
    diff, err = capsys.readouterr()
    assert "0 at or above medium" in err and "left for a person" not in err
    predicted = err.split("Findings after")[1].split(":", 1)[1].split(";")[0].strip()
    assert all(line in diff for line in added), diff
    assert not [line for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")]
    (tmp_path / "fix.diff").write_text(diff)
    done = subprocess.run(["patch", str(copy), str(tmp_path / "fix.diff")], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    patched = copy.read_text()
    assert "AWS::Lambda::Permission" not in patched and all(k in patched for k in kept)
    original = tmp_path / "original.yaml"
    original.write_text(text)
    assert lint_errors(copy) <= lint_errors(original)

    main(["audit", str(copy)])
    assert predicted in capsys.readouterr().out.splitlines()[-1]  # the prediction is the fresh audit
    assert main(["fix", str(copy), "--diff"]) == 0
    diff2, err2 = capsys.readouterr()
    assert diff2.strip() == "" and "Changes: 0" in err2


TF_ALLOW = """        Action    = "lambda:InvokeFunction"
        Resource  = aws_lambda_function.items.arn
      },
"""
TF_SCOPED = """        Action    = "lambda:InvokeFunction"
        Resource  = aws_lambda_function.items.arn
        Condition = { ArnLike = { "AWS:SourceArn" = "%s/*" } }
      },
"""
TF_VARIANTS = {
    "allow-without-source-arn": ("AGW301", TF_ALLOW, ['+        Condition = { ArnLike = { "AWS:SourceArn" = '
                                                      '"${aws_apigatewayv2_api.http.execution_arn}/*" } }'], []),
    "deny-blocks-api-gateway": ("AGW203", TF_SCOPED % "${aws_apigatewayv2_api.http.execution_arn}" + """      {
        Sid       = "only-from-the-vpc"
        Effect    = "Deny"
        Principal = "*"
        Action    = "lambda:InvokeFunction"
        Resource  = aws_lambda_function.items.arn
        Condition = {
          StringNotEquals = { "aws:SourceVpc" = "vpc-1a2b3c4d" }
        }
      },
""", ['+          ArnNotLike      = { "AWS:SourceArn" = "${aws_apigatewayv2_api.http.execution_arn}/*" }'],
        ["only-from-the-vpc", "vpc-1a2b3c4d"]),
    "allow-names-another-api": ("AGW202", TF_SCOPED % "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5",
                                ['+        Effect    = "Allow"', "${aws_apigatewayv2_api.http.execution_arn}/*"],
                                ["a1b2c3d4e5"]),
}


@pytest.mark.parametrize("variant", sorted(TF_VARIANTS))
def test_a_terraform_resource_policy_is_fixed_in_its_jsonencoded_document(variant, tmp_path, capsys):
    """aws_lambda_resource_policy: the statement is edited inside `policy = jsonencode({...})`, as `terraform fmt`
    writes it (checked when terraform is installed); before, it was left for a person."""
    rule, statements, added, kept = TF_VARIANTS[variant]
    text = (FIXTURES / "whole-policy-broad.tf").read_text().replace(TF_ALLOW, statements, 1)
    folder = tmp_path / "tf"
    folder.mkdir()
    copy = folder / "main.tf"
    copy.write_text(text)
    assert rule in {r for r, severity in findings(copy, capsys) if severity == "high"}
    main(["audit", str(copy)])
    advice = capsys.readouterr().out.split("How to fix:")[-1]
    assert "aws lambda" not in advice

    assert main(["fix", str(copy), "--diff"]) == 0
    diff, err = capsys.readouterr()
    assert "0 at or above medium" in err and "left for a person" not in err
    predicted = err.split("Findings after")[1].split(":", 1)[1].split(";")[0].strip()
    assert all(line in diff for line in added), diff
    assert not [line for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")]
    assert "aws_lambda_permission" not in diff
    (tmp_path / "fix.diff").write_text(diff)
    done = subprocess.run(["patch", str(copy), str(tmp_path / "fix.diff")], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert all(k in copy.read_text() for k in kept)
    terraform = shutil.which("terraform")
    if terraform:
        fmt = subprocess.run([terraform, "fmt", "-check", "-diff", str(copy)], capture_output=True, text=True)
        assert fmt.returncode == 0, fmt.stdout

    main(["audit", str(copy)])
    assert predicted in capsys.readouterr().out.splitlines()[-1]
    assert main(["fix", str(copy), "--diff"]) == 0
    diff2, err2 = capsys.readouterr()
    assert diff2.strip() == "" and "Changes: 0" in err2


def test_an_edit_that_cannot_finish_leaves_the_text_as_it_was(tmp_path, capsys):
    """Principal could be set, the Condition (an object on one line) could not grow: nothing of the edit is
    printed (before, the Principal half would have stayed in the diff), and the plan says what to set."""
    text = (FIXTURES / "whole-policy-broad.tf").read_text().replace(
        '        Principal = { Service = "apigateway.amazonaws.com" }\n        Action    = "lambda:InvokeFunction"\n'
        '        Resource  = aws_lambda_function.items.arn\n',
        '        Principal = "*"\n        Action    = "lambda:InvokeFunction"\n'
        '        Resource  = aws_lambda_function.items.arn\n'
        '        Condition = { StringEquals = { "AWS:SourceAccount" = "123456789012" } }\n')
    folder = tmp_path / "tf"
    folder.mkdir()
    (folder / "main.tf").write_text(text)
    main(["fix", str(folder / "main.tf"), "--diff"])
    diff, err = capsys.readouterr()
    assert diff.strip() == ""
    assert "left for a person" in err and "aws_lambda_resource_policy.items, a whole resource-based policy" in err

"""A read policy written whole (PutResourcePolicy) gets its fix in its own form (issue 23, item 8): the script
writes the whole corrected document with `aws lambda put-resource-policy`, only while the policy's revision is
the one the plan read, and a rerun changes nothing.

moto has no PutResourcePolicy/GetResourcePolicy: the script runs against a PATH shim of `aws` that records its
argv and keeps one policy and its revision (the two operations' shapes are botocore 1.44's lambda model:
ResourceArn, Policy, RevisionId; a stale RevisionId is PreconditionFailedException)."""

import json
import os
import re
import stat
import subprocess
import sys

import pytest

from auditor.cli import main
from tests.live.conftest import aws, aws_env  # noqa: F401 (moto fixtures)
from tests.seed import API_ARN, FUNCTION_ARN, Seed, grant

DENY = {"Sid": "no-other-account", "Effect": "Deny", "Principal": "*", "Action": "lambda:InvokeFunction",
        "Resource": FUNCTION_ARN, "Condition": {"StringNotEquals": {"AWS:SourceAccount": "123456789012"}}}
SHIM = r'''
import json, sys
state_file, log = sys.argv[1], sys.argv[2]
args = sys.argv[3:]
open(log, "a").write(json.dumps(args) + "\n")
state = json.load(open(state_file))
def arg(flag):
    return args[args.index(flag) + 1]
if args[:2] == ["lambda", "get-policy"]:
    sid = json.loads(arg("--query").split("`")[1]).split(":", 1)[1]
    print("True" if sid in json.dumps(json.loads(state["policy"]), separators=(",", ":")) else "False")
elif args[:2] == ["lambda", "get-resource-policy"]:
    print(state["revision"])
elif args[:2] == ["lambda", "put-resource-policy"]:
    if arg("--revision-id") != state["revision"]:
        sys.stderr.write("An error occurred (PreconditionFailedException)\n")
        sys.exit(254)
    json.loads(arg("--policy"))
    state = {"policy": arg("--policy"), "revision": state["revision"] + "-next"}
    json.dump(state, open(state_file, "w"))
else:
    sys.stderr.write("unexpected: %r\n" % args)
    sys.exit(2)
'''


def shim(tmp_path, policy: dict, revision: str):
    """A PATH whose `aws` answers from (and writes to) one policy with a revision; each call's argv is logged."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (tmp_path / "aws.py").write_text(SHIM)
    state, log = tmp_path / "state.json", tmp_path / "argv.jsonl"
    state.write_text(json.dumps({"policy": json.dumps(policy), "revision": revision}))
    aws = bin_dir / "aws"
    aws.write_text(f"#!/bin/sh\nexec {sys.executable} {tmp_path / 'aws.py'} {state} {log} \"$@\"\n")
    aws.chmod(aws.stat().st_mode | stat.S_IEXEC)
    return {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}, state, log


def calls(log) -> list:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def whole_policy(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def summary(text: str) -> str:
    """'N finding(s) (...)' of a summary or prediction line."""
    return re.search(r"(\d+ finding\(s\)(?: \([^)]*\))?)", text).group(1)


@pytest.mark.parametrize("broad", [grant(sid="api-gateway"), grant(sid="api-gateway", principal="*")],
                         ids=["no-source-arn", "any-principal"])
def test_a_broad_allow_in_a_whole_policy_is_rewritten_whole_and_guarded(broad, tmp_path, capsys):
    seed = Seed()
    seed.set_statements([DENY, broad])
    seed.function["PolicyRevisionId"] = "rev-1"
    snapshot = tmp_path / "snapshot.json"
    snapshot.write_text(json.dumps(seed.doc))
    script = tmp_path / "fix.sh"
    assert main(["fix", str(snapshot), "--output", str(script)]) == 0
    err = capsys.readouterr().err
    predicted = summary(err.split("Findings after")[1])
    assert "0 at or above medium" in err
    text = script.read_text()
    assert "add-permission" not in text and "remove-permission" not in text  # the document is written whole

    env, state, log = shim(tmp_path, whole_policy(DENY, broad), "rev-1")
    run = subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    puts = [c for c in calls(log) if c[:2] == ["lambda", "put-resource-policy"]]
    assert len(puts) == 1
    put = puts[0]
    assert put[put.index("--resource-arn") + 1] == FUNCTION_ARN and put[put.index("--revision-id") + 1] == "rev-1"
    written = json.loads(put[put.index("--policy") + 1])
    scoped = dict(broad, Sid="api-gateway-scoped", Principal={"Service": "apigateway.amazonaws.com"},
                  Condition={"ArnLike": {"AWS:SourceArn": API_ARN + "/*"}})
    assert written == whole_policy(DENY, scoped)  # the Deny kept as read, the Allow scoped

    # the prediction equals a fresh audit of what was written
    seed.set_statements(written["Statement"])
    snapshot.write_text(json.dumps(seed.doc))
    assert main(["audit", str(snapshot)]) == 0
    assert summary(capsys.readouterr().out.splitlines()[-1]) == predicted

    # a second run writes nothing
    before = len(calls(log))
    again = subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0, again.stderr
    assert "already done" in again.stdout
    assert not any(c[:2] == ["lambda", "put-resource-policy"] for c in calls(log)[before:])


def test_a_policy_changed_since_the_plan_read_it_is_never_overwritten(tmp_path, capsys):
    seed = Seed()
    seed.set_statements([DENY, grant(sid="api-gateway")])
    seed.function["PolicyRevisionId"] = "rev-1"
    snapshot = tmp_path / "snapshot.json"
    snapshot.write_text(json.dumps(seed.doc))
    script = tmp_path / "fix.sh"
    assert main(["fix", str(snapshot), "--output", str(script)]) == 0
    capsys.readouterr()
    someone_else = whole_policy(DENY, grant(sid="api-gateway"), grant(API_ARN + "/*", sid="added-meanwhile"))
    env, state, log = shim(tmp_path, someone_else, "rev-7")
    run = subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 1 and "changed since the plan read it" in run.stderr
    assert not any(c[:2] == ["lambda", "put-resource-policy"] for c in calls(log))
    assert json.loads(json.loads(state.read_text())["policy"]) == someone_else


def test_a_policy_of_add_permission_statements_keeps_the_add_then_remove_form(tmp_path, capsys):
    """Only a policy AddPermission cannot have written (a Deny here) is written whole; and never without the
    revision the plan read."""
    seed = Seed()
    seed.set_statements([grant(sid="api-gateway")])
    seed.function["PolicyRevisionId"] = "rev-1"
    snapshot = tmp_path / "snapshot.json"
    snapshot.write_text(json.dumps(seed.doc))
    assert main(["fix", str(snapshot)]) == 0
    out = capsys.readouterr().out
    assert "put-resource-policy" not in out and "aws lambda remove-permission" in out
    seed.set_statements([DENY, grant(sid="api-gateway")])
    del seed.function["PolicyRevisionId"]
    snapshot.write_text(json.dumps(seed.doc))
    assert main(["fix", str(snapshot)]) == 0
    assert "put-resource-policy" not in capsys.readouterr().out


def test_a_deny_that_refuses_api_gateway_takes_the_api_out_and_keeps_the_rest(tmp_path, capsys):
    """Before: the plan removed the Deny (`remove-permission`), dropping a guard meant for everyone else."""
    vpc_only = {"Sid": "only-from-the-vpc", "Effect": "Deny", "Principal": "*", "Action": "lambda:InvokeFunction",
                "Resource": FUNCTION_ARN, "Condition": {"StringNotEquals": {"aws:SourceVpc": "vpc-1a2b3c4d"}}}
    allow = grant(API_ARN + "/*", sid="api-gateway")
    seed = Seed()
    seed.set_statements([allow, vpc_only])
    seed.function["PolicyRevisionId"] = "rev-1"
    snapshot = tmp_path / "snapshot.json"
    snapshot.write_text(json.dumps(seed.doc))
    main(["audit", str(snapshot), "--format", "json"])
    assert "AGW203" in {f["rule_id"] for f in json.loads(capsys.readouterr().out)["findings"]}
    script = tmp_path / "fix.sh"
    assert main(["fix", str(snapshot), "--output", str(script)]) == 0
    err = capsys.readouterr().err
    assert "remove-permission" not in script.read_text()
    env, state, log = shim(tmp_path, whole_policy(allow, vpc_only), "rev-1")
    run = subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    put = next(c for c in calls(log) if c[:2] == ["lambda", "put-resource-policy"])
    written = json.loads(put[put.index("--policy") + 1])
    narrowed = dict(vpc_only, Sid="only-from-the-vpc-except-apigateway",
                    Condition={"StringNotEquals": {"aws:SourceVpc": "vpc-1a2b3c4d"},
                               "ArnNotLike": {"AWS:SourceArn": API_ARN + "/*"}})
    assert written == whole_policy(allow, narrowed)
    seed.set_statements(written["Statement"])
    snapshot.write_text(json.dumps(seed.doc))
    assert main(["audit", str(snapshot)]) == 0
    assert summary(capsys.readouterr().out.splitlines()[-1]) == summary(err.split("Findings after")[1])
    again = subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0 and "already done" in again.stdout


def test_the_live_reader_keeps_the_revision_getpolicy_answered(aws):  # noqa: F811 (the moto fixture)
    """What the script's guard compares: GetPolicy's RevisionId, kept beside the policy it describes."""
    import boto3

    from auditor.live import LiveOptions, collect
    from tests.live.conftest import REGION, build_seed

    build_seed()
    document, _ = collect(LiveOptions(regions=[REGION], progress=False))
    function = document["Scopes"][0]["Functions"][0]
    answered = boto3.client("lambda", region_name=REGION).get_policy(FunctionName=function["FunctionName"])
    assert function["PolicyRevisionId"] == answered["RevisionId"] and function["Policy"] == answered["Policy"]

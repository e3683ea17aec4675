"""The plan as a bash script of `aws` commands: runs unmodified against any endpoint the CLI is pointed at."""

from auditor.escape import shell_comment
from auditor.fix.summary import lines


def render_script(plan, edits, source: str) -> str:
    out = ["#!/usr/bin/env bash",
           shell_comment(f"apigw-auditor fix: repair plan for {source}"),
           "# Review, then run it with the credentials (and AWS_ENDPOINT_URL, if any) of the account it fixes.",
           "# apigw-auditor itself changed nothing; this script does, in this order.",
           "# Every step is skipped when its change is there already: after a failure, fix the cause and run it again.",
           "#"]
    out += [shell_comment(line) for line in lines(plan)]
    out += ["", "set -euo pipefail", ""]
    created = {}  # stand-in integration id -> the shell variable holding the id AWS gave it
    for number, edit in enumerate(edits, 1):
        out.append(shell_comment(f"{number}. {edit.summary()}"))
        for command in edit.script_commands():
            for new_id, variable in created.items():
                command = command.replace(f"integrations/{new_id}", f'"integrations/${{{variable}}}"')
            out.append(command)
        if edit.kind == "create-integration":
            created[edit.new_id] = edit.variable
        out.append("")
    if not edits:
        out.append("echo 'nothing to change'")
    return "\n".join(out).rstrip("\n") + "\n"

"""The plan as edits to the user's own template text: the lines findings point at change, the rest
(comments, order, quoting, formatting) stays as written; `diff()` is a unified diff of the files.

Values go in as the template would write them: API, integration and function ids of resources the
template declares become `!Sub`/`!Ref`/`!GetAtt` (via the IaC remediation context), never the
placeholder account. An edit that cannot be placed in the text is returned as a problem for a person.
"""

import contextlib
import difflib
import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass, field
from types import SimpleNamespace

from auditor.core.policy import APIGATEWAY
from auditor.iac import remediation
from auditor.output import write_text

_OPENAPI_KEYS = {"PayloadFormatVersion": "payloadFormatVersion", "TimeoutInMillis": "timeoutInMillis",
                 "IntegrationUri": "uri", "IntegrationType": "type"}
_SAM_EVENT_KEYS = {"PayloadFormatVersion", "TimeoutInMillis"}


def split_edits(edits):
    """(edits for the `aws` script, edits for the template diff), by where the edited object came from."""
    script = [e for e in edits if e.location is None or e.location.input_type == "snapshot"]
    return script, [e for e in edits if not (e.location is None or e.location.input_type == "snapshot")]


@dataclass
class Patched:
    original: dict = field(default_factory=dict)  # file -> text, line endings as in the file
    lines: dict = field(default_factory=dict)  # file -> list of lines (no newlines)
    problems: list = field(default_factory=list)
    endings: dict = field(default_factory=dict)  # file -> its line ending ("\r\n" for a CRLF file)
    digests: dict = field(default_factory=dict)  # file -> sha256 of the bytes the plan was made from

    @property
    def changed(self) -> list[str]:
        return [f for f in self.lines if self.text(f) != self.original[f]]

    def text(self, file: str) -> str:
        newline = self.endings.get(file, "\n")
        ending = newline if self.original[file].endswith("\n") else ""
        return newline.join(self.lines[file]) + ending

    def diff(self) -> str:
        out = []
        for file in self.changed:
            out += difflib.unified_diff(self.original[file].splitlines(keepends=True),
                                        self.text(file).splitlines(keepends=True), *_labels(file))
        return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in out)


def _labels(file: str) -> tuple[str, str]:
    """git-style a/ b/ names for relative paths (`git apply`, `patch -p1`); absolute paths as they are."""
    return (file, file) if file.startswith("/") else (f"a/{file}", f"b/{file}")


def write_files(patched: Patched, started_ns: int | None = None) -> None:
    """Each file replaced whole (a temporary file renamed over it), or left as it was.

    Nothing is written when any file is read-only, or changed since this run read it (an edit saved meanwhile
    would be lost): checked for every file first, and again for each just before its rename.
    started_ns: when this run began reading its inputs (a file modified after it was read by a change the
    digest misses, e.g. saved back to the same bytes, is still whole: only the bytes are compared then)."""
    from auditor.errors import InputError
    changed = patched.changed
    for file in changed:
        try:
            mode = os.stat(file).st_mode
        except OSError as exc:
            raise InputError(f"cannot write: {exc.strerror or exc}", file=file) from None
        if not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
            raise InputError("is read-only: not replaced (make it writable, or apply `fix --diff` by hand)",
                             file=file)
        _unchanged(patched, file, started_ns)(file)
    for file in changed:
        write_text(patched.text(file), file, before_replace=_unchanged(patched, file, started_ns))


def _unchanged(patched: Patched, file: str, started_ns: int | None):
    def check(target: str) -> None:
        from auditor.errors import InputError
        try:
            with open(target, "rb") as handle:
                now = hashlib.sha256(handle.read()).hexdigest()
        except OSError as exc:
            raise InputError(f"cannot read it again before writing: {exc.strerror or exc}", file=file) from None
        changed = now != patched.digests.get(file)
        if started_ns is not None and not changed:
            with contextlib.suppress(OSError):
                changed = os.stat(target).st_mtime_ns > started_ns  # saved after the audit read it
        if changed:
            raise InputError("changed since this run read it: nothing written (run `fix --write` again)", file=file)
    return check


def render_diff(edits) -> Patched:
    patched = Patched()
    for edit in edits:
        file = edit.location.file if edit.location is not None else None
        before = list(patched.lines[file]) if file in patched.lines else None
        try:
            problem = _place(patched, edit)
            if problem is None and file in patched.lines:
                problem = _still_loads(patched, file, before)
        except (_Unplaced, remediation.ModuleInternal) as exc:
            problem = str(exc)
        except OSError as exc:
            problem = f"cannot read {edit.location.file} ({exc.strerror or exc})"
        except (ValueError, IndexError, KeyError) as exc:  # text laid out in a way the editor does not know
            problem = f"the text around line {edit.location.line or '?'} of {edit.location.file} could not be edited " \
                      f"({type(exc).__name__}): make this change by hand"
        if problem:
            if file in patched.lines:  # an edit that stopped half-way (a second key it could not set) is undone
                patched.lines[file] = before if before is not None else patched.original[file].splitlines()
            patched.problems.append(f"{edit.summary()}: {problem}")
    return patched


class _Unplaced(Exception):
    pass


def _still_loads(patched: Patched, file: str, before: list | None) -> str | None:
    """Undo an edit that would leave the file unreadable (a layout the editor misjudged, e.g. a flow-style
    mapping), so nothing broken is ever printed or written: the edit is left for a person instead."""
    from auditor.errors import InputError
    text = patched.text(file)
    try:
        if file.endswith(".tf"):
            from auditor.iac.hcl.parse import parse_text
            parse_text(text, file)
        else:
            from auditor.iac.yamlload import load_template_text
            load_template_text(text, file)
    except InputError as exc:
        patched.lines[file] = before if before is not None else patched.original[file].splitlines()
        return f"editing the text here would leave {file} unreadable ({exc.message}): make this change by hand"
    return None


def _document(patched: Patched, file: str) -> "_Text":
    if file not in patched.lines:
        with open(file, "rb") as handle:
            raw = handle.read()
        patched.digests[file] = hashlib.sha256(raw).hexdigest()
        patched.original[file] = text = raw.decode("utf-8")
        crlf = text.count("\r\n")
        patched.endings[file] = "\r\n" if crlf and crlf >= text.count("\n") - crlf else "\n"
        patched.lines[file] = text.splitlines()
    return _Text(patched.lines[file], file.lower().endswith(".json"))


def _hint(location):
    entry = remediation._REGISTRY.get(location.file)
    if entry is None:
        raise _Unplaced(f"{location.file} is not a template this run read")
    context, hints = entry
    return context, hints.get(location.path) or {}


def _place(patched: Patched, edit) -> str | None:
    location = edit.location
    context, hint = _hint(location)
    render = remediation._CloudFormation(context, hint, location)
    kind = edit.kind
    if context.get("input_type") == "terraform" and location.file.endswith(".tf"):
        return _place_hcl(text_of_hcl(patched, location.file), remediation._Terraform(context, hint, location),
                          context, hint, edit)
    if context.get("input_type") in ("terraform", "cdk", "cli-outputs"):
        return f"{context.get('input_type')} input: make the change in its source (see `audit` for it)"
    text = _document(patched, location.file)
    if kind in ("set-route", "set-integration", "set-stage"):
        values = {k: render.value(v) for k, v in edit.values.items()}
        sam = hint.get("sam") or {}
        if sam.get("event"):
            if not set(values) <= _SAM_EVENT_KEYS:
                raise _Unplaced(f"the HttpApi event {sam['event']} of {sam['resource']} takes no "
                                f"{', '.join(set(values) - _SAM_EVENT_KEYS)}")
            event = text.find_path([sam["resource"], "Properties", "Events", sam["event"]])
            for key, value in values.items():
                text.set_key(text.child(event, "Properties", create=True), key, value)
            return None
        if hint.get("kind") == "openapi" and not sam:
            keys = {_OPENAPI_KEYS[k]: (v.lower() if k == "IntegrationType" else v) for k, v in values.items()
                    if k in _OPENAPI_KEYS}
            if len(keys) != len(values):
                raise _Unplaced("only integration settings can be written into an OpenAPI body")
            for key, value in keys.items():
                text.set_key(location.line - 1, key, value)
            return None
        if hint.get("quick") or hint.get("kind") != "cfn" or sam and sam.get("resource") != hint.get("logical"):
            raise _Unplaced(f"{hint.get('logical')} is generated (quick create or SAM): declare it as its own "
                            "resource to change it")
        if any(_unresolved_target(v) for v in values.values()):
            if kind != "set-route" or not edit.target_function:
                raise _Unplaced("the target integration is generated (SAM or quick create) and cannot be referenced")
            api = _api_logical(context, edit.api_id)
            name = _add_integration(text, render, api, edit.target_function)
            values["Target"] = {"Fn::Sub": "integrations/${" + name + "}"}
        _own_log_group(text, context, edit.api_id, values)
        properties = text.child(text.resource(hint.get("logical") or location.resource), "Properties", create=True)
        for key, value in values.items():
            text.set_key(properties, key, value)
        return None
    if kind == "create-integration":
        api = _api_logical(context, edit.api_id)
        context.setdefault("integrations", {})[edit.new_id] = _add_integration(text, render, api, edit.function_arn)
        return None
    if kind == "set-function":
        logical = context.get("functions", {}).get(edit.function_arn)
        if logical is None:
            raise _Unplaced("the function is not declared in this template")
        text.set_key(text.child(text.resource(logical), "Properties", create=True), "Timeout", edit.timeout_s)
        return None
    if kind == "add-permission":
        _add_permission(text, render, edit)
        return None
    if kind == "set-trust":
        _set_trust(text, edit)
        return None
    if kind == "delete-authorizer":
        logical = hint.get("logical") or location.resource
        if hint.get("type") != "AWS::ApiGatewayV2::Authorizer" or hint.get("sam"):
            raise _Unplaced("the authorizer is not its own resource in the template (SAM's Auth): remove it there")
        _unreferenced(text, logical)
        text.delete_resource(logical)
        return None
    if kind == "put-resource-policy":
        if hint.get("type") != "AWS::Lambda::ResourcePolicy":
            raise _Unplaced("the statement is not part of an AWS::Lambda::ResourcePolicy of the template")
        _set_in_document(text, hint.get("logical") or location.resource, edit, render.sub)
        return None
    if kind == "replace-statement" and hint.get("type") == "AWS::Lambda::ResourcePolicy" and edit.grants:
        _scope_in_document(text, hint.get("logical") or location.resource, edit, render.sub)
        return None
    if kind in ("remove-permission", "replace-statement") and hint.get("type") == "AWS::Lambda::ResourcePolicy":
        raise _Unplaced(_in_whole_policy(hint.get("logical") or location.resource, edit, render.sub))
    if kind == "remove-permission":
        logical = hint.get("logical") or location.resource
        if hint.get("type") != "AWS::Lambda::Permission":
            raise _Unplaced("the statement is not an AWS::Lambda::Permission resource of the template")
        text.delete_resource(logical)
        return None
    if kind == "replace-statement":
        logical = hint.get("logical") or location.resource
        if hint.get("type") != "AWS::Lambda::Permission" or not edit.grants:
            raise _Unplaced("the statement is not an AWS::Lambda::Permission resource of the template")
        properties = text.child(text.resource(logical), "Properties")
        text.set_key(properties, "Principal", "apigateway.amazonaws.com")
        text.set_key(properties, "SourceArn", render.sub(edit.grants[0].source_arn))
        for grant in edit.grants[1:]:
            _add_permission(text, render, grant)
        return None
    if kind == "delete-integration":
        if hint.get("type") != "AWS::ApiGatewayV2::Integration":
            raise _Unplaced("the integration is not its own resource in the template")
        text.delete_resource(hint.get("logical") or location.resource)
        return None
    if kind in ("create-stage", "create-route"):
        logical = hint.get("logical") or location.resource
        if logical not in context.get("apis", {}).values():
            raise _Unplaced(f"API {edit.api_id} is not declared in this template")
        if kind == "create-stage":
            name = text.unique_name(f"{logical}DefaultStage")
            values = {k: render.value(v) for k, v in edit.values.items() if k != "AutoDeploy"}
            _own_log_group(text, context, edit.api_id, values)
            text.add_resource(name, {"Type": "AWS::ApiGatewayV2::Stage", "Properties": {
                "ApiId": {"Ref": logical}, "StageName": edit.stage, "AutoDeploy": True, **values}})
        else:
            target = render.sub(edit.target)
            if not isinstance(target, dict):
                raise _Unplaced(f"{edit.target} is not an integration the template declares")
            name = text.unique_name(f"{logical}DefaultRoute")
            text.add_resource(name, {"Type": "AWS::ApiGatewayV2::Route", "Properties": {
                "ApiId": {"Ref": logical}, "RouteKey": edit.route_key, "Target": target}})
        return None
    raise _Unplaced(f"no template form for {kind}")


def _own_log_group(text: "_Text", context, api_id: str, values: dict) -> None:
    """Access logs go to a log group the template declares, named by reference (never a literal account)."""
    if not isinstance(values.get("AccessLogSettings"), dict):
        return
    group = text.unique_name(f"{_api_logical(context, api_id)}AccessLogs")
    settings, resources = remediation._CloudFormation.log_group(group, values["AccessLogSettings"])
    for name, resource in resources.items():
        text.add_resource(name, resource)
    values["AccessLogSettings"] = settings


def _api_logical(context, api_id: str) -> str:
    logical = context.get("apis", {}).get(api_id)
    if logical is None:
        raise _Unplaced(f"API {api_id} is not declared in this template")
    return logical


def _add_integration(text: "_Text", render, api: str, function_arn: str) -> str:
    """A Lambda proxy integration resource on `api` for the function; its logical id."""
    function = render.function_ref(function_arn)
    if not isinstance(function, dict):
        raise _Unplaced(f"function {function_arn} is not declared in this template")
    base = re.sub(r"[^A-Za-z0-9]", "", json.dumps(function).split('"')[3].split(".")[0])
    name = text.unique_name(f"{api}{base}Integration")
    text.add_resource(name, {"Type": "AWS::ApiGatewayV2::Integration", "Properties": {
        "ApiId": {"Ref": api}, "IntegrationType": "AWS_PROXY", "IntegrationUri": function,
        "PayloadFormatVersion": "2.0"}})
    return name


def _unresolved_target(value) -> bool:
    return isinstance(value, str) and value.startswith("integrations/")


def _set_trust(text: "_Text", edit) -> None:
    """Add API Gateway's statement to the role's own AssumeRolePolicyDocument, the others left as written."""
    logical = edit.location.resource
    start = text.resource(logical)
    if "AWS::IAM::Role" not in text.lines[text.child(start, "Type")]:
        raise _Unplaced(f"role {edit.role_name} is the one SAM generates for {logical}, shared with the function: give "
                        "the integration or authorizer a role of its own (an AWS::IAM::Role whose trust allows "
                        "apigateway.amazonaws.com sts:AssumeRole) and name it there")
    if edit.dropped:
        raise _Unplaced(f"a Deny in {logical}'s trust policy refuses API Gateway: remove it and add "
                        f"{json.dumps(edit.added)} to AssumeRolePolicyDocument.Statement by hand")
    document = text.child(text.child(start, "Properties"), "AssumeRolePolicyDocument")
    text.append_item(text.child(document, "Statement"), edit.added)


def _unreferenced(text: "_Text", logical: str) -> None:
    """A resource is removed only when nothing else in the template names it (Ref, GetAtt, ${Logical})."""
    start = text.resource(logical)
    end = text.end(start)
    name = re.compile(r"(?<![A-Za-z0-9])" + re.escape(logical) + r"(?![A-Za-z0-9])")
    for i, line in enumerate(text.lines):
        if not start <= i < end and not _blank(line) and name.search(line):
            raise _Unplaced(f"{logical} is still referenced at line {i + 1}: remove it by hand once nothing names it")


def _add_permission(text: "_Text", render, edit) -> None:
    arn = edit.function_arn + (f":{edit.qualifier}" if edit.qualifier else "")
    function = render.function_ref(arn)
    if not isinstance(function, dict):
        raise _Unplaced(f"function {edit.function_name} is not declared in this template")
    source_arn = render.sub(edit.source_arn)
    if edit.policy_location is not None:  # the function's whole resource policy: the grant joins its document
        logical = _hint(edit.policy_location)[1].get("logical") or edit.policy_location.resource
        document = text.child(text.child(text.resource(logical), "Properties"), "PolicyDocument")
        statements = text.child(document, "Statement") if text.end(document) > document + 1 else None
        if statements is None or text.end(statements) <= statements + 1:
            raise _Unplaced(f"add to {logical}'s PolicyDocument the statement "
                            f"{json.dumps(_grant_statement(edit, function, source_arn))}")
        text.append_item(statements, _grant_statement(edit, function, source_arn))
        return
    name = text.unique_name(render.permission_name(function, source_arn, arn))
    text.add_resource(name, {"Type": "AWS::Lambda::Permission", "Properties": {
        "Action": "lambda:InvokeFunction", "FunctionName": function, "Principal": "apigateway.amazonaws.com",
        "SourceArn": source_arn}})


def _grant_statement(edit, function, source_arn) -> dict:
    return {"Sid": edit.statement_id, "Effect": "Allow", "Principal": {"Service": APIGATEWAY},
            "Action": "lambda:InvokeFunction", "Resource": function,
            "Condition": {"ArnLike": {"AWS:SourceArn": source_arn}}}


def _scope_in_document(text: "_Text", logical: str, edit, render) -> None:
    """Scope a statement of an AWS::Lambda::ResourcePolicy in its own PolicyDocument: the statement keeps its
    Sid, Action and Resource as written and gets API Gateway as Principal and the grants' SourceArn(s) as its
    Condition; every other statement (Deny ones included) is left as written. Deleting the resource, or adding a
    Permission beside it, would drop or fight the whole document (PutResourcePolicy replaces the policy)."""
    document = text.child(text.child(text.resource(logical), "Properties"), "PolicyDocument")
    if text.end(document) <= document + 1:  # PolicyDocument written inline (a JSON string or a flow map)
        raise _Unplaced(_in_whole_policy(logical, edit, render))
    item = _statement_item(text, text.child(document, "Statement"), logical, edit.remove.statement_id)
    if text._key_re("Principal").match(text.lines[item]) or text._key_re("Condition").match(text.lines[item]):
        raise _Unplaced(_in_whole_policy(logical, edit, render))  # the key shares the item's first line
    if any(text._key_re("Condition").match(text.lines[i]) for i in range(item + 1, text.end(item))):
        raise _Unplaced(_in_whole_policy(logical, edit, render))  # its other conditions are a person's to keep
    arns = [render(grant.source_arn) for grant in edit.grants]
    text.set_key(item, "Principal", {"Service": APIGATEWAY})
    text.set_key(item, "Condition", {"ArnLike": {"AWS:SourceArn": arns[0] if len(arns) == 1 else arns}})


def _set_in_document(text: "_Text", logical: str, edit, render) -> None:
    """Set each (key path, value) of the edit in the statement with Sid `edit.remove_sid` of the resource's
    PolicyDocument, creating the mappings on the way, nothing else touched; a value already there under that
    path is a person's to merge."""
    document = text.child(text.child(text.resource(logical), "Properties"), "PolicyDocument")
    words = f"in {logical}'s PolicyDocument, statement `{edit.remove_sid}`: " + "; ".join(
        f"set {'.'.join(path)} to {json.dumps(render(value))}" for path, value in edit.changes) + \
        ", the other statements kept"
    if text.end(document) <= document + 1:
        raise _Unplaced(words)
    item = _statement_item(text, text.child(document, "Statement"), logical, edit.remove_sid)
    for path, value in edit.changes:
        if text._key_re(path[0]).match(text.lines[item]):
            raise _Unplaced(words)  # the key shares the item's first line
        block = item
        for key in path[:-1]:
            block = text.child(block, key, create=True)
        if any(text._key_re(path[-1]).match(text.lines[i]) for i in range(block + 1, text.end(block))) and \
                len(path) > 1:
            raise _Unplaced(words)
        text.set_key(block, path[-1], render(value) if not isinstance(value, list) else [render(v) for v in value])


def _statement_item(text: "_Text", statement: int, logical: str, sid: str) -> int:
    """The first line of the statement item with Sid `sid` (or, for a statement without one, the reader's
    `Logical[index]`) in the Statement list opened at line `statement`."""
    end = text.end(statement)
    if text.json:
        items, depth = [], 0
        for i in range(statement, end):
            if depth == 1 and text.lines[i].strip().startswith("{"):
                items.append(i)
            depth += _brace_delta(text.lines[i])
    else:
        width = min((_indent(text.lines[i]) for i in range(statement + 1, end) if not _blank(text.lines[i])),
                    default=0)
        items = [i for i in range(statement + 1, end)
                 if _indent(text.lines[i]) == width and text.lines[i].lstrip().startswith("- ")]
    index = re.fullmatch(re.escape(logical) + r"\[(\d+)\]", sid)
    if index and int(index.group(1)) < len(items):
        return items[int(index.group(1))]
    sid_re = text._key_re("Sid")
    for n, start in enumerate(items):
        stop = items[n + 1] if n + 1 < len(items) else end
        for i in range(start, stop):
            match = sid_re.match(text.lines[i])
            if match and (match.group(2) or "").strip().strip(",").strip().strip("'\"") == sid:
                return start
    raise _Unplaced(f"no statement with Sid `{sid}` in {logical}'s PolicyDocument")


def _in_whole_policy(resource: str, edit, render) -> str:
    """A statement of a whole resource-based policy (PutResourcePolicy: AWS::Lambda::ResourcePolicy,
    aws_lambda_resource_policy) is changed in that policy's document, never by removing the resource (its other
    statements, Deny ones included, would go with it): what to change there, in words."""
    remove = edit.remove if edit.kind == "replace-statement" else edit
    if edit.kind == "remove-permission":
        what = f"remove the statement with Sid `{remove.statement_id}` from its policy document"
    else:
        arn = render(edit.grants[0].source_arn)
        arn = arn if isinstance(arn, str) else json.dumps(arn)
        what = (f"in the statement with Sid `{remove.statement_id}`, set Principal to "
                f'{{"Service": "apigateway.amazonaws.com"}} and Condition to {{"ArnLike": {{"AWS:SourceArn": {arn}}}}}')
    return f"the statement is part of {resource}, a whole resource-based policy: {what}, the other statements kept"


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _blank(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


class _Text:
    """Block-structured text (YAML by indentation, JSON by braces) with edits by key."""

    def __init__(self, lines: list, is_json: bool):
        self.lines = lines
        self.json = is_json
        self.unit = _indent_unit(lines) if is_json else 2  # what one level of nesting adds, in spaces

    def _dumps(self, value) -> list:
        return json.dumps(value, indent=self.unit).splitlines()

    # -- finding blocks -----------------------------------------------------------------------
    def _key_re(self, key: str):
        if self.json:
            return re.compile(r'^(\s*)"' + re.escape(key) + r'"\s*:\s*(.*)$')
        return re.compile(r"^(\s*)(?:- )?[\"']?" + re.escape(key) + r"[\"']?\s*:(?:\s+(.*))?$")

    def end(self, start: int) -> int:
        """The index after the last line of the block opened at `start`."""
        if self.json:
            depth = 0
            for i in range(start, len(self.lines)):
                depth += _brace_delta(self.lines[i])
                if depth <= 0 and i > start or depth == 0 and "{" in self.lines[start] and i >= start and \
                        _brace_delta(self.lines[start]) == 0:
                    return i + 1
            return len(self.lines)
        base = _indent(self.lines[start])
        i = start + 1
        while i < len(self.lines) and (_blank(self.lines[i]) or _indent(self.lines[i]) > base):
            i += 1
        while i > start + 1 and not self.lines[i - 1].strip():
            i -= 1
        return i

    def child(self, start: int, key: str, create: bool = False) -> int:
        pattern = self._key_re(key)
        end = self.end(start)
        width = self._child_indent(start, end)
        for i in range(start + 1, end):
            match = pattern.match(self.lines[i])
            if match and _indent(self.lines[i]) == width:
                return i
        if not create:
            raise _Unplaced(f"no {key} under line {start + 1}")
        opener = f'{" " * width}"{key}": {{' if self.json else f"{' ' * width}{key}:"
        self.lines.insert(start + 1, opener)
        if self.json:
            self.lines.insert(start + 2, " " * width + "},")
        return start + 1

    def _child_indent(self, start: int, end: int) -> int:
        for i in range(start + 1, end):
            if not _blank(self.lines[i]):
                return _indent(self.lines[i])
        return _indent(self.lines[start]) + self.unit

    def top(self, key: str) -> int:
        pattern = self._key_re(key)
        for i, line in enumerate(self.lines):
            if pattern.match(line) and (_indent(line) == 0 or self.json and _indent(line) <= 4):
                return i
        raise _Unplaced(f"no top-level {key}")

    def resource(self, logical: str) -> int:
        return self.child(self.top("Resources"), logical)

    def find_path(self, keys: list) -> int:
        at = self.resource(keys[0])
        for key in keys[1:]:
            at = self.child(at, key)
        return at

    def unique_name(self, wanted: str) -> str:
        taken = "\n".join(self.lines)
        name, n = wanted, 2
        while re.search(r'(^|\n)\s*"?' + re.escape(name) + r'"?\s*:', taken):
            name, n = f"{wanted}{n}", n + 1
        return name

    # -- editing -------------------------------------------------------------------------------
    def set_key(self, block: int, key: str, value) -> None:
        """Set `key` in the mapping opened at line `block`, replacing its old value (block or inline)."""
        pattern = self._key_re(key)
        end = self.end(block)
        width = self._child_indent(block, end)
        for i in range(block + 1, end):
            if pattern.match(self.lines[i]) and _indent(self.lines[i]) == width:
                stop = self.end(i) if self._opens_block(i) else i + 1
                comma = self.json and self.lines[stop - 1].rstrip().endswith(",")
                line = self.lines[i]
                comment = self._comment(line)
                old = line.split(":", 1)[1][:len(line.split(":", 1)[1]) - len(comment)].strip() if ":" in line else ""
                if comment and _comment_made_false(comment, old, value if not isinstance(value, dict) else ""):
                    comment = ""
                entry = self._entry(key, value, width, comma, comment)
                if not self.json and stop == i + 1 and len(entry) == 1:
                    entry[0] = _same_quotes(entry[0], old, key)
                self.lines[i:stop] = entry
                return
        comma = self.json and any(not _blank(line) and line.strip() not in ("}", "},") for line in self.lines[block + 1:end])
        self.lines[block + 1:block + 1] = self._entry(key, value, width, comma or not self.json and False, "")

    def _opens_block(self, i: int) -> bool:
        line = self.lines[i]
        if self.json:
            return _brace_delta(line) > 0
        value = line.split(":", 1)[1].split(" #")[0].strip() if ":" in line else ""
        return value in ("", "|", ">", "|-", ">-")

    def _comment(self, line: str) -> str:
        if self.json:
            return ""
        match = re.search(r"\s+#[^'\"]*$", line)
        return match.group(0) if match else ""

    def _entry(self, key: str, value, width: int, comma: bool, comment: str) -> list:
        if self.json:
            rendered = self._dumps({key: value})[1:-1]
            base = min(_indent(l) for l in rendered)
            out = [" " * width + l[base:] for l in rendered]
            if comma:
                out[-1] += ","
            return out
        out = remediation._yaml({key: value}, width).splitlines()
        out[0] += comment
        return out

    def append_item(self, key_line: int, item: dict) -> None:
        """Append `item` to the block list opened at `key_line` (`Key:` then `- ...` lines, or `"Key": [`)."""
        line = self.lines[key_line]
        if self.json:
            if not line.rstrip().endswith("["):
                raise _Unplaced(f"line {key_line + 1} is not a list laid out one item per line")
            close = self.end(key_line) - 1
            last = next(i for i in range(close - 1, key_line - 1, -1) if self.lines[i].strip())
            width = _indent(self.lines[last]) if last > key_line else _indent(line) + self.unit
            rendered = self._dumps(item)
            if last > key_line:
                self.lines[last] = self.lines[last].rstrip() + ","
            self.lines[close:close] = [" " * width + l for l in rendered]
            return
        if line.split(":", 1)[1].split(" #")[0].strip():
            raise _Unplaced(f"line {key_line + 1} holds its list inline: add the statement by hand")
        i = key_line + 1
        while i < len(self.lines) and _blank(self.lines[i]):
            i += 1
        if i == len(self.lines) or not self.lines[i].lstrip().startswith("- ") or _indent(self.lines[i]) < _indent(line):
            raise _Unplaced(f"no block list under line {key_line + 1}")
        width = _indent(self.lines[i])
        end = i + 1
        while end < len(self.lines) and (_blank(self.lines[end]) or _indent(self.lines[end]) > width or
                                         _indent(self.lines[end]) == width and self.lines[end].lstrip().startswith("- ")):
            end += 1
        while not self.lines[end - 1].strip():
            end -= 1
        block = remediation._yaml(item, width + 2).splitlines()
        block[0] = " " * width + "- " + block[0].lstrip()
        self.lines[end:end] = block

    def add_resource(self, name: str, resource: dict) -> None:
        start = self.top("Resources")
        end = self.end(start)
        width = self._child_indent(start, end)
        if self.json:
            rendered = self._dumps({name: resource})[1:-1]
            base = min(_indent(l) for l in rendered)
            block = [" " * width + l[base:] for l in rendered]
            block[-1] += ","
            self.lines[start + 1:start + 1] = block  # first: the comma is always right
            return
        block = remediation._yaml({name: resource}, width).splitlines()
        self.lines[end:end] = block

    def delete_resource(self, logical: str) -> None:
        start = self.resource(logical)
        end = self.end(start)
        if self.json and not self.lines[end - 1].rstrip().endswith(","):
            for i in range(start - 1, -1, -1):  # the last member: drop the comma before it
                if self.lines[i].strip():
                    self.lines[i] = self.lines[i].rstrip().rstrip(",")
                    break
        while not self.json and start > 0 and self.lines[start - 1].strip().startswith("#") and \
                _indent(self.lines[start - 1]) == _indent(self.lines[start]):
            start -= 1  # the comment that introduces it goes with it
        del self.lines[start:end]


def _same_quotes(line: str, old: str, key: str) -> str:
    """A YAML scalar keeps the quoting style the line had: `'1.0'` becomes `'2.0'`, not `"2.0"`."""
    match = re.match(r"^(\s*(?:- )?[\"']?" + re.escape(key) + r"[\"']?\s*:\s+)([\"'])(.*)\2(\s*(?:#.*)?)$", line)
    if match is None or not old[:1] in ("'", '"') or old[:1] == match.group(2):
        return line
    inner = match.group(3)
    if "\\" in inner or "'" in inner or '"' in inner:
        return line  # an escape or a quote inside: the renderer's quoting is the safe one
    return f"{match.group(1)}{old[0]}{inner}{old[0]}{match.group(4)}"


_STALE = re.compile(r"\b(mistake|wrong|broken|bug|fixme|todo|xxx|should be|instead of)\b", re.IGNORECASE)


def _comment_made_false(comment: str, old: str, new: str) -> bool:
    """A trailing comment about the value being replaced (it names the old value, or calls it a mistake) is no
    longer true once the value changes: dropped. One about the key (`# seconds`) stays."""
    old, new = old.strip().strip("\"'"), str(new).strip().strip("\"'")
    if old == new:
        return False
    return bool(_STALE.search(comment)) or bool(old) and re.search(r"(?<![\w.])" + re.escape(old) + r"(?![\w.])",
                                                                     comment) is not None


def _indent_unit(lines: list) -> int:
    """The file's step of indentation: the smallest increase from one line to the next (2 when none is seen)."""
    steps = [_indent(b) - _indent(a) for a, b in zip(lines, lines[1:]) if a.strip() and b.strip()]
    return min((step for step in steps if step > 0), default=2)


def _brace_delta(line: str) -> int:
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', line)
    return text.count("{") + text.count("[") - text.count("}") - text.count("]")


# -- Terraform source (.tf) ------------------------------------------------------------------------

def text_of_hcl(patched: Patched, file: str) -> "_Hcl":
    _document(patched, file)
    return _Hcl(patched.lines[file])


_TF_LABEL = re.compile(r'^\s*resource\s+"([^"]+)"\s+"([^"]+)"\s*\{\s*$')


def _address(address: str) -> tuple[str, str]:
    if address.startswith("module."):
        raise _Unplaced(f"{address} is made by a module: change the module's inputs or its source")
    kind, _, name = re.sub(r"\[.*?\]$", "", address).partition(".")
    return kind, name


def _place_hcl(text: "_Hcl", render, context, hint, edit) -> str | None:
    kind = edit.kind
    address = hint.get("address") or edit.location.resource or ""
    if kind in ("set-route", "set-integration", "set-stage"):
        block = text.resource(*_address(address))
        for key, value in edit.values.items():
            name = remediation._TF_ATTRIBUTES.get(key)
            if name is None or isinstance(value, dict):
                raise _Unplaced(f"{key} is a nested block in Terraform: set it by hand")
            text.set_attribute(block, name, render.expr(value))
        return None
    if kind == "set-function":
        function = context.get("functions", {}).get(edit.function_arn)
        if function is None:
            raise _Unplaced("the function is not declared in this configuration")
        text.set_attribute(text.resource(*_address(function)), "timeout", str(edit.timeout_s))
        return None
    whole = hint.get("type") == "aws_lambda_resource_policy" or address.startswith("aws_lambda_resource_policy.")
    if kind == "put-resource-policy" or kind == "replace-statement" and whole and edit.grants:
        if not whole:
            raise _Unplaced("the statement is not part of an aws_lambda_resource_policy of the configuration")
        if kind == "replace-statement":
            arns = [grant.source_arn for grant in edit.grants]
            scoped = SimpleNamespace(remove_sid=edit.remove.statement_id, changes=[
                (("Principal",), {"Service": APIGATEWAY}),
                (("Condition", "ArnLike", "AWS:SourceArn"), arns[0] if len(arns) == 1 else arns)])
            try:
                _hcl_set_in_policy(text, address, scoped, render)
            except _Unplaced:  # what to change there, in words
                raise _Unplaced(_in_whole_policy(address, edit, render.expr)) from None
            return None
        _hcl_set_in_policy(text, address, edit, render)
        return None
    if kind in ("remove-permission", "replace-statement") and whole:
        raise _Unplaced(_in_whole_policy(address, edit, render.expr))  # deleting the block would drop every statement
    if kind in ("remove-permission", "delete-integration", "delete-authorizer"):
        if kind == "delete-authorizer":
            kind_name = _address(address)
            if any(f"{kind_name[0]}.{kind_name[1]}" in line for line in text.lines):
                raise _Unplaced(f"{address} is still referenced: remove it by hand once nothing names it")
        text.delete(*_address(address))
        return None
    if kind == "set-trust":
        _hcl_trust(text, edit)
        return None
    if kind == "replace-statement":
        block = text.resource(*_address(address))
        text.set_attribute(block, "principal", '"apigateway.amazonaws.com"')
        text.set_attribute(block, "source_arn", render.expr(edit.grants[0].source_arn))
        for grant in edit.grants[1:]:
            _hcl_permission(text, render, context, grant)
        return None
    if kind == "add-permission":
        _hcl_permission(text, render, context, edit)
        return None
    if kind in ("create-stage", "create-route", "create-integration"):
        api = context.get("apis", {}).get(edit.api_id)
        if api is None or api.startswith("module."):
            raise _Unplaced(f"API {edit.api_id} is not a resource of this configuration")
        label = re.sub(r"[^A-Za-z0-9_]", "_", _address(api)[1])
        if kind == "create-stage":
            text.append(render.block("aws_apigatewayv2_stage", text.unique(f"{label}_default"), [
                ("api_id", f"{api}.id"), ("name", render.expr(edit.stage)), ("auto_deploy", "true")]))
        elif kind == "create-route":
            text.append(render.block("aws_apigatewayv2_route", text.unique(f"{label}_default"), [
                ("api_id", f"{api}.id"), ("route_key", render.expr(edit.route_key)),
                ("target", render.expr(edit.target))]))
        else:
            function = context.get("functions", {}).get(edit.function_arn)
            uri = _reference(render, function, "invoke_arn") if function else render.expr(edit.function_arn)
            name = text.unique(f"{label}_lambda")
            text.append(render.block("aws_apigatewayv2_integration", name, [
                ("api_id", f"{api}.id"), ("integration_type", '"AWS_PROXY"'), ("integration_uri", uri),
                ("payload_format_version", '"2.0"')]))
            context.setdefault("integrations", {})[edit.new_id] = f"aws_apigatewayv2_integration.{name}"
        return None
    raise _Unplaced(f"no Terraform form for {kind}")


_TF_REFERENCE = re.compile(r"\$\{|%\{|(?<![\w\"])(var|local|data|module|each|count|aws_[a-z0-9_]+)\.|(#|//|/\*)")


def _hcl_trust(text: "_Hcl", edit) -> None:
    """The role's assume_role_policy rewritten whole, only when it is a literal (jsonencode of constants, or a
    JSON heredoc) without comments: then the model holds exactly what it says, plus API Gateway's statement."""
    by_hand = (f"set assume_role_policy of {edit.location.resource} to "
               f"{json.dumps(edit.policy, separators=(',', ':'))}")
    if edit.dropped:
        raise _Unplaced(f"a Deny in its trust policy refuses API Gateway: {by_hand}")
    block = text.resource(*_address(edit.location.resource))
    end = text.end(block)
    pattern = re.compile(r"^(\s*)assume_role_policy\s*=\s*(.*)$")
    start = next((i for i in range(block + 1, end - 1) if pattern.match(text.lines[i])), None)
    if start is None:
        raise _Unplaced(f"no assume_role_policy line: {by_hand}")
    indent, value = pattern.match(text.lines[start]).groups()
    heredoc = re.match(r"<<-?\s*([A-Za-z_]\w*)\s*$", value)
    if heredoc:
        stop = next((i for i in range(start + 1, end) if text.lines[i].strip() == heredoc.group(1)), None)
        if stop is None:
            raise _Unplaced(f"the heredoc does not close: {by_hand}")
        stop += 1
    elif value.startswith("jsonencode("):
        depth, stop = 0, start
        while stop < end:
            depth += _brace_delta(text.lines[stop]) + text.lines[stop].count("(") - text.lines[stop].count(")")
            stop += 1
            if depth <= 0:
                break
    else:
        raise _Unplaced(f"it is not a literal jsonencode or heredoc: {by_hand}")
    body = "\n".join([value] + text.lines[start + 1:stop])
    if _TF_REFERENCE.search(re.sub(r'"(?:\\.|[^"\\])*"', '""', body) if not heredoc else body):
        raise _Unplaced(f"it names other values or holds comments: {by_hand}")
    rendered = json.dumps(edit.policy, indent=2).splitlines()
    if heredoc:
        lines = [f"{indent}assume_role_policy = <<{heredoc.group(1)}", *rendered, heredoc.group(1)]
    else:
        lines = [f"{indent}assume_role_policy = jsonencode({rendered[0]}", *(indent + l for l in rendered[1:-1]),
                 f"{indent}{rendered[-1]})"]
    text.lines[start:stop] = lines


def _reference(render, address: str, attribute: str) -> str:
    try:
        return render.ref(address, attribute)
    except remediation.ModuleInternal as error:
        raise _Unplaced(str(error)) from None


def _hcl_policy_list(text: "_Hcl", address: str) -> int:
    """The line opening `Statement = [` in the jsonencode'd policy of an aws_lambda_resource_policy."""
    block = text.resource(*_address(address))
    for i in range(block + 1, text.end(block)):
        if re.match(r"^\s*\"?Statement\"?\s*=\s*\[\s*$", text.lines[i]):
            return i
    raise _Unplaced(f"{address}: its policy is not a jsonencode() with a Statement list laid out one item per line")


def _hcl_items(text: "_Hcl", statements: int) -> list:
    items, depth = [], 0
    end = text.end(statements)
    for i in range(statements, end):
        if depth == 1 and text.lines[i].strip().startswith("{"):
            items.append(i)
        depth += _brace_delta(text.lines[i])
    return items


def _hcl_set_in_policy(text: "_Hcl", address: str, edit, render) -> None:
    """Set each (key path, value) of the edit in the statement with Sid `edit.remove_sid` of the jsonencode'd
    policy, nothing else touched: a value already there under that path, or an object written on one line that
    would have to grow, is a person's to merge."""
    words = (f"in {address}'s policy, statement `{edit.remove_sid}`: " + "; ".join(
        f"set {'.'.join(path)} to {render.hcl(value)}" for path, value in edit.changes) +
        ", the other statements kept")
    statements = _hcl_policy_list(text, address)
    items = _hcl_items(text, statements)
    index = re.fullmatch(re.escape(address) + r"\[(\d+)\]", edit.remove_sid)
    sid = re.compile(r"^\s*\"?Sid\"?\s*=\s*" + re.escape(json.dumps(edit.remove_sid)) + r"\s*,?\s*$")
    item = items[int(index.group(1))] if index and int(index.group(1)) < len(items) else next(
        (start for start in items if any(sid.match(text.lines[i]) for i in range(start, text.end(start)))), None)
    if item is None or _brace_delta(text.lines[item]) == 0:
        raise _Unplaced(words)
    for path, value in edit.changes:
        block = item
        for n, key in enumerate(path):
            line = _hcl_member(text, block, key)
            last = n == len(path) - 1
            if line is None:
                rest = value
                for inner in reversed(path[n + 1:]):
                    rest = {inner: rest}
                _hcl_insert(text, block, remediation.hcl_key(key), render.hcl(rest))
                break
            if last and len(path) == 1 and _brace_delta(text.lines[line]) == 0:
                text.set_attribute(block, key, render.hcl(value))
                break
            if last or _brace_delta(text.lines[line]) <= 0:
                raise _Unplaced(words)
            block = line


def _hcl_member(text: "_Hcl", block: int, key: str) -> int | None:
    """The line of `key = ...` at the first level of the object opened at line `block`."""
    pattern = re.compile(r"^\s*\"?" + re.escape(key) + r"\"?\s*=")
    depth = 0
    for i in range(block + 1, text.end(block) - 1):
        if depth == 0 and pattern.match(text.lines[i]):
            return i
        depth += _brace_delta(text.lines[i])
    return None


def _hcl_insert(text: "_Hcl", block: int, name: str, expr: str) -> None:
    """`name = expr` as the last member of the object opened at line `block`, aligned as terraform fmt does."""
    close = text.end(block) - 1
    children = [i for i in range(block + 1, close) if text.lines[i].strip()]
    width = min((len(text.lines[i]) - len(text.lines[i].lstrip()) for i in children),
                default=len(text.lines[block]) - len(text.lines[block].lstrip()) + 2)
    text.lines.insert(close, f"{' ' * width}{name} = {expr}")
    text.align(close)


def _hcl_grant_in_policy(text: "_Hcl", render, context, edit, address: str) -> None:
    """A grant added as one more statement of the function's aws_lambda_resource_policy."""
    statements = _hcl_policy_list(text, address)
    items = _hcl_items(text, statements)
    close = text.end(statements) - 1
    indent = (len(text.lines[items[-1]]) - len(text.lines[items[-1]].lstrip())) if items else \
        len(text.lines[statements]) - len(text.lines[statements].lstrip()) + 2
    function = context.get("functions", {}).get(edit.function_arn)
    resource = _reference(render, function, "arn") if function else render.expr(edit.function_arn)
    if edit.qualifier:
        resource = f'"${{{resource}}}:{edit.qualifier}"' if function else render.expr(
            f"{edit.function_arn}:{edit.qualifier}")
    members = [("Sid", json.dumps(edit.statement_id)), ("Effect", '"Allow"'),
               ("Principal", render.hcl({"Service": APIGATEWAY})), ("Action", '"lambda:InvokeFunction"'),
               ("Resource", resource),
               ("Condition", render.hcl({"ArnLike": {"AWS:SourceArn": edit.source_arn}}))]
    width = max(len(k) for k, _ in members)
    pad = " " * indent
    if items and not text.lines[close - 1].rstrip().endswith(","):
        text.lines[close - 1] = text.lines[close - 1].rstrip() + ","
    text.lines[close:close] = [pad + "{"] + [f"{pad}  {k.ljust(width)} = {v}" for k, v in members] + [pad + "},"]


def _hcl_permission(text: "_Hcl", render, context, edit) -> None:
    if edit.policy_location is not None:
        hint = _hint(edit.policy_location)[1]
        _hcl_grant_in_policy(text, render, context, edit, hint.get("address") or edit.policy_location.resource)
        return
    functions = context.get("functions", {})
    function = functions.get(edit.function_arn)
    name_expr = _reference(render, function, "function_name") if function else json.dumps(edit.function_name)
    attributes = [("statement_id", json.dumps(edit.statement_id)), ("action", '"lambda:InvokeFunction"'),
                  ("function_name", name_expr)]
    if edit.qualifier:
        attributes.append(("qualifier", json.dumps(edit.qualifier)))
    attributes += [("principal", '"apigateway.amazonaws.com"'), ("source_arn", render.expr(edit.source_arn))]
    label = re.sub(r"[^A-Za-z0-9_]", "_", edit.statement_id)
    text.append(render.block("aws_lambda_permission", text.unique(label), attributes))


class _Hcl:
    """Terraform text: `resource "type" "name" {` blocks, attributes one per line at their first level."""

    def __init__(self, lines: list):
        self.lines = lines

    def resource(self, kind: str, name: str) -> int:
        for i, line in enumerate(self.lines):
            match = _TF_LABEL.match(line)
            if match and match.groups() == (kind, name):
                return i
        raise _Unplaced(f'no resource "{kind}" "{name}" in the file')

    def end(self, start: int) -> int:
        depth = 0
        for i in range(start, len(self.lines)):
            depth += _brace_delta(re.sub(r"\s(#|//).*$", "", self.lines[i]))
            if depth <= 0:
                return i + 1
        raise _Unplaced(f"the block at line {start + 1} does not close")

    def set_attribute(self, block: int, name: str, expr: str) -> None:
        end = self.end(block)
        depth = 0
        pattern = re.compile(r"^(\s*" + re.escape(name) + r"\s*=\s*)(.*)$")  # keeps the alignment
        width = None
        for i in range(block + 1, end - 1):
            line = self.lines[i]
            if depth == 0 and line.strip():
                width = width if width is not None else len(line) - len(line.lstrip())
                match = pattern.match(line)
                if match:
                    if _brace_delta(line) != 0:
                        raise _Unplaced(f"{name} spans several lines: set it by hand")
                    comment = re.search(r"\s+(#|//)[^\"]*$", line)
                    old = match.group(2)[:len(match.group(2)) - len(comment.group(0))] if comment else match.group(2)
                    kept = comment.group(0) if comment and not _comment_made_false(comment.group(0), old, expr) else ""
                    self.lines[i] = match.group(1) + expr + kept
                    self.align(i)
                    return
            depth += _brace_delta(line)
        pad = " " * (width if width is not None else 2)
        self.lines.insert(block + 1, f"{pad}{name} = {expr}")
        self.align(block + 1)

    _ATTRIBUTE = re.compile(r"^(\s*)([A-Za-z_][\w-]*)\s*=(?!=)\s*(.*)$")

    def align(self, at: int) -> None:
        """`=` aligned over the run of one-line attributes around line `at`, as `terraform fmt` writes them:
        one space after the longest name of the run (a blank line, a comment line, a nested block or a value
        spanning lines ends a run)."""
        def attribute(i):
            match = self._ATTRIBUTE.match(self.lines[i]) if 0 <= i < len(self.lines) else None
            if match is None or _brace_delta(re.sub(r"\s(#|//).*$", "", self.lines[i])) != 0:
                return None
            return match
        first = attribute(at)
        if first is None:
            return
        indent = first.group(1)
        start = end = at
        while attribute(start - 1) and attribute(start - 1).group(1) == indent:
            start -= 1
        while attribute(end + 1) and attribute(end + 1).group(1) == indent:
            end += 1
        width = max(len(attribute(i).group(2)) for i in range(start, end + 1))
        for i in range(start, end + 1):
            match = attribute(i)
            self.lines[i] = f"{indent}{match.group(2).ljust(width)} = {match.group(3)}"

    def delete(self, kind: str, name: str) -> None:
        start = self.resource(kind, name)
        end = self.end(start)
        while start > 0 and self.lines[start - 1].strip().startswith(("#", "//")):
            start -= 1
        if end < len(self.lines) and not self.lines[end].strip() and (start == 0 or not self.lines[start - 1].strip()):
            end += 1
        del self.lines[start:end]

    def unique(self, wanted: str) -> str:
        taken = {m.group(2) for line in self.lines if (m := _TF_LABEL.match(line))}
        name, n = wanted, 2
        while name in taken:
            name, n = f"{wanted}_{n}", n + 1
        return name

    def append(self, block: str) -> None:
        while self.lines and not self.lines[-1].strip():
            self.lines.pop()
        self.lines += [""] + block.splitlines()

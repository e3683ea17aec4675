"""Where a finding points, for the CI renderers (sarif, junit, markdown, github).

- `display_path`: the input file relative to the working directory (as CI tools and GitHub expect),
  or absolute when it lies outside it; always with `/` separators.
- `finding_line`: the line a finding points at. IaC inputs carry it in their Location; for snapshot
  JSON it is found from the Location's JSON path ($.Scopes[0].Apis[1].Routes[2]) by reading the
  file once and indexing only the containers on the way, so annotations land on the right line.
  msgspec splits each container on the way into its members' raw bytes in C (`_RawIndex`), except
  one with no line break in it (a compact file is one such container), whose values all lie on its
  first line; the pure-Python scanner (`_JsonIndex`) takes the files msgspec declines (duplicate keys,
  UTF-16, non-JSON).
- `describe` / `logical_locations`: the AWS objects a finding concerns, in words and as SARIF
  logical locations.
"""

import codecs
import json
import os
import re
from bisect import bisect_right
from functools import lru_cache

from auditor.core.arns import partition_for_region
from auditor.files import LineIndex

_STEP = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]")
_PATH = re.compile(r"\$(?:\.[^.\[\]]+|\[\d+\])*\Z")  # $ and a run of _STEPs, nothing else
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


def display_path(file: str) -> str:
    return _display_path(file, os.getcwd())


@lru_cache(maxsize=64)
def _display_path(file: str, cwd: str) -> str:
    """Every finding of a file asks: worked out once per file and working directory."""
    absolute = os.path.abspath(file)
    try:
        inside = os.path.commonpath([absolute, cwd]) == cwd
    except ValueError:  # another drive on Windows
        inside = False
    shown = os.path.relpath(absolute, cwd) if inside else absolute
    return shown.replace(os.sep, "/")


def finding_file(finding, result) -> str | None:
    """The finding's own file, else the snapshot's first input file (None for a file-less input)."""
    if finding.location is not None and finding.location.file:
        return finding.location.file
    return result.snapshot.files[0] if result.snapshot.files else None


def finding_line(finding) -> int | None:
    location = finding.location
    if location is None:
        return None
    if location.line is not None:
        return location.line
    if location.input_type != "snapshot" or not location.path:
        return None
    return json_path_line(location.file, location.path)


def json_path_line(file: str, json_path: str) -> int | None:
    """Line (1-based) where the value at json_path starts in file, or of its deepest existing parent."""
    try:
        stat = os.stat(file)
    except OSError:
        return None
    index = _index(_absolute(file, os.getcwd()), stat.st_mtime_ns, stat.st_size)
    if index is None:
        return None
    if type(index) is _OneLine:
        return index.line if _PATH.match(json_path) else None
    steps = _steps(json_path)
    if steps is None:
        return None
    return index.line_of(steps)


@lru_cache(maxsize=64)
def _absolute(file: str, cwd: str) -> str:
    return os.path.abspath(file)


def _steps(json_path: str) -> list | None:
    if _PATH.match(json_path) is None:
        return None
    return [key or int(number) for key, number in _STEP.findall(json_path, 1)]


class _Container:
    __slots__ = ("opener", "members", "resume", "pending", "end")

    def __init__(self, opener: str, resume: int):
        self.opener = opener
        self.members: dict | list = {} if opener == "{" else []
        self.resume = resume  # where the next unscanned member starts
        self.pending: int | None = None  # start of the last member found, not yet passed over
        self.end: int | None = None  # just after the closing bracket, once scanned to it (-1: malformed)


class _JsonIndex:
    """Start offsets of JSON values, found lazily: a container's members are scanned only as far as a
    lookup needs, and the values passed over are skipped by the C decoder (a big snapshot costs
    about one extra parse, however many findings point into it). Of duplicate keys the first is used."""

    def __init__(self, text: str):
        self.text = text
        self.lines = LineIndex(text)
        self.containers: dict[int, _Container | None] = {}
        self.root = _WHITESPACE.match(text, 0).end()

    def line(self, pos: int) -> int:
        return self.lines.line(pos)

    def line_of(self, steps: list) -> int:
        return self.line(self.find(steps))

    def find(self, steps: list) -> int:
        pos = self.root
        for step in steps:
            child = self._child(pos, step)
            if child is None:
                break
            pos = child
        return pos

    def _skip(self, pos: int) -> int:
        return _WHITESPACE.match(self.text, pos).end()

    def _container(self, pos: int) -> _Container | None:
        if pos not in self.containers:
            opener = self.text[pos:pos + 1]
            container = None
            if opener in ("{", "["):
                container = _Container(opener, self._skip(pos + 1))
                if self.text[container.resume:container.resume + 1] == ("}" if opener == "{" else "]"):
                    container.end = container.resume + 1
            self.containers[pos] = container
        return self.containers[pos]

    def _child(self, pos: int, step) -> int | None:
        container = self._container(pos)
        if container is None or isinstance(step, str) != (container.opener == "{"):
            return None
        members = container.members
        while True:
            if isinstance(step, str) and step in members:
                return members[step]
            if isinstance(step, int) and step < len(members):
                return members[step]
            if container.end is not None:
                return None
            try:
                self._advance(container)
            except (ValueError, IndexError):
                container.end = -1

    def _advance(self, container: _Container) -> None:
        """Pass over the last member found (only now: finding a member never needs its end), then
        record where the next one starts."""
        text = self.text
        closer = "}" if container.opener == "{" else "]"
        if container.pending is not None:
            pos = self._skip(self._end_of(container.pending))
            container.pending = None
            if text[pos] == closer:
                container.end = pos + 1
                return
            if text[pos] != ",":
                raise ValueError("expected ',' or a closing bracket")
            container.resume = self._skip(pos + 1)
        pos = container.resume
        if container.opener == "{":
            if text[pos] != '"':
                raise ValueError("expected a key")
            key, pos = json.decoder.scanstring(text, pos + 1)
            pos = self._skip(pos)
            if text[pos] != ":":
                raise ValueError("expected ':'")
            pos = self._skip(pos + 1)
            container.members.setdefault(key, pos)
        else:
            container.members.append(pos)
        container.pending = pos

    def _end_of(self, pos: int) -> int:
        known = self.containers.get(pos)
        if known is not None:  # partly scanned already: finish it rather than decode it all again
            while known.end is None:
                self._advance(known)
            if known.end > 0:
                return known.end
        return _DECODER.raw_decode(self.text, pos)[1]


class _Declined(Exception):
    """The bytes are not what msgspec's split said (a duplicate key): the pure-Python scanner decides."""


_WHITESPACE_BYTES = re.compile(rb"[ \t\n\r]*")
_STRING = rb'"([^"\\]*(?:\\.[^"\\]*)*)"'
# What comes before a member: the first one's key, or a comma and the next one's key (lists: no key).
_FIRST_KEY = re.compile(rb"[ \t\n\r]*" + _STRING + rb"[ \t\n\r]*:[ \t\n\r]*")
_NEXT_KEY = re.compile(rb"[ \t\n\r]*,[ \t\n\r]*" + _STRING + rb"[ \t\n\r]*:[ \t\n\r]*")
_FIRST_ITEM = _WHITESPACE_BYTES
_NEXT_ITEM = re.compile(rb"[ \t\n\r]*,[ \t\n\r]*")
_SCALAR = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[^,}\] \t\n\r]+')  # in JSON msgspec has read: a whole token


_ONE_LINE = object()  # a container on one line: every value in it is on the line it starts on


def _content_end(data: bytes, start: int) -> int:
    """Where the trailing whitespace begins (data.rstrip() would copy a whole large file to say so)."""
    end = len(data)
    while end > start:
        chunk = data[max(start, end - 4096):end]
        kept = chunk.rstrip(b" \t\n\r")
        end -= len(chunk) - len(kept)
        if kept:
            break
    return end


class _RawIndex:
    """Start offsets of JSON values in the file's bytes: each container on a path is split once into its
    members' raw bytes by msgspec (in C, building no values), and the members' offsets follow from their
    lengths and the separators between them. Lines are counted between remembered offsets.

    The root object is split two levels deeper in the same pass when its members allow (scalars, objects,
    arrays of objects: a snapshot's SnapshotVersion and Scopes), since its one large member and that
    member's one large element would each cost another pass over nearly the whole file."""

    def __init__(self, data: bytes, path: str):
        import msgspec
        self.msgspec, self.data, self.path = msgspec, data, path
        self.root = _WHITESPACE_BYTES.match(data, 0).end()
        self.root_raw = memoryview(data)[self.root:_content_end(data, self.root)]
        # container offset -> its members' (offset, raw bytes; None once split or not a container), or _ONE_LINE
        self.members: dict[int, dict | list | None] = {}
        self.marks, self.mark_lines = [0], [1]  # offsets whose line is known, in order
        self.fallback: _JsonIndex | None = None

    def line_of(self, steps: list) -> int:
        if self.fallback is None:
            try:
                return self.line(self.find(steps))
            except (_Declined, ValueError, IndexError, RecursionError):
                self.fallback = _index_text(self.path) or _NoIndex()
        return self.fallback.line_of(steps)

    def line(self, pos: int) -> int:
        at = bisect_right(self.marks, pos) - 1
        if self.marks[at] == pos:
            return self.mark_lines[at]
        if at + 1 < len(self.marks) and self.marks[at + 1] - pos < pos - self.marks[at]:  # count from the nearer
            line = self.mark_lines[at + 1] - self.data.count(b"\n", pos, self.marks[at + 1])
        else:
            line = self.mark_lines[at] + self.data.count(b"\n", self.marks[at], pos)
        self.marks.insert(at + 1, pos)
        self.mark_lines.insert(at + 1, line)
        return line

    def find(self, steps: list) -> int:
        pos, raw = self.root, self.root_raw
        for step in steps:
            members = self._members(pos, raw)
            if members is _ONE_LINE:  # every member starts on the container's own line
                break
            if members is None or isinstance(step, str) != isinstance(members, dict):
                break
            if isinstance(step, str):
                if step not in members:
                    break
            elif step >= len(members):
                break
            pos, raw = members[step]
        return pos

    def _members(self, pos: int, raw) -> dict | list | None:
        if pos not in self.members:
            if raw is None:  # a scalar the root's split decoded
                return None
            # A container without a line break (all of a compact file) needs no split: one memchr says so.
            one_line = self.data.find(b"\n", pos, pos + len(raw)) < 0
            self.members[pos] = _ONE_LINE if one_line else self._split(pos, raw)
        return self.members[pos]

    def _split(self, pos: int, raw) -> dict | list | None:
        msgspec, opener = self.msgspec, self.data[pos]
        if opener != 123 and opener != 91:  # "{" "["
            return None
        value = None
        if pos == self.root and opener == 123:
            try:
                value = msgspec.json.decode(raw, type=_root_type(msgspec.Raw))
            except msgspec.ValidationError:  # a member of another shape (an array of arrays, a huge number)
                pass
        if value is None:
            value = msgspec.json.decode(raw, type=dict[str, msgspec.Raw] if opener == 123 else list[msgspec.Raw])
        self._walk(pos, value, msgspec.Raw)
        return self.members[pos]

    def _walk(self, pos: int, value, Raw) -> int:
        """Where the value at pos ends, given what msgspec decoded it to (its raw bytes, a scalar, or a
        container of these), recording the members of each container on the way."""
        data = self.data
        keyed = type(value) is dict
        if not keyed and type(value) is not list:
            if type(value) is Raw:
                return pos + len(value)
            match = _SCALAR.match(data, pos)
            if match is None:
                raise _Declined
            return match.end()
        if data[pos] != (123 if keyed else 91):
            raise _Declined
        out: dict | list = {} if keyed else []
        at, before, after = pos + 1, *((_FIRST_KEY, _NEXT_KEY) if keyed else (_FIRST_ITEM, _NEXT_ITEM))
        for member in value.items() if keyed else value:
            match = before.match(data, at)
            if match is None:
                raise _Declined
            before, at = after, match.end()
            if keyed:
                key, member = member
                if _key_text(match.group(1)) != key:
                    raise _Declined
                out[key] = (at, member if type(member) is Raw else None)
            else:
                out.append((at, member if type(member) is Raw else None))
            at = at + len(member) if type(member) is Raw else self._walk(at, member, Raw)
        at = _WHITESPACE_BYTES.match(data, at).end()
        if data[at:at + 1] != (b"}" if keyed else b"]"):  # members msgspec merged (duplicate keys)
            raise _Declined
        self.members[pos] = out
        return at + 1


@lru_cache(maxsize=1)
def _root_type(Raw) -> type:
    """The root object's members: scalars, objects split into raw members, or arrays of such objects."""
    return dict[str, list[dict[str, Raw]] | dict[str, Raw] | str | int | float | bool | None]


def _key_text(quoted: bytes) -> str:
    return json.loads(b'"' + quoted + b'"') if b"\\" in quoted else quoted.decode("utf-8")


class _NoIndex:
    def line_of(self, steps: list) -> None:
        return None


class _OneLine:
    """A file whose JSON value has no line break in it: every value in it is on the same line."""

    def __init__(self, line: int):
        self.line = line

    def line_of(self, steps: list) -> int:
        return self.line


def _one_line(handle, chunk: int = 1 << 20) -> int | None:
    """The line of a JSON object or array written without line breaks (the ones before it counted), found by
    reading the file through one small buffer; None for any other file. A compact snapshot of 40 MB then
    costs no 40 MB copy in memory (which takes longer than looking through it)."""
    buffer = bytearray(chunk)
    line, state = 1, "before"  # before the value, in it, or past the line break that may end the file
    while size := handle.readinto(buffer):
        pos = 0
        if state == "before":
            pos = _WHITESPACE_BYTES.match(buffer, 0, size).end()
            line += buffer.count(b"\n", 0, pos)
            if pos == size:
                continue
            if buffer[pos] not in b"{[":
                return None
            state = "in"
        if state == "in":
            pos = buffer.find(b"\n", pos, size)
            if pos < 0:
                continue
            state = "after"
        if _WHITESPACE_BYTES.match(buffer, pos, size).end() != size:  # more than whitespace after a line break
            return None
    return line if state != "before" else None


@lru_cache(maxsize=8)
def _index(path: str, mtime_ns: int, size: int) -> "_OneLine | _RawIndex | _JsonIndex | None":
    try:
        with open(path, "rb") as handle:
            line = _one_line(handle)
            if line is not None:
                return _OneLine(line)
            handle.seek(0)
            data = handle.read()
    except OSError:
        return None
    if not data.lstrip().startswith((b"{", b"[")):
        return _index_text(path) if data.startswith(codecs.BOM_UTF8) else None
    return _RawIndex(data, path)  # where msgspec declines (NaN, lone surrogates...) the scanner decides


def _index_text(path: str) -> _JsonIndex | None:
    try:
        with open(path, encoding="utf-8-sig") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError):
        return None
    if not text.lstrip().startswith(("{", "[")):
        return None
    return _JsonIndex(text)


def api_arn(resource) -> str | None:
    if not resource.api_id:
        return None
    partition = partition_for_region(resource.region) if resource.region else "aws"
    return f"arn:{partition}:apigateway:{resource.region or ''}::/apis/{resource.api_id}"


def describe(finding) -> str:
    """The most specific object a finding is about, in words: `route GET /items`, `stage $default`..."""
    r = finding.resource
    for label, value in (("route", r.route_key), ("integration", r.integration_id), ("stage", r.stage),
                         ("authorizer", r.authorizer_id), ("statement", r.statement_id)):
        if value:
            return f"{label} {value}"
    if r.api_id:
        return f"api {r.api_id}"
    if r.function_arn:
        return f"function {r.function_arn.rsplit(':function:', 1)[-1]}"
    if r.account or r.region:
        return f"account {r.account or '?'}/{r.region or '?'}"
    return "-"


def logical_locations(finding) -> list[dict]:
    """SARIF logicalLocation objects for every AWS object the finding names (API, route, integration...)."""
    r = finding.resource
    out = []
    # Snapshots hold AWS's own ids; templates and plans their logical ids, for which no ARN exists yet.
    deployed = finding.location is None or finding.location.input_type == "snapshot"
    api = api_arn(r) if deployed else (f"apis/{r.api_id}" if r.api_id else None)
    if api:
        out.append({"name": r.api_id, "fullyQualifiedName": api, "kind": "resource",
                    "properties": {"type": "api", "account": r.account, "region": r.region}})
        if r.route_key:
            # Route ARNs use the route id, which a finding does not carry: name the route by its key instead.
            out.append({"name": r.route_key, "fullyQualifiedName": f"apis/{r.api_id}/routes/{r.route_key}",
                        "kind": "resource",
                        "properties": {"type": "route"}})
        if r.integration_id:
            out.append({"name": r.integration_id, "fullyQualifiedName": f"{api}/integrations/{r.integration_id}",
                        "kind": "resource", "properties": {"type": "integration"}})
        if r.stage:
            out.append({"name": r.stage, "fullyQualifiedName": f"{api}/stages/{r.stage}", "kind": "resource",
                        "properties": {"type": "stage"}})
        if r.authorizer_id:
            out.append({"name": r.authorizer_id, "fullyQualifiedName": f"{api}/authorizers/{r.authorizer_id}",
                        "kind": "resource", "properties": {"type": "authorizer"}})
    if r.function_arn:
        out.append({"name": r.function_arn.rsplit(":function:", 1)[-1], "fullyQualifiedName": r.function_arn,
                    "kind": "resource", "properties": {"type": "function"}})
        if r.statement_id:
            out.append({"name": r.statement_id, "fullyQualifiedName": f"{r.function_arn}#policy/{r.statement_id}",
                        "kind": "resource", "properties": {"type": "policy-statement"}})
    if not out:
        scope = f"{r.account or '?'}/{r.region or '?'}"
        entry = {"name": scope, "fullyQualifiedName": scope, "kind": "namespace", "properties": {"type": "scope"}}
        if r.statement_id:
            entry["properties"]["detail"] = r.statement_id
        out.append(entry)
    for entry in out:
        entry["properties"] = {k: v for k, v in entry["properties"].items() if v is not None}
    return out


def left_out(result) -> list[tuple]:
    """(finding, kind, justification) for each finding suppressed by a tag or a per-path ignore, or
    known from the baseline: what `--show-suppressed` lists."""
    out = [(s.finding, s.kind, f"{s.source}: {s.reason}") for s in getattr(result, "suppressed", None) or []]
    baseline = getattr(result, "baseline", None)
    if baseline is not None:
        out += [(finding, "baseline", f"in baseline {baseline.file}") for finding in baseline.known]
    return out


def left_out_summary(result) -> str:
    """`3 suppressed; baseline b.json: 2 known, 1 gone`, or '' when nothing was left out."""
    parts = []
    suppressed = len(getattr(result, "suppressed", None) or [])
    if suppressed:
        parts.append(f"{suppressed} suppressed")
    baseline = getattr(result, "baseline", None)
    if baseline is not None:
        parts.append(f"baseline {display_path(baseline.file)}: {len(baseline.known)} known finding(s) not reported, "
                     f"{len(baseline.gone)} entr{'y' if len(baseline.gone) == 1 else 'ies'} gone")
    return "; ".join(parts)

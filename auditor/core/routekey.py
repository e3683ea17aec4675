"""Route keys: their syntax and how API Gateway picks the route for a request.

Shared by AGW104 (syntax), the coverage analysis (execute-api ARNs) and `explain` (matching),
so that a route the linter accepts is one the simulator can match.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

METHODS = ("ANY", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
CONCRETE_METHODS = METHODS[1:]
DEFAULT_ROUTE = "$default"
_VARIABLE = re.compile(r"^\{([A-Za-z0-9._-]+)(\+?)\}$")


@dataclass(frozen=True, slots=True)
class RouteKey:
    """A route key split into method and path, so matching follows API Gateway's own precedence."""

    raw: str
    method: str  # "$default" for the default route
    path: str
    segments: tuple[str, ...]

    @property
    def is_default(self) -> bool:
        return self.method == DEFAULT_ROUTE

    @property
    def is_greedy(self) -> bool:
        return bool(self.segments) and self.segments[-1].endswith("+}")


@lru_cache(maxsize=1 << 16)
def route_key_problem(key: str) -> str | None:
    """Why this route key breaks HTTP API syntax, or None when it is valid."""
    if key == DEFAULT_ROUTE:
        return None
    method, sep, path = key.partition(" ")
    if not sep:
        return "it must be `$default` or `METHOD /path` (one space between method and path)"
    if method not in METHODS:
        if method.upper() in METHODS:
            return f"method `{method}` must be upper case (`{method.upper()}`)"
        return f"`{method}` is not a method; use one of {', '.join(METHODS)}"
    if not path.startswith("/"):
        return f"path `{path}` must start with `/`"
    if path != "/" and path.endswith("/"):
        return f"path `{path}` ends with `/`, which API Gateway rejects at deploy"
    if any(ch.isspace() for ch in path):
        return f"path `{path}` contains white space"
    if path == "/":
        return None
    segments = path[1:].split("/")
    for index, segment in enumerate(segments):
        if not segment:
            return f"path `{path}` has an empty segment (`//`)"
        if "{" in segment or "}" in segment:
            match = _VARIABLE.match(segment)
            if not match:
                return f"segment `{segment}` must be a whole `{{name}}` or `{{name+}}` variable"
            if match.group(2) and index != len(segments) - 1:
                return f"greedy variable `{segment}` may only be the last segment"
    return None


@lru_cache(maxsize=1 << 16)
def parse_route_key(key: str) -> RouteKey | None:
    """A valid route key split for matching; None when the key is invalid."""
    if route_key_problem(key) is not None:
        return None
    if key == DEFAULT_ROUTE:
        return RouteKey(key, DEFAULT_ROUTE, "", ())
    method, _, path = key.partition(" ")
    segments = tuple(path[1:].split("/")) if path != "/" else ()
    return RouteKey(key, method, path, segments)


@dataclass(frozen=True, slots=True)
class RouteMatch:
    """How one route relates to a request: whether it matches, and its priority if it does."""

    route_key: RouteKey
    matched: bool
    reason: str
    rank: tuple = ()
    path_parameters: dict | None = None


@lru_cache(maxsize=1 << 16)
def _variable(segment: str) -> tuple[str, str] | None:
    """(name, "+" or "") of a `{name}` or `{name+}` segment, None for a literal: the regular expression runs
    once per distinct segment, not once per segment of every route compared with every request."""
    variable = _VARIABLE.match(segment)
    return variable.groups() if variable else None


def match_route(route: RouteKey, method: str, path: str) -> RouteMatch:
    """Match a request against one route, per aws-semantics.md's priority rules; a match's rank is the
    route's own (`route_rank`: which route wins does not depend on the request's values)."""
    if route.is_default:
        return RouteMatch(route, True, "`$default` catches every request no other route matches", route_rank(route), {})
    if route.method != "ANY" and route.method != method:
        return RouteMatch(route, False, f"method {route.method} is not {method}")
    request_segments = path[1:].split("/") if path not in ("", "/") else []
    params: dict[str, str] = {}
    for index, segment in enumerate(route.segments):
        variable = _variable(segment)
        if variable and variable[1]:
            rest = request_segments[index:]
            if not rest or rest == [""]:
                return RouteMatch(route, False, f"greedy `{segment}` needs at least one more path segment (unconfirmed for a bare prefix)")
            params[variable[0]] = "/".join(rest)
            return RouteMatch(route, True, f"greedy `{segment}` takes `{params[variable[0]]}`", route_rank(route), params)
        if index >= len(request_segments):
            return RouteMatch(route, False, f"path is shorter than `{route.path}`")
        actual = request_segments[index]
        if variable:
            if not actual:
                return RouteMatch(route, False, f"`{segment}` cannot match an empty segment")
            params[variable[0]] = actual
        elif segment != actual:
            return RouteMatch(route, False, f"segment `{actual}` is not `{segment}` (paths are case-sensitive)")
    if len(request_segments) != len(route.segments):
        return RouteMatch(route, False, f"path is longer than `{route.path}`")
    return RouteMatch(route, True, "full match of method and path", route_rank(route), params)


@lru_cache(maxsize=1 << 16)
def route_rank(route: RouteKey) -> tuple:
    """How a route ranks among those a request matches, best first: full matches (literal segments before
    `{param}` at each position, a specific method before ANY), then greedy matches (longer literal prefix
    first), then `$default`. It depends on the route alone, so a routing table ranks routes off their keys."""
    if route.is_default:
        return (2,)
    method_rank = 0 if route.method != "ANY" else 1
    pattern = []
    for index, segment in enumerate(route.segments):
        variable = _variable(segment)
        if variable and variable[1]:
            return (1, -index, tuple(pattern), method_rank)
        pattern.append(1 if variable else 0)
    return (0, tuple(pattern), method_rank)


def choose_route(routes: list[RouteKey], method: str, path: str) -> tuple[RouteMatch | None, list[RouteMatch]]:
    """The route API Gateway picks for a request, and every candidate's verdict."""
    verdicts = [match_route(route, method, path) for route in routes]
    matches = sorted((v for v in verdicts if v.matched), key=lambda v: v.rank)
    return (matches[0] if matches else None), verdicts


class RouteTree:
    """Route keys filed by path segment (a literal segment by its text, any `{variable}` under one branch, a
    greedy route where its `{proxy+}` starts), so a request is compared with the few routes whose literal
    segments it shares, not with every route of the API: explaining one route of an API of 10,000 routes
    then costs its neighbours, not 10,000 `match_route` calls.

    `candidates(path)` is a superset of the routes `match_route` finds matching the path, whatever the
    method (it leaves the method, empty segments and greedy edge cases to `match_route`), in the order
    the keys were given: matched against them, a request chooses what it chooses among all the routes."""

    __slots__ = ("_root", "_always")

    def __init__(self, keys):
        """keys: (position, RouteKey) pairs, positions increasing; `$default` routes match every path."""
        self._root: list = [{}, None, [], []]  # literal children, the variable child, routes ending here, greedy
        self._always: list[int] = []
        for position, key in keys:
            if key.is_default:
                self._always.append(position)
                continue
            segments = key.segments
            greedy = bool(segments) and segments[-1].endswith("+}")  # key.is_greedy
            node = self._root
            for segment in segments[:-1] if greedy else segments:
                if segment[:1] == "{":  # a valid key's segment is a whole variable or has no brace
                    child = node[1]
                    if child is None:
                        child = node[1] = [{}, None, [], []]
                else:
                    child = node[0].get(segment)
                    if child is None:
                        child = node[0][segment] = [{}, None, [], []]
                node = child
            node[3 if greedy else 2].append(position)

    def candidates(self, path: str) -> list[int]:
        """The positions of the routes that may match `path` (as `match_route` splits it), increasing."""
        request = path[1:].split("/") if path not in ("", "/") else []
        size = len(request)
        found = list(self._always)
        stack = [(self._root, 0)]
        while stack:
            node, depth = stack.pop()
            if depth < size:
                if node[3]:  # a greedy variable takes the rest of the path, one segment at least
                    found += node[3]
                literal = node[0].get(request[depth])
                if literal is not None:
                    stack.append((literal, depth + 1))
                if node[1] is not None:
                    stack.append((node[1], depth + 1))
            elif node[2]:
                found += node[2]
        found.sort()
        return found

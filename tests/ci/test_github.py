"""`--format github`: workflow commands GitHub turns into annotations on the file and line."""

import re

from tests.ci.conftest import broken, line_of, route

COMMAND = re.compile(r"^::(error|warning|notice) (?P<props>[^:]*)::(?P<message>.*)$")


def unescape_data(text):  # what the Actions runner does with a command's message
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def unescape_property(text):
    return (text.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",")
            .replace("%25", "%"))


def annotations(text):
    out = []
    for line in text.splitlines():
        match = COMMAND.match(line)
        if match:
            props = dict(p.split("=", 1) for p in match["props"].split(","))
            out.append((match[1], {k: unescape_property(v) for k, v in props.items()}, unescape_data(match["message"])))
    return out


def test_one_annotation_per_finding_by_severity_with_file_and_line(cli):
    name = cli.write(broken())
    text = (cli.dir / name).read_text()
    code, out, _ = cli("audit", name, "--format", "github")
    assert code == 1
    found = annotations(out)
    assert len(found) == 15
    assert out.splitlines()[-1].startswith("apigw-auditor: 2 API(s)") and "FAILED" in out.splitlines()[-1]
    kinds = {props["title"].split()[0]: kind for kind, props, _ in found}
    assert kinds["AGW101"] == "error" and kinds["AGW111"] == "warning" and kinds["AGW305"] == "notice"
    assert kinds["AGW304"] == "notice"
    kind, props, message = next(a for a in found if a[1]["title"].startswith("AGW101"))
    assert props["file"] == "snapshot.json"
    assert int(props["line"]) == line_of(text, '"RouteId": "xyz790"')
    assert props["title"] == "AGW101 route-target-prefix (high)"
    assert message.splitlines()[0].startswith("Route `POST /items` has Target `a1b2c3`")
    assert message.splitlines()[1].startswith("Fix: aws apigatewayv2 update-route")


def test_values_are_escaped_as_the_runner_expects(cli):
    doc = broken()
    route(doc, "POST /items")["RouteKey"] = "POST /100%,a:b\nx"
    name = cli.write(doc, "snap,shot:1.json")
    _, out, _ = cli("audit", name, "--format", "github")
    lines = [line for line in out.splitlines() if "100" in line]
    assert lines and all(line.startswith("::") for line in lines)  # the newline did not start a new line
    assert "file=snap%2Cshot%3A1.json," in lines[0]
    _, props, message = annotations(lines[0])[0]
    assert props["file"] == "snap,shot:1.json"
    assert "POST /100%,a:b\nx" in message


def test_most_severe_first_and_a_note_when_github_would_hide_some(cli):
    doc = broken()
    routes = doc["Scopes"][0]["Apis"][0]["Routes"]
    for n in range(6):
        routes.append({"RouteId": f"extra{n}", "RouteKey": f"GET /extra{n}", "AuthorizationType": "NONE",
                       "Target": "integrations/a1b2c3"})
    _, out, _ = cli("audit", cli.write(doc), "--format", "github")
    kinds = [kind for kind, _, _ in annotations(out)]
    order = {"error": 0, "warning": 1, "notice": 2}
    assert kinds == sorted(kinds, key=order.get) and kinds.count("notice") > 10
    assert "GitHub shows 10 annotations of each kind per step" in out and f"{kinds.count('notice')} notices" in out
    _, out, _ = cli("audit", cli.write(broken()), "--format", "github")
    assert "GitHub shows 10" not in out

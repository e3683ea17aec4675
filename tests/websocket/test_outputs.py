"""`routes`, `graph`, the HTML/Markdown pictures and `fix` cover WebSocket APIs."""

import json
from pathlib import Path

import pytest

from auditor.cli import main
from tests.websocket.chat import WS_ARN, WS_ID, grant

CORRECT = (Path(__file__).parent / "fixtures" / "chat-correct.yaml").read_text()


@pytest.fixture
def run(tmp_path, capsys):
    def go(doc_or_text, *args, name="ws.json"):
        path = tmp_path / name
        path.write_text(doc_or_text if isinstance(doc_or_text, str) else json.dumps(doc_or_text))
        capsys.readouterr()
        code = main([args[0], str(path), *args[1:]])
        out = capsys.readouterr()
        return code, out.out, out.err
    return go


def test_routes_orders_websocket_routes(chat, run):
    chat.api["Routes"].append({"RouteId": "rf", "RouteKey": "$default", "Target": "integrations/is"})
    chat.api["Routes"].append({"RouteId": "ra", "RouteKey": "archive", "Target": "integrations/is"})
    code, out, _ = run(chat.doc, "routes", "--format", "json")
    table = json.loads(out)
    assert [r["route_key"] for r in table["routes"]] == ["$connect", "$disconnect", "archive", "sendmessage",
                                                         "$default"]
    assert table["api"]["route_selection_expression"] == "$request.body.action"
    assert all(r["permission"]["status"] == "covered" for r in table["routes"])


def test_routes_marks_an_uncovered_connect(chat, run):
    chat.set_grants("OnConnect", grant(f"{WS_ARN}/*/GET/*"))
    code, out, _ = run(chat.doc, "routes")
    line = next(line for line in out.splitlines() if "$connect" in line)
    assert "no on Prod" in line and "AGW203" in line and "AGW230" in line


def test_routes_lists_an_unselectable_key_as_never(chat, run):
    chat.api["RouteSelectionExpression"] = "${request.body.service}/${request.body.action}"
    code, out, _ = run(chat.doc, "routes", "--format", "json")
    row = next(r for r in json.loads(out)["routes"] if r["route_key"] == "sendmessage")
    assert row["priority"] is None and row["kind"] == "unselectable" and "AGW131" in row["findings"]


def test_graph_draws_the_broken_connect_edge(chat, run):
    chat.set_grants("OnConnect", grant(f"{WS_ARN}/*/GET/*"))
    code, out, _ = run(chat.doc, "graph", "--api", WS_ID)
    assert code == 1  # a broken edge
    assert "#36;connect" in out and "AGW203" in out
    assert out.count("allowed by apigateway-invoke") == 2  # $disconnect and sendmessage still reach theirs


def test_graph_of_a_correct_template_has_no_red_edge(run):
    code, out, _ = run(CORRECT, "graph", name="template.yaml")
    assert code == 0 and "stroke:#d32f2f,stroke-width:3px" not in out
    assert "sendmessage" in out


def test_markdown_and_html_reports_draw_websocket_apis(chat, run):
    chat.set_grants("OnConnect")
    code, out, _ = run(chat.doc, "audit", "--format", "markdown")
    assert "Wiring of API ws1chat234" in out and "AGW230" in out
    code, out, _ = run(chat.doc, "audit", "--format", "html")
    assert "ws1chat234" in out and "AGW201" in out and "svg-holder" in out  # drawn by the page script


def test_fix_script_grants_connect_and_moves_the_authorizer(chat, run):
    chat.set_grants("OnConnect", grant(f"{WS_ARN}/*/POST/*"))
    chat.add_authorizer("sendmessage")
    code, out, err = run(chat.doc, "fix")
    assert f"--source-arn 'arn:aws:execute-api:us-east-1:123456789012:{WS_ID}/*/$connect'" in out
    assert "update-route --api-id ws1chat234 --route-id rs --authorization-type NONE" in out
    assert "--route-id rc --authorization-type CUSTOM --authorizer-id au1" in out
    assert "Findings after (predicted by re-auditing the fixed model): no findings" in err or \
        "0 at or above medium" in err


def test_fix_template_diff(run):
    broken = CORRECT.replace("${ChatApi}/*/$connect", "${ChatApi}/*/GET/*")
    code, out, err = run(broken, "fix", "--diff", name="template.yaml")
    assert "+      SourceArn: !Sub \"arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${ChatApi}/*/$connect\"" in out

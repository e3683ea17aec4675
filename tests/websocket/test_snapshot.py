"""WebSocket fields read the same by the general and the fast (typed) snapshot readers."""

import json

from auditor.snapshot import fast_read, read_snapshot_document
from tests.websocket.chat import Chat


def _fields(snapshot):
    api = snapshot.scopes[0].apis[0]
    return (api.protocol_type, api.route_selection_expression,
            [(r.key, r.route_response_selection_expression, r.route_responses) for r in api.routes],
            [(i.id, i.integration_responses) for i in api.integrations])


def test_fast_and_general_readers_agree_on_websocket_fields(tmp_path):
    chat = Chat()
    chat.route("sendmessage")["RouteResponseSelectionExpression"] = "$default"
    chat.route("sendmessage")["RouteResponses"] = [{"RouteResponseId": "r1", "RouteResponseKey": "$default"}]
    chat.api["ApiKeySelectionExpression"] = "$request.header.x-api-key"
    data = json.dumps(chat.doc).encode().ljust((1 << 20) + 10)  # beyond the size the fast reader starts at
    path = tmp_path / "ws.json"
    path.write_bytes(data)
    fast = fast_read(data, str(path))
    general = read_snapshot_document(json.loads(data), str(path))
    assert fast is not None
    assert _fields(fast) == _fields(general)
    assert _fields(fast)[1] == "$request.body.action"
    assert fast.scopes[0].apis[0].api_key_selection_expression == "$request.header.x-api-key"

"""End to end, the way a user runs it against LocalStack: moto in server mode on a free port, the
installed CLI in a subprocess with --endpoint-url."""

import json
import os
import shutil
import socket
import subprocess

import pytest
from moto.server import ThreadedMotoServer

from tests.live.conftest import REGION, build_seed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(aws_env):
    port = free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        moto.stop()


def cli(*args, env=None):
    exe = shutil.which("apigw-auditor")
    assert exe, "apigw-auditor is not installed (pip install -e '.[test]')"
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=120, env=env or os.environ.copy())


def test_installed_cli_against_moto_server(server, tmp_path):
    seed = build_seed(payload="1.0", endpoint_url=server)
    out = tmp_path / "live.json"
    done = cli("snapshot", "--endpoint-url", server, "--region", REGION, "--output", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no progress bar when stderr is not a terminal
    document = json.loads(out.read_text())
    [scope] = document["Scopes"]
    assert scope["Complete"] is True and [a["ApiId"] for a in scope["Apis"]] == [seed["api_id"]]

    from_file = cli("audit", str(out), "--format", "json")
    assert from_file.returncode == 1, from_file.stderr
    live = cli("audit", "--live", "--endpoint-url", server, "--region", REGION, "--format", "json")
    assert live.returncode == 1, live.stderr
    fingerprints = lambda done: sorted(f["fingerprint"] for f in json.loads(done.stdout)["findings"])
    assert fingerprints(from_file) == fingerprints(live)
    rules = {f["rule_id"] for f in json.loads(live.stdout)["findings"]}
    assert "AGW111" in rules and not rules & {"AGW000", "AGW201"}

    table = cli("audit", "--live", "--endpoint-url", server, "--region", REGION, "--fail-on", "high")
    assert table.returncode == 0 and seed["api_id"] in table.stdout


def test_unreachable_endpoint_exits_2_with_a_message(aws_env, tmp_path):
    port = free_port()  # nothing listens there: the credential check (sts) cannot be made
    out = tmp_path / "s.json"
    done = cli("snapshot", "--endpoint-url", f"http://127.0.0.1:{port}", "--region", REGION, "-o", str(out))
    assert done.returncode == 2 and not out.exists()
    assert "sts:GetCallerIdentity" in done.stderr and "Traceback" not in done.stderr

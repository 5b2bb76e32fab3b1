"""`repair serve` runs the app under gunicorn; wsgi.py exposes `app`."""

import json
import socket
import subprocess
import time
import urllib.request

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_answers_over_http(cli_env):
    port = free_port()
    env = {**cli_env, "REPAIR_SECRET_KEY": "serve-test-secret"}  # PostgreSQL nodes need one (below)
    server = subprocess.Popen([".venv/bin/repair", "serve", "--port", str(port), "--workers", "1"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    body = json.loads(response.read())
                    break
            except OSError:
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        assert body["status"] == "ok"
    finally:
        server.terminate()
        _out, err = server.communicate(timeout=30)
    assert "gunicorn" in err.lower() or "Booting worker" in err


def test_wsgi_module_exposes_app(cli_env):
    check = subprocess.run([".venv/bin/python", "-c", "import wsgi; print(type(wsgi.app).__name__)"],
                           capture_output=True, text=True, env=cli_env, timeout=60)
    assert check.stdout.strip() == "Flask", check.stderr


@pytest.mark.postgresql
def test_serve_refuses_a_generated_secret_on_postgresql(cli_env):
    env = {k: v for k, v in cli_env.items() if k != "REPAIR_SECRET_KEY"}
    result = subprocess.run([".venv/bin/repair", "serve", "--port", str(free_port())], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "REPAIR_SECRET_KEY must be set" in result.stderr, result.stderr

"""`repair serve` runs the app under gunicorn; wsgi.py exposes `app`."""

import json
import socket
import subprocess
import time
import urllib.request


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_answers_over_http(cli_env):
    port = free_port()
    server = subprocess.Popen([".venv/bin/repair", "serve", "--port", str(port), "--workers", "1"], env=cli_env,
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

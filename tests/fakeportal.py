"""A fake credit portal for the sync tests: a ThreadingHTTPServer on 127.0.0.1 with injectable faults.

It verifies the HMAC signature, honours `Idempotency-Key` (stores a message once, answers a repeat with
the same acknowledgement) and counts every delivery per key, so tests can tell "sent twice" from
"stored twice". Faults apply to the next POSTs in order: `{"status": 500}` answers without storing,
`{"status": 429, "retry_after": 7}` adds a Retry-After header, `{"delay": 2.0}` stores the message and
then answers late (a client with a shorter read timeout gives up although the portal took it).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections import Counter, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from repair.sync.adapters import SIGNATURE_HEADER


class FakePortal:
    """Start with `with FakePortal() as portal:`; `portal.url` is the adapter's base URL."""

    def __init__(self, secret: str = "portal-secret"):
        self.secret = secret.encode()
        self.faults: deque[dict] = deque()
        self.deliveries: Counter[str] = Counter()  # every signed POST per idempotency key
        self.stored: dict[str, dict] = {}  # idempotency key -> first body
        self.acks: dict[str, str] = {}
        self.bad_signatures = 0
        self.extra_status: list[dict] = []  # entries /status reports besides what it stored
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def fault(self, *specs: dict) -> None:
        """Queue faults for the next POSTs, one each."""
        self.faults.extend(specs)

    def __enter__(self) -> "FakePortal":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)

    def receive(self, key: str, body: dict) -> tuple[int, dict]:
        """Store once per key; a repeat gets the first acknowledgement."""
        with self.lock:
            self.deliveries[key] += 1
            if key in self.stored:
                return 200, {"ack_id": self.acks[key], "duplicate": True}
            self.stored[key] = body
            self.acks[key] = f"ACK-{len(self.stored):04d}"
            return 201, {"ack_id": self.acks[key], "acked_at": "2026-11-26T10:00:00+08:00"}

    def status(self) -> list[dict]:
        with self.lock:
            return [{"case_no": b["case_no"], "outcome": b["outcome"], "message_id": k}
                    for k, b in self.stored.items()] + list(self.extra_status)


def _handler(portal: FakePortal):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # keep test output quiet
            pass

        def _answer(self, status: int, body: dict, headers: dict | None = None) -> None:
            data = json.dumps(body).encode()
            try:
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:  # the client gave up (read timeout) before we answered
                pass

        def _signed(self, data: bytes) -> bool:
            expected = "sha256=" + hmac.new(portal.secret, data, hashlib.sha256).hexdigest()
            if hmac.compare_digest(expected, self.headers.get(SIGNATURE_HEADER, "")):
                return True
            portal.bad_signatures += 1
            self._answer(401, {"error": "bad signature"})
            return False

        def do_POST(self) -> None:
            data = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if urlsplit(self.path).path != "/conclusions":
                return self._answer(404, {})
            if not self._signed(data):
                return None
            with portal.lock:
                fault = portal.faults.popleft() if portal.faults else {}
            if "status" in fault:
                extra = {"Retry-After": str(fault["retry_after"])} if "retry_after" in fault else {}
                return self._answer(fault["status"], {"error": "injected"}, extra)
            status, body = portal.receive(self.headers["Idempotency-Key"], json.loads(data))
            time.sleep(fault.get("delay", 0))
            self._answer(status, body)

        def do_GET(self) -> None:
            if urlsplit(self.path).path != "/status":
                return self._answer(404, {})
            if self._signed(self.path.encode()):  # `since` is accepted; the fake reports everything
                self._answer(200, {"items": portal.status()})
            return None

    return Handler


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def conclude(make_case, fire, *, samr: bool = False, **record_fields) -> str:
    """Drive a new case to `concluded` (granted and sealed); returns its number."""
    from tests.conftest import at

    if samr:
        record_fields.update(authority_code="SCJG", channel="samr")
    prefix = "scjg" if samr else "fgw"
    case_no = make_case(when=at("2026-11-02"), **record_fields)
    steps = (("accept", "officer", "2026-11-03"), ("confirm_fulfilment", "officer", "2026-11-04"),
             ("grant", "reviewer", "2026-11-05"), ("seal", "officer", "2026-11-06"))
    for trigger, who, day in steps:
        fire(case_no, trigger, f"{prefix}_{who}", at(day))
    return case_no

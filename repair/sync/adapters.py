"""Portal adapters behind one interface: `send(message) -> Receipt` and `statuses(since)` for reconciliation.

`FileDropAdapter` (the embedded default) appends JSON Lines to `<outbox_dir>/<portal>/YYYY-MM-DD.jsonl`;
`HttpAdapter` POSTs signed JSON to a portal endpoint with the stdlib `http.client` (the layer under
`urllib.request`), which unlike `urllib` can give connecting and reading separate timeouts.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import os
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import quote, urlsplit

from repair.config import PortalConfig, Settings

SIGNATURE_HEADER = "X-Repair-Signature"
MAX_RESPONSE = 1024 * 1024
RETRYABLE_STATUS = {408, 429}


@dataclass(frozen=True)
class Message:
    """One conclusion for one portal; `message_id` doubles as the idempotency key."""

    message_id: str
    portal: str
    payload: dict

    def body(self) -> bytes:
        """The exact bytes sent (and signed): the payload with its message id, keys sorted."""
        return json.dumps({"message_id": self.message_id, **self.payload}, ensure_ascii=False,
                          sort_keys=True, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class Receipt:
    """The portal's acknowledgement: its own id for our message and, if it says, when it took it."""

    ack_id: str
    acked_at: str | None = None


class DeliveryFailed(Exception):
    """A delivery did not succeed; `permanent` failures go straight to the dead letters."""

    def __init__(self, message: str, *, permanent: bool = False, status: int | None = None,
                 retry_after: float | None = None):
        super().__init__(message)
        self.permanent = permanent
        self.status = status
        self.retry_after = retry_after


class PortalAdapter(Protocol):
    """What the sync worker and the reconciliation need from a portal."""

    name: str

    def send(self, message: Message) -> Receipt:
        """Deliver one message (raise DeliveryFailed when it was not accepted)."""

    def statuses(self, since: datetime | None) -> list[dict] | None:
        """What the portal reports for our conclusions ({case_no, outcome, …}); None if it can't say."""


class FileDropAdapter:
    """Append each message as one JSON line to the portal's folder; the receipt is the line's file offset.

    The consumer on the portal side must drop repeated `message_id`s: after a crash between writing and
    recording the receipt, the same line is written again.
    """

    def __init__(self, name: str, folder: Path, clock: Callable[[], datetime]):
        self.name = name
        self.folder = folder / name
        self.clock = clock

    def send(self, message: Message) -> Receipt:
        """Append and fsync one line to today's file."""
        now = self.clock()
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{now.date().isoformat()}.jsonl"
        try:
            with path.open("ab") as handle:
                offset = handle.seek(0, os.SEEK_END)
                handle.write(message.body() + b"\n")
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as error:
            raise DeliveryFailed(f"写入交换目录失败 / cannot write {path}: {error}") from error
        return Receipt(ack_id=f"{path.name}@{offset}", acked_at=now.isoformat(timespec="seconds"))

    def statuses(self, since: datetime | None) -> list[dict] | None:
        """Lines of the portal's `status.jsonl` feedback file, or None when the portal left none."""
        path = self.folder / "status.jsonl"
        if not path.exists():
            return None
        rows = []
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise DeliveryFailed(f"反馈文件格式错误 / {path}:{number}: {error.msg}", permanent=True) from error
        return rows


class HttpAdapter:
    """POST `<url>/conclusions` with an HMAC-SHA256 signature and an `Idempotency-Key`; GET `<url>/status`."""

    def __init__(self, name: str, url: str, secret: str, *, connect_timeout: float, read_timeout: float):
        self.name = name
        self.url = url.rstrip("/")
        self.secret = secret.encode("utf-8")
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout

    def sign(self, data: bytes) -> str:
        """`sha256=<hex>` HMAC of `data` under the portal's secret."""
        return "sha256=" + hmac.new(self.secret, data, hashlib.sha256).hexdigest()

    def send(self, message: Message) -> Receipt:
        """Send: 2xx is a receipt, 408/429/5xx and network errors retry, other 4xx are final."""
        body = message.body()
        status, headers, data = self._request("POST", "/conclusions", body, {
            "Content-Type": "application/json; charset=utf-8", "Idempotency-Key": message.message_id,
            SIGNATURE_HEADER: self.sign(body)})
        if 200 <= status < 300:
            answer = _json_or_empty(data)
            return Receipt(ack_id=str(answer.get("ack_id") or f"http-{status}"),
                           acked_at=answer.get("acked_at"))
        detail = data[:200].decode("utf-8", "replace").strip()
        permanent = 400 <= status < 500 and status not in RETRYABLE_STATUS
        raise DeliveryFailed(f"门户返回 HTTP {status} / portal answered {status}: {detail}", permanent=permanent,
                             status=status, retry_after=_retry_after(headers.get("Retry-After")))

    def statuses(self, since: datetime | None) -> list[dict] | None:
        """GET /status?since=… (a JSON list, or an object with `items`)."""
        target = "/status" + (f"?since={quote(since.isoformat())}" if since else "")
        status, _, data = self._request("GET", target, None, {SIGNATURE_HEADER: self.sign(target.encode())})
        if status != 200:
            raise DeliveryFailed(f"门户状态查询失败 / status query answered HTTP {status}", status=status)
        answer = json.loads(data or b"[]")
        return answer["items"] if isinstance(answer, dict) else answer

    def _request(self, method: str, target: str, body: bytes | None,
                 headers: dict) -> tuple[int, dict, bytes]:
        parts = urlsplit(self.url)
        cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        extra = {"context": ssl.create_default_context()} if parts.scheme == "https" else {}
        connection = cls(parts.hostname, parts.port, timeout=self.connect_timeout, **extra)
        try:
            try:
                connection.connect()
            except (TimeoutError, socket.timeout) as error:
                raise DeliveryFailed(f"连接超时 / connect timed out after {self.connect_timeout}s") from error
            except OSError as error:
                raise DeliveryFailed(f"无法连接门户 / cannot connect to {self.url}: {error}") from error
            connection.sock.settimeout(self.read_timeout)
            try:
                connection.request(method, parts.path.rstrip("/") + target, body=body, headers=headers)
                response = connection.getresponse()
                data = response.read(MAX_RESPONSE)
            except (TimeoutError, socket.timeout) as error:
                raise DeliveryFailed(f"读取超时 / read timed out after {self.read_timeout}s") from error
            except (OSError, http.client.HTTPException) as error:
                raise DeliveryFailed(f"连接中断 / connection failed: {type(error).__name__}: {error}") from error
            return response.status, {k.title(): v for k, v in response.getheaders()}, data
        finally:
            connection.close()


def _json_or_empty(data: bytes) -> dict:
    try:
        answer = json.loads(data or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return answer if isinstance(answer, dict) else {}


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header; an HTTP-date form falls back to our own backoff."""
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def adapter_for(portal: PortalConfig, settings: Settings, clock: Callable[[], datetime]) -> PortalAdapter:
    """The adapter a portal's configuration asks for."""
    if portal.adapter == "http":
        return HttpAdapter(portal.name, portal.url, portal.secret,
                           connect_timeout=settings.sync_connect_timeout,
                           read_timeout=settings.sync_read_timeout)
    return FileDropAdapter(portal.name, settings.outbox_dir, clock)

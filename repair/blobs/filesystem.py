"""Blobs as files `<folder>/<d[:2]>/<digest>.pdf` (the embedded default; the layout predates the interface)."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

from repair.blobs.base import CHUNK_SIZE, assemble, digest_of_file, missing


class FileStore:
    """Content-addressed files written atomically (temporary file, fsync, rename)."""

    kind = "fs"

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def path(self, digest: str) -> Path:
        """Where a blob lives (whether or not it exists)."""
        return self.folder / digest[:2] / f"{digest}.pdf"

    def put(self, data: bytes) -> str:
        """Write `data` under its SHA-256 unless it is already there."""
        digest = hashlib.sha256(data).hexdigest()
        if not self.path(digest).exists():
            self._write(digest, lambda handle: handle.write(data))
        return digest

    def put_file(self, path: Path) -> str:
        """Copy a file in (streamed)."""
        digest = digest_of_file(path)
        if not self.path(digest).exists():
            def copy(handle):
                with open(path, "rb") as source:
                    shutil.copyfileobj(source, handle, CHUNK_SIZE)
            self._write(digest, copy)
        return digest

    def _write(self, digest: str, fill) -> None:
        target = self.path(digest)
        target.parent.mkdir(parents=True, exist_ok=True)
        # Several processes may store the same blob at once: each writes its own file and renames it.
        with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as handle:
            fill(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, target)

    def chunks(self, digest: str) -> Iterator[bytes]:
        """The file's bytes, CHUNK_SIZE at a time."""
        try:
            handle = open(self.path(digest), "rb")
        except FileNotFoundError:
            raise missing(digest) from None
        with handle:
            yield from iter(lambda: handle.read(CHUNK_SIZE), b"")

    def read(self, digest: str) -> bytes:
        """The whole blob, checked against its digest."""
        return assemble(self, digest)

    def exists(self, digest: str) -> bool:
        return self.path(digest).is_file()

    def digests(self) -> Iterator[str]:
        """Every stored digest (files whose name is a 64-hex digest)."""
        if not self.folder.is_dir():
            return
        for path in sorted(self.folder.glob("??/*.pdf")):
            name = path.stem
            if len(name) == 64 and name[:2] == path.parent.name:
                yield name

"""HTML → A4 PDF with WeasyPrint: one FontConfiguration per process, local files only, seal anchor located."""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

from repair.config import load_settings
from repair.errors import LetterError
from repair.letters.environment import render_html
from repair.letters.prerequisites import require_prerequisites

with warnings.catch_warnings():
    # A missing libharfbuzz-subset only raises a DeprecationWarning here; prerequisites.py refuses instead.
    warnings.simplefilter("ignore", DeprecationWarning)
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import FatalURLFetchingError, URLFetcher

SEAL_ANCHOR_ID = "seal-anchor"
_PX_TO_PT = 0.75  # CSS px are 1/96 in, PDF points 1/72 in


@dataclass(frozen=True)
class SealAnchor:
    """Where the seal goes: page index (0-based), box (x1, y1, x2, y2) in PDF points, origin bottom-left."""

    page_index: int
    box: tuple[float, float, float, float]


@dataclass(frozen=True)
class RenderedLetter:
    """A rendered letter: its PDF bytes, page count and seal anchor (None for applicant documents)."""

    key: str
    pdf: bytes
    page_count: int
    seal_anchor: SealAnchor | None

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of the PDF bytes."""
        return hashlib.sha256(self.pdf).hexdigest()


class LocalFileFetcher(URLFetcher):
    """Fetch only `file:` URLs inside one folder; anything else stops the rendering."""

    def __init__(self, root: Path):
        super().__init__(allowed_protocols=("file",), fail_on_errors=True)
        self._root = root.resolve()

    def fetch(self, url, headers=None):
        """Refuse URLs outside the letters folder, then fetch as usual."""
        parsed = urlparse(url)
        if parsed.scheme != "file" or parsed.netloc not in ("", "localhost"):
            raise ValueError(f"only local file: URLs are allowed: {url}")
        path = Path(url2pathname(parsed.path)).resolve()
        if not path.is_relative_to(self._root):
            raise ValueError(f"file outside the letters folder: {url}")
        return super().fetch(url, headers)


_font_config: FontConfiguration | None = None


def font_configuration() -> FontConfiguration:
    """The process-wide FontConfiguration (building one per document costs ~35 ms)."""
    global _font_config
    if _font_config is None:
        _font_config = FontConfiguration()
    return _font_config


def _find_anchor(document) -> SealAnchor | None:
    for index, page in enumerate(document.pages):
        # _page_box is private but has been stable for years; it is the only way to see final positions.
        for box in page._page_box.descendants():
            if box.element is not None and box.element.get("id") == SEAL_ANCHOR_ID:
                x, y = box.border_box_x(), box.border_box_y()
                w, h = box.border_width(), box.border_height()
                page_h = page.height
                return SealAnchor(
                    page_index=index,
                    box=(
                        round(x * _PX_TO_PT, 2),
                        round((page_h - y - h) * _PX_TO_PT, 2),
                        round((x + w) * _PX_TO_PT, 2),
                        round((page_h - y) * _PX_TO_PT, 2),
                    ),
                )
    return None


def render_pdf(key: str, context: Mapping, *, letters_dir: Path | None = None) -> RenderedLetter:
    """Render letter `key` with plain-data `context` into an A4 PDF (fonts embedded and subset)."""
    require_prerequisites()
    directory = (letters_dir or load_settings().letters_dir).resolve()
    html = render_html(key, context, directory)
    try:
        document = HTML(
            string=html, base_url=directory.as_uri() + "/", url_fetcher=LocalFileFetcher(directory)
        ).render(font_config=font_configuration())
    except FatalURLFetchingError as error:
        raise LetterError(f"文书 {key} 引用了不允许或不存在的资源 / letter {key}: {error}") from error
    anchor = _find_anchor(document)
    pdf = document.write_pdf()
    return RenderedLetter(key=key, pdf=pdf, page_count=len(document.pages), seal_anchor=anchor)

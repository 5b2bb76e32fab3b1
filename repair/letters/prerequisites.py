"""Refuse to render when the machine cannot produce a correct, fast Chinese PDF.

Without a CJK font WeasyPrint prints empty boxes; without libharfbuzz-subset it silently falls back to
fontTools and becomes ~17x slower. Both failures are quiet, so we check up front and say what to install.
"""

from __future__ import annotations

import shutil
import subprocess
import warnings
from functools import lru_cache

from repair.errors import LetterError

NO_CJK_FONT = (
    "未找到中文字体，无法生成文书（请安装 fonts-noto-cjk） / "
    "no CJK font found by fontconfig (fc-list :lang=zh is empty); install fonts-noto-cjk"
)
NO_HARFBUZZ_SUBSET = (
    "缺少 HarfBuzz 字体子集库，文书生成将极慢（请安装 libharfbuzz-subset0） / "
    "libharfbuzz-subset is not available; install libharfbuzz-subset0"
)


@lru_cache(maxsize=1)
def _fc_list_zh() -> tuple[str, ...]:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return ()
    result = subprocess.run(
        [fc_list, ":lang=zh", "family"], capture_output=True, text=True, timeout=30, check=False
    )
    return tuple(line for line in result.stdout.splitlines() if line.strip())


def cjk_font_available() -> bool:
    """True when fontconfig knows at least one font covering Chinese."""
    return bool(_fc_list_zh())


@lru_cache(maxsize=1)
def harfbuzz_subset_available() -> bool:
    """True when libharfbuzz-subset (>= 4.1, as WeasyPrint requires) can be loaded."""
    with warnings.catch_warnings():
        # WeasyPrint only warns (DeprecationWarning) when the library is missing; we refuse instead.
        warnings.simplefilter("ignore", DeprecationWarning)
        from weasyprint.text import ffi
    if ffi.harfbuzz_subset is None:
        return False
    return bool(ffi.harfbuzz.hb_version_atleast(4, 1, 0))


def require_prerequisites() -> None:
    """Raise LetterError naming what is missing (CJK font, HarfBuzz subsetting)."""
    if not cjk_font_available():
        raise LetterError(NO_CJK_FONT)
    if not harfbuzz_subset_available():
        raise LetterError(NO_HARFBUZZ_SUBSET)

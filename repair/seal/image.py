"""The visible seal: a red round seal drawn with Pillow from the department's name (cached per name)."""

from __future__ import annotations

import io
import math
import shutil
import subprocess
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from repair.errors import SealError

SUBTITLE = "信用修复专用章"
SIZE = 480  # px; the seal is 40 mm wide on paper, so ~300 dpi
_SCALE = 2  # drawn at twice the size and downsampled: Pillow does not anti-alias ellipses and polygons
_RED = (200, 16, 30, 215)  # slightly translucent, like ink: the signature text stays legible


@lru_cache(maxsize=1)
def _cjk_font_file() -> tuple[str, int]:
    """(path, face index) of a bold CJK sans font, as fontconfig resolves it."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        raise SealError("未找到 fontconfig（fc-match），无法绘制印章 / fc-match not found: cannot draw the seal")
    result = subprocess.run(
        [fc_match, "-f", "%{file}\n%{index}\n%{lang}", "Noto Sans CJK SC:style=Bold:lang=zh-cn"],
        capture_output=True, text=True, timeout=30, check=False,
    )
    lines = result.stdout.split("\n")
    if len(lines) < 3 or "zh-cn" not in lines[2].split("|"):
        raise SealError("未找到中文字体，无法绘制印章（请安装 fonts-noto-cjk） / no CJK font for the seal image")
    return lines[0], int(lines[1] or 0)


def _font(size: int) -> ImageFont.FreeTypeFont:
    path, index = _cjk_font_file()
    return ImageFont.truetype(path, size=size, index=index)


def _star_points(cx: float, cy: float, outer: float) -> list[tuple[float, float]]:
    inner = outer * 0.382  # regular five-pointed star
    points = []
    for i in range(10):
        radius = outer if i % 2 == 0 else inner
        angle = math.radians(-90 + i * 36)
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    return points


def _draw_arc_text(canvas: Image.Image, text: str, center: float, radius: float) -> None:
    count = len(text)
    font_size = int(canvas.width * min(0.13, 1.25 / max(count, 1)))
    font = _font(font_size)
    span = min(250.0, max(120.0, count * 24.0))
    step = span / max(count - 1, 1)
    tile = int(font_size * 1.5)
    for i, char in enumerate(text):
        theta = -span / 2 + i * step if count > 1 else 0.0
        glyph = Image.new("RGBA", (tile, tile), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((tile / 2, tile / 2), char, font=font, fill=_RED, anchor="mm")
        glyph = glyph.rotate(-theta, resample=Image.BICUBIC)
        x = center + radius * math.sin(math.radians(theta)) - tile / 2
        y = center - radius * math.cos(math.radians(theta)) - tile / 2
        canvas.alpha_composite(glyph, (int(round(x)), int(round(y))))


@lru_cache(maxsize=64)
def seal_image(name: str, subtitle: str = SUBTITLE) -> Image.Image:
    """A transparent RGBA seal: `name` along the upper arc, a star, `subtitle` beneath it."""
    big = SIZE * _SCALE
    canvas = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(canvas)
    c = big / 2
    ring = big * 0.03
    outer = big * 0.48
    draw.ellipse((c - outer, c - outer, c + outer, c + outer), outline=_RED, width=int(ring))
    _draw_arc_text(canvas, name, c, outer - ring - big * 0.1)
    draw.polygon(_star_points(c, c, big * 0.15), fill=_RED)
    if subtitle:
        size = int(big * min(0.07, 0.5 / len(subtitle)))
        draw.text((c, c + big * 0.25), subtitle, font=_font(size), fill=_RED, anchor="mm")
    return canvas.resize((SIZE, SIZE), Image.LANCZOS)


def seal_png(name: str, subtitle: str = SUBTITLE) -> bytes:
    """The seal image as PNG bytes (for previews)."""
    out = io.BytesIO()
    seal_image(name, subtitle).save(out, format="PNG", optimize=True)
    return out.getvalue()

"""Write the PDF previews in docs/samples/: every sample letter rendered, sealed with the sample department's
seal text for that kind of letter (throwaway development PKI), one 60-dpi PNG per page (poppler's pdftoppm).

    .venv/bin/python scripts/letter_previews.py
"""

from __future__ import annotations

import subprocess
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from repair.config import CHECKOUT, load_settings
from repair.letters import LETTER_KEYS, render_pdf, sample_context
from repair.letters.samples import sample_department
from repair.seal import ensure_development_pki, seal_pdf

OUT = CHECKOUT / "docs" / "samples"


def main() -> None:
    dept = sample_department()
    with tempfile.TemporaryDirectory(prefix="repair-previews-") as instance:
        settings = load_settings({"REPAIR_INSTANCE_PATH": instance})
        ensure_development_pki(settings.keys_dir, [(dept.code, dept.full_name)])
        at = datetime(2026, 11, 26, 9, 30, tzinfo=timezone.utc)
        for key in LETTER_KEYS:
            letter = render_pdf(key, sample_context(key))
            pdf = (seal_pdf(letter, dept.code, settings, reason="样张", at=at, seal_text=dept.seal_text(key))
                   if letter.seal_anchor else letter.pdf)
            for stale in OUT.glob(f"{key}-p*.png"):
                if not stale.name.endswith(".ofd.png"):
                    stale.unlink()
            source = Path(instance) / f"{key}.pdf"
            source.write_bytes(pdf)
            subprocess.run(["pdftoppm", "-r", "60", "-png", str(source), str(Path(instance) / key)], check=True)
            pages = sorted(Path(instance).glob(f"{key}-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
            for index, page in enumerate(pages):
                page.replace(OUT / (f"{key}.png" if index == 0 else f"{key}-p{index + 1}.png"))
            print(f"{key}: {len(pages)} page(s)")


if __name__ == "__main__":
    main()

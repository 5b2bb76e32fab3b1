"""Write OFD previews beside the PDF previews: every letter rendered as a sealed OFD (SM2, throwaway development
PKI), opened in Debian's Chromium by the npm viewer ofd.js (tests/js), one PNG per page in docs/samples/.

    .venv/bin/python scripts/ofd_previews.py            (needs tests/js/node_modules: scripts/bootstrap.sh)
"""

from __future__ import annotations

import base64
import tempfile
from datetime import datetime, timezone

from playwright.sync_api import sync_playwright

from repair.config import CHECKOUT, load_settings
from repair.letters import LETTER_KEYS, render_pdf, sample_context
from repair.ofd import render_ofd
from repair.seal.sm2 import ensure_sm2_pki

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
OUT = CHECKOUT / "docs" / "samples"


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="repair-ofd-previews-") as instance:
        settings = load_settings({"REPAIR_INSTANCE_PATH": instance})
        authority = sample_context("penalty_decision")["authority"]
        ensure_sm2_pki(settings.keys_dir, [(authority["code"], authority["name"])])
        at = datetime(2026, 11, 26, 9, 30, tzinfo=timezone.utc)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 820, "height": 1200}, device_scale_factor=1)
            for key in LETTER_KEYS:
                context = sample_context(key)
                letter = render_pdf(key, context)
                data = render_ofd(letter, title=key, author=authority["name"], at=at,
                                  dept_code=authority["code"] if letter.seal_anchor else None, settings=settings)
                page.goto((CHECKOUT / "tests" / "js" / "ofd_viewer.html").as_uri())
                count = page.evaluate("(d) => window.renderOfdBase64(d, 794)", base64.b64encode(data).decode())
                for index, element in enumerate(page.query_selector_all("#pages > div")):
                    suffix = "" if index == 0 else f"-p{index + 1}"
                    element.screenshot(path=str(OUT / f"{key}{suffix}.ofd.png"))
                print(f"{key}: {count} page(s)")
            browser.close()


if __name__ == "__main__":
    main()

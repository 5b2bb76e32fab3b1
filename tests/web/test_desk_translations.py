"""The desk's English catalog covers every string its pages and messages translate."""

import json
import re

from repair.readmodels.desk import MARKS
from repair.web import desk
from repair.web.i18n import CATALOGS
from tests.conftest import at, repo_path


def translated_strings() -> set[str]:
    found = set()
    for template in repo_path("templates", "desk").glob("*.html"):
        found |= set(re.findall(r"""_\(\s*["']([^"']+)["']""", template.read_text(encoding="utf-8")))
    view = repo_path("repair", "web", "desk.py").read_text(encoding="utf-8")
    found |= set(re.findall(r'_\(\s*"([^"]+)"', view))
    return found | set(MARKS.values()) | {desk.CONFLICT_MESSAGE}


def test_catalog_is_complete():
    catalog = {}
    for name in ("common.json", "desk.json"):
        catalog.update(json.loads((CATALOGS / "en" / name).read_text(encoding="utf-8")))
    strings = translated_strings()
    assert len(strings) > 80
    assert sorted(s for s in strings if s not in catalog) == []


def test_queue_in_english(web, login, make_case):
    make_case(when=at("2026-11-24"))
    client = login("fgw_officer")
    client.get("/lang/en?next=/desk/")
    page = client.get("/desk/").get_data(as_text=True)
    assert "Assign the selected cases to" in page and "Overdue only" in page and "将选中案件分派给" not in page

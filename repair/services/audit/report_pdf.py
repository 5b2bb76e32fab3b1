"""The audit report as an official PDF (letters/audit_report.html), sealed by the auditing department.

The letter environment's `render_html` serves only the case letters (LETTER_KEYS); the report uses the
same environment, fonts, local-file fetcher and seal, rendered here.
"""

from __future__ import annotations

from datetime import date, datetime

from repair.config import Settings
from repair.errors import LetterError
from repair.letters.environment import letters_environment
from repair.letters.prerequisites import require_prerequisites
from repair.letters.render import LocalFileFetcher, RenderedLetter, font_configuration
from repair.seal import anchor_from_pdf, seal_pdf

TEMPLATE = "audit_report.html"


def report_html(settings: Settings, report: dict, *, issued_on: date) -> str:
    """The report's HTML (plain data in, escaped text out)."""
    directory = settings.letters_dir.resolve()
    template = letters_environment(directory).get_template(TEMPLATE)
    period = report["period"]
    return template.render(report=report, authority={"name": report["auditing_department"]["name"]},
                           issued_on=issued_on, doc_number=f"统计期间：{period['from']} 至 {period['to']}")


def render_report_pdf(settings: Settings, report: dict, *, now: datetime) -> bytes:
    """Render and seal the report; the seal is the auditing department's."""
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    require_prerequisites()
    directory = settings.letters_dir.resolve()
    html = report_html(settings, report, issued_on=now.date())
    try:
        document = HTML(string=html, base_url=directory.as_uri() + "/",
                        url_fetcher=LocalFileFetcher(directory)).render(font_config=font_configuration())
    except FatalURLFetchingError as error:
        raise LetterError(f"审计报告引用了不允许或不存在的资源 / audit report: {error}") from error
    pdf = document.write_pdf()
    rendered = RenderedLetter(key="audit_report", pdf=pdf, page_count=len(document.pages),
                              seal_anchor=anchor_from_pdf(pdf))
    return seal_pdf(rendered, report["auditing_department"]["code"], settings,
                    reason="信用修复办理时限合规审计报告", at=now)

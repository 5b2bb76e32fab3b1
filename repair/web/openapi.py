"""The OpenAPI 3.1 document of /api/v1, built as data; tests hold it to the routes and real responses."""

from __future__ import annotations

from copy import deepcopy
from functools import cache

from repair.web.api_common import DEFAULT_PER_PAGE, MAX_PER_PAGE, MAX_TEXT
from repair.web.hardening import MAX_ID
from repair.web.problems import PROBLEM_MIME

DESCRIPTION = """区公共信用信息修复系统 JSON API / the credit-repair JSON API.

- 认证 Authentication: `POST /auth/token` → `Authorization: Bearer <token>` on every other call (8 hours).
- 可见范围 Scope: an enterprise sees its own USCC, officers and reviewers their department, auditors and
  admins everything. Anything outside the scope answers **404**, for reads and writes alike (never 409
  "scope"). Auditors get **403** on every write; only enterprises and officers may create cases (an
  officer at the district window, for a record of the officer's department).
- 分页 Paging: `?page=1&per_page=50` (max 200); lists answer `{items, page, per_page, total, next}`, `next`
  being the relative URL of the following page or null.
- 并发 Concurrency: a case's `ETag` is its version. `POST /cases/{case_no}/events` needs `If-Match`:
  **428** without it, **412** when it no longer matches (checked before firing), **409** when another
  change wins the race at commit or the transition is refused now (state, role, guard, four-eyes; see
  `failed`). Unknown trigger, missing reason or wrong JSON types: **422** with `errors[]`.
- 输入边界 Input bounds: ids and page numbers are ASCII digits 1..2^31−1 (else **404** in a path, **400** in a
  query); JSON bodies at most 1 MB (**413**) and 32 levels deep (**400**); text in NFC, and control,
  unassigned, private-use and bidi-override characters answer **400** (tab and newlines allowed in bodies).
- 文本格式 Text formats: request strings of format `text` are NFC without control (tab, LF, CR aside),
  unassigned, private-use, surrogate or bidi-override characters; `line` (query and path values) admits no
  control character at all. Anything else answers **400**.
- 双因素 Second factor: administrators, reviewers and auditors add `otp` (TOTP or a recovery code) to
  `POST /auth/token`.
- 错误 Errors: `application/problem+json` with Chinese-first `title`/`detail`; 422 adds
  `errors: [{field, message}]`, 409 refusals add `failed: [...]`.
"""

STR, INT, BOOL = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
DATE, NDATE = {"type": "string", "format": "date"}, {"type": ["string", "null"], "format": "date"}
NSTR, NINT = {"type": ["string", "null"]}, {"type": ["integer", "null"]}
OFD_MIME = "application/ofd"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict, optional: tuple[str, ...] = ()) -> dict:
    required = [name for name in properties if name not in optional]
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


def _array(items: dict) -> dict:
    return {"type": "array", "items": items}


def _page(item: str) -> dict:
    return _object({"items": _array(_ref(item)), "page": {"type": "integer", "minimum": 1},
                    "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
                    "total": {"type": "integer", "minimum": 0}, "next": NSTR})


RECORD = {"id": INT, "kind": STR, "authority": STR, "decision_no": STR, "uscc": STR, "party": STR, "channel": STR,
          "tier": NSTR, "sector": NSTR, "decided_on": NDATE, "published_on": NDATE, "penalty_types": _array(STR),
          "fine_amount": NSTR, "status": STR, "legal_basis": NSTR, "violated_provision": NSTR, "party_address": NSTR,
          "legal_representative": NSTR, "evidence": _array(STR),
          "penalty_content": {"type": ["object", "null"], "additionalProperties": STR},
          "procedure": {"type": ["object", "null"]}, "served_on": NDATE}
CASE_SUMMARY = {"case_no": STR, "state": STR, "version": INT, "workflow": STR, "department": STR, "uscc": STR,
                "due": NDATE, "open": BOOL, "submitted_on": DATE}
EVENT = {"seq": INT, "trigger": STR, "from": NSTR, "to": STR, "actor": STR, "at": {"type": "string"},
         "reason": NSTR, "hash": STR}
DEADLINE = {"stage": STR, "title": STR, "started_on": DATE, "due": DATE, "met_on": NDATE,
            "status": {"enum": ["running", "paused", "met", "met_late", "cancelled"]}, "provisional": BOOL,
            "paused_days": INT, "extended_days": INT, "limit": INT, "unit": STR, "basis": STR, "confirmed": BOOL,
            "derivation": STR}
DOCUMENT = {"id": INT, "kind": STR, "title": STR, "doc_no": NSTR, "version": INT, "supersedes": NINT,
            "status": {"enum": ["reserved", "rendered", "sealed", "void"]}, "sha256": NSTR, "ofd_sha256": NSTR,
            "pages": NINT,
            "sealed_at": NSTR, "note": STR, "served_on": NDATE}
CASE_DETAIL = {"case_no": STR, "state": STR, "state_title": STR, "version": INT, "workflow": STR,
               "workflow_version": INT, "workflow_title": STR, "department": STR, "uscc": STR, "regime": NSTR,
               "favourable_regime": {"type": ["object", "null"]}, "open": BOOL, "submitted_on": DATE,
               "due": NDATE, "applicant": NSTR, "assigned_to": NSTR, "commitment_signed": BOOL,
               "record": _ref("Record"), "triggers": _array(STR), "events": _array(_ref("Event")),
               "deadlines": _array(_ref("Deadline"))}
# Request text: "text" is NFC without control (tab and line breaks aside), unassigned, private-use, surrogate
# or bidi-override characters; "line" admits no control character at all (query and path values).
TEXT = {"type": "string", "format": "text", "maxLength": MAX_TEXT}
IN_TEXT, LINE = {"type": "string", "format": "text"}, {"type": "string", "format": "line"}
DIGEST = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
EVIDENCE_ROW = _object({"kind": {"enum": ["fine_payment", "correction"]}, "amount": NSTR, "occurred_on": DATE,
                        "reference": STR, "source": STR})
SIGNATURE_CHECK = {"index": INT, "field": STR, "kind": {"enum": ["signature", "timestamp"]}, "signer": STR,
                   "department": NSTR, "signed_at": NSTR, "timestamped": BOOL,
                   "level": {"enum": ["B-B", "B-T", "B-LT", "B-LTA", None]}, "intact": BOOL, "trusted": BOOL,
                   "coverage": STR, "modified_after": BOOL, "revoked_at": NSTR, "problems": _array(STR)}
SEAL_VERIFICATION = {"signed": BOOL, "signer": STR, "department": NSTR, "signing_time": NSTR, "intact": BOOL,
                     "trusted": BOOL, "coverage": STR, "summary_zh": STR, "ok": BOOL, "format": STR,
                     "level": {"enum": ["B-B", "B-T", "B-LT", "B-LTA", None]}, "modified_after_signing": BOOL,
                     "signatures": _array(_ref("SignatureCheck"))}
FULFILMENT_CHECK = {"complete": BOOL, "missing": _array(STR), "digest": DIGEST, "advanced_seq": NINT}
FULFILMENT_SCHEMAS = {
    "FulfilmentCreate": _object({
        "authority_code": {**IN_TEXT, "maxLength": 16}, "decision_no": {**IN_TEXT, "maxLength": 100},
        "kind": {"enum": ["fine_payment", "correction"]},
        "amount": {"type": "string", "pattern": r"^\d{1,12}(\.\d{1,2})?$",
                   "description": "元，字符串，缴款必填 / yuan as a decimal string, required for a payment"},
        "occurred_on": DATE, "reference": {**IN_TEXT, "maxLength": 100,
                                           "description": "缴款凭证号或核查文书号 / receipt or verification number"},
        "source": {**IN_TEXT, "maxLength": 100}}, optional=("amount", "source")),
    "FulfilmentCheckOutcome": _object({"case_no": STR, "state": STR, **FULFILMENT_CHECK}),
    "FulfilmentRecorded": _object({"fulfilment_id": INT, "record_id": INT,
                                   "outcome": {"enum": ["created", "updated", "unchanged"]},
                                   "checks": _array(_ref("FulfilmentCheckOutcome"))}),
    "FulfilmentCheck": _object({"checked_at": STR, "cause": STR, **FULFILMENT_CHECK}),
    "PinnedEvidence": _object({"digest": DIGEST, "rows": _array(EVIDENCE_ROW), "pinned_at": STR, "pinned_by": STR,
                               "event_seq": INT, "sources": _array(STR)}),
    "CaseFulfilment": _object({"case_no": STR, "state": STR, "checks": _array(_ref("FulfilmentCheck")),
                               "evidence": {"oneOf": [_ref("PinnedEvidence"), {"type": "null"}]},
                               "supplement_reason": NSTR}),
    "PrefillField": _object({"name": STR, "label": STR, "value": STR, "source": STR, "editable": BOOL}),
    "Prefill": _object({"record_id": INT, "fields": _array(_ref("PrefillField"))}),
}

SCHEMAS = {
    "Problem": {"type": "object", "required": ["type", "title", "status"], "additionalProperties": False,
                "properties": {"type": STR, "title": STR, "status": INT, "detail": STR,
                               "errors": _array(_ref("FieldError")), "failed": _array(STR)}},
    "FieldError": _object({"field": STR, "message": STR, "code": STR}, optional=("code",)),
    "TokenRequest": _object({"username": IN_TEXT, "password": IN_TEXT, "otp": IN_TEXT}, optional=("otp",)),
    "Token": _object({"token": STR, "token_type": {"const": "Bearer"}, "expires_at": STR}),
    "Me": _object({"username": STR, "role": {"enum": ["enterprise", "officer", "reviewer", "auditor", "admin",
                                                      "security_admin", "audit_admin", "system"]},
                   "department": NSTR, "uscc": NSTR}),
    "Record": _object(RECORD),
    "RecordPage": _page("Record"),
    "CaseSummary": _object(CASE_SUMMARY),
    "CasePage": _page("CaseSummary"),
    "Event": _object(EVENT),
    "Deadline": _object(DEADLINE),
    "DeadlinePage": _page("Deadline"),
    "Document": _object(DOCUMENT),
    "DocumentMeta": _object({**DOCUMENT, "case_no": NSTR, "size": NINT, "ofd_size": NINT}),
    "DocumentPage": _page("Document"),
    "CaseDetail": _object(CASE_DETAIL),
    "CaseCreated": _object({**CASE_DETAIL, "documents": _array(_ref("Document"))}),
    "CaseCreate": _object({"record_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID}, "commitment_signed": BOOL,
                           "reason": TEXT}, optional=("reason",)),
    "EventCreate": _object({"trigger": IN_TEXT, "reason": TEXT}, optional=("reason",)),
    "RecognitionCreate": _object({"reference": {**IN_TEXT, "maxLength": 100},
                                  "decision_no": {**IN_TEXT, "maxLength": 100},
                                  "authority": {**IN_TEXT, "maxLength": 16},
                                  "uscc": {**IN_TEXT, "maxLength": 18}, "concluded_on": DATE,
                                  "outcome": {"const": "granted"}}, optional=("authority", "uscc", "outcome")),
    "Recognition": _object({"status": {"enum": ["recorded", "duplicate"]}, "record_id": INT, "case_no": NSTR,
                            "flagged": BOOL}),
    "EventCreated": _object({"case_no": STR, "seq": INT, "trigger": STR, "from": STR, "to": STR, "version": INT,
                             "state": STR,
                             "letter": NSTR, "deadline_changes": _array({"type": "object"}),
                             "documents": _array(_ref("Document"))}),
    **FULFILMENT_SCHEMAS,
    "SignatureCheck": _object(SIGNATURE_CHECK),
    "SealVerification": _object(SEAL_VERIFICATION),
}

ERRORS = {
    "400": "请求有误：请求体不是 JSON 对象、JSON 嵌套超过 32 层、含控制字符或未分配字符、参数越界 / "
           "malformed: not a JSON object, nested deeper than 32, refused characters, or parameters out of range",
    "401": "未认证：缺少、无效或过期的令牌 / missing, invalid or expired token",
    "403": "角色无权执行 / role not allowed (auditors on every write)",
    "404": "不存在或不在可见范围内 / not found or outside the actor's scope",
    "409": "冲突：当前不能执行（failed 列出原因）、被并发修改抢先或文书尚未制作完成 / "
           "refused now (see failed), lost a race, or the document is not produced yet",
    "413": "请求体超过 1 MB 或上传文件过大 / body larger than 1 MB, or the upload too large",
    "412": "If-Match 与案件当前版本不符 / If-Match does not match the case's version",
    "422": "输入有误（errors 列出字段）/ invalid input (see errors)",
    "428": "缺少 If-Match / If-Match required",
    "429": "失败次数过多 / too many failed sign-ins",
}


def _problems(*codes: str) -> dict:
    return {code: {"description": ERRORS[code], "content": {PROBLEM_MIME: {"schema": _ref("Problem")}}}
            for code in codes}


def _ok(description: str, schema: str, status: str = "200", headers: tuple[str, ...] = ()) -> dict:
    return {status: {"description": description, "content": {"application/json": {"schema": _ref(schema)}},
                     **({"headers": {h: {"$ref": f"#/components/headers/{h}"} for h in headers}} if headers else {})}}


def _body(schema: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": _ref(schema)}}}


def _param(name: str, where: str, schema: dict, description: str, required: bool = False) -> dict:
    return {"name": name, "in": where, "required": required or where == "path", "schema": schema,
            "description": description}


ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
PAGING = [_param("page", "query", {**ID, "default": 1}, "页码 / page, from 1"),
          _param("per_page", "query", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE,
                                       "default": DEFAULT_PER_PAGE}, "每页条数 / page size")]
CASE_NO = _param("case_no", "path", LINE, "案件编号 / case number, e.g. FGW-2026-000001")
DOCUMENT_ID = _param("document_id", "path", ID, "文书编号 / document id")
NOT_MODIFIED = {"304": {"description": "未变化（If-None-Match 命中）/ not modified"}}


def _op(summary: str, responses: dict, *, parameters: list | None = None, body: str | None = None,
        public: bool = False, description: str | None = None) -> dict:
    operation: dict = {"summary": summary, "responses": responses}
    if description:
        operation["description"] = description
    if parameters:
        operation["parameters"] = parameters
    if body:
        operation["requestBody"] = _body(body)
    if public:
        operation["security"] = []
    return operation


PATHS = {
    "/auth/token": {
        "post": _op("换取访问令牌 / issue a bearer token", {**_ok("令牌 / token", "Token", "201"),
                    **_problems("400", "401", "422", "429")}, body="TokenRequest", public=True),
        "delete": _op("注销当前令牌 / revoke this token", {"204": {"description": "已注销 / revoked"},
                      **_problems("401")}),
    },
    "/me": {"get": _op("当前用户 / who the token belongs to", {**_ok("用户 / user", "Me"), **_problems("401")})},
    "/records": {"get": _op("可见的失信记录 / records in scope", {**_ok("记录分页 / page", "RecordPage"),
                            **_problems("401", "422")},
                            parameters=[*PAGING, _param("kind", "query", LINE, "记录类别 / record kind")])},
    "/records/{record_id}": {"get": _op("一条记录 / one record", {**_ok("记录 / record", "Record"),
                                        **_problems("401", "404")},
                                        parameters=[_param("record_id", "path", ID, "记录编号 / record id")])},
    "/cases": {
        "get": _op("可见的案件（办理中在前，按到期日）/ cases in scope", {**_ok("案件分页 / page", "CasePage"),
                   **_problems("401", "422")},
                   parameters=[*PAGING, _param("state", "query", LINE, "状态 / state"),
                               _param("workflow", "query", LINE, "流程 / workflow")]),
        "post": _op("提交修复申请（企业；或窗口经办人代本部门记录提交）/ apply for repair",
                    {**_ok("已创建 / created", "CaseCreated", "201", ("Location", "ETag")),
                     **_problems("400", "401", "403", "404", "422")}, body="CaseCreate"),
    },
    "/cases/{case_no}": {"get": _op("案件详情（含版本、历史、时限）/ case detail",
                                    {**_ok("案件 / case", "CaseDetail", headers=("ETag",)), **NOT_MODIFIED,
                                     **_problems("401", "404")}, parameters=[CASE_NO])},
    "/cases/{case_no}/events": {"post": _op(
        "执行操作（须带 If-Match）/ fire a trigger",
        {**_ok("已执行 / fired", "EventCreated", "201", ("Location", "ETag")),
         **_problems("400", "401", "403", "404", "409", "412", "422", "428")},
        parameters=[CASE_NO, _param("If-Match", "header", {"type": "string", "pattern": r'^(W/)?"[0-9]{1,10}"(, ?(W/)?"[0-9]{1,10}")*$'},
                                       "案件 ETag（版本），不接受 * / the case's ETag(s); * is refused (428)", True)],
        body="EventCreate")},
    "/cases/{case_no}/deadlines": {"get": _op("案件时限 / the case's deadlines",
                                              {**_ok("时限分页 / page", "DeadlinePage"),
                                               **_problems("401", "404", "422")}, parameters=[CASE_NO, *PAGING])},
    "/cases/{case_no}/documents": {"get": _op("案件文书（全部版本）/ the case's documents",
                                              {**_ok("文书分页 / page", "DocumentPage"),
                                               **_problems("401", "404", "422")}, parameters=[CASE_NO, *PAGING])},
    "/documents/{document_id}": {"get": _op("文书信息 / document metadata",
                                            {**_ok("文书 / document", "DocumentMeta"), **_problems("401", "404")},
                                            parameters=[DOCUMENT_ID])},
    "/documents/{document_id}/pdf": {"get": _op(
        "下载文书 PDF / download the PDF",
        {"200": {"description": "PDF（ETag 为 SHA-256）/ the PDF, ETag = SHA-256",
                 "headers": {"ETag": {"$ref": "#/components/headers/ETag"}},
                 "content": {"application/pdf": {"schema": {"type": "string", "contentMediaType": "application/pdf"}}}},
         **NOT_MODIFIED, **_problems("401", "404", "409")}, parameters=[DOCUMENT_ID])},
    "/documents/{document_id}/ofd": {"get": _op(
        "下载文书 OFD（GB/T 33190，SM2 电子印章）/ download the OFD (GB/T 33190, SM2 seal per GB/T 38540)",
        {"200": {"description": "OFD（ETag 为其 SHA-256，即 ofd_sha256）/ the OFD, ETag = its SHA-256 (ofd_sha256)",
                 "headers": {"ETag": {"$ref": "#/components/headers/ETag"}},
                 "content": {OFD_MIME: {"schema": {"type": "string", "contentMediaType": OFD_MIME}}}},
         **NOT_MODIFIED, **_problems("401", "404", "409")}, parameters=[DOCUMENT_ID],
        description="权限与 PDF 相同；文书未以 OFD 出具（ofd_sha256 为 null）时 404，尚未制作完成时 409 / "
                    "same permissions as the PDF; 404 when the document was issued without an OFD "
                    "(ofd_sha256 null), 409 while it is being produced")},
    "/recognitions": {"post": _op(
        "门户推送已准予的修复结论（互认；仅门户客户端）/ a portal reports a granted repair (portal clients only)",
        {**_ok("已记录 / recorded", "Recognition", "201"), **_ok("此前已记录 / recorded before", "Recognition"),
         **_problems("400", "401", "403", "404", "422")}, body="RecognitionCreate")},
    "/fulfilment": {"post": _op(
        "登记履行信息：罚款缴纳或整改核实（处罚机关本部门经办人、管理员或系统客户端）；随后自动核查该记录等待履行核查的案件 / "
        "record a fine payment or verified correction, then check the record's waiting cases",
        {**_ok("已登记 / stored", "FulfilmentRecorded", "201"),
         **_ok("此前已登记（未变或已更新）/ known before (unchanged or updated)", "FulfilmentRecorded"),
         **_problems("400", "401", "403", "404", "422")}, body="FulfilmentCreate")},
    "/cases/{case_no}/fulfilment": {"get": _op(
        "案件的自动履行核查记录与固定的履行证据 / the case's fulfilment checks and pinned evidence",
        {**_ok("履行核查 / fulfilment check", "CaseFulfilment"), **_problems("401", "404")}, parameters=[CASE_NO])},
    "/records/{record_id}/prefill": {"get": _op(
        "修复申请表预填内容及来源（企业本身或认定单位经办人）/ prefilled application fields with sources",
        {**_ok("预填字段 / prefilled fields", "Prefill"), **_problems("401", "403", "404")},
        parameters=[_param("record_id", "path", ID, "记录编号 / record id")])},
    "/verify": {"post": {**_op(
        "核验签章文书 PDF 或 OFD（公开；与 repair seal verify --json 相同）/ verify a sealed PDF or OFD "
        "(public; same report as the CLI)",
        {**_ok("逐个签章的核验结果 / every signature checked", "SealVerification"),
         **_problems("413", "422")}, public=True),
        "requestBody": {"required": True, "content": {
            "application/pdf": {"schema": {"type": "string", "contentMediaType": "application/pdf"}},
            OFD_MIME: {"schema": {"type": "string", "contentMediaType": OFD_MIME}},
            "multipart/form-data": {"schema": {"type": "object", "required": ["document"],
                                               "additionalProperties": False, "properties": {
                "document": {"type": "string", "contentMediaType": "application/octet-stream",
                             "description": "PDF 或 OFD（按内容识别）/ a PDF or an OFD, told apart by content"}}}}}}}},
    "/openapi.json": {"get": _op("本文档 / this document", {"200": {
        "description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": "object"}}}}},
        public=True)},
}


def _bounded(paths: dict) -> dict:
    """Every operation may answer 400 (refused characters, bounds); one with a body also 413 (too large)."""
    for operations in paths.values():
        for operation in operations.values():
            codes = ("400", "413") if "requestBody" in operation else ("400",)
            for code in codes:
                operation["responses"].setdefault(code, _problems(code)[code])
    return paths


@cache
def _spec() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "信用修复 API / credit repair API", "version": "1.0.0", "description": DESCRIPTION},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": _bounded(deepcopy(PATHS)),
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "POST /auth/token 换取 / from POST /auth/token"}},
            "headers": {
                "ETag": {"description": "实体标签：案件版本或文件（PDF/OFD）的 SHA-256 / a case's version or a file's SHA-256",
                         "schema": STR},
                "Location": {"description": "案件地址 / URL of the case", "schema": STR},
            },
        },
    }


def spec() -> dict:
    """The OpenAPI document (a fresh copy: callers may not change the shared one)."""
    return deepcopy(_spec())

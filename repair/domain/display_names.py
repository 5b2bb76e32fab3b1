"""The catalog of display names: every stored code (workflow, state, trigger, stage, department, penalty type,
tier, channel, record kind and status, deadline status …) with its Chinese and English name.

Looked up through `repair.domain.display.name`; data only, so adding a code is one line here.
"""

from __future__ import annotations


LANGUAGES = ("zh", "en")


# kind → code → (Chinese, English)
NAMES: dict[str, dict[str, tuple[str, str]]] = {
    "workflow": {
        "penalty_repair": ("行政处罚信息信用修复", "Credit repair of an administrative penalty"),
        "samr_penalty_repair": ("市场监管行政处罚信息信用修复",
                                "Credit repair of a market-regulation penalty"),
        "anomaly_list_removal": ("经营异常名录移出", "Removal from the list of abnormal operations"),
        "inspection_negative_repair": ("行政检查负面信息信用修复",
                                       "Credit repair of a negative inspection finding"),
        "commitment_breach_repair": ("违反信用承诺信息信用修复", "Credit repair of a broken credit commitment"),
        "paired_delivery": ("两书同达", "Paired delivery"),
    },
    "state": {
        "submitted": ("已提交", "Submitted"),
        "fulfilment_check": ("履行核查", "Fulfilment check"),
        "awaiting_supplement": ("待补正", "Awaiting supplement"),
        "under_review": ("审核中", "Under review"),
        "granted": ("准予修复", "Repair granted"),
        "concluded": ("已办结", "Concluded"),
        "refused": ("不予受理", "Not accepted"),
        "denied": ("不予修复", "Repair denied"),
        "withdrawn": ("已撤回", "Withdrawn"),
        "revoked": ("已撤销修复", "Repair revoked"),
        "drafting": ("拟制文书", "Drafting"),
        "decision_prepared": ("决定书已制作", "Decision prepared"),
        "prepared": ("两书已备齐", "Both letters prepared"),
        "awaiting_service": ("待送达（当事人不在场）", "Awaiting service (party absent)"),
        "served": ("已送达", "Served"),
        "cancelled": ("已取消", "Cancelled"),
    },
    "trigger": {
        "submit": ("提交申请", "Apply"),
        "open": ("立案", "Open"),
        "assign": ("分派承办人", "Assign"),
        "recompute_deadline": ("重算期限", "Recompute time limit"),
        "recognised": ("外部平台修复结论互认", "Repair recognised from another portal"),
        "flag": ("提示核查", "Flag for checking"),
        "accept": ("受理", "Accept"),
        "refuse": ("不予受理", "Refuse"),
        "request_supplement": ("要求补正", "Request supplement"),
        "supply": ("提交补正材料", "Supply materials"),
        "confirm_fulfilment": ("确认已履行", "Confirm fulfilment"),
        "grant": ("准予修复", "Grant"),
        "deny": ("不予修复", "Deny"),
        "seal": ("签章办结", "Seal and conclude"),
        "withdraw": ("撤回申请", "Withdraw"),
        "revoke": ("撤销修复", "Revoke"),
        "confirm_sync": ("确认已同步", "Confirm synchronisation"),
        "extend": ("延长办理期限", "Extend time limit"),
        "prepare": ("制作处罚决定书", "Prepare penalty decision"),
        "attach_notice": ("制作权益告知书", "Prepare rights notice"),
        "serve_on_spot": ("当场送达", "Serve on the spot"),
        "party_absent": ("当事人不在场", "Party absent"),
        "serve_by_post": ("邮寄送达", "Serve by post"),
        "serve_electronic": ("电子送达（经当事人同意）", "Serve electronically (with consent)"),
        "acknowledge": ("确认签收", "Acknowledge receipt"),
        "cancel": ("取消送达", "Cancel delivery"),
    },
    "stage": {
        "acceptance": ("受理审查", "Acceptance review"),
        "decision": ("修复决定", "Repair decision"),
        "feedback": ("向申请人反馈结果", "Result to the applicant"),
        "sharing": ("修复结果共享", "Sharing the result"),
        "removal": ("移出经营异常名录", "Removal from the list"),
        "service": ("送达", "Service"),
        "push": ("跨省推送修复结果", "Pushing the result to other provinces"),
    },
    "department": {
        "FGW": ("区发展改革委", "District Development and Reform Commission"),
        "SCJG": ("区市场监管局", "District Market Regulation Bureau"),
        "YJJ": ("区应急局", "District Emergency Management Bureau"),
        "SWW": ("区商务委", "District Commerce Commission"),
        "RSJ": ("区人社局", "District Human Resources and Social Security Bureau"),
        "XYB": ("区信用办", "District Credit Office"),
    },
    "penalty_type": {
        "警告": ("警告", "Warning"),
        "通报批评": ("通报批评", "Public criticism"),
        "罚款": ("罚款", "Fine"),
        "没收违法所得": ("没收违法所得", "Confiscation of illegal gains"),
        "没收非法财物": ("没收非法财物", "Confiscation of illegal property"),
        "暂扣许可证件": ("暂扣许可证件", "Licence suspended"),
        "降低资质等级": ("降低资质等级", "Qualification downgraded"),
        "吊销许可证件": ("吊销许可证件", "Licence revoked"),
        "限制开展生产经营活动": ("限制开展生产经营活动", "Business activities restricted"),
        "责令停产停业": ("责令停产停业", "Ordered to suspend production or business"),
        "责令关闭": ("责令关闭", "Ordered to close"),
        "限制从业": ("限制从业", "Barred from the trade"),
        "责令改正": ("责令改正", "Ordered to correct"),
    },
    "tier": {
        "minor": ("轻微", "Minor"),
        "general": ("一般", "General"),
        "serious": ("严重", "Serious"),
    },
    "channel": {
        "ndrc": ("信用中国（发展改革渠道）", "Credit China (NDRC channel)"),
        "samr": ("国家企业信用信息公示系统（市场监管渠道）", "GSXT (market regulation channel)"),
    },
    "record_kind": {
        "administrative_penalty": ("行政处罚信息", "Administrative penalty"),
        "serious_dishonesty_list": ("严重失信主体名单信息", "List of seriously dishonest entities"),
        "business_anomaly_list": ("经营异常名录信息", "List of abnormal operations"),
        "inspection_negative": ("行政检查负面信息", "Negative inspection finding"),
        "commitment_breach": ("违反信用承诺信息", "Broken credit commitment"),
    },
    "record_status": {
        "published": ("公示中", "Published"),
        "stopped": ("已停止公示", "No longer published"),
        "not_published": ("依规不予公示", "Not published"),
        "repaired": ("已修复", "Repaired"),
    },
    # A failed eligibility condition, said as the finding (the condition's title says what is required).
    "condition_failed": {
        "min_publicity_reached": ("最短公示期尚未届满", "The minimum publicity period has not ended yet"),
        "not_expired": ("已停止公示，无需修复", "No longer published: nothing to repair"),
        "kind_repairable": ("该信息依规不可修复", "This record cannot be repaired under the rules"),
        "obligations_fulfilled": ("尚未履行法定责任和义务", "The obligations are not fulfilled yet"),
        "commitment_signed": ("尚未签署信用修复承诺书", "The credit commitment is not signed"),
        "no_false_materials": ("发现申请材料虚假，不予修复", "False materials were found"),
        "no_recent_repair": ("近期已获准信用修复，暂不能再次申请", "Repaired too recently to apply again"),
    },
    "deadline_status": {
        "pending": ("未起算", "Not started"),
        "running": ("计时中", "Running"),
        "paused": ("暂停计时（等待补正）", "Paused (awaiting supplement)"),
        "met": ("按时完成", "Met on time"),
        "met_late": ("超期完成", "Met late"),
        "overdue": ("已超期", "Overdue"),
        "cancelled": ("已取消", "Cancelled"),
    },
    "clock_change": {
        "started": ("起算", "Started"),
        "paused": ("暂停", "Paused"),
        "resumed": ("恢复计时", "Resumed"),
        "extended": ("延期", "Extended"),
        "met": ("办结", "Met"),
        "cancelled": ("取消", "Cancelled"),
        "recomputed": ("日历重算", "Recomputed with the calendar"),
    },
    "mark": {
        "overdue": ("已超期", "Overdue"),
        "due_soon": ("即将到期", "Due soon"),
        "on_track": ("正常", "On track"),
        "paused": ("已暂停", "Paused"),
        "none": ("无时限", "No time limit"),
    },
    "document_kind": {
        "penalty_decision": ("行政处罚决定书", "Penalty decision"),
        "rights_notice": ("信用修复权益告知书", "Notice of the right to credit repair"),
        "application_form": ("信用修复申请书", "Application form"),
        "commitment_letter": ("信用修复承诺书", "Credit commitment"),
        "acceptance_notice": ("受理通知书", "Acceptance notice"),
        "refusal_notice": ("不予受理通知书", "Notice of non-acceptance"),
        "supplement_notice": ("补正通知书", "Supplement notice"),
        "repair_decision": ("信用修复决定书", "Repair decision"),
    },
    "document_status": {
        "reserved": ("制作中", "Being produced"),
        "rendered": ("已生成", "Produced"),
        "sealed": ("已签章", "Sealed"),
        "void": ("已作废", "Void"),
    },
    "upload_purpose": {
        "application": ("申请材料", "Application material"),
        "supplement": ("补正材料", "Supplementary material"),
    },
    "fulfilment_kind": {
        "fine_payment": ("罚款缴纳", "Fine paid"),
        "correction": ("整改核实", "Correction verified"),
    },
    "check_cause": {
        "accept": ("受理后自动核查", "After acceptance"),
        "supply": ("补正后自动核查", "After the supplement"),
        "fulfilment_import": ("导入共享履行信息后核查", "After shared fulfilment data was imported"),
        "fulfilment_api": ("接收共享履行信息后核查", "After shared fulfilment data arrived"),
        "manual": ("人工发起核查", "Started by hand"),
    },
    "delivery_method": {
        "on_spot": ("当场送达", "On the spot"),
        "postal": ("邮寄送达", "By post"),
        "electronic": ("电子送达", "Electronic"),
    },
    "role": {
        "enterprise": ("企业", "Enterprise"),
        "officer": ("经办人", "Officer"),
        "reviewer": ("审核人", "Reviewer"),
        "auditor": ("审计员", "Auditor"),
        "admin": ("系统管理员", "System administrator"),
        "security_admin": ("安全管理员", "Security administrator"),
        "audit_admin": ("安全审计员", "Security auditor"),
        "system": ("系统", "System"),
    },
    "unit": {
        "workdays": ("个工作日", " working days"),
        "days": ("个自然日", " calendar days"),
    },
}


# A workflow that names a shared code its own way: (kind, workflow) → code → (Chinese, English).
WORKFLOW_NAMES: dict[tuple[str, str], dict[str, tuple[str, str]]] = {
    ("state", "anomaly_list_removal"): {
        "fulfilment_check": ("核实履行义务", "Checking the obligations"),
        "under_review": ("移出审核", "Removal review"),
        "granted": ("准予移出", "Removal granted"),
        "concluded": ("已移出名录", "Removed from the list"),
        "denied": ("不予移出", "Removal denied"),
        "revoked": ("已撤销移出", "Removal revoked"),
    },
    ("trigger", "anomaly_list_removal"): {
        "confirm_fulfilment": ("确认已履行公示义务", "Confirm the disclosure duties are met"),
        "grant": ("准予移出", "Grant removal"),
        "deny": ("不予移出", "Deny removal"),
        "seal": ("签章移出", "Seal and remove"),
        "revoke": ("撤销移出", "Revoke removal"),
    },
    ("stage", "anomaly_list_removal"): {"sharing": ("移出结果共享", "Sharing the removal")},
    ("trigger", "samr_penalty_repair"): {"confirm_sync": ("确认已推送", "Confirm the push")},
    ("state", "commitment_breach_repair"): {"fulfilment_check": ("履约核查", "Checking the commitment")},
    ("state", "inspection_negative_repair"): {"fulfilment_check": ("整改核查", "Checking the correction")},
    ("trigger", "inspection_negative_repair"): {"confirm_fulfilment": ("确认已整改", "Confirm the correction")},
    ("trigger", "commitment_breach_repair"): {"confirm_fulfilment": ("确认已整改", "Confirm the correction")},
}


def language(lang: str | None) -> str:
    """`lang` if it is one we speak, else Chinese."""
    return lang if lang in LANGUAGES else "zh"

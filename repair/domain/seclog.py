"""The security log's tamper evidence: one SHA-256 chain over every security event, like case histories."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Mapping

from repair.domain.history import GENESIS, link

# What the security log records (GB/T 22239-2019 8.1.4.3: security audit of important user behaviour).
KINDS = {
    "sign_in": "登录成功", "sign_in_failed": "登录失败", "sign_out": "退出", "locked": "账户锁定",
    "unlocked": "账户解锁", "role_changed": "角色变更", "password_changed": "密码修改",
    "password_reset": "密码重置", "user_created": "新增用户", "user_deactivated": "停用用户",
    "token_issued": "签发令牌", "token_revoked": "撤销令牌", "session_ended": "结束会话",
    "mfa_enrolled": "绑定双因素", "mfa_reset": "重置双因素", "recovery_code_used": "使用恢复码",
    "report_exported": "导出报表", "document_downloaded": "下载文书", "upload_downloaded": "查阅申请材料",
    "security_log_exported": "导出安全日志",
}


@dataclass(frozen=True)
class SecurityFacts:
    """The fields of one security event that the chain protects."""

    seq: int
    at: datetime
    kind: str
    actor: str
    subject: str
    ip: str
    detail: Mapping[str, Any]


def canonical(facts: SecurityFacts) -> str:
    """Deterministic serialisation (sorted keys, no spaces, UTF-8, microsecond times)."""
    body = {"seq": facts.seq, "at": facts.at.isoformat(timespec="microseconds"), "kind": facts.kind,
            "actor": facts.actor, "subject": facts.subject, "ip": facts.ip, "detail": facts.detail}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def chain_hash(prev_hash: str, facts: SecurityFacts) -> str:
    """Hash of a security event chained to its predecessor's (the same link as case histories)."""
    return link(prev_hash, canonical(facts))


def chain_problems(rows: Iterable[tuple[SecurityFacts, str, str]], expected_count: int) -> list[str]:
    """Check the chain given (facts, prev_hash, hash) in seq order; readable problems, empty when intact."""
    problems: list[str] = []
    expected_prev, expected_seq, seen = GENESIS, 1, 0
    for facts, prev_hash, stored_hash in rows:
        seen += 1
        if facts.seq != expected_seq:
            problems.append(f"安全日志序号 {facts.seq} 处应为 {expected_seq}（事件缺失）/ "
                            f"security log seq {facts.seq}, expected {expected_seq}")
        if prev_hash != expected_prev:
            problems.append(f"安全日志事件 {facts.seq} 的前序哈希不符 / security event {facts.seq}: previous hash mismatch")
        if chain_hash(prev_hash, facts) != stored_hash:
            problems.append(f"安全日志事件 {facts.seq} 内容被修改 / security event {facts.seq}: content does not match")
        expected_prev, expected_seq = stored_hash, facts.seq + 1
    if seen != expected_count:
        problems.append(f"安全日志应有 {expected_count} 条，实有 {seen} 条（末尾被删除？）/ "
                        f"{seen} security events, counter says {expected_count}")
    return problems

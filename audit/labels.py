"""Chinese names of the audit log's kinds and outcomes (what the auditor reads)."""

from __future__ import annotations

KIND_LABELS: dict[str, str] = {
    "login": "登录成功",
    "login_failed": "登录失败",
    "logout": "退出登录",
    "lockout": "登录锁定",
    "unlock": "解除锁定",
    "token_issued": "签发接口令牌",
    "token_revoked": "撤销接口令牌",
    "password_changed": "修改密码",
    "otp": "双因素认证",
    "permission_denied": "越权访问被拒绝",
    "user_created": "创建用户",
    "user_deactivated": "停用用户",
    "department_created": "创建承办单位",
    "jurisdiction_created": "创建辖区",
    "jurisdiction_changed": "修改辖区名称或时限规则",
    "calendar_changed": "修改节假日安排",
    "assessment_weights_changed": "修改目标考核权重",
    "unit_evaluation_changed": "录入政协评议得分",
    "circular_issued": "印发通报",
}

OUTCOME_LABELS: dict[str, str] = {
    "success": "成功",
    "failure": "失败",
    "denied": "拒绝",
    "locked": "已锁定",
}


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


def outcome_label(outcome: str) -> str:
    return OUTCOME_LABELS.get(outcome, outcome)

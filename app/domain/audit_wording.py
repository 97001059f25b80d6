"""The audit log in words a clerk reads: event codes, object types and detail values in Chinese.

The log stores codes (``duty.staff.add``) and JSON details (``{"active": true, "roles":
["leader"]}``) — stable for tools and the hash chain. Whatever a person reads (the viewer, the
printed log, the XLSX export) goes through ``action_label``, ``object_label`` and
``describe_detail``: ``新增值班人员``, ``状态：在岗；值班角色：带班领导``, ``须修改密码：是``.

An unknown code falls back to the label of its longest known prefix (``doc.frobnicate`` →
``公文操作``), never to the raw code; a test checks that every code the services write has its own
label. Pure data and functions: no Qt, no database.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from app.domain.roster_model import ROLE_NAMES_ZH
from app.domain.security import CLEARANCE_LABELS, ROLE_LABELS, Clearance
from app.domain.supervision import STATUS_LABELS as DECISION_STATUS
from app.domain.supervision import STEP_LABELS as DECISION_STEPS

#: Event code → what happened, in Chinese.
ACTION_LABELS: dict[str, str] = {
    # sign-in and accounts
    "login": "登录", "login.failed": "登录失败", "logout": "注销",
    "session.lock": "锁定屏幕", "session.unlock": "解除锁屏",
    "user": "账户操作", "user.add": "新建账户", "user.first_admin": "创建首个管理员",
    "user.enable": "启用账户", "user.disable": "停用账户", "user.locked": "账户被锁定",
    "user.change_password": "修改密码", "user.password_rejected": "新密码被拒绝",
    "user.reset_password": "重置密码", "user.set_role": "更改角色",
    "user.set_roles": "更改角色", "user.set_clearance": "更改知悉范围（密级）",
    "user.edit": "修改账户", "user.rename": "修改姓名", "user.set_unit": "更改所在单位",
    # 知悉范围 (need to know) of a classified record
    "scope": "知悉范围操作", "scope.set": "调整知悉范围", "scope.widen": "扩大知悉范围",
    # settings, audit, backup, exchange
    "settings": "设置", "settings.office": "修改单位信息", "settings.security": "修改安全设置",
    "settings.seal": "上传本机关印章图片", "settings.seal.remove": "删除本机关印章图片",
    "audit": "审计日志操作", "audit.view": "查看审计日志", "audit.export": "导出审计日志",
    "audit.print": "打印审计日志", "audit.chain_broken": "审计日志校验未通过",
    "audit.pending_tampered": "待封存审计记录被改动",
    "audit.key_export": "导出审计密钥", "audit.key_import": "导入审计密钥",
    "audit.review": "标记审计记录为已审阅", "audit.report": "生成审计审阅报告",
    "audit.purge": "删除审计记录", "denied": "越权操作被拒绝",
    "office": "单位模式", "office.classified": "设为涉密单位", "office.normal": "改回普通单位",
    "settings.password_policy": "修改密码与锁定策略", "user.password_expired": "密码已过期",
    "backup": "备份操作", "backup.create": "创建备份", "backup.restore": "从备份恢复",
    "backup.restore_refused": "拒绝从备份恢复",
    "settings.exchange_passphrase": "设置交换包口令",
    "exchange": "数据交换", "exchange.export": "导出交换包", "exchange.import": "导入交换包",
    # 公文
    "doc": "公文操作", "doc.create": "新建公文", "doc.update": "修改公文", "doc.delete": "删除公文",
    "doc.view": "查看公文", "doc.print": "打印公文", "doc.export": "导出公文",
    "doc.seal": "加盖印章",
    "paper.issue": "分发涉密文件", "paper.return": "清退涉密文件",
    "paper.destroy.request": "申请销毁涉密文件", "paper.destroy.confirm": "确认销毁涉密文件",
    "paper.register.print": "打印涉密文件登记簿",
    "doc.review": "核稿", "doc.sign": "签发", "doc.issue": "印发", "doc.archive": "归档",
    "doc.return": "退回修改", "doc.revise": "修改公文", "doc.draft": "拟稿",
    "doc.receive": "接收交换包中的公文",
    "docno": "发文字号", "docno.reserve": "预留发文字号", "docno.void": "作废发文字号",
    "docno.issue": "取用发文字号",
    # 收文
    "incoming": "收文操作", "incoming.register": "登记收文", "incoming.update": "修改收文",
    "incoming.view": "查看收文", "incoming.done": "收文办结", "incoming.reopen": "收文重新办理",
    "incoming.urge": "催办", "incoming.attachment.add": "添加收文附件",
    "incoming.attachment.read": "查看收文附件",
    # 会议纪要与督办
    "minutes": "会议纪要操作", "minutes.type.create": "新建会议类型",
    "minutes.meeting.create": "新建会议", "minutes.meeting.update": "修改会议信息",
    "minutes.attendance": "修改参会人员", "minutes.topic.save": "保存议题",
    "minutes.topic.move": "调整议题顺序", "minutes.topic.delete": "删除议题",
    "minutes.decision.add": "新增议定事项", "minutes.decision.update": "修改议定事项",
    "minutes.decision.delete": "删除议定事项", "minutes.generate": "生成纪要",
    "minutes.edit": "修改纪要", "minutes.issue": "印发纪要", "minutes.render": "打印纪要",
    "minutes.export": "导出纪要", "minutes.supervise": "督办",
    **{f"minutes.supervise.{step.value}": f"督办：{label}" for step, label in DECISION_STEPS.items()},
    # 值班
    "duty": "值班操作", "duty.staff.add": "新增值班人员", "duty.staff.edit": "修改值班人员",
    "duty.role.add": "新增值班角色", "duty.unavailable.add": "登记不可值班时段",
    "duty.unavailable.delete": "删除不可值班时段", "duty.rules": "修改排班规则",
    "duty.shift_starts": "修改交接班时间", "duty.roster.create": "新建值班表",
    "duty.roster.generate": "自动排班", "duty.roster.edit": "调整值班表",
    "duty.roster.swap": "换班", "duty.roster.publish": "发布值班表",
    "duty.roster.notice": "打印值班安排通知", "duty.roster.notice_draft": "生成值班安排通知草稿", "duty.roster.calendar": "打印值班日历",
    "duty.roster.xlsx": "导出值班表", "duty.roster.classification": "修改值班表密级",
    "duty.daily.print": "打印值班日报",
    "duty.log.add": "记录值班日志", "duty.log.edit": "修改值班日志",
    "duty.log.view": "查看值班日志", "duty.item.open": "新增待办事项",
    "duty.item.deadline": "修改待办时限", "duty.item.close": "办结待办事项",
    "duty.handover": "交班", "duty.handover.ack": "接班确认", "duty.handover.print": "打印交接班记录",
    "duty.ledger.opening": "登记发文字号台账期初",
    # 突发事件
    "incident": "突发事件操作", "incident.create": "新建突发事件", "incident.update": "修改突发事件",
    "incident.view": "查看突发事件", "incident.daily": "设置日报",
    "incident.report.draft": "起草事件报告", "incident.report.sign": "签发事件报告",
    "incident.report.send": "报送事件报告", "incident.report.phone": "电话报告",
    "incident.report.print": "打印事件报告", "incident.rules": "修改报告时限规则",
    "incident.stats.export": "导出事件统计", "incident.attach_call": "来电并入已有事件",
    "incident.receive": "接收交换包中的突发事件",
    # 模板
    "template": "模板操作", "template.create": "新建模板", "template.save": "保存模板",
    "template.copy": "复制模板", "template.duplicate": "复制模板", "template.import": "导入模板",
    "template.export": "导出模板", "template.rename": "重命名模板", "template.delete": "删除模板",
    "template.restore": "恢复模板版本", "template.default": "设为默认模板",
    "template.sample": "模板试排",
    # 日历
    "calendar": "节假日安排", "calendar.import": "导入节假日安排",
    "calendar.set_day": "调整节假日安排（单日）", "calendar.receive": "接收交换包中的节假日安排",
    "holiday": "节假日安排",
    "holiday.import": "导入节假日安排",
}

#: Object type → Chinese.
OBJECT_LABELS: dict[str, str] = {
    "audit_log": "审计日志", "permission": "权限", "database": "数据库", "decision": "议定事项",
    "docno_series": "发文字号", "document": "公文", "duty_handover": "交接班",
    "duty_log": "值班日志", "duty_open_item": "待办事项", "duty_role": "值班角色",
    "duty_roster": "值班表", "duty_rules": "排班规则", "duty_staff": "值班人员",
    "exchange": "交换包", "incident": "突发事件", "incident_report": "事件报告",
    "incident_rule_table": "报告时限规则", "incident_statistics": "事件统计",
    "incoming": "收文", "meeting": "会议", "meeting_type": "会议类型",
    "office_settings": "单位信息", "office_seal": "本机关印章", "security_settings": "安全设置",
    "template": "模板",
    "user": "账户", "holiday": "节假日安排", "holiday_year": "节假日安排年度",
    "holiday_day": "节假日安排日期", "audit_key": "审计密钥", "calendar": "节假日安排", "file": "文件",
    # the 份号 series of the 涉密文件登记簿 (paper.* events name the copy's series)
    "duty_daily": "值班日报", "duty_notice": "值班安排通知", "duty_calendar": "值班日历",
    "audit_print": "审计日志打印件", "audit_review": "审计审阅报告", "paper_register": "涉密文件登记簿",
}

#: Detail key → Chinese.
KEY_LABELS: dict[str, str] = {
    # issue 31: refusals, 三员, reviews, the password policy
    "permission": "所需权限", "how": "方式", "accounts": "账户", "problems": "不符合之处",
    "seqs": "记录序号", "before": "早于", "consent": "管理员同意",
    "max_age_days": "密码最长使用天数", "min_length": "密码最小长度",
    "min_classes": "密码字符类别数", "warn_days": "到期前提醒天数", "history": "不得重复密码数",
    "lock_failures": "连续失败锁定次数", "lock_minutes": "锁定时长（分钟）",
    "outcome": "结果", "why": "拒绝依据",
    "active": "状态", "apart": "不同班人员", "at": "时间", "attachment": "附件",
    "attachments": "附件", "backup_keep": "自动备份保留份数", "based_on": "基于",
    "by": "催办人", "caller": "来电人", "changed": "变更项目", "changes": "变更",
    "chars": "字数", "classification": "密级", "clearance": "知悉范围", "comment": "意见",
    "content_version": "内容版本", "copies": "份数", "copy_nos": "份号", "count": "数量",
    "counts": "数量", "date": "日期", "day": "日期", "deadline": "时限", "dropped": "未排人员",
    "duplex": "双面打印", "duties": "班次数", "end": "结束", "exchange_key_changed": "更换交换密钥",
    "fairness": "均衡度", "failures": "连续失败次数", "file": "文件", "filename": "文件名",
    "files": "文件数", "format": "格式", "from": "原值", "from_version": "原版本",
    "idle_lock_minutes": "空闲锁屏（分钟）", "incident": "事件编号", "intact": "完好",
    "issue": "期号", "kind": "类别", "lead_unit": "牵头单位", "level": "级别",
    "locked_until": "锁定至", "max_per_month": "每月最多值班次数", "meeting": "会议编号",
    "method": "方式", "min_gap_days": "两次值班最少间隔（天）", "minutes": "分钟",
    "missing": "缺少", "must_change_password": "须修改密码", "name": "名称", "names": "人员",
    "note": "说明", "number": "编号", "numbers": "编号", "on": "开启", "open_items": "未办结事项",
    "passed_to": "转交", "path": "路径", "reason": "原因", "reg_no": "收文编号",
    "rest_day": "休息日", "result": "结果", "role": "角色", "roles": "角色", "rows": "条数",
    "safety_copy": "恢复前的安全副本", "seq": "序号", "shifts": "班次", "significant": "重要变化",
    "starts": "交接班时间", "start": "开始", "status": "状态", "target": "催办对象",
    "template": "模板", "text": "内容", "title": "标题", "to": "新值", "topic": "议题",
    "total": "合计", "type": "类型", "urge": "催办编号", "username": "用户名",
    "version": "版本", "violations": "违反规则", "watermark": "水印", "year": "年度",
    "user": "用户", "action": "操作", "since": "自", "until": "至", "was_default": "原为默认",
    "purpose": "用途", "digest": "摘要（SM3）", "width": "宽（像素）", "height": "高（像素）",
    "bytes": "字节数", "transparent": "透明背景", "replaced": "替换原有印章",
    "display_name": "姓名", "doc_no": "发文字号", "series": "发文字号系列", "place": "地点",
    "package_id": "交换包编号", "records": "记录数", "imported": "导入", "skipped": "跳过",
    "holidays": "节假日", "workdays": "调休上班日", "source": "来源", "urgency": "紧急程度",
    "genre": "文种", "step": "步骤", "person": "人员", "staff": "人员", "daily": "日报",
    "min_rest_hours": "最少休息（小时）", "max_consecutive": "最多连续值班",
    "changed_days": "变动天数", "deadlines_moved": "顺延的期限",
    "state": "安排", "allow_unknown_years": "允许无节假日安排的年份",
    "admin_id": "管理员编号", "algorithm": "算法", "change": "变更", "duty_log": "值班记录编号",
    "manifest": "清单", "origin": "来源", "other_day": "对调日期", "shift": "班次", "versions": "版本数", "staff_id": "人员编号",
    "from_staff": "原值班人员", "to_staff": "新值班人员", "failures_before": "此前失败次数",
    "unit": "所在单位", "users_added": "增加人员", "users_removed": "移除人员",
    "units_added": "增加单位", "units_removed": "移除单位", "scope": "知悉范围",
    # the paper path and the 涉密文件登记簿
    "copy_no": "份号", "copy_range": "份号范围", "copy_ranges": "各件份号", "marked": "标注密级",
    "due_back": "清退期限",
}

#: Codes that appear as values (reasons, statuses, kinds, formats…) → Chinese.
VALUE_WORDS: dict[str, str] = {
    # login failures, rejected passwords
    "unknown_user": "用户名不存在", "disabled": "账户已停用", "locked": "账户已锁定",
    "wrong_password": "密码错误", "reused": "与近期用过的密码相同",
    # 普通/涉密 office (issue 31)
    "classified": "涉密单位", "first_run": "首次运行设置",
    "switch": "由普通单位切换", "stale_session": "账户已停用或权限已变更",
    "classified_is_final": "涉密单位不能改回普通单位",
    "above_clearance": "超出本人密级", "outside_scope": "不在该记录的知悉范围内",
    "recipient_outside_scope": "接收人不在该记录的知悉范围内",
    # document statuses and steps
    "draft": "拟稿", "reviewed": "已核稿", "signed": "已签发", "issued": "已印发",
    "archived": "已归档", "review": "核稿", "sign": "签发", "issue": "印发", "archive": "归档",
    "return": "退回", "revise": "修改",
    # incoming
    "open": "办理中", "done": "已办结", "phone": "电话", "sms": "短信", "in_person": "当面",
    "normal": "普通", "urgent": "加急", "express": "特急",
    # minutes attendance
    "present": "出席", "absent": "请假", "attending": "列席", "host": "主持", "recorder": "记录",
    # roster solver
    "optimal": "最优", "feasible": "可行", "infeasible": "无解", "unknown": "未知",
    "timeout": "超时", "partial": "部分完成", "cancelled": "已取消", "solver": "自动排班",
    "manual": "手工调整", "swap": "换班",
    # formats and template kinds
    "pdf": "PDF", "docx": "DOCX", "xlsx": "XLSX", "ofd": "OFD", "json": "JSON", "html": "HTML",
    "description": "公文", "wordform": "Word 表单", "minutes": "会议纪要", "notice": "通知",
    "letter": "函", "order": "命令", "report": "报告", "request": "请示",
    "incident": "突发事件", "roster": "值班表", "handover": "交接班", "duty": "值班",
    # incident report kinds
    "first": "首报", "followup": "续报", "final": "终报",
}

#: Keys whose values are what someone typed (names, titles, reasons): shown as they are, never
#: read as codes (a user named ``admin`` stays ``admin``).
DATA_KEYS = {
    "username", "name", "names", "title", "text", "note", "comment", "file", "filename",
    "caller", "passed_to", "result", "lead_unit", "topic", "target", "by", "path", "safety_copy",
    "reg_no", "number", "numbers", "doc_no", "series", "place", "person", "staff",
    "display_name", "template", "user", "copy_nos", "copy_no", "copy_range", "purpose", "digest", "unit", "users_added",
    "users_removed", "units_added", "units_removed",
}
#: Keys shown first, in this order (the log stores keys sorted: 结束 came before 开始).
KEY_ORDER = ["username", "display_name", "name", "title", "kind", "role", "roles", "clearance",
             "start", "end", "date", "day", "shift", "from", "to", "status", "reason"]

_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_ISO_DATETIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(:\d{2}(\.\d+)?)?"
                           r"(Z|[+-]\d{2}:?\d{2})?$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(:\d{2})?$")
_MAX_VALUE = 200  # a detail value longer than this is cut (the full record stays in the log)


def action_label(code: str) -> str:
    """``duty.staff.add`` → ``新增值班人员``; an unknown code → its nearest known prefix's label
    (``doc.x`` → ``公文操作``), or ``其他操作`` — never the code itself."""
    if code in ACTION_LABELS:
        return ACTION_LABELS[code]
    parts = code.split(".")
    while len(parts) > 1:
        parts.pop()
        prefix = ".".join(parts)
        if prefix in ACTION_LABELS:
            general = ACTION_LABELS[prefix]
            return general if general.endswith("操作") else f"{general}操作"
    return "其他操作"


def object_label(object_type: str, object_id: object = "") -> str:
    """``duty_staff``, ``7`` → ``值班人员 7``."""
    kind = OBJECT_LABELS.get(object_type, "其他对象" if object_type else "")
    ident = str(object_id or "").strip()
    return f"{kind} {ident}".strip() if kind else ident


def _cn_date(y: str, m: str, d: str) -> str:
    return f"{int(y)}年{int(m)}月{int(d)}日"


def _word(text: str) -> str:
    m = _ISO_DATE.match(text)
    if m:
        return _cn_date(*m.groups())
    m = _ISO_DATETIME.match(text)
    if m:
        try:
            when = dt.datetime.fromisoformat(text)
        except ValueError:
            return text
        if when.tzinfo is not None:
            when = when.astimezone()
        return f"{when.year}年{when.month}月{when.day}日 {when.hour:02d}:{when.minute:02d}"
    return VALUE_WORDS.get(text, text)


def describe_value(key: str, value: Any, action: str = "") -> str:
    """One detail value in Chinese, read according to its key (and the event: a ``role`` of a
    ``duty.*`` event is a duty role such as 带班领导, otherwise an account role such as 领导)."""
    if value is None or value == "" or value == [] or value == {}:
        return "无"
    if isinstance(value, bool):
        if key == "active":
            return "启用" if value else "停用"
        return "是" if value else "否"
    clearance_key = key in ("clearance", "classification") or (
        key in ("from", "to") and action in ("user.set_clearance", "duty.roster.classification"))
    if clearance_key and isinstance(value, int) and value in {int(c) for c in Clearance}:
        return CLEARANCE_LABELS[Clearance(value)]
    if isinstance(value, (int, float)):
        return f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, (list, tuple)):
        return "、".join(describe_value(key, v, action) for v in value) or "无"
    if isinstance(value, dict):
        return "，".join(f"{_dict_key(str(k), action)}：{describe_value(str(k), v, action)}"
                        for k, v in value.items())
    text = str(value)
    if key in DATA_KEYS:
        return text if len(text) <= _MAX_VALUE else text[:_MAX_VALUE] + "…"
    if key in ("role", "roles", "from", "to", "kind"):
        if action.startswith("duty.") and text in ROLE_NAMES_ZH:
            return ROLE_NAMES_ZH[text]
        for role, label in ROLE_LABELS.items():
            if text == role.value:
                return label
    if key in ("status", "to", "from", "step"):
        for status, label in DECISION_STATUS.items():
            if text == status.value:
                return label
        for step, label in DECISION_STEPS.items():
            if text == step.value:
                return label
    if key in ("action",):
        return action_label(text) if text else "全部"
    if key == "permission":
        from app.domain.security import ACTION_LABELS as PERMISSION_LABELS

        return next((label for a, label in PERMISSION_LABELS.items() if a.value == text), "其他")
    if key == "changed" and text in _INCIDENT_FIELDS:
        return _INCIDENT_FIELDS[text]
    out = _word(text)
    return out if len(out) <= _MAX_VALUE else out[:_MAX_VALUE] + "…"


def _incident_fields() -> dict[str, str]:
    from app.domain.incident_rules import FIELD_LABELS

    return dict(FIELD_LABELS)


_INCIDENT_FIELDS = _incident_fields()


def _dict_key(key: str, action: str) -> str:
    if action.startswith("duty.") and key in ROLE_NAMES_ZH:
        return ROLE_NAMES_ZH[key]
    if key in KEY_LABELS:
        return KEY_LABELS[key]
    return _word(key)


def key_label(key: str) -> str:
    return KEY_LABELS.get(key, _INCIDENT_FIELDS.get(key.split(".")[0], "其他"))


def describe_detail(data: dict[str, Any], action: str = "") -> str:
    """``{"active": true, "roles": ["leader"]}`` of ``duty.staff.add`` → ``状态：启用；角色：带班
    领导``."""
    parts = []
    rank = {k: i for i, k in enumerate(KEY_ORDER)}
    for key, value in sorted(data.items(), key=lambda kv: rank.get(str(kv[0]), len(rank))):
        parts.append(f"{key_label(str(key))}：{describe_value(str(key), value, action)}")
    return "；".join(parts)


def actor_label(actor: str) -> str:
    """Who acted: the account name as recorded, ``系统`` for the program itself."""
    return {"system": "系统", "": "（未登录）"}.get(actor, actor)

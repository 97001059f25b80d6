"""A new document's starting text per 文种, from the office's template of the 文种 (edited in the
template manager), else the shipped one (resources/templates) — picked the one way every print
picks its template (``templates.template_for``).

The template of the 文种 (通知 → notice.json, 请示 → request.json …) is filled with the
office settings (name, 发文机关标志, printer) and ``×××`` placeholders for what the clerk writes, so
the standard parts come out right: 请示 ends with “妥否，请批示。”, 函 with its closing, 报告 carries
签发人 and 附注. The 发文字号 is left out: it is taken at 签发. 文种 without a template of their
own start from 通知 with their own title ending.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.services import office as office_settings
from app.services.context import ServiceContext

X = "×××"
#: 文种 → (shipped template stem, body skeleton); the template kind is the 文种 itself
_STARTERS: dict[str, tuple[str, str]] = {
    "通知": ("notice", "为×××，现就有关事项通知如下。\n一、×××\n×××。\n二、×××\n×××。"),
    "通报": ("bulletin", "×××。\n一、基本情况\n×××。\n二、下一步工作要求\n×××。"),
    "请示": ("request", "为×××，根据×××，拟×××。\n一、×××\n×××。\n二、×××\n×××。"),
    "报告": ("report", "现将×××有关情况报告如下。\n一、×××\n×××。\n二、×××\n×××。"),
    "函": ("letter", "×××。"),
}
_GENERIC_BODY = {
    "批复": "你单位《关于×××的请示》收悉。经研究，现批复如下：\n一、×××\n×××。\n此复。",
    "意见": "为×××，现提出如下意见。\n一、×××\n×××。\n二、×××\n×××。",
    "决定": "为×××，经研究，决定×××。\n×××。",
}


def starter(ctx: ServiceContext, genre: str, today: dt.date | None = None) -> dict[str, Any]:
    """The description a new document of ``genre`` starts from."""
    office = office_settings.get_office(ctx)
    day = today or ctx.now().date()
    if genre == "纪要":
        return {
            "kind": "minutes", "issuer_mark": f"{office.office_name or X}会议纪要",
            "title": f"{X}会议纪要", "body": "×××年×月×日，×××主持召开×××会议，研究×××。纪要如下：\n"
                                         "一、×××\n会议认为，×××。",
            "minutes": {"present": [X], "host": X, "recorder": X},
            "date": day.isoformat(), "printer": office.printer or office.office_name or X,
            "print_date": day.isoformat(),
        }
    from app.services import templates as library

    stem, body = _STARTERS.get(genre, ("notice", _GENERIC_BODY.get(genre, "×××。")))
    kind = genre if genre in _STARTERS else "通知"
    template = library.template_for(ctx, kind, "description").template
    name = office.office_name or X
    data = {
        "office": {"name": name, "short": name, "mark": office.default_issuer_mark or f"{name}文件",
                   "code": (office.code_series or [X])[0], "printer": office.printer or name,
                   "contact": X, "phone": X},
        "doc": {"year": day.year, "seq": 1, "subject": X, "to": X, "body": body,
                "date": day.isoformat(), "signer": X, "closing": "特此函告。"},
    }
    desc = template.render(data, today=day)
    desc.pop("doc_no", None)
    desc.pop("signers", None)  # 签发人 is the leader who signs: filled in at 签发
    if stem == "notice" and genre != "通知":
        desc["title"] = desc["title"].removesuffix("通知") + genre
    return desc

"""First run: the steps that make a fresh installation an office's own, each done or not.

The workbench shows them while any is open (``steps``): accounts with roles for the staff, the
office's names and phones, the year's holiday notice, the first duty roster. Each step knows the
page (and tab) that does it; whether it is done is read from the records, so a step ticks itself
when the work is done from anywhere (GUI, command line, another desk).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from app.domain.security import Action, allowed
from app.services.context import ServiceContext
from app.storage.models import DutyRoster, OfficeSettings, User


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    detail: str
    done: bool
    #: the page that does it (``app.ui.pages`` key) and the tab there, by its title
    page: str
    tab: str = ""
    #: the role needed (the panel shows a step the user cannot do as text, not as a link)
    action: Action = Action.MANAGE_SETTINGS


def steps(ctx: ServiceContext) -> list[Step]:
    """The getting-started steps, in order, with whether each is done."""
    from app.services import holidays

    actor = ctx.require(Action.VIEW)
    today = ctx.now().astimezone().date()
    # the year whose notice matters now: next year's from November (when it is published)
    year = today.year + 1 if (today.month, today.day) >= holidays.BANNER_FROM else today.year
    calendar = holidays.calendar(ctx)
    known = calendar.is_known_year(today.year) and calendar.is_known_year(year)
    with ctx.session() as s, s.begin():
        users = s.scalar(select(func.count()).select_from(User)) or 0
        office = s.get(OfficeSettings, 1)
        named = office is not None and bool(office.office_name.strip()) \
            and bool(office.default_issuer_mark.strip())
        rosters = s.scalar(select(func.count()).select_from(DutyRoster)) or 0
    del actor
    return [
        Step("accounts", "创建工作人员账户并分配角色",
             "为文书、值班员、领导等建立账户；一人可兼任多个角色。", users > 1,
             "admin", "用户与审计", Action.MANAGE_USERS),
        Step("office", "填写单位名称和发文机关标志",
             "公文版头、值班通知和各类报告都从这里取单位名称。", named,
             "admin", "单位设置", Action.MANAGE_SETTINGS),
        Step("holidays", f"导入{year}年节假日安排通知",
             "国务院办公厅每年发布的放假安排；排班、办理期限据此计算。", known,
             "calendar", "", Action.MANAGE_SETTINGS),
        Step("roster", "建立第一张值班表",
             "录入值班人员，新建值班表并生成排班，核对后发布。", rosters > 0,
             "duty", "值班表", Action.EDIT_ROSTER),
    ]


def may_do(ctx: ServiceContext, step: Step) -> bool:
    return ctx.actor is not None and allowed(ctx.actor.roles, step.action)

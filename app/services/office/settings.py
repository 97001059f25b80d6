"""Office settings (one row): read by everyone signed in, changed by administrators (audited)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from app.domain.security import Action
from app.errors import InputError
from app.services import audit
from app.services.context import ServiceContext
from app.storage.models import OfficeSettings


@dataclass(frozen=True)
class OfficeInfo:
    office_name: str = ""
    code_series: list[str] = field(default_factory=list)
    default_issuer_mark: str = ""
    printer: str = ""


def get_office(ctx: ServiceContext) -> OfficeInfo:
    ctx.require(Action.VIEW)
    with ctx.session() as s, s.begin():
        row = s.get(OfficeSettings, 1)
        if row is None:
            return OfficeInfo()
        return OfficeInfo(row.office_name, list(row.code_series), row.default_issuer_mark,
                          row.printer)


def update_office(ctx: ServiceContext, info: OfficeInfo) -> OfficeInfo:
    actor = ctx.require(Action.MANAGE_SETTINGS)
    series = [c.strip() for c in info.code_series if c.strip()]
    if len(set(series)) != len(series):
        raise InputError("机关代字不能重复。")
    clean = OfficeInfo(info.office_name.strip(), series, info.default_issuer_mark.strip(),
                       info.printer.strip())
    with ctx.session() as s, s.begin():
        row = s.get(OfficeSettings, 1)
        if row is None:
            row = OfficeSettings(id=1)
            s.add(row)
        row.office_name = clean.office_name
        row.code_series = list(clean.code_series)
        row.default_issuer_mark = clean.default_issuer_mark
        row.printer = clean.printer
        audit.append(s, actor, "settings.office", "office_settings", 1, asdict(clean),
                     at=ctx.now())
    return clean

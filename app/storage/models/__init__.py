"""All ORM models. Import models from here (``from app.storage.models import User``) so that the
metadata is complete for Alembic and tests. Later modules add their own module and import it here."""

from app.storage.models.accounts import Clearance, Role, User, UserRole
from app.storage.models.audit import AuditEvent, AuditPending
from app.storage.models.base import (
    Base,
    ClassifiedMixin,
    IdMixin,
    TimestampMixin,
    UTCDateTime,
    VersionMixin,
    utcnow,
)
from app.storage.models.meta import Meta
from app.storage.models.settings import OfficeSeal, OfficeSettings

__all__ = [
    "AuditEvent",
    "AuditPending",
    "Base",
    "ClassifiedMixin",
    "Clearance",
    "IdMixin",
    "Meta",
    "OfficeSeal",
    "OfficeSettings",
    "Role",
    "TimestampMixin",
    "UTCDateTime",
    "User",
    "UserRole",
    "VersionMixin",
    "utcnow",
]
from app.storage.models.documents import (  # noqa: E402,F401
    DocNoEntry,
    DocNoSeries,
    Document,
    DocumentStep,
    DocumentVersion,
)
from app.storage.models.duty import (  # noqa: E402,F401,E501
    DutyAssignment,
    DutyHandover,
    DutyLogEntry,
    DutyOpening,
    DutyOpenItem,
    DutyRole,
    DutyRoster,
    DutyRules,
    DutyStaff,
    DutySwap,
    DutyUnavailability,
)
from app.storage.models.holidays import HolidayDay, HolidayYear  # noqa: E402,F401
from app.storage.models.incidents import (  # noqa: E402,F401
    Incident,
    IncidentMissedDeadline,
    IncidentReport,
    IncidentRuleTable,
)
from app.storage.models.incoming import IncomingAttachment, IncomingDoc, IncomingUrge  # noqa: E402,F401,E501
from app.storage.models.minutes import (  # noqa: E402,F401
    Attendee,
    Decision,
    DecisionEvent,
    Meeting,
    MeetingType,
    Topic,
)
from app.storage.models.paper import PaperCopy, PaperSeriesRecord  # noqa: E402,F401
from app.storage.models.scopes import RecordScope  # noqa: E402,F401
from app.storage.models.search import SearchEntry, SearchKind  # noqa: E402,F401
from app.storage.models.security import (  # noqa: E402,F401
    AuditReview,
    ExchangeImport,
    PasswordHistory,
    SecuritySettings,
)
from app.storage.models.templates import OfficeTemplate, TemplateVersion  # noqa: E402,F401

"""Accounts: users and sign-in, roles and clearances, the password policy, 三员分立 and the security
settings. Its public face: other areas, the UI and the command line import from here, never from
the modules inside.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.lazy import public_face

if TYPE_CHECKING:
    from app.services.accounts.classified import NewAdmin, setup_classified, switch_to_classified
    from app.services.accounts.mode import (
        CLASSIFIED,
        MODE_LABELS,
        NORMAL,
        is_classified,
        office_mode,
    )
    from app.services.accounts.passwords import (
        LIMITS,
        PasswordPolicy,
        get_policy,
        update_policy,
        with_values,
    )
    from app.services.accounts.security import (
        DEFAULT_IDLE_MINUTES,
        SecurityInfo,
        exchange_passphrase_matches,
        get_settings,
        read_settings,
        record_session,
        set_exchange_passphrase,
        update_settings,
    )
    from app.services.accounts.users import (
        UserInfo,
        add_user,
        change_password,
        create_first_admin,
        find_user,
        list_users,
        login,
        logout,
        needs_first_admin,
        password_reminder,
        reset_password,
        set_active,
        set_clearance,
        set_roles,
        set_unit,
    )

__getattr__, __dir__ = public_face(__name__, {
    "CLASSIFIED": "mode",
    "DEFAULT_IDLE_MINUTES": "security",
    "LIMITS": "passwords",
    "MODE_LABELS": "mode",
    "NORMAL": "mode",
    "NewAdmin": "classified",
    "PasswordPolicy": "passwords",
    "SecurityInfo": "security",
    "UserInfo": "users",
    "add_user": "users",
    "change_password": "users",
    "create_first_admin": "users",
    "exchange_passphrase_matches": "security",
    "find_user": "users",
    "get_policy": "passwords",
    "get_settings": "security",
    "is_classified": "mode",
    "list_users": "users",
    "login": "users",
    "logout": "users",
    "needs_first_admin": "users",
    "office_mode": "mode",
    "password_reminder": "users",
    "read_settings": "security",
    "record_session": "security",
    "reset_password": "users",
    "set_active": "users",
    "set_clearance": "users",
    "set_exchange_passphrase": "security",
    "set_roles": "users",
    "set_unit": "users",
    "setup_classified": "classified",
    "switch_to_classified": "classified",
    "update_policy": "passwords",
    "update_settings": "security",
    "with_values": "passwords",
})
__all__ = ["CLASSIFIED", "DEFAULT_IDLE_MINUTES", "LIMITS", "MODE_LABELS", "NORMAL", "NewAdmin", "PasswordPolicy", "SecurityInfo", "UserInfo", "add_user", "change_password", "create_first_admin", "exchange_passphrase_matches", "find_user", "get_policy", "get_settings", "is_classified", "list_users", "login", "logout", "needs_first_admin", "office_mode", "password_reminder", "read_settings", "record_session", "reset_password", "set_active", "set_clearance", "set_exchange_passphrase", "set_roles", "set_unit", "setup_classified", "switch_to_classified", "update_policy", "update_settings", "with_values"]

"""The one argon2id hasher for passwords and the exchange-passphrase verifier.

Production cost is argon2-cffi's default (RFC 9106 low-memory profile: time_cost=3,
memory_cost=64 MiB, parallelism=4) and nothing in the program lowers it.

The test suite alone sets ``GOVDESK_TEST_WEAK_ARGON2=1`` (``tests/conftest.py``): time_cost=1,
memory_cost=1 MiB, parallelism=1 — thousands of hashes in the suite, each ~1 s at full cost on a
busy machine. The variable's name says what it is; it is ignored by the frozen installer bundle
(what desks run); the first weak hash in a process is logged as a warning (the GUI's log file);
``--selftest`` refuses to pass while it is set; and a weak hash is never written over a strong one (no rehash on login under the test
profile). Every argon2 hash records its own parameters (``$argon2id$v=19$m=…,t=…,p=…$``), so a
hash made under either profile verifies under the other, and a production login rehashes a weak
hash to full cost. The same profile writes air-gap exchange packages at the lowest scrypt cost
every reader accepts (N = 2^14 instead of 2^15, recorded in the package's header; see
``app/services/exchange/packages.py``).
"""

from __future__ import annotations

import logging
import os
import sys

from argon2 import PasswordHasher

#: Set to ``1`` by the test suite only. Never set it on a desk.
WEAK_ENV = "GOVDESK_TEST_WEAK_ARGON2"

_log = logging.getLogger(__name__)
# The warning goes to the program's log (the GUI's log file, via the root logger), not to a
# command's stderr, whose text scripts and tests read.
_log.addHandler(logging.NullHandler())
_hashers: dict[bool, PasswordHasher] = {}
_warned = False


def weak_profile() -> bool:
    """True when the test-only weak cost is in force (never in the frozen bundle)."""
    return os.environ.get(WEAK_ENV) == "1" and not getattr(sys, "frozen", False)


def hasher() -> PasswordHasher:
    """The hasher for the cost in force now (read at each call, so a test can switch it)."""
    global _warned
    weak = weak_profile()
    if weak and not _warned:
        _warned = True
        _log.warning("口令哈希使用测试用弱参数（环境变量 %s=1）；生产环境不得设置该变量。",
                     WEAK_ENV)
    if weak not in _hashers:
        _hashers[weak] = (PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
                          if weak else PasswordHasher())
    return _hashers[weak]


def needs_rehash(pw_hash: str) -> bool:
    """Whether a stored hash should be replaced at the next successful login: only ever upward,
    to the production cost (under the test profile nothing is rehashed)."""
    return not weak_profile() and hasher().check_needs_rehash(pw_hash)


def check_production_cost() -> str:
    """For ``--selftest``: raise while the weak test cost is in force; otherwise describe it."""
    if weak_profile():
        raise RuntimeError(f"口令哈希使用测试用弱参数（环境变量 {WEAK_ENV}=1），"
                           "生产环境不得设置该变量。")
    h = hasher()
    return (f"口令哈希为 argon2id 生产参数（time_cost={h.time_cost}，"
            f"memory_cost={h.memory_cost // 1024} MiB，parallelism={h.parallelism}）")

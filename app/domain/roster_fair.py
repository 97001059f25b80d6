"""Fairness arithmetic: how even can the duty counts of a role possibly be?

Each holder ends with T = history + duties in this period, between their history h and an upper
bound u (history + the most duties they could do alone, given leave, the gap and the monthly cap).
The duties handed out are fixed (Σ T is known), so the smallest spread max − min is a small
combinatorial question answered here exactly. The solver uses it twice: as the lower bound of each
spread variable (so it stops once it gets there) and as per-person count windows, the fairness
target written as constraints, which CP-SAT satisfies far faster than it minimises max − min.
"""

from __future__ import annotations

from collections.abc import Sequence


def _fit(
    hist: Sequence[int], upper: Sequence[int], total: int, width: int, *, pin: bool
) -> int | None:
    """The level m (nearest the average) such that every count can lie in [m, m + width] and the
    counts can sum to ``total``. With ``pin``, people who cannot reach m even alone are allowed
    below it (held at their own maximum) instead of making m impossible."""
    n = len(hist)
    best: tuple[float, int] | None = None
    for m in range(min(hist), max(upper) + 1):
        lows = [max(h, min(m, u)) if pin else max(h, m) for h, u in zip(hist, upper, strict=True)]
        if sum(lows) > total:
            break  # the floor only rises with m
        highs = [min(u, m + width) for u in upper]
        if any(lo > hi for lo, hi in zip(lows, highs, strict=True)) or sum(highs) < total:
            continue
        key = (abs(m + width / 2 - total / n), m)
        best = key if best is None or key < best else best
    return None if best is None else best[1]


def spread_lower_bound(
    history: Sequence[int], duties: int, upper: Sequence[int] | None = None
) -> int:
    """The smallest max − min over integer counts h_i ≤ T_i ≤ u_i with Σ T_i = Σ h_i + duties.

    ``upper`` defaults to no limit. Returns 0 when the counts cannot add up at all (then the
    problem has no roster and no bound matters)."""
    if not history:
        return 0
    upper = list(upper) if upper is not None else [h + duties for h in history]
    total = sum(history) + duties
    lo, hi = 0, max(upper) - min(history)
    if _fit(history, upper, total, hi, pin=False) is None:
        return 0
    while lo < hi:  # feasibility is monotone in the width
        mid = (lo + hi) // 2
        if _fit(history, upper, total, mid, pin=False) is None:
            lo = mid + 1
        else:
            hi = mid
    return lo


def person_windows(
    history: Sequence[int], duties: int, upper: Sequence[int], target: int
) -> list[tuple[int, int]] | None:
    """Per person [low, high] bounds on the final count: everyone within a window of width
    ≥ ``target`` (the smallest that fits), except people who cannot reach it alone (long leave),
    who are asked for their own maximum. None when no window fits."""
    total = sum(history) + duties
    for width in range(max(target, 0), max(upper) - min(history) + 1):
        m = _fit(history, upper, total, width, pin=True)
        if m is not None:
            return [(max(h, min(m, u)), min(u, m + width)) for h, u in zip(history, upper, strict=True)]
    return None

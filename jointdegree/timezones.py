"""IANA time-zone helpers (the zones themselves come from the standard library's zoneinfo)."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones


@cache
def all_timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def is_valid_timezone(name: str) -> bool:
    return name in all_timezones()

"""Tests for rsqgen.schedule: EventBridge schedule parsing, friendly forms, descriptions, fire times."""

from __future__ import annotations

import dataclasses
import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rsqgen.spec.schedule import (
    MAX_EXPRESSION_LENGTH,
    Schedule,
    ScheduleError,
    next_fire_times,
    parse_schedule,
)

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# ---------------------------------------------------------------------------------------------
# Valid schedules: (source, backend, expected expression, kind, friendly)
# ---------------------------------------------------------------------------------------------

VALID = [
    # rate
    ("rate(1 minute)", "rule", "rate(1 minute)", "rate", False),
    ("rate(5 minutes)", "rule", "rate(5 minutes)", "rate", False),
    ("rate(1 hour)", "rule", "rate(1 hour)", "rate", False),
    ("rate(12 hours)", "rule", "rate(12 hours)", "rate", False),
    ("rate(1 day)", "rule", "rate(1 day)", "rate", False),
    ("rate(7 days)", "scheduler", "rate(7 days)", "rate", False),
    ("  rate(  15   minutes )  ", "rule", "rate(15 minutes)", "rate", False),
    # cron: basics, spacing and case normalisation
    ("cron(0 9 * * ? *)", "rule", "cron(0 9 * * ? *)", "cron", False),
    ("cron(0   12  *  * ?  *)", "rule", "cron(0 12 * * ? *)", "cron", False),
    ("cron(0 12 ? * * *)", "rule", "cron(0 12 ? * * *)", "cron", False),
    ("cron(05 08 * * ? *)", "rule", "cron(5 8 * * ? *)", "cron", False),
    ("cron(*/5 * * * ? *)", "rule", "cron(*/5 * * * ? *)", "cron", False),
    ("cron(0/15 9-17 ? * mon-fri *)", "rule", "cron(0/15 9-17 ? * MON-FRI *)", "cron", False),
    ("cron(1/10 * * * ? *)", "rule", "cron(1/10 * * * ? *)", "cron", False),
    ("cron(0-15/5 8 ? * 2,3,4,5,6 *)", "rule", "cron(0-15/5 8 ? * 2,3,4,5,6 *)", "cron", False),
    ("cron(0 0,12 1,15 * ? *)", "rule", "cron(0 0,12 1,15 * ? *)", "cron", False),
    ("cron(0 8 1-31/30 * ? *)", "rule", "cron(0 8 1-31/30 * ? *)", "cron", False),
    ("cron(0 18 ? JAN-MAR,dec SAT,SUN *)", "rule", "cron(0 18 ? JAN-MAR,DEC SAT,SUN *)", "cron", False),
    ("cron(30 6 ? 1/3 2 2025-2030)", "rule", "cron(30 6 ? 1/3 2 2025-2030)", "cron", False),
    ("cron(0 0 1 1 ? 2030,2035)", "rule", "cron(0 0 1 1 ? 2030,2035)", "cron", False),
    ("cron(0 0 1 * ? 2025/5)", "rule", "cron(0 0 1 * ? 2025/5)", "cron", False),
    ("cron(59 23 31 12 ? 2199)", "rule", "cron(59 23 31 12 ? 2199)", "cron", False),
    # L, W, LW, #, nL
    ("cron(0 12 L * ? *)", "rule", "cron(0 12 L * ? *)", "cron", False),
    ("cron(0 12 LW * ? *)", "rule", "cron(0 12 LW * ? *)", "cron", False),
    ("cron(0 12 15W * ? *)", "rule", "cron(0 12 15W * ? *)", "cron", False),
    ("cron(0 12 1w * ? *)", "rule", "cron(0 12 1W * ? *)", "cron", False),
    ("cron(0 10 ? * 6#3 *)", "rule", "cron(0 10 ? * 6#3 *)", "cron", False),
    ("cron(0 10 ? * fri#1 *)", "rule", "cron(0 10 ? * FRI#1 *)", "cron", False),
    ("cron(0 10 ? * 6L *)", "rule", "cron(0 10 ? * 6L *)", "cron", False),
    ("cron(0 10 ? * L *)", "rule", "cron(0 10 ? * L *)", "cron", False),
    # at (scheduler only)
    ("at(2025-03-31T09:00:00)", "scheduler", "at(2025-03-31T09:00:00)", "at", False),
    ("at( 2028-02-29t23:59:59 )", "scheduler", "at(2028-02-29T23:59:59)", "at", False),
    # friendly forms
    ("every minute", "rule", "rate(1 minute)", "rate", True),
    ("every 5 minutes", "rule", "rate(5 minutes)", "rate", True),
    ("Every 1 Minutes", "rule", "rate(1 minute)", "rate", True),
    ("every hour", "rule", "rate(1 hour)", "rate", True),
    ("every 2 hours", "rule", "rate(2 hours)", "rate", True),
    ("every 3 days", "rule", "rate(3 days)", "rate", True),
    ("hourly", "rule", "rate(1 hour)", "rate", True),
    ("  DAILY ", "rule", "cron(0 0 * * ? *)", "cron", True),
    ("daily at 09:00", "rule", "cron(0 9 * * ? *)", "cron", True),
    ("every day at 9:05", "rule", "cron(5 9 * * ? *)", "cron", True),
    ("daily at 00:00", "rule", "cron(0 0 * * ? *)", "cron", True),
    ("daily at 23:59", "rule", "cron(59 23 * * ? *)", "cron", True),
    ("weekdays at 08:30", "rule", "cron(30 8 ? * MON-FRI *)", "cron", True),
    ("weekends at 10:00", "rule", "cron(0 10 ? * SAT,SUN *)", "cron", True),
    ("every monday at 07:00", "rule", "cron(0 7 ? * MON *)", "cron", True),
    ("Mondays at 7:00", "rule", "cron(0 7 ? * MON *)", "cron", True),
    ("every monday, wednesday at 07:30", "rule", "cron(30 7 ? * MON,WED *)", "cron", True),
    ("every fri,mon and sun at 18:15", "scheduler", "cron(15 18 ? * MON,FRI,SUN *)", "cron", True),
    ("monthly at 06:00", "rule", "cron(0 6 1 * ? *)", "cron", True),
    ("monthly on day 15 at 06:00", "rule", "cron(0 6 15 * ? *)", "cron", True),
    ("monthly on the 31st at 6:00", "rule", "cron(0 6 31 * ? *)", "cron", True),
    ("monthly on the last day at 23:00", "rule", "cron(0 23 L * ? *)", "cron", True),
]


@pytest.mark.parametrize(("source", "backend", "expression", "kind", "friendly"), VALID)
def test_valid_schedules(source: str, backend: str, expression: str, kind: str, friendly: bool) -> None:
    schedule = parse_schedule(source, backend=backend)
    assert schedule == Schedule(expression=expression, kind=kind, source=source, friendly=friendly)
    # The normalised expression is itself valid and a fixed point.
    again = parse_schedule(schedule.expression, backend=backend)
    assert (again.expression, again.kind, again.friendly) == (expression, kind, False)


def test_valid_table_is_large_enough() -> None:
    assert len(VALID) >= 30
    assert len(INVALID) >= 30


# ---------------------------------------------------------------------------------------------
# Invalid schedules: (source, backend, part of message, part of allowed)
# ---------------------------------------------------------------------------------------------

INVALID = [
    # rate
    ("rate(5 minute)", "rule", "5 needs the plural unit", "use 'rate(5 minutes)'"),
    ("rate(1 minutes)", "rule", "1 needs the singular unit", "use 'rate(1 minute)'"),
    ("rate(0 minutes)", "rule", "must be at least 1", "rate(1 minute)"),
    ("rate(5 mins)", "rule", "'mins' is not a rate unit", "use 'rate(5 minutes)'"),
    ("rate(2 hrs)", "rule", "'hrs' is not a rate unit", "use 'rate(2 hours)'"),
    ("rate(5 fortnights)", "rule", "'fortnights' is not a rate unit", "minute, minutes, hour, hours, day and days"),
    ("rate(30 seconds)", "rule", "does not schedule in seconds", "rate(1 minute)"),
    ("rate(2 weeks)", "rule", "'weeks' is not a rate unit", "use 'rate(14 days)'"),
    ("rate(1 month)", "rule", "'month' is not a rate unit", "cron(0 9 1 * ? *)"),
    ("rate(05 minutes)", "rule", "leading zero", "use 'rate(5 minutes)'"),
    ("rate(-5 minutes)", "rule", "whole number of at least 1", "rate(90 minutes)"),
    ("rate(1.5 hours)", "rule", "whole number of at least 1", "rate(90 minutes)"),
    ("rate(5minutes)", "rule", "need a space", "use 'rate(5 minutes)'"),
    ("rate(5)", "rule", "takes a value and a unit", "rate(5 minutes)"),
    ("rate 5 minutes", "rule", "need parentheses", "use 'rate(5 minutes)'"),
    ("rate(5 minutes", "rule", "no closing ')'", "closing parenthesis"),
    # cron: field counts
    ("cron(*/5 * * * *)", "rule", "needs 6 fields", "use 'cron(*/5 * * * ? *)'"),
    ("cron(0 9 * * 1-5)", "rule", "this has 5 like Unix cron", "use 'cron(0 9 ? * MON-FRI *)'"),
    ("cron(0 9 * * 0)", "rule", "this has 5", "use 'cron(0 9 ? * SUN *)'"),
    ("cron(0 9 1 * 1)", "rule", "this has 5", "add a year field"),
    ("cron(0 0 12 * * ? *)", "rule", "no seconds field", "'cron(0 12 * * ? *)'"),
    ("cron(0 9 * * ? * *  *)", "rule", "this has 8", "cron(0 9 * * ? *)"),
    ("*/5 * * * *", "rule", "5-field Unix cron", "use 'cron(*/5 * * * ? *)'"),
    ("0 9 * * ? *", "rule", "wrapped in cron(...)", "use 'cron(0 9 * * ? *)'"),
    ("cron 0 9 * * ? *", "rule", "need parentheses", "use 'cron(0 9 * * ? *)'"),
    # cron: the '?' rule
    ("cron(0 12 * * * *)", "rule", "cannot both be set", "use 'cron(0 12 * * ? *)'"),
    ("cron(0 12 * * MON *)", "rule", "cannot both be set", "use 'cron(0 12 ? * MON *)'"),
    ("cron(0 12 1 * MON *)", "rule", "one of them must be '?'", "'cron(0 12 1 * ? *)' (by day of month) or 'cron(0 12 ? * MON *)'"),
    ("cron(0 12 ? * ? *)", "rule", "both '?'", "use 'cron(0 12 * * ? *)'"),
    ("cron(0 12 ? * MON ?)", "rule", "'?' is not allowed in year", "only allowed in day-of-month and day-of-week"),
    # cron: ranges of values
    ("cron(0 9 ? * 0 *)", "rule", "day-of-week 0 is out of range", "1 = SUN and 7 = SAT"),
    ("cron(0 9 ? * 8 *)", "rule", "day-of-week value 8 is out of range", "1-7 or SUN-SAT"),
    ("cron(60 9 * * ? *)", "rule", "minutes value 60 is out of range", "minutes takes 0-59"),
    ("cron(0 24 * * ? *)", "rule", "hours value 24 is out of range", "hours takes 0-23"),
    ("cron(0 9 32 * ? *)", "rule", "day-of-month value 32 is out of range", "day-of-month takes 1-31"),
    ("cron(0 9 0 * ? *)", "rule", "day-of-month value 0 is out of range", "day-of-month takes 1-31"),
    ("cron(0 9 * 13 ? *)", "rule", "month value 13 is out of range", "1-12 or JAN-DEC"),
    ("cron(0 9 * * ? 1969)", "rule", "year value 1969 is out of range", "1970-2199"),
    ("cron(0 9 * * ? 25)", "rule", "year value 25 is out of range", "four-digit year"),
    ("cron(0 9 * JANUARY ? *)", "rule", "'JANUARY' is not a month name", "JAN-DEC"),
    ("cron(0 9 ? * MONDAY *)", "rule", "'MONDAY' is not a day-of-week name", "SUN-SAT"),
    ("cron(0 9 ? * FRI-MON *)", "rule", "runs backwards", "'FRI-SAT,SUN-MON'"),
    ("cron(0 22-2 * * ? *)", "rule", "runs backwards", "'22-23,0-2'"),
    ("cron(*/0 * * * ? *)", "rule", "increment in '*/0' must be a whole number of at least 1", "*/5"),
    ("cron(*/60 * * * ? *)", "rule", "increment 60", "rate(90 minutes)"),
    ("cron(0 9 ? * */2 *)", "rule", "'/' (increments) is not allowed in day-of-week", "MON,WED,FRI"),
    ("cron(0 9 1,,15 * ? *)", "rule", "empty list item", "single commas"),
    ("cron(0 9 *-5 * ? *)", "rule", "is not a range", "a-b"),
    # cron: L, W, #
    ("cron(0 9 ? * 6#6 *)", "rule", "occurrence after '#' must be 1-5", "FRI#3"),
    ("cron(0 9 ? * 6#2,2#2 *)", "rule", "'6#2' cannot be combined", "on its own"),
    ("cron(0 9 L,15 * ? *)", "rule", "'L' cannot be combined", "on its own"),
    ("cron(0 9 1-5W * ? *)", "rule", "'1-5W' is not valid in day-of-month", "no ranges or lists"),
    ("cron(0 9 L-3 * ? *)", "rule", "offset from the last day", "LW"),
    ("cron(0 9 32W * ? *)", "rule", "day-of-month value 32 is out of range", "1-31"),
    ("cron(L 9 * * ? *)", "rule", "'L' is not allowed in minutes", "minutes takes 0-59"),
    ("cron(0 9 ? * 5W *)", "rule", "'5W' is not valid in day-of-week", ", - * ? L #"),
    # at
    ("at(2025-03-31T09:00:00)", "rule", "only in EventBridge Scheduler", "`scheduler: scheduler`"),
    ("at(2025-02-29T09:00:00)", "scheduler", "not a real date and time", "yyyy-mm-ddThh:mm:ss"),
    ("at(2025-03-31T24:00:00)", "scheduler", "not a real date and time", "yyyy-mm-ddThh:mm:ss"),
    ("at(2025-03-31T09:00)", "scheduler", "needs seconds", "use 'at(2025-03-31T09:00:00)'"),
    ("at(2025-03-31 09:00:00)", "scheduler", "separated by 'T'", "use 'at(2025-03-31T09:00:00)'"),
    ("at(2025-03-31T09:00:00Z)", "scheduler", "no time zone suffix", "set separately"),
    ("at(tomorrow)", "scheduler", "yyyy-mm-ddThh:mm:ss", "at(2025-03-31T09:00:00)"),
    # friendly forms
    ("every 30 seconds", "rule", "does not schedule in seconds", "'every minute'"),
    ("every 0 minutes", "rule", "at least 1", "'every 5 minutes'"),
    ("every 2 weeks", "rule", "weeks are not a rate unit", "'every 14 days'"),
    ("daily at 24:00", "rule", "hour 24 in '24:00' is out of range", "midnight is 00:00"),
    ("daily at 9:60", "rule", "minute 60 in '9:60' is out of range", "24-hour HH:MM"),
    ("daily at 9am", "rule", "'9am' is not a time", "24-hour HH:MM"),
    ("weekdays at 8", "rule", "'8' is not a time", "e.g. 09:00"),
    ("every funday at 09:00", "rule", "'funday' is not a day of the week", "monday or mon"),
    ("monthly on day 32 at 09:00", "rule", "day 32 is not a day of the month", "1 to 31"),
    ("monthly on day 0 at 09:00", "rule", "day 0 is not a day of the month", "last day"),
    ("fortnightly", "rule", "not a schedule rsqgen understands", "'daily at 09:00', 'weekdays at 08:30'"),
    ("", "rule", "the schedule is empty", "rate(5 minutes), cron(0 9 * * ? *)"),
    ("   ", "scheduler", "the schedule is empty", "at(2025-03-31T09:00:00)"),
]


@pytest.mark.parametrize(("source", "backend", "message", "allowed"), INVALID)
def test_invalid_schedules(source: str, backend: str, message: str, allowed: str) -> None:
    with pytest.raises(ScheduleError) as caught:
        parse_schedule(source, backend=backend)
    error = caught.value
    assert message in error.message
    assert allowed in error.allowed
    assert str(error) == f"{error.message}; {error.allowed}"


def test_error_message_format_matches_the_documented_example() -> None:
    with pytest.raises(ScheduleError) as caught:
        parse_schedule("rate(5 minute)")
    assert str(caught.value) == "'rate(5 minute)' is not valid: 5 needs the plural unit; use 'rate(5 minutes)'"
    assert isinstance(caught.value, ValueError)


def test_error_without_allowed_has_no_separator() -> None:
    assert str(ScheduleError("bad")) == "bad"
    assert ScheduleError("bad").allowed == ""


def test_non_string_schedule_is_rejected() -> None:
    with pytest.raises(ScheduleError, match="must be a string, not int"):
        parse_schedule(5)  # type: ignore[arg-type]


def test_unknown_backend_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="backend must be"):
        parse_schedule("rate(1 minute)", backend="lambda")  # type: ignore[arg-type]


def test_expression_length_limit() -> None:
    minutes = ",".join(str(m) for m in range(60))  # 169 characters
    hours = ",".join(str(h) for h in range(24))  # 61 characters
    days = ",".join(str(d) for d in range(1, 11))  # 20 characters
    long = f"cron({minutes} {hours} {days} * ? *)"
    assert len(long) > MAX_EXPRESSION_LENGTH
    with pytest.raises(ScheduleError) as caught:
        parse_schedule(long)
    assert f"is {len(long)} characters long" in caught.value.message
    assert "at most 256" in caught.value.allowed
    parse_schedule(f"cron({minutes} 9 * * ? *)")  # under the limit


def test_schedule_is_frozen_and_keeps_source() -> None:
    schedule = parse_schedule("  Weekdays at 08:30 ")
    assert schedule.source == "  Weekdays at 08:30 "
    with pytest.raises(dataclasses.FrozenInstanceError):
        schedule.expression = "rate(1 minute)"  # type: ignore[misc]


# ---------------------------------------------------------------------------------------------
# describe()
# ---------------------------------------------------------------------------------------------

DESCRIBE = [
    ("rate(1 minute)", "every minute"),
    ("rate(5 minutes)", "every 5 minutes"),
    ("rate(1 hour)", "every hour"),
    ("rate(2 days)", "every 2 days"),
    ("daily at 09:00", "at 09:00 every day"),
    ("daily", "at 00:00 every day"),
    ("cron(0 8 ? * MON-FRI *)", "at 08:00 on Monday through Friday"),
    ("weekends at 10:00", "at 10:00 on Saturday and Sunday"),
    ("every monday, wednesday at 07:30", "at 07:30 on Monday and Wednesday"),
    ("cron(*/5 * * * ? *)", "every 5 minutes"),
    ("cron(0/15 9-17 ? * MON-FRI *)", "every 15 minutes during hours 9-17 on Monday through Friday"),
    ("cron(0 * * * ? *)", "at minute 0 of every hour"),
    ("cron(0 9,17 * * ? *)", "at 09:00 and 17:00 every day"),
    ("cron(0 12 L * ? *)", "at 12:00 on the last day of the month"),
    ("cron(0 12 LW * ? *)", "at 12:00 on the last weekday of the month"),
    ("cron(0 12 15W * ? *)", "at 12:00 on the weekday nearest day 15 of the month"),
    ("cron(0 10 ? * 6#3 *)", "at 10:00 on the third Friday of the month"),
    ("cron(0 10 ? * 6L *)", "at 10:00 on the last Friday of the month"),
    ("cron(0 10 ? * L *)", "at 10:00 on Saturday"),
    ("monthly on day 15 at 06:00", "at 06:00 on day 15 of the month"),
    ("cron(0 9 1,15 JAN-MAR ? 2026)", "at 09:00 on days 1 and 15 of the month in January through March in 2026"),
]


@pytest.mark.parametrize(("source", "text"), DESCRIBE)
def test_describe(source: str, text: str) -> None:
    assert parse_schedule(source).describe() == text


def test_describe_at() -> None:
    assert parse_schedule("at(2025-03-31T09:00:00)", backend="scheduler").describe() == "once at 2025-03-31 09:00:00"


# ---------------------------------------------------------------------------------------------
# next_fire_times: exact expectations
# ---------------------------------------------------------------------------------------------


def fire(source: str, after: datetime, count: int, tz: ZoneInfo | None = None, backend: str = "rule") -> list[datetime]:
    return next_fire_times(parse_schedule(source, backend=backend), after, count, tz)


def test_weekdays_after_friday_morning_gives_monday() -> None:
    friday_10 = utc(2024, 5, 3, 10, 0)
    assert fire("cron(0 9 ? * MON-FRI *)", friday_10, 3) == [utc(2024, 5, 6, 9), utc(2024, 5, 7, 9), utc(2024, 5, 8, 9)]


def test_strictly_after() -> None:
    assert fire("cron(0 9 * * ? *)", utc(2024, 5, 3, 9, 0), 1) == [utc(2024, 5, 4, 9)]
    assert fire("cron(0 9 * * ? *)", utc(2024, 5, 3, 8, 59, 59), 1) == [utc(2024, 5, 3, 9)]


def test_last_day_of_month_handles_february() -> None:
    assert fire("cron(0 12 L * ? *)", utc(2024, 1, 31, 12), 4) == [
        utc(2024, 2, 29, 12),  # leap year
        utc(2024, 3, 31, 12),
        utc(2024, 4, 30, 12),
        utc(2024, 5, 31, 12),
    ]
    assert fire("cron(0 12 L 2 ? *)", utc(2024, 3, 1), 2) == [utc(2025, 2, 28, 12), utc(2026, 2, 28, 12)]
    assert fire("cron(0 12 L 2 ? 2100)", utc(2024, 3, 1), 5) == [utc(2100, 2, 28, 12)]  # 2100 is not a leap year


def test_nth_weekday() -> None:
    assert fire("cron(0 10 ? * 6#3 *)", utc(2024, 1, 1), 3) == [utc(2024, 1, 19, 10), utc(2024, 2, 16, 10), utc(2024, 3, 15, 10)]
    # The fifth Monday exists only in some months.
    assert fire("cron(0 10 ? * MON#5 *)", utc(2024, 1, 1), 3) == [utc(2024, 1, 29, 10), utc(2024, 4, 29, 10), utc(2024, 7, 29, 10)]


def test_last_weekday_of_month_nl() -> None:
    assert fire("cron(0 10 ? * 6L *)", utc(2024, 1, 1), 3) == [utc(2024, 1, 26, 10), utc(2024, 2, 23, 10), utc(2024, 3, 29, 10)]


def test_l_in_day_of_week_is_saturday() -> None:
    assert fire("cron(0 10 ? * L *)", utc(2024, 6, 3), 2) == [utc(2024, 6, 8, 10), utc(2024, 6, 15, 10)]


@pytest.mark.parametrize(
    ("source", "after", "expected"),
    [
        ("cron(0 8 1W * ? *)", utc(2024, 5, 31), utc(2024, 6, 3, 8)),  # 1 June 2024 is a Saturday -> Monday 3rd
        ("cron(0 8 1W * ? *)", utc(2024, 8, 31), utc(2024, 9, 2, 8)),  # 1 Sep 2024 is a Sunday -> Monday 2nd
        ("cron(0 8 31W * ? *)", utc(2024, 3, 1), utc(2024, 3, 29, 8)),  # 31 Mar 2024 is a Sunday -> Friday 29th
        ("cron(0 8 30W * ? *)", utc(2024, 11, 1), utc(2024, 11, 29, 8)),  # 30 Nov 2024 is a Saturday -> Friday 29th
        ("cron(0 8 15W * ? *)", utc(2024, 6, 1), utc(2024, 6, 14, 8)),  # Saturday 15th -> Friday 14th
        ("cron(0 8 15W * ? *)", utc(2024, 9, 1), utc(2024, 9, 16, 8)),  # Sunday 15th -> Monday 16th
        ("cron(0 8 15W * ? *)", utc(2024, 5, 1), utc(2024, 5, 15, 8)),  # Wednesday 15th stays
        ("cron(0 8 LW * ? *)", utc(2024, 3, 1), utc(2024, 3, 29, 8)),  # last day Sunday 31st -> Friday 29th
        ("cron(0 8 LW * ? *)", utc(2024, 8, 1), utc(2024, 8, 30, 8)),  # last day Saturday 31st -> Friday 30th
        ("cron(0 8 LW * ? *)", utc(2024, 7, 1), utc(2024, 7, 31, 8)),  # last day Wednesday 31st stays
    ],
)
def test_nearest_weekday(source: str, after: datetime, expected: datetime) -> None:
    assert fire(source, after, 1) == [expected]


def test_31w_skips_months_without_a_31st() -> None:
    assert fire("cron(0 8 31W * ? *)", utc(2024, 4, 1), 2) == [utc(2024, 5, 31, 8), utc(2024, 7, 31, 8)]


def test_lists_ranges_steps_and_years() -> None:
    assert fire("cron(0/20 9-10 ? 1/6 MON,WED 2026-2027)", utc(2025, 12, 1), 7) == [
        utc(2026, 1, 5, 9, 0),
        utc(2026, 1, 5, 9, 20),
        utc(2026, 1, 5, 9, 40),
        utc(2026, 1, 5, 10, 0),
        utc(2026, 1, 5, 10, 20),
        utc(2026, 1, 5, 10, 40),
        utc(2026, 1, 7, 9, 0),
    ]
    assert fire("cron(0 0 1 1 ? 2030,2035)", utc(2024, 1, 1), 5) == [utc(2030, 1, 1), utc(2035, 1, 1)]


def test_impossible_cron_returns_nothing_quickly() -> None:
    start = time.perf_counter()
    assert fire("cron(0 0 30 2 ? *)", utc(2024, 1, 1), 3) == []
    assert fire("cron(0 0 31 4,6,9,11 ? *)", utc(2024, 1, 1), 3) == []
    assert fire("cron(0 0 * * ? 2020-2023)", utc(2024, 1, 1), 3) == []  # year range has ended
    assert time.perf_counter() - start < 1.0


def test_count_zero_or_negative() -> None:
    assert fire("cron(0 9 * * ? *)", utc(2024, 1, 1), 0) == []
    assert fire("rate(5 minutes)", utc(2024, 1, 1), -1) == []


def test_naive_after_is_rejected() -> None:
    with pytest.raises(ValueError, match="aware"):
        fire("cron(0 9 * * ? *)", datetime(2024, 1, 1), 1)


# --- time zones and DST --------------------------------------------------------------------------


def test_cron_in_time_zone_returns_aware_times_in_that_zone() -> None:
    times = fire("daily at 09:00", utc(2024, 1, 10), 2, BERLIN)
    assert times == [datetime(2024, 1, 10, 9, tzinfo=BERLIN), datetime(2024, 1, 11, 9, tzinfo=BERLIN)]
    assert all(t.tzinfo is BERLIN for t in times)
    assert times[0] == utc(2024, 1, 10, 8)


def test_berlin_spring_forward_skips_missing_time() -> None:
    # 2024-03-31 02:00 -> 03:00 in Europe/Berlin: 02:30 does not exist that day.
    times = fire("cron(30 2 * * ? *)", utc(2024, 3, 29), 3, BERLIN)
    assert [t.isoformat() for t in times] == [
        "2024-03-29T02:30:00+01:00",
        "2024-03-30T02:30:00+01:00",
        "2024-04-01T02:30:00+02:00",
    ]


def test_berlin_fall_back_fires_once_at_first_occurrence() -> None:
    # 2024-10-27 03:00 -> 02:00 in Europe/Berlin: 02:30 happens twice; only the first (CEST) fires.
    times = fire("cron(30 2 * * ? *)", utc(2024, 10, 26, 12), 2, BERLIN)
    assert [t.isoformat() for t in times] == ["2024-10-27T02:30:00+02:00", "2024-10-28T02:30:00+01:00"]


def test_new_york_fall_back_every_30_minutes() -> None:
    # 2024-11-03 02:00 EDT -> 01:00 EST. The repeated 01:00 and 01:30 fire only once (EDT).
    times = fire("cron(*/30 * * * ? *)", utc(2024, 11, 3, 4, 0), 5, NEW_YORK)  # after = 00:00 EDT
    assert [t.isoformat() for t in times] == [
        "2024-11-03T00:30:00-04:00",
        "2024-11-03T01:00:00-04:00",
        "2024-11-03T01:30:00-04:00",
        "2024-11-03T02:00:00-05:00",
        "2024-11-03T02:30:00-05:00",
    ]
    instants = [t.astimezone(UTC) for t in times]  # same-tzinfo subtraction would be wall-clock
    gaps = {b - a for a, b in zip(instants, instants[1:])}
    assert gaps == {timedelta(minutes=30), timedelta(minutes=90)}


def test_after_in_second_occurrence_of_fold() -> None:
    after = datetime(2024, 11, 3, 1, 40, fold=1, tzinfo=NEW_YORK)  # 01:40 EST, the second 01:40
    assert fire("cron(45 1 * * ? *)", after, 1, NEW_YORK) == [datetime(2024, 11, 4, 1, 45, tzinfo=NEW_YORK)]


# --- rate and at ---------------------------------------------------------------------------------


def test_rate_counts_from_after() -> None:
    after = utc(2024, 1, 1, 0, 7)
    assert fire("rate(5 minutes)", after, 3) == [utc(2024, 1, 1, 0, 12), utc(2024, 1, 1, 0, 17), utc(2024, 1, 1, 0, 22)]
    assert fire("every 2 days", after, 2) == [utc(2024, 1, 3, 0, 7), utc(2024, 1, 5, 0, 7)]


def test_rate_is_absolute_across_dst() -> None:
    # 2024-03-31 00:30 UTC is 01:30 CET; one and two hours later are 03:30 and 04:30 CEST.
    times = fire("rate(1 hour)", utc(2024, 3, 31, 0, 30), 2, BERLIN)
    assert [t.isoformat() for t in times] == ["2024-03-31T03:30:00+02:00", "2024-03-31T04:30:00+02:00"]


def test_at_fires_once() -> None:
    schedule = "at(2030-01-01T00:00:00)"
    assert fire(schedule, utc(2024, 1, 1), 3, backend="scheduler") == [utc(2030, 1, 1)]
    assert fire(schedule, utc(2030, 1, 1), 3, backend="scheduler") == []  # strictly after
    berlin = fire(schedule, utc(2024, 1, 1), 3, BERLIN, backend="scheduler")
    assert [t.isoformat() for t in berlin] == ["2030-01-01T00:00:00+01:00"]


def test_at_in_a_dst_gap_never_fires() -> None:
    assert fire("at(2024-03-31T02:30:00)", utc(2024, 1, 1), 1, BERLIN, backend="scheduler") == []


# ---------------------------------------------------------------------------------------------
# An independent matcher for the simple subset (numbers, lists, ranges, steps, '*', '?')
# ---------------------------------------------------------------------------------------------

FIELD_BOUNDS = [(0, 59), (0, 23), (1, 31), (1, 12), (1, 7), (1970, 2199)]


def field_matches(text: str, value: int, low: int, high: int) -> bool:
    if text in ("*", "?"):
        return True
    for part in text.split(","):
        base, _, step = part.partition("/")
        if base == "*":
            first, last = low, high
        elif "-" in base:
            first, last = (int(x) for x in base.split("-"))
        else:
            first = int(base)
            last = high if step else first
        if first <= value <= last and (value - first) % int(step or 1) == 0:
            return True
    return False


def cron_matches(expression: str, moment: datetime) -> bool:
    fields = expression[len("cron(") : -1].split()
    dow = moment.isoweekday() % 7 + 1  # EventBridge: 1 = Sunday
    values = [moment.minute, moment.hour, moment.day, moment.month, dow, moment.year]
    return all(field_matches(f, v, lo, hi) for f, v, (lo, hi) in zip(fields, values, FIELD_BOUNDS))


@pytest.mark.parametrize(
    "source",
    [
        "cron(*/7 * * * ? *)",
        "cron(5,35 */3 * * ? *)",
        "cron(0-10/5 9-11 ? * 2-4,7 *)",
        "cron(59 23 29-31 * ? *)",
        "cron(15 12 ? * 1 *)",
    ],
)
def test_no_fire_time_is_missed_against_minute_by_minute_scan(source: str) -> None:
    """Compare with a brute-force scan of every minute in a 6-day window that spans a month end."""
    after = utc(2024, 2, 27, 22, 0)
    end = after + timedelta(days=6)
    expected = []
    moment = after + timedelta(minutes=1)
    while moment <= end:
        if cron_matches(source, moment):
            expected.append(moment)
        moment += timedelta(minutes=1)
    actual = [t for t in fire(source, after, len(expected) + 1) if t <= end]
    assert actual == expected


# --- hypothesis ----------------------------------------------------------------------------------


@st.composite
def plain_field(draw: st.DrawFn, low: int, high: int, steps: bool = True) -> str:
    def element() -> str:
        kind = draw(st.sampled_from(["value", "range", "step"] if steps else ["value", "range"]))
        a = draw(st.integers(low, high))
        if kind == "value":
            return str(a)
        b = draw(st.integers(a, high))
        if kind == "range":
            return f"{a}-{b}"
        step = draw(st.integers(1, high - low))
        start = draw(st.sampled_from(["*", str(a), f"{a}-{b}"]))
        return f"{start}/{step}"

    if draw(st.integers(0, 3)) == 0:
        return "*"
    return ",".join(element() for _ in range(draw(st.integers(1, 3))))


@st.composite
def simple_cron(draw: st.DrawFn) -> str:
    minute = draw(plain_field(0, 59))
    hour = draw(plain_field(0, 23))
    month = draw(plain_field(1, 12))
    if draw(st.booleans()):
        dom, dow = draw(plain_field(1, 31)), "?"
    else:
        dom, dow = "?", draw(plain_field(1, 7, steps=False))
    year = draw(st.sampled_from(["*", "2020-2040", "2024,2026,2031", "2025/3"]))
    return f"cron({minute} {hour} {dom} {month} {dow} {year})"


@settings(max_examples=200, deadline=None)
@given(
    expression=simple_cron(),
    after=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)),
    tz=st.sampled_from([None, BERLIN, NEW_YORK, ZoneInfo("Australia/Lord_Howe"), ZoneInfo("Asia/Kolkata")]),
    after_in_tz=st.booleans(),
)
def test_property_fire_times_match_fields_and_increase(
    expression: str, after: datetime, tz: ZoneInfo | None, after_in_tz: bool
) -> None:
    if after_in_tz and tz is not None:
        after = after.astimezone(tz)  # same instant; exercises same-tzinfo comparisons (fold)
    schedule = parse_schedule(expression)
    assert schedule.kind == "cron"
    times = next_fire_times(schedule, after, 8, tz)
    assert len(times) <= 8
    previous = after
    for moment in times:
        assert moment.astimezone(UTC) > previous.astimezone(UTC)  # strictly after `after`, strictly increasing
        previous = moment
        local = moment.astimezone(tz or UTC)
        assert local.tzinfo is not None and moment.utcoffset() == local.utcoffset()
        assert cron_matches(schedule.expression, local.replace(tzinfo=None)), (expression, local)
    # With every month and every year allowed, and a day that every month has, the search must fill up.
    fields = schedule.expression[len("cron(") : -1].split()
    if fields[5] == "*" and fields[3] == "*" and day_in_every_month(fields[2]):
        assert len(times) == 8


def day_in_every_month(dom: str) -> bool:
    """True when the day-of-month field matches some day <= 28 ('?' defers to day-of-week, which always does)."""
    if dom in ("*", "?"):
        return True
    starts = [part.split("/")[0].split("-")[0] for part in dom.split(",")]
    return any(start == "*" or int(start) <= 28 for start in starts)


# EventBridge's rule: the value 1 takes the singular unit, any other value the plural
# (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html#eb-rate-expressions).
@pytest.mark.parametrize("unit", ["minute", "hour", "day"])
@pytest.mark.parametrize("value", [1, 2, 3, 10, 59, 1000])
def test_rate_unit_number_agrees_with_the_value(value, unit):
    right = f"rate({value} {unit}{'' if value == 1 else 's'})"
    wrong = f"rate({value} {unit}{'s' if value == 1 else ''})"
    assert parse_schedule(right).expression == right
    with pytest.raises(ScheduleError) as exc:
        parse_schedule(wrong)
    assert ("singular" if value == 1 else "plural") in exc.value.message

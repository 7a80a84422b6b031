"""Schedule expressions for Amazon EventBridge: parse, validate, translate, describe, preview.

A query's ``schedule`` is either an EventBridge expression (``rate(...)``, ``cron(...)`` and, for the
EventBridge Scheduler backend, ``at(...)``) or a friendly English form such as ``"weekdays at 08:30"``
that is translated to one. Validation follows the EventBridge documentation, because an expression
EventBridge rejects otherwise only fails at ``terraform apply``.

Leniency rule: input may be looser than EventBridge in harmless ways (extra spaces, lower-case
names, ``05`` for ``5`` inside cron fields), but ``Schedule.expression`` is always written in the
canonical form EventBridge documents (single spaces, upper-case names, no leading zeros). Mistakes
that change meaning, or that EventBridge documents as invalid (``rate(5 minute)``, a 5-field Unix
cron, day-of-month and day-of-week both set), are rejected with a message saying what to write.

Cron syntax (EventBridge, not Unix): ``cron(Minutes Hours Day-of-month Month Day-of-week Year)``

=============  =================  ===============
Field          Values             Wildcards
=============  =================  ===============
Minutes        0-59               , - * /
Hours          0-23               , - * /
Day-of-month   1-31               , - * ? / L W
Month          1-12 or JAN-DEC    , - * /
Day-of-week    1-7 or SUN-SAT     , - * ? L #
Year           1970-2199          , - * /
=============  =================  ===============

Exactly one of day-of-month and day-of-week must be ``?``. Day-of-week 1 is Sunday.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Callable, Literal
from zoneinfo import ZoneInfo

__all__ = ["MAX_EXPRESSION_LENGTH", "Schedule", "ScheduleError", "next_fire_times", "parse_schedule"]

MAX_EXPRESSION_LENGTH = 256  # EventBridge's limit on ScheduleExpression

Backend = Literal["rule", "scheduler"]
Kind = Literal["rate", "cron", "at"]


class ScheduleError(ValueError):
    """A schedule was rejected.

    ``message`` says what is wrong, ``allowed`` what is allowed or how to fix it (may be "");
    ``str(error)`` joins them as ``"<message>; <allowed>"``, e.g.
    ``"'rate(5 minute)' is not valid: 5 needs the plural unit; use 'rate(5 minutes)'"``.
    """

    def __init__(self, message: str, allowed: str = "") -> None:
        self.message = message
        self.allowed = allowed
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.message}; {self.allowed}" if self.allowed else self.message


def _error(source: str, reason: str, allowed: str = "") -> ScheduleError:
    return ScheduleError(f"'{source}' is not valid: {reason}", allowed)


# --------------------------------------------------------------------------------------------
# Public data type
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    """A validated schedule.

    ``expression`` is the normalised EventBridge expression (what goes into Terraform), ``source``
    what the user wrote, unchanged; ``friendly`` is True when ``source`` was a friendly form.
    """

    expression: str
    kind: Kind
    source: str
    friendly: bool

    def describe(self) -> str:
        """Plain English, e.g. "every 5 minutes", "at 09:00 every day", "at 08:00 on Monday through Friday".

        Times are wall-clock times in the schedule's time zone (UTC for EventBridge rules).
        """
        if self.kind == "rate":
            value, unit = _parse_rate_expression(self.expression)
            return f"every {unit}" if value == 1 else f"every {value} {unit}s"
        if self.kind == "at":
            return f"once at {_parse_at_expression(self.expression).isoformat(sep=' ')}"
        return _describe_cron(_compile_cron(self.expression))


# --------------------------------------------------------------------------------------------
# Cron fields: data tables
# --------------------------------------------------------------------------------------------

_MONTH_NAMES = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAY_NAMES = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")  # EventBridge: 1 = SUN ... 7 = SAT
_MONTH_FULL = tuple(calendar.month_name[1:])
_DAY_FULL = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
_ORDINALS = ("first", "second", "third", "fourth", "fifth")


@dataclass(frozen=True)
class _FieldSpec:
    name: str
    low: int
    high: int
    wildcards: str  # as in the AWS table; decides which syntax the field accepts
    names: tuple[str, ...] = ()  # names[i] stands for low + i

    @property
    def takes(self) -> str:
        """What the field accepts, for error messages."""
        values = f"{self.low}-{self.high}"
        if self.names:
            values += f" or {self.names[0]}-{self.names[-1]}"
        if self.name == "day-of-week":
            values += " (1 = SUN, 7 = SAT)"
        return f"{self.name} takes {values} with the wildcards {self.wildcards}"


_MINUTES = _FieldSpec("minutes", 0, 59, ", - * /")
_HOURS = _FieldSpec("hours", 0, 23, ", - * /")
_DOM = _FieldSpec("day-of-month", 1, 31, ", - * ? / L W")
_MONTH = _FieldSpec("month", 1, 12, ", - * /", _MONTH_NAMES)
_DOW = _FieldSpec("day-of-week", 1, 7, ", - * ? L #", _DAY_NAMES)
_YEAR = _FieldSpec("year", 1970, 2199, ", - * /")
_SPECS = (_MINUTES, _HOURS, _DOM, _MONTH, _DOW, _YEAR)
_FIELD_ORDER = " ".join(s.name.capitalize() for s in _SPECS)


@dataclass(frozen=True)
class _Item:
    """One comma-separated element of a plain field: a value, a range or a step."""

    kind: Literal["all", "value", "range", "step"]
    start: int
    end: int
    step: int = 1


@dataclass(frozen=True)
class _Field:
    """A parsed cron field.

    ``values`` holds the matching values for plain fields (and the whole range for ``*`` and ``?``).
    ``special`` holds the calendar-dependent forms, which only make sense for a given month:
    ("L",) and ("LW",) and ("W", n) in day-of-month; ("nL", day) and ("#", day, k) in day-of-week.
    """

    text: str
    values: frozenset[int]
    items: tuple[_Item, ...] = ()
    special: tuple | None = None

    @property
    def is_question(self) -> bool:
        return self.text == "?"

    @property
    def is_star(self) -> bool:
        return self.text == "*"

    @property
    def single(self) -> int | None:
        """The value when the field is one plain number, else None."""
        if len(self.items) == 1 and self.items[0].kind == "value":
            return self.items[0].start
        return None


_DAY_SPECIAL = re.compile(r"(?:[0-9]*|[A-Z]{3})(?:L|LW|W|#[0-9]*)")  # L, W and # forms, for a clear message
_PLAIN = re.compile(r"(?P<start>\*|[0-9]+|[A-Z]+)(?:-(?P<end>[0-9]+|[A-Z]+))?(?:/(?P<step>.*))?")


def _parse_value(spec: _FieldSpec, token: str, source: str) -> int:
    if token.isdigit():
        value = int(token)
    elif spec.names:
        if token not in spec.names:
            raise _error(
                source,
                f"'{token}' is not a {spec.name} name",
                f"use {spec.names[0]}-{spec.names[-1]} or {spec.low}-{spec.high}",
            )
        return spec.low + spec.names.index(token)
    else:
        raise _error(source, f"'{token}' is not a number in {spec.name}", spec.takes)
    if spec is _DOW and value == 0:
        raise _error(
            source,
            "day-of-week 0 is out of range",
            "day-of-week is 1-7 or SUN-SAT with 1 = SUN and 7 = SAT (unlike Unix cron, 0 is not Sunday: use 1 or SUN)",
        )
    if not spec.low <= value <= spec.high:
        hint = "; use a four-digit year" if spec is _YEAR and value < 1000 else ""
        raise _error(source, f"{spec.name} value {token} is out of range", f"{spec.takes}{hint}")
    return value


def _canonical(token: str) -> str:
    """A value token as EventBridge documents it: names upper-case, numbers without leading zeros."""
    return str(int(token)) if token.isdigit() else token


def _parse_plain_item(spec: _FieldSpec, element: str, source: str) -> tuple[_Item, str]:
    match = _PLAIN.fullmatch(element)
    if match is None:
        raise _error(source, f"'{element}' is not valid in {spec.name}", spec.takes)
    start, end, step_text = match["start"], match["end"], match["step"]
    if start == "*" and end is not None:
        raise _error(source, f"'{element}' in {spec.name} is not a range", f"write a range as a-b, e.g. {spec.low}-{spec.low + 1}")
    if step_text is not None:
        if "/" not in spec.wildcards:
            raise _error(
                source,
                f"'/' (increments) is not allowed in {spec.name}",
                f"{spec.takes}; list the values instead, e.g. MON,WED,FRI",
            )
        if not step_text.isdigit() or int(step_text) < 1:
            raise _error(source, f"the increment in '{element}' must be a whole number of at least 1", f"e.g. */5 or {spec.low}/5")
    if start == "*":
        low, high = spec.low, spec.high
    else:
        low = _parse_value(spec, start, source)
        high = _parse_value(spec, end, source) if end is not None else (spec.high if step_text is not None else low)
    if low > high:
        wrap = f"{start}-{spec.names[-1] if start.isalpha() else spec.high},{spec.names[0] if end.isalpha() else spec.low}-{end}"
        raise _error(
            source,
            f"the range '{element}' in {spec.name} runs backwards ({start} is after {end}); EventBridge does not wrap ranges around",
            f"split it into two ranges: '{wrap}'",
        )
    if step_text is None:
        kind: Literal["value", "range", "all"] = "all" if start == "*" else ("range" if end is not None else "value")
        text = start if start == "*" else "-".join(_canonical(t) for t in (start, end) if t is not None)
        return _Item(kind, low, high), text
    step = int(step_text)
    if step > spec.high - spec.low:
        # Quartz, whose syntax EventBridge follows, rejects increments beyond the field (e.g. */60
        # in minutes). rsqgen bounds them by high - low: a wider increment can only ever produce its
        # start value, which is never what was meant (*/90 minutes fires hourly, not every 90).
        raise _error(
            source,
            f"the increment {step} in '{element}' is larger than the {spec.name} field can hold",
            f"use an increment of 1-{spec.high - spec.low}"
            + ("; for longer intervals use rate(), e.g. rate(90 minutes)" if spec in (_MINUTES, _HOURS) else ""),
        )
    head = "*" if start == "*" else "-".join(_canonical(t) for t in (start, end) if t is not None)
    return _Item("step", low, high, step), f"{head}/{step}"


def _parse_special(spec: _FieldSpec, element: str, source: str) -> tuple[tuple, frozenset[int], str] | None:
    """L, LW, nW in day-of-month; L, nL, n#k in day-of-week. None when ``element`` is not one of them."""
    if spec is _DOM:
        if element == "L":
            return ("L",), frozenset(), "L"
        if element == "LW":
            return ("LW",), frozenset(), "LW"
        if element.startswith("L-") or element.startswith("L+"):
            raise _error(source, f"'{element}' (an offset from the last day) is not supported", "use L for the last day of the month or LW for its last weekday")
        if element.endswith("W"):
            day_text = element[:-1]
            if not day_text.isdigit():
                raise _error(source, f"'{element}' is not valid in day-of-month", "W takes one day number, e.g. 15W (the weekday nearest the 15th), or LW; no ranges or lists")
            day = _parse_value(spec, day_text, source)
            return ("W", day), frozenset(), f"{day}W"
        if "L" in element or "W" in element:
            raise _error(source, f"'{element}' is not valid in day-of-month", "use L, LW or nW (e.g. 15W) on its own")
        return None
    if spec is _DOW:
        if element == "L":
            # EventBridge: "L in Day-of-week specifies the last day of the week", i.e. Saturday (7).
            return ("L",), frozenset({7}), "L"
        if "#" in element:
            day_text, _, k_text = element.partition("#")
            day = _parse_value(spec, day_text, source)
            if not k_text.isdigit() or not 1 <= int(k_text) <= 5:
                raise _error(source, f"'{element}': the occurrence after '#' must be 1-5", "e.g. 6#3 or FRI#3 for the third Friday of the month")
            return ("#", day, int(k_text)), frozenset(), f"{_canonical(day_text)}#{int(k_text)}"
        if element.endswith("L") and len(element) > 1:
            day_text = element[:-1]
            day = _parse_value(spec, day_text, source)
            return ("nL", day), frozenset(), f"{_canonical(day_text)}L"
    return None


def _parse_field(spec: _FieldSpec, text: str, source: str) -> _Field:
    everything = frozenset(range(spec.low, spec.high + 1))
    if text == "?":
        if "?" not in spec.wildcards:
            raise _error(source, f"'?' is not allowed in {spec.name}", "'?' is only allowed in day-of-month and day-of-week")
        return _Field("?", everything)
    elements = text.split(",")
    if any(e == "" for e in elements):
        raise _error(source, f"{spec.name} '{text}' has an empty list item", "separate values with single commas, e.g. 1,15")
    items: list[_Item] = []
    texts: list[str] = []
    for element in elements:
        if element == "?":
            raise _error(source, f"'?' must stand alone in {spec.name}", "use '?' on its own, or list values without it")
        if spec not in (_DOM, _DOW) and _DAY_SPECIAL.fullmatch(element):
            raise _error(source, f"'{element}' is not allowed in {spec.name}: L, W and # only exist in the day fields", spec.takes)
        special = _parse_special(spec, element, source)
        if special is not None:
            if len(elements) > 1:
                raise _error(
                    source,
                    f"'{element}' cannot be combined with other values in {spec.name}",
                    f"use '{element}' on its own: L, LW, nW, nL and n#k each stand alone in their field",
                )
            kind, values, canonical = special
            if spec is _DOW and kind == ("L",):
                return _Field("L", values, (_Item("value", 7, 7),))  # plain Saturday
            return _Field(canonical, values, (), kind)
        item, item_text = _parse_plain_item(spec, element, source)
        items.append(item)
        texts.append(item_text)
    values = frozenset(v for i in items for v in range(i.start, i.end + 1, i.step))
    return _Field(",".join(texts), values, tuple(items))


# --------------------------------------------------------------------------------------------
# Cron expressions
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Cron:
    minute: _Field
    hour: _Field
    dom: _Field
    month: _Field
    dow: _Field
    year: _Field

    @property
    def expression(self) -> str:
        fields = (self.minute, self.hour, self.dom, self.month, self.dow, self.year)
        return f"cron({' '.join(f.text for f in fields)})"

    def days(self, year: int, month: int) -> list[int]:
        """The days of ``month`` that match, ascending. Exactly one of dom/dow is '?'."""
        last = calendar.monthrange(year, month)[1]
        if self.dom.is_question:
            return _dow_days(self.dow, year, month, last)
        return _dom_days(self.dom, year, month, last)


def _nearest_weekday(year: int, month: int, day: int, last: int) -> int:
    """Quartz/EventBridge 'W': the Monday-Friday nearest ``day`` without leaving the month.

    Saturday moves back to Friday, except the 1st moves forward to Monday the 3rd; Sunday moves
    forward to Monday, except the last day of the month moves back to Friday.
    """
    weekday = date(year, month, day).weekday()  # Monday = 0
    if weekday == 5:
        return day - 1 if day > 1 else day + 2
    if weekday == 6:
        return day + 1 if day < last else day - 2
    return day


def _dom_days(field: _Field, year: int, month: int, last: int) -> list[int]:
    match field.special:
        case ("L",):
            return [last]
        case ("LW",):
            return [_nearest_weekday(year, month, last, last)]
        case ("W", day):
            # A nW for a day the month does not have (31W in April) does not fire that month.
            return [_nearest_weekday(year, month, day, last)] if day <= last else []
    return sorted(d for d in field.values if d <= last)


def _cron_weekday(d: date) -> int:
    """EventBridge day-of-week of a date: 1 = Sunday ... 7 = Saturday."""
    return (d.weekday() + 1) % 7 + 1


def _dow_days(field: _Field, year: int, month: int, last: int) -> list[int]:
    first_weekday = _cron_weekday(date(year, month, 1))

    def all_of(weekday: int) -> list[int]:
        return list(range(1 + (weekday - first_weekday) % 7, last + 1, 7))

    match field.special:
        case ("nL", weekday):
            return all_of(weekday)[-1:]
        case ("#", weekday, k):
            days = all_of(weekday)
            return [days[k - 1]] if k <= len(days) else []
    return sorted(d for weekday in field.values for d in all_of(weekday))


def _unix_dow_to_names(text: str) -> str | None:
    """Unix day-of-week (0-7, 0 and 7 = Sunday) as EventBridge names; None if not simply convertible."""
    days: set[int] = set()
    for element in text.upper().split(","):
        match = re.fullmatch(r"([0-7]|[A-Z]{3})(?:-([0-7]|[A-Z]{3}))?", element)
        if match is None:
            return None
        ends = []
        for token in match.groups():
            if token is None:
                continue
            if token.isdigit():
                ends.append(int(token))
            elif token in _DAY_NAMES:
                ends.append(_DAY_NAMES.index(token))
            else:
                return None
        low, high = ends[0], ends[-1]
        if low > high:
            return None
        days.update(d % 7 for d in range(low, high + 1))  # Unix numbering, 0 = Sunday
    # Compress consecutive days (EventBridge order SUN..SAT) into ranges.
    ordered = sorted(days)
    runs: list[list[int]] = []
    for d in ordered:
        if runs and d == runs[-1][-1] + 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    parts = [_DAY_NAMES[r[0]] if len(r) == 1 else f"{_DAY_NAMES[r[0]]}-{_DAY_NAMES[r[-1]]}" for r in runs]
    return ",".join(parts)


def _try_cron(fields: list[str]) -> str | None:
    """The normalised expression if ``fields`` make a valid 6-field cron, else None."""
    try:
        return _compile_cron(f"cron({' '.join(fields)})").expression
    except ScheduleError:
        return None


def _suggest_from_unix(fields: list[str]) -> str | None:
    """The EventBridge equivalent of a 5-field Unix cron, when one exists."""
    minute, hour, dom, month, dow = fields
    if dow in ("*", "?"):
        return _try_cron([minute, hour, "*" if dom == "?" else dom, month, "?", "*"])
    if dom in ("*", "?"):
        names = _unix_dow_to_names(dow)
        return _try_cron([minute, hour, "?", month, names, "*"]) if names else None
    return None  # Unix ORs the two day fields; EventBridge cannot express that in one rule


def _parse_cron_fields(inner: str, source: str) -> _Cron:
    fields = inner.upper().split()
    if len(fields) == 5:
        suggestion = _suggest_from_unix(fields)
        raise _error(
            source,
            f"EventBridge cron needs 6 fields ({_FIELD_ORDER}), this has 5 like Unix cron",
            f"use '{suggestion}'"
            if suggestion
            else "add a year field (usually *) and put '?' in day-of-month or day-of-week, e.g. cron(0 9 * * ? *)",
        )
    if len(fields) == 7:
        suggestion = _try_cron(fields[1:]) if fields[0] == "0" else None
        raise _error(
            source,
            "EventBridge cron has no seconds field: it needs 6 fields, this has 7",
            f"drop the leading seconds field: '{suggestion}'"
            if suggestion
            else f"write the 6 fields {_FIELD_ORDER}; minutes is the finest unit",
        )
    if len(fields) != 6:
        raise _error(source, f"EventBridge cron needs 6 fields ({_FIELD_ORDER}), this has {len(fields)}", "e.g. cron(0 9 * * ? *)")
    parsed = [_parse_field(spec, text, source) for spec, text in zip(_SPECS, fields)]
    cron = _Cron(*parsed)
    _check_day_fields(cron, source)
    return cron


def _check_day_fields(cron: _Cron, source: str) -> None:
    """EventBridge: exactly one of day-of-month and day-of-week must be '?'."""
    dom, dow = cron.dom, cron.dow

    def with_days(dom_text: str, dow_text: str) -> str:
        return _Cron(cron.minute, cron.hour, _Field(dom_text, frozenset()), cron.month, _Field(dow_text, frozenset()), cron.year).expression

    if dom.is_question and dow.is_question:
        raise _error(
            source,
            "day-of-month and day-of-week are both '?': exactly one of them must be '?'",
            f"use '{with_days('*', '?')}' for every day",
        )
    if not dom.is_question and not dow.is_question:
        if dow.is_star:
            fix = f"use '{with_days(dom.text, '?')}'"
        elif dom.is_star:
            fix = f"use '{with_days('?', dow.text)}'"
        else:
            fix = f"use '{with_days(dom.text, '?')}' (by day of month) or '{with_days('?', dow.text)}' (by day of week)"
        raise _error(source, "day-of-month and day-of-week cannot both be set: one of them must be '?'", fix)


@lru_cache(maxsize=512)
def _compile_cron(expression: str) -> _Cron:
    """Parse a ``cron(...)`` expression (already known to have the cron(...) wrapper)."""
    match = re.fullmatch(r"\s*cron\s*\((.*)\)\s*", expression, re.IGNORECASE | re.DOTALL)
    if match is None:
        raise _error(expression, "not a cron(...) expression", "e.g. cron(0 9 * * ? *)")
    return _parse_cron_fields(match[1], expression)


# --------------------------------------------------------------------------------------------
# rate() and at()
# --------------------------------------------------------------------------------------------

_RATE_UNITS = {"minute": "minute", "minutes": "minute", "hour": "hour", "hours": "hour", "day": "day", "days": "day"}
_UNIT_ALIASES = {
    "m": "minute", "min": "minute", "mins": "minute", "mn": "minute", "mns": "minute",
    "h": "hour", "hr": "hour", "hrs": "hour",
    "d": "day",
}  # fmt: skip
_SECOND_UNITS = {"s", "sec", "secs", "second", "seconds"}
_WEEK_UNITS = {"w", "wk", "wks", "week", "weeks"}
_CALENDAR_UNITS = {"mo", "month", "months", "y", "yr", "yrs", "year", "years"}
_RATE_EXAMPLES = "e.g. rate(1 minute), rate(5 minutes), rate(1 hour), rate(12 hours), rate(1 day), rate(7 days)"


def _rate(value: int, unit: str) -> str:
    """The canonical rate expression; ``unit`` is singular."""
    return f"rate({value} {unit}{'' if value == 1 else 's'})"


def _parse_rate_expression(expression: str) -> tuple[int, str]:
    """(value, singular unit) of a normalised rate expression."""
    value, unit = expression[len("rate(") : -1].split()
    return int(value), _RATE_UNITS[unit]


def _parse_rate(inner: str, source: str) -> str:
    tokens = inner.split()
    glued = re.fullmatch(r"(\d+)([A-Za-z]+)", tokens[0]) if len(tokens) == 1 else None
    if glued is not None:
        unit = _RATE_UNITS.get(glued[2].lower()) or _UNIT_ALIASES.get(glued[2].lower())
        value = int(glued[1])
        fix = f"use '{_rate(value, unit)}'" if unit and value > 0 else _RATE_EXAMPLES
        raise _error(source, "the value and the unit need a space between them", fix)
    if len(tokens) != 2:
        raise _error(source, "rate() takes a value and a unit", _RATE_EXAMPLES)
    value_text, unit_text = tokens[0], tokens[1].lower()
    if not value_text.isdigit():
        raise _error(
            source,
            f"the value '{value_text}' must be a whole number of at least 1",
            "use a smaller unit for fractions, e.g. rate(90 minutes) instead of rate(1.5 hours)",
        )
    value = int(value_text)
    if value == 0:
        raise _error(source, "the value must be at least 1", "e.g. rate(1 minute) or rate(5 minutes)")
    if unit_text in _SECOND_UNITS:
        raise _error(source, "EventBridge does not schedule in seconds", "the shortest interval is rate(1 minute)")
    if unit_text in _WEEK_UNITS:
        raise _error(
            source,
            f"'{tokens[1]}' is not a rate unit",
            f"use '{_rate(value * 7, 'day')}', or cron for a fixed weekday, e.g. cron(0 9 ? * MON *)",
        )
    if unit_text in _CALENDAR_UNITS:
        raise _error(source, f"'{tokens[1]}' is not a rate unit", "rate() takes minutes, hours or days; for monthly or yearly use cron, e.g. cron(0 9 1 * ? *)")
    if unit_text in _UNIT_ALIASES:
        raise _error(source, f"'{tokens[1]}' is not a rate unit", f"use '{_rate(value, _UNIT_ALIASES[unit_text])}'")
    if unit_text not in _RATE_UNITS:
        raise _error(source, f"'{tokens[1]}' is not a rate unit", "the units are minute, minutes, hour, hours, day and days")
    singular = _RATE_UNITS[unit_text]
    if value_text != str(value):
        raise _error(source, f"the value '{value_text}' has a leading zero", f"use '{_rate(value, singular)}'")
    if value == 1 and unit_text != singular:
        raise _error(source, "1 needs the singular unit", f"use '{_rate(1, singular)}'")
    if value > 1 and unit_text == singular:
        raise _error(source, f"{value} needs the plural unit", f"use '{_rate(value, singular)}'")
    return _rate(value, singular)


_AT_FORMAT = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})")


def _parse_at_expression(expression: str) -> datetime:
    """The naive wall-clock datetime of a normalised at() expression."""
    return datetime.fromisoformat(expression[len("at(") : -1])


def _parse_at(inner: str, source: str) -> str:
    text = inner.strip()
    example = "write at(yyyy-mm-ddThh:mm:ss), e.g. at(2025-03-31T09:00:00); the time zone is set separately"
    if re.fullmatch(r".*(Z|[+-]\d{2}:?\d{2})", text) and len(text) > 19:
        raise _error(source, "at() takes no time zone suffix", example)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}", text):
        raise _error(source, "at() needs seconds", f"use 'at({text.replace(' ', 'T')}:00)'")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", text):
        raise _error(source, "the date and the time are separated by 'T', not a space", f"use 'at({text.replace(' ', 'T')})'")
    match = _AT_FORMAT.fullmatch(text.upper())
    if match is None:
        raise _error(source, "at() needs a date and time as yyyy-mm-ddThh:mm:ss", example)
    try:
        when = datetime(*(int(g) for g in match.groups()))
    except ValueError as exc:
        raise _error(source, f"'{text}' is not a real date and time ({exc})", example) from None
    return f"at({when.isoformat()})"


# --------------------------------------------------------------------------------------------
# Friendly forms
# --------------------------------------------------------------------------------------------

_DAY_WORDS = {name.lower(): i + 1 for i, name in enumerate(_DAY_FULL)} | {name.lower(): i + 1 for i, name in enumerate(_DAY_NAMES)}
_WEEK_ORDER = (2, 3, 4, 5, 6, 7, 1)  # how day lists are written: Monday first, as people do


def _clock(text: str, source: str) -> tuple[int, int]:
    """(hour, minute) of a 24-hour H:MM or HH:MM time."""
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", text)
    allowed = "write the time as 24-hour HH:MM from 00:00 to 23:59, e.g. 09:00 or 17:30"
    if match is None:
        raise _error(source, f"'{text}' is not a time", allowed)
    hour, minute = int(match[1]), int(match[2])
    if hour > 23:
        raise _error(source, f"hour {hour} in '{text}' is out of range", allowed + (" (midnight is 00:00)" if hour == 24 else ""))
    if minute > 59:
        raise _error(source, f"minute {minute} in '{text}' is out of range", allowed)
    return hour, minute


def _daily_at(m: re.Match, source: str) -> str:
    hour, minute = _clock(m["time"], source)
    return f"cron({minute} {hour} * * ? *)"


def _weekly_at(days: str):
    def build(m: re.Match, source: str) -> str:
        hour, minute = _clock(m["time"], source)
        return f"cron({minute} {hour} ? * {days} *)"

    return build


def _days_at(m: re.Match, source: str) -> str:
    hour, minute = _clock(m["time"], source)
    chosen: set[int] = set()
    for word in re.split(r"\s*,\s*(?:and\s+)?|\s+and\s+", m["days"]):
        day = _DAY_WORDS.get(word) or (_DAY_WORDS.get(word[:-1]) if word.endswith("s") else None)
        if day is None:
            raise _error(source, f"'{word}' is not a day of the week", "use day names such as monday or mon, e.g. 'every monday, wednesday at 07:30'")
        chosen.add(day)
    days = ",".join(_DAY_NAMES[d - 1] for d in _WEEK_ORDER if d in chosen)
    return f"cron({minute} {hour} ? * {days} *)"


def _monthly_at(m: re.Match, source: str) -> str:
    hour, minute = _clock(m["time"], source)
    groups = m.groupdict()
    if groups.get("last"):
        day = "L"
    else:
        day_number = int(groups.get("day") or 1)
        if not 1 <= day_number <= 31:
            raise _error(source, f"day {day_number} is not a day of the month", "use a day from 1 to 31, or 'monthly on the last day at HH:MM'")
        day = str(day_number)
    return f"cron({minute} {hour} {day} * ? *)"


def _every(m: re.Match, source: str) -> str:
    value = int(m["n"]) if m["n"] else 1
    if value == 0:
        raise _error(source, "the interval must be at least 1", f"e.g. 'every 1 {m['unit'].rstrip('s')}' or 'every 5 {m['unit'].rstrip('s')}s'")
    return _rate(value, m["unit"].rstrip("s"))  # be kind: 'every 1 minutes' and 'every 5 minute' are fine


def _every_seconds(m: re.Match, source: str) -> str:
    raise _error(source, "EventBridge does not schedule in seconds", "the shortest interval is 'every minute' (rate(1 minute))")


def _every_week_or_more(m: re.Match, source: str) -> str:
    n = int(m["n"] or 1)
    if m["unit"].startswith("week"):
        raise _error(source, "weeks are not a rate unit", f"use 'every {7 * n} days' (rate({7 * n} days)), or a weekday form such as 'every monday at 09:00'")
    raise _error(source, f"'{m['unit']}' is not a rate unit", "use 'monthly on day D at HH:MM' or a cron expression, e.g. cron(0 9 1 * ? *)")


_TIME = r"at (?P<time>.+)"
_Builder = Callable[[re.Match[str], str], str]  # (match, source) -> EventBridge expression
_FRIENDLY: tuple[tuple[re.Pattern[str], _Builder], ...] = tuple(
    (re.compile(pattern), builder)
    for pattern, builder in (
        (r"every (?:(?P<n>\d+) )?(?P<unit>minutes?|hours?|days?)", _every),
        (r"every (?:(?P<n>\d+) )?(?P<unit>seconds?|secs?)", _every_seconds),
        (r"every (?:(?P<n>\d+) )?(?P<unit>weeks?|months?|years?)", _every_week_or_more),
        (r"hourly", lambda m, s: "rate(1 hour)"),
        (r"daily", lambda m, s: "cron(0 0 * * ? *)"),  # midnight (UTC for rules), what people mean by daily
        (rf"(?:daily|every day) {_TIME}", _daily_at),
        (rf"(?:on )?(?:weekdays|every weekday) {_TIME}", _weekly_at("MON-FRI")),
        (rf"(?:on )?(?:weekends|every weekend) {_TIME}", _weekly_at("SAT,SUN")),
        (rf"monthly {_TIME}", _monthly_at),
        (rf"monthly on (?:(?P<last>the last day)|(?:day |the )?(?P<day>\d+)(?:st|nd|rd|th)?) {_TIME}", _monthly_at),
        (rf"(?:every |on )?(?P<days>[a-z]+(?:(?:\s*,\s*(?:and\s+)?|\s+and\s+)[a-z]+)*) {_TIME}", _days_at),
    )
)

_FRIENDLY_EXAMPLES = "'every 5 minutes', 'hourly', 'daily at 09:00', 'weekdays at 08:30', 'every monday at 07:00', 'monthly on day 1 at 06:00'"


def _allowed_forms(backend: Backend) -> str:
    at = ", at(2025-03-31T09:00:00)" if backend == "scheduler" else ""
    return f"use rate(5 minutes), cron(0 9 * * ? *){at}, or a friendly form such as {_FRIENDLY_EXAMPLES}"


def _parse_friendly(text: str, source: str) -> str | None:
    normal = " ".join(text.lower().split())
    for pattern, builder in _FRIENDLY:
        match = pattern.fullmatch(normal)
        if match is not None:
            return builder(match, source)
    return None


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------

_CRON_TOKEN = re.compile(r"[0-9A-Za-z*?/,#\-]+")
_NUMERIC_TOKEN = re.compile(r"[0-9*/,\-]+")


def _looks_like_bare_cron(tokens: list[str]) -> bool:
    return 5 <= len(tokens) <= 7 and all(_CRON_TOKEN.fullmatch(t) for t in tokens) and all(_NUMERIC_TOKEN.fullmatch(t) for t in tokens[:2])


def parse_schedule(text: str, *, backend: Backend = "rule") -> Schedule:
    """Validate and normalise a schedule; raises ScheduleError saying what is wrong and what is allowed.

    ``backend`` is "rule" (EventBridge rules: rate and cron) or "scheduler" (EventBridge Scheduler:
    rate, cron and one-time at()). Friendly forms are translated, e.g. "daily at 09:00" ->
    ``cron(0 9 * * ? *)``; note that "daily" alone means midnight, ``cron(0 0 * * ? *)``, not
    ``rate(1 day)`` (which would fire 24 hours after whenever the rule was created).
    """
    if backend not in ("rule", "scheduler"):
        raise ValueError(f"backend must be 'rule' or 'scheduler', not {backend!r}")
    if not isinstance(text, str):
        raise ScheduleError(f"the schedule must be a string, not {type(text).__name__} ({text!r})", _allowed_forms(backend))
    return _parse_schedule(text, backend)


@lru_cache(maxsize=4096)
def _parse_schedule(text: str, backend: Backend) -> Schedule:
    """parse_schedule of a string: pure, so each distinct (text, backend) is parsed once (a large
    spec repeats its schedules; a Schedule is immutable). Errors are raised again, not kept."""
    source = text
    stripped = text.strip()
    if not stripped:
        raise ScheduleError("the schedule is empty", _allowed_forms(backend))

    kind: Kind
    wrapped = re.fullmatch(r"(rate|cron|at)\s*\((.*)", stripped, re.IGNORECASE | re.DOTALL)
    if wrapped is not None:
        kind = wrapped[1].lower()  # type: ignore[assignment]
        body = wrapped[2]
        if not body.endswith(")"):
            if ")" in body:
                raise _error(source, f"there is text after the closing ')' of {kind}(...)", "remove it; the expression ends at ')'")
            raise _error(source, f"{kind}( has no closing ')'", f"write {kind}(...) with the closing parenthesis")
        inner = body[:-1]
        if kind == "rate":
            expression = _parse_rate(inner, source)
        elif kind == "cron":
            expression = _parse_cron_fields(inner, source).expression
        else:
            if backend != "scheduler":
                raise _error(
                    source,
                    "one-time at() schedules exist only in EventBridge Scheduler, not in EventBridge rules",
                    "set `scheduler: scheduler` on the query, or use rate() or cron()",
                )
            expression = _parse_at(inner, source)
        friendly = False
    else:
        _reject_near_misses(stripped, source, backend)
        translated = _parse_friendly(stripped, source)
        if translated is None:
            raise _error(source, "this is not a schedule rsqgen understands", _allowed_forms(backend))
        expression = translated
        kind = "rate" if expression.startswith("rate(") else "cron"
        if kind == "cron":
            expression = _parse_cron_fields(expression[len("cron(") : -1], source).expression
        friendly = True

    if len(expression) > MAX_EXPRESSION_LENGTH:
        raise _error(source, f"the expression is {len(expression)} characters long", f"EventBridge allows at most {MAX_EXPRESSION_LENGTH}")
    return Schedule(expression=expression, kind=kind, source=source, friendly=friendly)


def _reject_near_misses(stripped: str, source: str, backend: Backend) -> None:
    """Precise messages for expressions written without their wrapper: 'rate 5 minutes', '*/5 * * * *'."""
    bare = re.fullmatch(r"(rate|cron|at)\s+(.+)", stripped, re.IGNORECASE | re.DOTALL)
    if bare is not None:
        kind = bare[1].lower()
        candidate = f"{kind}({bare[2].strip()})"
        try:
            fixed = parse_schedule(candidate, backend=backend).expression
        except ScheduleError:
            fixed = None
        raise _error(source, f"{kind} expressions need parentheses", f"use '{fixed}'" if fixed else f"write {kind}(...)")
    tokens = stripped.split()
    if _looks_like_bare_cron(tokens):
        upper = [t.upper() for t in tokens]
        if len(tokens) == 5:
            fixed = _suggest_from_unix(upper)
            reason = "this looks like a 5-field Unix cron; EventBridge needs cron(...) with 6 fields"
        elif len(tokens) == 6:
            fixed = _try_cron(upper)
            reason = "cron fields must be wrapped in cron(...)"
        else:
            fixed = _try_cron(upper[1:]) if upper[0] == "0" else None
            reason = "this looks like a 7-field cron with seconds; EventBridge needs cron(...) with 6 fields and no seconds"
        raise _error(
            source,
            reason,
            f"use '{fixed}'" if fixed else f"write cron({_FIELD_ORDER}), e.g. cron(0 9 * * ? *)",
        )


# --------------------------------------------------------------------------------------------
# Fire times
# --------------------------------------------------------------------------------------------


def _localize(naive: datetime, tz: ZoneInfo | timezone) -> datetime | None:
    """``naive`` as an aware time in ``tz``; None when the wall-clock time does not exist (DST gap).

    Ambiguous times (DST fold) get fold=0, the first occurrence.
    """
    aware = naive.replace(tzinfo=tz, fold=0)
    if aware.astimezone(timezone.utc).astimezone(tz).replace(tzinfo=None) != naive:
        return None
    return aware


def next_fire_times(schedule: Schedule, after: datetime, count: int, tz: ZoneInfo | None = None) -> list[datetime]:
    """The next ``count`` fire times strictly after ``after`` (an aware datetime), ascending.

    cron and at are evaluated as wall-clock times in ``tz`` (None = UTC) and returned as aware
    datetimes in that zone. In a DST gap, wall-clock times that do not exist are skipped; in a
    DST fold only the first occurrence fires.

    rate(): EventBridge counts a rate from when the rule or schedule was created, which is not
    known here, so this returns ``after + k * interval`` for k = 1..count (in ``tz``, or UTC).

    Fewer than ``count`` items come back when there are no more fire times: an at() in the past,
    a year range that has ended, or a day that never exists (``cron(0 0 30 2 ? *)``). The search
    ends at the last cron year, 2199, so it always terminates.
    """
    if after.tzinfo is None or after.utcoffset() is None:
        raise ValueError("after must be an aware datetime")
    zone: ZoneInfo | timezone = tz if tz is not None else timezone.utc
    if count <= 0:
        return []
    if schedule.kind == "rate":
        value, unit = _parse_rate_expression(schedule.expression)
        interval = timedelta(**{f"{unit}s": value})
        start = after.astimezone(timezone.utc)  # absolute arithmetic, not wall-clock
        return [(start + k * interval).astimezone(zone) for k in range(1, count + 1)]
    # Compare instants in UTC: Python compares two datetimes that share a tzinfo by wall-clock time
    # and ignores `fold`, which is wrong for an `after` in the second pass of a DST fold.
    after_utc = after.astimezone(timezone.utc)
    if schedule.kind == "at":
        when = _localize(_parse_at_expression(schedule.expression), zone)
        return [when] if when is not None and when.astimezone(timezone.utc) > after_utc else []
    return _cron_fire_times(_compile_cron(schedule.expression), after_utc, count, zone)


def _cron_fire_times(cron: _Cron, after_utc: datetime, count: int, zone: ZoneInfo | timezone) -> list[datetime]:
    """Walk wall-clock candidates in ascending order; with fold=0, that order is also time order."""
    start = after_utc.astimezone(zone)
    start_date = start.date()
    hours = sorted(cron.hour.values)
    minutes = sorted(cron.minute.values)
    found: list[datetime] = []
    for year in sorted(y for y in cron.year.values if y >= start.year):
        for month in sorted(cron.month.values):
            if (year, month) < (start.year, start.month):
                continue
            for day in cron.days(year, month):
                if date(year, month, day) < start_date:
                    continue
                for hour in hours:
                    for minute in minutes:
                        candidate = _localize(datetime(year, month, day, hour, minute), zone)
                        if candidate is None or candidate.astimezone(timezone.utc) <= after_utc:
                            continue
                        found.append(candidate)
                        if len(found) == count:
                            return found
    return found


# --------------------------------------------------------------------------------------------
# Descriptions
# --------------------------------------------------------------------------------------------


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _describe_items(field: _Field, render) -> str | None:
    """'Monday through Friday', 'January, April and July'; None if the field has steps or '*'."""
    parts = []
    for item in field.items:
        if item.kind == "value":
            parts.append(render(item.start))
        elif item.kind == "range":
            parts.append(f"{render(item.start)} through {render(item.end)}")
        else:
            return None
    return _join(parts) if parts else None


def _full_step(field: _Field, spec: _FieldSpec) -> int | None:
    """n when the field is */n or low/n (every n units from the start of the range)."""
    if len(field.items) == 1:
        item = field.items[0]
        if item.kind == "step" and item.start == spec.low and item.end == spec.high:
            return item.step
    return None


def _plural(noun: str, text: str) -> str:
    return f"{noun}s" if any(c in text for c in ",-/") else noun


def _describe_time(minute: _Field, hour: _Field) -> str:
    m, h = minute.single, hour.single
    if m is not None and h is not None:
        return f"at {h:02d}:{m:02d}"
    step = _full_step(minute, _MINUTES)
    if hour.is_star:
        if minute.is_star:
            return "every minute"
        if step:
            return f"every {step} minutes"
        return f"at {_plural('minute', minute.text)} {minute.text} of every hour"
    if m is not None and all(i.kind == "value" for i in hour.items):
        return "at " + _join([f"{v:02d}:{m:02d}" for v in sorted(hour.values)])
    hours = f"{_plural('hour', hour.text)} {hour.text}"
    if minute.is_star:
        return f"every minute during {hours}"
    if step:
        return f"every {step} minutes during {hours}"
    return f"at {_plural('minute', minute.text)} {minute.text} of {hours}"


def _describe_days(cron: _Cron) -> str:
    dom, dow = cron.dom, cron.dow
    if dom.is_question:
        match dow.special:
            case ("nL", day):
                return f"on the last {_DAY_FULL[day - 1]} of the month"
            case ("#", day, k):
                return f"on the {_ORDINALS[k - 1]} {_DAY_FULL[day - 1]} of the month"
        if dow.is_star:
            return "every day"
        days = _describe_items(dow, lambda v: _DAY_FULL[v - 1])
        return f"on {days}" if days else f"on days of the week {dow.text}"
    match dom.special:
        case ("L",):
            return "on the last day of the month"
        case ("LW",):
            return "on the last weekday of the month"
        case ("W", day):
            return f"on the weekday nearest day {day} of the month"
    if dom.is_star:
        return "every day"
    step = _full_step(dom, _DOM)
    if step:
        return f"every {step} days of the month from day 1"
    days = _describe_items(dom, str)
    return f"on {_plural('day', dom.text)} {days} of the month" if days else f"on days of the month {dom.text}"


def _describe_cron(cron: _Cron) -> str:
    time = _describe_time(cron.minute, cron.hour)
    days = _describe_days(cron)
    parts = [time]
    if not (days == "every day" and "every" in time):
        parts.append(days)
    if not cron.month.is_star:
        months = _describe_items(cron.month, lambda v: _MONTH_FULL[v - 1])
        parts.append(f"in {months}" if months else f"in months {cron.month.text}")
    if not cron.year.is_star:
        years = _describe_items(cron.year, str)
        parts.append(f"in {years}" if years else f"in years {cron.year.text}")
    return " ".join(parts)

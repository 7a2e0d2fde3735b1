"""German opening-hours text → HSDS schedules (RFC 5545 ``freq``/``byday``), and "open now".

The parser is deliberately conservative: a time range must follow the days it belongs to, and
if any part of the text cannot be read the whole text stays unstructured (no schedules at all).
Half a timetable would make "open now" claim things the source never said.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

_DAY_WORDS = {
    "montag": "MO", "dienstag": "TU", "mittwoch": "WE", "donnerstag": "TH", "freitag": "FR",
    "samstag": "SA", "sonnabend": "SA", "sonntag": "SU",
}
_DAY_ABBR = {"Mo": "MO", "Di": "TU", "Mi": "WE", "Do": "TH", "Fr": "FR", "Sa": "SA", "So": "SU"}
_DAY = (r"(?P<day>(?i:montags?|dienstags?|mittwochs?|donnerstags?|freitags?|samstags?|"
        r"sonntags?|sonnabends?)|(?:Mo|Di|Mi|Do|Fr|Sa|So)\b\.?)")
_TIME = r"(\d{1,2})(?:[.:](\d{2}))?"
_TOKEN = re.compile(
    rf"(?P<range>{_TIME}\s*(?:Uhr\s*)?(?:–|-|bis)\s*{_TIME}\s*(?:Uhr)?)"
    rf"|{_DAY}"
    r"|(?P<dash>\s*(?:–|-|bis)\s*)"
    r"|(?P<last>(?i:letzten))"
    r"|(?P<daily>(?i:täglich|werktags))"
    r"|(?P<always>(?i:rund um die uhr|24/7|24 stunden))"
)
_FILLER = re.compile(r"(?i)^[\s,;:.]*(und|auch|zusätzlich|sowie|jeden|jede|im monat|uhr|an|"
                     r"hotline|anmeldung|oder|,|;|:|\.|\s)*$")

_NOTE_PATTERNS = (
    (re.compile(r"(?i)schulferien"), "not in school holidays"),
    (re.compile(r"(?i)letzten\s+(\w+)\s+im\s+monat"), "last {0} of the month"),
    (re.compile(r"(?i)stand\s+(\d{4})"), "as of {0}"),
    (re.compile(r"(?i)älterer stand"), "older information"),
    (re.compile(r"(?i)^\s*hotline"), "hotline"),
    (re.compile(r"(?i)^\s*anmeldung"), "registration desk"),
    (re.compile(r"(?i)täglich"), "'täglich' read as Monday to Friday"),
)
_ENGLISH_DAY = {"donnerstag": "Thursday", "mittwoch": "Wednesday", "montag": "Monday",
                "dienstag": "Tuesday", "freitag": "Friday", "samstag": "Saturday",
                "sonntag": "Sunday"}


@dataclass(frozen=True)
class ParsedSchedule:
    """One HSDS schedule row: ``freq`` WEEKLY or MONTHLY, ``byday`` like ``MO,TU`` or ``-1TH``."""

    freq: str
    byday: str
    opens_at: str
    closes_at: str
    description: str
    notes: str | None


def _hhmm(hour: str, minute: str | None) -> str:
    h, m = int(hour), int(minute or 0)
    if not (0 <= h <= 24 and 0 <= m < 60) or (h == 24 and m):
        raise ValueError("time out of range")
    return f"{h:02d}:{m:02d}"


def _day_code(text: str) -> str:
    text = text.rstrip(".")
    if text in _DAY_ABBR:
        return _DAY_ABBR[text]
    return _DAY_WORDS[text.lower().rstrip("s")]


def _notes(text: str) -> str | None:
    notes = []
    for pattern, note in _NOTE_PATTERNS:
        match = pattern.search(text)
        if match:
            args = [_ENGLISH_DAY.get(g.lower().rstrip("s"), g) for g in match.groups()]
            notes.append(note.format(*args))
    return "; ".join(notes) or None


def _parse_block(block: str) -> list[ParsedSchedule] | None:
    """Schedules of one ';'-separated block, or None when some part is unreadable."""
    description = block.strip(" ,;")
    notes = _notes(description)
    text = re.sub(r"\([^)]*\)", " ", block)
    # Free text between tokens must be harmless filler or a known note; otherwise give up.
    results: list[ParsedSchedule] = []
    days: list[str] = []
    last_days: list[str] = []
    range_open = False
    monthly_last = False
    pos = 0
    for match in _TOKEN.finditer(text):
        gap = text[pos:match.start()]
        pos = match.end()
        if gap.strip() and not _FILLER.match(gap) and not _notes(gap):
            # Unknown words between tokens: a note if it is after the last time, else unreadable
            if days or not results:
                return None
        kind = match.lastgroup
        if kind == "day":
            code = _day_code(match.group("day"))
            if range_open and days:
                start, end = WEEKDAYS.index(days[-1]), WEEKDAYS.index(code)
                if end < start:
                    return None
                days.extend(WEEKDAYS[start + 1:end + 1])
                range_open = False
            else:
                days.append(code)
        elif kind == "dash":
            range_open = bool(days)
        elif kind == "last":
            monthly_last = True
        elif kind == "daily":
            days.extend(WEEKDAYS[:5])
        elif kind == "always":
            return [ParsedSchedule("WEEKLY", ",".join(WEEKDAYS), "00:00", "24:00",
                                   description, notes)]
        elif kind == "range":
            use = days or last_days
            if not use:
                return None
            groups = match.groups()
            try:
                opens, closes = _hhmm(groups[1], groups[2]), _hhmm(groups[3], groups[4])
            except ValueError:
                return None
            if closes <= opens:
                return None
            if monthly_last:
                byday, freq = ",".join(f"-1{d}" for d in use), "MONTHLY"
            else:
                byday, freq = ",".join(dict.fromkeys(use)), "WEEKLY"
            results.append(ParsedSchedule(freq, byday, opens, closes, description, notes))
            last_days, days, range_open, monthly_last = use, [], False, False
    if days:  # days named without any time: unreadable
        return None
    return results


def parse_opening_hours(text: str | None) -> list[ParsedSchedule]:
    """Structured schedules for ``text``; ``[]`` if the text is missing or not fully readable."""
    if not text:
        return []
    schedules: list[ParsedSchedule] = []
    for block in text.split(";"):
        if not block.strip():
            continue
        parsed = _parse_block(block)
        if not parsed:
            return []
        schedules.extend(parsed)
    return schedules


def uncertain(notes: str | None) -> bool:
    """Exceptions we cannot evaluate (the school-holiday calendar is not in the catalogue)."""
    return bool(notes) and "school holidays" in notes


def now_berlin(now: dt.datetime | None = None) -> dt.datetime:
    """``now`` in Europe/Berlin; a naive ``now`` is taken as Berlin wall-clock time."""
    if now is None:
        return dt.datetime.now(BERLIN)
    if now.tzinfo is None:
        return now.replace(tzinfo=BERLIN)
    return now.astimezone(BERLIN)


def day_tokens(now: dt.datetime) -> list[str]:
    """``byday`` values that apply on ``now``'s date: ``TH``, ``-1TH`` on a month's last Thursday,
    ``2TH`` on its second Thursday."""
    code = WEEKDAYS[now.weekday()]
    tokens = [code, f"{(now.day - 1) // 7 + 1}{code}"]
    if now.day + 7 > calendar.monthrange(now.year, now.month)[1]:
        tokens.append(f"-1{code}")
    return tokens


def is_open(rows: list[dict], now: dt.datetime) -> bool | None:
    """Whether a service with these schedule rows is open at ``now``; None without a schedule or
    when it would be open but an exception we cannot check (school holidays) applies."""
    structured = [r for r in rows if r.get("freq") and r.get("opens_at") and r.get("closes_at")]
    if not structured:
        return None
    now = now_berlin(now)
    clock = now.strftime("%H:%M")
    tokens = set(day_tokens(now))
    verdict: bool | None = False
    for row in structured:
        days = set(row["byday"].split(","))
        if row["freq"] == "WEEKLY":
            applies = WEEKDAYS[now.weekday()] in days
        else:
            applies = bool(days & tokens)
        if applies and row["opens_at"] <= clock < row["closes_at"]:
            if not uncertain(row.get("notes")):
                return True
            verdict = None
    return verdict

"""The comparison for `deemed batch`: a straightforward Python script that does the same job.

It reads a JSON Lines notice log, resolves each record under section 4.2 of the reference
agreement (the clauses and the gap policy of rules/spa-2000-02-25.rules, written out by
hand), and writes one JSON Lines record per input line with the same fields. Business days
come from the `holidays` package (United States federal holidays, with the Federal Reserve's
rule: a Sunday holiday is observed on Monday, a Saturday one is not moved).

    pip install holidays==0.109
    python3 benches/batch_reference.py log.jsonl > out.jsonl
"""

import datetime
import json
import sys
from zoneinfo import ZoneInfo

import holidays

NY = ZoneInfo("America/New_York")
FAXES = {
    "company": {"9497886706"},
    "montrose": {"2147581221"},
    "strong-river": set(),
    "counsel": {"2125414630", "2125411432"},
}
METHODS = {"fax", "courier", "hand", "mail", "email"}
EIGHT_PM = datetime.time(20, 0, 0)
ELEVEN_FIFTY_NINE = datetime.time(23, 59, 0)


class FedCalendar:
    def __init__(self):
        self.years = {}

    def closed(self, day):
        year = self.years.get(day.year)
        if year is None:
            year = set()
            for y in (day.year - 1, day.year, day.year + 1):
                for d in holidays.US(years=y, observed=False):
                    if d.weekday() == 6:
                        d = d + datetime.timedelta(days=1)
                    if d.weekday() < 5 and d.year == day.year:
                        year.add(d)
            self.years[day.year] = year
        return day.weekday() >= 5 or day in year

    def next_business_day(self, day):
        day = day + datetime.timedelta(days=1)
        while self.closed(day):
            day = day + datetime.timedelta(days=1)
        return day


CAL = FedCalendar()


def digits(number):
    d = "".join(c for c in number if c.isdigit())
    return d[1:] if len(d) == 11 and d.startswith("1") else d


def instant(text):
    t = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if t.tzinfo is None:
        t = t.replace(tzinfo=NY)
    return t


def midnight(day):
    return datetime.datetime.combine(day, datetime.time(0), tzinfo=NY)


def resolve(d):
    method = d.get("method")
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}")
    sent = instant(d["sent"])
    received = instant(d["received"]) if d.get("received") else None
    local = sent.astimezone(NY)
    day, time = local.date(), local.time().replace(microsecond=0)
    to = d.get("to")
    if to is not None and to not in FAXES:
        raise ValueError(f"unknown party {to!r}")
    if method == "fax":
        designated = to is None or (
            bool(FAXES[to]) and (d.get("fax_number") is None or digits(d["fax_number"]) in FAXES[to])
        )
        if designated and time < EIGHT_PM and not CAL.closed(day):
            return day, sent, "i", "effective"
        if designated and EIGHT_PM < time < ELEVEN_FIFTY_NINE:
            return CAL.next_business_day(day), None, "ii", "effective"
        if designated and time == EIGHT_PM:
            return CAL.next_business_day(day), None, "at-eight-pm", "gap"
        if designated and time >= ELEVEN_FIFTY_NINE:
            return CAL.next_business_day(day), None, "after-eleven-fifty-nine", "gap"
        if designated:
            return CAL.next_business_day(day), None, "before-eight-pm-non-business-day", "gap"
        if received is None:
            return None, None, "not-designated-number", "gap"
        return received.astimezone(NY).date(), received, "not-designated-number", "gap"
    if method == "courier":
        return CAL.next_business_day(day), None, "iii", "effective"
    if received is None:
        return None, None, "iv", "pending"
    return received.astimezone(NY).date(), received, "iv", "effective"


def main():
    out = sys.stdout
    for n, line in enumerate(open(sys.argv[1], encoding="utf-8", errors="replace"), 1):
        record = {"id": None, "line": n, "deemed_date": None, "effective_at": None,
                  "clause": None, "status": "error", "warnings": [], "error": None}
        try:
            data = json.loads(line)
            record["id"] = data.get("id")
            best = None
            for d in data.get("deliveries") or [data]:
                day, at, clause, status = resolve(d)
                if day is not None:
                    at = max(at or midnight(day), instant(d["sent"])).astimezone(NY)
                if best is None or (at is not None and (best[1] is None or at < best[1])):
                    best = (day, at, clause, status)
            day, at, clause, status = best
            record.update(deemed_date=day and day.isoformat(), effective_at=at and at.isoformat(),
                          clause=clause, status=status)
        except Exception as e:  # noqa: BLE001 - every bad line becomes an error record
            record["error"] = {"line": n, "message": str(e)}
        out.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    main()

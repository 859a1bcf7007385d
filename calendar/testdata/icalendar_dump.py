#!/usr/bin/env python3
"""Parse iCalendar files with the independent `icalendar` library (Debian's
python3-icalendar) and print, as JSON, what a calendar client would show:
per file the calendar name and, per VEVENT, its UID, texts, instants in UTC,
status, sequence and relations. Used by calendar/python_test.go."""
import json
import sys
from datetime import timezone

from icalendar import Calendar


def text(component, name):
    value = component.get(name)
    return "" if value is None else str(value)


def utc(component, name):
    value = component.decoded(name)
    if value.tzinfo is None:
        raise SystemExit("%s of %s is floating" % (name, component.get("UID")))
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def categories(component):
    value = component.get("CATEGORIES")
    if value is None:
        return []
    if isinstance(value, list):  # several CATEGORIES lines
        return [str(c) for v in value for c in getattr(v, "cats", [v])]
    return [str(c) for c in getattr(value, "cats", [value])]


feeds = []
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        cal = Calendar.from_ical(f.read())
    events = []
    for ev in cal.walk("VEVENT"):
        events.append({
            "uid": text(ev, "UID"),
            "summary": text(ev, "SUMMARY"),
            "description": text(ev, "DESCRIPTION"),
            "location": text(ev, "LOCATION"),
            "start": utc(ev, "DTSTART"),
            "end": utc(ev, "DTEND"),
            "tzid": str(ev.get("DTSTART").params.get("TZID", "")),
            "status": text(ev, "STATUS"),
            "sequence": int(ev.get("SEQUENCE", 0)),
            "related": text(ev, "RELATED-TO"),
            "categories": categories(ev),
            "conference": text(ev, "CONFERENCE"),
            "conference_params": {k: str(v) for k, v in ev.get("CONFERENCE").params.items()} if ev.get("CONFERENCE") is not None else {},
        })
    feeds.append({"name": text(cal, "NAME"), "calname": text(cal, "X-WR-CALNAME"), "events": events})
json.dump(feeds, sys.stdout, ensure_ascii=False)

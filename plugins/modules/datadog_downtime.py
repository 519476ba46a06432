#!/usr/bin/python
# Copyright: datadog_exercise.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module: manage a Datadog downtime (API v2) idempotently."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: datadog_downtime
short_description: Manage Datadog downtimes (API v2) by name, with friendly recurring schedules
version_added: 0.1.0
description:
  - Schedules, updates or cancels a Datadog downtime through the v2 API.
  - >-
    B(Natural key.) Datadog downtimes have no name. The module stores O(name) as the last line of
    the downtime's message, C([ansible-name: NAME]) (after a blank line when there is a message),
    and finds the downtime again by listing current downtimes (C(GET /api/v2/downtime?current_only=true),
    paged) and matching that line. Several live downtimes with the same name is an error.
    The C(message) returned and compared is the message without that line.
  - A downtime can also be identified by O(id). Cancelled and ended downtimes count as absent.
  - B(Schedule.) One-time with O(start)/O(end), or recurring with O(recurrences); each item is
    either friendly (O(recurrences[].days), O(recurrences[].start_time) and one of
    O(recurrences[].end_time), O(recurrences[].duration), O(recurrences[].all_day)) or a raw
    O(recurrences[].rrule) (RFC 5545 without DTSTART/DTEND/DURATION) with a duration. Everything
    is turned into v2 recurrences (C(rrule), C(start), C(duration)) in O(timezone).
  - When a recurrence has no O(recurrences[].start_date), the first occurrence is the next
    matching day; only its time of day is compared afterwards, so the task stays idempotent.
  - Flow - read, normalise (server defaults for notify_end_states/types, sets as sets, durations by
    length so C(24h) equals C(1d)), compare, and write (PATCH) only what differs.
author:
  - Datadog exercise maintainers (@datadog-exercise)
extends_documentation_fragment:
  - datadog_exercise.stack.datadog
  - datadog_exercise.stack.datadog.ATTRIBUTES
options:
  state:
    description:
      - V(present) schedules or updates the downtime; V(absent) cancels it.
    type: str
    choices: [present, absent]
    default: present
  name:
    description:
      - Caller-chosen name, the natural key (stored in the message, see above). One line, no C(]).
      - Required to create a downtime.
    type: str
  id:
    description: Downtime ID (a UUID); identifies the downtime when set.
    type: str
  monitor_id:
    description: Silence this monitor only. Mutually exclusive with O(monitor_tags).
    type: int
  monitor_tags:
    description:
      - Silence the monitors that have all these tags. V([*]) (the default when neither this nor
        O(monitor_id) is set) means all monitors.
    type: list
    elements: str
  scope:
    description: Scope the downtime applies to, for example C(host:web-1) or C(env:prod AND team:ops).
    type: str
    default: "*"
  downtime_message:
    description: Message sent with notifications about the downtime.
    type: str
  timezone:
    description: IANA timezone of the schedule (for example C(Europe/Paris)).
    type: str
    default: UTC
  start:
    description:
      - One-time downtime start, ISO 8601 (C(2025-01-31T19:00:00+01:00); without offset, in O(timezone)).
      - Not set means "now" (and the start is then not compared).
    type: str
  end:
    description: One-time downtime end (ISO 8601). Not set means no end.
    type: str
  recurrences:
    description: Recurring schedule; mutually exclusive with O(start)/O(end).
    type: list
    elements: dict
    suboptions:
      days:
        description: Days of week (V(mon) ... V(sun), or full names). Friendly form.
        type: list
        elements: str
      start_time:
        description: Local start time C(HH:MM) in O(timezone) (default C(00:00)).
        type: str
      end_time:
        description: Local end time C(HH:MM); earlier than O(recurrences[].start_time) means the next day.
        type: str
      duration:
        description: Length of each occurrence, for example C(14h), C(2d), C(90m), C(1h30m).
        type: str
      all_day:
        description: Whole days (start 00:00, 24 hours).
        type: bool
      start_date:
        description: Date of the first occurrence C(YYYY-MM-DD) (default the next matching day, not compared).
        type: str
      rrule:
        description:
          - Raw rule, for example C(FREQ=MONTHLY;BYMONTHDAY=1).
          - Raw form; use with O(recurrences[].duration).
        type: str
      start:
        description: Raw form - local first start C(YYYY-MM-DDTHH:MM) (no offset).
        type: str
  notify_end_states:
    description: Monitor states that notify when the downtime ends (Datadog default all three).
    type: list
    elements: str
    choices: [alert, "no data", warn]
  notify_end_types:
    description: Downtime end types that notify (Datadog default both).
    type: list
    elements: str
    choices: [canceled, expired]
  mute_first_recovery_notification:
    description: Mute the first recovery notification after the downtime.
    type: bool
    default: false
seealso:
  - module: datadog_exercise.stack.datadog_monitor
  - name: Datadog downtimes API (v2)
    description: Downtimes API reference.
    link: https://docs.datadoghq.com/api/latest/downtimes/
"""

EXAMPLES = r"""
- name: Silence my_metric's monitor on weekday nights (19:00 to 09:00)
  datadog_exercise.stack.datadog_downtime:
    name: weekday-nights
    monitor_id: "{{ monitor.id }}"
    timezone: Europe/Paris
    recurrences:
      - days: [mon, tue, wed, thu, fri]
        start_time: "19:00"
        end_time: "09:00"
    downtime_message: Out of office hours @ops@example.com

- name: Silence it all weekend
  datadog_exercise.stack.datadog_downtime:
    name: weekends
    monitor_id: "{{ monitor.id }}"
    timezone: Europe/Paris
    recurrences:
      - days: [sat, sun]
        all_day: true

- name: First day of each month, raw rrule
  datadog_exercise.stack.datadog_downtime:
    name: monthly-maintenance
    monitor_tags: [team:ops]
    scope: env:prod
    recurrences:
      - rrule: FREQ=MONTHLY;BYMONTHDAY=1
        start: "2025-02-01T02:00"
        duration: 2h

- name: One-time maintenance window
  datadog_exercise.stack.datadog_downtime:
    name: db-upgrade
    scope: host:db-1
    start: "2025-03-01T22:00:00+01:00"
    end: "2025-03-02T02:00:00+01:00"

- name: Cancel the weekend downtime
  datadog_exercise.stack.datadog_downtime:
    name: weekends
    state: absent
"""

RETURN = r"""
id:
  description: Downtime ID (null when a check-mode run would create it, or it is absent).
  returned: always
  type: str
  sample: 00000000-0000-1234-0000-000000000000
downtime:
  description:
    - The downtime's attributes as Datadog returned them, plus C(id) and C(name).
    - C(message) is without the name line.
    - Empty when absent.
  returned: always
  type: dict
  sample:
    id: 00000000-0000-1234-0000-000000000000
    name: weekday-nights
    message: Out of office hours @ops@example.com
    scope: "*"
    status: scheduled
    monitor_identifier: {monitor_id: 123456}
    schedule:
      timezone: Europe/Paris
      recurrences:
        - {rrule: "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", start: "2025-01-06T19:00", duration: 14h}
diff:
  description: Normalised downtime before and after (empty dict = absent).
  returned: always
  type: dict
  sample:
    before: {}
    after:
      name: weekends
      scope: "*"
      schedule:
        timezone: Europe/Paris
        recurrences: [{rrule: "FREQ=WEEKLY;BYDAY=SA,SU", start: "00:00", duration: 1d}]
"""

from ansible_collections.datadog_exercise.stack.plugins.module_utils.common import DatadogModule
from ansible_collections.datadog_exercise.stack.plugins.module_utils.downtime import ensure

RECURRENCE = {
    "days": {"type": "list", "elements": "str"},
    "start_time": {"type": "str"},
    "end_time": {"type": "str"},
    "duration": {"type": "str"},
    "all_day": {"type": "bool"},
    "start_date": {"type": "str"},
    "rrule": {"type": "str"},
    "start": {"type": "str"},
}


def main() -> None:
    module = DatadogModule(
        argument_spec={
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
            "name": {"type": "str"},
            "id": {"type": "str"},
            "monitor_id": {"type": "int"},
            "monitor_tags": {"type": "list", "elements": "str"},
            "scope": {"type": "str", "default": "*"},
            "downtime_message": {"type": "str"},
            "timezone": {"type": "str", "default": "UTC"},
            "start": {"type": "str"},
            "end": {"type": "str"},
            "recurrences": {"type": "list", "elements": "dict", "options": RECURRENCE},
            "notify_end_states": {"type": "list", "elements": "str", "choices": ["alert", "no data", "warn"]},
            "notify_end_types": {"type": "list", "elements": "str", "choices": ["canceled", "expired"]},
            "mute_first_recovery_notification": {"type": "bool", "default": False},
        },
        required_one_of=[("name", "id")],
        mutually_exclusive=[("monitor_id", "monitor_tags"), ("recurrences", "start"), ("recurrences", "end")],
        supports_check_mode=True,
    )
    module.run(ensure)


if __name__ == "__main__":
    main()

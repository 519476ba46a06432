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
    and finds the downtime again by listing all downtimes (C(GET /api/v2/downtime), paged, without
    C(current_only), which only returns downtimes active at that moment and would miss a recurring
    downtime between its windows) and matching that line among the live ones (status C(active) or
    C(scheduled)). Several live downtimes with the same name is an error.
    The C(message) returned and compared is the message without that line.
  - A downtime can also be identified by O(id). Cancelled and ended downtimes count as absent; they
    are never changed. Datadog keeps listing them for a while - when only ended or cancelled
    downtimes carry O(name), a new one is created, a warning names them and RV(ended_ids) lists them.
  - B(Windows in the past.) A one-time O(end) in the past, or a recurrence with no occurrence that
    ends after now (a past C(UNTIL), a C(COUNT) used up, a rule that never occurs such as
    C(FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30)) is bad input - the task fails before any request,
    instead of creating a downtime that is already over (and again on every run).
  - B(Schedule.) One-time with O(start)/O(end), or recurring with O(recurrences); each item is
    either friendly (O(recurrences[].days), O(recurrences[].start_time) and one of
    O(recurrences[].end_time), O(recurrences[].duration), O(recurrences[].all_day)) or a raw
    O(recurrences[].rrule) (RFC 5545 without DTSTART/DTEND/DURATION) with a duration. Everything
    is turned into v2 recurrences (C(rrule), C(start), C(duration)) in O(timezone).
  - Raw rules are checked against RFC 5545 before any request - known parts only (FREQ, UNTIL,
    COUNT, INTERVAL, BYSECOND, BYMINUTE, BYHOUR, BYDAY, BYMONTHDAY, BYYEARDAY, BYWEEKNO, BYMONTH,
    BYSETPOS, WKST), values in range, numbered C(BYDAY) (C(1MO), C(-1FR)) only with C(FREQ=MONTHLY)
    or C(FREQ=YEARLY), C(BYMONTHDAY) not with C(WEEKLY), C(BYWEEKNO) only with C(YEARLY), positive
    C(INTERVAL) and C(COUNT), C(UNTIL) in UTC (C(20251231T000000Z)), and C(COUNT) only with a fixed
    first start. Occurrences are computed with python-dateutil (a dependency of datadog-api-client).
  - When a recurrence has no O(recurrences[].start_date), the first occurrence is the next
    matching day; only its time of day is compared afterwards, so the task stays idempotent.
  - Flow - read, normalise (server defaults for notify_end_states/types, sets as sets, durations by
    length so C(24h) equals C(1d)), compare, and write (PATCH) only what differs.
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
    description:
      - Silence this monitor only. Mutually exclusive with O(monitor_tags).
      - An explicit null (for example the templated id of a monitor that does not exist yet) is an
        error, never "all monitors".
      - To create a downtime, give O(monitor_id) or O(monitor_tags). When updating an existing
        downtime and neither is given, its monitors are left as they are.
    type: int
  monitor_tags:
    description:
      - Silence the monitors that have all these tags. V([*]) means all monitors; it must be given
        explicitly (there is no default). An empty list is an error.
    type: list
    elements: str
  scope:
    description:
      - Scope the downtime applies to - V(*), or C(key:value) terms joined with C(AND), C(OR),
        C(NOT), for example C(host:web-1), C(env:prod AND team:ops), C(env:(prod OR staging)).
      - A term without C(key:) is an error (Datadog answers C(All values must have a key)).
    type: str
    default: "*"
  downtime_message:
    description: Message sent with notifications about the downtime.
    type: str
  timezone:
    description: IANA timezone of the schedule (for example C(Europe/Paris)).
    type: str
    default: UTC
  display_timezone:
    description:
      - IANA timezone in which Datadog shows the downtime's start and end (C(display_timezone)).
      - Defaults to O(timezone), and is always sent, so changing O(timezone) changes both.
      - For a recurring downtime it must equal O(timezone) (Datadog answers HTTP 400
        C(timezone must match display_timezone) otherwise); it may differ for a one-time downtime.
    type: str
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
# The API modules run on the controller: in a play with several hosts, add run_once: true
# (otherwise every host creates its own copy at the same time).
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

- name: One-time maintenance window on every monitor (a window wholly in the past is an error)
  datadog_exercise.stack.datadog_downtime:
    name: db-upgrade
    monitor_tags: ["*"]
    scope: host:db-1
    timezone: Europe/Paris
    start: "2030-03-01T22:00:00"
    end: "2030-03-02T02:00:00"

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
ended_ids:
  description:
    - IDs of ended or cancelled downtimes that carry O(name) (history Datadog still lists; they are
      left alone). Empty when none, or when the downtime is identified by O(id).
  returned: always
  type: list
  elements: str
  sample: []
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
    display_timezone: Europe/Paris
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
      display_timezone: Europe/Paris
      schedule:
        timezone: Europe/Paris
        recurrences: [{rrule: "FREQ=WEEKLY;BYDAY=SA,SU", start: "00:00", duration: 1d}]
"""

from functools import partial

from ansible.module_utils.basic import _load_params
from ansible_collections.datadog_exercise.stack.plugins.module_utils import downtime
from ansible_collections.datadog_exercise.stack.plugins.module_utils.common import DatadogModule


def main() -> None:
    # One definition of the options, shared with datadog_resources' downtimes (module_utils/downtime.py).
    spec, rules = downtime.option_spec(), downtime.option_rules()
    module = DatadogModule(argument_spec=spec, supports_check_mode=True, **rules)
    # The task's arguments as given: `monitor_id: null` is refused, an omitted monitor_id is not
    # (module params turn both into None). _load_params is ansible's documented way to read them.
    nulls = downtime.explicit_nulls(_load_params(), ("monitor_id",))
    module.run(partial(downtime.ensure, null_options=nulls))


if __name__ == "__main__":
    main()

#!/usr/bin/python
# Copyright: datadog_exercise.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module: list Datadog downtimes (v2) and export them as datadog_downtime options."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: datadog_downtime_info
short_description: List Datadog downtimes and export them in the format datadog_downtime takes
version_added: 0.2.0
description:
  - Reads downtimes (API v2, C(GET /api/v2/downtime) through every page, without C(current_only) so
    that a recurring downtime between two windows is found; or C(GET /api/v2/downtime/ID)) and
    returns them (RV(downtimes)) and in the B(export) form (RV(export)).
  - Only live downtimes (status C(active) or C(scheduled)) are returned unless O(include_ended);
    ended and cancelled ones are never exported (their window is over).
  - The export form of a downtime is a mapping of M(datadog_exercise.stack.datadog_downtime) options,
    also accepted as an item of the C(downtimes) list of M(datadog_exercise.stack.datadog_resources) -
    C(name), C(monitor_id) (or C(monitor), see O(monitor_reference)) or C(monitor_tags), C(scope),
    C(downtime_message) (the message without the name line), C(timezone), C(display_timezone),
    C(start)/C(end) in UTC for a one-time downtime or C(recurrences) in the raw form
    (C(rrule), C(start) local to C(timezone), C(duration)) for a recurring one,
    C(notify_end_states), C(notify_end_types), C(mute_first_recovery_notification). Values equal to
    the module's defaults are left out. Applying the export to the same org changes nothing.
  - >-
    B(Downtimes without a name.) The natural key of M(datadog_exercise.stack.datadog_downtime) is the
    C([ansible-name: NAME]) line it writes in the message; downtimes created elsewhere (UI, API,
    Terraform) have none. O(unnamed_downtimes) decides how they are exported, and a warning lists them.
extends_documentation_fragment:
  - datadog_exercise.stack.datadog
  - datadog_exercise.stack.datadog.INFO_ATTRIBUTES
options:
  id:
    description:
      - Only the downtime with this ID (a UUID). An ID that does not exist fails the task.
    type: str
  name:
    description:
      - >-
        Only downtimes whose name (the C([ansible-name: NAME]) line of their message) is exactly this.
    type: str
  monitor_id:
    description: Only downtimes that silence this monitor (by id, not by monitor tags).
    type: int
  monitor:
    description:
      - Only downtimes that silence the monitor with exactly this name. No monitor or several monitors
        with that name fails the task.
    type: str
  monitor_tags:
    description: Only downtimes that silence monitors by tags and list all of these tags.
    type: list
    elements: str
  include_ended:
    description:
      - Also return ended and cancelled downtimes (Datadog keeps listing them for a while) in
        RV(downtimes). They are never in RV(export).
    type: bool
    default: false
  unnamed_downtimes:
    description:
      - How downtimes without a name line are exported.
      - V(adopt) - with their C(id) and the name C(downtime-<id>). Applying the export finds them by id
        and writes that name line into their message (one update each, the first time only); from
        then on they are managed by name like the others. Datadog does not keep the id when the
        content is applied to another org, so adopted downtimes are then created by name.
      - V(id) - with their C(id) and no name. M(datadog_exercise.stack.datadog_downtime) finds them by
        id and leaves their message as it is (a no-op); they stay unnamed.
      - V(skip) - left out of RV(export) (still in RV(downtimes)).
    type: str
    choices: [adopt, id, skip]
    default: adopt
  monitor_reference:
    description:
      - How the export names the monitor of a downtime that silences one monitor.
      - V(id) - C(monitor_id) (no monitor is read).
      - V(name) - C(monitor) with the monitor's name, resolved by M(datadog_exercise.stack.datadog_resources)
        in the same run (portable to another org, where ids differ). One paged list of the monitors is
        read; a monitor that does not exist or whose name is not unique stays C(monitor_id), with a
        warning. M(datadog_exercise.stack.datadog_downtime) takes C(monitor_id) only.
    type: str
    choices: [id, name]
    default: id
seealso:
  - module: datadog_exercise.stack.datadog_downtime
  - module: datadog_exercise.stack.datadog_monitor_info
  - name: Datadog downtimes API (v2)
    description: Downtimes API reference.
    link: https://docs.datadoghq.com/api/latest/downtimes/
"""

EXAMPLES = r"""
- name: Export every live downtime, monitors named by name
  datadog_exercise.stack.datadog_downtime_info:
    monitor_reference: name
  register: all_downtimes

- name: Write them as content (see docs/export.md in the collection)
  ansible.builtin.copy:
    content: "{{ {'downtimes': all_downtimes.export} | ansible.builtin.to_nice_yaml(indent=2) }}"
    dest: content/downtimes.yml
    mode: "0644"

- name: List the downtimes that silence one monitor
  datadog_exercise.stack.datadog_downtime_info:
    monitor: my_metric is high
  register: silencing

- name: Export the downtimes with monitor ids, unnamed ones by id only
  datadog_exercise.stack.datadog_downtime_info:
    unnamed_downtimes: id
  register: by_id

- name: Apply them with the single module (a no-op on the org they came from)
  datadog_exercise.stack.datadog_downtime: "{{ item }}"
  loop: "{{ by_id.export }}"
  loop_control:
    label: "{{ item.name | default(item.id) }}"
"""

RETURN = r"""
count:
  description: Number of downtimes in RV(downtimes).
  returned: always
  type: int
  sample: 1
downtimes:
  description:
    - The downtimes' attributes as Datadog returns them, plus C(id) and C(name) (null when the message
      has no name line); C(message) is without the name line (as M(datadog_exercise.stack.datadog_downtime)
      returns it). Sorted by name (unnamed last) then id.
  returned: always
  type: list
  elements: dict
  sample:
    - id: 00000000-0000-1234-0000-000000000000
      name: weekday-nights
      message: Out of office hours @ops@example.com
      scope: "*"
      status: scheduled
      display_timezone: Europe/Paris
      monitor_identifier: {monitor_id: 1234567}
      schedule:
        timezone: Europe/Paris
        recurrences: [{rrule: "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", start: "2025-01-06T19:00", duration: 14h}]
export:
  description:
    - One mapping of M(datadog_exercise.stack.datadog_downtime) options per live downtime (see
      O(unnamed_downtimes)); pass an item to the module as its arguments, or the list as C(downtimes)
      of M(datadog_exercise.stack.datadog_resources).
  returned: always
  type: list
  elements: dict
  sample:
    - name: weekday-nights
      monitor_id: 1234567
      downtime_message: Out of office hours @ops@example.com
      timezone: Europe/Paris
      recurrences: [{rrule: "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", start: "2025-01-06T19:00", duration: 14h}]
"""

from ansible_collections.datadog_exercise.stack.plugins.module_utils import info
from ansible_collections.datadog_exercise.stack.plugins.module_utils.common import run_module


def main() -> None:
    run_module(info.downtime_info_spec(), info.downtime_info, **info.downtime_info_rules())


if __name__ == "__main__":
    main()

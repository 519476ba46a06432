#!/usr/bin/python
# Copyright: datadog_exercise.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module: list Datadog monitors and export them as datadog_monitor options."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: datadog_monitor_info
short_description: List Datadog monitors and export them in the format datadog_monitor takes
version_added: 0.2.0
description:
  - Reads monitors (API v1, C(GET /api/v1/monitor) through every page, or C(GET /api/v1/monitor/ID))
    and returns them as Datadog holds them (RV(monitors)) and in the B(export) form (RV(export)).
  - The export form of a monitor is a mapping of M(datadog_exercise.stack.datadog_monitor) options
    (C(name), C(type), C(query), C(notification_message), C(tags), C(priority), C(options),
    C(extra_options), C(restricted_roles), C(draft_status)), also accepted as an item of the
    C(monitors) list of M(datadog_exercise.stack.datadog_resources). Server-only fields (id, creator,
    dates, states, C(silenced) mutes) and server defaults (options equal to what Datadog or the module
    uses when they are left out, such as C(notify_audit=false), C(include_tags=true),
    C(new_host_delay=300)) are left out; option keys that M(datadog_exercise.stack.datadog_monitor)
    has no suboption for (for example C(scheduling_options) or C(notification_preset_name) set in the
    UI) are put in C(extra_options). Applying the export to the same org changes nothing.
  - Monitors that share a name get their C(id) in the export (a warning names them), since the name
    would not identify them. An export item the module would refuse (a monitor Datadog accepted but
    that breaks a rule the module checks before writing) is exported as it is, with a warning.
extends_documentation_fragment:
  - datadog_exercise.stack.datadog
  - datadog_exercise.stack.datadog.INFO_ATTRIBUTES
options:
  id:
    description:
      - Only the monitor with this ID (one read). An ID that does not exist fails the task.
    type: int
  name:
    description:
      - Only monitors with exactly this name (whitespace around a name stored in Datadog is ignored,
        as by M(datadog_exercise.stack.datadog_monitor)). Sent to Datadog as the C(name) search and
        matched on the whole name.
      - No leading or trailing whitespace.
    type: str
  tags:
    description:
      - Only monitors that carry all these tags (monitor tags, for example C(team:ops)). Sent to Datadog
        as C(monitor_tags) and checked on every monitor returned.
    type: list
    elements: str
seealso:
  - module: datadog_exercise.stack.datadog_monitor
  - module: datadog_exercise.stack.datadog_downtime_info
  - module: datadog_exercise.stack.datadog_dashboard_info
  - name: Datadog monitors API
    description: Monitors API reference.
    link: https://docs.datadoghq.com/api/latest/monitors/
"""

EXAMPLES = r"""
- name: List the monitors of team ops
  datadog_exercise.stack.datadog_monitor_info:
    tags: [team:ops]
  register: ops_monitors

- name: Write them as content (see docs/export.md in the collection)
  ansible.builtin.copy:
    content: "{{ {'monitors': ops_monitors.export} | ansible.builtin.to_nice_yaml(indent=2) }}"
    dest: content/monitors.yml
    mode: "0644"

- name: Apply the exported monitors (a no-op on the org they came from)
  datadog_exercise.stack.datadog_monitor: "{{ item }}"
  loop: "{{ ops_monitors.export }}"
  loop_control:
    label: "{{ item.name }}"

- name: Read one monitor by id
  datadog_exercise.stack.datadog_monitor_info:
    id: 1234567
  register: one
"""

RETURN = r"""
count:
  description: Number of monitors found.
  returned: always
  type: int
  sample: 1
monitors:
  description: The monitors as Datadog returns them, sorted by name then id.
  returned: always
  type: list
  elements: dict
  sample:
    - id: 1234567
      name: my_metric is high
      type: query alert
      query: avg(last_5m):avg:my_metric{*} > 800
      message: my_metric is above 800 @ops@example.com
      tags: [team:ops]
      options: {thresholds: {critical: 800.0}, notify_audit: false, include_tags: true, new_host_delay: 300}
      overall_state: OK
      creator: {handle: ops@example.com}
export:
  description:
    - One mapping of M(datadog_exercise.stack.datadog_monitor) options per monitor, in the order of
      RV(monitors); pass an item to the module as its arguments, or the list as C(monitors) of
      M(datadog_exercise.stack.datadog_resources).
  returned: always
  type: list
  elements: dict
  sample:
    - name: my_metric is high
      type: query alert
      query: avg(last_5m):avg:my_metric{*} > 800
      notification_message: my_metric is above 800 @ops@example.com
      tags: [team:ops]
      options: {thresholds: {critical: 800}}
"""

from ansible_collections.datadog_exercise.stack.plugins.module_utils import info
from ansible_collections.datadog_exercise.stack.plugins.module_utils.common import run_module


def main() -> None:
    run_module(info.monitor_info_spec(), info.monitor_info)


if __name__ == "__main__":
    main()

#!/usr/bin/python
# Copyright: datadog_exercise.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module: list Datadog dashboards and export them as datadog_dashboard options."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: datadog_dashboard_info
short_description: List Datadog dashboards and export them in the format datadog_dashboard takes
version_added: 0.2.0
description:
  - Reads dashboards (API v1) and returns them as Datadog holds them (RV(dashboards)) and in the
    B(export) form (RV(export)).
  - The dashboard list (C(GET /api/v1/dashboard), through every page) holds summaries without widgets
    or tags, so every dashboard listed (after the O(title) filter) is read in full with
    C(GET /api/v1/dashboard/ID); with O(id), that one read is all.
  - The export form of a dashboard is a mapping of M(datadog_exercise.stack.datadog_dashboard)
    options (C(title), C(description), C(layout_type), C(reflow_type), C(widgets) without their
    server-assigned ids, C(template_variables), C(template_variable_presets), C(notify_list),
    C(tags), C(restricted_roles)), also accepted as an item of the C(dashboards) list of
    M(datadog_exercise.stack.datadog_resources). Server-only fields (id, url, author, dates),
    empty fields and defaults (C(reflow_type=auto)) are left out. Applying the export to the same
    org changes nothing.
  - Dashboards that share a title get their C(id) in the export (a warning names them).
extends_documentation_fragment:
  - datadog_exercise.stack.datadog
  - datadog_exercise.stack.datadog.INFO_ATTRIBUTES
options:
  id:
    description:
      - Only the dashboard with this ID (for example C(abc-def-ghi)).
      - An ID that does not exist fails the task.
    type: str
  title:
    description:
      - Only dashboards with exactly this title (whitespace around a title stored in Datadog is
        ignored, as by M(datadog_exercise.stack.datadog_dashboard)). No leading or trailing whitespace.
    type: str
  tags:
    description:
      - Only dashboards that carry all these tags (dashboard tags are C(team:<name>) tags).
    type: list
    elements: str
seealso:
  - module: datadog_exercise.stack.datadog_dashboard
  - module: datadog_exercise.stack.datadog_monitor_info
  - name: Datadog dashboards API
    description: Dashboards API reference.
    link: https://docs.datadoghq.com/api/latest/dashboards/
"""

EXAMPLES = r"""
- name: Export every dashboard
  datadog_exercise.stack.datadog_dashboard_info:
  register: all_dashboards

- name: Write them as content (see docs/export.md in the collection)
  ansible.builtin.copy:
    content: "{{ {'dashboards': all_dashboards.export} | ansible.builtin.to_nice_yaml(indent=2) }}"
    dest: content/dashboards.yml
    mode: "0644"

- name: Read the exercise timeboard by title
  datadog_exercise.stack.datadog_dashboard_info:
    title: Exercise timeboard
  register: timeboard

- name: Apply it again (a no-op on the org it came from)
  datadog_exercise.stack.datadog_dashboard: "{{ timeboard.export[0] }}"
"""

RETURN = r"""
count:
  description: Number of dashboards found.
  returned: always
  type: int
  sample: 1
dashboards:
  description: The dashboards as Datadog returns them (full reads), sorted by title then id.
  returned: always
  type: list
  elements: dict
  sample:
    - id: abc-def-ghi
      title: Exercise timeboard
      layout_type: ordered
      url: /dashboard/abc-def-ghi/exercise-timeboard
      author_handle: ops@example.com
      widgets:
        - id: 1234
          definition: {type: timeseries, requests: [{q: "avg:my_metric{*}"}]}
export:
  description:
    - One mapping of M(datadog_exercise.stack.datadog_dashboard) options per dashboard, in the order
      of RV(dashboards); pass an item to the module as its arguments, or the list as C(dashboards)
      of M(datadog_exercise.stack.datadog_resources).
  returned: always
  type: list
  elements: dict
  sample:
    - title: Exercise timeboard
      layout_type: ordered
      widgets:
        - definition: {type: timeseries, requests: [{q: "avg:my_metric{*}"}]}
"""

from ansible_collections.datadog_exercise.stack.plugins.module_utils import info
from ansible_collections.datadog_exercise.stack.plugins.module_utils.common import run_module


def main() -> None:
    run_module(info.dashboard_info_spec(), info.dashboard_info)


if __name__ == "__main__":
    main()

#!/usr/bin/python
# Copyright: datadog_exercise.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module: manage a Datadog dashboard idempotently."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: datadog_dashboard
short_description: Manage Datadog dashboards (timeboards) idempotently, with check mode and diff
version_added: 0.1.0
description:
  - Creates, replaces or deletes a Datadog dashboard (API v1).
  - The dashboard is identified by O(id) or by its O(title). Several dashboards with that
    title is an error (use O(id)). Whitespace around a title stored in Datadog is ignored when
    looking up (such a dashboard is found and renamed to exactly O(title), never duplicated); a
    O(title) with leading or trailing whitespace is refused as bad input.
  - The dashboard is given as structured options (O(layout_type), O(widgets), ...) B(or) as
    O(definition), a dashboard document exported from the Datadog UI (JSON or YAML, text or
    mapping); structured options given next to O(definition) override its fields. Server-only
    fields of an export (C(id), C(url), C(author_handle), C(created_at), widget ids, ...) are ignored.
  - The module reads, normalises (drops server-only fields and widget ids, compares tags and
    notify_list as sets), compares and replaces the dashboard only when something differs.
  - Managed are O(title), O(layout_type), O(widgets) always, and every other field the task (or its
    O(definition)) sets. Left alone on update are the fields the task does not set (O(description),
    O(tags), O(restricted_roles), O(template_variables), ... and fields this module has no option
    for) are sent back with their current value, because Datadog's update replaces the whole
    dashboard. The diff shows exactly the fields that change.
  - Checked before any request (check mode too), with the field named, are the widgets against the
    client's schema (a nested widget of a group is named as such, for example
    C(widgets[2].definition.widgets[0].definition.requests)), a widget without C(layout) in a
    V(free) layout, a template variable without C(name) or with an empty string in C(defaults).
  - A lookup by title costs two reads (the summary list, then the matching dashboard); by O(id), one.
extends_documentation_fragment:
  - datadog_exercise.stack.datadog
  - datadog_exercise.stack.datadog.ATTRIBUTES
options:
  state:
    description: V(present) creates or replaces the dashboard, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  id:
    description: Dashboard ID (for example C(abc-def-ghi)); identifies the dashboard when set.
    type: str
  title:
    description:
      - Exact title; the natural key when O(id) is not set. Taken from O(definition) if not given.
    type: str
  description:
    description: Description of the dashboard (Markdown).
    type: str
  layout_type:
    description:
      - V(ordered) (a timeboard-like grid) or V(free) (a screenboard). Required unless in O(definition).
    type: str
    choices: [ordered, free]
  reflow_type:
    description: For V(ordered) layouts, V(auto) (default) or V(fixed).
    type: str
    choices: [auto, fixed]
  widgets:
    description:
      - Widgets as in the Datadog dashboard JSON (C(definition) and optional C(layout) per widget).
    type: list
    elements: dict
  template_variables:
    description: Template variables as in the dashboard JSON (C(name), C(prefix), C(defaults), ...).
    type: list
    elements: dict
  template_variable_presets:
    description: Saved views of template variables.
    type: list
    elements: dict
  notify_list:
    description: Handles notified of changes to the dashboard (a set).
    type: list
    elements: str
  tags:
    description: Dashboard tags (team tags C(team:x); a set).
    type: list
    elements: str
  restricted_roles:
    description: Role UUIDs allowed to edit the dashboard (a set). Not managed when not set.
    type: list
    elements: str
  definition:
    description:
      - The whole dashboard as exported from the UI or the API, as JSON text, YAML text or a mapping
        (for example C("{{ lookup('file', 'dashboard.json') }}")). Mutually exclusive with O(widgets).
    type: raw
seealso:
  - name: Datadog dashboards API
    description: Dashboards API reference.
    link: https://docs.datadoghq.com/api/latest/dashboards/
"""

EXAMPLES = r"""
- name: Create the exercise timeboard
  datadog_exercise.stack.datadog_dashboard:
    title: Exercise timeboard
    description: my_metric, database and anomalies
    layout_type: ordered
    widgets:
      - definition:
          type: timeseries
          title: my_metric over the host
          requests:
            - q: avg:my_metric{host:web-1}
      - definition:
          type: timeseries
          title: Anomalies of PostgreSQL connections
          requests:
            - q: anomalies(avg:postgresql.connections{*}, 'basic', 2)
      - definition:
          type: query_value
          title: my_metric rolled up to one hour
          requests:
            - q: avg:my_metric{*}.rollup(sum, 3600)
  delegate_to: localhost
  # One dashboard for the whole play: without run_once every host of the play would create it.
  run_once: true

- name: Apply a dashboard exported from the Datadog UI
  datadog_exercise.stack.datadog_dashboard:
    definition: "{{ lookup('ansible.builtin.file', 'files/exercise-dashboard.json') }}"
  register: dashboard

- name: Show where it is
  ansible.builtin.debug:
    msg: "{{ dashboard.url }}"

- name: Delete it
  datadog_exercise.stack.datadog_dashboard:
    title: Exercise timeboard
    state: absent
"""

RETURN = r"""
id:
  description: Dashboard ID (null when a check-mode run would create it, or it is absent).
  returned: always
  type: str
  sample: abc-def-ghi
url:
  description:
    - Absolute URL of the dashboard in the Datadog app.
    - Null when absent or in check mode before creation.
  returned: always
  type: str
  sample: https://app.datadoghq.com/dashboard/abc-def-ghi/exercise-timeboard
dashboard:
  description: The dashboard as Datadog returned it (or the predicted one in check mode); empty when absent.
  returned: always
  type: dict
  sample:
    id: abc-def-ghi
    title: Exercise timeboard
    layout_type: ordered
    widgets:
      - id: 1234
        definition: {type: timeseries, requests: [{q: "avg:my_metric{host:web-1}"}]}
diff:
  description: Normalised dashboard before and after (empty dict = does not exist).
  returned: always
  type: dict
  sample:
    before: {}
    after: {title: Exercise timeboard, layout_type: ordered, widgets: []}
"""

from ansible_collections.datadog_exercise.stack.plugins.module_utils import dashboard
from ansible_collections.datadog_exercise.stack.plugins.module_utils.common import run_module


def main() -> None:
    # One definition of the options, shared with datadog_resources' dashboards (module_utils/dashboard.py).
    run_module(dashboard.option_spec(), dashboard.ensure, **dashboard.option_rules())


if __name__ == "__main__":
    main()

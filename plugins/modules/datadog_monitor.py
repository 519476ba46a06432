#!/usr/bin/python
# Copyright: datadog_exercise.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module: manage a Datadog monitor idempotently."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: datadog_monitor
short_description: Manage Datadog monitors idempotently, with check mode and diff
version_added: 0.1.0
description:
  - Creates, updates or deletes a Datadog monitor (API v1).
  - The monitor is identified by O(id) or by its O(name). Several monitors with that name
    is an error (use O(id)); the lookup is C(GET /api/v1/monitor?name=...), a substring search
    whose answers are matched on the whole name (whitespace around a name stored in Datadog is
    ignored when looking up, so such a monitor is found and renamed to exactly O(name), never
    duplicated). A O(name) with leading or trailing whitespace is refused as bad input.
  - The module reads the monitor, normalises it (drops server-only fields, folds server defaults,
    compares tags as a set, ignores insignificant whitespace in the query and around the message),
    compares, and writes only when something differs. Before any write, and in check mode when a
    change is predicted, the definition is checked by Datadog's validate endpoint; an invalid
    query fails the task without writing anything.
  - The monitor can also be given as O(definition), a monitor exported from the Datadog UI or API
    (JSON or YAML, text or mapping); the task's own options override the document's fields and
    server-only fields of the export (C(id), C(created), C(creator), C(overall_state), ...) are ignored.
  - Always managed are O(name), O(type), O(query), the message, O(tags), O(priority) and the options
    C(notify_audit), C(include_tags), C(notify_no_data), C(require_full_window), C(renotify_interval),
    C(evaluation_delay), C(timeout_h), C(escalation_message); left out, they mean Datadog's default,
    and a value changed in the UI is reverted (and shown in the diff).
  - Left alone on update is every other option the task does not set (for example C(new_group_delay),
    C(notify_by), C(group_retention_duration) set in the UI) is sent back with its current value,
    because Datadog replaces the whole C(options) object on update; O(restricted_roles) and
    O(draft_status) when not set. The diff shows exactly the fields that change.
  - Values Datadog documents as bounded are checked before any request (O(options.timeout_h) 0-24,
    O(options.no_data_timeframe) 1 or more, O(options.evaluation_delay) and other delays 0 or more,
    recovery and warning thresholds on the right side of C(critical) for the query's comparator).
extends_documentation_fragment:
  - datadog_exercise.stack.datadog
  - datadog_exercise.stack.datadog.ATTRIBUTES
options:
  state:
    description:
      - V(present) creates or updates the monitor, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  id:
    description:
      - ID of the monitor. When set, it identifies the monitor (and O(name) may rename it).
    type: int
  name:
    description:
      - Name of the monitor; its natural key when O(id) is not given.
      - Required with O(state=present) unless O(definition) has it. No leading or trailing whitespace.
    type: str
  type:
    description:
      - Monitor type. Every type known to the installed C(datadog-api-client) is accepted.
      - C(metric alert) and C(query alert) are the same for comparison.
      - Datadog cannot change the type of an existing monitor; the module fails rather than guess.
      - Required with O(state=present) unless O(definition) has it.
    type: str
    choices:
      - audit alert
      - ci-pipelines alert
      - ci-tests alert
      - composite
      - cost alert
      - data-jobs alert
      - data-quality alert
      - database-monitoring alert
      - error-tracking alert
      - event alert
      - event-v2 alert
      - llm-observability alert
      - log alert
      - metric alert
      - network-path alert
      - network-performance alert
      - process alert
      - query alert
      - rum alert
      - service check
      - slo alert
      - synthetics alert
      - trace-analytics alert
  query:
    description:
      - The monitor query, for example C(avg(last_5m):avg:my_metric{host:web-1} > 800).
      - Required with O(state=present) unless O(definition) has it.
    type: str
  notification_message:
    description:
      - Notification message, with C(@) handles and template variables such as C({{#is_alert}}).
      - Unset means the C(message) of O(definition), or no message.
    type: str
  tags:
    description:
      - Tags of the monitor (a set; order does not matter).
      - Unset means the C(tags) of O(definition), or no tags.
    type: list
    elements: str
  priority:
    description:
      - Priority from 1 (high) to 5 (low); unset means none.
    type: int
    choices: [1, 2, 3, 4, 5]
  restricted_roles:
    description:
      - Role UUIDs allowed to edit the monitor. Not managed when not set.
    type: list
    elements: str
  draft_status:
    description:
      - V(draft) keeps the monitor quiet (it evaluates but sends no notification; a Datadog preview
        feature), V(published) makes it notify. Not managed when not set (Datadog's default is
        V(published)).
    type: str
    choices: [draft, published]
  definition:
    description:
      - The whole monitor as exported from the Datadog UI or API, as JSON text, YAML text or a
        mapping (for example C("{{ lookup('ansible.builtin.file', 'monitor.json') }}")).
      - Its C(name), C(type), C(query), C(message), C(tags), C(priority), C(options),
        C(restricted_roles) and C(draft_status) are used; the task's own options override them
        (O(options) and O(extra_options) key by key). Server-only fields are ignored; any other field
        is an error.
    type: raw
  options:
    description:
      - Monitor options. Unset, the always-managed ones (see the description) take Datadog's
        default and the others are left as they are on the server.
    type: dict
    default: {}
    suboptions:
      thresholds:
        description: Alert thresholds.
        type: dict
        suboptions:
          critical:
            description: Critical threshold (must match the query's comparison for metric monitors).
            type: float
          critical_recovery:
            description:
              - Value at which a critical alert recovers; below C(critical) for C(>)/C(>=) queries,
                above it for C(<)/C(<=).
            type: float
          warning:
            description: Warning threshold.
            type: float
          warning_recovery:
            description: Value at which a warning recovers.
            type: float
          ok:
            description: OK threshold (service checks).
            type: float
          unknown:
            description: Unknown threshold (service checks).
            type: float
      threshold_windows:
        description: Anomaly monitors' windows.
        type: dict
        suboptions:
          trigger_window:
            description: Trigger window, for example C(last_15m).
            type: str
          recovery_window:
            description: Recovery window, for example C(last_15m).
            type: str
      notify_no_data:
        description: Notify when data stops arriving (Datadog default V(false)).
        type: bool
      no_data_timeframe:
        description: Minutes without data before notifying (1 or more).
        type: int
      renotify_interval:
        description: Minutes after which an unresolved alert notifies again (none by default; 0 or more).
        type: int
      renotify_occurrences:
        description: How many re-notifications to send.
        type: int
      renotify_statuses:
        description: Statuses that re-notify.
        type: list
        elements: str
        choices: [alert, "no data", warn]
      include_tags:
        description: Add the triggering tags to the notification title (Datadog default V(true)).
        type: bool
      require_full_window:
        description: Wait for a full window of data before evaluating (Datadog default V(false)).
        type: bool
      evaluation_delay:
        description: Seconds to delay evaluation (for metrics that arrive late; 0 or more).
        type: int
      new_group_delay:
        description: Seconds before a new group starts alerting.
        type: int
      new_host_delay:
        description: Deprecated by Datadog in favour of O(options.new_group_delay).
        type: int
      timeout_h:
        description: Hours (0 to 24) after which a non-reporting monitor resolves automatically.
        type: int
      escalation_message:
        description: Message used when re-notifying.
        type: str
      notify_audit:
        description: Notify tagged users when the monitor is modified (Datadog default V(false)).
        type: bool
      on_missing_data:
        description: Behaviour on missing data for log/APM/… monitors.
        type: str
        choices: [default, show_no_data, show_and_notify_no_data, resolve]
      notify_by:
        description: Group tags used to aggregate notifications.
        type: list
        elements: str
  extra_options:
    description:
      - Further monitor options passed as they are (any key of Datadog's C(options) object not
        listed in O(options)). Keys given here are managed and compared too; options set neither
        here nor in O(options) nor in O(definition) are left as they are on the server.
    type: dict
    default: {}
  force:
    description:
      - With O(state=absent), delete even if the monitor is referenced (SLO, composite monitor).
    type: bool
    default: false
seealso:
  - module: datadog_exercise.stack.datadog_downtime
  - name: Datadog monitors API
    description: Monitors API reference.
    link: https://docs.datadoghq.com/api/latest/monitors/
"""

EXAMPLES = r"""
- name: Alert when my_metric goes above 800 on the exercise host
  datadog_exercise.stack.datadog_monitor:
    name: my_metric is high on {{ inventory_hostname }}
    type: metric alert
    query: avg(last_5m):avg:my_metric{host:web-1} > 800
    notification_message: |
      {{ '{{' }}#is_alert{{ '}}' }}my_metric is above 800{{ '{{' }}/is_alert{{ '}}' }}
      {{ '{{' }}#is_warning{{ '}}' }}my_metric is above 500{{ '{{' }}/is_warning{{ '}}' }}
      {{ '{{' }}#is_no_data{{ '}}' }}my_metric has had no data for 10 minutes{{ '{{' }}/is_no_data{{ '}}' }}
      @ops@example.com
    tags: [team:ops, exercise:datadog]
    options:
      thresholds:
        critical: 800
        warning: 500
      notify_no_data: true
      no_data_timeframe: 10
  # One monitor per host (the name carries the host), sent from the controller. A monitor shared
  # by all hosts (one name) needs run_once: true, or every host creates it at the same time.
  delegate_to: localhost

- name: Preview a change without writing (validated by Datadog, nothing written)
  datadog_exercise.stack.datadog_monitor:
    name: my_metric is high
    type: metric alert
    query: avg(last_5m):avg:my_metric{*} > 900
    options:
      thresholds:
        critical: 900
  check_mode: true
  diff: true

- name: Apply a monitor exported from the Datadog UI, as a quiet draft first
  datadog_exercise.stack.datadog_monitor:
    definition: "{{ lookup('ansible.builtin.file', 'files/my-metric-monitor.json') }}"
    draft_status: draft

- name: Delete a monitor even if a composite uses it
  datadog_exercise.stack.datadog_monitor:
    name: my_metric is high
    state: absent
    force: true
"""

RETURN = r"""
id:
  description: ID of the monitor (null when a check-mode run would create it, or it is absent).
  returned: always
  type: int
  sample: 1234567
monitor:
  description:
    - The monitor as Datadog returned it after the run (or the predicted one in check mode).
    - Empty when absent.
  returned: always
  type: dict
  sample:
    id: 1234567
    name: my_metric is high
    type: metric alert
    query: avg(last_5m):avg:my_metric{*} > 800
    message: my_metric is above 800 @ops@example.com
    tags: [exercise:datadog, team:ops]
    options:
      thresholds: {critical: 800.0, warning: 500.0}
      notify_no_data: true
      no_data_timeframe: 10
diff:
  description: Normalised monitor before and after (empty dict = does not exist).
  returned: always
  type: dict
  sample:
    before: {name: my_metric is high, options: {thresholds: {critical: 900}}}
    after: {name: my_metric is high, options: {thresholds: {critical: 800}}}
"""

from ansible_collections.datadog_exercise.stack.plugins.module_utils import monitor
from ansible_collections.datadog_exercise.stack.plugins.module_utils.common import run_module


def main() -> None:
    # One definition of the options, shared with datadog_resources' monitors (module_utils/monitor.py).
    run_module(monitor.option_spec(), monitor.ensure, **monitor.option_rules())


if __name__ == "__main__":
    main()

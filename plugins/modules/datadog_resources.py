#!/usr/bin/python
# Copyright: datadog_exercise.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module: many Datadog monitors, dashboards and downtimes in one task (plan/apply/prune)."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: datadog_resources
short_description: Reconcile many Datadog monitors, dashboards and downtimes in one task (plan, apply, prune)
version_added: 0.2.0
description:
  - Takes lists of monitors, dashboards and downtimes. Each item has B(the same options as the
    single-object module) (M(datadog_exercise.stack.datadog_monitor),
    M(datadog_exercise.stack.datadog_dashboard), M(datadog_exercise.stack.datadog_downtime)), checked
    against the same option definition, and is compared, normalised, validated and written by the same
    code, with the same rules (unmanaged fields kept on update, create recovery after a lost answer,
    concurrent runs converging on the oldest object).
  - Every item is checked before any request; all the problems are reported together, each named by
    its list, index and field (for example C(monitors[3].priority), then what is wrong with it).
  - Reads as little as the API allows, one paged list per kind (monitors in pages of 1000, dashboard
    summaries, downtimes including scheduled ones) plus one C(GET) per dashboard the task manages.
    A no-op run over 100 monitors, 10 dashboards and 20 downtimes costs 13 requests and no write.
  - Then it plans every object (V(create), V(update), V(delete), V(unchanged)), checks the monitors about
    to be written with Datadog's validate endpoint, and writes only what differs, on O(concurrency) worker
    threads that share one rate limiter. The limiter follows Datadog's C(X-RateLimit-Remaining) and
    C(X-RateLimit-Reset) answer headers (no request is sent once the period's budget is spent) and a
    C(429) seen by one worker pauses all of them until the reset.
  - Writes happen in this order, monitors and dashboards, then downtimes, then deletions (downtimes first).
    A failed read, a bad item or a failed check stops the task before the first write. A failed write does
    not stop the others; the task then fails and names every failed object next to what was done.
  - In check mode the result is the plan, per object and as a summary count; with C(--diff) each change is
    shown. Nothing is written.
  - Downtimes may name their monitor with C(monitor) (an item key) (a monitor name) instead of its ID. The
    name is looked up in O(monitors) first, then in the org; a monitor this task creates is used once
    created, and in check mode the plan shows the downtime with the monitor V((to be created)).
  - Prune (O(prune), off by default) deletes what carries O(prune_tag) and is not in the lists. Monitors
    carrying the tag in their C(tags). Dashboards carrying it in their C(tags); Datadog accepts only team
    tags (C(team:<handle>)) on dashboards and lists dashboards without their tags, so prune reads every
    dashboard not in O(dashboards) (one request each) and a dashboard is pruned only when O(prune_tag) is
    a team tag it carries. Downtimes have no tags; a downtime is pruned (cancelled) when it was made
    by this collection (its message ends with the C([ansible-name ...]) line) and silences what the
    tag marks, its C(monitor_tags) contain O(prune_tag) or its C(monitor_id) is a monitor carrying
    O(prune_tag).
    In check mode the objects to prune are listed with the action V(delete).
extends_documentation_fragment:
  - datadog_exercise.stack.datadog
  - datadog_exercise.stack.datadog.ATTRIBUTES
options:
  monitors:
    description:
      - Monitors, each with the options of M(datadog_exercise.stack.datadog_monitor) (O(ignore:state),
        O(ignore:id), O(ignore:name), O(ignore:type), O(ignore:query), O(ignore:notification_message),
        O(ignore:tags), O(ignore:options), ...; the connection options are the task's).
      - Two items with the same name or id are an error.
    type: list
    elements: dict
    default: []
  dashboards:
    description:
      - Dashboards, each with the options of M(datadog_exercise.stack.datadog_dashboard) (O(ignore:title),
        O(ignore:layout_type), O(ignore:widgets), O(ignore:description), O(ignore:definition), ...).
      - Two items with the same title or id are an error.
    type: list
    elements: dict
    default: []
  downtimes:
    description:
      - Downtimes, each with the options of M(datadog_exercise.stack.datadog_downtime) (O(ignore:name),
        O(ignore:scope), O(ignore:monitor_id), O(ignore:monitor_tags), O(ignore:recurrences), ...).
      - One more key, C(monitor), names the downtime's monitor by its name (exclusive with C(monitor_id)
        and C(monitor_tags)); see the description.
      - Two items with the same name or id are an error.
    type: list
    elements: dict
    default: []
  concurrency:
    description:
      - How many requests may be in flight at once (worker threads), from 1 to 32. Reads and writes of
        different objects run in parallel; every worker waits for the shared rate limiter.
    type: int
    default: 4
  prune:
    description:
      - Delete the objects carrying O(prune_tag) that are not in the lists (see the description).
    type: bool
    default: false
  prune_tag:
    description:
      - The tag that marks the objects O(prune) may delete, as C(key:value).
      - To prune dashboards too, choose a team tag (C(team:<handle>)), the only tags Datadog allows
        on dashboards.
    type: str
    default: managed-by:ansible
notes:
  - The single-object modules stay; use them for one object, or for options only they have
    (O(datadog_exercise.stack.datadog_monitor#module:force) is an item option here too).
seealso:
  - module: datadog_exercise.stack.datadog_monitor
  - module: datadog_exercise.stack.datadog_dashboard
  - module: datadog_exercise.stack.datadog_downtime
  - name: Datadog API rate limits
    description: The X-RateLimit-* headers the shared rate limiter follows.
    link: https://docs.datadoghq.com/api/latest/rate-limits/
"""

EXAMPLES = r"""
- name: Reconcile the API content of the exercise (one task)
  datadog_exercise.stack.datadog_resources:
    monitors:
      - name: my_metric is high
        type: metric alert
        query: avg(last_5m):avg:my_metric{host:web-1} > 800
        notification_message: my_metric is above 800 @ops@example.com
        tags: [team:ops, managed-by:ansible]
        options:
          thresholds: {critical: 800, warning: 500}
          notify_no_data: true
          no_data_timeframe: 10
    dashboards:
      - title: Exercise timeboard
        layout_type: ordered
        widgets:
          - definition: {type: timeseries, requests: [{q: "avg:my_metric{host:web-1}"}]}
    downtimes:
      - name: weekday nights
        monitor: my_metric is high
        timezone: Europe/Paris
        recurrences:
          - {days: [mon, tue, wed, thu, fri], start_time: "19:00", end_time: "09:00"}
  delegate_to: localhost
  run_once: true

- name: Plan the changes (nothing written), with each change shown
  datadog_exercise.stack.datadog_resources:
    monitors: "{{ datadog_monitors }}"
    dashboards: "{{ datadog_dashboards }}"
    downtimes: "{{ datadog_downtimes }}"
    prune: true
  check_mode: true
  diff: true
  register: plan

- name: Show the plan's summary
  ansible.builtin.debug:
    var: plan.summary
"""

RETURN = r"""
summary:
  description: How many objects are (or, in check mode, would be) created, updated, deleted, left unchanged.
  returned: always
  type: dict
  sample: {create: 2, update: 1, delete: 0, unchanged: 127}
resources:
  description:
    - One entry per item (in list order), then one per object to prune.
    - C(where) is the item (C(monitors[3])) or C(prune); C(action) is V(create), V(update), V(delete) or
      V(unchanged); C(id) the object's ID (null for a create in check mode); C(before)/C(after) the
      normalised object (only for a change; C({}) = does not exist); C(monitor) the monitor name a downtime
      gave; C(error) why a write failed; C(url) a dashboard's absolute link for the site (null for a
      create in check mode).
  returned: always
  type: list
  elements: dict
  sample:
    - {kind: monitor, name: my_metric is high, where: "monitors[0]", action: unchanged, id: 1234567}
    - kind: dashboard
      name: Datadog exercise timeboard
      where: "dashboards[0]"
      action: unchanged
      id: abc-def-ghi
      url: https://app.datadoghq.com/dashboard/abc-def-ghi/datadog-exercise-timeboard
    - kind: downtime
      name: weekday nights
      where: "downtimes[0]"
      action: create
      id: null
      monitor: my_metric is high
      before: {}
      after: {name: weekday nights, monitor_identifier: {monitor_id: (to be created)}}
diff:
  description: One before/after pair per change (shown with C(--diff)).
  returned: always
  type: list
  elements: dict
  sample:
    - before_header: monitor 'my_metric is high'
      after_header: monitor 'my_metric is high'
      before: {query: "avg(last_5m):avg:my_metric{host:web-1} > 800"}
      after: {query: "avg(last_5m):avg:my_metric{host:web-1} > 900"}
failures:
  description: The writes that failed, each named by its item (the task fails when there is one).
  returned: always
  type: list
  elements: str
  sample: []
"""

from ansible_collections.datadog_exercise.stack.plugins.module_utils.bulk import module_spec, reconcile
from ansible_collections.datadog_exercise.stack.plugins.module_utils.common import run_module


def main() -> None:
    run_module(module_spec(), reconcile)


if __name__ == "__main__":
    main()

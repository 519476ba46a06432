#!/usr/bin/python
# Copyright: datadog_exercise.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module: take a Datadog graph snapshot and optionally share it as an event."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: datadog_snapshot
short_description: Take a Datadog graph snapshot and optionally post it as an event mentioning people
version_added: 0.1.0
description:
  - Takes a snapshot of a metric graph (C(GET /api/v1/graph/snapshot)) over O(start)/O(end) or the
    O(last) period, and returns its URL.
  - With O(post_event=true) it posts an event (C(POST /api/v1/events)) whose text contains the
    snapshot URL and @-mentions O(notify) (handles or e-mail addresses), so they are notified.
  - B(Not idempotent by nature) - every run takes a new snapshot and, with O(post_event=true),
    posts a new event. The task reports C(changed=true) when it posts an event, C(changed=false)
    otherwise. In check mode the snapshot is taken (a read) but no event is posted.
extends_documentation_fragment:
  - datadog_exercise.stack.datadog
attributes:
  check_mode:
    support: full
    description: Takes the snapshot (a read), posts nothing; C(changed) tells whether a real run would post.
  diff_mode:
    support: none
    description: Nothing is compared; there is no diff.
  platform:
    support: full
    platforms: all
    description: Runs wherever the Datadog API is reachable.
options:
  metric_query:
    description: Metric query of the graph, for example C(avg:my_metric{*}).
    type: str
    required: true
  start:
    description: Start of the graph, epoch seconds or ISO 8601. Mutually exclusive with O(last).
    type: str
  end:
    description: End of the graph, epoch seconds or ISO 8601 (default now).
    type: str
  last:
    description: Period ending at O(end) (default now), for example C(1h), C(4h), C(1d).
    type: str
  title:
    description: Title of the graph.
    type: str
  post_event:
    description: Post an event containing the snapshot.
    type: bool
    default: false
  notify:
    description:
      - Handles (C(@slack-ops), C(alice@example.com)) mentioned in the event.
      - An C(@) is added when missing.
    type: list
    elements: str
    default: []
  event_title:
    description: Event title (default the graph O(title) or "Snapshot of QUERY").
    type: str
  event_text:
    description: Text put before the snapshot URL and the mentions.
    type: str
  alert_type:
    description: Event alert type.
    type: str
    choices: [info, success, warning, error]
    default: info
  tags:
    description: Event tags.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Snapshot my_metric over the last four hours and mention the team
  datadog_exercise.stack.datadog_snapshot:
    metric_query: avg:my_metric{host:web-1}
    last: 4h
    title: my_metric, last 4 hours
    post_event: true
    event_text: my_metric crossed 800 here
    notify: [ops@example.com, "@slack-ops"]
  register: snap

- name: Show the snapshot
  ansible.builtin.debug:
    msg: "{{ snap.snapshot.snapshot_url }}"
"""

RETURN = r"""
snapshot:
  description: The snapshot as returned by Datadog.
  returned: always
  type: dict
  sample:
    graph_def: '{"requests": [{"q": "avg:my_metric{*}"}]}'
    metric_query: avg:my_metric{*}
    snapshot_url: https://p.datadoghq.com/snapshot/view/dd-snapshots-prod/org_1/2025-01-31/abc.png
start:
  description: Start of the graph, epoch seconds.
  returned: always
  type: int
  sample: 1738350000
end:
  description: End of the graph, epoch seconds.
  returned: always
  type: int
  sample: 1738364400
event:
  description: The posted event (in check mode, the event that would be posted); null without O(post_event).
  returned: always
  type: dict
  sample:
    id: 1234567890
    title: my_metric, last 4 hours
    text: "my_metric crossed 800 here\n\nhttps://p.datadoghq.com/snapshot/...png\n\n@ops@example.com"
"""

from ansible_collections.datadog_exercise.stack.plugins.module_utils.common import DatadogModule
from ansible_collections.datadog_exercise.stack.plugins.module_utils.snapshot import run


def main() -> None:
    module = DatadogModule(
        argument_spec={
            "metric_query": {"type": "str", "required": True},
            "start": {"type": "str"},
            "end": {"type": "str"},
            "last": {"type": "str"},
            "title": {"type": "str"},
            "post_event": {"type": "bool", "default": False},
            "notify": {"type": "list", "elements": "str", "default": []},
            "event_title": {"type": "str"},
            "event_text": {"type": "str"},
            "alert_type": {
                "type": "str",
                "choices": ["info", "success", "warning", "error"],
                "default": "info",
            },
            "tags": {"type": "list", "elements": "str", "default": []},
        },
        mutually_exclusive=[("start", "last")],
        required_one_of=[("start", "last")],
        supports_check_mode=True,
    )
    module.run(run)


if __name__ == "__main__":
    main()

# Copyright: datadog_exercise.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation of the connection options shared by the Datadog modules."""

from __future__ import annotations


class ModuleDocFragment:
    # The connection options, the requirements, the notes and the author of every Datadog module.
    DOCUMENTATION = r"""
author:
  - Datadog exercise maintainers (@datadog-exercise)
options:
  api_key:
    description:
      - Datadog API key.
      - If not set, the value of the E(DD_API_KEY) environment variable is used.
    type: str
    required: true
  app_key:
    description:
      - Datadog application key (needed by every module except for posting events).
      - If not set, the value of the E(DD_APP_KEY) environment variable is used.
    type: str
  site:
    description:
      - The Datadog site of your organisation (the site parameter of Datadog's "Getting Started
        with Datadog Sites" page); selects the API host C(api.<site>) and the web app host used
        for returned URLs (C(app.datadoghq.com), C(us3.datadoghq.com), C(app.datadoghq.eu), ...).
      - If not set, the value of the E(DD_SITE) environment variable is used.
      - Ignored when O(api_url) is set.
    type: str
    default: datadoghq.com
    choices:
      - datadoghq.com
      - us3.datadoghq.com
      - us5.datadoghq.com
      - datadoghq.eu
      - ap1.datadoghq.com
      - ap2.datadoghq.com
      - uk1.datadoghq.com
      - ddog-gov.com
      - us2.ddog-gov.com
  api_url:
    description:
      - Base URL of the API instead of the site's, for example a proxy or the lab's API emulator
        (C(http://127.0.0.1:8080)). Overrides O(site).
      - Must be C(https://HOST[:PORT]); C(http://) is accepted only for a loopback host
        (127.0.0.0/8, C(::1), C(localhost)), since the API and application keys are sent with every request.
      - Base URL only, without a path (the modules add C(/api/v1/...) themselves); anything else fails
        before a request is sent.
      - If not set, the value of the E(DD_API_URL) environment variable is used.
    type: str
  validate_certs:
    description:
      - Verify TLS certificates. Only set to V(false) for test endpoints.
    type: bool
    default: true
  timeout:
    description:
      - Timeout in seconds of each HTTP request.
    type: float
    default: 30
  retries:
    description:
      - How many times a request is retried after a rate limit answer (HTTP 429, the module waits
        the number of seconds in the C(X-RateLimit-Reset) header) or, for reads, updates and deletes,
        after a server error (HTTP 5xx) or a transport error, with exponential backoff.
      - A create that failed with a server error is retried only after re-reading the server and
        finding that the object was not created; it is never sent twice blindly. When no answer came
        at all (timeout, connection lost), the server may still create the object later, so the module
        keeps re-reading for up to O(timeout) x (O(retries) + 1) seconds before it sends the create again.
    type: int
    default: 5
  retry_backoff:
    description:
      - Base delay in seconds of the exponential backoff (O(retry_backoff) * 2 ** attempt, at most 30 s).
    type: float
    default: 1
requirements:
  - datadog-api-client >= 2.30 (Python, on the host that runs the module; usually the controller)
notes:
  - These modules talk to the Datadog API; run them on the controller (a play on C(localhost)) or delegate.
  - Set the connection options once for all Datadog modules with C(module_defaults) and the
    action group C(group/datadog_exercise.stack.datadog).
  - Concurrent runs that create the same object (same name or title) converge on one object - the
    oldest; the others delete what they created. Still, run these tasks once per play
    (set C(run_once=true) when the play has several hosts) rather than once per host.
"""

    ATTRIBUTES = r"""
attributes:
  check_mode:
    support: full
    description: Check mode predicts exactly what a real run would change and writes nothing.
  diff_mode:
    support: full
    description: Returns the normalised object before and after the change.
  platform:
    support: full
    platforms: all
    description: Runs wherever the Datadog API is reachable.
"""

    # The *_info modules: read-only.
    INFO_ATTRIBUTES = r"""
attributes:
  check_mode:
    support: full
    description: The module only reads; check mode runs the same reads and returns the same result.
  diff_mode:
    support: none
    description: Nothing is changed, so there is no diff.
  platform:
    support: full
    platforms: all
    description: Runs wherever the Datadog API is reachable.
"""

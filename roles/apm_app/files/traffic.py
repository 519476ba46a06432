"""Traffic generator of the role apm_app: one GET per URL given, so the service shows in APM.

Run by the <service>-traffic systemd timer. Exits 1 if a request fails (status >= 400 or no
answer), so `systemctl status <service>-traffic` shows it.
"""

import sys
import urllib.error
import urllib.request


def main(urls: list[str]) -> int:
    failed = 0
    for url in urls:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (http URLs of the role)
                print(f"{url} {response.status}")
        except (urllib.error.URLError, OSError) as exc:
            print(f"{url} failed: {exc}", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

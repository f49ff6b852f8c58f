"""Storm: 100 alarms in 10 s to one channel (32 concurrent deliveries, moto DynamoDB, the Slack stand-in);
the Slack calls it costs and whether every alarm is visible in a message or a thread."""

from __future__ import annotations

import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from moto import mock_aws  # noqa: E402

from bench.common import published, quiet_logs, verdict  # noqa: E402
from bot.delivery import Deadline  # noqa: E402
from local.slack_api import SlackStandIn  # noqa: E402
from tests.support.lifecycle import lifecycle_service, sns_event  # noqa: E402
from tests.support.offline import offline_environment  # noqa: E402

offline_environment()  # before any AWS client: fake credentials, no endpoints


def main() -> None:
    quiet_logs()
    with SlackStandIn() as slack, mock_aws():
        service = lifecycle_service(slack.url, channel="#storm")
        names = [f"svc-{i:03d}" for i in range(100)]
        started = time.monotonic()
        with ThreadPoolExecutor(32) as pool:
            futures = []
            for name in names:
                futures.append(pool.submit(service.handle, sns_event(name, "ALARM", 0), Deadline.after(30)))
                time.sleep(0.1)
            for future in futures:
                future.result()
        elapsed = time.monotonic() - started
        calls = sum(len(slack.calls(m)) for m in ("chat.postMessage", "chat.update"))
        kinds = {
            "individual posts": sum(
                1
                for r in slack.calls("chat.postMessage")
                if not r.body.get("thread_ts") and "lookout:storm" not in json.dumps(r.body)
            ),
            "summary posts": sum(
                1 for r in slack.calls("chat.postMessage") if "lookout:storm" in json.dumps(r.body)
            ),
            "summary updates": len(slack.calls("chat.update")),
            "detail replies": sum(1 for r in slack.calls("chat.postMessage") if r.body.get("thread_ts")),
        }
        visible = json.dumps([m for ms in slack.state.messages.values() for m in ms], ensure_ascii=False)
        missing = [n for n in names if f"*{n}*" not in visible and f"{n} · OK" not in visible]
    print(f"storm: 100 alarms in 10 s to one channel (all delivered after {elapsed:.1f} s)")
    breakdown = ", ".join(f"{v} {k}" for k, v in kinds.items())
    print(f"  Slack calls        {calls}   target ≤ 15   {verdict(calls, 15)}   ({breakdown})")
    print(f"  unaccounted alarms {len(missing)}   target 0   {verdict(len(missing), 0)}")


if __name__ == "__main__":
    with published(__file__):
        main()

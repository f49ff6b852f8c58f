"""6 · Hitting reserved concurrency: an engineer caps ``notify-worker`` at 2 concurrent executions
(``PutFunctionConcurrency``) while ``notify-dispatcher`` invokes it for every notification. Lambda throttles the
invocations beyond the cap (the function's ``Throttles`` metric; the caller gets ``TooManyRequestsException:
Rate Exceeded.``) — the function itself runs fine and logs no error.

Must name: the function, that it is throttled, and the concurrency change with who made it.
"""

from __future__ import annotations

from local.scenario.incidents import log_lines
from local.scenario.incidents.model import Alarm, Change, Expect, Scenario
from local.scenario.incidents.paths import Caller, Invoke, Log, Path, Raises

FUNCTION = "notify-worker"
CALLER = "notify-dispatcher"
WHO = "bob"
RESERVED = 2
RATE_EXCEEDED = "Rate Exceeded."
INVOKE = (
    "/var/task/dispatch.py",
    41,
    "lambda_handler",
    "lambda_client.invoke(FunctionName=WORKER, Payload=payload)",
)

SCENARIO = Scenario(
    key="reserved-concurrency",
    title="Hitting reserved concurrency",
    cause=f"user/{WHO} set {FUNCTION}'s reserved concurrency to {RESERVED} (PutFunctionConcurrency); Lambda"
    f" throttles {CALLER}'s invocations beyond it",
    function=FUNCTION,
    memory_mb=256,
    timeout_s=30,
    entry=Caller(CALLER, memory_mb=128, used_mb=70),  # the dispatcher (SQS-triggered) invokes it synchronously
    # sends the notification through the provider's API
    ok=Path(used_mb=92, then=(1.5, 3.0), logs=(Log("notification sent"),)),
    # throttled: the worker never runs; the dispatcher's retries give up
    failing=Path(
        used_mb=71,
        throttled=True,
        starts=0.01,
        calls=(Invoke(FUNCTION, took=(0.6, 1.4), status=429, error=("TooManyRequestsException", RATE_EXCEEDED)),),
        then=0.003,
        ends=Raises(
            "TooManyRequestsException",
            log_lines.botocore_message("TooManyRequestsException", "Invoke", RATE_EXCEEDED, retries=4),
            (INVOKE, log_lines.BOTOCORE_RAISE),
        ),
    ),
    failing_share=0.5,
    # the cap, set from the CLI a minute before the throttles start
    changes=(
        Change(
            "PutFunctionConcurrency",
            minutes=1,
            by=WHO,
            reserved=RESERVED,
            user_agent="aws-cli/2.17.20 md/awscrt#0.20.11 ua/2.0 os/linux#6.5.0 md/arch#x86_64 lang/python#3.11.9",
        ),
    ),
    alarm=Alarm("Throttles", f"{FUNCTION} invocations throttled"),
    expects=(
        Expect(f"the throttled function {FUNCTION}", r"\bnotify-worker\b"),
        Expect("that Lambda throttles it", r"throttl|\b429\b|TooManyRequests|Rate Exceeded"),
        Expect(
            "the concurrency change (PutFunctionConcurrency)",
            r"concurrency|PutFunctionConcurrency",
            needs_changes=True,
        ),
        Expect(f"who changed it: {WHO}", rf"\b{WHO}\b", needs_changes=True),
    ),
)

"""What the card's first line blames and how it names a log kind (issue #31, ``bot.enrich.evidence``): a fault of
the alarmed function that X-Ray found together with a callee's throttle or failure is the callee's, and Lambda's
out-of-memory lines say "out of memory" rather than the ``Runtime.ExitError`` every runtime exit shares.

The X-Ray values are what ``bot.enrich.xray`` makes of GetTraceSummaries and GetServiceGraph
(``tests/functional/test_xray_root_causes.py`` feeds it those bodies). The log lines are Lambda's, as written in:

- smplogs, "Lambda Out of Memory Errors" (https://www.smplogs.com/guides/lambda-memory-errors) and Cloud with
  Gagan, "Fix Lambda timeout and memory errors" (https://cloudwithgagan.com/blog/fix-lambda-function-timeout-memory-errors):
  ``RequestId: … Error: Runtime exited with error: signal: killed`` then ``Runtime.ExitError``, one event — the
  sandbox's SIGKILL when the function exceeds its memory;
- AWS re:Post Knowledge Center, "Lambda runtime exit error" (https://repost.aws/knowledge-center/lambda-runtime-error):
  ``Runtime.ExitError`` with "Error: Runtime exited with error: exit status 129" — an exit that is not memory;
- Dashbird, "Lambda errors, runtime-agnostic"
  (https://dashbird.io/docs/best-practices-and-common-use-cases/lambda-errors-runtime-agnostic/): out of memory is
  "when both the Max Memory Used and Memory Size values in the REPORT line are identical", its REPORT line and
  "RequestId: … Process exited before completing request"; its REPORT line of a healthy invocation (18 of 128 MB);
- a-h's recorded log, "Lambda Failure Log Entries" (https://gist.github.com/a-h/5760e3f9599a880794bb69c2d0ab4aa2):
  Max Memory Used 129 MB of a Memory Size of 128 MB, then "Process exited before completing request";
- the error type ``Runtime.OutOfMemory`` with REPORT's ``Status: error`` and ``Error Type:`` fields, as public
  projects record failed invocations (GitHub code search "Error Type: Runtime.OutOfMemory"); AWS's own snippet
  for such invocations filters REPORT lines on ``@maxMemoryUsed=@memorySize`` (aws-samples serverless-snippets,
  "cloudwatch-insight-lambda-max-assigned-memory").
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.alarms import Alarm
from bot.enrich.evidence import OUT_OF_MEMORY, Sign, evidence_for, fold_lines
from bot.enrich.model import Enrichment, Finding, LogLine, LogReport, RootCause, ServiceRow, Stats, XRayReport
from bot.events import parse_event
from bot.slack.blocks.headline import headline
from tests.support.fixtures import load_event

CHANGED = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)


def alarm() -> Alarm:
    item = parse_event(load_event("sns_alarm_lambda_errors.json"))[0].item
    assert isinstance(item, Alarm)
    return replace(item, changed_at=CHANGED)


def stats(requests: int, faults: int = 0, throttles: int = 0, errors: int = 0) -> Stats:
    ok = requests - faults - throttles - errors
    return Stats(requests, ok, errors, throttles, faults, 40.0, 90.0, errors + throttles)


def xray(service: str, causes: tuple[RootCause, ...], rows: tuple[ServiceRow, ...]) -> Enrichment:
    report = XRayReport((service,), rows, causes, None, CHANGED - timedelta(minutes=15), CHANGED)
    skipped = Enrichment.skipped()
    return replace(skipped, xray=Finding("X-Ray", value=report))


def with_logs(found: Enrichment, group: str, lines: list[str]) -> Enrichment:
    logged = tuple(LogLine(CHANGED - timedelta(seconds=10 * i), group, text) for i, text in enumerate(lines))
    report = LogReport((group,), "ERROR", "convention", logged, CHANGED - timedelta(minutes=5), CHANGED)
    return replace(found, logs=Finding("Logs", value=report))


# --- the callee a fault of the function came with ---------------------------------------------------------

MAPS = "api.maps.example"
HTTP_429 = "429 Client Error: Too Many Requests for url: https://api.maps.example/v1/geocode"
SEARCH = xray(
    "search-api",
    (
        RootCause(MAPS, "error", "", "", 15),  # a remote host's 429 records no exception of its own
        RootCause("search-api", "fault", "HTTPError", HTTP_429, 15, inherited_from=MAPS),
    ),
    (
        ServiceRow("search-api", "AWS::Lambda::Function", "service", stats(25, faults=15)),
        ServiceRow("search-api/prod", "AWS::ApiGateway::Stage", "caller", stats(25, faults=15)),
        ServiceRow(MAPS, "remote", "callee", stats(25, throttles=15)),
    ),
)


def test_a_fault_that_came_with_a_throttled_host_blames_the_host() -> None:
    # GIVEN the function's HTTPError and the host's error root cause in the same 15 traces, the edge throttled
    evidence = evidence_for(alarm(), SEARCH)
    # THEN the host is the culprit; its root cause, without an exception, is the graph's throttle
    assert (evidence.resource, evidence.culprit, evidence.source) == ("search-api", MAPS, "traces")
    assert evidence.signs == (Sign("429", 15),)
    assert headline(alarm(), SEARCH) == "*api.maps.example* failing for search-api: `429` in 15 traces"


def test_with_log_lines_the_host_is_named_and_the_lines_are_counted() -> None:
    lines = [f"[ERROR] HTTPError: {HTTP_429}?q=Paris\nTraceback (most recent call last):"] * 3
    found = with_logs(SEARCH, "/aws/lambda/search-api", lines)
    assert headline(alarm(), found) == "*api.maps.example* failing for search-api: 429 ×3 logged since 13:59 UTC"


TABLE = "ledger-entries"
EXCEEDED = "ProvisionedThroughputExceededException"
LEDGER = xray(
    "ledger-writer",
    (
        RootCause(TABLE, "error", EXCEEDED, "The level of configured provisioned throughput was exceeded.", 13),
        RootCause("ledger-writer", "fault", EXCEEDED, "An error occurred", 13, inherited_from=TABLE),
    ),
    (
        ServiceRow("ledger-writer", "AWS::Lambda::Function", "service", stats(23, faults=13)),
        ServiceRow(TABLE, "AWS::DynamoDB::Table", "callee", stats(23, throttles=13)),
        ServiceRow("ledger-audit", "AWS::DynamoDB::Table", "callee", stats(40)),
    ),
)


def test_a_fault_that_came_with_a_throttled_table_blames_the_table_by_its_name() -> None:
    evidence = evidence_for(alarm(), LEDGER)
    assert (evidence.culprit, evidence.signs) == (TABLE, (Sign(EXCEEDED, 13),))
    assert headline(alarm(), LEDGER) == f"*{TABLE}* failing for ledger-writer: `{EXCEEDED}` in 13 traces"


def test_a_callee_whose_own_root_cause_is_a_fault_is_blamed_without_a_graph_row() -> None:
    causes = (
        RootCause("payments-api", "fault", "", "", 6),
        RootCause("orders-api", "fault", "ClientError", "502", 6, inherited_from="payments-api"),
    )
    found = xray(
        "orders-api", causes, (ServiceRow("orders-api", "AWS::Lambda::Function", "service", stats(9, 6)),)
    )
    assert evidence_for(alarm(), found).culprit == "payments-api"


def test_a_callee_that_only_refused_the_request_leaves_the_fault_with_the_caller() -> None:
    # GIVEN the function's fault and a table's 4xx (no throttle, no fault): the table it reads does not exist
    missing = "Requested resource not found: Table: inventory-v2 not found"
    causes = (
        RootCause(
            "inventory-api", "fault", "ResourceNotFoundException", missing, 24, inherited_from="inventory-v2"
        ),
        RootCause("inventory-v2", "error", "ResourceNotFoundException", missing, 24),
    )
    rows = (
        ServiceRow("inventory-api", "AWS::Lambda::Function", "service", stats(30, faults=24)),
        ServiceRow("inventory-v2", "AWS::DynamoDB::Table", "callee", stats(24, errors=24)),
    )
    # THEN the request was the caller's: the card blames the function, not the table
    evidence = evidence_for(alarm(), xray("inventory-api", causes, rows))
    assert (evidence.culprit, evidence.signs) == ("", (Sign("ResourceNotFoundException", 24),))


def test_a_fault_of_the_function_alone_is_its_own() -> None:
    causes = (RootCause("report-export", "fault", "", "", 14),)
    rows = (ServiceRow("warehouse.internal.example", "remote", "callee", stats(14, throttles=3)),)
    assert evidence_for(alarm(), xray("report-export", causes, rows)).culprit == ""


# --- out of memory ----------------------------------------------------------------------------------------

RID = ("425f148d-0f71-43d4-ae50-757f95294524", "a8832924-8484-451b-b87f-872659d160d1")
KILLED = "RequestId: {rid} Error: Runtime exited with error: signal: killed\nRuntime.ExitError"
EXIT_129 = "RequestId: 1234aa1b-cd50-6c78-90cd-ce1234ce9950 Error: Runtime exited with error: exit status 129\nRuntime.ExitError"
REPORT = "REPORT RequestId: {rid}\tDuration: {ms} ms\tBilled Duration: {billed} ms\tMemory Size: {size} MB\tMax Memory Used: {used} MB\t"
DASHBIRD_RID = "b86c93c6-e1d0-11e7-955b-539d8b965ff9"
DASHBIRD_REPORT = REPORT.format(rid=DASHBIRD_RID, ms="122204.28", billed=122300, size=256, used=256)
GIST_RID = "16f8d3a2-26fc-11e8-bca6-73dbc61c39e7"
GIST_REPORT = REPORT.format(rid=GIST_RID, ms="24792.85", billed=24800, size=128, used=129)
EXITED = "RequestId: {rid} Process exited before completing request"
HEALTHY_REPORT = REPORT.format(
    rid="db1e9421-724a-11e7-a121-63fe49a029e8", ms="15.11", billed=100, size=128, used=18
)
OOM_REPORT = REPORT.format(rid=RID[0], ms="155000.00", billed=155000, size=5120, used=5120) + (
    "Status: error\tError Type: Runtime.OutOfMemory"
)


def labels(messages: list[str]) -> list[tuple[str, int]]:
    lines = [LogLine(CHANGED - timedelta(seconds=i), "/aws/lambda/thumbnailer", m) for i, m in enumerate(messages)]
    return sorted((kind.label, kind.count) for kind in fold_lines(lines))


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        ([KILLED.format(rid=rid) for rid in RID], [(OUT_OF_MEMORY, 2)]),
        ([OOM_REPORT], [(OUT_OF_MEMORY, 1)]),
        ([DASHBIRD_REPORT, EXITED.format(rid=DASHBIRD_RID)], [(OUT_OF_MEMORY, 1), (OUT_OF_MEMORY, 1)]),
        ([GIST_REPORT, EXITED.format(rid=GIST_RID)], [(OUT_OF_MEMORY, 1), (OUT_OF_MEMORY, 1)]),
        ([EXIT_129], [("Runtime.ExitError", 1)]),
    ],
    ids=[
        "signal-killed",
        "runtime-out-of-memory",
        "dashbird-report-at-limit",
        "gist-report-over-limit",
        "exit-129",
    ],
)
def test_lambdas_out_of_memory_lines_say_so_and_other_exits_keep_their_error_type(
    messages: list[str], expected: list[tuple[str, int]]
) -> None:
    assert labels(messages) == expected


def test_a_process_that_exited_with_memory_to_spare_is_not_out_of_memory() -> None:
    # GIVEN "Process exited before completing request" alone, or with its REPORT line far from the limit
    exited = EXITED.format(rid="db1e9421-724a-11e7-a121-63fe49a029e8")
    # THEN neither the line nor a healthy REPORT line is called out of memory: that line also follows a crash
    assert OUT_OF_MEMORY not in dict(labels([exited]))
    assert OUT_OF_MEMORY not in dict(labels([HEALTHY_REPORT, exited]))


def test_the_first_line_says_the_function_runs_out_of_memory() -> None:
    lines = [KILLED.format(rid=rid) for rid in RID]
    found = with_logs(Enrichment.skipped(), "/aws/lambda/orders-api", lines)
    assert headline(alarm(), found) == "*orders-api* failing: out of memory ×2 logged since 13:59 UTC"

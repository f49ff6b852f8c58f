"""What Lookout costs a month in AWS, for a typical team and for a large one: a model, every assumption below,
printed per service. Prices are AWS's published on-demand prices for us-east-1 (arm64 Lambda), without the
free tier (an account's free tier is shared with everything else in it); Slack costs nothing per call.

Per-call figures come from the benches (``docs/measured.md``): an alarm makes 7 DynamoDB calls (5 writes, 2
strongly consistent reads; ``bench/cold_alarm.py``'s call sequence), a storm's alarm about 9
(``bench/storm.py``); durations are the benches' estimates rounded up. What a team's own alarms, logs and
traces cost without Lookout is not counted; what Lookout adds to them (its queries, its log lines) is.

The change ledger (``bot/changes``) is one invocation per change event and a few DynamoDB appends: an append
writes the whole hour's item again, so its write units grow with the changes that hour already holds
(``ledger_write_units``). EventBridge delivers AWS's events on the default bus, and CloudTrail its management
events to it, at no charge; LookupEvents (the card's fallback) is free too.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import memory_of, published  # noqa: E402

# --- prices, us-east-1 ----------------------------------------------------------------------------------------
LAMBDA_GB_S = 0.0000133334  # arm64, per GB-second (aws.amazon.com/lambda/pricing)
LAMBDA_REQUEST = 0.20 / 1e6
SNAPSTART_CACHE_GB_S = 0.0000015046  # per GB-second a SnapStart version is active, per published version
SNAPSTART_RESTORE_GB = 0.0001397998  # per GB restored
DYNAMODB_WRITE = 0.625 / 1e6  # on-demand write request unit (aws.amazon.com/dynamodb/pricing/on-demand)
DYNAMODB_READ = 0.125 / 1e6  # on-demand read request unit (strongly consistent: 1 per 4 KB)
SECRET_MONTH = 0.40  # per secret (aws.amazon.com/secrets-manager/pricing)
SECRET_CALL = 0.05 / 10_000
CW_METRIC_MONTH = 0.30  # per custom metric (EMF) a month, pro-rated hourly (aws.amazon.com/cloudwatch/pricing)
CW_ALARM_MONTH = 0.10  # per standard-resolution alarm
CW_API = 0.01 / 1000  # GetMetricData per metric requested; DescribeAlarms, ListTagsForResource per request
LOGS_INGEST_GB = 0.50
INSIGHTS_GB = 0.005  # per GB scanned
XRAY_TRACE_READ = 0.50 / 1e6  # per trace retrieved or scanned (aws.amazon.com/xray/pricing)
ATHENA_TB = 5.0  # per TB scanned, 10 MB minimum per query
SQS_REQUEST = 0.40 / 1e6
MONTH_S = 30 * 24 * 3600
MEMORY_GB = memory_of("SlackFunction") / 1024  # the template's MemorySize (Globals) for the other functions
ALARM_GB = memory_of("AlarmFunction") / 1024  # the alarm function's own: one full vCPU

# --- per-event figures (the benches) ----------------------------------------------------------------------
ALARM_COLD_S, ALARM_WARM_S = 2.0, 1.5  # handler + init; with call latency (bench/cold_alarm.py)
ALARM_WRITES, ALARM_READS = 5, 2  # of its 7 DynamoDB calls
STORM_ALARM_CALLS = 9  # DynamoDB calls per alarm inside a storm (bench/storm.py), writes and reads alike
ACK_COLD_S, ACK_WARM_S = 0.8, 0.1  # bench/cold_slash.py, bench/warm_ack.py
QUERY_RUN_S = 15.0  # the self-invocation waits on Insights or Athena: polling, billed while it waits
CHECK_RUN_S = 0.5  # the minute's run: heartbeat, the Slack probe, due checks
LOG_LINE_BYTES = 400  # Lookout's own log output per invocation, roughly (Powertools' JSON lines)
XRAY_TRACES_PER_ALARM = 500  # traces GetTraceSummaries scans in the enrichment window (15 minutes)
ALARM_METRICS_PER_ALARM = 3  # GetMetricData metrics: the alarm's own, its neighbours' sparkline lines
# the change ledger (bot/changes): its function's memory, durations, and what one change weighs in DynamoDB
LEDGER_GB = memory_of("ChangesFunction") / 1024
LEDGER_COLD_S, LEDGER_WARM_S = 2.5, 0.1  # a cold start imports boto3 and Powertools at 256 MB; warm: 2-4 calls
CHANGE_KB = 1.2  # one change as an hour's item holds it (bot/changes/ledger_items.to_item), its id in the set
LEDGER_PER_HOUR = 50  # bot/changes/ledger.PER_HOUR: an hour's item stops growing there
STATE_SHARE = 0.6  # changes that carry settings (Lambda's, aliases', stacks'): one more small write each
CARD_LEDGER_ITEMS = 10  # items the card reads per alarm: the alarmed resource's and neighbours' hours, the marker


@dataclass(frozen=True)
class Team:
    name: str
    alarm_changes_per_day: float
    """State changes that reach Lookout (ALARM, OK, INSUFFICIENT_DATA), storms included."""
    storm_share: float
    """Of those, the share that arrives inside storms."""
    cold_share: float
    """Alarm and command invocations that start a new container (sparse traffic: most)."""
    commands_per_day: float
    insights_gb_per_query: float
    athena_queries_per_day: float
    athena_mb_per_query: float
    checks_on: bool
    log_error_lines_per_day: float
    snapstart: bool
    functions: int
    """Functions deployed (three by default: alarm, Slack, checks)."""
    versions_kept: int
    """Published versions a SnapStart function keeps active (each is charged; delete old ones)."""
    metrics: float
    """Custom metrics published through the month (pro-rated: ones that appear only now and then count less)."""
    alarms: int
    """The template's operational alarms."""
    change_events_per_day: float
    """Events the change ledger's rule matches: each deploy of a SAM stack of N functions sends about 4 per
    function (UpdateFunctionCode, UpdateFunctionConfiguration, PublishVersion, UpdateAlias) and 3 stack statuses;
    parameter writes, AppConfig deployments, table and service updates add theirs."""
    changes_per_resource_hour: float
    """Changes a resource's hour holds when it has any (a deploy: 4 on each function)."""
    feed_share: float
    """Of the events, the share also filed under the account's feed (stacks, parameters, AppConfig)."""
    feed_per_hour: float
    """Changes the account feed's busiest hours hold (the feed is one item an hour)."""
    ledger_cold_share: float
    """Ledger invocations that start a new container (changes come in bursts: a deploy warms one)."""


TYPICAL = Team(
    "typical team",
    alarm_changes_per_day=20,
    storm_share=0.0,
    cold_share=0.9,
    commands_per_day=20,
    insights_gb_per_query=1.0,
    athena_queries_per_day=0,
    athena_mb_per_query=0,
    checks_on=True,
    log_error_lines_per_day=0,
    snapstart=False,
    functions=3,
    versions_kept=1,
    metrics=2.5,
    alarms=9,
    change_events_per_day=240,  # 10 deploys of a 5-function stack (230 events) and 10 parameter writes
    changes_per_resource_hour=4,
    feed_share=0.15,
    feed_per_hour=5,
    ledger_cold_share=0.5,
)
LARGE = Team(
    "large team",
    alarm_changes_per_day=1000,
    storm_share=0.5,
    cold_share=0.2,
    commands_per_day=300,
    insights_gb_per_query=5.0,
    athena_queries_per_day=50,
    athena_mb_per_query=200,
    checks_on=True,
    log_error_lines_per_day=50_000,
    snapstart=True,
    functions=5,
    versions_kept=2,
    metrics=10,
    alarms=13,
    change_events_per_day=9000,  # 200 deploys of 10-function stacks (8,600 events), services and config
    changes_per_resource_hour=4,
    feed_share=0.1,
    feed_per_hour=40,
    ledger_cold_share=0.1,
)


def ledger_write_units(changes_in_hour: float) -> float:
    """Write units per change appended to an hour's item that ends the hour holding ``changes_in_hour``: the
    n-th append rewrites an item of n changes, ceil(n × CHANGE_KB) units (DynamoDB bills a write by the item's
    size, 1 KB a unit); the hour stops growing at LEDGER_PER_HOUR."""
    k = max(1, min(round(changes_in_hour), LEDGER_PER_HOUR))
    return sum(-(-n * CHANGE_KB // 1) for n in range(1, k + 1)) / k


def ledger_monthly(team: Team) -> dict[str, float]:
    """The change ledger's month: its invocations, their appends, and the card's reads of it."""
    events = team.change_events_per_day * 30
    alarms = team.alarm_changes_per_day * 30
    seconds = team.ledger_cold_share * LEDGER_COLD_S + (1 - team.ledger_cold_share) * LEDGER_WARM_S
    units = (
        ledger_write_units(team.changes_per_resource_hour)
        + team.feed_share * ledger_write_units(team.feed_per_hour)
        + STATE_SHARE
    )
    cost = {
        "Lambda": events * (seconds * LEDGER_GB * LAMBDA_GB_S + LAMBDA_REQUEST),
        "DynamoDB": events * units * DYNAMODB_WRITE + alarms * CARD_LEDGER_ITEMS * 0.5 * DYNAMODB_READ,
        "logs": events * LOG_LINE_BYTES / 1e9 * LOGS_INGEST_GB,
    }
    if team.snapstart:  # Globals: SnapStart applies to the ledger's function too, each version kept is cached
        cold = events * team.ledger_cold_share * LEDGER_GB * SNAPSTART_RESTORE_GB
        cost["SnapStart"] = team.versions_kept * LEDGER_GB * MONTH_S * SNAPSTART_CACHE_GB_S + cold
    return cost


def monthly(team: Team) -> dict[str, float]:
    days = 30
    alarms = team.alarm_changes_per_day * days
    commands = team.commands_per_day * days
    checks = MONTH_S / 60 if team.checks_on else 0
    forwards = team.log_error_lines_per_day * days / 20  # the forwarder gets about 20 lines a delivery
    alarm_s = alarms * (team.cold_share * ALARM_COLD_S + (1 - team.cold_share) * ALARM_WARM_S)
    ack_s = commands * (team.cold_share * ACK_COLD_S + (1 - team.cold_share) * ACK_WARM_S)
    run_s = commands * QUERY_RUN_S
    gb_s = alarm_s * ALARM_GB + (ack_s + run_s + checks * CHECK_RUN_S + forwards * 0.5) * MEMORY_GB
    invocations = alarms + 2 * commands + checks + forwards
    cost = {
        "Lambda duration": gb_s * LAMBDA_GB_S,
        "Lambda requests": invocations * LAMBDA_REQUEST,
    }
    if team.snapstart:
        cached_gb = (team.functions - 1) * MEMORY_GB + ALARM_GB
        cache = team.versions_kept * cached_gb * MONTH_S * SNAPSTART_CACHE_GB_S
        restores = (alarms * ALARM_GB + commands * MEMORY_GB) * team.cold_share * SNAPSTART_RESTORE_GB
        cost["SnapStart cache + restores"] = cache + restores
    calm, stormy = alarms * (1 - team.storm_share), alarms * team.storm_share
    writes = calm * ALARM_WRITES + stormy * STORM_ALARM_CALLS * 0.7 + commands * 1  # the run's replay record
    reads = calm * ALARM_READS + stormy * STORM_ALARM_CALLS * 0.3
    cost["DynamoDB"] = writes * DYNAMODB_WRITE + reads * DYNAMODB_READ
    cold_containers = (alarms + commands) * team.cold_share
    cost["Secrets Manager"] = SECRET_MONTH + (cold_containers + checks / 5) * SECRET_CALL  # cached 5 min
    enrichment_api = alarms * (2 + ALARM_METRICS_PER_ALARM)  # ListTagsForResource, DescribeAlarms, metrics
    cost["CloudWatch metrics, alarms, API"] = (
        team.metrics * CW_METRIC_MONTH + team.alarms * CW_ALARM_MONTH + enrichment_api * CW_API
    )
    cost["X-Ray reads"] = alarms * XRAY_TRACES_PER_ALARM * XRAY_TRACE_READ
    cost["Logs Insights scans"] = commands * team.insights_gb_per_query * INSIGHTS_GB
    cost["Lookout's own logs"] = invocations * LOG_LINE_BYTES * 4 / 1e9 * LOGS_INGEST_GB
    athena_tb = team.athena_queries_per_day * days * max(10.0, team.athena_mb_per_query) / 1e6
    if athena_tb:
        cost["Athena scans"] = athena_tb * ATHENA_TB
    cost["SQS, SNS, Scheduler"] = (forwards + checks) * SQS_REQUEST  # queue polls, schedules: small
    cost["Change ledger"] = sum(ledger_monthly(team).values())
    return cost


def show(team: Team) -> None:
    cost = monthly(team)
    print(
        f"{team.name}: {team.alarm_changes_per_day:g} alarm state changes a day "
        f"({team.storm_share:.0%} in storms), {team.commands_per_day:g} slash commands a day, "
        f"checks {'on' if team.checks_on else 'off'}, SnapStart {'on' if team.snapstart else 'off'}"
    )
    for name, dollars in sorted(cost.items(), key=lambda kv: -kv[1]):
        print(f"  {name:<32} ${dollars:8.2f}")
    print(f"  {'total a month':<32} ${sum(cost.values()):8.2f}")
    ledger = ledger_monthly(team)
    print(
        f"  change ledger: {team.change_events_per_day:g} change events a day, "
        f"{ledger_write_units(team.changes_per_resource_hour):.1f} write units an append "
        f"({ledger_write_units(team.feed_per_hour):.1f} on the account feed): "
        + ", ".join(f"{k} ${v:.2f}" for k, v in ledger.items())
    )


def main() -> None:
    print("Monthly AWS cost, us-east-1 on-demand prices, no free tier (bench/cost.py states every assumption)")
    show(TYPICAL)
    show(LARGE)
    snap = (2 * MEMORY_GB + ALARM_GB) * MONTH_S * SNAPSTART_CACHE_GB_S
    print(
        f"SnapStart's cache alone, the three default functions, one active version each: ${snap:.2f} a month "
        "(each published version kept active is charged again)"
    )


if __name__ == "__main__":
    with published(__file__):
        main()

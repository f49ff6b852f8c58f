"""The scenario's Athena side: the Glue database and tables exactly as ``template.yaml`` defines them (and the
demo's own, for its mapping: ``local/demo/config/glue_tables.yaml``), the ``lookout`` workgroup with its
bytes-scanned cutoff, two weeks of API access events, the app's field-mapping configuration
(``local.scenario.config_table``: a DynamoDB table's stream through the normalizer into the generic settings tables
and the mapping's), and nine days of the app's own events (docs/app-events.md).

The access events come the way production gets them: API Gateway access-log lines in the documented format,
delivered as CloudWatch Logs subscription payloads through Firehose's processing, the real transform and
moto's Firehose (``local.logs.firehose``). The app events are records the app hands to the app-events stream
(Direct PUT), partitioned by the stream's JQ query as template.yaml configures it — a few of them malformed, so
they land under the stream's error prefix instead of the table."""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3

from local.scenario.config_table import seed_configuration

if TYPE_CHECKING:
    from collections.abc import Sequence

    from local.logs.firehose import Sent

ROOT = Path(__file__).resolve().parents[2]
DATA_BUCKET = "lookout-data"
RESULTS_BUCKET = "lookout-athena-results"
CUTOFF_BYTES = 10 * 1024**3
CUSTOMERS = {"acme": 0.45, "globex": 0.25, "initech": 0.15, "umbrella": 0.10, "hooli": 0.05}
ENDPOINTS = {
    ("POST", "/orders"): 0.35,
    ("GET", "/orders/{id}"): 0.30,
    ("GET", "/catalog"): 0.25,
    ("POST", "/payments"): 0.10,
}


APP_EVENTS_STREAM = "AppEventsStream"
"""The template's logical id of the app-events Firehose stream."""
APP_EVENTS_TIMEZONE = timezone(timedelta(hours=1), "CET")
"""The export worker writes ``at`` in its local time (Europe/Berlin in winter): docs/app-events.md allows it."""
APP_EVENTS_DAYS = 9
"""Days of app events: more than the saved query's default window (7 d), so the window has something to cut."""


@dataclass(frozen=True)
class AppEvents:
    """What the app sent to the app-events stream, in the order it sent it, and where Firehose put each record
    (``Ok`` or an error output type: the stand-in's count, for the demo's summary — tests count for themselves)."""

    sent: tuple[Sent, ...]
    delivered: dict[str, int] = field(default_factory=dict)


def template_tables(
    bucket: str = DATA_BUCKET, template: Path = ROOT / "template.yaml"
) -> dict[str, dict[str, Any]]:
    """The Glue ``TableInput`` of every ``AWS::Glue::Table`` in template.yaml (or another template, such as the
    demo's ``local/demo/config/glue_tables.yaml``), with the bucket filled in."""
    from samtranslator.yaml_helper import yaml_parse

    resources = yaml_parse(template.read_text())["Resources"]
    tables = {}
    for resource in resources.values():
        if resource["Type"] == "AWS::Glue::Table":
            table = _resolve(resource["Properties"]["TableInput"], bucket)
            tables[table["Name"]] = table
    return tables


def scenario_tables(bucket: str = DATA_BUCKET) -> dict[str, dict[str, Any]]:
    """The template's Glue tables and the demo's own (its mapping's ``field_mappings_*``), as the embedded stack
    creates them."""
    from local.demo.config import GLUE_TABLES

    return template_tables(bucket) | template_tables(bucket, GLUE_TABLES)


def template_destination(logical_id: str = APP_EVENTS_STREAM, bucket: str = DATA_BUCKET) -> dict[str, Any]:
    """The ``ExtendedS3DestinationConfiguration`` of a Firehose stream of template.yaml, its bucket filled in."""
    from samtranslator.yaml_helper import yaml_parse

    resource = yaml_parse((ROOT / "template.yaml").read_text())["Resources"][logical_id]
    destination = dict(resource["Properties"]["ExtendedS3DestinationConfiguration"])
    assert destination["BucketARN"] == {"Fn::GetAtt": ["DataBucket", "Arn"]}, destination["BucketARN"]
    return {**destination, "BucketARN": f"arn:aws:s3:::{bucket}"}


def _resolve(value: Any, bucket: str) -> Any:
    if isinstance(value, dict):
        if set(value) == {"Fn::Sub"}:
            text = value["Fn::Sub"]
            return re.sub(r"\$\{!(\w+)\}", r"${\1}", text.replace("${DataBucket}", bucket))
        return {k: _resolve(v, bucket) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, bucket) for v in value]
    return value


Served = tuple[float, str, str]  # (epoch seconds, ok | fault | throttle, customer): one POST /orders


def seed_tables(
    now: datetime,
    region: str,
    rng: random.Random | None = None,
    failing_until: datetime | None = None,
    served: Sequence[Served] = (),
) -> dict[str, Any]:
    """Create catalog, workgroup and data; returns what was written (the access events; the configuration's
    final items as ``field_mappings``; the records sent to the app-events stream as ``app_events``), for tests
    to check against. ``served``: the requests the incident's
    traces, logs and metrics were made from — their access-log lines are these same requests, so /traffic and
    the X-Ray table count the same traffic."""
    rng = rng or random.Random(23)
    s3 = boto3.client("s3", region_name=region)
    for bucket in (DATA_BUCKET, RESULTS_BUCKET):
        s3.create_bucket(Bucket=bucket)
    glue = boto3.client("glue", region_name=region)
    glue.create_database(
        DatabaseInput={"Name": "lookout", "Description": "Tables the Lookout slash commands may read."}
    )
    for definition in scenario_tables().values():
        glue.create_table(DatabaseName="lookout", TableInput=definition)
    boto3.client("athena", region_name=region).create_work_group(
        Name="lookout",
        Configuration={
            "ResultConfiguration": {"OutputLocation": f"s3://{RESULTS_BUCKET}/results/"},
            "EnforceWorkGroupConfiguration": True,
            "BytesScannedCutoffPerQuery": CUTOFF_BYTES,
        },
    )
    records: dict[str, Any] = {"access_events": _access_events(now, rng, failing_until or now, served)}
    _through_firehose(records["access_events"], region)
    records["field_mappings"] = seed_configuration(tuple(CUSTOMERS), region, DATA_BUCKET, rng, now)
    # its own generator, so the access events and the configuration stay what they were before app events came
    sent = app_events(now, random.Random(41), failing_until or now, served)
    from local.logs.firehose import deliver_app_events

    firehose = boto3.client("firehose", region_name=region)
    records["app_events"] = AppEvents(sent, deliver_app_events(sent, firehose, template_destination()))
    return records


def _through_firehose(events: list[dict[str, Any]], region: str) -> None:
    """Each event as the access-log line its API stage would write, through the production pipeline."""
    from bot.analytics.access_logs import Attribution
    from local.logs.firehose import deliver, subscription_payloads

    lines = sorted((_epoch_ms(e["ts"]), json.dumps(_access_log_line(e))) for e in events)
    by_minute: dict[int, list[tuple[int, str]]] = {}
    for at, line in lines:  # CloudWatch Logs delivers as lines come: a batch spans seconds, not hours
        by_minute.setdefault(at // 60_000, []).append((at, line))
    payloads = [
        payload
        for batch in by_minute.values()
        for payload in subscription_payloads("/aws/apigateway/orders-api-access", batch)
    ]
    table = template_tables()["access_events"]["StorageDescriptor"]["Columns"]
    columns = [(c["Name"], c["Type"]) for c in table]
    firehose = boto3.client("firehose", region_name=region)
    counts = deliver(payloads, firehose, f"arn:aws:s3:::{DATA_BUCKET}", Attribution(), columns)
    assert counts == {"Ok": len(events)}, counts  # every line of the documented format is an access event


def _epoch_ms(ts: str) -> int:
    return int(datetime.strptime(ts, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=UTC).timestamp() * 1000)


def _access_log_line(event: dict[str, Any]) -> dict[str, str]:
    """``ACCESS_LOG_FORMAT`` as a REST API stage fills it: every value a string, "-" when absent."""
    return {
        "requestId": event["request_id"],
        "requestTimeEpoch": str(_epoch_ms(event["ts"])),
        "httpMethod": event["method"],
        "routeKey": "-",
        "resourcePath": event["route"],
        "path": "/prod" + event["route"],
        "status": str(event["status"]),
        "responseLatency": str(int(event["latency_ms"])),
        "responseLength": str(event["bytes"]),
        "sourceIp": "198.51.100.7",
        "apiKeyId": "-",
        "principalId": "-",
        "clientKey": event["client_key"],
    }


def _access_events(
    now: datetime, rng: random.Random, failing_until: datetime, served: Sequence[Served]
) -> list[dict[str, Any]]:
    """300 requests a day for two weeks (today until the served requests begin: the digest compares this week
    with the one before), then each served request; without them, 80 POST /orders failing in the 10 minutes
    before ``failing_until``."""
    events = []
    busy_from = datetime.fromtimestamp(min(at for at, _, _ in served), tz=UTC) if served else now
    for day_offset in range(14, -1, -1):
        day_start = (now - timedelta(days=day_offset)).replace(hour=0, minute=0, second=0, microsecond=0)
        span = max(0.0, min(86399.0, (busy_from - day_start).total_seconds()))
        for _ in range(300):
            events.append(_access_event(day_start + timedelta(seconds=rng.uniform(0, span)), rng, failing=False))
    for at, outcome, customer in served:
        status = {"fault": 502, "throttle": 429}.get(outcome, 201)
        latency = rng.uniform(1500, 3000) if outcome == "fault" else rng.lognormvariate(4.2, 0.5)
        event = _access_event(datetime.fromtimestamp(at, tz=UTC), rng, failing=False)
        event |= {"client_key": customer, "method": "POST", "route": "/orders", "status": status}
        events.append(event | {"latency_ms": float(int(latency))})
    if not served:
        for _ in range(80):
            events.append(_access_event(failing_until - timedelta(seconds=rng.uniform(0, 600)), rng, failing=True))
    return events


def _access_event(moment: datetime, rng: random.Random, *, failing: bool) -> dict[str, Any]:
    customer = rng.choices(list(CUSTOMERS), weights=list(CUSTOMERS.values()))[0]
    method, route = (
        ("POST", "/orders") if failing else rng.choices(list(ENDPOINTS), weights=list(ENDPOINTS.values()))[0]
    )
    roll = rng.random()
    if failing:
        status = 502 if roll < 0.5 else 429 if roll < 0.7 else 201
    else:
        status = 404 if roll < 0.03 else 400 if roll < 0.05 else 500 if roll < 0.06 else 200
    return {
        "ts": moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}",
        "request_id": f"{rng.getrandbits(128):032x}",
        "client_key": customer,
        "method": method,
        "route": route,
        "status": status,
        "latency_ms": float(  # API Gateway logs whole milliseconds
            int(rng.uniform(1500, 3000) if failing and status != 201 else rng.lognormvariate(4.2, 0.5))
        ),
        "bytes": rng.randint(200, 6000),
        "day": moment.strftime("%Y-%m-%d"),
    }


def app_events(
    now: datetime, rng: random.Random, failing_until: datetime, served: Sequence[Served] = ()
) -> tuple[Sent, ...]:
    """The records the app sends to the app-events stream, by arrival: nine days of payment-provider webhooks,
    settings changed, exports finished (their ``at`` in the worker's local time, +01:00) and deploys (no customer,
    no id); a webhook for every order of the incident's hour that reached the provider (``served``; failed ones in
    the spike); some webhooks twice (the provider redelivers: the same ``id``). And a few the stream cannot
    partition: exports from a legacy worker without ``at``, events from an old mobile build with ``at`` in epoch
    milliseconds, one record cut off mid-JSON."""
    from local.logs.firehose import Sent

    events: list[tuple[datetime, dict[str, Any] | bytes]] = []
    busy_from = datetime.fromtimestamp(min(at for at, _, _ in served), tz=UTC) if served else now
    for day_offset in range(APP_EVENTS_DAYS - 1, -1, -1):
        day_start = (now - timedelta(days=day_offset)).replace(hour=0, minute=0, second=0, microsecond=0)
        span = max(0.0, min(86399.0, (busy_from - day_start).total_seconds()))
        for kind, per_day in (("webhook", 18), ("setting", 4), ("export", 3), ("deploy", 2)):
            for _ in range(rng.randint(per_day // 2, per_day) if span else 0):
                moment = day_start + timedelta(seconds=rng.uniform(0, span))
                events.append((moment, _app_event(kind, moment, rng)))
    for at, outcome, customer in served:
        if outcome == "throttle":
            continue  # the provider refused the charge before making it: no webhook follows
        moment = datetime.fromtimestamp(at, tz=UTC) + timedelta(seconds=rng.uniform(0.5, 3))
        events.append((moment, _app_event("webhook", moment, rng, customer=customer, failed=outcome == "fault")))
    if not served:  # no requests to follow: the failing ten minutes' webhooks
        for _ in range(20):
            moment = failing_until - timedelta(seconds=rng.uniform(0, 600))
            events.append((moment, _app_event("webhook", moment, rng, failed=True)))
    for moment, event in [e for e in events if isinstance(e[1], dict) and e[1]["type"] == "webhook.received"]:
        if rng.random() < 0.04 and moment + timedelta(seconds=30) < now:  # redelivered: same id, a bit later
            events.append((moment + timedelta(seconds=rng.uniform(5, 30)), event))
    for offset in (6, 2):
        moment = now - timedelta(days=offset, hours=rng.uniform(1, 5))
        legacy = _app_event("export", moment, rng)
        events.append((moment, {k: v for k, v in legacy.items() if k != "at"}))
    for offset in (3, 1):
        moment = now - timedelta(days=offset, hours=rng.uniform(1, 5))
        mobile = _app_event("mobile", moment, rng)
        events.append((moment, {**mobile, "at": int(moment.timestamp() * 1000)}))
    moment = now - timedelta(hours=rng.uniform(2, 20))
    events.append((moment, json.dumps(_app_event("setting", moment, rng)).encode()[:57]))
    sent = []
    for moment, event in sorted(events, key=lambda e: e[0]):
        data = event if isinstance(event, bytes) else json.dumps(event, separators=(",", ":")).encode()
        arrived = moment + timedelta(milliseconds=rng.randint(40, 900))  # PutRecordBatch right after the fact
        sent.append(Sent(min(arrived, now), data))
    return tuple(sent)


def _app_event(
    kind: str, moment: datetime, rng: random.Random, customer: str | None = None, *, failed: bool = False
) -> dict[str, Any]:
    """One event of docs/app-events.md's schema."""
    if kind == "deploy":
        return {  # a deploy belongs to no customer, and CI sends no id
            "type": "deploy.finished",
            "at": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "source": "ci",
            "attributes": {"service": "orders-api", "version": f"v1.{rng.randint(40, 49)}.{rng.randint(0, 9)}"},
        }
    customer = customer or rng.choices(list(CUSTOMERS), weights=list(CUSTOMERS.values()))[0]
    utc = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    if kind == "webhook":
        failed = failed or rng.random() < 0.03
        status = "failed" if failed else "succeeded"
        return {
            "type": "webhook.received",
            "at": utc,
            "customer": customer,
            "source": "billing",
            "id": f"evt_{rng.getrandbits(64):016x}",
            "attributes": {"provider": "payments.example", "event": f"charge.{status}", "status": status},
        }
    if kind == "setting":
        return {
            "type": "setting.changed",
            "at": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "customer": customer,
            "source": "admin",
            "id": f"set_{rng.getrandbits(48):012x}",
            "attributes": {"setting": rng.choice(("webhook_url", "currency", "timezone", "invoice_email"))},
        }
    if kind == "export":
        return {
            "type": "export.finished",
            "at": moment.astimezone(APP_EVENTS_TIMEZONE).isoformat(timespec="seconds"),
            "customer": customer,
            "source": "exports",
            "id": f"exp_{rng.getrandbits(48):012x}",
            "attributes": {"format": rng.choice(("csv", "xlsx")), "rows": str(rng.randint(10, 50_000))},
        }
    assert kind == "mobile", kind
    return {
        "type": "app.opened",
        "at": utc,
        "customer": customer,
        "source": "mobile",
        "id": f"mob_{rng.getrandbits(48):012x}",
        "attributes": {"platform": rng.choice(("ios", "android")), "build": str(rng.randint(400, 420))},
    }


def today(now: datetime | None = None) -> datetime:
    return (now or datetime.now(UTC)).replace(microsecond=0)

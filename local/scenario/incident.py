"""A realistic incident, seeded into the embedded stack through ordinary boto3 calls.

A small app: API Gateway stage ``orders-api/prod`` → Lambda ``orders-api`` → DynamoDB table ``orders`` and the
external payment provider ``api.payments.example``. An hour of normal traffic; then CI deploys new code to
``orders-api`` whose payment client retries every failed charge at once, and four minutes later, as the traffic
rises, the payment provider throttles it (429) and fails (502) for ten minutes, until CI rolls the deploy back:
X-Ray segments, JSON and plain-text logs (one line carries a secret), Lambda and custom metrics, a metric filter,
tagged alarms, and an SNS topic the alarm fires through. The deploy and its rollback are CloudTrail API calls,
delivered as EventBridge delivers them to the change ledger's function (``handlers/changes.py``) — a ledger that
has been recording the account's changes for hours (``LEDGER_SINCE``), as a deployed Lookout's would — and kept in
CloudTrail's event history (LookupEvents) with them.
Its seeding helpers (the alarm plumbing, batched segment, log and metric writes) serve the incident scenarios of
``local.scenario.incidents`` too.
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import boto3

from local.scenario.tables import seed_tables
from local.stack import ACCOUNT, REGION, environment

if TYPE_CHECKING:
    from local.scenario.incidents.seeded_ids import Ids

FUNCTION = "orders-api"
STAGE = "orders-api/prod"
TABLE = "orders"
PROVIDER = "api.payments.example"
LOG_GROUP = f"/aws/lambda/{FUNCTION}"
ALARM = "orders-api-errors"
CUSTOMERS = ("acme", "globex", "initech", "umbrella")
SECRET_LINE = (
    "ERROR retrying charge with Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJvcmRlcnMifQ.c2lnbmF0dXJl"
)
SIGNING_SECRET = "embedded-demo-signing-secret"
INCIDENTS_TABLE = "lookout-incidents"
SPIKE = timedelta(minutes=10)
RECOVERY = timedelta(minutes=4)
"""The provider fails for SPIKE and has recovered RECOVERY before the scenario's end: the OK is real."""
HISTORY = timedelta(hours=1)
DEPLOY_ROLE = "github-actions-deploy"
DEPLOY_SESSION, ROLLBACK_SESSION = "gha-orders-api-1187", "gha-orders-api-1188"
DEPLOYED_BEFORE = timedelta(minutes=4)
"""CI deploys orders-api this long before the provider starts failing: the new code's payment client retries a
failed charge at once, five times, and once the traffic rises the provider throttles it and gives way."""
ROLLED_BACK_BEFORE = timedelta(seconds=10)
"""CI rolls the deploy back this long before the failures stop (the provider recovers within seconds)."""
CODE_BEFORE = "Fq2X7dM4cR9tL1wP8vB3nJ6kH0sY5gA2eZ7uQ4iO1xE="
CODE_DEPLOYED = "hT5wN2pK8rV1cX6mB9zL3qJ7sF0dG4yA8uE2iO5nR1w="
"""The ``codeSha256`` before the deploy (and after its rollback) and of the code it deployed."""
MEMORY_MB, TIMEOUT_S = 512, 6
LEDGER_SINCE = timedelta(hours=6)
"""How long before ``now`` the change ledger started recording: its first change, filed when it happened."""
LEDGER_ENVIRONMENT = {"INCIDENTS_TABLE": INCIDENTS_TABLE, "POWERTOOLS_METRICS_DISABLED": "true"}
"""What the ledger's function runs with here: its table, and no metrics written to stdout (nothing reads them)."""


@dataclass(frozen=True)
class Incident:
    region: str
    topic_arn: str
    tap_queue_url: str
    secret_arn: str
    alarm_arn: str
    started: datetime
    now: datetime
    recovered: datetime | None = None
    """When the failures stopped (RECOVERY before ``now``)."""
    requests: tuple[Request, ...] = ()
    tables: dict[str, Any] = field(default_factory=dict)
    changes: Changes | None = None
    """The account's changes: hours of history, the deploy that caused the incident and its rollback."""


@dataclass(frozen=True)
class Changes:
    """The CloudTrail API calls of the incident's world ("AWS API Call via CloudTrail" events), as delivered."""

    history: tuple[dict[str, Any], ...]
    """Changes hours before, filed by the ledger when they happened."""
    incident: tuple[dict[str, Any], ...]
    """The deploy and its rollback, delivered through ``handlers/changes.py``."""
    deployed_at: datetime
    rolled_back_at: datetime
    recording_since: datetime
    """When the ledger filed its first change (its marker's start)."""


@dataclass
class Request:
    """One request through the app, and what happened at the payment provider."""

    at: float
    outcome: str  # ok | fault | throttle
    customer: str
    order: str
    pay_ms: float
    request_id: str = ""


def seed(now: datetime | None = None, region: str = "us-east-1", rng: random.Random | None = None) -> Incident:
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    rng = rng or random.Random(7)
    requests = _traffic(now, rng)
    plumbing = seed_plumbing(region)
    _seed_traces(requests, region)
    _seed_logs(requests, now, region)
    _seed_metrics(requests, now, region)
    alarm_arn = _seed_alarms(plumbing.topic_arn, region)
    served = [(r.at, r.outcome, r.customer) for r in requests]
    tables = seed_tables(now, region, failing_until=now - RECOVERY, served=served)
    changes = _seed_changes(now, region)
    return Incident(
        region,
        plumbing.topic_arn,
        plumbing.tap_queue_url,
        plumbing.secret_arn,
        alarm_arn,
        now - RECOVERY - SPIKE,
        now,
        recovered=now - RECOVERY,
        requests=tuple(requests),
        tables=tables,
        changes=changes,
    )


def _traffic(now: datetime, rng: random.Random) -> list[Request]:
    """A request every 20 s for the hour, every 4 s in the spike; the provider fails in the spike, which ends
    RECOVERY before ``now`` (busy but healthy from then on)."""
    requests: list[Request] = []
    t = (now - HISTORY).timestamp()
    spike, recovered = (now - RECOVERY - SPIKE).timestamp(), (now - RECOVERY).timestamp()
    while t < now.timestamp() - 5:
        in_spike = spike <= t < recovered
        busy = t >= spike
        roll = rng.random()
        outcome = ("fault" if roll < 0.3 else "throttle" if roll < 0.45 else "ok") if in_spike else "ok"
        pay_ms = (
            rng.uniform(1500, 3000)
            if outcome == "fault"
            else rng.uniform(20, 60)
            if outcome == "throttle"
            else rng.uniform(60, 180)
        )
        request_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        requests.append(
            Request(t, outcome, rng.choice(CUSTOMERS), f"ord-{rng.randrange(10**6):06d}", pay_ms, request_id)
        )
        t += 4 if busy else 20
    return requests


# --- Seeding helpers, shared with the incident scenarios (local/scenario/incidents/) ----------------------------


@dataclass(frozen=True)
class Plumbing:
    """What every seeded app alarms through: the Slack token's secret, the alarm topic with an SQS tap (what
    ``local.scenario.firing`` reads the SNS delivery back from), and Lookout's incidents table."""

    secret_arn: str
    topic_arn: str
    tap_queue_url: str


def seed_plumbing(region: str) -> Plumbing:
    secret = boto3.client("secretsmanager", region_name=region).create_secret(
        Name="lookout/slack",
        SecretString=json.dumps({"bot_token": "xoxb-embedded-demo-token", "signing_secret": SIGNING_SECRET}),
    )
    sns = boto3.client("sns", region_name=region)
    topic = sns.create_topic(Name="ops-alarms")["TopicArn"]
    sqs = boto3.client("sqs", region_name=region)
    tap = sqs.create_queue(QueueName="ops-alarms-tap")["QueueUrl"]
    tap_arn = sqs.get_queue_attributes(QueueUrl=tap, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=tap_arn)
    boto3.client("dynamodb", region_name=region).create_table(
        TableName=INCIDENTS_TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return Plumbing(secret["ARN"], topic, tap)


def iso(ms: int) -> str:
    """Epoch milliseconds as the Lambda runtimes print a line's time: ``2024-05-01T12:00:00.123Z``."""
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def hex_id(rng: random.Random, n: int = 16) -> str:
    """``n`` hex digits (an X-Ray segment id is 16, a trace id's random part 24)."""
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def put_segments(documents: list[str], region: str) -> None:
    """X-Ray segment documents, 50 per PutTraceSegments."""
    xray = boto3.client("xray", region_name=region)
    for i in range(0, len(documents), 50):
        xray.put_trace_segments(TraceSegmentDocuments=documents[i : i + 50])


def put_log_events(group: str, stream: str, events: list[Any], region: str) -> None:
    """A log group with one stream holding ``events`` (in time order, 500 per PutLogEvents)."""
    logs = boto3.client("logs", region_name=region)
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    events = sorted(events, key=lambda e: e["timestamp"])
    for i in range(0, len(events), 500):
        logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events[i : i + 500])


def put_metric_data(namespace: str, data: list[Any], region: str) -> None:
    """Datapoints of one namespace, 500 per PutMetricData."""
    cloudwatch = boto3.client("cloudwatch", region_name=region)
    for i in range(0, len(data), 500):
        cloudwatch.put_metric_data(Namespace=namespace, MetricData=data[i : i + 500])


# --- The demo's incident -------------------------------------------------------------------------------


def _seed_traces(requests: list[Request], region: str) -> None:
    rng = random.Random(11)
    documents: list[str] = []
    for request in requests:
        documents.extend(json.dumps(s) for s in _segments(request, rng))
    put_segments(documents, region)


def _segments(request: Request, rng: random.Random) -> list[dict[str, Any]]:
    t0 = request.at
    trace_id = f"1-{int(t0):08x}-{hex_id(rng, 24)}"
    api_id, invoke_id, service_id, function_id = (hex_id(rng) for _ in range(4))
    db_ms = rng.uniform(5, 15)
    pay_start = t0 + 0.03 + db_ms / 1000
    pay_end = pay_start + request.pay_ms / 1000
    end = pay_end + 0.01
    status = {"ok": 200, "fault": 502, "throttle": 429}[request.outcome]
    flags = {"ok": {}, "fault": {"fault": True}, "throttle": {"error": True, "throttle": True}}[request.outcome]
    cause = {
        "fault": {
            "exceptions": [
                {"id": hex_id(rng), "type": "PaymentError", "message": "502 Bad Gateway from payment provider"}
            ]
        },
        "throttle": {
            "exceptions": [{"id": hex_id(rng), "type": "PaymentThrottled", "message": "429 Too Many Requests"}]
        },
    }.get(request.outcome)
    payment = {
        "id": hex_id(rng),
        "name": PROVIDER,
        "namespace": "remote",
        "start_time": pay_start,
        "end_time": pay_end,
        "http": {
            "request": {"method": "POST", "url": f"https://{PROVIDER}/v1/charges"},
            "response": {"status": status},
        },
        **flags,
        **({"cause": cause} if cause else {}),
    }
    dynamo = {
        "id": hex_id(rng),
        "name": "DynamoDB",
        "namespace": "aws",
        "start_time": t0 + 0.02,
        "end_time": t0 + 0.02 + db_ms / 1000,
        "aws": {"operation": "PutItem", "table_name": TABLE},
        "http": {"response": {"status": 200}},
    }
    http = {
        "request": {"method": "POST", "url": "https://api.orders.example/prod/orders"},
        "response": {"status": status},
    }
    return [
        {
            "trace_id": trace_id,
            "id": api_id,
            "name": STAGE,
            "origin": "AWS::ApiGateway::Stage",
            "start_time": t0,
            "end_time": end + 0.01,
            "http": http,
            **flags,
            "subsegments": [
                {
                    "id": invoke_id,
                    "name": "Lambda",
                    "namespace": "aws",
                    "start_time": t0 + 0.005,
                    "end_time": end + 0.005,
                    "aws": {"operation": "Invoke", "function_name": FUNCTION},
                }
            ],
        },
        {
            "trace_id": trace_id,
            "id": service_id,
            "parent_id": invoke_id,
            "name": FUNCTION,
            "origin": "AWS::Lambda",
            "start_time": t0 + 0.008,
            "end_time": end + 0.003,
            "http": {"response": {"status": status}},
            **flags,
        },
        {
            "trace_id": trace_id,
            "id": function_id,
            "parent_id": service_id,
            "name": FUNCTION,
            "origin": "AWS::Lambda::Function",
            "start_time": t0 + 0.01,
            "end_time": end,
            **flags,
            **({"cause": cause} if cause else {}),
            "subsegments": [dynamo, payment],
        },
    ]


def _seed_logs(requests: list[Request], now: datetime, region: str) -> None:
    stream = f"{now:%Y/%m/%d}/[$LATEST]5f3c1a2e9d774c1b"
    events: list[Any] = []
    last_fault = max((i for i, r in enumerate(requests) if r.outcome == "fault"), default=-1)
    for i, r in enumerate(requests):
        ms = int(r.at * 1000)
        record = {
            "level": "INFO",
            "msg": "order created",
            "requestId": r.request_id,
            "orderId": r.order,
            "data": {"clientKey": r.customer},
            "latency": round(r.pay_ms + 40),
        }
        if r.outcome == "fault":
            record = {
                "level": "ERROR",
                "msg": "payment provider returned 502",
                "error": "PaymentError",
                "requestId": r.request_id,
                "orderId": r.order,
                "data": {"clientKey": r.customer},
                "latency": round(r.pay_ms + 40),
            }
        events.append({"timestamp": ms, "message": json.dumps(record)})
        if r.outcome == "throttle":
            events.append(
                {
                    "timestamp": ms + 1,
                    "message": f"{iso(ms + 1)}\t{r.request_id}\tERROR\tPaymentThrottled: 429 Too Many Requests"
                    f" from {PROVIDER} ({r.order})",
                }
            )
        if r.outcome == "fault" and (i % 7 == 0 or i == last_fault):
            events.append({"timestamp": ms + 2, "message": f"{iso(ms + 2)}\t{r.request_id}\t{SECRET_LINE}"})
    hung = next(r for r in reversed(requests) if r.outcome == "fault")  # the failures' last: the provider hung
    timed_out = datetime.fromtimestamp(hung.at, tz=UTC) + timedelta(seconds=6.01)
    events.append(
        {
            "timestamp": int(timed_out.timestamp() * 1000),
            "message": f"{iso(int(timed_out.timestamp() * 1000))} {hung.request_id}"
            " Task timed out after 6.01 seconds",
        }
    )
    put_log_events(LOG_GROUP, stream, events, region)
    boto3.client("logs", region_name=region).put_metric_filter(
        logGroupName=LOG_GROUP,
        filterName="payment-errors",
        filterPattern='{ $.error = "PaymentError" }',
        metricTransformations=[
            {"metricName": "PaymentErrors", "metricNamespace": "Orders/App", "metricValue": "1"}
        ],
    )


def _seed_metrics(requests: list[Request], now: datetime, region: str) -> None:
    per_minute: dict[datetime, dict[str, float]] = {}
    for r in requests:
        minute = datetime.fromtimestamp(r.at - r.at % 60, tz=UTC)
        bucket = per_minute.setdefault(minute, {"Invocations": 0, "Errors": 0, "PaymentErrors": 0})
        bucket["Invocations"] += 1
        bucket["Errors"] += r.outcome != "ok"
        bucket["PaymentErrors"] += r.outcome == "fault"
    dims = [{"Name": "FunctionName", "Value": FUNCTION}]
    lambda_data: list[Any] = []
    app_data: list[Any] = []
    for minute, counts in sorted(per_minute.items()):
        lambda_data += [
            {
                "MetricName": "Invocations",
                "Dimensions": dims,
                "Timestamp": minute,
                "Value": counts["Invocations"],
                "Unit": "Count",
            },
            {
                "MetricName": "Errors",
                "Dimensions": dims,
                "Timestamp": minute,
                "Value": counts["Errors"],
                "Unit": "Count",
            },
        ]
        app_data.append(
            {"MetricName": "PaymentErrors", "Timestamp": minute, "Value": counts["PaymentErrors"], "Unit": "Count"}
        )
    put_metric_data("AWS/Lambda", lambda_data, region)
    put_metric_data("Orders/App", app_data, region)


def _seed_changes(now: datetime, region: str) -> Changes:
    """The account's CloudTrail API calls: two changes hours before (the first starts the ledger's record), CI's
    deploy of orders-api ``DEPLOYED_BEFORE`` the failures and its rollback as they end — each kept in CloudTrail's
    event history, and delivered to the change ledger."""
    from local.scenario.incidents import ledger  # built on this module's helpers: imported once it is loaded
    from local.scenario.incidents.seeded_ids import Ids

    ids = Ids(31)
    failing_from, recovered = now - RECOVERY - SPIKE, now - RECOVERY
    history = [
        _capacity_raised(ids, now - LEDGER_SINCE),
        _concurrency_reserved(ids, now - timedelta(hours=2, minutes=50)),
    ]
    deployed_at, rolled_back_at = failing_from - DEPLOYED_BEFORE, recovered - ROLLED_BACK_BEFORE
    incident = [
        _code_deployed(ids, deployed_at, DEPLOY_SESSION, CODE_DEPLOYED),
        _code_deployed(ids, rolled_back_at, ROLLBACK_SESSION, CODE_BEFORE),
    ]
    with environment({**LEDGER_ENVIRONMENT, "AWS_REGION": region}):
        filed = ledger.file_history(history, table=INCIDENTS_TABLE, region=region)
        delivered = ledger.deliver(incident, table=INCIDENTS_TABLE, region=region)
    errors = filed.errors + delivered.errors
    if errors:
        raise RuntimeError(f"the change ledger refused the incident's changes: {'; '.join(errors)}")
    return Changes(
        tuple(history),
        tuple(incident),
        deployed_at,
        rolled_back_at,
        recording_since=now - LEDGER_SINCE + ledger.DELIVERY_DELAY,
    )


def _code_deployed(ids: Ids, at: datetime, session: str, code: str) -> dict[str, Any]:
    """CI's deploy of ``code`` to orders-api: new code from S3 (``UpdateFunctionCode``), as in the bad-deploy
    scenario."""
    from local.scenario.incidents import cloudtrail_events

    return cloudtrail_events.api_call_event(
        ids,
        at=at,
        source="aws.lambda",
        event_source="lambda.amazonaws.com",
        event_name="UpdateFunctionCode20150331v2",
        identity=cloudtrail_events.assumed_role(DEPLOY_ROLE, session),
        request={
            "dryRun": False,
            "fullyQualifiedArn": {
                "arnPrefix": {"account": ACCOUNT, "partition": "aws", "region": REGION},
                "functionQualifier": {},
                "relativeId": {"functionName": FUNCTION},
            },
            "functionName": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{FUNCTION}",
            "publish": False,
        },
        response=cloudtrail_events.function_configuration(
            FUNCTION,
            memory_mb=MEMORY_MB,
            timeout_s=TIMEOUT_S,
            runtime="python3.12",
            code_sha256=code,
            last_modified=at,
        ),
        user_agent="aws-sdk-js/3.637.0 ua/2.0 os/linux lang/js md/nodejs#20.17.0 api/lambda#3.637.0",
    )


def _capacity_raised(ids: Ids, at: datetime) -> dict[str, Any]:
    """user/alice raises the ``orders`` table's write capacity from the console (``UpdateTable``: the answer is the
    table as it was, ``UPDATING``, in the shape of the DynamoDB Developer Guide's log file entry)."""
    from local.scenario.incidents import cloudtrail_events

    return cloudtrail_events.api_call_event(
        ids,
        at=at,
        source="aws.dynamodb",
        event_source="dynamodb.amazonaws.com",
        event_name="UpdateTable",
        identity=cloudtrail_events.iam_user("alice"),
        request={"tableName": TABLE, "provisionedThroughput": {"writeCapacityUnits": 25, "readCapacityUnits": 25}},
        response={
            "tableDescription": {
                "tableName": TABLE,
                "attributeDefinitions": [{"attributeType": "S", "attributeName": "orderId"}],
                "keySchema": [{"attributeName": "orderId", "keyType": "HASH"}],
                "provisionedThroughput": {
                    "writeCapacityUnits": 10,
                    "readCapacityUnits": 25,
                    "numberOfDecreasesToday": 0,
                },
                "tableStatus": "UPDATING",
            }
        },
        user_agent="console.amazonaws.com",
    )


def _concurrency_reserved(ids: Ids, at: datetime) -> dict[str, Any]:
    """user/alice reserves 100 concurrent executions for orders-api from the CLI (``PutFunctionConcurrency``)."""
    from local.scenario.incidents import cloudtrail_events

    return cloudtrail_events.api_call_event(
        ids,
        at=at,
        source="aws.lambda",
        event_source="lambda.amazonaws.com",
        event_name="PutFunctionConcurrency20171031",
        identity=cloudtrail_events.iam_user("alice"),
        request={"functionName": FUNCTION, "reservedConcurrentExecutions": 100},
        response={"reservedConcurrentExecutions": 100},
        user_agent="aws-cli/2.17.20 md/awscrt#0.20.11 ua/2.0 os/linux#6.5.0 md/arch#x86_64 lang/python#3.11.9",
    )


def _seed_alarms(topic: str, region: str) -> str:
    cloudwatch = boto3.client("cloudwatch", region_name=region)
    cloudwatch.put_metric_alarm(
        AlarmName=ALARM,
        AlarmDescription="orders-api Lambda is failing requests (see payment provider)",
        Namespace="AWS/Lambda",
        MetricName="Errors",
        Dimensions=[{"Name": "FunctionName", "Value": FUNCTION}],
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=3,
        DatapointsToAlarm=2,
        Threshold=3,
        ComparisonOperator="GreaterThanThreshold",
        TreatMissingData="notBreaching",
        AlarmActions=[topic],
        OKActions=[topic],
        Tags=[
            {"Key": "team", "Value": "checkout"},
            {"Key": "lookout:log-filter", "Value": '?ERROR ?"Task timed out"'},
        ],
    )
    cloudwatch.put_metric_alarm(
        AlarmName="orders-payment-errors",
        Namespace="Orders/App",
        MetricName="PaymentErrors",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=5,
        ComparisonOperator="GreaterThanThreshold",
        AlarmActions=[topic],
        OKActions=[topic],
        Tags=[{"Key": "team", "Value": "checkout"}],
    )
    return str(cloudwatch.describe_alarms(AlarmNames=[ALARM])["MetricAlarms"][0]["AlarmArn"])

"""Golden Block Kit of *enriched* alarm cards: every source answered with a real AWS response body
(tests/fixtures/aws/*.json name theirs) through botocore's Stubber, the enrichers and the renderer run as in
production. Regenerate with ``pytest --update-goldens`` and review the diff.

The offline goldens (tests/unit/test_render_golden.py) cover the event parsing; these cover what the
enrichment adds: the X-Ray table (the right node, '–' for missing figures, the column legend), the log
lines (newest first, or an honest unfinished search) and the sparkline.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from bot.alarms import Alarm
from bot.config import Settings
from bot.enrich.log_search import MAX_CALLS
from bot.enrich.runner import Enricher
from bot.events import parse_event
from bot.slack.blocks.render import render_alarm
from tests.support.enrichment import described
from tests.support.fixtures import GOLDEN, aws_body, load_event
from tests.support.messages import assert_valid_message

CHANGED = datetime(2024, 4, 8, 9, 21, 30, tzinfo=UTC)  # the AWS CLI example's log events fall in its window


class PerOperation:
    """One Stubber'd client per operation, so concurrent enrichers cannot interleave one stub's queue."""

    def __init__(self, service: str, answers: dict[str, list[dict[str, Any]]]) -> None:
        self.clients: dict[str, Any] = {}
        for operation, bodies in answers.items():
            client = boto3.client(service, region_name="us-east-1")
            stubber = Stubber(client)
            for body in bodies:
                stubber.add_response(operation, body, None)
            stubber.activate()
            self.clients[operation] = client

    def __getattr__(self, operation: str) -> Any:
        return getattr(self.clients[operation], operation)


def metric_page(query_id: str) -> dict[str, Any]:
    """GetMetricData in the API reference's shape: one result, oldest first (ScanBy TimestampAscending)."""
    minutes = [CHANGED.replace(second=0) - timedelta(minutes=n) for n in range(9, -1, -1)]
    values = [0.0, 0.0, 1.0, 0.0, 0.0, 2.0, 5.0, 6.0, 7.0, 9.0]
    return {
        "MetricDataResults": [
            {"Id": query_id, "Label": "Errors", "Timestamps": minutes, "Values": values, "StatusCode": "Complete"}
        ],
        "Messages": [],
    }


def cli_page(message: str) -> dict[str, Any]:
    """The AWS CLI example's page, with the one event that falls in the slice asked for."""
    events = aws_body("logs_cli_filter_log_events.json")["events"]
    return {"events": [e for e in events if e["message"] == message]}


def lambda_alarm(function: str) -> Alarm:
    item = parse_event(load_event("sns_alarm_lambda_errors.json"))[0].item
    assert isinstance(item, Alarm)
    query = item.queries[0]
    assert query.metric is not None
    metric = replace(query.metric, dimensions=(("FunctionName", function),))
    return replace(item, changed_at=CHANGED, queries=(replace(query, metric=metric),), tags=None)


def scenario(name: str) -> tuple[Alarm, dict[str, Any]]:
    empty_with_token = aws_body("logs_empty_page_with_token.json")
    if name == "lambda_twin_nodes":
        target = lambda_alarm("random-name")
        tags: dict[str, Any] = {"Tags": []}
        logs = {"filter_log_events": [cli_page("Test MESSAGE2"), cli_page("Test MESSAGE1")]}  # newest slice first
        xray = {
            "get_service_graph": [aws_body("xray_lambda_twin_nodes.json")],
            "get_trace_summaries": [aws_body("xray_devguide_trace_summaries.json")],
        }
    elif name == "devguide_graph_unfinished_logs":
        target = lambda_alarm("xray-sample")
        tags = {"Tags": [{"Key": "lookout:xray-service", "Value": "xray-sample.elasticbeanstalk.com"}]}
        logs = {"filter_log_events": [{"events": []}] + [empty_with_token] * (MAX_CALLS - 1)}
        xray = {
            "get_service_graph": [aws_body("xray_devguide_service_graph.json")],
            "get_trace_summaries": [aws_body("xray_devguide_trace_summaries.json")],
        }
    else:
        raise AssertionError(name)
    cloudwatch = {
        "describe_alarms": [
            {"MetricAlarms": [described(target)], "CompositeAlarms": []}
        ],  # CloudWatch confirms it
        "list_tags_for_resource": [tags],
        "get_metric_data": [metric_page(target.queries[0].id)],
    }
    # no change ledger in these settings: CloudTrail is searched for the function and its neighbours (the
    # API reference's empty answer: nothing changed in the hour, LookupEvents found no events)
    searched = 1 if name == "lambda_twin_nodes" else 2
    clients = {
        "cloudtrail": PerOperation("cloudtrail", {"lookup_events": [{"Events": []}] * searched}),
        "xray": PerOperation("xray", xray),
        "logs": PerOperation("logs", logs),
        "cloudwatch": PerOperation("cloudwatch", cloudwatch),
    }
    return target, clients


@pytest.mark.parametrize("name", ["lambda_twin_nodes", "devguide_graph_unfinished_logs"])
def test_enriched_card_matches_golden(name: str, update_goldens: bool) -> None:
    target, clients = scenario(name)
    enricher = Enricher(Settings(logs_deadline_s=10, xray_deadline_s=10, metrics_deadline_s=10), clients.get)
    enrichment = enricher.enrich(target)
    assert not any(f.failed for f in (enrichment.xray, enrichment.logs, enrichment.metric)), enrichment
    payload = render_alarm(target, enrichment).payload("#alerts")
    assert_valid_message(payload)
    golden = GOLDEN / "enriched" / f"{name}.json"
    if update_goldens:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    assert golden.exists(), f"no golden {golden.name}: run pytest --update-goldens, review the file and commit it"
    assert payload == json.loads(golden.read_text())

"""Incident records in the incidents table (their key family and TTL: ``bot.table_keys``).

Every write that depends on what was read is conditional on the record's ``version``; a lost race re-reads
and tries again, so concurrent deliveries of the same alarm never overwrite each other.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, fields, replace
from typing import TYPE_CHECKING

from bot import aws, coerce, table_keys
from bot.table_keys import INCIDENT_TTL_S

if TYPE_CHECKING:
    from collections.abc import Mapping

    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import PutItemInputTypeDef


class Conflict(Exception):
    """The record changed since it was read."""


@dataclass(frozen=True)
class Incident:
    alarm_arn: str
    channel: str
    ts: str = ""
    state: str = "ALARM"
    status: str = "open"  # posting | open | resolved
    opened_at: float = 0.0
    changed_at: float = 0.0
    last_notified_at: float = 0.0
    notify_count: int = 0
    history: tuple[tuple[str, float], ...] = ()
    acked_by: str = ""
    silenced_until: float = 0.0
    silenced_by: str = ""
    storm: str = ""
    storm_seq: int = 0
    """This incident's latest entry in its storm (``bot.lifecycle.storm``): a retry finds its own."""
    logs: str = ""
    """JSON: the log groups, filter pattern and window of the last message ("More logs" continues there)."""
    service: str = ""
    noted_at: float = 0.0
    """The alarm time of the last "still firing" note (0: none yet; the opening counts as one)."""
    counted: str = ""
    """The storm window this incident's latest opening counted in (``bot.lifecycle.storm.Admission``)."""
    escalate_after_s: int = 0
    """This opening's escalation (``bot.lifecycle.escalation``): the thread note that calls ``escalate_to`` is
    due this long after ``opened_at`` (0: the incident does not escalate)…"""
    escalate_page_s: int = 0
    """… and the escalation topic's page this long after the note."""
    escalate_to: str = ""
    escalated: int = 0
    """Escalation steps taken for this opening: 0 none, 1 the thread note, 2 the page."""
    name: str = ""
    """The alarm's name and its opening reason (redacted, cut): what the page says, written at an opening
    that escalates."""
    reason: str = ""
    version: int = 0

    @property
    def silenced(self) -> bool:
        return self.silenced_until > time.time()


class IncidentStore:
    def __init__(self, table: str, client: DynamoDBClient) -> None:
        self.table = table
        self.client = client

    # --- incidents ---------------------------------------------------------------------------------------

    def get(self, alarm_arn: str) -> Incident | None:
        found = self.client.get_item(
            TableName=self.table, Key=table_keys.key(table_keys.incident(alarm_arn)), ConsistentRead=True
        ).get("Item")
        if not found:
            return None
        item: Mapping[str, object] = table_keys.attributes(found)
        data = json.loads(coerce.text(item["data"]))
        data["history"] = tuple(tuple(h) for h in data.get("history", ()))
        known = {
            f.name for f in fields(Incident)
        }  # a newer version's fields are not this one's: a rollback reads on
        version = coerce.whole(item["version"]) or 0
        return Incident(**{k: v for k, v in data.items() if k in known}, version=version)

    def put(self, incident: Incident) -> Incident:
        """Write ``incident`` if nobody else wrote since it was read (version 0: if there is none yet)."""
        saved = replace(incident, version=incident.version + 1)
        data = asdict(saved)
        data.pop("version")
        condition = "attribute_not_exists(pk)" if incident.version == 0 else "version = :v"
        request: PutItemInputTypeDef = {
            "TableName": self.table,
            "Item": table_keys.item(
                table_keys.incident(incident.alarm_arn),
                data=json.dumps(data),
                version=saved.version,
                expiration=table_keys.expires(INCIDENT_TTL_S, time.time()),
            ),
            "ConditionExpression": condition,
        }
        if incident.version:
            request["ExpressionAttributeValues"] = table_keys.values(v=incident.version)
        try:
            self.client.put_item(**request)
        except Exception as exc:
            if aws.error_code(exc) == "ConditionalCheckFailedException":
                raise Conflict(incident.alarm_arn) from None
            raise
        return saved

    def delete(self, incident: Incident) -> None:
        """Remove the record if nobody wrote it since ``incident`` was saved."""
        try:
            self.client.delete_item(
                TableName=self.table,
                Key=table_keys.key(table_keys.incident(incident.alarm_arn)),
                ConditionExpression="version = :v",
                ExpressionAttributeValues=table_keys.values(v=incident.version),
            )
        except Exception as exc:
            if aws.error_code(exc) == "ConditionalCheckFailedException":
                raise Conflict(incident.alarm_arn) from None
            raise


_incident_key = table_keys.incident  # the name tests/unit/test_deploy_files.py checks the Slack policy with

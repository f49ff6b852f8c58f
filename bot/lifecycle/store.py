"""Incident records in one DynamoDB table (key ``pk``, TTL attribute ``expiration``).

Every write that depends on what was read is conditional on the record's ``version``; a lost race re-reads
and tries again, so concurrent deliveries of the same alarm never overwrite each other.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, replace
from typing import Any

from bot import aws

INCIDENT_TTL_S = 30 * 86400


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
    counted: str = ""
    """The storm window this incident's latest opening counted in (``bot.lifecycle.storm.Admission``)."""
    version: int = 0

    @property
    def silenced(self) -> bool:
        return self.silenced_until > time.time()


class IncidentStore:
    def __init__(self, table: str, client: Any) -> None:
        self.table = table
        self.client = client

    # --- incidents ---------------------------------------------------------------------------------------

    def get(self, alarm_arn: str) -> Incident | None:
        item = self.client.get_item(
            TableName=self.table, Key={"pk": {"S": _incident_key(alarm_arn)}}, ConsistentRead=True
        ).get("Item")
        if not item:
            return None
        data = json.loads(item["data"]["S"])
        data["history"] = tuple(tuple(h) for h in data.get("history", ()))
        return Incident(**{**data, "version": int(item["version"]["N"])})

    def put(self, incident: Incident) -> Incident:
        """Write ``incident`` if nobody else wrote since it was read (version 0: if there is none yet)."""
        saved = replace(incident, version=incident.version + 1)
        data = asdict(saved)
        data.pop("version")
        condition = "attribute_not_exists(pk)" if incident.version == 0 else "version = :v"
        values = {":v": {"N": str(incident.version)}} if incident.version else {}
        try:
            self.client.put_item(
                TableName=self.table,
                Item={
                    "pk": {"S": _incident_key(incident.alarm_arn)},
                    "data": {"S": json.dumps(data)},
                    "version": {"N": str(saved.version)},
                    "expiration": {"N": str(int(time.time()) + INCIDENT_TTL_S)},
                },
                ConditionExpression=condition,
                **({"ExpressionAttributeValues": values} if values else {}),
            )
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
                Key={"pk": {"S": _incident_key(incident.alarm_arn)}},
                ConditionExpression="version = :v",
                ExpressionAttributeValues={":v": {"N": str(incident.version)}},
            )
        except Exception as exc:
            if aws.error_code(exc) == "ConditionalCheckFailedException":
                raise Conflict(incident.alarm_arn) from None
            raise


def _incident_key(alarm_arn: str) -> str:
    return f"incident#{alarm_arn}"

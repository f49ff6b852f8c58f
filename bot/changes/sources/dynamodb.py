"""DynamoDB's changes, from CloudTrail: ``UpdateTable``. Its answer describes the table as it was when the call
returned — ``UPDATING``, "the table still has the provisioned throughput from before the call" (DynamoDB
Developer Guide) — so the event itself says old → new for the capacity and billing mode it changes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import coerce
from bot.changes import links, resources
from bot.changes.cloudtrail import dig, request_diffs, value
from bot.changes.model import Diff, UnknownChange

if TYPE_CHECKING:
    from bot.changes.cloudtrail import Call
    from bot.changes.model import Change

SOURCE = "dynamodb.amazonaws.com"
EVENT_NAMES = ("UpdateTable",)
NAMED = {
    "streamSpecification": "stream",
    "sSESpecification": "encryption",
    "replicaUpdates": "replicas",
    "tableClass": "table class",
    "deletionProtectionEnabled": "deletion protection",
    "onDemandThroughput": "on-demand maximum throughput",
    "warmThroughput": "warm throughput",
    "attributeDefinitions": "attribute definitions",
}


def read(call: Call) -> Change:
    before = call.response.get("tableDescription")
    before = before if isinstance(before, dict) else {}
    table = coerce.text(call.request.get("tableName") or before.get("tableName"))
    if not table:
        raise UnknownChange(f"{call.name} names no table (requestParameters.tableName)")
    diffs: list[Diff] = []
    throughput = call.request.get("provisionedThroughput")
    if isinstance(throughput, dict):
        for field, label in (("readCapacityUnits", "read capacity"), ("writeCapacityUnits", "write capacity")):
            if field in throughput:
                old = value(dig(before, "provisionedThroughput", field))
                diffs.append(Diff(label, value(throughput[field]), old))
    if "billingMode" in call.request:
        old = value(dig(before, "billingModeSummary", "billingMode"))
        diffs.append(Diff("billing mode", value(call.request["billingMode"]), old))
    for update in coerce.items(call.request.get("globalSecondaryIndexUpdates")):
        if isinstance(update, dict):
            for op, spec in update.items():
                index = coerce.text(spec.get("indexName")) if isinstance(spec, dict) else ""
                diffs.append(Diff(f"index {index} {op}".replace("  ", " "), None))
    diffs += request_diffs(call.request, NAMED)
    return call.change(
        service=resources.DYNAMODB,
        resource=table,
        resources=(resources.key(resources.DYNAMODB, table),),
        diffs=diffs,
        link=links.dynamodb_table(call.region, table),
    )

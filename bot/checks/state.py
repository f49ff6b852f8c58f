"""A check's standing between runs — passing or failing, and how many runs in a row failed — and the
decision a new result makes: *failing* after ``fail_after`` consecutive failed runs, *passing* again after
the first good run. Kept in the incidents table under ``check#<region>#<name>`` (``bot.table_keys.check``), with
no TTL: a standing lasts as long as its check.

Two deliveries of the same scheduled minute (EventBridge Scheduler delivers at least once) race on the same
record: the write is conditional on the version read, so only one of them can decide a transition; the
other reads again and finds the decision made. The transition's alert itself is then posted once by the
alert lifecycle (its change key is the check, the state and the run's time).

Not for: running checks, or what the card says (``bot.checks.alarm``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from bot import table_keys
from bot.text import excerpt

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import PutItemInputTypeDef

    from bot.checks.model import Result

Transition = Literal["failing", "passing"]
KEPT_CHARS = 1000
"""Of the transition's summary and of each evidence line, in the record (redacted, then cut)."""


@dataclass(frozen=True)
class Standing:
    failing: bool = False
    failures: int = 0
    """Consecutive failed runs up to now."""
    since: str = ""
    """When the current standing began (ISO 8601), "" before the first run."""
    version: int = 0
    announced: bool = True
    """False from a transition until its alert was delivered: a later run delivers it again (the alert
    lifecycle posts it once), so a transition whose post failed is never lost."""
    summary: str = ""
    evidence: tuple[str, ...] = ()
    """The transition's run, kept to announce it again."""


def advance(before: Standing, result: Result, fail_after: int) -> tuple[Standing, Transition | None]:
    """The standing after ``result`` and the transition it makes, if any. An unjudged run changes nothing."""
    if not result.judged:
        return before, None
    at = result.at.isoformat()
    version = before.version + 1
    if result.ok:
        if before.failing:
            return Standing(False, 0, at, version, False, result.summary, result.evidence), "passing"
        return replace(before, failures=0, since=before.since or at, version=version), None
    failures = before.failures + 1
    if not before.failing and failures >= fail_after:
        return Standing(True, failures, at, version, False, result.summary, result.evidence), "failing"
    return replace(before, failures=failures, since=before.since or at, version=version), None


class StandingStore:
    """Standings in DynamoDB (the injected client), written only if nobody wrote since they were read."""

    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        self.dynamodb = dynamodb
        self.table = table

    def read(self, key: str) -> Standing:
        found = self.dynamodb.get_item(TableName=self.table, Key=table_keys.key(key), ConsistentRead=True)
        if not found.get("Item"):
            return Standing()
        item = table_keys.attributes(found["Item"])
        return Standing(
            failing=item.get("failing", False),
            failures=int(item.get("failures", 0)),
            since=item.get("since", ""),
            version=int(item.get("version", 0)),
            announced=item.get("announced", True),
            summary=item.get("summary", ""),
            evidence=tuple(item.get("evidence", ())),
        )

    def write(self, key: str, before: Standing, after: Standing) -> bool:
        """Store ``after`` if the record is still ``before``; False when another run got there first."""
        request: PutItemInputTypeDef = {
            "TableName": self.table,
            "Item": table_keys.item(
                key,
                failing=after.failing,
                failures=after.failures,
                since=after.since,
                version=after.version,
                announced=after.announced,
                summary=excerpt(after.summary, KEPT_CHARS),
                evidence=[excerpt(line, KEPT_CHARS) for line in after.evidence[:20]],
            ),
            "ConditionExpression": "attribute_not_exists(pk)",
        }
        if before.version:
            request["ConditionExpression"] = "version = :seen"
            request["ExpressionAttributeValues"] = table_keys.values(seen=before.version)
        try:
            self.dynamodb.put_item(**request)
        except self.dynamodb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def announced(self, key: str, standing: Standing) -> None:
        """The standing's transition was delivered; nothing when a later run has written since."""
        self.write(key, standing, replace(standing, announced=True, version=standing.version + 1))

    def record(self, key: str, result: Result, fail_after: int) -> tuple[Standing, Transition | None]:
        """Read, decide, write — again once if another run wrote in between (then its decision stands)."""
        for _ in range(2):
            before = self.read(key)
            after, transition = advance(before, result, fail_after)
            if after == before or self.write(key, before, after):
                return after, transition
        return self.read(key), None

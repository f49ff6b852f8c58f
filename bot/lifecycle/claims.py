"""Exactly-once per state change: a claim record in the incidents table, taken before the work and kept
after it.

Why not Powertools Idempotency (used until the cold-start work of issue #7): its package imports boto3 at
module level, ~140 ms of CPU on every cold alarm, for three conditional writes. The states are the same as
its: *in progress* with an expiry tied to the invocation's remaining time (a crashed delivery does not block
Lambda's retry), *completed* with the result for later duplicates, and the claim deleted when the work fails
so that the retry can post.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import TYPE_CHECKING, Any

from bot import aws

if TYPE_CHECKING:
    from collections.abc import Callable

IN_PROGRESS = "INPROGRESS"
COMPLETED = "COMPLETED"


class ClaimTaken(Exception):
    """Another delivery of the same change has completed it or is working on it now."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


class Claims:
    def __init__(self, table: str, client: Callable[[], Any], keep_s: int) -> None:
        self.table = table
        self._client = client
        self.keep_s = keep_s

    def run(self, key: str, work: Callable[[], dict[str, str]], remaining_s: float) -> dict[str, str]:
        """``work()``'s result, run only if no other delivery of ``key`` completed or is running it."""
        pk = "claim#" + hashlib.sha256(key.encode()).hexdigest()
        self._claim(pk, remaining_s)
        try:
            result = work()
        except BaseException:
            self.client.delete_item(TableName=self.table, Key={"pk": {"S": pk}})
            raise
        self.client.put_item(
            TableName=self.table,
            Item={
                "pk": {"S": pk},
                "status": {"S": COMPLETED},
                "data": {"S": json.dumps(result)},
                "expiration": {"N": str(int(time.time()) + self.keep_s)},
            },
        )
        return result

    @property
    def client(self) -> Any:
        return self._client()

    def _claim(self, pk: str, remaining_s: float) -> None:
        now = time.time()
        for _ in range(2):  # once more if the record we lost to was deleted before we could read it
            try:
                self.client.put_item(
                    TableName=self.table,
                    Item={
                        "pk": {"S": pk},
                        "status": {"S": IN_PROGRESS},
                        "in_progress_expiration": {"N": str(int((now + max(remaining_s, 1.0)) * 1000))},
                        "expiration": {"N": str(int(now) + self.keep_s)},
                    },
                    ConditionExpression=(
                        "attribute_not_exists(pk) OR expiration < :now "
                        "OR (#status = :running AND in_progress_expiration < :now_ms)"
                    ),
                    ExpressionAttributeNames={"#status": "status"},
                    ExpressionAttributeValues={
                        ":now": {"N": str(int(now))},
                        ":now_ms": {"N": str(int(now * 1000))},
                        ":running": {"S": IN_PROGRESS},
                    },
                )
                return
            except Exception as exc:
                if aws.error_code(exc) != "ConditionalCheckFailedException":
                    raise
            found = self.client.get_item(TableName=self.table, Key={"pk": {"S": pk}}, ConsistentRead=True)
            if "Item" in found:
                raise ClaimTaken(found["Item"].get("status", {}).get("S", IN_PROGRESS))
        raise ClaimTaken(IN_PROGRESS)

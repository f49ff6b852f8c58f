"""A short memory of the Slack request signatures already seen, so that a captured request replayed within
Slack's five-minute window is refused (Bolt verifies signatures but keeps no such memory). A slash command's
signature is remembered where its query starts (the self-invocation), not before the ack: the answer to Slack
waits on nothing but the signature check and the hand-off, and a replay still runs nothing.

With the incidents table the memory is shared by every Lambda container (a conditional put with a TTL, under
``bot.table_keys.signature``);
without it, or while the table cannot be reached, it is per process (commands keep working: the signature
and its age are checked before).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from typing import TYPE_CHECKING

from bot import table_keys
from bot.aws import error_code
from bot.table_keys import SIGNATURE_TTL_S as WINDOW_S  # longer than any signed request is accepted

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_LOG = logging.getLogger(__name__)
MEMORY = 10_000


class SeenSignatures:
    def __init__(self, table: str | None = None, client: DynamoDBClient | None = None) -> None:
        """``client``: the DynamoDB client of the shared memory (needed with ``table``)."""
        if table and client is None:
            raise ValueError("the shared replay memory needs a DynamoDB client")
        self.table = table
        self._client = client
        self._local: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, signature: str, holder: str = "") -> bool:
        """Remember ``signature``; False when it was already seen within the window — unless by the same
        ``holder`` (a Lambda retry of the same invocation keeps its request id, and may go on)."""
        if not signature:
            return True  # unsigned requests are refused by the signature check itself
        now = time.time()
        with self._lock:
            while self._local and next(iter(self._local.values()))[0] < now:
                self._local.popitem(last=False)
            seen = self._local.get(signature)
            if seen is not None:
                return bool(holder) and seen[1] == holder
            self._local[signature] = (now + WINDOW_S, holder)
            if len(self._local) > MEMORY:
                self._local.popitem(last=False)
        if not self.table or self._client is None:  # (a table comes with its client: see __init__)
            return True
        try:
            return self._remember_shared(self._client, self.table, signature, holder, now)
        except Exception:  # noqa: BLE001 - the signature and its age were checked; this container still remembers
            _LOG.warning("shared replay memory unavailable; this container's memory only", exc_info=True)
            return True

    def _remember_shared(
        self, client: DynamoDBClient, table: str, signature: str, holder: str, now: float
    ) -> bool:
        condition = "attribute_not_exists(pk) OR expiration < :now"
        values: dict[str, int | str] = {"now": int(now)}
        if holder:
            condition += " OR holder = :holder"
            values["holder"] = holder
        try:
            client.put_item(
                TableName=table,
                Item=table_keys.item(
                    table_keys.signature(signature), expiration=table_keys.expires(WINDOW_S, now), holder=holder
                ),
                ConditionExpression=condition,
                ExpressionAttributeValues=table_keys.values(**values),
            )
        except Exception as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

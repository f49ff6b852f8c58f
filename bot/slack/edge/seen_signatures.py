"""A short memory of the Slack request signatures already seen, so that a captured request replayed within
Slack's five-minute window is refused (Bolt verifies signatures but keeps no such memory).

With the incidents table the memory is shared by every Lambda container (a conditional put with a TTL);
without it, or while the table cannot be reached, it is per process (commands keep working: the signature
and its five-minute age are checked before).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from typing import Any

from bot.aws import error_code

_LOG = logging.getLogger(__name__)
WINDOW_S = 6 * 60  # Slack accepts timestamps up to 5 minutes old; remember a little longer
MEMORY = 10_000


class SeenSignatures:
    def __init__(self, table: str | None = None, client: Any = None) -> None:
        """``client``: the DynamoDB client of the shared memory (needed with ``table``)."""
        if table and client is None:
            raise ValueError("the shared replay memory needs a DynamoDB client")
        self.table = table
        self._client = client
        self._local: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, signature: str) -> bool:
        """Remember ``signature``; False when it was already seen within the window."""
        if not signature:
            return True  # unsigned requests are refused by the signature check itself
        now = time.time()
        with self._lock:
            while self._local and next(iter(self._local.values())) < now:
                self._local.popitem(last=False)
            if signature in self._local:
                return False
            self._local[signature] = now + WINDOW_S
            if len(self._local) > MEMORY:
                self._local.popitem(last=False)
        if not self.table:
            return True
        try:
            return self._remember_shared(signature, now)
        except Exception:  # noqa: BLE001 - the signature and its age were checked; this container still remembers
            _LOG.warning("shared replay memory unavailable; this container's memory only", exc_info=True)
            return True

    def _remember_shared(self, signature: str, now: float) -> bool:
        try:
            self._client.put_item(
                TableName=self.table,
                Item={"pk": {"S": f"signature#{signature}"}, "expiration": {"N": str(int(now + WINDOW_S))}},
                ConditionExpression="attribute_not_exists(pk) OR expiration < :now",
                ExpressionAttributeValues={":now": {"N": str(int(now))}},
            )
        except Exception as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

"""Exactly once per state change, with Powertools Idempotency on the incidents table.

The key is the alarm ARN + new state + state-change time (or the SNS message id of anything else), under a
fixed prefix so that the Lambda function and ``lookout replay`` share it (``bot.table_keys.ONCE_PREFIX``).
Powertools' states are the ones an alert needs: *in progress* expires with the invocation
(``register_lambda_context``), so a crashed delivery never blocks Lambda's retry; *completed* keeps the result
for later duplicates; a failed post deletes the record so that the retry posts. A concurrent delivery — or our
own retry after a lost PutItem response — finds the record in progress and raises
``IdempotencyAlreadyInProgressError``: that invocation fails and Lambda tries again after the claim has
expired, which then posts once or finds it completed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_lambda_powertools.utilities.typing import LambdaContext

from bot import table_keys

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_dynamodb import DynamoDBClient

    from bot.delivery import Deadline


class TrackingUnavailable(RuntimeError):
    """The incidents table could not be reached to claim this state change, so nothing was done for it: the
    alert goes out untracked rather than not at all (a rare duplicate over a lost alert)."""


UNREACHABLE_CODES = {"InternalServerError", "ServiceUnavailable"}
"""The table does not answer: the alert goes out untracked. Throttling is not among them: it passes (the SDK
retries it, then Lambda retries the invocation), and an alert posted untracked beside one a throttled retry
had already shown would be a duplicate."""


def unreachable(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or what caused it) says the table could not be reached or would not answer."""
    from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

    while exc is not None:
        if isinstance(exc, ConnectionError | HTTPClientError | OSError):  # OSError: timeouts, refused sockets
            return True
        if isinstance(exc, ClientError):
            status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
            return status >= 500 or exc.response.get("Error", {}).get("Code") in UNREACHABLE_CODES
        exc = exc.__cause__ or exc.__context__
    return False


class ChangeInProgress(RuntimeError):
    """Another delivery of this state change holds the claim (or our own claim's response was lost): this
    invocation fails so that Lambda retries it once the claim has completed or expired."""


class ExactlyOnce:
    def __init__(self, table: str, dynamodb: DynamoDBClient, keep_s: int = table_keys.ONCE_TTL_S) -> None:
        from aws_lambda_powertools.utilities.idempotency import (
            DynamoDBPersistenceLayer,
            IdempotencyConfig,
            idempotent_function,
        )

        self.config = IdempotencyConfig(expires_after_seconds=keep_s)
        layer = DynamoDBPersistenceLayer(
            table_name=table,
            key_attr=table_keys.KEY,
            expiry_attr=table_keys.TTL_ATTRIBUTE,
            in_progress_expiry_attr="in_progress_expiration",
            status_attr="status",
            data_attr="result",
            boto3_client=dynamodb,
        )

        @idempotent_function(
            data_keyword_argument="change",
            persistence_store=layer,
            config=self.config,
            key_prefix=table_keys.ONCE_PREFIX,
        )
        def once(*, change: dict[str, str], work: Callable[[], dict[str, str]]) -> dict[str, str]:
            return work()

        self._once = once

    def run(
        self,
        key: str,
        work: Callable[[], dict[str, str]],
        *,
        lambda_context: LambdaContext | None,
        deadline: Deadline,
    ) -> tuple[dict[str, str], bool]:
        """``work()``'s result and whether it ran now (False: a duplicate of a completed change)."""
        context = lambda_context or _DeadlineContext(deadline)
        self.config.register_lambda_context(context)
        ran: list[bool] = []

        def tracked() -> dict[str, str]:
            ran.append(True)
            return work()

        from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError

        try:
            result = self._once(change={"key": key}, work=tracked)
        except IdempotencyAlreadyInProgressError:
            raise ChangeInProgress(
                "this state change is already in progress in another delivery (or its claim's response was "
                "lost); failing so that Lambda retries once the claim completes or expires"
            ) from None
        except Exception as exc:
            if not ran and unreachable(exc):  # the claim itself failed: nothing was done for this change
                raise TrackingUnavailable(f"the incidents table is unreachable: {exc}") from exc
            raise
        return (result or {}), bool(ran)


class _DeadlineContext(LambdaContext):
    """The part of a Lambda context Powertools reads, for runs outside Lambda (``lookout replay``, tests):
    the in-progress claim then expires with the deadline, as it would with the invocation."""

    def __init__(self, deadline: Deadline) -> None:
        self._deadline = deadline

    def get_remaining_time_in_millis(self) -> int:  # type: ignore[override]  # a static stub in Powertools
        return max(1000, int(self._deadline.remaining() * 1000))

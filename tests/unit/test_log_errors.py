"""Error lines from any log group: the subscription payload (the Lambda docs' CloudWatch Logs sample event),
control messages and unreadable payloads, and folding into kinds (ids, numbers and times aside; secrets never
shown)."""

from __future__ import annotations

import base64

import pytest

from bot.logerrors.kinds import fold
from bot.logerrors.payload import NotASubscriptionEvent, decode
from tests.support.subscriptions import DOCS_SUBSCRIPTION, subscription


def test_the_docs_sample_event_decodes() -> None:
    batch = decode({"awslogs": {"data": DOCS_SUBSCRIPTION}})
    assert (batch.group, batch.stream, batch.owner, batch.control) == (
        "testLogGroup",
        "testLogStream",
        "123456789123",
        False,
    )
    assert [e.message for e in batch.events] == ["[ERROR] First test message", "[ERROR] Second test message"]
    assert [k.fingerprint for k in fold(batch)] == ["[ERROR] First test message", "[ERROR] Second test message"]


def test_control_messages_and_unreadable_payloads() -> None:
    assert decode(subscription("/g", [], kind="CONTROL_MESSAGE")).control
    for event in (
        {},
        {"awslogs": {"data": "not base64!"}},
        {"awslogs": {"data": base64.b64encode(b"plain").decode()}},
    ):
        with pytest.raises(NotASubscriptionEvent):
            decode(event)


def test_lines_differing_in_ids_numbers_and_times_are_one_kind_and_secrets_never_show() -> None:
    lines = [
        f"2026-11-26T09:14:{i:02d}.123Z 3f2b8c1e-1a2b-4c3d-8e9f-0a1b2c3d{i:04d} ERROR PaymentError: 502 from provider "
        f"(order ord-{1000 + i}) token=sk_live_{'x' * 20}"
        for i in range(30)
    ] + ["ERROR cache miss storm"]
    kinds = fold(decode(subscription("/aws/lambda/orders-api", lines)))
    assert [k.count for k in kinds] == [30, 1]
    assert "PaymentError" in kinds[0].fingerprint and kinds[1].fingerprint == "ERROR cache miss storm"
    assert "sk_live" not in kinds[0].sample and "sk_live" not in kinds[0].fingerprint
    assert kinds[0].request_id.startswith("3f2b8c1e") and kinds[0].last_ms - kinds[0].first_ms == 29


def test_a_payload_that_inflates_past_what_cloudwatch_sends_is_refused_not_unpacked() -> None:
    import gzip
    import io

    # GIVEN 0.4 MB of base64 that inflates to 300 MB (a subscription payload is at most a few MB inflated)
    packed = io.BytesIO()
    with gzip.GzipFile(fileobj=packed, mode="wb") as writer:
        writer.write(b'{"logEvents": ["')
        for _ in range(300):
            writer.write(b"a" * 1024 * 1024)
    bomb = base64.b64encode(packed.getvalue()).decode()
    assert len(bomb) < 500_000
    # THEN it is refused with a reason, without taking the function's memory
    with pytest.raises(NotASubscriptionEvent, match="inflates past 16 MB"):
        decode({"awslogs": {"data": bomb}})


def test_a_long_line_and_a_json_record_are_folded_from_their_redacted_head() -> None:
    # a 256 KB line (CloudWatch Logs' event limit) is kinded by its head: its tail (a dump) is no part of it
    head = "ERROR upload failed for s3://b/k password=hunter2 "
    lines = [head + f"dump {i} " + "z" * 256_000 for i in range(3)]
    record = '{"level": "ERROR", "message": "db refused password=hunter2", "requestId": "r-1", "blob": "' + (
        "y" * 100_000 + '"}'
    )
    kinds = fold(decode(subscription("/aws/lambda/uploads", [*lines, record])))
    assert [k.count for k in kinds] == [3, 1]
    for kind in kinds:
        assert "hunter2" not in kind.sample and "hunter2" not in kind.fingerprint
    assert len(kinds[0].sample) <= 1000 and len(kinds[0].fingerprint) <= 300
    assert kinds[1].request_id == "r-1" and "db refused" in kinds[1].fingerprint

"""ALB access-log entries (the ELB User Guide's examples) → alb_events rows: fields by name, latency from its
three parts, attribution, ids folded out of routes; lines that are not entries are reported."""

from __future__ import annotations

import pytest

from bot.analytics.access_logs import Attribution
from bot.analytics.alb_logs import NotAnEntry, access_event, fold_path, parse_entry, rows_of, trace_root
from tests.support.alb import ENTRIES


def test_the_guides_http_entry() -> None:
    row = access_event(parse_entry(ENTRIES[0]), Attribution(field="domain_name"))
    assert row == {
        "ts": "2018-07-02 22:23:00.186",
        "request_id": "1-58337262-36d228ad5d99923122bbe354",  # the X-Ray trace id: joins with X-Ray
        "client_key": None,  # domain_name is "-" in this entry
        "method": "GET",
        "route": "/",  # the query string is not part of the route
        "status": 200,
        "latency_ms": 1.0,
        "bytes": 366,
        "day": "2018-07-02",
    }


def test_https_entry_attributed_by_domain_and_timed_from_three_parts() -> None:
    fields = parse_entry(ENTRIES[1])
    assert fields["ssl_protocol"] == "TLSv1.2" and fields["actions_executed"] == "authenticate,forward"
    row = access_event(fields, Attribution(field="domain_name"))
    assert row["client_key"] == "www.example.com" and row["latency_ms"] == pytest.approx(171.0)
    assert row["bytes"] == 57


def test_lambda_target_and_newer_fields_at_the_end() -> None:
    lam, newest = (parse_entry(e) for e in ENTRIES[2:4])
    assert lam["target"] == "-" and lam["target_ip"] == "-" and lam["client_ip"] == "192.168.131.39"
    assert newest["conn_trace_id"] == "TID_1234abcd5678ef90"  # fields added after 2018 are read by name
    assert access_event(newest, Attribution(field="client_ip"))["client_key"] == "192.168.131.39"


def test_a_request_that_never_completed_has_no_latency_and_path_attribution() -> None:
    row = access_event(parse_entry(ENTRIES[4]), Attribution(path_segment=2))
    assert row["latency_ms"] is None and row["status"] == 460 and row["bytes"] == 0
    assert row["client_key"] == "acme" and row["route"] == "/tenants/acme/orders/{id}"


@pytest.mark.parametrize(
    ("path", "route"),
    [
        ("/orders/123", "/orders/{id}"),
        ("/users/3f2b8c1e-1a2b-4c3d-8e9f-0a1b2c3d4e5f/cart", "/users/{id}/cart"),
        ("/blobs/deadbeefdeadbeefdeadbeef", "/blobs/{id}"),
        ("/v2/catalog", "/v2/catalog"),
        ("/", "/"),
    ],
)
def test_id_segments_fold_into_one_route(path: str, route: str) -> None:
    assert fold_path(path) == route


@pytest.mark.parametrize(
    "line",
    [
        "not an alb line",
        'http 2018-07-02T22:23:00.186641Z app/x 1.2.3.4:1 "unbalanced',
        ENTRIES[0].replace("2018-07-02T22:23:00.186641Z", "yesterday", 1),
    ],
)
def test_lines_that_are_not_entries_are_reported(line: str) -> None:
    rows, failed = rows_of(line + "\n" + ENTRIES[0], Attribution())
    assert len(rows) == 1 and failed[0][0] == line and failed[0][1]
    with pytest.raises(NotAnEntry):
        access_event(parse_entry(line), Attribution())


@pytest.mark.parametrize(
    ("header", "trace"),
    [
        ("Root=1-58337262-36d228ad5d99923122bbe354", "1-58337262-36d228ad5d99923122bbe354"),
        # the ELB guide's "Request tracing" example: a header that had a Root gets the load balancer's Self
        (
            "Self=1-67891234-12456789abcdef012345678;Root=1-67891233-abcdef012345678912345678;CalledFrom=app",
            "1-67891233-abcdef012345678912345678",
        ),
        ("-", None),
    ],
)
def test_request_id_is_the_trace_ids_root(header: str, trace: str | None) -> None:
    assert trace_root(header) == trace


def test_a_missing_response_size_is_unknown_not_zero() -> None:
    # composed: the guide's HTTP entry with "-" for sent_bytes
    line = ENTRIES[0].replace(" 200 200 34 366 ", " 200 200 34 - ", 1)
    assert access_event(parse_entry(line), Attribution())["bytes"] is None

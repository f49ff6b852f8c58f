"""CloudTrail stand-in: the management events the embedded world produced, answered as CloudTrail's
``LookupEvents`` answers them (moto answers it with a 500). The scenarios and the demo put their CloudTrail
records in — in Python (``stack.aws.cloudtrail.record``) or, from a process that has only the stack's endpoint, by
posting a CloudTrail log file (``{"Records": [...]}``) to ``RECORDS_PATH`` on it (``send_records``). With nothing
recorded it finds nothing: nothing else happened in the embedded world.

The behaviour is the CloudTrail API Reference's and the User Guide's ("Viewing recent management events with the
AWS CLI"): one lookup attribute at most, of eight keys; ``StartTime``/``EndTime`` inclusive, by default the
90 days the event history keeps up to now; ``MaxResults`` 1–50, 50 by default; the newest event first; a
``NextToken`` valid only with the parameters it was issued for; each event with its ``CloudTrailEvent`` (the
record as a JSON string). Insights events are never recorded here, so ``EventCategory`` ``insight`` finds none.

Which resources CloudTrail lists for an event (``Resources``) it derives per API and does not document; the
stand-in lists, for the sources the ledger watches, those the recorded answers name
(``tests/fixtures/changes/recorded_lookup_events_apigateway_page.json``: a stage, the deployment an answer created,
the REST API by id) and a function, table or parameter by its name; and any a record carries itself
(``resources``: its ARN and type).

Not for: trails, event data stores, CloudTrail Lake (moto's or nobody's).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import threading
import time
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

RECORDS_PATH = "/_embedded/cloudtrail/records"
"""Where the front takes records from a process that has only its URL (``send_records``)."""
LOOKUP_KEYS = (
    "EventId",
    "EventName",
    "ReadOnly",
    "Username",
    "ResourceType",
    "ResourceName",
    "EventSource",
    "AccessKeyId",
)
"""``LookupAttribute.AttributeKey`` (its enum in the API Reference)."""
MAX_RESULTS = 50
"""``MaxResults``: "Possible values are 1 through 50. The default is 50."."""
VALUE_CHARS = 2000
"""``AttributeValue``'s limit, where ``_``, space, ``,`` and a newline "count as two characters"."""
DOUBLED = frozenset("_ ,\n")
RETENTION_S = 90 * 86400
""""You can look up events that occurred in a Region within the last 90 days."."""
CATEGORIES = ("insight",)
"""``EventCategory``'s enum: Insights events, of which the embedded world has none."""


class CloudTrailError(Exception):
    """A request CloudTrail refuses: its error code (``InvalidTimeRangeException`` …) and message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Recorded:
    """One management event as the event history keeps it."""

    at: float
    id: str
    region: str
    event: dict[str, Any]
    """The ``Event`` of a LookupEvents answer, but for ``EventTime`` (added when answered)."""

    def matches(self, key: str, value: str) -> bool:
        if key in ("ResourceName", "ResourceType"):
            return any(r.get(key) == value for r in self.event["Resources"])
        return self.event.get(key) == value


class CloudTrailStandIn:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._events: dict[str, Recorded] = {}
        self._lock = threading.Lock()

    def record(self, records: Iterable[Mapping[str, Any]]) -> int:
        """Keep CloudTrail records (a log file's ``Records``, or EventBridge's ``detail`` of an "AWS API Call via
        CloudTrail" event): each event once, however often it is recorded. Data events are not part of the event
        history and are left out. Returns how many events are new. Raises ValueError for a record that is not
        one."""
        kept = [one for one in (_recorded(dict(record)) for record in records) if one is not None]
        with self._lock:
            before = len(self._events)
            for one in kept:
                self._events.setdefault(one.id, one)
            return len(self._events) - before

    def lookup_events(self, region: str, request: Mapping[str, Any]) -> dict[str, Any]:
        """The ``LookupEvents`` answer for ``request`` in ``region``. Raises ``CloudTrailError``."""
        attribute = _attribute(request.get("LookupAttributes"))
        limit = _max_results(request.get("MaxResults"))
        category = request.get("EventCategory")
        if category is not None and category not in CATEGORIES:
            raise CloudTrailError(
                "InvalidEventCategoryException", f"EventCategory {category!r} is not valid: it takes insight"
            )
        now = self.clock()
        start = _request_time(request, "StartTime")
        end = _request_time(request, "EndTime")
        if start is not None and end is not None and start > end:
            raise CloudTrailError("InvalidTimeRangeException", "Start time must not be after the end time.")
        start = max(start if start is not None else now - RETENTION_S, now - RETENTION_S)
        end = end if end is not None else now
        query = _fingerprint(request)
        after = _position(request.get("NextToken"), query)
        with self._lock:
            found = [
                e
                for e in self._events.values()
                if e.region == region
                and start <= e.at <= end
                and (attribute is None or e.matches(*attribute))
                and category is None  # no Insights events here
            ]
        found.sort(key=lambda e: (e.at, e.id), reverse=True)
        if after is not None:
            found = [e for e in found if (e.at, e.id) < after]
        page = found[:limit]
        answer: dict[str, Any] = {"Events": [{**e.event, "EventTime": e.at} for e in page]}
        if len(found) > limit:
            answer["NextToken"] = _token(page[-1], query)
        return answer


def send_records(endpoint_url: str, records: Iterable[Mapping[str, Any]], *, agent: str) -> int:
    """Post ``records`` to the embedded front at ``endpoint_url`` as a CloudTrail log file; returns how many events
    were new to it. ``agent``: the front's internal user agent (no fault, no entry in its call log)."""
    body = json.dumps({"Records": list(records)}).encode()
    request = urllib.request.Request(
        endpoint_url.rstrip("/") + RECORDS_PATH,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": agent},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - the stack's loopback URL
        return int(json.loads(response.read())["recorded"])


# --- a record as the event history lists it -----------------------------------------------------------------


def _recorded(record: dict[str, Any]) -> Recorded | None:
    missing = [f for f in ("eventID", "eventName", "eventSource", "eventTime", "awsRegion") if not record.get(f)]
    if missing:
        raise ValueError(f"not a CloudTrail record: it has no {', '.join(missing)}")
    if record.get("managementEvent") is False or record.get("eventCategory") == "Data":
        return None
    try:
        at = _moment(record["eventTime"])
    except ValueError:
        raise ValueError(f"not a CloudTrail record: its eventTime {record['eventTime']!r} is not a time") from None
    assert at is not None
    identity = _object(record.get("userIdentity"))
    event: dict[str, Any] = {
        "EventId": str(record["eventID"]),
        "EventName": str(record["eventName"]),
        "EventSource": str(record["eventSource"]),
        "Resources": _resources(record),
        "CloudTrailEvent": json.dumps(record, separators=(",", ":")),
    }
    if isinstance(record.get("readOnly"), bool):
        event["ReadOnly"] = "true" if record["readOnly"] else "false"
    if identity.get("accessKeyId"):
        event["AccessKeyId"] = str(identity["accessKeyId"])
    username = _username(identity)
    if username:
        event["Username"] = username
    return Recorded(at, event["EventId"], str(record["awsRegion"]), event)


def _username(identity: Mapping[str, Any]) -> str:
    """ "A user name or role name of the requester": an IAM user's name, an assumed role's session name (as in the
    recorded answer), ``root`` for the root user, a federated user's name."""
    kind, arn = identity.get("type"), str(identity.get("arn") or "")
    if kind == "Root":
        return "root"
    if kind == "AssumedRole" and "assumed-role/" in arn:
        return arn.rsplit("/", 1)[-1]
    if kind == "FederatedUser" and "federated-user/" in arn:
        return arn.rsplit("/", 1)[-1]
    return str(identity.get("userName") or "")


def _resources(record: Mapping[str, Any]) -> list[dict[str, str]]:
    source = record.get("eventSource")
    request, response = _object(record.get("requestParameters")), _object(record.get("responseElements"))
    found: list[tuple[str, Any]] = []
    if source == "lambda.amazonaws.com":
        function = response.get("functionName") or request.get("functionName")
        found.append(("AWS::Lambda::Function", _function_name(function)))
    elif source == "apigateway.amazonaws.com":
        inputs = (_object(request.get(k)) for k in ("createStageInput", "createDeploymentInput"))
        stage = request.get("stageName") or next((i["stageName"] for i in inputs if i.get("stageName")), None)
        found.append(("AWS::ApiGateway::Stage", stage))
        if record.get("eventName") == "CreateDeployment":
            found.append(("AWS::ApiGateway::Deployment", response.get("id")))
        found.append(("AWS::ApiGateway::RestApi", request.get("restApiId")))
    elif source == "dynamodb.amazonaws.com":
        table = request.get("tableName") or _object(response.get("tableDescription")).get("tableName")
        found.append(("AWS::DynamoDB::Table", table))
    elif source == "ssm.amazonaws.com":
        found.append(("AWS::SSM::Parameter", request.get("name")))
    for own in record.get("resources") or []:
        if isinstance(own, dict):
            found.append((str(own.get("type") or ""), own.get("ARN")))
    listed: list[dict[str, str]] = []
    for kind, name in found:
        # "When the resource type cannot be determined, null is returned": left out here
        entry = {**({"ResourceType": kind} if kind else {}), "ResourceName": str(name)}
        if name and entry not in listed:
            listed.append(entry)
    return listed


def _object(raw: Any) -> dict[str, Any]:
    return raw if isinstance(raw, dict) else {}


def _function_name(raw: Any) -> str:
    """A function's name from any form of ``FunctionName`` (a name, an ARN, a partial ARN, with a qualifier)."""
    text = str(raw or "")
    if "function:" in text:
        text = text.split("function:", 1)[1]
    return text.split(":", 1)[0]


# --- the request -------------------------------------------------------------------------------------------


def _attribute(raw: Any) -> tuple[str, str] | None:
    if raw is None or raw == []:
        return None
    if not isinstance(raw, list):
        raise CloudTrailError("InvalidLookupAttributesException", "LookupAttributes must be a list.")
    if len(raw) > 1:
        raise CloudTrailError(
            "InvalidLookupAttributesException",
            f"{len(raw)} lookup attributes given: a lookup takes at most one attribute key and value.",
        )
    (one,) = raw
    key, value = (one.get("AttributeKey"), one.get("AttributeValue")) if isinstance(one, dict) else (None, None)
    if key not in LOOKUP_KEYS:
        raise CloudTrailError(
            "InvalidLookupAttributesException",
            f"AttributeKey {key!r} is not valid: it takes {', '.join(LOOKUP_KEYS)}.",
        )
    if not isinstance(value, str) or not value:
        raise CloudTrailError("InvalidLookupAttributesException", f"The {key} attribute has no value.")
    if sum(2 if c in DOUBLED else 1 for c in value) > VALUE_CHARS:
        raise CloudTrailError(
            "InvalidLookupAttributesException",
            f"The {key} attribute's value is longer than {VALUE_CHARS} characters.",
        )
    if key == "ReadOnly" and value not in ("true", "false"):
        raise CloudTrailError("InvalidLookupAttributesException", f"ReadOnly takes true or false, not {value!r}.")
    return key, value


def _max_results(raw: Any) -> int:
    if raw is None:
        return MAX_RESULTS
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= MAX_RESULTS:
        raise CloudTrailError(
            "InvalidMaxResultsException", f"MaxResults {raw!r} is not valid: it takes 1 through {MAX_RESULTS}."
        )
    return raw


def _moment(raw: Any) -> float | None:
    """Epoch seconds of a JSON protocol timestamp (a number, as botocore sends it) or an ISO 8601 string with its
    offset. Raises ValueError."""
    if raw is None:
        return None
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return float(raw)
    if isinstance(raw, str):
        try:
            return float(raw)
        except ValueError:
            moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
            if moment.tzinfo is not None:
                return moment.timestamp()
    raise ValueError(f"{raw!r} is not a time")


def _request_time(request: Mapping[str, Any], name: str) -> float | None:
    try:
        return _moment(request.get(name))
    except ValueError:
        # "Occurs if the timestamp values are not valid"
        raise CloudTrailError(
            "InvalidTimeRangeException", f"{name} {request.get(name)!r} is not a time."
        ) from None


def _fingerprint(request: Mapping[str, Any]) -> str:
    """What a token is bound to: the parameters of the search ("the same parameters that were specified in the
    original call"), the page size aside."""
    bound = {k: request.get(k) for k in ("LookupAttributes", "StartTime", "EndTime", "EventCategory")}
    return hashlib.sha256(json.dumps(bound, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _token(last: Recorded, query: str) -> str:
    """A page's token: the search it belongs to and the last event it showed (the next page starts after it,
    however many events are recorded in between)."""
    data = json.dumps({"q": query, "at": last.at, "id": last.id}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(data).decode()


def _position(token: Any, query: str) -> tuple[float, str] | None:
    if token is None:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(str(token).encode()))
        position = (float(data["at"]), str(data["id"]))
        issued_for = data["q"]
    except (binascii.Error, ValueError, TypeError, KeyError):
        raise CloudTrailError("InvalidNextTokenException", "Invalid NextToken.") from None
    if issued_for != query:
        raise CloudTrailError(
            "InvalidNextTokenException",
            "The NextToken was issued for other parameters: pass the same ones as the call that returned it.",
        )
    return position

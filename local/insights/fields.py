"""The fields Logs Insights discovers in a log event: system fields, JSON paths (also behind Lambda's runtime
prefix), Lambda ``START``/``END``/``REPORT`` lines, VPC flow log v2 and Route 53 query log fields. Not for running
queries (``local.insights.execution``)."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

_REPORT = re.compile(
    r"REPORT RequestId: (?P<id>\S+)\s+Duration: (?P<duration>[\d.]+) ms\s+Billed Duration: (?P<billed>[\d.]+) ms"
    r"\s+Memory Size: (?P<size>\d+) MB\s+Max Memory Used: (?P<used>\d+) MB"
)
_START_END = re.compile(r"(?P<type>START|END) RequestId: (?P<id>\S+)")
_TAB_LINE = re.compile(r"^\S+Z\t(?P<id>[0-9a-f-]{8,})\t(?:(?P<level>[A-Z]+)\t(?P<rest>.*))?", re.S)
_XRAY = re.compile(r"XRAY TraceId: (?P<trace>\S+)\s+SegmentId: (?P<segment>\S+)")
_VPC_V2 = re.compile(
    r"^2 (?P<accountId>\S+) (?P<interfaceId>\S+) (?P<srcAddr>\S+) (?P<dstAddr>\S+) (?P<srcPort>\S+) "
    r"(?P<dstPort>\S+) (?P<protocol>\S+) (?P<packets>\S+) (?P<bytes>\S+) (?P<start>\d+) (?P<end>\d+) "
    r"(?P<action>ACCEPT|REJECT|-) (?P<logStatus>OK|NODATA|SKIPDATA)$"
)
_ROUTE53 = re.compile(
    r"^1\.0 (?P<timestamp>\S+Z) (?P<hostZoneId>\S+) (?P<queryName>\S+) (?P<queryType>\S+) "
    r"(?P<responseCode>\S+) (?P<protocol>UDP|TCP) (?P<edgeLocation>\S+) (?P<resolverIp>\S+) "
    r"(?P<ednsClientSubnet>\S+)$"
)
SYSTEM_FIELDS = ("@timestamp", "@ingestionTime", "@message", "@logStream", "@log", "@ptr")


class Stamp(int):
    """Epoch milliseconds that print as an Insights timestamp."""

    def __str__(self) -> str:
        return datetime.fromtimestamp(self / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S.") + f"{self % 1000:03d}"


def discover(event: dict[str, Any], group: str, account: str) -> dict[str, Any]:
    """The fields Insights discovers in one log event."""
    message = str(event.get("message", ""))
    record: dict[str, Any] = {
        "@timestamp": Stamp(int(event.get("timestamp", 0))),
        "@ingestionTime": Stamp(int(event.get("ingestionTime", event.get("timestamp", 0)))),
        "@message": message,
        "@logStream": event.get("logStreamName", ""),
        "@log": f"{account}:{group}",
        "@ptr": base64.b64encode(f"{group}|{event.get('eventId', '')}".encode()).decode(),
    }
    stripped = message.strip()
    line = _TAB_LINE.match(message)
    if line is not None and line["rest"] and line["rest"].lstrip().startswith("{"):
        stripped = line["rest"].strip()  # Lambda's runtime prefix: ts \t requestId \t LEVEL \t {json}
    if stripped.startswith("{"):
        try:
            document = json.loads(stripped)
        except ValueError:
            document = None
        if isinstance(document, dict):
            found: dict[str, Any] = {}
            _flatten(document, "", found)
            for key, value in found.items():  # a JSON "@timestamp" becomes "@@timestamp": ours stays
                record["@" + key if key in SYSTEM_FIELDS else key] = value
    for pattern, numeric in (
        (_VPC_V2, ("srcPort", "dstPort", "protocol", "packets", "bytes", "start", "end")),
        (_ROUTE53, ()),
    ):
        known = pattern.match(stripped)
        if known:
            record["version"] = "2" if pattern is _VPC_V2 else "1.0"
            for name, value in known.groupdict().items():
                record[name] = int(value) if name in numeric and value.isdigit() else value
    xray = _XRAY.search(message)
    if xray:
        record.update({"@xrayTraceId": xray["trace"], "@xraySegmentId": xray["segment"]})
    report = _REPORT.search(message)
    if report:
        record.update(
            {
                "@type": "REPORT",
                "@requestId": report["id"],
                "@duration": float(report["duration"]),
                "@billedDuration": float(report["billed"]),
                "@memorySize": int(report["size"]) * 1_000_000,
                "@maxMemoryUsed": int(report["used"]) * 1_000_000,
            }
        )
        init = re.search(r"Init Duration: ([\d.]+) ms", message)
        if init:
            record["@initDuration"] = float(init.group(1))
    elif (marker := _START_END.match(message)) is not None:
        record.update({"@type": marker["type"], "@requestId": marker["id"]})
    elif line is not None:
        record["@requestId"] = line["id"]
    return record


def _flatten(value: Any, prefix: str, into: dict[str, Any]) -> None:
    """JSON fields as Insights names them: ``data.clientKey``, ``tags.0``."""
    if isinstance(value, dict):
        items: Iterable[tuple[Any, Any]] = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        into[prefix] = value
        return
    for key, item in items:
        _flatten(item, f"{prefix}.{key}" if prefix else str(key), into)

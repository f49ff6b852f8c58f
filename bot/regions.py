"""Region and partition facts: a region's display name → its code, partitions and console domains.

The names come from botocore's bundled endpoint data, read through its loader: ``partitions.json`` (7 KB, the
partition metadata every client reads; 0.2 ms) carries each region's ``description`` ("Europe (Ireland)") as
``endpoints.json`` does (1.2 MB; 19 ms to parse, once per container, on the first alarm's path). SNS alarm
messages before 2017 wrote the same places differently ("EU - Ireland", "US West - Oregon", "US - N.
Virginia", "US (Virginia)"): those are read by matching area and place against that data, never a copy.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import NamedTuple, NotRequired, TypedDict

_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}")
_ACCOUNT = re.compile(r"\d{12}")
_NAME = re.compile(r"(?P<area>[^()]*?)\s*\((?P<place>[^()]+)\)|(?P<area2>.+?)\s+-\s+(?P<place2>.+)")
_WORD = re.compile(r"[a-z0-9]+")
_SAME_AREA = {"eu": "europe"}
"""Botocore says "Europe (Ireland)" where SNS messages said "EU (Ireland)" and "EU - Ireland"."""
FORMER_NAMES = {"AWS GovCloud (US)": "AWS GovCloud (US-West)"}
"""A name whose place is no longer any region's: us-gov-west-1 was "AWS GovCloud (US)" while it was the only
GovCloud region, until us-gov-east-1 opened (November 2018)."""


class RegionInfo(TypedDict):
    description: NotRequired[str]


class Partition(TypedDict):
    """The fields of a partition in botocore's ``partitions.json`` that Lookout reads."""

    id: str
    regionRegex: NotRequired[str]
    regions: NotRequired[dict[str, RegionInfo]]


class Where(NamedTuple):
    """Where something lives, as far as it is known: "" for a part that is not."""

    partition: str = ""
    region: str = ""
    account: str = ""


CONSOLE_DOMAIN_BY_PARTITION: dict[str, str] = {
    "aws": "console.aws.amazon.com",
    "aws-cn": "console.amazonaws.cn",
    "aws-us-gov": "console.amazonaws-us-gov.com",
}


def partition_of(region: str) -> str:
    """The partition of ``region`` as botocore's endpoint data places it: a region it lists, else the first
    partition whose ``regionRegex`` matches (a region newer than the bundled data); "aws" when none does."""
    for partition in _partitions():
        if region in partition.get("regions", {}):
            return str(partition["id"])
    for partition in _partitions():
        if re.match(partition.get("regionRegex") or "$^", region):
            return str(partition["id"])
    return "aws"


@cache
def _partitions() -> tuple[Partition, ...]:
    from botocore.loaders import create_loader

    return tuple(create_loader().load_data("partitions").get("partitions", []))


@cache
def display_names() -> dict[str, str]:
    """botocore's region descriptions → codes, for the partitions Lookout serves (its console domains)."""
    return {
        str(info["description"]): code
        for partition in _partitions()
        if partition.get("id") in CONSOLE_DOMAIN_BY_PARTITION
        for code, info in partition.get("regions", {}).items()
        if info.get("description") and is_region(code)  # not "aws-global", the partition's global endpoint
    }


def __getattr__(name: str) -> dict[str, str]:
    """``REGION_BY_DISPLAY_NAME``, read from botocore on first use (not at import: cold starts)."""
    if name == "REGION_BY_DISPLAY_NAME":
        return display_names()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def region_from_display_name(name: str | None) -> str | None:
    """The code of an SNS ``Region`` label ("EU (Ireland)", "EU - Ireland", "US (Virginia)"), or of a code
    given as is; None when no region of botocore's data, or more than one, answers to it."""
    name = (name or "").strip()
    name = FORMER_NAMES.get(name, name)
    if is_region(name.lower()):
        return name.lower()
    if name in display_names():
        return display_names()[name]
    wanted = _area_and_place(name)
    if wanted is None:
        return None
    found = {code for label, code in _labels() if _answers(wanted, label)}
    return found.pop() if len(found) == 1 else None


def names_a_place(label: str | None) -> bool:
    """Whether a ``Region`` label names a region, readable or not — a code, or "Area (Place)" / "Area -
    Place" — rather than being a placeholder ("EXAMPLE", "REGION") or empty."""
    label = (label or "").strip()
    return is_region(label.lower()) or _area_and_place(label) is not None


Label = tuple[frozenset[str], tuple[str, ...]]


@cache
def _labels() -> tuple[tuple[Label, str], ...]:
    return tuple((label, code) for name, code in display_names().items() if (label := _area_and_place(name)))


def _area_and_place(name: str) -> Label | None:
    """ "EU - Ireland" → ({"europe"}, ("ireland",)); "US East (N. Virginia)" → ({"us", "east"},
    ("northern", "virginia")); None for a label of neither shape ("EXAMPLE")."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()  # São → sao
    plain = re.sub(r"\bn\.\s*", "northern ", plain).replace("-local", "")  # "Osaka-Local" was Osaka's
    parts = _NAME.fullmatch(plain.strip())
    if parts is None:
        return None
    area = parts.group("area") if parts.group("place") else parts.group("area2")
    place = tuple(_WORD.findall(parts.group("place") or parts.group("place2")))
    return frozenset(_SAME_AREA.get(w, w) for w in _WORD.findall(area)), place


def _answers(wanted: Label, label: Label) -> bool:
    """A label answers to a name when its area has the name's area words and its place ends with the name's
    place: "US (Virginia)" → "US East (N. Virginia)"."""
    (area, place), (their_area, their_place) = wanted, label
    return bool(place) and area <= their_area and their_place[-len(place) :] == place


def is_region(code: str | None) -> bool:
    """A region code (``eu-west-1``), not a placeholder such as ``REGION`` or ``EXAMPLE``."""
    return bool(code) and _REGION.fullmatch(code or "") is not None


def is_account(value: str | None) -> bool:
    """A 12-digit account id, not a placeholder such as ``ACCOUNT_NUMBER``."""
    return bool(value) and _ACCOUNT.fullmatch(value or "") is not None


def is_arn(arn: str | None) -> bool:
    """A well-formed ARN of a known partition whose region and account are real or empty (S3, IAM)."""
    if parse_arn(arn) is None:
        return False
    _, _, _, region, account, _ = (arn or "").split(":", 5)
    return (not region or is_region(region)) and (not account or is_account(account))


def parse_arn(arn: str | None) -> Where | None:
    """The parts of an ARN that are real — a placeholder region or account (``REGION``,
    ``ACCOUNT_NUMBER``) is left out — or None when the text is not an ARN at all (no ``arn:`` prefix, an
    unknown partition, or whitespace inside, as in a documentation example's typo)."""
    text = arn or ""
    parts = text.split(":", 5)
    if (
        len(parts) < 6
        or parts[0] != "arn"
        or parts[1] not in CONSOLE_DOMAIN_BY_PARTITION
        or any(c.isspace() for c in text)
    ):
        return None
    region, account = parts[3], parts[4]
    return Where(parts[1], region if is_region(region) else "", account if is_account(account) else "")


def console_domain(partition: str) -> str:
    return CONSOLE_DOMAIN_BY_PARTITION.get(partition, CONSOLE_DOMAIN_BY_PARTITION["aws"])

"""Region and partition facts: SNS display names → region codes, partitions and console domains.

botocore ships endpoint data but no display names, so the short table of names SNS uses lives here.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}")
_ACCOUNT = re.compile(r"\d{12}")


class Where(NamedTuple):
    """Where something lives, as far as it is known: "" for a part that is not."""

    partition: str = ""
    region: str = ""
    account: str = ""


REGION_BY_DISPLAY_NAME: dict[str, str] = {
    "US East (N. Virginia)": "us-east-1",
    "US East (Ohio)": "us-east-2",
    "US West (N. California)": "us-west-1",
    "US West (Oregon)": "us-west-2",
    "Africa (Cape Town)": "af-south-1",
    "Asia Pacific (Hong Kong)": "ap-east-1",
    "Asia Pacific (Taipei)": "ap-east-2",
    "Asia Pacific (Hyderabad)": "ap-south-2",
    "Asia Pacific (Jakarta)": "ap-southeast-3",
    "Asia Pacific (Malaysia)": "ap-southeast-5",
    "Asia Pacific (Melbourne)": "ap-southeast-4",
    "Asia Pacific (Mumbai)": "ap-south-1",
    "Asia Pacific (New Zealand)": "ap-southeast-6",
    "Asia Pacific (Osaka)": "ap-northeast-3",
    "Asia Pacific (Seoul)": "ap-northeast-2",
    "Asia Pacific (Singapore)": "ap-southeast-1",
    "Asia Pacific (Sydney)": "ap-southeast-2",
    "Asia Pacific (Thailand)": "ap-southeast-7",
    "Asia Pacific (Tokyo)": "ap-northeast-1",
    "Canada (Central)": "ca-central-1",
    "Canada West (Calgary)": "ca-west-1",
    "China (Beijing)": "cn-north-1",
    "China (Ningxia)": "cn-northwest-1",
    "EU (Frankfurt)": "eu-central-1",
    "EU (Zurich)": "eu-central-2",
    "EU (Ireland)": "eu-west-1",
    "EU (London)": "eu-west-2",
    "EU (Paris)": "eu-west-3",
    "EU (Milan)": "eu-south-1",
    "EU (Spain)": "eu-south-2",
    "EU (Stockholm)": "eu-north-1",
    "Europe (Frankfurt)": "eu-central-1",
    "Europe (Zurich)": "eu-central-2",
    "Europe (Ireland)": "eu-west-1",
    "Europe (London)": "eu-west-2",
    "Europe (Paris)": "eu-west-3",
    "Europe (Milan)": "eu-south-1",
    "Europe (Spain)": "eu-south-2",
    "Europe (Stockholm)": "eu-north-1",
    "Israel (Tel Aviv)": "il-central-1",
    "Mexico (Central)": "mx-central-1",
    "Middle East (Bahrain)": "me-south-1",
    "Middle East (UAE)": "me-central-1",
    "South America (Sao Paulo)": "sa-east-1",
    "South America (São Paulo)": "sa-east-1",
    "AWS GovCloud (US-West)": "us-gov-west-1",
    "AWS GovCloud (US-East)": "us-gov-east-1",
    "AWS GovCloud (US)": "us-gov-west-1",
}

CONSOLE_DOMAIN_BY_PARTITION: dict[str, str] = {
    "aws": "console.aws.amazon.com",
    "aws-cn": "console.amazonaws.cn",
    "aws-us-gov": "console.amazonaws-us-gov.com",
}


def partition_of(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def region_from_display_name(name: str | None) -> str | None:
    """The code of an SNS ``Region`` label ("EU (Ireland)"), or of a code given as is; None when unknown."""
    if not name:
        return None
    name = name.strip()
    if name in REGION_BY_DISPLAY_NAME:
        return REGION_BY_DISPLAY_NAME[name]
    return name.lower() if is_region(name.lower()) else None


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

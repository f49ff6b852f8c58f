"""Region and partition facts: SNS display names → region codes, partitions and console domains.

botocore ships endpoint data but no display names, so the short table of names SNS uses lives here.
"""

from __future__ import annotations

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
    if not name:
        return None
    name = name.strip()
    if name in REGION_BY_DISPLAY_NAME:
        return REGION_BY_DISPLAY_NAME[name]
    if name.lower() in set(REGION_BY_DISPLAY_NAME.values()):
        return name.lower()
    return None


def parse_arn(arn: str | None) -> tuple[str, str, str] | None:
    """``(partition, region, account)`` of an ARN, or None when it is not one."""
    parts = (arn or "").split(":", 5)
    if len(parts) < 6 or parts[0] != "arn" or not parts[1]:
        return None
    return parts[1], parts[3], parts[4]


def console_domain(partition: str) -> str:
    return CONSOLE_DOMAIN_BY_PARTITION.get(partition, CONSOLE_DOMAIN_BY_PARTITION["aws"])

"""Console links to a changed resource and to its CloudTrail event, on the console domain of the region's
partition (``bot.regions.console_domain``, the one ``bot.console`` builds its links on). Pure: no I/O."""

from __future__ import annotations

from urllib.parse import quote

from bot.regions import console_domain, is_region, partition_of


def _base(region: str) -> str:
    return f"https://{console_domain(partition_of(region))}"


def _q(value: str) -> str:
    return quote(value, safe="")


def lambda_function(region: str, name: str) -> str:
    return f"{_base(region)}/lambda/home?region={region}#/functions/{_q(name)}" if is_region(region) else ""


def rest_api(region: str, api_id: str, stage: str = "") -> str:
    if not is_region(region):
        return ""
    base = f"{_base(region)}/apigateway/main/apis/{_q(api_id)}"
    return f"{base}/stages?api={_q(api_id)}&region={region}" + (f"&stage={_q(stage)}" if stage else "")


def http_api(region: str, api_id: str) -> str:
    return (
        f"{_base(region)}/apigateway/main/api-detail?api={_q(api_id)}&region={region}" if is_region(region) else ""
    )


def dynamodb_table(region: str, table: str) -> str:
    return f"{_base(region)}/dynamodbv2/home?region={region}#table?name={_q(table)}" if is_region(region) else ""


def ecs_service(region: str, cluster: str, service: str) -> str:
    if not is_region(region):
        return ""
    return f"{_base(region)}/ecs/v2/clusters/{_q(cluster)}/services/{_q(service)}/deployments?region={region}"


def ssm_parameter(region: str, name: str) -> str:
    if not is_region(region):
        return ""
    return f"{_base(region)}/systems-manager/parameters/{_q(name)}/history?region={region}"


def appconfig_environment(region: str, application: str, environment: str) -> str:
    if not is_region(region):
        return ""
    path = f"applications/{_q(application)}" + (f"/environments/{_q(environment)}" if environment else "")
    return f"{_base(region)}/systems-manager/appconfig/{path}?region={region}"


def cloudformation_stack(region: str, stack_id: str) -> str:
    if not is_region(region):
        return ""
    return f"{_base(region)}/cloudformation/home?region={region}#/stacks/events?stackId={_q(stack_id)}"


def cloudtrail_event(region: str, event_id: str) -> str:
    """The event in CloudTrail's event history (kept 90 days): who, from where, the whole request."""
    return f"{_base(region)}/cloudtrailv2/home?region={region}#/events/{_q(event_id)}" if is_region(region) else ""

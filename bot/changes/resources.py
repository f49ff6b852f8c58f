"""The names the ledger files changes under, one scheme for both sides: a change's resource as its event names
it, and the alarmed resource as the alarm's dimensions and X-Ray's service graph name it. ``lambda:<function>``,
``apigateway:<API name or id>``, ``dynamodb:<table>``, ``ecs:<service>``, ``ssm:<parameter>``,
``appconfig:<application id>``, ``cloudformation:<stack>``, and ``account:<id>`` — the account's configuration
changes (parameters, AppConfig deployments, stacks), which no alarm names by its resource.

Not for: reading the events (``bot.changes.parse``) or the table's keys (``bot.table_keys.change``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from bot.alarms import MetricRef

LAMBDA, APIGATEWAY, DYNAMODB, ECS, SSM, APPCONFIG, CLOUDFORMATION, ACCOUNT = (
    "lambda",
    "apigateway",
    "dynamodb",
    "ecs",
    "ssm",
    "appconfig",
    "cloudformation",
    "account",
)
DIMENSIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "AWS/Lambda": (("FunctionName", LAMBDA),),
    "AWS/ApiGateway": (("ApiName", APIGATEWAY), ("ApiId", APIGATEWAY)),
    "AWS/DynamoDB": (("TableName", DYNAMODB),),
    "AWS/ECS": (("ServiceName", ECS),),
    "ECS/ContainerInsights": (("ServiceName", ECS),),
}
"""CloudWatch namespace → the dimensions that name its resource, and the key family each names."""
NODE_TYPES: dict[str, str] = {
    "AWS::Lambda::Function": LAMBDA,
    "AWS::Lambda": LAMBDA,
    "AWS::ApiGateway::Stage": APIGATEWAY,
    "AWS::DynamoDB::Table": DYNAMODB,
    "AWS::ECS::Container": ECS,
}
"""X-Ray node type → key family (the X-Ray Developer Guide's segment ``origin`` values). An API Gateway stage's
node is named ``<API name>/<stage>``; the others by the resource's name."""


def key(kind: str, name: str) -> str:
    return f"{kind}:{name}"


def of_metrics(metrics: Iterable[MetricRef]) -> list[str]:
    """The keys of the resources an alarm's metrics name (``bot.alarms.MetricRef``: ``namespace`` and
    ``dimension(name)``), in the alarm's order, without repeats."""
    keys: list[str] = []
    for metric in metrics:
        for dimension, kind in DIMENSIONS.get(getattr(metric, "namespace", ""), ()):
            value = metric.dimension(dimension)
            if value:
                keys.append(key(kind, value))
    return list(dict.fromkeys(keys))


def of_node(node: Mapping[str, object]) -> str | None:
    """The key of an X-Ray service-graph node (a service of ``GetServiceGraph``: ``Name``, ``Type``), or None for
    a node whose type the ledger keeps no changes of (a client, SNS, a remote host)."""
    kind = NODE_TYPES.get(str(node.get("Type") or ""))
    name = str(node.get("Name") or "")
    if kind is None or not name:
        return None
    if kind == APIGATEWAY:
        name = name.rsplit("/", 1)[0] if "/" in name else name
    return key(kind, name)


def of_nodes(nodes: Iterable[Mapping[str, object]]) -> list[str]:
    """``of_node`` of each node that has a key, in order, without repeats (the alarmed service's neighbours)."""
    return list(dict.fromkeys(k for k in map(of_node, nodes) if k))


def account(account_id: str) -> str:
    """The account's feed of configuration changes."""
    return key(ACCOUNT, account_id)


def with_account(keys: tuple[str, ...], account_id: str) -> tuple[str, ...]:
    """``keys`` and the account's feed (when the account is known)."""
    return (*keys, account(account_id)) if account_id else keys


def lookup_name(resource_key: str) -> str | None:
    """The ``ResourceName`` CloudTrail's LookupEvents finds a resource's events by (its name or id, as CloudTrail
    lists it in an event's ``Resources``), or None when CloudTrail cannot be searched by what the key holds: an
    API Gateway API named by its ``ApiName`` (CloudTrail names REST APIs by id) and the account feed."""
    kind, _, name = resource_key.partition(":")
    if not name or kind == ACCOUNT:
        return None
    if kind == APIGATEWAY and not _looks_like_api_id(name):
        return None
    return name


def _looks_like_api_id(name: str) -> bool:
    """API Gateway's ids are ten lower-case letters and digits (``67ge356u6d``)."""
    return len(name) == 10 and name.isalnum() and name == name.lower()


def unsearchable(keys: list[str]) -> str:
    """What CloudTrail could not be asked about, in words: the account's feed (stacks, parameters, AppConfig),
    which only the ledger keeps, and APIs named by name, which CloudTrail lists by id."""
    said = []
    if any(k.startswith(f"{ACCOUNT}:") for k in keys):
        said.append("the account's stack, parameter and AppConfig changes (only the change ledger keeps them)")
    apis = [k.partition(":")[2] for k in keys if k.startswith(f"{APIGATEWAY}:")]
    if apis:
        said.append(f"API {', '.join(apis)} by name (CloudTrail names APIs by id)")
    return "not searched in CloudTrail: " + "; ".join(said or keys)

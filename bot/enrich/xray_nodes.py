"""Which X-Ray service-graph node is the alarmed service: by name and by the node type of the alarm's resource.

A graph often holds several nodes with one name — X-Ray's ``client`` node for the callers of a root service,
a Lambda function's ``AWS::Lambda`` service node beside its ``AWS::Lambda::Function`` node. A client node is
never the target, only a caller. And which callee node a root cause's remote entity stands for. Not for:
statistics or rows (``bot.enrich.xray``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from mypy_boto3_xray.type_defs import ServiceTypeDef

    from bot.alarms import MetricRef

RESOURCE_TYPES: dict[str, tuple[str, ...]] = {
    "AWS/Lambda": ("AWS::Lambda::Function", "AWS::Lambda"),
    "AWS/ApiGateway": ("AWS::ApiGateway::Stage",),
    "AWS/EC2": ("AWS::EC2::Instance",),
    "AWS/ECS": ("AWS::ECS::Container",),
    "AWS/EKS": ("AWS::EKS::Container",),
    "AWS/ElasticBeanstalk": ("AWS::ElasticBeanstalk::Environment",),
    "AWS/DynamoDB": ("AWS::DynamoDB::Table",),
    "AWS/SQS": ("AWS::SQS::Queue",),
    "AWS/SNS": ("AWS::SNS",),
    "AWS/S3": ("AWS::S3::Bucket",),
    "AWS/States": ("AWS::StepFunctions::StateMachine",),
    "AWS/AppSync": ("AWS::AppSync::GraphQLAPI",),
}
"""CloudWatch namespace → the X-Ray node types of that resource, best first (the X-Ray Developer Guide's
segment ``origin`` values)."""
FUNCTION_FIRST = ("AWS::Lambda::Function",)
"""Where the alarm names no resource type: a function node holds the function's own statistics, its
``AWS::Lambda`` twin the service's view (with throttles and dwell time)."""


def candidate_names(metrics: Iterable[MetricRef]) -> list[str]:
    names: list[str] = []
    for metric in metrics:
        function = metric.dimension("FunctionName")
        api, stage = metric.dimension("ApiName"), metric.dimension("Stage")
        if function:
            names.append(function)
        if api:
            names.append(f"{api}/{stage}" if stage else f"{api}/")
        names.extend(value for _, value in metric.dimensions)
    return list(dict.fromkeys(names))


def preferred_types(metrics: Iterable[MetricRef]) -> tuple[str, ...]:
    types = [t for m in metrics for t in RESOURCE_TYPES.get(m.namespace, ())]
    return tuple(dict.fromkeys([*types, *FUNCTION_FIRST]))


def is_client(node: Mapping[str, object]) -> bool:
    kind = str(node.get("Type") or "")
    return kind == "client" or kind.startswith("Client::")  # "Client::Synthetic": a CloudWatch canary


def _named(node: ServiceTypeDef, name: str) -> bool:
    return node.get("Name") == name or name in (node.get("Names") or ())


def named_any(node: ServiceTypeDef, names: Iterable[str]) -> bool:
    return any(_named(node, name) for name in names)


def _pick(nodes: list[ServiceTypeDef], name: str, preferred: tuple[str, ...]) -> ServiceTypeDef | None:
    """The node that is the service ``name``: never a client node; of several, the preferred type first."""
    if name.endswith("/"):  # an API without a Stage dimension: any of its stages
        same = [n for n in nodes if str(n.get("Name", "")).startswith(name) and not is_client(n)]
    else:
        same = [n for n in nodes if _named(n, name) and not is_client(n)]
    if not same:
        return None
    rank = {kind: i for i, kind in enumerate(preferred)}
    return min(same, key=lambda n: rank.get(str(n.get("Type") or ""), len(rank)))


def target_nodes(
    nodes: list[ServiceTypeDef], tagged: list[str], metrics: Iterable[MetricRef], preferred: tuple[str, ...]
) -> list[ServiceTypeDef]:
    """The nodes that are the alarmed service: one per tagged name, else the first dimension that names one."""
    if tagged:
        picked = [_pick(nodes, name, preferred) for name in tagged]
        return list({id(n): n for n in picked if n is not None}.values())
    for name in candidate_names(metrics):
        node = _pick(nodes, name, preferred)
        if node is not None:
            return [node]
    return []


def callee_named(entity: str, callees: Iterable[tuple[str, str, bool]]) -> str:
    """The callee node a root cause's remote entity stands for, of ``callees`` (name, node type, failing).

    An HTTP call's subsegment is named after its host, as its inferred node is. An AWS SDK call's is named after
    the service ("DynamoDB"), while the graph names the node after the resource it called (a table, from the
    segment's ``aws.table_name``): that service's one callee node, else its one failing callee node. Else the
    entity's own name."""
    callees = tuple(callees)
    if any(name == entity for name, _, _ in callees):
        return entity
    service = f"AWS::{entity}"
    same = [(name, bad) for name, kind, bad in callees if kind == service or kind.startswith(f"{service}::")]
    failing = [name for name, bad in same if bad]
    if len(same) == 1:
        return same[0][0]
    return failing[0] if len(failing) == 1 else entity

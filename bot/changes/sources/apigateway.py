"""API Gateway's changes, from CloudTrail: a deployment (``CreateDeployment``) and a stage's settings
(``UpdateStage``), for REST APIs (``restApiId``; the request's fields inside ``createDeploymentInput`` /
``updateStageInput``, as CloudTrail records them) and HTTP and WebSocket APIs (API Gateway v2: ``apiId``).

CloudTrail names an API by its id. The alarm names a REST API by its name (``ApiName``) and X-Ray by
``<name>/<stage>``; the ledger adds the name when it can resolve it (``bot.changes.apinames``). Stage variables
are kept by name only: their values may be secrets."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import coerce
from bot.changes import links, resources
from bot.changes.cloudtrail import dig, request_diffs, value
from bot.changes.model import Diff, UnknownChange

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from bot.changes.cloudtrail import Call
    from bot.changes.model import Change

SOURCE = "apigateway.amazonaws.com"
EVENT_NAMES = ("CreateDeployment", "UpdateStage")
STAGE_PATHS: dict[str, str] = {
    "/deploymentId": "deployment",
    "/description": "description",
    "/tracingEnabled": "X-Ray tracing",
    "/cacheClusterEnabled": "cache",
    "/cacheClusterSize": "cache size",
    "/*/*/throttling/rateLimit": "throttling rate",
    "/*/*/throttling/burstLimit": "throttling burst",
    "/*/*/logging/loglevel": "logging",
    "/*/*/logging/dataTrace": "full request/response logging",
    "/*/*/metrics/enabled": "detailed metrics",
    "/accessLogSettings/destinationArn": "access log destination",
    "/accessLogSettings/format": "access log format",
    "/webAclArn": "web ACL",
    "/canarySettings/percentTraffic": "canary traffic",
    "/canarySettings/deploymentId": "canary deployment",
}
"""``UpdateStage`` patch paths (API Gateway REST API Reference, "Patch operations") and their names; other
paths are named by the path itself."""
V2_STAGE_FIELDS = {"deploymentId": "deployment", "autoDeploy": "auto-deploy", "description": "description"}
V2_ROUTE_FIELDS = {
    "defaultRouteSettings": "default route settings",
    "routeSettings": "route settings",
    "accessLogSettings": "access logs",
}
"""API Gateway v2's ``UpdateStage`` request fields and their names (the stage variables between them)."""


def read(call: Call) -> Change:
    v2 = "apiId" in call.request
    api = coerce.text(call.request.get("apiId") or call.request.get("restApiId"))
    if not api:
        raise UnknownChange(f"{call.name} names no API (requestParameters.restApiId or apiId)")
    if call.action == "CreateDeployment":
        return _deployment(call, api, v2)
    return _stage(call, api, v2)


def _change(
    call: Call, api: str, stage: str, diffs: list[Diff], v2: bool, settings: Iterable[tuple[str, str]] = ()
) -> Change:
    link = links.http_api(call.region, api) if v2 else links.rest_api(call.region, api, stage)
    return call.change(
        service=resources.APIGATEWAY,
        resource=f"{api}/{stage}" if stage else api,
        resources=(resources.key(resources.APIGATEWAY, api),),
        diffs=diffs,
        link=link,
        settings=settings,
    )


def _deployment(call: Call, api: str, v2: bool) -> Change:
    given = call.request if v2 else coerce.mapping(call.request.get("createDeploymentInput"))
    stage = coerce.text(given.get("stageName"))
    deployment = value(call.response.get("deploymentId") if v2 else call.response.get("id"))
    diffs = [Diff(f"stage {stage} deployment" if stage else "deployment", deployment)]
    description = value(given.get("description"))
    if description:
        diffs.append(Diff("description", description))
    settings = ((f"stage {stage} deployment", deployment),) if stage and deployment else ()
    return _change(call, api, stage, diffs, v2, settings)


def _stage(call: Call, api: str, v2: bool) -> Change:
    stage = coerce.text(call.request.get("stageName"))
    if not stage:
        raise UnknownChange(f"{call.name} names no stage (requestParameters.stageName)")
    diffs = _stage_v2(call.request) if v2 else _patches(call.request)
    deployment = next((d.new for d in diffs if d.name == "deployment" and d.new), None)
    settings = ((f"stage {stage} deployment", deployment),) if deployment else ()
    diffs = [Diff(f"stage {stage} deployment", d.new) if d.name == "deployment" else d for d in diffs]
    return _change(call, api, stage, diffs, v2, settings)


def _patches(request: Mapping[str, object]) -> list[Diff]:
    operations = dig(request, "updateStageInput", "patchOperations") or request.get("patchOperations") or []
    diffs: list[Diff] = []
    for operation in operations if isinstance(operations, list) else []:
        if not isinstance(operation, dict):
            continue
        path, op = coerce.text(operation.get("path")), coerce.text(operation.get("op"))
        if path.startswith("/variables/"):
            diffs.append(Diff(f"stage variable {path.removeprefix('/variables/')} {op} (value not kept)", None))
            continue
        new = None if op == "remove" else value(operation.get("value"))
        diffs.append(Diff(STAGE_PATHS.get(path, path) + (" removed" if op == "remove" else ""), new))
    return diffs


def _stage_v2(request: Mapping[str, object]) -> list[Diff]:
    diffs = request_diffs(request, V2_STAGE_FIELDS)
    variables = request.get("stageVariables")
    if isinstance(variables, dict) and variables:
        diffs.append(Diff(f"stage variables {', '.join(sorted(variables))} (values not kept)", None))
    return diffs + request_diffs(request, V2_ROUTE_FIELDS)

"""AppConfig's changes: ``StartDeployment`` from CloudTrail, and the deployment events AppConfig sends to the
default bus once the "AWS AppConfig deployment events to Amazon EventBridge" extension is associated ("On
Deployment Start", "On Deployment Complete", "On Deployment Rollback": EventBridge events reference; the detail's
shape from the AppConfig User Guide's sample). The configuration's content is never kept."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import coerce
from bot.changes import links, resources
from bot.changes.cloudtrail import dig, value
from bot.changes.model import Diff, UnknownChange

if TYPE_CHECKING:
    from bot.changes.cloudtrail import Call
    from bot.changes.model import Change, ServiceEvent

SOURCE = "appconfig.amazonaws.com"
EVENT_NAMES = ("StartDeployment",)
DEPLOYMENT_EVENTS = ("On Deployment Start", "On Deployment Complete", "On Deployment Rollback")


def _keys(application: str, account: str, *names: str) -> tuple[str, ...]:
    own = [resources.key(resources.APPCONFIG, n) for n in (application, *names) if n]
    return resources.with_account(tuple(dict.fromkeys(own)), account)


def read(call: Call) -> Change:
    application = coerce.text(call.request.get("applicationId"))
    environment = coerce.text(call.request.get("environmentId"))
    if not application:
        raise UnknownChange(f"{call.name} names no application (requestParameters.applicationId)")
    profile = coerce.text(call.response.get("configurationName") or call.request.get("configurationProfileId"))
    version = call.request.get("configurationVersion") or call.response.get("configurationVersion")
    diffs = _diffs(profile, environment, version, call.response.get("deploymentNumber"))
    strategy = value(call.request.get("deploymentStrategyId"))
    if strategy:
        diffs.append(Diff("strategy", strategy))
    return call.change(
        service=resources.APPCONFIG,
        resource=f"{application}/{environment}" if environment else application,
        resources=_keys(application, call.account),
        diffs=diffs,
        link=links.appconfig_environment(call.region, application, environment),
        settings=((diffs[0].name, diffs[0].new),) if diffs and diffs[0].new and profile else (),
    )


def _diffs(profile: str, environment: str, version: object, number: object) -> list[Diff]:
    """The configuration version deployed (named by profile and environment: the ledger keeps the last per
    application, and an environment's old version is its own) and the deployment's number."""
    label = " ".join(
        w for w in ("configuration", profile, "version", "in" if environment else "", environment) if w
    )
    diffs = [Diff(label, value(version))]
    if number is not None:
        diffs.append(Diff("deployment", value(number)))
    return [d for d in diffs if d.new]


def deployment_event(event: ServiceEvent) -> Change:
    detail = event.detail
    application_id = coerce.text(dig(detail, "Application", "Id"))
    if not application_id:
        raise UnknownChange(f"an AppConfig {event.action!r} event names no Application.Id")
    application = coerce.text(dig(detail, "Application", "Name")) or application_id
    environment_id = coerce.text(dig(detail, "Environment", "Id"))
    environment = coerce.text(dig(detail, "Environment", "Name")) or environment_id
    profile = coerce.text(dig(detail, "ConfigurationProfile", "Name") or dig(detail, "ConfigurationProfile", "Id"))
    return event.change(
        service=resources.APPCONFIG,
        resource=f"{application}/{environment}" if environment else application,
        resources=_keys(application_id, event.account, application),
        diffs=_diffs(profile, environment, detail.get("ConfigurationVersion"), detail.get("DeploymentNumber")),
        link=links.appconfig_environment(event.region, application_id, environment_id),
    )

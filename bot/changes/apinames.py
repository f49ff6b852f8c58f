"""A REST API's name for its id: CloudTrail names an API Gateway API by its id, the alarm (``ApiName``) and X-Ray
(``<name>/<stage>``) by its name, so the ledger files an API's changes under both (``GetRestApi``, once per API
per container). An HTTP API's alarm names it by id (``ApiId``): ``GetRestApi`` does not know its id, and it stays
under its id. A failed lookup leaves the change under its id alone — logged by the caller, never a lost change."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from bot.changes import resources

if TYPE_CHECKING:
    from mypy_boto3_apigateway import APIGatewayClient

    from bot.changes.model import Change


class RestApiNames:
    def __init__(self, apigateway: APIGatewayClient) -> None:
        self.apigateway = apigateway
        self._names: dict[str, str] = {}

    def name(self, api_id: str) -> str:
        """The REST API's name (cached), "" for an id that is no REST API (an HTTP API's); raises the client's
        other errors."""
        if api_id not in self._names:
            try:
                name = self.apigateway.get_rest_api(restApiId=api_id).get("name")
            except self.apigateway.exceptions.NotFoundException:
                name = None
            self._names[api_id] = str(name or "")
        return self._names[api_id]

    def file_by_name(self, change: Change) -> Change:
        """``change`` also filed under its REST API's name (a change of an HTTP API, or of another service, as
        it is). Raises the client's error when the name cannot be read."""
        if change.service != resources.APIGATEWAY:
            return change
        api_id = change.resources[0].partition(":")[2] if change.resources else ""
        name = self.name(api_id) if api_id else ""
        if not name:
            return change
        named = resources.key(resources.APIGATEWAY, name)
        shown = f"{name} ({api_id})" + change.resource.removeprefix(api_id)
        return replace(change, resource=shown, resources=tuple(dict.fromkeys((*change.resources, named))))

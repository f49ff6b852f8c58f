"""A query run on the Athena stand-in as a client runs one: start, poll the state, page through the results."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from local.athena.standin import AthenaStandIn


def run(
    standin: AthenaStandIn, sql: str, parameters: list[str] | None = None, workgroup: str = "lookout"
) -> tuple[dict[str, Any], list[list[str | None]]]:
    request: dict[str, Any] = {
        "QueryString": sql,
        "WorkGroup": workgroup,
        "QueryExecutionContext": {"Database": "lookout"},
    }
    if parameters:
        request["ExecutionParameters"] = parameters
    execution_id = standin.start_query_execution("us-east-1", request)["QueryExecutionId"]
    states = []
    while True:
        execution = standin.get_query_execution({"QueryExecutionId": execution_id})["QueryExecution"]
        states.append(execution["Status"]["State"])
        if states[-1] in ("SUCCEEDED", "FAILED", "CANCELLED"):
            break
    assert states[0] == "RUNNING" and len(states) == 2
    if states[-1] != "SUCCEEDED":
        return execution, []
    rows: list[list[str | None]] = []
    token = None
    while True:
        page = standin.get_query_results(
            {"QueryExecutionId": execution_id, "MaxResults": 50, **({"NextToken": token} if token else {})}
        )
        rows.extend([cell.get("VarCharValue") for cell in row["Data"]] for row in page["ResultSet"]["Rows"])
        token = page.get("NextToken")
        if not token:
            return execution, rows

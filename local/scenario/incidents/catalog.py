"""The incident scenarios, in the order of issue #31's list: each with a known cause and what its first card must
name (``local.scenario.incidents.model.Expect``)."""

from __future__ import annotations

from local.scenario.incidents import (
    bad_deploy,
    config_change,
    dependency_5xx,
    dependency_429,
    dynamodb_throttling,
    lambda_timeout,
    memory_limit,
    reserved_concurrency,
)

SCENARIOS = (
    bad_deploy.SCENARIO,
    config_change.SCENARIO,
    dependency_5xx.SCENARIO,
    dependency_429.SCENARIO,
    lambda_timeout.SCENARIO,
    reserved_concurrency.SCENARIO,
    dynamodb_throttling.SCENARIO,
    memory_limit.SCENARIO,
)

"""The offline AWS environment the tests and the benchmarks run in: fake credentials, no real endpoints, no
tracing, no stray configuration, Powertools' test settings — and the demo app's Lookout configuration
(``local/demo/config``: orders-api, its field mappings), the world the tests are written in. A test of the
shipped ``infra/lookout.yaml`` names it."""

from __future__ import annotations

import os

from local.demo.config import environment as demo_configuration


def offline_environment() -> None:
    """Set the offline environment in ``os.environ``; call it before any boto3 client is made (``tests/conftest.py``
    does at import, the benchmarks before their run)."""
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_SESSION_TOKEN="testing",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE="/dev/null",
        AWS_SHARED_CREDENTIALS_FILE="/dev/null",
        LOOKOUT_TRACING="false",
        POWERTOOLS_TRACE_DISABLED="true",
        POWERTOOLS_METRICS_NAMESPACE="LookoutTest",
        POWERTOOLS_SERVICE_NAME="lookout-test",
        POWERTOOLS_DEV="false",
        **demo_configuration(relative=True),  # from the repository's root, where the tests run
    )
    os.environ.pop("AWS_ENDPOINT_URL", None)
    os.environ.pop("AWS_PROFILE", None)

"""A small AWS client for the few calls on Lookout's cold paths, with no botocore on the import path.

Why not boto3 there: a cold Lambda pays ~140 ms of CPU to import boto3 and ~100 ms more to build the five
botocore clients an alarm needs (service models, endpoint rules) — most of a cold start. The calls on the
alarm and ack paths are a dozen JSON operations, so :class:`~bot.awshttp.client.LeanClient` signs them with
SigV4 and sends them over ``http.client``; every other operation, and every environment it does not cover
(no credentials in the environment, FIPS or dual-stack endpoints), falls back to the boto3 client, created
on first use. Errors are botocore's own exception types, so callers handle both clients alike.
"""

from bot.awshttp.client import LeanClient, lean_available

__all__ = ["LeanClient", "lean_available"]

"""Real CloudTrail log files (tests/fixtures/queries/cloudtrail, see SOURCES.md) under the CloudTrail table of
the Amazon S3 User Guide's "Identifying Amazon S3 requests using CloudTrail" (CloudTrail SerDe) and of the
Athena User Guide's "Create a table for CloudTrail logs in Athena" (Hive JSON SerDe), both stored as
``com.amazon.emr.cloudtrail.CloudTrailInputFormat``: each object is one gzipped ``{"Records": [...]}`` file and
each record a row. The queries are the S3 guide's Athena examples (awsdocs/amazon-s3-userguide
``doc_source/cloudtrail-request-identification.md``) and the Athena guide's template query (awsdocs/
amazon-athena-user-guide ``doc_source/cloudtrail-logs.md``), verbatim; answers computed here in plain Python."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from local.athena.sql import AthenaError, Outcome, execute

FIXTURES = Path(__file__).parents[1] / "fixtures" / "queries" / "cloudtrail"
LOCATION = "s3://myawsexamplebucket1/AWSLogs/111122223333/"
# The S3 guide's DDL, column for column (Glue keeps a struct's field names as declared).
COLUMNS = {
    "eventversion": "string",
    "useridentity": "struct<type:string,principalid:string,arn:string,accountid:string,invokedby:string,"
    "accesskeyid:string,userName:string,sessioncontext:struct<attributes:struct<mfaauthenticated:string,"
    "creationdate:string>,sessionissuer:struct<type:string,principalId:string,arn:string,accountId:string,"
    "userName:string>>>",
    "eventtime": "string",
    "eventsource": "string",
    "eventname": "string",
    "awsregion": "string",
    "sourceipaddress": "string",
    "useragent": "string",
    "errorcode": "string",
    "errormessage": "string",
    "requestparameters": "string",
    "responseelements": "string",
    "additionaleventdata": "string",
    "requestid": "string",
    "eventid": "string",
    "resources": "array<struct<ARN:string,accountId:string,type:string>>",
    "eventtype": "string",
    "apiversion": "string",
    "readonly": "string",
    "recipientaccountid": "string",
    "serviceeventdetails": "string",
    "sharedeventid": "string",
    "vpcendpointid": "string",
}
CLOUDTRAIL_INPUT = "com.amazon.emr.cloudtrail.CloudTrailInputFormat"
SERDES = ["com.amazon.emr.hive.serde.CloudTrailSerde", "org.apache.hive.hcatalog.data.JsonSerDe"]


def table(serde: str, input_format: str = CLOUDTRAIL_INPUT) -> dict[str, Any]:
    return {
        "Name": "cloudtrail_logs",
        "PartitionKeys": [],
        "Parameters": {"EXTERNAL": "TRUE"},
        "StorageDescriptor": {
            "Columns": [{"Name": k, "Type": v} for k, v in COLUMNS.items()],
            "Location": LOCATION,
            "InputFormat": input_format,
            "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
            "SerdeInfo": {"SerializationLibrary": serde},
        },
    }


def log_objects() -> dict[str, bytes]:
    """Each fixture as CloudTrail delivers it: gzipped, under CloudTrail/<region>/<yyyy>/<mm>/<dd>/."""
    objects = {}
    for path in sorted(FIXTURES.glob("*.json")):
        record = json.loads(path.read_text())["Records"][0]
        day = record["eventTime"][:10].replace("-", "/")
        key = f"CloudTrail/{record['awsRegion']}/{day}/111122223333_CloudTrail_{record['awsRegion']}_{path.stem}.json.gz"
        objects[LOCATION + key] = gzip.compress(path.read_bytes())
    return objects


RECORDS = [r for p in sorted(FIXTURES.glob("*.json")) for r in json.loads(p.read_text())["Records"]]


class Store:
    def __init__(self, objects: dict[str, bytes]) -> None:
        self.objects = objects

    def __call__(self, uri: str) -> tuple[bytes, int]:
        return self.objects[uri], len(self.objects[uri])

    def list(self, prefix: str) -> list[str]:
        return sorted(u for u in self.objects if u.startswith(prefix))


def run(sql: str, serde: str = SERDES[0], objects: dict[str, bytes] | None = None) -> Outcome:
    definition = table(serde)
    names = {("default", "cloudtrail_logs"), ("s3_cloudtrail_events_db", "cloudtrail_myawsexamplebucket1_table")}
    store = Store(log_objects() if objects is None else objects)
    return execute(sql, [], lambda d, t: definition if (d, t) in names else None, store, database="default")


def rows_of(outcome: Outcome) -> list[list[str | None]]:
    return [[n for n, _ in outcome.columns], *outcome.rows]


@pytest.mark.parametrize("serde", SERDES)
def test_the_athena_guides_template_query_reads_one_row_per_record(serde: str) -> None:
    outcome = run(
        "SELECT\n useridentity.arn,\n eventname,\n sourceipaddress,\n eventtime\nFROM cloudtrail_logs\nLIMIT 100;",
        serde,
    )
    rows = rows_of(outcome)
    assert rows[0] == ["arn", "eventname", "sourceipaddress", "eventtime"]
    expected = [[r["userIdentity"]["arn"], r["eventName"], r["sourceIPAddress"], r["eventTime"]] for r in RECORDS]
    assert sorted(rows[1:]) == sorted(expected)
    assert outcome.scanned == sum(len(body) for body in log_objects().values())  # the gzipped bytes


@pytest.mark.parametrize("serde", SERDES)
def test_signature_version_2_events(serde: str) -> None:
    outcome = run(
        "SELECT EventTime, EventName as S3_Action, requestParameters as Request_Parameters, awsregion as AWS_Region, sourceipaddress as Source_IP, useragent as User_Agent\n"
        "FROM s3_cloudtrail_events_db.cloudtrail_myawsexamplebucket1_table\n"
        "WHERE eventsource='s3.amazonaws.com'\n"
        "AND json_extract_scalar(additionalEventData, '$.SignatureVersion')='SigV2'\n"
        "LIMIT 10;",
        serde,
    )
    rows = rows_of(outcome)
    assert rows[0] == ["eventtime", "s3_action", "request_parameters", "aws_region", "source_ip", "user_agent"]
    sigv2 = [r for r in RECORDS if (r.get("additionalEventData") or {}).get("SignatureVersion") == "SigV2"]
    assert [row[:2] + row[3:] for row in rows[1:]] == [
        [r["eventTime"], r["eventName"], r["awsRegion"], r["sourceIPAddress"], r["userAgent"]] for r in sigv2
    ]
    # a JSON object in a string column is its JSON text, keys as written
    assert [json.loads(str(row[2])) for row in rows[1:]] == [r["requestParameters"] for r in sigv2]


def test_requesters_sending_signature_version_2_traffic() -> None:
    rows = rows_of(
        run(
            "SELECT useridentity.arn, Count(requestid) as RequestCount\n"
            "FROM s3_cloudtrail_events_db.cloudtrail_myawsexamplebucket1_table\n"
            "WHERE eventsource='s3.amazonaws.com'\n"
            "    and json_extract_scalar(additionalEventData, '$.SignatureVersion')='SigV2'\n"
            "Group by useridentity.arn"
        )
    )
    counts: dict[str, int] = {}
    for r in RECORDS:
        if r["eventSource"] == "s3.amazonaws.com" and r["additionalEventData"]["SignatureVersion"] == "SigV2":
            counts[r["userIdentity"]["arn"]] = counts.get(r["userIdentity"]["arn"], 0) + (
                1 if r.get("requestID") else 0
            )
    assert rows == [["arn", "requestcount"], *[[arn, str(n)] for arn, n in counts.items()]]


def test_the_s3_guides_test_query() -> None:
    rows = rows_of(
        run(
            "SELECT * FROM s3_cloudtrail_events_db.cloudtrail_myawsexamplebucket1_table\nWHERE eventsource='s3.amazonaws.com'\nLIMIT 2;"
        )
    )
    assert rows[0] == list(COLUMNS)
    s3_ids = {r["eventID"] for r in RECORDS if r["eventSource"] == "s3.amazonaws.com"}
    assert len(rows) == 3 and {row[list(COLUMNS).index("eventid")] for row in rows[1:]} <= s3_ids


def test_json_keys_inside_a_string_column_keep_their_case() -> None:
    # The S3 guide's object-access examples read json_extract_scalar(requestParameters, '$.bucketName'); the
    # JSON text of a string column is not lower-cased the way column names are matched.
    rows = rows_of(
        run(
            "SELECT\n  eventTime, \n  eventName, \n  json_extract_scalar(requestParameters, '$.bucketName') as bucketName, \n"
            "  userIdentity.arn as userArn\nFROM\n  s3_cloudtrail_events_db.cloudtrail_myawsexamplebucket1_table\n"
            "WHERE\n  eventName = 'GetBucketVersioning'"
        )
    )
    (record,) = [r for r in RECORDS if r["eventName"] == "GetBucketVersioning"]
    assert rows[1:] == [
        [record["eventTime"], "GetBucketVersioning", "DOC-EXAMPLE-BUCKET1", record["userIdentity"]["arn"]]
    ]


def test_nested_struct_fields_and_error_columns() -> None:
    rows = rows_of(
        run(
            "SELECT eventname, useridentity.sessioncontext.attributes.mfaauthenticated AS mfa, errorcode "
            "FROM cloudtrail_logs WHERE eventsource <> 's3.amazonaws.com' ORDER BY eventtime"
        )
    )
    expected = sorted((r for r in RECORDS if r["eventSource"] != "s3.amazonaws.com"), key=lambda r: r["eventTime"])
    assert rows[1:] == [
        [
            r["eventName"],
            ((r["userIdentity"].get("sessionContext") or {}).get("attributes") or {}).get("mfaAuthenticated"),
            r.get("errorCode"),
        ]
        for r in expected
    ]


def test_a_file_without_records_holds_no_rows() -> None:
    # CloudTrail writes digest files under CloudTrail-Digest/ next to the logs; they hold no "Records" (the
    # stand-in's reading: Athena's documentation does not say what the input format does with them).
    objects = log_objects()
    digest = {"awsAccountId": "111122223333", "digestStartTime": "2015-08-17T14:01:31Z", "logFiles": []}
    objects[LOCATION + "CloudTrail-Digest/us-east-2/2015/08/17/digest.json.gz"] = gzip.compress(
        json.dumps(digest).encode()
    )
    assert rows_of(run("SELECT count(*) AS n FROM cloudtrail_logs", objects=objects))[1] == [str(len(RECORDS))]


def test_a_json_serde_with_another_input_format_fails_naming_it() -> None:
    other = table(SERDES[1], "org.apache.hadoop.hive.ql.io.avro.AvroContainerInputFormat")
    with pytest.raises(AthenaError, match="HIVE_UNSUPPORTED_FORMAT.*AvroContainerInputFormat"):
        execute("SELECT count(*) FROM d.t", [], lambda d, t: other, Store(log_objects()))


def test_a_compression_the_stand_in_cannot_read_fails_naming_it() -> None:
    objects = {LOCATION + "CloudTrail/us-east-2/2014/03/06/x.json.zst": b"(\xb5/\xfd"}
    with pytest.raises(AthenaError, match=r"\.zst"):
        run("SELECT count(*) FROM cloudtrail_logs", objects=objects)


def test_a_corrupt_gzip_object_fails_as_athena_reads_it() -> None:
    objects = {LOCATION + "CloudTrail/us-east-2/2014/03/06/x.json.gz": b"not gzip"}
    with pytest.raises(AthenaError, match="HIVE_CURSOR_ERROR"):
        run("SELECT count(*) FROM cloudtrail_logs", objects=objects)

"""The Athena stand-in: SQL in Athena's Trino dialect run on DuckDB, answered in both of botocore's wire
protocols."""

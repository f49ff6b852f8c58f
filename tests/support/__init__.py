"""Helpers shared by the test modules and the benchmarks, one focused module per subject (``tests.support.<name>``);
the pure ones (``fixtures``, ``messages``, ``xray``'s figures …) import no boto3, botocore Stubber or moto."""

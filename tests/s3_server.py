"""An S3-compatible server on loopback for the tests that put storage roots on object storage
(tests/scenarios/test_storage_s3.py, tests/scenarios/test_distributed.py): moto's server in its own
process, checking signatures against an IAM key it issued, and the ``AWS_*`` variables a user (or a
worker machine) sets for it as docs/STORAGE.md says."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BUCKET = "fazhi-data"
REGION = "us-east-1"


def keys(key_id: str, secret: str) -> dict:
    return {"aws_access_key_id": key_id, "aws_secret_access_key": secret}


@contextmanager
def s3_server(folder: Path) -> Iterator[dict]:
    """An S3 endpoint on 127.0.0.1 that authenticates every request after the first three (the
        three that create an IAM user, its key and its policy), and a bucket ``BUCKET`` made with that
        key. Yields ``{"endpoint", "key_id", "secret", "log"}``: the log (``folder/server.log``) has a
    line per request, as ``"GET /bucket/key HTTP/1.1" 200``."""
    import boto3  # imported here: callers skip their tests first when the test extra is missing

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = folder / "server.log"
    env = {**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "3", "AWS_EC2_METADATA_DISABLED": "true"}
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2).close()
                break
            except OSError as exc:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"the S3 server did not start: {log.read_text(errors='replace')[-2000:]}"
                    ) from exc
                time.sleep(0.2)
        iam = boto3.client("iam", endpoint_url=endpoint, region_name=REGION, **keys("setup", "setup"))
        iam.create_user(UserName="fazhi")
        key = iam.create_access_key(UserName="fazhi")["AccessKey"]
        policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
        iam.put_user_policy(UserName="fazhi", PolicyName="s3", PolicyDocument=json.dumps(policy))
        found = keys(key["AccessKeyId"], key["SecretAccessKey"])
        boto3.client("s3", endpoint_url=endpoint, region_name=REGION, **found).create_bucket(Bucket=BUCKET)
        yield {"endpoint": endpoint, "key_id": key["AccessKeyId"], "secret": key["SecretAccessKey"], "log": log}
    finally:
        process.terminate()
        process.wait(timeout=30)


def aws_environment(server: dict, nowhere: Path) -> dict[str, str]:
    """The variables a user sets for ``server`` (docs/STORAGE.md), with the shared AWS config and
    credentials files at ``nowhere`` and the instance metadata service never asked (it is not on
    loopback): nothing of this machine's own AWS setup comes in. An environment built from it must
    hold no other ``AWS_*`` or ``FSSPEC_S3*`` variable."""
    return {
        "AWS_ENDPOINT_URL": server["endpoint"],
        "AWS_ACCESS_KEY_ID": server["key_id"],
        "AWS_SECRET_ACCESS_KEY": server["secret"],
        "AWS_DEFAULT_REGION": REGION,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": str(nowhere),
        "AWS_SHARED_CREDENTIALS_FILE": str(nowhere),
    }


def remote_tree(server: dict, prefix: str) -> dict[str, bytes]:
    """Every object under ``s3://BUCKET/prefix/`` and its bytes, read with boto3 (not s3fs)."""
    import boto3  # imported here: as in s3_server

    client = boto3.client(
        "s3", endpoint_url=server["endpoint"], region_name=REGION, **keys(server["key_id"], server["secret"])
    )
    found = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=f"{prefix}/"):
        for item in page.get("Contents", []):
            body = client.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read()
            found[item["Key"][len(prefix) + 1 :]] = body
    return found

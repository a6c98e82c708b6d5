"""Storage roots on object storage for real: the pipeline against an S3-compatible server that the test
starts on loopback (moto's server, in its own process, checking signatures against IAM keys it
issued), through s3fs, configured as docs/STORAGE.md tells a user to (``AWS_ENDPOINT_URL``, the
``AWS_*`` key variables, ``s3://`` URLs). tests/scenarios/test_storage.py covers the same rules on
``file://`` URLs in more detail."""

from __future__ import annotations

import os
from dataclasses import replace

import pytest
from corpus_root import build_corpus_root
from s3_server import BUCKET, REGION, aws_environment, keys, remote_tree, s3_server
from storage_runs import run_all, tree

from flows.cli import main
from flows.core import storage
from flows.core.errors import UserError

boto3 = pytest.importorskip("boto3", reason="the S3 tests need the test extra (moto[server], s3fs)")
s3fs = pytest.importorskip("s3fs", reason="the S3 tests need the test extra (moto[server], s3fs)")
pytest.importorskip("moto.server", reason="the S3 tests need the test extra (moto[server], s3fs)")

DOCS = ["d04", "d07"]  # two real 2022 reports


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """moto's S3 server on loopback, with an IAM key and a bucket (tests/s3_server.py)."""
    with s3_server(tmp_path_factory.mktemp("moto")) as found:
        yield found


@pytest.fixture(scope="module")
def environment(server, tmp_path_factory):
    """The variables a user sets (docs/STORAGE.md), and nothing from this machine's own AWS setup."""
    with pytest.MonkeyPatch.context() as patch:
        for name in [name for name in os.environ if name.startswith(("AWS_", "FSSPEC_S3"))]:
            patch.delenv(name)
        for name, value in aws_environment(server, tmp_path_factory.mktemp("aws") / "none").items():
            patch.setenv(name, value)
        yield server


@pytest.fixture(autouse=True)
def fresh_clients():
    """s3fs caches one client per set of arguments; a real run is a new process that reads the
    environment once, so each test starts without the cached client."""
    s3fs.S3FileSystem.clear_instance_cache()
    yield
    s3fs.S3FileSystem.clear_instance_cache()


def _urls(prefix: str) -> dict[str, str]:
    return {f"{name}_url": f"s3://{BUCKET}/{prefix}/{name}" for name in storage.ROOTS}


@pytest.fixture(scope="module")
def first(environment, tmp_path_factory, corpus_dir):
    """A first machine that ran the whole pipeline against three s3:// URLs."""
    root = tmp_path_factory.mktemp("first")
    settings = replace(build_corpus_root(root, corpus_dir, DOCS), **_urls("pipeline"))
    return settings, run_all(settings)


def test_the_pipeline_runs_on_s3_and_a_second_empty_working_copy_resumes_from_it(first, environment, tmp_path):
    settings, counts = first
    assert counts["normalize"]["parsed"] == 2 and counts["publish"]["released"] == 1
    remote = {name: remote_tree(environment, f"pipeline/{name}") for name in storage.ROOTS}
    assert remote["raw"] == tree(settings.raw_dir)
    assert sum(rel.startswith("objects/") for rel in remote["raw"]) == 2
    assert remote["warehouse"] == tree(settings.warehouse_dir)
    assert {"fazhi.duckdb", ".load-inputs.json", "parquet/documents/2022/part-0.parquet"} <= set(remote["warehouse"])
    assert remote["releases"] == tree(settings.releases_dir)
    assert {"latest.json", "2022/2022.1/documents.csv", "2022/2022.1/SHA256SUMS"} <= set(remote["releases"])

    second = replace(settings).with_root(tmp_path / "second")  # empty working copies under .storage-cache/
    again = run_all(second)
    assert again["fetch"] == {"offline": 2, "sources": 2}
    assert again["normalize"] == {"up_to_date": 2}  # the staged documents came down from the bucket
    assert again["load"]["documents"] == 2
    assert again["publish"]["released"] == 0 and again["publish"]["release_unchanged"] == 1
    assert remote_tree(environment, "pipeline/releases") == remote["releases"]
    assert tree(second.raw_dir) == remote["raw"]


def test_an_unchanged_rerun_transfers_nothing(first):
    """ETags and modification times from the listing identify a version: once a working copy has
    caught up (with what another machine pushed meanwhile), a sync moves no file."""
    settings, _ = first
    for name in storage.ROOTS:
        storage.pull(settings, name)
        storage.push(settings, name)
    for name in storage.ROOTS:
        assert storage.pull(settings, name) == {"pulled": 0}
        assert storage.push(settings, name) == {"pushed": 0, "removed": 0}


def test_a_release_published_elsewhere_with_other_bytes_is_refused(environment, tmp_path, corpus_dir):
    settings = replace(build_corpus_root(tmp_path / "a", corpus_dir, DOCS), **_urls("conflict"))
    run_all(settings)
    key = "conflict/releases/2022/2022.1/documents.csv"
    client = boto3.client(
        "s3",
        endpoint_url=environment["endpoint"],
        region_name=REGION,
        **keys(environment["key_id"], environment["secret"]),
    )
    client.put_object(Bucket=BUCKET, Key=key, Body=b"another machine's release\r\n")
    with pytest.raises(UserError) as caught:
        storage.push(settings, "releases")
    assert f"s3://{BUCKET}/{key}" in str(caught.value) and "never rewritten" in str(caught.value)
    assert client.get_object(Bucket=BUCKET, Key=key)["Body"].read() == b"another machine's release\r\n"


def test_a_wrong_secret_is_one_line_naming_the_variables(first, monkeypatch, tmp_path):
    settings, _ = first
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    with pytest.raises(UserError) as caught:
        storage.pull(replace(settings).with_root(tmp_path / "third"), "raw")
    message = str(caught.value)
    assert message.startswith(f"FAZHI_RAW_URL=s3://{BUCKET}/pipeline/raw: listing failed: ") and "\n" not in message
    assert "signature" in message and message.endswith(
        "(check the credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE))"
    )


def test_missing_credentials_stop_the_command_with_one_line_naming_the_variables(first, monkeypatch, tmp_path, capsys):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    for key, url in _urls("pipeline").items():
        monkeypatch.setenv(f"FAZHI_{key.upper()}", url)
    monkeypatch.setenv("FAZHI_ROOT", str(tmp_path / "analyst"))
    assert main(["sql", "select count(*) from documents"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        f"fazhi sql: error: FAZHI_WAREHOUSE_URL=s3://{BUCKET}/pipeline/warehouse: listing failed: "
        "NoCredentialsError: Unable to locate credentials "
        "(check the credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE))"
    )

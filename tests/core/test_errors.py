"""Errors classify themselves: every error fazhi raises for a person derives from FazhiError and
carries its exit status; the CLI reads the status from the class, never from the class's name."""

from __future__ import annotations

import pytest

from flows.cli import report_error
from flows.core.contracts import SchemaError
from flows.core.errors import EXIT_CHECK, EXIT_FAILED, EXIT_USER, FazhiError, RunFailed, UserError
from flows.core.lock import LockBusy
from flows.fetch.archive import ArchiveError
from flows.fetch.registry import RegistryError
from flows.load.checks import CheckFailure, DataCheckError
from flows.normalize.catalog import CatalogError
from flows.publish.model import PublishError, SyntheticDataError


@pytest.mark.parametrize(
    "error, code",
    [
        (UserError("x"), EXIT_USER),
        (RegistryError(["raw/sources.yaml: entry 1: url: missing"]), EXIT_USER),
        (CatalogError("metric_catalog.yaml: expected a non-empty list"), EXIT_USER),
        (LockBusy("another fazhi run holds it", None), EXIT_USER),
        (PublishError("no report documents for year(s) 2021"), EXIT_USER),
        (SyntheticDataError("2023 holds synthetic data"), EXIT_USER),
        (DataCheckError([]), EXIT_CHECK),
        (RunFailed("flow etl failed"), EXIT_FAILED),
        (SchemaError("fetch: outcome: not one of the values"), EXIT_FAILED),
        (ArchiveError("raw/manifest.jsonl: line 3 is not JSON"), EXIT_FAILED),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else str(value),
)
def test_each_error_carries_its_exit_status(error, code, capsys):
    assert isinstance(error, FazhiError)
    assert error.exit_code == code
    assert report_error("load", error) == code
    err = capsys.readouterr().err
    assert err.startswith(f"fazhi load: {'error' if code == EXIT_USER else 'failed'}: ")
    assert "--debug" not in err


def test_registry_and_catalog_errors_are_still_value_errors():
    # Callers that caught ValueError (the registry and catalog loaders' documented type) keep working.
    assert issubclass(RegistryError, ValueError) and issubclass(CatalogError, ValueError)


def test_a_data_check_lists_its_rows_and_exits_3(capsys):
    failure = CheckFailure(check="metrics.value_not_null", message="value is null", rows=[{"id": "m1"}], total=1)
    assert report_error("load", DataCheckError([failure])) == EXIT_CHECK
    err = capsys.readouterr().err
    assert "1 data check(s) failed" in err and "id='m1'" in err


def test_the_class_decides_not_its_name(capsys):
    # An exception that merely shares a fazhi error's name is unexpected: exit 1 and the --debug hint.
    class DataCheckError(Exception):
        pass

    class RegistryError(Exception):
        pass

    assert report_error("load", DataCheckError("boom")) == EXIT_FAILED
    assert report_error("load", RegistryError("boom")) == EXIT_FAILED
    err = capsys.readouterr().err
    assert err.count("run again with --debug for the traceback") == 2

    class OwnUserError(UserError):
        pass

    assert report_error("run", OwnUserError("named thing: what is wrong")) == EXIT_USER
    assert capsys.readouterr().err == "fazhi run: error: named thing: what is wrong\n"

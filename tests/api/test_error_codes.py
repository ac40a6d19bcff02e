"""Core exceptions carry a code and no HTTP status; the API's one table (``topoalign.api.errors.HTTP_STATUS``) gives
each class's code its status."""

from __future__ import annotations

import pytest

from topoalign import errors
from topoalign.api.errors import HTTP_STATUS, http_status

CLASSES = [c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, errors.TopoAlignError)]

# the statuses each class answered with before the table existed
STATUSES = {
    errors.TopoAlignError: 400,
    errors.InvalidInputError: 422,
    errors.UnsupportedFormatError: 415,
    errors.PayloadTooLargeError: 413,
    errors.InvalidParameterError: 422,
    errors.NotFoundError: 404,
    errors.ConflictError: 409,
    errors.LimitExceededError: 422,
    errors.JobCancelledError: 409,
    errors.WorkerLostError: 503,
}


def test_every_core_exception_has_a_code_in_the_table_and_no_status():
    assert set(CLASSES) == set(STATUSES)
    for cls in CLASSES:
        assert "code" in vars(cls) and cls.code in HTTP_STATUS, cls
        assert not hasattr(cls, "status"), f"{cls.__name__} knows an HTTP status; the API's table owns them"


@pytest.mark.parametrize("cls", list(STATUSES))
def test_status_by_class_code(cls):
    assert http_status(cls("x")) == STATUSES[cls]


def test_a_finer_code_keeps_its_class_status():
    # io.readers raises InvalidInputError(code="not_found") for a missing file: a 422 (bad input), not a 404
    err = errors.InvalidInputError("No such file.", code="not_found")
    assert err.code == "not_found" and http_status(err) == 422
    assert http_status(errors.LimitExceededError("over", code="limit_exceeded")) == 422
    assert http_status(errors.ConflictError("labels differ", code="label_conflict")) == 409


def test_a_subclass_without_its_own_code_takes_its_parent_status():
    class Narrower(errors.NotFoundError):
        pass

    class Unlisted(errors.ConflictError):
        code = "some_new_code"

    assert http_status(Narrower("x")) == 404 and http_status(Unlisted("x")) == 409


def test_domain_error_response_shape(client):
    r = client.get("/api/audits/nope")
    assert r.status_code == 404 and r.json() == {"error": "not_found", "detail": "No audit with id 'nope'."}

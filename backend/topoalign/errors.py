"""Domain exceptions of the compute core.

Every class names its kind of error with a class attribute ``code`` (``"invalid_parameter"``, ``"not_found"``,
``"limit_exceeded"``, ...); a raise may give a finer ``code`` (``"empty_array"``) for the response body, while the
class's code still says what kind of error it is. The core knows nothing of HTTP: exactly one place
(``topoalign.api.errors``, one table from class codes to statuses) turns these into HTTP responses of the shape
``{"error": code, "detail": message}`` and one place (``topoalign.cli``) into exit code 2 with the same message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


class TopoAlignError(Exception):
    """Base class: ``code`` is a stable machine-readable name, ``str(exc)`` a message naming the problem."""

    code = "topoalign_error"

    def __init__(self, detail: str, *, code: str | None = None):
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code


class InvalidInputError(TopoAlignError):
    """A file, array or label table that cannot become a representation."""

    code = "invalid_input"


class UnsupportedFormatError(InvalidInputError):
    code = "unsupported_format"


class PayloadTooLargeError(InvalidInputError):
    code = "payload_too_large"


class InvalidParameterError(TopoAlignError):
    """A parameter outside its allowed values; the message names the parameter, its range and the value."""

    code = "invalid_parameter"


class NotFoundError(TopoAlignError):
    code = "not_found"


class ConflictError(TopoAlignError):
    code = "conflict"


class LimitExceededError(TopoAlignError):
    """A configured compute limit (graph size, motif matches, time) was reached."""

    code = "limit_exceeded"


class JobCancelledError(TopoAlignError):
    code = "cancelled"


class WorkerLostError(TopoAlignError):
    """The Dask worker running a job's work died (over its memory budget, or killed): the job fails, not the
    server."""

    code = "worker_lost"


def param_error(owner: str, name: str, value: object, allowed: str) -> InvalidParameterError:
    """The house-style error for a parameter outside its allowed values (what ``check_param`` raises)."""
    return InvalidParameterError(
        f"The {name!r} parameter of {owner} must be {allowed}. Got {value!r} instead.", code="invalid_parameter"
    )


def check_param(owner: str, name: str, value: object, ok: bool | np.bool_, allowed: str) -> None:
    """Raise ``InvalidParameterError`` in the house style unless ``ok``.

    >>> check_param("Cover", "overlap", 1.5, 0 <= 1.5 < 1, "in [0, 1)")
    Traceback (most recent call last):
    ...
    topoalign.errors.InvalidParameterError: The 'overlap' parameter of Cover must be in [0, 1). Got 1.5 instead.
    """
    if not ok:
        raise param_error(owner, name, value, allowed)

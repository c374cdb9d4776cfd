"""One exception family for the whole service.

Every error a user can cause or see is a :class:`LetterdeskError`. Each class carries the HTTP status
the API answers with, the exit code of the command line and a stable machine code; the message is
Chinese-first text meant for the desk's staff. Views, tasks and the CLI map errors through these
attributes only, never by catching library exceptions themselves.
"""
from __future__ import annotations


class LetterdeskError(Exception):
    """Base of all expected errors. ``str(err)`` is the user-facing message."""

    code = "error"
    http_status = 500
    exit_code = 1

    def __init__(self, message: str, **detail: object) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail

    def to_dict(self) -> dict:
        return {"error": self.message, "code": self.code, **({"detail": self.detail} if self.detail else {})}


# --- bad input: the file was refused (and quarantined) ------------------------------------------
class InputRejected(LetterdeskError):
    """A file that cannot become a letter. The original is quarantined with this reason."""

    code = "input_rejected"
    http_status = 422
    exit_code = 3


class EmptyFile(InputRejected):
    code = "empty_file"
    http_status = 400


class UnsupportedType(InputRejected):
    code = "unsupported_type"
    http_status = 415


class CorruptFile(InputRejected):
    code = "corrupt_file"


class EncryptedFile(InputRejected):
    code = "encrypted_file"


class TooLarge(InputRejected):
    """Bytes, pages, frames or pixels above the configured limits."""

    code = "too_large"
    http_status = 413


# --- requests that do not fit the current state ----------------------------------------------
class NotFound(LetterdeskError):
    code = "not_found"
    http_status = 404
    exit_code = 4


class InvalidRequest(LetterdeskError):
    code = "invalid_request"
    http_status = 400
    exit_code = 2


class InvalidState(LetterdeskError):
    """E.g. confirming a letter that is not in review."""

    code = "invalid_state"
    http_status = 409
    exit_code = 5


class AuthenticationRequired(LetterdeskError):
    code = "authentication_required"
    http_status = 401
    exit_code = 6


class PermissionDenied(LetterdeskError):
    code = "permission_denied"
    http_status = 403
    exit_code = 6


class RateLimited(LetterdeskError):
    """Too many failed sign-ins for one name from one address."""

    code = "rate_limited"
    http_status = 429
    exit_code = 6


# --- failures of the machinery ---------------------------------------------------------------
class ProcessingFailed(LetterdeskError):
    """A pipeline stage failed on an accepted letter; the letter is marked ``failed`` with this reason."""

    code = "processing_failed"
    http_status = 500
    exit_code = 7


class StorageError(LetterdeskError):
    code = "storage_error"
    http_status = 503
    exit_code = 8


class ObjectExists(StorageError):
    """Refusal to overwrite an immutable object."""

    code = "object_exists"
    http_status = 409


class ConfigurationError(LetterdeskError):
    code = "configuration_error"
    exit_code = 9


class ModelOutdated(ConfigurationError):
    """A saved classifier model that this version of the code cannot use (another scikit-learn, other feature
    columns, classes that moved). Unlike a damaged model it may be replaced by retraining."""

    code = "model_outdated"

"""Errors of the ``schemas`` package.

Tree::

    SchemaError                 root; every error this package raises
    ├── ValidationFailed        a document failed validation (one entry per bad field)
    ├── UnsupportedVersion      ``schema_version`` is not one this build reads
    └── DocumentUnreadable      the file is missing or is not JSON

pydantic's ``ValidationError`` never leaves the package: ``decode_*`` converts it.
"""

from __future__ import annotations

from dataclasses import dataclass


class SchemaError(Exception):
    """Root of the schema errors. ``hint`` says what to do about it."""

    hint: str = ""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


@dataclass(frozen=True)
class FieldProblem:
    """One bad field: dotted location, message and the offending value (repr, shortened)."""

    field: str
    message: str
    value: str = ""

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" + (f" (got {self.value})" if self.value else "")


class ValidationFailed(SchemaError):
    """A document did not validate. ``problems`` lists every bad field by name."""

    def __init__(self, source: str, problems: list[FieldProblem]) -> None:
        self.source = source
        self.problems = problems
        listing = "; ".join(str(p) for p in problems)
        super().__init__(
            f"{source}: {len(problems)} invalid field(s): {listing}",
            hint="fix the named fields; `chroma-recovery schema export` writes the JSON Schema",
        )


class UnsupportedVersion(SchemaError):
    """The document's ``schema_version`` is unknown."""

    def __init__(self, source: str, kind: str, got: object, supported: tuple[str, ...]) -> None:
        self.supported = supported
        super().__init__(
            f"{source}: {kind} schema_version {got!r} is not supported (supported: {', '.join(supported)})",
            hint="upgrade chroma-recovery or re-export the document with a supported version",
        )


class DocumentUnreadable(SchemaError):
    """The document could not be read or parsed as JSON."""

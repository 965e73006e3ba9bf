"""Exceptions raised by trollwatch.

Every error the library reports is a :class:`TrollwatchError`; its message is the library's
own, naming the file, line and field. Input and option errors are also ``ValueError``\\ s and
file errors ``OSError``\\ s, so code that catches those keeps working.
"""

from __future__ import annotations

from typing import Optional


class TrollwatchError(Exception):
    """Base class of every trollwatch error."""

    path: Optional[str] = None
    line: Optional[int] = None
    option: Optional[str] = None


class InputError(TrollwatchError, ValueError):
    """The data cannot be used: a bad row (``path`` and ``line`` say where), a missing
    column, labels that do not make two classes, no rows."""


class ParameterError(TrollwatchError, ValueError):
    """An option is out of range (``option`` names it); raised before any data is read."""


class ModelFileError(TrollwatchError):
    """A model file that cannot be used: not a model, newer format, corrupt (``path``)."""


class FileError(TrollwatchError, OSError):
    """A file could not be opened, read or written (``path``)."""


class TrainingError(TrollwatchError):
    """The optimiser failed (a fit that did not converge is reported, not raised)."""


__all__ = [
    "TrollwatchError",
    "InputError",
    "ParameterError",
    "ModelFileError",
    "FileError",
    "TrainingError",
]

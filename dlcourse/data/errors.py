"""Exceptions and warnings of the data layer.

Every message names the dataset, says what went wrong and where, and ends with the fix. All exceptions derive
from :class:`DataError`, and also from the built-in exception a Python programmer would expect
(``FileNotFoundError``, ``ValueError``, ``ConnectionError``), so ``except FileNotFoundError`` works too.
"""

from __future__ import annotations


class DataError(Exception):
    """Base class of every error raised by :mod:`dlcourse.data`."""


class UnknownDatasetError(DataError, KeyError):
    """A dataset name that is not in the registry."""

    def __str__(self) -> str:  # KeyError would show the message in quotes
        return str(self.args[0]) if self.args else ""


class DatasetNotFoundError(DataError, FileNotFoundError):
    """The dataset is in none of the places looked at, and could not be downloaded."""

    def __str__(self) -> str:  # FileNotFoundError would prefix an errno
        return str(self.args[0]) if self.args else ""


class DatasetIntegrityError(DataError, ValueError):
    """A file's hash differs from the registry's: a corrupted download or cached copy."""


class DownloadError(DataError, ConnectionError):
    """A download started but did not finish (connection lost, truncated transfer, server error)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class DataWarning(UserWarning):
    """Something was wrong but the data layer could work around it (for example a broken shared copy)."""

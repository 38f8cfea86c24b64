"""Read a PyTorch state dict (``torch.save(model.state_dict(), path)``) into NumPy arrays, without PyTorch.

A ``.pth`` file is made of pickles, and unpickling runs whatever code the file names: ``torch.load`` on an
untrusted file can execute anything. This reader therefore never calls :func:`pickle.load` on the file's content.
Its unpickler accepts only the handful of globals a state dict of tensors needs (an ``OrderedDict``, PyTorch's
tensor-rebuilding function and its storage types), replaced by NumPy stand-ins, and rejects every other name with
:class:`StateDictError` before anything is called. Tensors are checked to lie inside their storage before they are
copied out.

Both of PyTorch's file layouts are read:

- the **zip** layout (PyTorch >= 1.6): ``<prefix>/data.pkl`` plus one entry ``<prefix>/data/<key>`` per storage;
- the **legacy** layout (older PyTorch, still used by some published weights): five pickles in a row (a magic
  number, the protocol version, system information, the state dict, the list of storage keys), followed by each
  storage as an int64 element count and its raw little-endian bytes.

Examples
--------
>>> arrays = read_state_dict("efficientnet-lite0.pth")        # doctest: +SKIP
>>> arrays["_conv_stem.weight"].shape
(32, 3, 3, 3)
"""

from __future__ import annotations

import pickle
import struct
import zipfile
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: PyTorch's storage classes, by the name a pickle gives them, and the NumPy dtype of their elements.
STORAGE_DTYPES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ShortStorage": np.int16,
    "CharStorage": np.int8,
    "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}

_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C  # torch.serialization.MAGIC_NUMBER
_LEGACY_PROTOCOL = 1001


class StateDictError(ValueError):
    """The file is not a PyTorch state dict this reader accepts: damaged, truncated, or containing other objects."""


@dataclass(frozen=True)
class _StorageType:
    name: str

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(STORAGE_DTYPES[self.name])


@dataclass
class _Storage:
    key: str
    dtype: np.dtype
    numel: int
    data: np.ndarray | None = None  # filled from the zip entry, or after the pickle (legacy layout)


@dataclass(frozen=True)
class _Tensor:
    storage: _Storage
    offset: int
    shape: tuple[int, ...]
    stride: tuple[int, ...]


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None,
                       metadata=None):
    """Stand-in for ``torch._utils._rebuild_tensor_v2``: records where the tensor lies in its storage."""
    if not isinstance(storage, _Storage):
        raise StateDictError(f"a tensor refers to {type(storage).__name__!s} instead of a storage")
    try:
        shape = tuple(int(n) for n in size)
        strides = tuple(int(s) for s in stride)
        offset = int(storage_offset)
    except (TypeError, ValueError) as exc:
        raise StateDictError(f"a tensor has a malformed shape or stride ({exc})") from None
    return _Tensor(storage, offset, shape, strides)


class _RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that knows only the globals of a tensor state dict; it never imports or calls anything else."""

    _ALLOWED = {
        ("collections", "OrderedDict"): OrderedDict,
        ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
        **{("torch", name): _StorageType(name) for name in STORAGE_DTYPES},
    }

    def __init__(self, stream, storages: dict[str, _Storage], read_storage=None):
        super().__init__(stream)
        self._storages = storages
        self._read_storage = read_storage

    def find_class(self, module: str, name: str):
        try:
            return self._ALLOWED[(module, name)]
        except KeyError:
            raise StateDictError(
                f"the file refers to {module}.{name}, which is not part of a state dict of tensors (refused, not "
                "executed)"
            ) from None

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] in ("storage", b"storage")):
            raise StateDictError(f"unexpected persistent id {pid!r:.80}")
        storage_type, key, _location, numel = pid[1:5]
        view = pid[5] if len(pid) > 5 else None
        if not isinstance(storage_type, _StorageType) or not isinstance(numel, int) or numel < 0:
            raise StateDictError(f"malformed storage reference {pid!r:.80}")
        if view is not None:
            raise StateDictError("storage views (a legacy PyTorch feature) are not supported")
        key = str(key)
        storage = self._storages.get(key)
        if storage is None:
            storage = self._storages[key] = _Storage(key, storage_type.dtype, numel)
            if self._read_storage is not None:
                storage.data = self._read_storage(storage)
        elif storage.dtype != storage_type.dtype or storage.numel != numel:
            raise StateDictError(f"storage {key} is declared twice with different types or sizes")
        return storage


def _unpickle(stream, storages: dict[str, _Storage], read_storage=None):
    try:
        return _RestrictedUnpickler(stream, storages, read_storage).load()
    except StateDictError:
        raise
    except Exception as exc:  # a damaged pickle raises almost anything: EOFError, UnpicklingError, TypeError ...
        raise StateDictError(f"the pickle cannot be read ({type(exc).__name__}: {exc})") from None


def _tensor_array(tensor: _Tensor) -> np.ndarray:
    """The tensor's values as a new C-contiguous array, after checking that they lie inside the storage."""
    storage = tensor.storage
    if storage.data is None or storage.data.size != storage.numel:
        raise StateDictError(f"storage {storage.key} has no data (truncated file?)")
    if any(n < 0 for n in tensor.shape) or any(s < 0 for s in tensor.stride) or tensor.offset < 0:
        raise StateDictError(f"a tensor in storage {storage.key} has a negative size, stride or offset")
    if len(tensor.shape) != len(tensor.stride):
        raise StateDictError(f"a tensor in storage {storage.key} has {len(tensor.shape)} sizes but "
                             f"{len(tensor.stride)} strides")
    if 0 in tensor.shape:
        return np.zeros(tensor.shape, dtype=storage.dtype)
    last = tensor.offset + sum((n - 1) * s for n, s in zip(tensor.shape, tensor.stride))
    if last >= storage.numel:
        raise StateDictError(f"a tensor reaches element {last} of storage {storage.key}, which has only "
                             f"{storage.numel}")
    if not tensor.shape:  # a scalar, e.g. a batch-norm layer's num_batches_tracked
        return np.array(storage.data[tensor.offset])
    itemsize = storage.dtype.itemsize
    view = np.lib.stride_tricks.as_strided(
        storage.data[tensor.offset:], shape=tensor.shape, strides=[s * itemsize for s in tensor.stride],
        writeable=False,
    )
    return np.ascontiguousarray(view)


def _collect(result, where: str) -> dict[str, np.ndarray]:
    if not isinstance(result, dict):
        raise StateDictError(f"{where} holds a {type(result).__name__}, not a state dict")
    arrays = {}
    for name, value in result.items():
        if not isinstance(name, str) or not isinstance(value, _Tensor):
            raise StateDictError(f"{where}: entry {name!r:.60} is not a named tensor")
        arrays[name] = _tensor_array(value)
    return arrays


def _read_zip(archive: zipfile.ZipFile) -> dict[str, np.ndarray]:
    pickles = [n for n in archive.namelist() if n.endswith("/data.pkl") or n == "data.pkl"]
    if len(pickles) != 1:
        raise StateDictError(f"the zip holds {len(pickles)} data.pkl entries instead of 1")
    prefix = pickles[0][: -len("data.pkl")]

    def read_storage(storage: _Storage) -> np.ndarray:
        try:
            info = archive.getinfo(f"{prefix}data/{storage.key}")
        except KeyError:
            raise StateDictError(f"the zip has no data for storage {storage.key}") from None
        expected = storage.numel * storage.dtype.itemsize
        if info.file_size != expected:  # checked before reading: a hostile entry may unpack to gigabytes
            raise StateDictError(f"storage {storage.key} has {info.file_size} bytes instead of {expected}")
        return np.frombuffer(archive.read(info), dtype=storage.dtype.newbyteorder("<"))

    with archive.open(pickles[0]) as stream:
        result = _unpickle(stream, {}, read_storage)
    return _collect(result, pickles[0])


def _read_legacy(stream) -> dict[str, np.ndarray]:
    def header():  # the magic number, protocol and system information contain no globals at all
        return _unpickle(stream, {})

    if header() != _LEGACY_MAGIC:
        raise StateDictError("it does not start with PyTorch's magic number")
    if header() != _LEGACY_PROTOCOL:
        raise StateDictError("it has an unknown legacy protocol version")
    sys_info = header()
    if not isinstance(sys_info, dict) or sys_info.get("little_endian") is not True:
        raise StateDictError("it was not written on a little-endian machine")
    storages: dict[str, _Storage] = {}
    result = _unpickle(stream, storages)
    keys = _unpickle(stream, {})
    if not isinstance(keys, list) or sorted(map(str, keys)) != sorted(storages):
        raise StateDictError("its list of storages does not match the storages the tensors use")
    for key in keys:
        storage = storages[str(key)]
        count = stream.read(8)
        if len(count) != 8 or struct.unpack("<q", count)[0] != storage.numel:
            raise StateDictError(f"the data of storage {key} is missing or has the wrong size (truncated file?)")
        nbytes = storage.numel * storage.dtype.itemsize
        raw = stream.read(nbytes)
        if len(raw) != nbytes:
            raise StateDictError(f"the data of storage {key} is cut short (truncated file?)")
        storage.data = np.frombuffer(raw, dtype=storage.dtype.newbyteorder("<"))
    if stream.read(1):
        raise StateDictError("it has data after the last storage")
    return _collect(result, "the state dict")


def read_state_dict(path: str | Path) -> dict[str, np.ndarray]:
    """Read the tensors of a PyTorch state dict file as NumPy arrays, without PyTorch and without running code.

    Parameters
    ----------
    path
        A file written by ``torch.save(module.state_dict(), path)`` (zip or legacy layout).

    Returns
    -------
    dict
        ``{parameter name: array}`` in the file's order, each array a new C-contiguous copy with PyTorch's shape
        (for example ``(out_channels, in_channels, kh, kw)`` for a convolution kernel).

    Raises
    ------
    StateDictError
        The file is damaged or truncated, or names anything but tensors (for example a pickle that would run a
        command): the message names the file and the reason. Nothing in the file is executed.
    """
    path = Path(path)
    try:
        with open(path, "rb") as stream:
            if zipfile.is_zipfile(stream):
                stream.seek(0)
                with zipfile.ZipFile(stream) as archive:
                    return _read_zip(archive)
            stream.seek(0)
            if stream.read(4) == b"PK\x03\x04":
                raise StateDictError("it starts like a zip archive but the archive is damaged (truncated file?)")
            stream.seek(0)
            return _read_legacy(stream)
    except StateDictError as exc:
        raise StateDictError(f"{path} is not a PyTorch state dict of tensors: {exc}.") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise StateDictError(f"{path} cannot be read as a PyTorch state dict: {type(exc).__name__}: {exc}.") from None

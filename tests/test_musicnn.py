"""The PyTorch port of musicnn against the original TensorFlow model's outputs, and the embedding protocol."""

from pathlib import Path

import numpy as np
import pytest
import torch

from genre_base.independent.embedding import PATCH_FRAMES, load_embedding, patch_starts
from genre_base.independent.musicnn import FEATURES, musicnn_log_mel
from genre_base.independent.tf_checkpoint import CheckpointFormatError, read_index

FIXTURE = Path(__file__).parent / "fixtures" / "musicnn_reference.npz"


@pytest.fixture(scope="module")
def reference():
    return np.load(FIXTURE)


@pytest.fixture(scope="module")
def embedding():
    return load_embedding()


def test_port_matches_the_original_on_its_log_mels(reference, embedding):
    with torch.no_grad():
        out = embedding.model(torch.from_numpy(reference["log_mel"][:, :PATCH_FRAMES]))
    np.testing.assert_allclose(out["taggram"].numpy(), reference["taggram"], rtol=0, atol=1e-4)
    for name in FEATURES:
        expected = reference[name]
        np.testing.assert_allclose(
            out[name].numpy(), expected, rtol=0, atol=1e-4 * np.abs(expected).max(), err_msg=name
        )


def test_front_end_matches_librosa_and_tags_end_to_end(reference, embedding):
    wave = torch.from_numpy(reference["pcm"].astype(np.float32) / 32768)
    mel = musicnn_log_mel(wave)
    assert mel.shape == reference["log_mel"].shape
    # float16 rounding of the power (as the original does) may flip one step: tiny and rare
    assert np.abs(mel.numpy() - reference["log_mel"]).mean() < 1e-5
    with torch.no_grad():
        tags = embedding.model(mel[:, :PATCH_FRAMES])["taggram"].numpy()
    np.testing.assert_allclose(tags, reference["taggram"], rtol=0, atol=1e-4)


def test_a_wrong_weight_would_fail(reference, embedding):
    """The reference test can fail: one changed weight moves the tags past the tolerance."""
    model = type(embedding.model)()
    model.load_state_dict(embedding.model.state_dict())
    with torch.no_grad():
        model.classifier.bias[0] += 0.01
        out = model.eval()(torch.from_numpy(reference["log_mel"][:, :PATCH_FRAMES]))
    assert np.abs(out["taggram"].numpy() - reference["taggram"]).max() > 1e-4


def test_patches_cover_a_five_second_clip():
    assert patch_starts(313) == [0, 63, 126]
    assert patch_starts(PATCH_FRAMES) == [0]


def test_embed_clips_of_any_rate_and_length(embedding):
    torch.manual_seed(0)
    waves = torch.randn(3, 22050 * 5) * 0.1
    feats = embedding.embed(waves, 22050, batch=2)
    assert {k: v.shape for k, v in feats.items()} == {"penultimate": (3, 200), "pooled": (3, 1506), "taggram": (3, 50)}
    one = embedding.embed(waves[1:2], 22050)["penultimate"]
    np.testing.assert_allclose(one[0], feats["penultimate"][1], atol=1e-4)
    short = embedding.embed(torch.randn(2, 16000), 16000)  # 1 s: repeated to 3 s
    assert short["taggram"].shape == (2, 50) and np.isfinite(short["taggram"]).all()


def test_index_reader_refuses_other_files(tmp_path):
    bad = tmp_path / "x.index"
    bad.write_bytes(b"\0" * 64)
    with pytest.raises(CheckpointFormatError, match="bad table magic"):
        read_index(bad)

"""The app: its functions on the shipped models (no server), and end to end through the official
client with the server on 127.0.0.1 (skipped when the [app] extra is not installed)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from genre_base import UserError
from genre_ldm.app import core
from genre_ldm.app.explore_map import build_map, load_map, save_map

REPO = Path(__file__).resolve().parents[1]
RATE = 22050


@pytest.fixture(scope="module")
def models():
    return core.load_models(REPO / "models")


@pytest.fixture(scope="module")
def song(tmp_path_factory) -> Path:
    """A 6 s two-tone file with a beat: any audio a user might upload."""
    t = np.arange(6 * RATE) / RATE
    wave = 0.3 * np.sin(2 * np.pi * 220 * t) * (1 + np.sign(np.sin(2 * np.pi * 2 * t))) / 2 + 0.1 * np.sin(
        2 * np.pi * 330 * t
    )
    path = tmp_path_factory.mktemp("upload") / "my song.flac"
    sf.write(path, wave.astype(np.float32), RATE)
    return path


def test_generate_returns_a_clip_of_the_asked_length_and_refuses_bad_values(models):
    (rate, audio), fig = core.generate(models, models.genres[0], 3.0, 2, 0, 3.0)
    assert rate == RATE and audio.dtype == np.int16 and audio.shape == (3 * RATE,) and np.abs(audio).max() > 0
    with pytest.raises(UserError, match="unknown genre 'polka'"):
        core.generate(models, "polka", 3.0, 2, 0, 5.0)
    with pytest.raises(UserError, match="length must be > 0"):
        core.generate(models, models.genres[0], 3.0, 2, 0, 0)


def test_reconstruct_gives_every_size_and_griffin_lim_with_measures(models, song):
    (rate, original), outputs, fig, rows = core.reconstruct(models, song)
    assert original.shape == (6 * RATE,)
    assert list(outputs) == [
        "VAE D=540 + vocoder",
        "VAE D=1080 + vocoder",
        "VAE D=2160 + vocoder",
        "Griffin-Lim of the original mel (no latent)",
    ]
    assert all(a.shape == original.shape for _, a in outputs.values())
    assert [r[0] for r in rows] == list(outputs) and all(len(r) == 4 for r in rows)
    assert rows[-1][1] < rows[0][1]  # Griffin-Lim of the true mel is closer (yardstick dB) than any latent


def test_bad_uploads_get_clear_messages(models, tmp_path, monkeypatch):
    text = tmp_path / "notes.txt"
    text.write_text("not audio")
    with pytest.raises(core.UploadError, match="'notes.txt' is not an audio file"):
        core.reconstruct(models, text)
    silent = tmp_path / "silent.wav"
    sf.write(silent, np.zeros(RATE, np.float32), RATE)
    with pytest.raises(core.UploadError, match="empty or silent"):
        core.reconstruct(models, silent)
    with pytest.raises(core.UploadError, match="no file"):
        core.reconstruct(models, None)
    monkeypatch.setattr(core, "MAX_UPLOAD_SECONDS", 0.5)
    long = tmp_path / "long.wav"
    sf.write(long, 0.1 * np.ones(RATE, np.float32), RATE)
    with pytest.raises(core.UploadError, match="is 1 s long; the app takes up to"):
        core.reconstruct(models, long)


def test_interpolate_between_a_file_and_a_genre(models, song):
    (rate, audio), fig = core.interpolate(models, song, None, None, "metal", 3)
    gap = int(0.25 * RATE)
    assert audio.shape == (3 * 5 * RATE + 2 * gap,)
    with pytest.raises(UserError, match="steps must be in 2..12"):
        core.interpolate(models, None, None, "jazz", "metal", 1)
    with pytest.raises(UserError, match="a file or a genre"):
        core.interpolate(models, None, None, None, "metal", 3)


def test_explore_map_clicks_find_their_point_and_decode_it(models):
    explore = models.explore
    assert explore is not None and models.explore_codec is not None
    assert {"out-of-dataset", "jazz"} <= set(explore.label.tolist())
    image = core.map_figure_image(explore, 3)
    (x0, x1), (y0, y1) = core._limits(explore.xy[:, 0]), core._limits(explore.xy[:, 1])
    for row in (3, len(explore.xy) - 1):
        px = (explore.xy[row, 0] - x0) / (x1 - x0) * image.size[0]
        py = (y1 - explore.xy[row, 1]) / (y1 - y0) * image.size[1]
        assert explore.nearest(*core.pixel_to_map(explore, px, py, *image.size)) == row
    (rate, decoded), original, text = core.explore_point(models, 3)
    assert decoded.shape == (5 * RATE,) and original is None and explore.track_id[3] in text  # no dataset given
    with pytest.raises(UserError, match="outside the map"):
        core.explore_point(models, len(explore.xy))


@pytest.mark.slow
def test_explore_map_is_built_from_a_latents_file_and_round_trips(tiny_latents, tiny_stage_one, toy_audio, tmp_path):
    import autoencoder
    from autoencoder.latents import load_latents

    latents = load_latents(tiny_latents)
    explore = build_map(latents, autoencoder.load(tiny_stage_one), toy_audio / TOY_GENRE_FOLDER(toy_audio))
    n_ood = (explore.label == "out-of-dataset").sum()
    assert len(explore.xy) == len(latents.means) + n_ood and n_ood > 0 and explore.xy.shape[1] == 2
    back = load_map(save_map(tmp_path / "map.npz", explore))
    assert np.allclose(back.xy, explore.xy) and back.manifest["model_hash"] == latents.manifest["model_hash"]
    first = build_map(latents, autoencoder.load(tiny_stage_one), None, clips_per_track=1)
    assert len(first.xy) == len(set(latents.track_id)) and set(first.track_id) == set(latents.track_id)


def TOY_GENRE_FOLDER(root: Path) -> str:
    return sorted(p.name for p in root.iterdir() if p.is_dir())[0]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    pytest.importorskip("gradio", reason="the app's [app] extra is not installed (pip install -e '.[app]')")
    pytest.importorskip("gradio_client", reason="the app's [app] extra is not installed")
    port = _free_port()
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
    proc = subprocess.Popen(
        [sys.executable, str(REPO / "scripts" / "app.py"), "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the app exited with {proc.returncode}: {proc.stdout.read()[-2000:]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("the app did not start listening within 120 s")
    yield url
    proc.terminate()
    proc.wait(timeout=30)


def _seconds(path: str) -> float:
    info = sf.info(path)
    assert info.samplerate == RATE and info.channels == 1
    return info.frames / info.samplerate


@pytest.mark.slow
def test_every_tab_works_through_the_official_client(server, song, tmp_path):
    from gradio_client import Client, handle_file

    client = Client(server, verbose=False)
    audio, _ = client.predict("jazz", 3.0, 2, 0, 3.0, api_name="/generate")
    assert _seconds(audio) == pytest.approx(3.0)
    original, *recons, _, table = client.predict(handle_file(str(song)), api_name="/reconstruct")
    assert _seconds(original) == pytest.approx(6.0) and len(recons) == 4
    assert all(_seconds(r) == pytest.approx(6.0) for r in recons) and len(table["data"]) == 4
    path_audio, _ = client.predict(None, None, "jazz", "metal", 2, api_name="/interpolate")
    assert _seconds(path_audio) == pytest.approx(10.25, abs=1e-3)
    decoded, original_clip, text, _ = client.predict(3, api_name="/explore")
    assert _seconds(decoded) == pytest.approx(5.0) and original_clip is None and "·" in text
    bad = tmp_path / "notes.txt"
    bad.write_text("not audio")
    with pytest.raises(Exception, match="not an audio file"):
        client.predict(handle_file(str(bad)), api_name="/reconstruct")


def test_a_click_on_the_map_plays_the_nearest_point(models):
    gr = pytest.importorskip("gradio", reason="the app's [app] extra is not installed (pip install -e '.[app]')")
    from genre_ldm.app.ui import build

    app = build(models, tab="explore")
    click = next(f for f in app.fns.values() if f.api_name == "explore_click").fn
    explore, image = models.explore, core.map_figure_image(models.explore)
    (x0, x1), (y0, y1) = core._limits(explore.xy[:, 0]), core._limits(explore.xy[:, 1])
    px = (explore.xy[7, 0] - x0) / (x1 - x0) * image.size[0]
    py = (y1 - explore.xy[7, 1]) / (y1 - y0) * image.size[1]
    decoded, original, text, highlighted = click(image, gr.SelectData(None, {"index": [px, py], "value": None}))
    assert decoded[1].shape == (5 * RATE,) and text == explore.describe(7) and highlighted.size == image.size


@pytest.mark.slow
def test_two_users_at_once_get_every_answer_right(server, models, tmp_path):
    # A small version of the load benchmark (scripts/dev/app_load.py): two clients, three requests each.
    from tests.helpers.scripts import load_dev_script

    load = load_dev_script("app_load")
    song = load.make_song(tmp_path / "upload.wav")
    answers = load.drive(server, users=2, requests=3, song=song, facts=load.AppFacts.of(models), seed=1)
    assert len(answers) == 6 and {a.tab for a in answers} >= {"generate", "reconstruct", "interpolate"}
    assert all(a.ok for a in answers), [a.error for a in answers if not a.ok]
    assert all(0 <= a.queue_wait_s <= a.latency_s for a in answers)

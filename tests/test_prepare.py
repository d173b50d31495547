"""Preparation: layouts, every window, leak-free splits, idempotence, atomicity, bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from genre_base.clips import ClipDataset, PreparedDataset
from genre_base.prepare import DatasetExistsError, PrepareOptions, prepare_dataset
from genre_base.splits import gtzan_filtered_lists
from genre_base.toy import make_toy_genres
from tests.helpers.scripts import run_script

REPO = Path(__file__).resolve().parents[1]


def _music(seconds: float, rate: int = 22050, freq: float = 330.0) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.3 * np.sin(2 * np.pi * freq * t) * (1 + np.sin(2 * np.pi * 2 * t))).astype(np.float32)


def test_every_window_of_every_track_is_kept(toy_data):
    data = PreparedDataset(toy_data)
    summary = data.summary
    assert len(data) == 40 * 2  # 40 tracks of 11 s -> two 5 s clips each
    assert summary["tails_dropped"] == 40 and summary["tail_seconds_dropped"] == pytest.approx(40.0, abs=0.1)
    assert data.clips.shape == (80, 110250) and data.clips.dtype == np.int16
    assert sorted(set(data.clip_index.tolist())) == [0, 1]
    # the second clip really is the second window of the source file
    row = int(np.flatnonzero((data.track_ids == "waltz.00001") & (data.clip_index == 1))[0])
    source = sf.read(Path(summary["source"]) / data.sources[row], dtype="float32")[0]
    assert np.allclose(data.wave(row).numpy(), source[110250:220500], atol=1.5 / 32767)


def test_no_track_falls_in_two_splits_and_every_genre_is_in_every_split(toy_data):
    data = PreparedDataset(toy_data)
    for track in set(data.track_ids.tolist()):
        assert len(set(data.splits[data.track_ids == track].tolist())) == 1
    for split in ("train", "valid", "test"):
        assert set(data.genres[data.indices(split)].tolist()) == set(data.genre_names)
    assert data.summary["split_rules"] == {"stratified": 40}


def test_split_is_deterministic_and_seeded(toy_audio, tmp_path):
    a = prepare_dataset(toy_audio, tmp_path / "a", PrepareOptions(seed=0), progress=False)
    b = prepare_dataset(toy_audio, tmp_path / "b", PrepareOptions(seed=0), progress=False)
    prepare_dataset(toy_audio, tmp_path / "c", PrepareOptions(seed=1), progress=False)
    splits = lambda p: PreparedDataset(p).splits.tolist()  # noqa: E731
    assert a["tracks_per_genre_split"] == b["tracks_per_genre_split"]
    assert splits(tmp_path / "a") == splits(tmp_path / "b") != splits(tmp_path / "c")


def test_rerun_is_a_no_op_and_a_different_dataset_is_refused(toy_audio, tmp_path):
    out = tmp_path / "out"
    prepare_dataset(toy_audio, out, progress=False)
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    again = prepare_dataset(toy_audio, out, progress=False)
    assert again["up_to_date"] and {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before
    with pytest.raises(DatasetExistsError, match="--force"):
        prepare_dataset(toy_audio, out, PrepareOptions(clip_seconds=2.0), progress=False)
    summary = prepare_dataset(toy_audio, out, PrepareOptions(clip_seconds=2.0), force=True, progress=False)
    assert summary["num_clips"] == 40 * 5 and PreparedDataset(out).clips.shape == (200, 44100)


def test_folder_with_other_files_is_refused(toy_audio, tmp_path):
    out = tmp_path / "busy"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(DatasetExistsError, match="notes.txt"):
        prepare_dataset(toy_audio, out, progress=False)


def test_a_killed_run_leaves_nothing_that_looks_complete(toy_audio, tmp_path, monkeypatch):
    out = tmp_path / "out"
    import genre_base.prepare as prep

    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(prep, "_write_csv", killed)
    with pytest.raises(KeyboardInterrupt):
        prepare_dataset(toy_audio, out, progress=False)
    with pytest.raises(FileNotFoundError, match="dataset.json"):
        PreparedDataset(out)
    monkeypatch.undo()
    summary = prepare_dataset(toy_audio, out, progress=False)  # the leftovers are cleaned up
    assert summary["num_clips"] == 80 and not list(out.glob(".*partial"))


def test_bad_input_is_skipped_and_reported_never_fatal(tmp_path):
    src = tmp_path / "src"
    for genre in ("alpha", "beta", "gamma"):
        for i in range(3):
            (src / genre).mkdir(parents=True, exist_ok=True)
            sf.write(src / genre / f"{genre}.{i:05d}.wav", _music(6.0, freq=200 + 100 * i), 22050)
    (src / "alpha" / "garbage.wav").write_bytes(np.random.default_rng(0).bytes(5000))
    (src / "alpha" / "truncated.wav").write_bytes((src / "alpha" / "alpha.00000.wav").read_bytes()[:30])
    (src / "alpha" / "empty.wav").write_bytes(b"")
    sf.write(src / "beta" / "short.wav", _music(2.0), 22050)
    sf.write(src / "beta" / "silent.wav", np.zeros(6 * 22050, np.float32), 22050)
    (src / "beta" / "text.mp3").write_text("definitely not an mp3 " * 100)
    (src / "gamma" / "cover.jpg").write_bytes(b"\xff\xd8\xff")
    (src / "empty_genre").mkdir()
    summary = prepare_dataset(src, tmp_path / "out", progress=False)
    skipped = {item["path"]: item["reason"] for item in summary["skipped"]}
    assert set(skipped) == {
        "alpha/garbage.wav",
        "alpha/truncated.wav",
        "alpha/empty.wav",
        "beta/short.wav",
        "beta/text.mp3",
    }
    assert "empty" in skipped["alpha/empty.wav"] and "shorter than one clip" in skipped["beta/short.wav"]
    assert [i["path"] for i in summary["ignored"]] == ["gamma/cover.jpg"]
    assert summary["empty_label_folders"] == ["empty_genre"]
    assert summary["silent_tracks"] == 1 and summary["silent_clips"] == 1
    data = PreparedDataset(tmp_path / "out")
    assert len(data) == 10 and data.silent.sum() == 1
    assert len(ClipDataset(data, "train")) + len(ClipDataset(data, "valid")) + len(ClipDataset(data, "test")) == 9


@pytest.mark.parametrize("make_src", ["missing", "empty", "no_audio"])
def test_missing_or_empty_source_exits_2_with_a_clear_error(tmp_path, capsys, make_src):
    src = tmp_path / "src"
    if make_src != "missing":
        src.mkdir()
    if make_src == "no_audio":
        (src / "readme.txt").write_text("hi")
    code = run_script("prepare_data", ["--src", str(src), "--out", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and str(src) in err
    assert ("does not exist" in err) if make_src == "missing" else ("no usable audio" in err)


def test_a_folder_of_unlabelled_music_suggests_the_unlabelled_option(tmp_path, capsys):
    src = tmp_path / "src"
    src.mkdir()
    (src / "README.md").write_text("free music")
    sf.write(src / "song.flac", np.zeros(22050, np.float32), 22050)
    code = run_script("prepare_data", ["--src", str(src), "--out", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "have no label" in err and "song.flac" in err and "--unlabelled" in err


def test_gtzan_ids_follow_the_filtered_lists_and_unlisted_ids_are_left_out(tmp_path):
    lists = gtzan_filtered_lists()
    listed = ["blues.00000", "rock.00000", "jazz.00000", "blues.00029"]
    unlisted = ["hiphop.00001", "disco.00038"]
    assert all(t in lists for t in listed) and not any(t in lists for t in unlisted)
    src = tmp_path / "flat"  # a flat GTZAN folder: labels come from the names
    src.mkdir()
    for k, track in enumerate(listed + unlisted):
        sf.write(src / f"{track}.au", _music(5.5, freq=200 + 50 * k), 22050, format="AU", subtype="PCM_16")
    summary = prepare_dataset(src, tmp_path / "out", progress=False)
    data = PreparedDataset(tmp_path / "out")
    assert {t: s for t, s in zip(data.track_ids, data.splits)} == {t: lists[t] for t in listed}
    assert summary["excluded_unlisted_gtzan_ids"] == sorted(unlisted)
    assert summary["split_rules"] == {"gtzan-filtered": 6}


def test_nested_gtzan_layout_at_another_rate(tmp_path):
    src = tmp_path / "gtzan" / "genres"
    for track in ("blues.00000", "classical.00000"):
        genre = track.split(".")[0]
        (src / genre).mkdir(parents=True)
        sf.write(src / genre / f"{track}.wav", np.stack([_music(12.0, 44100)] * 2, 1), 44100)
    summary = prepare_dataset(tmp_path / "gtzan", tmp_path / "out", PrepareOptions(sample_rate=22050), progress=False)
    assert summary["num_clips"] == 4 and set(PreparedDataset(tmp_path / "out").genres) == {"blues", "classical"}


def test_toy_generator_is_deterministic(tmp_path):
    a = make_toy_genres(tmp_path / "a", tracks_per_genre=1, seconds=2.0, genres=3)
    b = make_toy_genres(tmp_path / "b", tracks_per_genre=1, seconds=2.0, genres=3)
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    assert len({p.read_bytes() for p in a}) == 3


def test_cli_prints_the_summary(toy_audio, tmp_path, capsys):
    assert run_script("prepare_data", ["--src", str(toy_audio), "--out", str(tmp_path / "o"), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "waltz" in out and "stratified" in out
    assert json.loads((tmp_path / "o" / "summary.json").read_text())["num_clips"] == 80
    shutil.rmtree(tmp_path / "o")

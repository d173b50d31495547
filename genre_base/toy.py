"""A deterministic synthetic "toy genres" collection, written in the GTZAN layout.

Ten classes that differ audibly in tempo, pitch range, timbre and rhythm, so that every part of
the pipeline (preparation, stage one, the judge, analysis, diffusion) has something real to learn
where GTZAN is absent. The genre names are deliberately not GTZAN's, so the seeded stratified
split applies, not the GTZAN lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .audio import save_audio


@dataclass(frozen=True)
class ToyGenre:
    name: str
    bpm: tuple[float, float]
    midi_range: tuple[int, int]
    wave: str  # sine, square, saw, triangle, fm
    pattern: str  # 16 steps: k = kick, s = snare, h = hat, . = rest
    notes_per_beat: float
    decay: float  # seconds


TOY_GENRES = (
    ToyGenre("drone", (50, 60), (36, 48), "sine", "................", 0.25, 3.0),
    ToyGenre("chiptune", (150, 170), (72, 88), "square", "k.h.s.h.k.h.s.h.", 4, 0.08),
    ToyGenre("waltz", (84, 96), (55, 72), "triangle", "k...h...h.......", 1, 0.5),
    ToyGenre("march", (112, 120), (48, 64), "saw", "k...s...k...s...", 1, 0.25),
    ToyGenre("bells", (60, 72), (84, 100), "fm", "................", 1, 1.5),
    ToyGenre("bassline", (120, 128), (28, 40), "saw", "k...k...k...k...", 2, 0.15),
    ToyGenre("breakbeat", (165, 175), (60, 67), "sine", "k.h.s.hkk.hks.h.", 0.5, 0.1),
    ToyGenre("arpeggio", (100, 110), (60, 84), "triangle", "h.h.h.h.h.h.h.h.", 4, 0.12),
    ToyGenre("pads", (70, 80), (48, 72), "saw", "....s.......s...", 0.5, 2.0),
    ToyGenre("noise", (140, 150), (40, 52), "square", "kshskshskshskshs", 2, 0.05),
)


def make_toy_genres(
    out: str | Path,
    tracks_per_genre: int = 6,
    seconds: float = 12.0,
    sample_rate: int = 22050,
    seed: int = 0,
    genres: int = 10,
) -> list[Path]:
    """Write ``<out>/<genre>/<genre>.000NN.wav`` for ``genres`` toy genres; returns the paths.

    Deterministic: the same arguments give byte-identical files.
    """
    if not 1 <= genres <= len(TOY_GENRES):
        raise ValueError(f"genres must be in 1..{len(TOY_GENRES)}, got {genres}")
    if tracks_per_genre < 1 or seconds <= 0:
        raise ValueError(f"need tracks_per_genre >= 1 and seconds > 0, got {tracks_per_genre}, {seconds}")
    paths = []
    for g, genre in enumerate(TOY_GENRES[:genres]):
        for i in range(tracks_per_genre):
            rng = np.random.default_rng([seed, g, i])
            wave = synthesize(genre, seconds, sample_rate, rng)
            paths.append(save_audio(Path(out) / genre.name / f"{genre.name}.{i:05d}.wav", wave, sample_rate))
    return paths


def synthesize(genre: ToyGenre, seconds: float, sample_rate: int, rng: np.random.Generator) -> np.ndarray:
    """One track of ``genre``: a melody on a scale plus a drum pattern. Shape ``(samples,)``."""
    n = int(seconds * sample_rate)
    out = np.zeros(n, np.float32)
    beat = 60.0 / rng.uniform(*genre.bpm)
    scale = np.array([0, 2, 4, 5, 7, 9, 11]) if rng.random() < 0.5 else np.array([0, 2, 3, 5, 7, 8, 10])
    root = rng.integers(genre.midi_range[0], genre.midi_range[0] + 6)
    span = genre.midi_range[1] - genre.midi_range[0]
    step = beat / genre.notes_per_beat
    t = 0.0
    while t < seconds:
        midi = root + rng.choice(scale) + 12 * rng.integers(0, max(1, span // 12) + 1)
        _add(out, _note(440.0 * 2 ** ((midi - 69) / 12), genre, step, sample_rate), int(t * sample_rate))
        t += step
    sixteenth = beat / 4
    for k in range(int(seconds / sixteenth)):
        hit = genre.pattern[k % 16]
        if hit != ".":
            _add(out, _drum(hit, sample_rate, rng), int(k * sixteenth * sample_rate))
    return (0.5 * out / max(1e-6, float(np.abs(out).max()))).astype(np.float32)


def _note(freq: float, genre: ToyGenre, length: float, sample_rate: int) -> np.ndarray:
    t = np.arange(int(max(length, genre.decay) * sample_rate)) / sample_rate
    phase = 2 * np.pi * freq * t
    if genre.wave == "sine":
        tone = np.sin(phase)
    elif genre.wave == "square":
        tone = np.sign(np.sin(phase)) * 0.5
    elif genre.wave == "saw":
        tone = 2 * ((freq * t) % 1.0) - 1
        tone *= 0.5
    elif genre.wave == "triangle":
        tone = 2 * np.abs(2 * ((freq * t) % 1.0) - 1) - 1
    else:  # fm bell
        tone = np.sin(phase + 3.0 * np.exp(-t * 3) * np.sin(2 * np.pi * freq * 3.5 * t))
    return (tone * np.exp(-t / genre.decay)).astype(np.float32)


def _drum(hit: str, sample_rate: int, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(int(0.2 * sample_rate)) / sample_rate
    if hit == "k":  # pitch-dropping sine
        return (np.sin(2 * np.pi * (50 + 100 * np.exp(-t * 30)) * t) * np.exp(-t * 20)).astype(np.float32)
    noise = rng.standard_normal(len(t)).astype(np.float32)
    if hit == "s":
        return 0.6 * noise * np.exp(-t * 25).astype(np.float32)
    return 0.3 * np.diff(noise, prepend=0) * np.exp(-t * 80).astype(np.float32)  # hat: high-passed noise


def _add(out: np.ndarray, sound: np.ndarray, start: int) -> None:
    end = min(len(out), start + len(sound))
    if start < end:
        out[start:end] += sound[: end - start]

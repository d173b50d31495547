"""Reference outputs of the original musicnn (TensorFlow) for the PyTorch port's test.

Run once, in a throwaway environment that is never the project's (TensorFlow is not a dependency)::

    python3.11 -m venv /tmp/tfenv
    /tmp/tfenv/bin/pip install tensorflow-cpu==2.15.1 librosa==0.10.2.post1 soundfile "numpy<2"
    /tmp/tfenv/bin/pip install --no-deps musicnn==0.1.0
    /tmp/tfenv/bin/python scripts/dev/make_musicnn_reference.py tests/fixtures/musicnn_reference.npz

Writes three short synthetic 16 kHz waveforms (stored as int16 values, so they are exact), the
original front-end's log-mels (librosa, as ``musicnn.extractor.batch_data`` computes them) and the
original MSD_musicnn's tag probabilities and features for the first 3 s patch of each.
This script imports neither torch nor the project.
"""

import argparse
import os

import numpy as np

SR, N_FRAMES = 16000, 187
FEATURES = ("timbral", "temporal", "cnn1", "cnn2", "cnn3", "mean_pool", "max_pool", "penultimate")


def waveforms(seconds: float = 3.0) -> np.ndarray:
    """Three different textures: a chord with vibrato, a drum-like pattern, a chirp over noise."""
    rng = np.random.default_rng(20191101)
    t = np.arange(int(seconds * SR)) / SR
    chord = sum(np.sin(2 * np.pi * f * t + 3 * np.sin(2 * np.pi * 5 * t)) for f in (220.0, 277.2, 329.6))
    beat = np.zeros_like(t)
    for onset in np.arange(0, seconds, 0.25):
        n = (t >= onset) & (t < onset + 0.12)
        beat[n] = rng.standard_normal(n.sum()) * np.exp(-(t[n] - onset) * 40)
        beat[n] += np.sin(2 * np.pi * 60 * (t[n] - onset)) * np.exp(-(t[n] - onset) * 20)
    chirp = np.sin(2 * np.pi * (100 + 1500 * t / seconds) * t) + 0.3 * rng.standard_normal(t.size)
    waves = np.stack([chord / 3, beat, chirp / 1.3]) * 0.5
    return np.round(np.clip(waves, -1, 1) * 32767).astype(np.int16)


def log_mel(wave: np.ndarray) -> np.ndarray:
    import librosa

    mel = librosa.feature.melspectrogram(y=wave, sr=SR, hop_length=256, n_fft=512, n_mels=96).T
    return np.log10(10000 * mel.astype(np.float16) + 1)


def original_outputs(patches: np.ndarray) -> dict:
    import tensorflow as tf
    from musicnn import models

    tf.compat.v1.disable_eager_execution()
    tf.compat.v1.reset_default_graph()
    x = tf.compat.v1.placeholder(tf.float32, [None, N_FRAMES, 96])
    is_training = tf.compat.v1.placeholder(tf.bool)
    logits, *features = models.define_model(x, is_training, "MSD_musicnn", 50)
    with tf.compat.v1.Session() as sess:
        sess.run(tf.compat.v1.global_variables_initializer())
        weights = os.path.join(os.path.dirname(models.__file__), "MSD_musicnn") + "/"
        tf.compat.v1.train.Saver().restore(sess, weights)
        values = sess.run([tf.nn.sigmoid(logits)] + features, feed_dict={x: patches, is_training: False})
    out = {"taggram": values[0]}
    out.update(
        {
            name: value.reshape(value.shape[:3]) if value.ndim == 4 else value  # (B, T, 64, 1) -> (B, T, 64)
            for name, value in zip(FEATURES, values[1:])
        }
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", help="the .npz fixture to write")
    args = parser.parse_args()
    pcm = waveforms()
    mels = np.stack([log_mel(w.astype(np.float32) / 32768) for w in pcm]).astype(np.float32)
    outputs = original_outputs(mels[:, :N_FRAMES])
    import librosa
    import tensorflow as tf

    np.savez_compressed(
        args.out,
        pcm=pcm,
        sample_rate=SR,
        log_mel=mels,
        versions=np.array([tf.__version__, librosa.__version__, "musicnn 0.1.0 MSD_musicnn"]),
        **{k: v.astype(np.float32) for k, v in outputs.items()},
    )
    print(f"wrote {args.out}: " + ", ".join(f"{k} {v.shape}" for k, v in outputs.items()))


if __name__ == "__main__":
    main()

"""The Gradio layer of the app: four tabs wired to :mod:`genre_ldm.app.core`.

Gradio is an optional extra (``pip install -e '.[app]'``); this module is the only one that imports
it. Analytics are off (set before the import), the server listens on 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before gradio is imported

import gradio as gr  # noqa: E402  (at module level: the SelectData hint of the Explore click must resolve)

from autoencoder import UserError  # noqa: E402

from . import core  # noqa: E402


def _user_errors(fn):
    """User errors become Gradio's error toast (one line); bugs keep their traceback in the server log."""
    import functools

    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except UserError as exc:
            raise gr.Error(str(exc)) from exc

    return wrapped


TABS = ("generate", "reconstruct", "interpolate", "explore")
MAX_QUEUE = 16  # jobs waiting at once; the next user is told the queue is full instead of waiting minutes
CACHE_MAX_AGE_S = 3600  # uploads and answers older than this leave Gradio's cache


def build(models: core.AppModels, tab: str = "generate", cache_max_age_s: int = CACHE_MAX_AGE_S):
    """The app's ``gr.Blocks`` (not launched), opening on ``tab`` (one of :data:`TABS`).

    Every upload and every answer is a file in Gradio's cache (``GRADIO_TEMP_DIR``): a sweep every
    ``cache_max_age_s / 4`` seconds removes those older than ``cache_max_age_s``, and a restart removes all."""
    if tab not in TABS:
        raise UserError(f"tab must be one of {', '.join(TABS)}, got {tab!r}")
    if cache_max_age_s < 1:
        raise UserError(f"the cache's maximum age must be at least 1 s, got {cache_max_age_s}")
    import matplotlib.pyplot as plt

    def figure(fig):
        plt.close(fig)  # Gradio renders it; keep matplotlib from holding every figure ever drawn
        return fig

    @_user_errors
    def generate(genre, guidance, steps, seed, seconds, progress=gr.Progress()):
        progress(0.1, desc="sampling latents and decoding")
        audio, fig = core.generate(models, genre, guidance, steps, seed, seconds)
        return audio, figure(fig)

    @_user_errors
    def reconstruct(path, progress=gr.Progress()):
        progress(0.1, desc="encoding and decoding at every size")
        original, outputs, fig, rows = core.reconstruct(models, path)
        return [original, *outputs.values(), figure(fig), rows]

    @_user_errors
    def interpolate(file_a, file_b, genre_a, genre_b, steps, progress=gr.Progress()):
        progress(0.1, desc="decoding the path")
        audio, fig = core.interpolate(models, file_a, file_b, genre_a or None, genre_b or None, int(steps))
        return audio, figure(fig)

    def pick(image, evt: gr.SelectData):  # not wrapped: Gradio finds the SelectData hint on this function itself
        width, height = image.size
        x, y = core.pixel_to_map(models.explore, evt.index[0], evt.index[1], width, height)
        return by_number(models.explore.nearest(x, y))

    @_user_errors
    def by_number(row):
        decoded, original, text = core.explore_point(models, int(row))
        return decoded, original, text, core.map_figure_image(models.explore, int(row))

    genres = models.genres
    with gr.Blocks(title="genre-ldm", delete_cache=(max(1, cache_max_age_s // 4), cache_max_age_s)) as app:
        gr.Markdown(
            "# genre-ldm\nGenerate, reconstruct, interpolate and explore music through compact latent vectors. "
            f"Uploads: any audio soundfile reads (wav, flac, ogg, mp3...), up to {core.MAX_UPLOAD_SECONDS:.0f} s."
        )
        with gr.Tabs(selected=tab):
            with gr.Tab("Generate", id="generate"):
                with gr.Row():
                    genre = gr.Dropdown(genres, value=genres[0] if genres else None, label="genre")
                    guidance = gr.Slider(
                        0, 12, value=getattr(models.pipeline, "default_guidance", 3.0), step=0.5, label="guidance scale"
                    )
                    steps = gr.Slider(2, 100, value=25, step=1, label="denoising steps")
                    seed = gr.Number(0, precision=0, label="seed")
                    seconds = gr.Number(5, label="length (s): up to 5 is one clip, longer chains clips into a song")
                go = gr.Button("Generate", variant="primary", interactive=models.pipeline is not None)
                out_audio, out_mel = gr.Audio(label="generated", type="numpy"), gr.Plot(label="log-mel")
                go.click(generate, [genre, guidance, steps, seed, seconds], [out_audio, out_mel], api_name="generate")
            with gr.Tab("Reconstruct", id="reconstruct"):
                upload = gr.Audio(sources=["upload"], type="filepath", label="your audio")
                go = gr.Button("Reconstruct", variant="primary")
                names = [f"VAE D={d} + vocoder" for d in sorted(models.stage_ones)] + [
                    "Griffin-Lim of the original mel (no latent)"
                ]
                original = gr.Audio(label="original (as read)", type="numpy")
                recons = [gr.Audio(label=name, type="numpy") for name in names]
                mels = gr.Plot(label="log-mels")
                table = gr.Dataframe(
                    headers=["reconstruction", "distance, dB (lower is better)", "onset corr", "harmony (chroma) corr"],
                    label="measures against the original",
                )
                go.click(reconstruct, [upload], [original, *recons, mels, table], api_name="reconstruct")
            with gr.Tab("Interpolate", id="interpolate"):
                gr.Markdown("Each end is a file (its middle 5 s) or a genre (the mean latent of its training clips).")
                with gr.Row():
                    file_a = gr.Audio(sources=["upload"], type="filepath", label="from: file")
                    file_b = gr.Audio(sources=["upload"], type="filepath", label="to: file")
                map_genres = sorted(set(models.explore.label.tolist()) - {"out-of-dataset"}) if models.explore else []
                with gr.Row():
                    genre_a = gr.Dropdown([""] + map_genres, value="", label="or from: genre")
                    genre_b = gr.Dropdown([""] + map_genres, value="", label="or to: genre")
                    n = gr.Slider(2, core.MAX_INTERPOLATION_STEPS, value=5, step=1, label="steps")
                go = gr.Button("Interpolate", variant="primary")
                path_audio, path_mel = gr.Audio(label="the path, step by step", type="numpy"), gr.Plot(label="log-mels")
                go.click(
                    interpolate, [file_a, file_b, genre_a, genre_b, n], [path_audio, path_mel], api_name="interpolate"
                )
            with gr.Tab("Explore", id="explore"):
                if models.explore is None or models.explore_codec is None:
                    gr.Markdown("No explore map is shipped with these models (make one with genre-ldm explore-map).")
                else:
                    gr.Markdown(
                        "Click a point: its latent is decoded (and its original played when the dataset's audio "
                        f"is here). {models.explore.manifest['projection']}."
                    )
                    image = gr.Image(
                        core.map_figure_image(models.explore), type="pil", label="latent map", interactive=False
                    )
                    with gr.Row():
                        decoded = gr.Audio(label="decoded latent", type="numpy")
                        original_clip = gr.Audio(label="original clip", type="numpy")
                    with gr.Row():
                        which = gr.Textbox(label="point")
                        row = gr.Number(0, precision=0, label=f"or a point's number (0..{len(models.explore.xy) - 1})")
                        play = gr.Button("Play point")
                    image.select(pick, [image], [decoded, original_clip, which, image], api_name="explore_click")
                    play.click(by_number, [row], [decoded, original_clip, which, image], api_name="explore")
    return app


def launch(
    models: core.AppModels,
    host: str = "127.0.0.1",
    port: int | None = None,
    share: bool = False,
    tab: str = "generate",
    max_queue: int = MAX_QUEUE,
    cache_max_age_s: int = CACHE_MAX_AGE_S,
):
    """Start the server (blocking); Gradio prints the address.

    One job runs at a time (the models are shared and the CPU is small); users see their place in the queue,
    and past ``max_queue`` waiting jobs the next one is refused with Gradio's "Queue is full" message."""
    if max_queue < 1:
        raise UserError(f"the queue must hold at least 1 job, got {max_queue}")
    app = build(models, tab, cache_max_age_s)
    app.queue(default_concurrency_limit=1, max_size=max_queue)
    return app.launch(server_name=host, server_port=port, share=share, show_error=True)

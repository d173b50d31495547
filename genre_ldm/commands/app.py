"""The interactive app: generate, reconstruct, interpolate and explore (Gradio; `make app`).

    pip install -e '.[app]'
    genre-ldm app                       # http://127.0.0.1:7860 (the shipped models)
    genre-ldm app --data data/gtzan     # Explore also plays the dataset's original clips

Listens on 127.0.0.1 only unless --host says otherwise; analytics are off.
"""

from __future__ import annotations

import argparse
import sys

from genre_base import UserError, command


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only (127.0.0.0/8, ::1, localhost)."""
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to any interface


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="models", help="folder with vae-<D>/, diffusion/ and explore/map.npz")
    parser.add_argument("--data", help="prepared dataset, to play originals in Explore (optional)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: this machine only)")
    parser.add_argument("--port", type=int, default=7860)
    parser.add_argument("--device", default="cpu", help="cpu, cuda or auto")
    parser.add_argument(
        "--tab",
        default="generate",
        choices=["generate", "reconstruct", "interpolate", "explore"],
        help="the tab the app opens on",
    )
    parser.add_argument(
        "--max-queue",
        type=int,
        default=16,
        help="jobs that may wait at once; the next user is told the queue is full (default 16)",
    )
    parser.add_argument(
        "--cache-max-age",
        type=int,
        default=3600,
        metavar="SECONDS",
        help="uploads and answers older than this are removed from Gradio's cache (default 3600)",
    )
    args = parser.parse_args(argv)
    for flag, value in (("--max-queue", args.max_queue), ("--cache-max-age", args.cache_max_age)):
        if value < 1:  # checked before the models load, which takes seconds
            raise UserError(f"{flag} must be at least 1, got {value}")
    try:
        import gradio  # noqa: F401
    except ImportError as exc:
        raise UserError("the app needs the [app] extra: pip install -e '.[app]' (or make app)") from exc
    from genre_ldm.app import load_models
    from genre_ldm.app.ui import launch

    if not is_loopback(args.host):
        print(
            f"warning: --host {args.host} makes the app reachable from other machines; it has no authentication, "
            "and anyone who reaches it can run the models and upload files",
            file=sys.stderr,
            flush=True,
        )
    models = load_models(args.models, data=args.data, device=args.device)
    print(f"genre-ldm app on http://{args.host}:{args.port} (Ctrl-C stops it)", flush=True)
    launch(
        models,
        host=args.host,
        port=args.port,
        tab=args.tab,
        max_queue=args.max_queue,
        cache_max_age_s=args.cache_max_age,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Point a trained VAE folder at a (new) vocoder: records its relative path and content hash.

    genre-ldm link-vocoder --model runs/vae/model --vocoder models/vocoder-adversarial

Use it after training a VAE without --vocoder, or after fine-tuning a vocoder on VAE-decoded mels.
"""

from __future__ import annotations

import argparse
import sys

from genre_base import command
from genre_base.artifacts import ModelFolderError, mel_settings, read_record, reference, write_record


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="VAE model folder")
    parser.add_argument("--vocoder", required=True, help="vocoder model folder")
    args = parser.parse_args(argv)
    record = read_record(args.model, "vae")
    vocoder = read_record(args.vocoder, "vocoder")
    if mel_settings(record) != mel_settings(vocoder):
        raise ModelFolderError(f"mel settings differ: VAE {record['mel']} vs vocoder {vocoder['mel']}")
    record.setdefault("references", {})["vocoder"] = reference(args.vocoder, args.model)
    write_record(args.model, record)
    print(
        f"{args.model} now decodes with {record['references']['vocoder']['path']} "
        f"(sha256 {record['references']['vocoder']['sha256'][:12]})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

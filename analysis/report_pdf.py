"""The PDF twin of the HTML report: its text, tables and figures on A4 pages (matplotlib only)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from autoencoder.files import atomic_path

A4 = (8.27, 11.69)


def write_pdf(items: list[tuple[str, object]], path: Path) -> Path:
    """``items``: ``("text", str)``, ``("table", (header, rows))`` or ``("figure", png_path)``, in order."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    with atomic_path(path) as tmp, PdfPages(tmp) as pdf:
        lines: list[str] = []

        def flush() -> None:
            if not lines:
                return
            fig = plt.figure(figsize=A4)
            fig.text(0.06, 0.96, "\n".join(lines[:70]), va="top", family="DejaVu Sans", fontsize=8.5)
            pdf.savefig(fig)
            plt.close(fig)
            del lines[:70]
            flush()

        for kind, value in items:
            if kind == "text":
                lines.extend(textwrap.wrap(str(value), 110) + [""])
            elif kind == "table":
                flush()
                header, rows = value
                fig, ax = plt.subplots(figsize=(A4[0], 0.35 * (len(rows) + 2) + 0.5))
                ax.axis("off")
                table = ax.table(cellText=rows, colLabels=header, loc="center", cellLoc="center")
                table.auto_set_font_size(False)
                table.set_fontsize(6)
                table.auto_set_column_width(list(range(len(header))))
                pdf.savefig(fig, bbox_inches="tight")
                plt.close(fig)
            elif kind == "figure" and Path(value).is_file():
                flush()
                img = _downscaled(Path(value))
                h, w = img.shape[:2]
                fig = plt.figure(figsize=(A4[0], min(A4[1], A4[0] * h / w)))
                fig.add_axes([0, 0, 1, 1]).imshow(img)
                fig.axes[0].axis("off")
                pdf.savefig(fig)
                plt.close(fig)
        flush()
    return path


def _downscaled(path: Path, max_width: int = 1400):
    """A figure as an RGB array at most ``max_width`` pixels wide (keeps the PDF small)."""
    import numpy as np
    from PIL import Image

    img = Image.open(path).convert("RGB")
    if img.width > max_width:
        img = img.resize((max_width, round(img.height * max_width / img.width)), Image.LANCZOS)
    return np.asarray(img)

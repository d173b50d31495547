"""The PDF twin of the HTML report: title, headings, text, tables and figures flowed onto A4 pages.

Items are laid out top to bottom with a cursor, so a page holds as much as fits: a figure or a
table moves to the next page only when it does not fit in what is left of the current one.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from genre_base.files import atomic_path

A4 = (8.27, 11.69)  # inches
MARGIN = 0.6
MAX_FIGURE = 4.9  # inches: two tall figures (confusion matrices, maps) share a page
STYLE = {"title": (15, "bold", 55), "heading": (12, "bold", 90), "text": (8.5, "normal", 118)}  # size, weight, wrap


class _Pages:
    """A cursor over A4 pages of one PdfPages file."""

    def __init__(self, pdf, plt) -> None:
        self.pdf, self.plt, self.fig, self.y = pdf, plt, None, 0.0

    def need(self, height: float) -> None:
        """Start a new page unless ``height`` inches fit below the cursor."""
        if self.fig is None or self.y - height < MARGIN:
            self.close()
            self.fig, self.y = self.plt.figure(figsize=A4), A4[1] - MARGIN

    def close(self) -> None:
        if self.fig is not None:
            self.pdf.savefig(self.fig)
            self.plt.close(self.fig)
            self.fig = None

    def text(self, kind: str, value: str) -> None:
        size, weight, width = STYLE[kind]
        line = size * 1.4 / 72
        lines = textwrap.wrap(value, width) or [""]
        gap = 0.18 if kind != "text" else 0.08
        if kind == "heading":
            self.need(len(lines) * line + gap + 1.5)  # keep a heading with the start of its section
        for chunk in (lines[i : i + 60] for i in range(0, len(lines), 60)):
            self.need(len(chunk) * line + gap)
            self.fig.text(
                MARGIN / A4[0],
                self.y / A4[1],
                "\n".join(chunk),
                va="top",
                fontsize=size,
                fontweight=weight,
                family="DejaVu Sans",
                linespacing=1.4,
            )
            self.y -= len(chunk) * line + gap

    def box(self, height: float):
        """Axes spanning the text width, ``height`` inches tall, below the cursor."""
        self.need(height + 0.1)
        width = A4[0] - 2 * MARGIN
        ax = self.fig.add_axes([MARGIN / A4[0], (self.y - height) / A4[1], width / A4[0], height / A4[1]])
        self.y -= height + 0.15
        ax.axis("off")
        return ax

    def table(self, header: list[str], rows: list[list[str]]) -> None:
        row_height = 0.22
        for start in range(0, len(rows), 40):  # long tables continue on the next page with their header
            chunk = rows[start : start + 40]
            ax = self.box(row_height * (len(chunk) + 1))
            table = ax.table(
                cellText=[[textwrap.fill(str(c), 28) for c in r] for r in chunk],
                colLabels=[textwrap.fill(h, 20) for h in header],
                loc="upper center",
                cellLoc="center",
            )
            table.auto_set_font_size(False)
            table.auto_set_column_width(list(range(len(header))))
            table.scale(1.0, 1.25)
            fit_width(table, ax, 7.5 if len(header) <= 6 else 6.5)

    def image(self, img) -> None:
        """A figure at the text width, or narrower (centred) so that it is at most ``MAX_FIGURE`` tall."""
        h, w = img.shape[:2]
        full = A4[0] - 2 * MARGIN
        height = min(full * h / w, MAX_FIGURE)
        ax = self.box(height)
        ax.imshow(img)  # equal aspect: a tall figure is drawn narrower, centred in the box


def fit_width(table, ax, fontsize: float, smallest: float = 4.5) -> float:
    """Shrink ``table``'s font until it is no wider than ``ax`` (a wide table was clipped at both page
    edges), then, if even ``smallest`` is too wide, squeeze its columns; returns the font size used."""
    renderer = ax.figure.canvas.get_renderer()
    room = ax.get_window_extent(renderer).width
    size = fontsize
    while True:
        table.set_fontsize(size)
        width = table.get_window_extent(renderer).width
        if width <= room or size <= smallest:
            break
        size = max(smallest, size - 0.5)
    if width > room:
        # Freeze the automatic widths measured at this size (matplotlib recomputes them at every draw and
        # has no public switch for it), then scale every column to the room left.
        table._autoColumns = []
        for cell in table.get_celld().values():
            cell.set_width(cell.get_width() * room / width)
    return size


def write_pdf(items: list[tuple[str, object]], path: Path) -> Path:
    """``items``: ``("title" | "heading" | "text", str)``, ``("table", (header, rows))`` or
    ``("figure", png_path)``, in reading order."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    with atomic_path(path) as tmp, PdfPages(tmp) as pdf:
        pages = _Pages(pdf, plt)
        for kind, value in items:
            if kind in STYLE:
                pages.text(kind, str(value))
            elif kind == "table":
                pages.table(*value)
            elif kind == "figure" and Path(value).is_file():
                pages.image(downscaled(Path(value)))
        pages.close()
    return path


def downscaled(path: Path, max_width: int = 1400):
    """A figure as an RGB array at most ``max_width`` pixels wide (keeps the PDF and the HTML page small)."""
    import numpy as np
    from PIL import Image

    img = Image.open(path).convert("RGB")
    if img.width > max_width:
        img = img.resize((max_width, round(img.height * max_width / img.width)), Image.LANCZOS)
    return np.asarray(img)

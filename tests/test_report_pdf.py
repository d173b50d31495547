"""The PDF report's tables fit the page: a wide table is shrunk to the text width instead of clipped."""

from __future__ import annotations

import pytest

pytest.importorskip("matplotlib")


def test_a_wide_table_fits_the_text_width(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    from analysis.report_pdf import _Pages

    header = [f"a long column heading {i}" for i in range(9)]
    rows = [[f"0.{i}{j}3 [0.{i}01, 0.{j}99] (PCA 0.777)" for j in range(9)] for i in range(5)]
    with PdfPages(tmp_path / "t.pdf") as pdf:
        pages = _Pages(pdf, plt)
        pages.table(header, rows)
        fig = pages.fig
        renderer = fig.canvas.get_renderer()
        ax = fig.axes[-1]
        table = ax.tables[0]
        fig_width = fig.get_window_extent(renderer).width
        extent = table.get_window_extent(renderer)
        assert extent.x0 >= 0 and extent.x1 <= fig_width, "the table runs off the page"
        assert extent.width <= ax.get_window_extent(renderer).width + 1
        pages.close()

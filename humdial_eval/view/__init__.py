"""The offline results browser: report.html in every run folder and ``humdial-eval view`` (overview, items,
audio, judges' reasons, run-to-run comparison). See docs/viewer.md."""

from __future__ import annotations

from humdial_eval.view.page import REPORT_FILE, render_page, write_report_html

__all__ = ["REPORT_FILE", "render_page", "write_report_html"]

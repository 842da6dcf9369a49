"""Per-source quality: which figures are measured, how each is judged against the source's own
history (a rolling median and MAD), and how a run's table reads.

Pure: rows of `news.source_quality` come in (from `nyhetsflyt/db/quality.py`), findings and
text go out; the flows emit the events and artifacts (`flows/quality.py`).
"""

"""Export articles, captions, entities and quotes as Parquet or CSV files, one file per day.

    OUT/articles/day=2024-02-03/articles.parquet
    OUT/captions/day=2024-02-03/captions.parquet      (and entities/, quotes/)

The `day=` folders are Hive-style partitions, which pandas, polars, pyarrow and DuckDB read
directly (`read_parquet('OUT/articles/*/*.parquet', hive_partitioning = true)`). A day is the
article's day in Norway (`news.article_day`: its publication day, or the day it was ingested
where the source gives no date); child rows go with their article's day.

Each table is read through one server-side cursor in the order of that day (an index on the
article's time gives it), a batch of rows at a time, and written with pyarrow as it comes: one
file open at a time, so memory stays flat whatever the size of the export. Days in the range are
written anew: files of an earlier export of the same days are replaced, not added to.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from itertools import groupby
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import psycopg
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from psycopg import sql

EXPORT_FORMATS = ("parquet", "csv")
NEWS_TZ = ZoneInfo("Europe/Oslo")
FAR_FUTURE = datetime(9999, 1, 1, tzinfo=timezone.utc)

_TEXTS = pa.list_(pa.string())
_UTC = pa.timestamp("us", tz="UTC")


@dataclass(frozen=True, slots=True)
class ExportTable:
    """A table to export: its columns (with their Arrow types) and, for the parts of an article,
    the columns that order them within it."""

    name: str
    schema: pa.Schema
    order: tuple[str, ...] = ()


TABLES: tuple[ExportTable, ...] = (
    ExportTable("articles", pa.schema([
        ("id", pa.int64()), ("source", pa.string()), ("source_uri", pa.string()),
        ("source_format", pa.string()), ("external_id", pa.string()), ("title", pa.string()),
        ("lede", pa.string()), ("body", pa.string()), ("published", _UTC),
        ("published_precision", pa.string()), ("authors", _TEXTS), ("tags", _TEXTS),
        ("language", pa.string()), ("language_confidence", pa.float32()), ("word_count", pa.int32()),
        ("keywords", _TEXTS), ("model_name", pa.string()), ("model_version", pa.string()),
        ("ner_degraded", pa.bool_()), ("ner_run", pa.bool_()), ("extractor_version", pa.string()),
        ("ingested_at", _UTC),
        ("run_id", pa.int64()),
    ])),
    ExportTable("captions", pa.schema([
        ("article_id", pa.int64()), ("position", pa.int32()), ("label", pa.string()), ("text", pa.string()),
        ("photographers", _TEXTS), ("agencies", _TEXTS), ("credit_raw", pa.string()),
    ]), order=("position",)),
    ExportTable("entities", pa.schema([
        ("article_id", pa.int64()), ("segment_position", pa.int32()), ("segment_kind", pa.string()),
        ("sentence_index", pa.int32()), ("char_start", pa.int32()), ("char_end", pa.int32()),
        ("text", pa.string()), ("label", pa.string()), ("canonical", pa.string()),
    ]), order=("segment_position", "char_start")),
    ExportTable("quotes", pa.schema([
        ("article_id", pa.int64()), ("quote_index", pa.int32()), ("position", pa.int32()),
        ("text", pa.string()), ("speaker", pa.string()), ("speaker_canonical", pa.string()),
    ]), order=("quote_index",)),
)


def _columns(table: ExportTable) -> sql.Composable:
    if table.name == "articles":
        return sql.SQL(", ").join(sql.SQL("news.source_of(a.source_uri)") if name == "source"
                                  else sql.Identifier("a", name) for name in table.schema.names)
    return sql.SQL(", ").join(sql.Identifier("x", name) for name in table.schema.names)


def _parts(table: ExportTable) -> sql.Composable:
    """The join to an article's parts (nothing for the articles themselves)."""
    if table.name == "articles":
        return sql.SQL("")
    return sql.SQL("JOIN {} x ON x.article_id = a.id").format(sql.Identifier("news", table.name))


def _order(table: ExportTable) -> sql.Composable:
    return sql.SQL("").join(sql.SQL(", {}").format(sql.Identifier("x", name)) for name in table.order)


@dataclass(slots=True)
class ExportResult:
    rows: dict[str, int] = field(default_factory=dict)  # table → rows written
    files: dict[str, int] = field(default_factory=dict)  # table → files (days) written

    def as_json(self) -> dict[str, Any]:
        return {"rows": self.rows, "files": self.files}


class _Writer(Protocol):
    def write_batch(self, batch: pa.RecordBatch) -> None: ...
    def close(self) -> None: ...


class _CsvWriter:
    """CSV has no lists: list columns are written as JSON arrays."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self.lists = [i for i, f in enumerate(schema) if pa.types.is_list(f.type)]
        self.schema = pa.schema([pa.field(f.name, pa.string()) if i in self.lists else f
                                 for i, f in enumerate(schema)])
        self.writer = pa_csv.CSVWriter(str(path), self.schema)

    def write_batch(self, batch: pa.RecordBatch) -> None:
        columns = [
            pa.array([None if v is None else json.dumps(v, ensure_ascii=False) for v in column.to_pylist()],
                     pa.string()) if i in self.lists else column
            for i, column in enumerate(batch.columns)
        ]
        self.writer.write_batch(pa.RecordBatch.from_arrays(columns, schema=self.schema))

    def close(self) -> None:
        self.writer.close()


def _open(path: Path, schema: pa.Schema, file_format: str) -> _Writer:
    path.parent.mkdir(parents=True, exist_ok=True)
    if file_format == "csv":
        return _CsvWriter(path, schema)
    return pq.ParquetWriter(str(path), schema, compression="zstd")


def day_start(day: date) -> datetime:
    """Midnight of a day in Norway, as an aware time."""
    return datetime.combine(day, time(0), NEWS_TZ)


def _batches(conn: psycopg.Connection, table: ExportTable, start: datetime, end: datetime,
             batch_size: int) -> Iterator[list[tuple]]:
    """The table's rows of articles whose time is in [start, end), in the order of that time."""
    with conn.transaction(), conn.cursor(name=f"export_{table.name}") as cur:
        cur.itersize = batch_size
        cur.execute(sql.SQL(
            "SELECT news.article_day(a.published, a.ingested_at), {columns} FROM news.articles a {parts}"
            " WHERE coalesce(a.published, a.ingested_at) >= %(start)s"
            " AND coalesce(a.published, a.ingested_at) < %(end)s"
            " ORDER BY coalesce(a.published, a.ingested_at), a.id{order}"
        ).format(columns=_columns(table), parts=_parts(table), order=_order(table)),
            {"start": start, "end": end})
        while rows := cur.fetchmany(batch_size):
            yield rows


def _record_batch(rows: list[tuple], schema: pa.Schema) -> pa.RecordBatch:
    columns = list(zip(*rows))[1:]  # the first is the day
    return pa.RecordBatch.from_arrays(
        [pa.array(column, type=f.type) for column, f in zip(columns, schema, strict=True)], schema=schema)


def _clear_days(folder: Path, first: date, last: date | None) -> None:
    if not folder.is_dir():
        return
    for partition in folder.glob("day=*"):
        try:
            day = date.fromisoformat(partition.name[4:])
        except ValueError:
            continue
        if day >= first and (last is None or day <= last):
            shutil.rmtree(partition)


def export_table(conn: psycopg.Connection, table: ExportTable, out: Path, *, since: date, until: date | None,
                 file_format: str, batch_size: int) -> tuple[int, int]:
    """Write one table's rows of the days [since, until]; returns (rows, files)."""
    folder = out / table.name
    _clear_days(folder, since, until)
    end = day_start(until + timedelta(days=1)) if until else FAR_FUTURE
    rows_written = files = 0
    writer: _Writer | None = None
    current: date | None = None
    try:
        for rows in _batches(conn, table, day_start(since), end, batch_size):
            for day, day_rows in groupby(rows, key=lambda row: row[0]):
                if day != current:
                    if writer is not None:
                        writer.close()
                    current = day
                    writer = _open(folder / f"day={day.isoformat()}" / f"{table.name}.{file_format}",
                                   table.schema, file_format)
                    files += 1
                chunk = list(day_rows)
                assert writer is not None
                writer.write_batch(_record_batch(chunk, table.schema))
                rows_written += len(chunk)
    finally:
        if writer is not None:
            writer.close()
    return rows_written, files


def export_news(url: str, out: Path, *, since: date, until: date | None = None, file_format: str = "parquet",
                batch_size: int = 2_000) -> ExportResult:
    if file_format not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {file_format!r}; one of {', '.join(EXPORT_FORMATS)}")
    if until is not None and until < since:
        raise ValueError(f"the last day ({until}) is before the first ({since})")
    result = ExportResult()
    with psycopg.connect(url) as conn:
        for table in TABLES:
            rows, files = export_table(conn, table, out, since=since, until=until, file_format=file_format,
                                       batch_size=batch_size)
            result.rows[table.name], result.files[table.name] = rows, files
    return result


def count_rows(url: str, *, since: date, until: date | None = None) -> dict[str, int]:
    """The database's own count of what an export of these days holds, per table."""
    end = day_start(until + timedelta(days=1)) if until else FAR_FUTURE
    params = {"start": day_start(since), "end": end}
    counts = {}
    with psycopg.connect(url) as conn:
        for table in TABLES:
            row = conn.execute(sql.SQL(
                "SELECT count(*) FROM news.articles a {parts} WHERE coalesce(a.published, a.ingested_at) >= %(start)s"
                " AND coalesce(a.published, a.ingested_at) < %(end)s").format(parts=_parts(table)), params).fetchone()
            counts[table.name] = int(row[0]) if row else 0
    return counts

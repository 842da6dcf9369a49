"""Every SQL block of the README and of docs/ runs, against a database the real folder flow
loaded with the example inbox, so that no documented query can rot unnoticed.

Blocks are found by themselves: every fenced block whose info string is `sql` (```sql or
~~~sql, indented or not), in README.md and every Markdown file under docs/. Each runs in a
transaction that is rolled back, so a block that creates or changes something leaves nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from flows.ingest_folder import ingest_folder
from nyhetsflyt.paths import REPO_ROOT

DOCUMENTS = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").rglob("*.md"))]
_FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})\s*(?P<info>[\w+-]*)")


@dataclass(frozen=True)
class SqlBlock:
    path: Path
    number: int  # the block's place among the file's SQL blocks, from 1
    line: int  # where its first line of SQL is
    sql: str

    @property
    def name(self) -> str:
        return f"{self.path.relative_to(REPO_ROOT)}#{self.number} (line {self.line})"


def sql_blocks(path: Path) -> list[SqlBlock]:
    blocks: list[SqlBlock] = []
    lines = path.read_text("utf-8").splitlines()
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        fence, indent = opening["fence"], len(opening["indent"])
        body: list[str] = []
        index += 1
        while index < len(lines) and not lines[index].strip().startswith(fence):
            body.append(lines[index][indent:] if lines[index][:indent].isspace() else lines[index])
            index += 1
        if opening["info"].lower() == "sql":
            start = index - len(body) + 1
            blocks.append(SqlBlock(path, len(blocks) + 1, start, "\n".join(body)))
        index += 1  # the closing fence
    return blocks


BLOCKS = [block for path in DOCUMENTS for block in sql_blocks(path)]


def test_blocks_are_found_in_the_readme_and_docs():
    files = {block.path.name for block in BLOCKS}
    assert "README.md" in files and "analysts.md" in files and "quality.md" in files
    # The README's example queries: the one that once failed (an alias used in an expression) too.
    readme = [block.sql for block in BLOCKS if block.path.name == "README.md"]
    assert any("in_captions" in sql for sql in readme)


def test_the_finder_sees_fences_of_every_kind(tmp_path):
    doc = tmp_path / "doc.md"
    doc.write_text("Text\n\n```sql\nSELECT 1;\n```\n\n- a list\n\n  ~~~sql\n  SELECT 2;\n  ~~~\n\n"
                   "```sh\nnyhetsflyt status\n```\n\n````SQL\nSELECT 3;\n````\n", "utf-8")
    assert [(b.number, b.line, b.sql) for b in sql_blocks(doc)] == [
        (1, 4, "SELECT 1;"), (2, 10, "SELECT 2;"), (3, 18, "SELECT 3;")]


@pytest.fixture(scope="module")
def examples_db(database_url: str) -> str:
    """The tests' database holding exactly the example inbox, loaded by the folder flow."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables"
            " WHERE schemaname = 'news' AND tablename <> 'schema_migrations'")]
        conn.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    summary = ingest_folder(paths=[str(REPO_ROOT / "examples" / "inbox")], model="blank:nb")
    assert summary.articles_new > 0 and summary.failed == 0, summary
    return database_url


@pytest.mark.usefixtures("prefect_server")
@pytest.mark.parametrize("block", BLOCKS, ids=[block.name for block in BLOCKS])
def test_documented_sql_runs(examples_db: str, block: SqlBlock):
    with psycopg.connect(examples_db) as conn:
        conn.execute("SET statement_timeout = '60s'")
        try:
            with conn.transaction(force_rollback=True):
                conn.execute(block.sql.encode())
        except psycopg.Error as error:
            pytest.fail(f"the SQL block {block.name} fails: {type(error).__name__}: {error}\n\n{block.sql}",
                        pytrace=False)

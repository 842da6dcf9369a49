"""Security: SQL only ever parameterised, a read-only analyst role, the fetcher's refusals
(schemes, private addresses after DNS and on redirects, size and decompression limits), XML
entities never expanded, and the database password kept out of logs and artifacts."""

from __future__ import annotations

import gzip
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import psycopg
import pytest
from lxml import etree
from psycopg import errors

import tasks.load
from faults.conftest import FAULT_MODEL, REPO_ROOT
from faults.corpus import Layout
from faults.sql_scan import scan, scan_file
from faults.tally import TALLY
from flows.ingest_folder import ingest_folder
from nyhetsflyt.settings import Settings
from nyhetsflyt.sources.web.discover import (
    UnsafeXmlError,
    maybe_gunzip,
    parse_feed,
    parse_sitemap,
)
from nyhetsflyt.sources.web.fetch import Fetcher, FetchPolicy

FAULT = "hostile network input"
PRODUCT_CODE = ["nyhetsflyt", "tasks", "flows"]
# Statements that are not written in Python but still come only from this repository.
ALLOWED = {("nyhetsflyt/db/migrate.py", "conn.execute(migration.sql.encode())")}  # infra/migrations/*.sql


# --- SQL is parameterised -----------------------------------------------------------------


def test_no_sql_is_built_from_strings_at_run_time():
    findings = [f for f in scan(REPO_ROOT, PRODUCT_CODE) if (f.path, f.code) not in ALLOWED]
    assert findings == [], "\n".join(f"{f.path}:{f.line}: {f.code}" for f in findings)


def test_the_scan_finds_string_built_sql(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from psycopg import sql\n"
        "TABLE = 'news.articles'\n"
        "COLUMNS = ('id', 'title')\n"
        "def good(conn, name, by_id):\n"
        "    conn.execute('SELECT 1 WHERE id = %s', (name,))\n"
        "    conn.execute(f'SELECT {\", \".join(COLUMNS)} FROM {TABLE}')\n"
        "    conn.execute(sql.SQL('CREATE DATABASE {}').format(sql.Identifier(name)))\n"
        "    statement = 'A' if by_id else 'B'\n"
        "    conn.execute(statement)\n"
        "def bad(conn, name, where):\n"
        "    conn.execute(f'CREATE DATABASE \"{name}\"')\n"
        "    conn.execute('SELECT * FROM t WHERE a = %s' % name)\n"
        "    conn.execute('SELECT * FROM t WHERE a = {}'.format(name))\n"
        "    conn.execute('SELECT * FROM t WHERE ' + where)\n"
        "    query = f'DELETE FROM t WHERE {where}'\n"
        "    conn.cursor().execute(query)\n"
        "    conn.cursor().copy(f'COPY {name} FROM STDIN')\n"
    )
    lines = sorted(f.line for f in scan_file(sample, tmp_path))
    assert lines == [11, 12, 13, 14, 16, 17]


# --- the analyst role ---------------------------------------------------------------------


@contextmanager
def as_analyst(url: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET ROLE nyhetsflyt_analyst")
        yield conn


def test_analyst_role_reads_the_news_and_cannot_write(empty_db):
    with psycopg.connect(empty_db, autocommit=True) as conn:
        conn.execute("INSERT INTO news.ingest_runs (flow_name) VALUES ('analyst-test')")
        # a table a later migration adds (as the migrating role) is readable through the defaults
        conn.execute("CREATE TABLE news.later_table (id int)")
    try:
        with as_analyst(empty_db) as conn:
            assert conn.execute("SELECT flow_name FROM news.ingest_runs").fetchall() == [("analyst-test",)]
            assert conn.execute("SELECT count(*) FROM news.articles").fetchone() == (0,)
            assert conn.execute("SELECT count(*) FROM news.later_table").fetchone() == (0,)
            refused = [
                "INSERT INTO news.ingest_runs (flow_name) VALUES ('x')",
                "UPDATE news.ingest_runs SET flow_name = 'x'",
                "DELETE FROM news.ingest_runs",
                "TRUNCATE news.articles",
                "CREATE TABLE news.mine (id int)",
                "CREATE TABLE public.mine (id int)",
                "CREATE SCHEMA analyst_own",
                "DROP TABLE news.articles",
                "ALTER TABLE news.articles ADD COLUMN x int",
            ]
            for statement in refused:
                with pytest.raises(errors.InsufficientPrivilege):
                    conn.execute(statement)
            writable = conn.execute(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = 'news' AND c.relkind IN ('r', 'p', 'v') AND"
                " (has_table_privilege(c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')"
                "  OR NOT has_table_privilege(c.oid, 'SELECT'))").fetchall()
            assert writable == []  # every news table: readable, and nothing more
    finally:
        with psycopg.connect(empty_db, autocommit=True) as conn:
            conn.execute("DROP TABLE news.later_table")


def test_analyst_role_migration_is_idempotent(empty_db):
    migration = (REPO_ROOT / "infra" / "migrations" / "0004_analyst_role.sql").read_text()
    with psycopg.connect(empty_db, autocommit=True) as conn:
        conn.execute(migration.encode())  # again, on top of the migrated database
        conn.execute(migration.encode())
        (login, superuser) = conn.execute(
            "SELECT rolcanlogin, rolsuper FROM pg_roles WHERE rolname = 'nyhetsflyt_analyst'").fetchone()
    assert (login, superuser) == (False, False)


# --- the fetcher's refusals ---------------------------------------------------------------


def stub_resolver(table: dict[str, list[str]]):
    """Answers like getaddrinfo from a table, so no name is ever looked up on the network."""
    def resolve(host, port, **kwargs):
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
                for a in table[host]]
    return resolve


def strict_fetcher(resolver=socket.getaddrinfo, **policy) -> Fetcher:
    settings = dict(connect_timeout_s=0.5, read_timeout_s=1.0, min_host_interval_s=0.0, max_attempts=1)
    settings.update(policy)
    settings.setdefault("allow_private", Settings().allow_private)
    return Fetcher(FetchPolicy(**settings), sleep=lambda s: None, resolver=resolver)


@pytest.fixture
def private_refused(monkeypatch):
    monkeypatch.delenv("NYHETSFLYT_ALLOW_PRIVATE", raising=False)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/x", "gopher://example.com/",
                                 "data:text/html,<p>x</p>", "javascript:alert(1)", "jar:http://x/!/"])
def test_non_http_schemes_are_never_requested(private_refused, url):
    TALLY.injected(FAULT)
    result = strict_fetcher().fetch(url)
    assert result.outcome == "refused_scheme" and result.attempts == 0
    TALLY.survived(FAULT)


@pytest.mark.parametrize(("host", "addresses"), [
    ("intranett.example", ["10.1.2.3"]), ("metadata.example", ["169.254.169.254"]),
    ("v6-loopback.example", ["::1"]), ("mapped.example", ["::ffff:127.0.0.1"]),
    ("ula.example", ["fd12::1"]), ("half-public.example", ["93.184.216.34", "192.168.0.10"]),
])
def test_names_resolving_to_private_addresses_are_refused(private_refused, host, addresses):
    TALLY.injected(FAULT)
    result = strict_fetcher(stub_resolver({host: addresses})).fetch(f"http://{host}/nyheter")
    assert result.outcome == "refused_private" and result.attempts == 0, result
    TALLY.survived(FAULT)


@pytest.mark.parametrize("url", ["http://127.0.0.1/", "http://2130706433/", "http://0x7f000001/",
                                 "http://127.1/", "http://[::1]/", "http://[::ffff:10.0.0.1]/",
                                 "http://localhost/", "http://0.0.0.0/"])
def test_numeric_and_local_hosts_are_refused(private_refused, url):
    TALLY.injected(FAULT)
    result = strict_fetcher().fetch(url)  # numeric forms resolve without any lookup
    assert result.outcome == "refused_private" and result.attempts == 0, result
    TALLY.survived(FAULT)


REDIRECT_TARGETS = {"private": "http://10.255.255.1/", "metadata": "http://metadata.example/latest/",
                    "v6-loopback": "http://[::1]:8080/", "file": "file:///etc/passwd"}


class _Hostile(BaseHTTPRequestHandler):
    """Loopback server: redirects to private places and a gzip bomb."""

    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)  # 64 MB in ~64 KB
    requests: ClassVar[list[str]] = []

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        _Hostile.requests.append(self.path)
        if self.path == "/robots.txt":
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path.startswith("/to/"):
            self.send_response(302)
            self.send_header("Location", REDIRECT_TARGETS[self.path.removeprefix("/to/")])
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/bomb":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(self.bomb)))
            self.end_headers()
            self.wfile.write(self.bomb)


@pytest.fixture(scope="module")
def hostile_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"localhost:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("name", sorted(REDIRECT_TARGETS))
def test_redirects_to_private_places_are_refused_at_the_hop(private_refused, hostile_server, name):
    # "localhost" passes the first check as a public address; the socket still goes to loopback.
    resolver = stub_resolver({"localhost": ["93.184.216.34"], "metadata.example": ["169.254.169.254"]})
    before = len(_Hostile.requests)
    TALLY.injected(FAULT)
    result = strict_fetcher(resolver).fetch(f"http://{hostile_server}/to/{name}")
    assert result.status == 302 and result.final_url == REDIRECT_TARGETS[name]
    assert result.outcome in ("refused_private", "refused_scheme"), result
    assert _Hostile.requests[before:] == ["/robots.txt", f"/to/{name}"]  # nothing after the hop
    TALLY.survived(FAULT)


def test_gzip_bomb_is_cut_at_the_size_limit(monkeypatch, hostile_server):
    monkeypatch.setenv("NYHETSFLYT_ALLOW_PRIVATE", "1")
    TALLY.injected(FAULT)
    result = strict_fetcher(max_bytes=1024 * 1024).fetch(f"http://{hostile_server}/bomb")
    assert result.outcome == "too_large" and result.body is None
    assert result.bytes < 64 * 1024 * 1024  # stopped while decompressing, not after
    TALLY.survived(FAULT)


def test_gzipped_sitemap_bomb_is_refused():
    TALLY.injected(FAULT)
    with pytest.raises(ValueError, match="expands past"):
        maybe_gunzip(gzip.compress(b"<urlset>" + b" " * (2 * 1024 * 1024)), limit=1024 * 1024)
    TALLY.survived(FAULT)


def test_feed_links_to_files_are_dropped_and_private_links_refused(private_refused):
    feed = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
            b"<item><title>a</title><link>file:///etc/passwd</link></item>"
            b"<item><title>b</title><link>http://10.0.0.7/intern</link></item>"
            b"<item><title>c</title><link>http://169.254.169.254/latest/meta-data/</link></item>"
            b"</channel></rss>")
    urls = [u.url for u in parse_feed(feed, "https://nyheter.example/rss")]
    assert urls == ["http://10.0.0.7/intern", "http://169.254.169.254/latest/meta-data/"]
    fetcher = strict_fetcher()
    for url in urls:
        TALLY.injected(FAULT)
        assert fetcher.fetch(url).outcome == "refused_private"
        TALLY.survived(FAULT)


# --- XML entities are never expanded ------------------------------------------------------

ENTITIES = "".join(['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 6)])
FEED_ITEM = "<item><title>&lol5;</title><link>https://nyheter.example/a</link></item>"
BOMB_FEED = f'<!DOCTYPE rss [{ENTITIES}]><rss version="2.0"><channel><title>t</title>{FEED_ITEM}</channel></rss>'
BOMB_SITEMAP = f"<!DOCTYPE urlset [{ENTITIES}]><urlset><url><loc>https://nyheter.example/&lol5;</loc></url></urlset>"
PADDING = "<!--" + "x" * 70_000 + "-->"


def _utf16(document: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-16"?>' + document).encode("utf-16")


def _no_expansion(parse, body: bytes) -> bool:
    try:
        found = parse(body)
    except (UnsafeXmlError, ValueError, etree.XMLSyntaxError):  # refused, or stopped by libxml2
        return True
    urls = found.urls if hasattr(found, "urls") else found
    return all("lol" not in (u.url + (u.title or "")) for u in urls)


def test_entity_bomb_feed_is_refused():
    TALLY.injected(FAULT)
    with pytest.raises(UnsafeXmlError):
        parse_feed(BOMB_FEED.encode())
    TALLY.survived(FAULT)


@pytest.mark.parametrize("body", [BOMB_SITEMAP.encode(), _utf16(BOMB_SITEMAP), (PADDING + BOMB_SITEMAP).encode()],
                         ids=["plain", "utf-16", "padded"])
def test_entity_bomb_sitemap_is_never_expanded(body):
    TALLY.injected(FAULT)
    assert _no_expansion(parse_sitemap, body)
    TALLY.survived(FAULT)


@pytest.mark.parametrize("body", [_utf16(BOMB_FEED), (PADDING + BOMB_FEED).encode()], ids=["utf-16", "padded"])
def test_entity_bomb_feed_in_disguise_is_never_expanded(body):
    TALLY.injected(FAULT)
    assert _no_expansion(parse_feed, body)
    TALLY.survived(FAULT)


# --- the password stays out of logs and artifacts -----------------------------------------


def _with_password(url: str, password: str) -> str:
    info = psycopg.conninfo.conninfo_to_dict(url)
    info["password"] = password  # trust authentication: accepted, and never needed
    return psycopg.conninfo.make_conninfo(**info)


def _logs_and_artifacts(flow_run_id) -> str:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        LogFilter,
        LogFilterFlowRunId,
    )

    with get_client(sync_client=True) as client:
        logs = client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id])))
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])))
        run = client.read_flow_run(flow_run_id)
    return "\n".join([*(log.message for log in logs), *(str(a.data) for a in artifacts), str(run.parameters),
                      str(run.state.message if run.state else "")])


def test_database_password_never_reaches_logs_or_artifacts(empty_db, prefect_server, monkeypatch, tmp_path):
    password = f"pw-{uuid.uuid4().hex}"
    monkeypatch.setenv("DATABASE_URL", _with_password(empty_db, password))
    layout = Layout.make(tmp_path)
    state = ingest_folder(inbox=str(layout.inbox), archive=str(layout.archive),
                          quarantine=str(layout.quarantine), model=FAULT_MODEL, return_state=True)
    assert state.is_completed()
    recorded = _logs_and_artifacts(state.state_details.flow_run_id)
    assert "empty file" in recorded and "articles_new" in recorded  # the logs and artifacts were read
    assert password not in recorded

    # A run that cannot reach its database fails; its error names the server, not the password.
    info = psycopg.conninfo.conninfo_to_dict(empty_db)
    info.update(password=password, port=str(_free_port()), connect_timeout="2")
    monkeypatch.setenv("DATABASE_URL", psycopg.conninfo.make_conninfo(**info))
    monkeypatch.setattr(tasks.load.prepare_database, "retry_delay_seconds", [0.1] * 4)
    failed = ingest_folder(paths=[str(layout.archive)], model=FAULT_MODEL, return_state=True)
    assert failed.is_failed()
    recorded = _logs_and_artifacts(failed.state_details.flow_run_id)
    assert "connection" in recorded.lower() and password not in recorded
    with psycopg.connect(empty_db) as conn:
        stored = conn.execute("SELECT string_agg(reason, ' ') FROM news.ingest_failures").fetchone()[0] or ""
    assert password not in stored


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]

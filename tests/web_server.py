"""A local HTTP server on 127.0.0.1 that serves news-like content and misbehaves on demand.

Start it with `serve()` (a context manager) from a pytest fixture. Every request is logged
(path, headers, arrival time) so tests can prove what was and was not asked for.

Routes
    /robots.txt                   disallows /private/ for every agent
    /private/<anything>           must never be requested by a polite client
    /samples/html/<file>          the real sample pages from SHARED_DATA/samples/html
    /samples/rss/<file>           the real RSS snapshots from SHARED_DATA/samples/rss
    /feed.xml                     RSS 2.0 linking to /artikler/… and to the sample pages
                                  (article and sample pages carry an ETag and Last-Modified
                                  and answer a matching conditional GET with 304)
    /atom.xml                     the same items as Atom
    /artikler/<slug>.html         small invented Norwegian article pages
    /sitemap_index.xml            index of /sitemap-artikler.xml and /sitemap-nyheter.xml
    /sitemap-artikler.xml         plain sitemap (loc + lastmod)
    /sitemap-nyheter.xml          Google News sitemap (publication date + title)
    /urls.txt                     plain list of article URLs
    /faults.txt                   plain list: every FAULT_PATHS URL and the article pages
    /slow                         sleeps `slow_seconds` before answering
    /pause?s=0.3                  sleeps briefly, then answers 200 (to watch requests overlap)
    /trickle                      sends headers, then one byte every 0.1 s for a long time
    /flaky/<key>?fail=N           500 for the first N requests per key, then 200
    /ratelimited/<key>            429 with Retry-After: 1 the first time, then 200
    /ratelimited-long/<key>       429 with Retry-After: 3600 the first time, then 200
    /unavailable/<key>            503 with an HTTP-date Retry-After 2 s ahead first, then 200
    /always-500                   500 every time
    /truncated                    Content-Length 1000, 100 bytes sent, connection closed
    /large?bytes=N                N bytes with a Content-Length header
    /large-unsized?bytes=N        N bytes, no Content-Length (the limit must be streamed)
    /loop/a, /loop/b              redirect to each other
    /chain/<n>                    redirects n times before a 200
    /redirect-file                redirect to file:///etc/passwd
    /redirect-private             redirect to http://10.255.255.1/ (never reachable here)
    /missing, /removed            404, 410
    /etag                         ETag + Last-Modified; 304 on a matching If-None-Match
    /static                       the same body every time, without validators
    /bad/<kind>.html              bad pages served as text/html (BAD_PAGES): cut off inside the
                                  text or inside a tag, binary junk, a wrong or missing charset,
                                  20 MB of markup
    /nettavis/feed.xml            a news site's RSS: the fresh articles of its current edition
    /nettavis/sak/<e>-<n>.html    article n of edition e, in the site's current layout
                                  (`state.site`: edition, items in the feed, "full" or "teaser")
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from nyhetsflyt.settings import Settings

SHARED_DATA = Settings().shared_data

ROBOTS_TXT = b"User-agent: *\nDisallow: /private/\n"

# Invented articles, written for these tests.
ARTICLES: dict[str, tuple[str, str, str]] = {
    "ferje-innstilt": (
        "Ferja til Stord innstilt i kveld",
        "2024-03-04T18:30:00+01:00",
        "Sterk vind gjorde at rederiet innstilte alle avganger fra Halhjem etter klokken 18.",
    ),
    "nytt-bibliotek": (
        "Nytt bibliotek åpner på Tøyen",
        "2024-03-05T09:00:00+01:00",
        "Biblioteket får egne rom for lekser, spill og språkkafé, forteller bydelsdirektøren.",
    ),
    "skolemat": (
        "Elevene i Bodø får gratis frokost",
        "2024-03-06T07:15:00+01:00",
        "Kommunestyret vedtok torsdag at alle ungdomsskoler skal servere frokost fra høsten.",
    ),
}
# A second paragraph for every invented article, so that each is long enough to be an article.
FOLLOW_UP = (
    "Saken oppdateres. Lokalavisa har spurt kommunen og de berørte om en kommentar, og vil "
    "komme tilbake med mer informasjon så snart den foreligger."
)
# Misbehaving routes a URL list may name; each must end as the fetch policy says.
FAULT_PATHS: dict[str, str] = {
    "/slow": "timeout",
    "/flaky/side?fail=1": "ok",
    "/ratelimited/side": "ok",
    "/ratelimited-long/side": "ok",
    "/always-500": "http_error",
    "/truncated": "truncated",
    "/large?bytes=300000": "too_large",
    "/large-unsized?bytes=300000": "too_large",
    "/loop/a": "redirect_loop",
    "/private/hemmelig.html": "robots_disallowed",
    "/missing": "not_found",
    "/removed": "gone",
}
# Bad pages served with status 200 as text/html, and what becomes of each: refused with the
# reason as an extract failure, refused at fetch for its size, or read right in spite of a
# wrong or missing charset.
BAD_PAGES: dict[str, str] = {
    "cut-in-text": "unreadable page: truncated HTML: the page ends inside the article's text",
    "cut-in-tag": "unreadable page: truncated HTML: the page ends inside a tag",
    "binary": "unreadable page: binary content, not an HTML page",
    "huge": "unreadable page: page too large",
    "wrong-charset": "read",
    "no-charset": "read",
}
ETAG = '"v1-etag"'
LAST_MODIFIED = "Mon, 04 Mar 2024 10:00:00 GMT"
STATIC_BODY = "<html><body><p>Værmeldingen for Tromsø er uendret: snø.</p></body></html>".encode()


# An invented local news site, for source-quality tests: each edition has fresh articles of a
# steady make (length, captions, credits, names) that vary the way real articles do.
SITE_PLACES = ("Bodø", "Tromsø", "Ålesund", "Hamar", "Drammen", "Lillehammer", "Molde", "Narvik")
SITE_PEOPLE = ("Ingrid Solberg", "Per Kristiansen", "Marte Haugen", "Jonas Eide", "Siri Lunde", "Anders Moen")
SITE_SENTENCES = (
    "Kommunestyret i {place} behandlet saken på møtet sitt torsdag kveld.",
    "Ordfører {person} sier at kommunen må prioritere skole og eldreomsorg i årene som kommer.",
    "Flere innbyggere har tatt kontakt med lokalavisa om saken de siste ukene.",
    "Budsjettet for neste år er stramt, og administrasjonen foreslår å utsette to byggeprosjekter.",
    "Opposisjonen mener forslaget kommer for sent og vil ha en ny utredning før sommeren.",
    "Fylkeskommunen har lovet å bidra med penger til en ny gang- og sykkelvei langs riksveien.",
    "Ifølge rådmannen vil arbeidet starte tidligst til høsten dersom pengene kommer på plass.",
    "Næringslivet i {place} har lenge etterlyst bedre kollektivtilbud mellom sentrum og flyplassen.",
    "Det er ventet at saken kommer opp igjen i formannskapet i løpet av våren.",
    "Lokale lag og foreninger har samlet inn underskrifter for å bevare svømmehallen.",
    "Nabokommunene følger saken tett fordi de deler flere tjenester med {place}.",
    "{person} understreker at ingen ansatte skal miste jobben som følge av endringene.",
    "Rapporten fra revisjonen peker på at vedlikeholdet av kommunale bygg har vært forsømt i mange år.",
    "Innbyggerne får mulighet til å si sin mening på et folkemøte i kulturhuset neste uke.",
)
SITE_CAPTIONS = ("Kommunestyresalen i {place} var full torsdag.", "{person} under møtet i rådhuset.",
                 "Riksveien gjennom {place} sentrum.")


@dataclass(slots=True)
class SiteEdition:
    """What the news site serves now: its edition (fresh articles), feed length and layout."""

    edition: int = 1
    items: int = 15
    layout: str = "full"  # "teaser": only the opening of each article is in the page


def site_article(edition: int, number: int) -> tuple[str, str, list[str], tuple[str, str] | None]:
    """Title, lede, paragraphs and (caption, credit) of an invented article, the same every time."""
    rng = random.Random(edition * 1000 + number)
    place, person = rng.choice(SITE_PLACES), rng.choice(SITE_PEOPLE)
    title = f"Sak {edition}-{number}: {place} vurderer nye tiltak"
    lede = f"{person} vil ha svar før sommeren, melder lokalavisa i utgave {edition}."
    paragraphs = [" ".join(s.format(place=place, person=person) for s in rng.sample(SITE_SENTENCES, 2))
                  for _ in range(rng.randint(7, 10))]
    caption = None
    if rng.random() < 0.8:
        caption = (rng.choice(SITE_CAPTIONS).format(place=place, person=person),
                   f"Foto: {rng.choice(SITE_PEOPLE)} / NTB")
    return title, lede, paragraphs, caption


def _site_feed(base: str, site: SiteEdition) -> bytes:
    items = "".join(
        f"<item><title>Sak {site.edition}-{n}</title><link>{base}/nettavis/sak/{site.edition}-{n}.html</link>"
        f"<guid isPermaLink=\"false\">sak-{site.edition}-{n}</guid></item>"
        for n in range(1, site.items + 1))
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Nettavisa</title>'
            f"<link>{base}/nettavis/</link><description>Lokale nyheter</description>{items}"
            "</channel></rss>").encode()


def _site_page(slug: str, site: SiteEdition) -> bytes | None:
    try:
        edition, number = (int(part) for part in slug.split("-"))
    except ValueError:
        return None
    title, lede, paragraphs, caption = site_article(edition, number)
    if site.layout == "teaser":  # the rest of the text is loaded by the page's script
        paragraphs = paragraphs[:2]
    figure = (f'<figure><img src="/bilder/{slug}.jpg" alt=""><figcaption>{caption[0]} '
              f'<span class="credit">{caption[1]}</span></figcaption></figure>') if caption else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<!doctype html><html lang="nb"><head><meta charset="utf-8"><title>{title}</title>'
        '<meta property="og:type" content="article">'
        f'<meta property="article:published_time" content="2024-04-{1 + edition % 28:02d}T08:00:00+02:00">'
        f'</head><body><header><nav><a href="/nettavis/">Forsiden</a></nav></header>'
        f'<main><article><h1>{title}</h1><p class="lede"><strong>{lede}</strong></p>{figure}{body}'
        "</article></main><footer><p>Nettavisa, ansvarlig redaktør Ola Redaktør.</p></footer></body></html>"
    ).encode()


@dataclass(frozen=True, slots=True)
class LoggedRequest:
    path: str  # with query string
    headers: dict[str, str]
    at: float  # time.monotonic() on arrival


@dataclass
class ServerState:
    slow_seconds: float = 3.0
    log: list[LoggedRequest] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    in_flight: int = 0
    max_in_flight: int = 0  # the most /pause requests waiting at one moment
    site: SiteEdition = field(default_factory=SiteEdition)

    def enter(self) -> None:
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def leave(self) -> None:
        with self.lock:
            self.in_flight -= 1

    def record(self, path: str, headers: dict[str, str]) -> int:
        """Log a request; return how many times this exact path was asked for before."""
        with self.lock:
            self.log.append(LoggedRequest(path, headers, time.monotonic()))
            seen = self.counters.get(path, 0)
            self.counters[path] = seen + 1
            return seen

    def paths(self) -> list[str]:
        with self.lock:
            return [r.path for r in self.log]

    def requests_for(self, path: str) -> list[LoggedRequest]:
        with self.lock:
            return [r for r in self.log if r.path == path]


def sample_files(kind: str) -> list[Path]:
    directory = SHARED_DATA / "samples" / kind
    return sorted(directory.iterdir()) if directory.is_dir() else []


def _rss(base: str) -> bytes:
    items = []
    for slug, (title, published, _) in ARTICLES.items():
        date = format_datetime(datetime.fromisoformat(published).astimezone(timezone.utc), usegmt=True)
        items.append(
            f"<item><title>{title}</title><link>{base}/artikler/{slug}.html</link>"
            f"<guid isPermaLink=\"false\">{slug}</guid><pubDate>{date}</pubDate></item>"
        )
    for path in sample_files("html"):
        items.append(f"<item><title>{path.stem}</title><link>{base}/samples/html/{path.name}</link></item>")
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Lokale nyheter</title><link>{base}/</link><description>Test</description>"
        + "".join(items) + "</channel></rss>"
    ).encode("utf-8")


def _atom(base: str) -> bytes:
    entries = "".join(
        f"<entry><title>{title}</title><link rel=\"alternate\" href=\"/artikler/{slug}.html\"/>"
        f"<id>urn:nyhetsflyt:{slug}</id><updated>{published}</updated></entry>"
        for slug, (title, published, _) in ARTICLES.items()
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" '
        f'xml:base="{base}/"><title>Lokale nyheter</title><id>urn:nyhetsflyt:feed</id>'
        f"<updated>2024-03-06T07:15:00+01:00</updated>{entries}</feed>"
    ).encode()


def _sitemap_index(base: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{base}/sitemap-artikler.xml</loc><lastmod>2024-03-06</lastmod></sitemap>"
        f"<sitemap><loc>{base}/sitemap-nyheter.xml</loc></sitemap>"
        "</sitemapindex>"
    ).encode()


def _sitemap(base: str) -> bytes:
    urls = "".join(
        f"<url><loc>{base}/artikler/{slug}.html</loc><lastmod>{published[:10]}</lastmod></url>"
        for slug, (_, published, _) in ARTICLES.items()
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    ).encode()


def _news_sitemap(base: str) -> bytes:
    urls = "".join(
        f"<url><loc>{base}/artikler/{slug}.html</loc><news:news><news:publication>"
        "<news:name>Lokalavisa</news:name><news:language>no</news:language></news:publication>"
        f"<news:publication_date>{published}</news:publication_date>"
        f"<news:title>{title}</news:title></news:news></url>"
        for slug, (title, published, _) in ARTICLES.items()
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{urls}</urlset>'
    ).encode()


def _article(slug: str) -> bytes | None:
    if slug not in ARTICLES:
        return None
    title, published, text = ARTICLES[slug]
    return (
        f'<!doctype html><html lang="nb"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta property="article:published_time" content="{published}"></head>'
        f"<body><article><h1>{title}</h1><p>{text}</p><p>{FOLLOW_UP}</p></article></body></html>"
    ).encode()


def _bad_page(kind: str) -> tuple[bytes, str] | None:
    """A bad page and the Content-Type it is served with."""
    title, _, text = ARTICLES["ferje-innstilt"]
    paper = "Sunnhordland" if kind == "no-charset" else "Fjordavisa"  # the two charset pages differ
    words = f"Rederiet beklager og lover at ferja går som normalt igjen i morgen tidlig, skriver {paper}. "
    page = (f'<!doctype html><html lang="nb"><head><meta charset="utf-8"><title>{title}</title></head>'
            f"<body><article><h1>{title}</h1><p>{text}</p><p>{FOLLOW_UP}</p><p>{words * 3}</p>"
            "</article><footer>Fjordavisa</footer></body></html>")
    html = "text/html; charset=utf-8"
    if kind == "cut-in-text":
        return page[:page.index(words) + len(words) * 2 - 20].encode(), html
    if kind == "cut-in-tag":
        return page[:page.index("<footer>") + 4].encode(), html
    if kind == "binary":
        return bytes((i * 7919) % 256 for i in range(64_000)), html
    if kind == "huge":
        filler = "<div class=\"annonse\"><span>Annonse</span></div>\n" * 420_000
        return page.replace("<footer>", filler + "<footer>").encode(), html
    if kind == "wrong-charset":  # UTF-8 bytes, said to be Latin-1 by HTTP and by the page
        return page.replace('charset="utf-8"', 'charset="iso-8859-1"').encode(), "text/html; charset=iso-8859-1"
    if kind == "no-charset":  # windows-1252 bytes, no charset anywhere
        return page.replace('<meta charset="utf-8">', "").encode("cp1252"), "text/html"
    return None


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"  # one request per connection: closing ends every body

    def log_message(self, format, *args):  # keep pytest output clean
        pass

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def _send(self, status: int, body: bytes = b"", content_type: str = "text/html; charset=utf-8",
              headers: dict[str, str] | None = None, length: bool = True) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if length:
            self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if body:
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped reading on purpose (size limit)

    def _send_page(self, body: bytes, content_type: str = "text/html; charset=utf-8") -> None:
        """A page with validators, answering a conditional GET that matches them with 304."""
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        match = self.headers.get("If-None-Match")
        unmodified = match == etag if match is not None else (
            self.headers.get("If-Modified-Since") == LAST_MODIFIED)
        validators = {"ETag": etag, "Last-Modified": LAST_MODIFIED}
        if unmodified:
            return self._send(304, b"", headers=validators, length=False)
        return self._send(200, body, content_type, headers=validators)

    def _redirect(self, location: str, status: int = 302) -> None:
        self._send(status, b"", headers={"Location": location})

    def do_GET(self) -> None:
        self._route()

    def _route(self) -> None:
        state = self.server.state
        seen = state.record(self.path, dict(self.headers.items()))
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query)

        if path == "/robots.txt":
            return self._send(200, ROBOTS_TXT, "text/plain")
        if path == "/nettavis/feed.xml":
            return self._send(200, _site_feed(self.base, state.site), "application/rss+xml")
        if path.startswith("/nettavis/sak/") and path.endswith(".html"):
            page = _site_page(path[len("/nettavis/sak/"):-len(".html")], state.site)
            return self._send_page(page) if page else self._send(404, b"not found")
        if path.startswith("/private/"):
            return self._send(200, b"secret")
        if path.startswith("/samples/"):
            return self._serve_sample(path)
        if path == "/feed.xml":
            return self._send(200, _rss(self.base), "application/rss+xml")
        if path == "/atom.xml":
            return self._send(200, _atom(self.base), "application/atom+xml")
        if path.startswith("/artikler/") and path.endswith(".html"):
            body = _article(path[len("/artikler/"):-len(".html")])
            return self._send_page(body) if body else self._send(404, b"not found")
        if path.startswith("/bad/") and path.endswith(".html"):
            bad = _bad_page(path[len("/bad/"):-len(".html")])
            return self._send(200, *bad) if bad else self._send(404, b"not found")
        if path == "/sitemap_index.xml":
            return self._send(200, _sitemap_index(self.base), "application/xml")
        if path == "/sitemap-artikler.xml":
            return self._send(200, _sitemap(self.base), "application/xml")
        if path == "/sitemap-nyheter.xml":
            return self._send(200, _news_sitemap(self.base), "application/xml")
        if path == "/urls.txt":
            lines = "# artikler\n" + "".join(f"{self.base}/artikler/{s}.html\n" for s in ARTICLES)
            return self._send(200, lines.encode(), "text/plain")
        if path == "/faults.txt":
            lines = "".join(f"{self.base}{p}\n" for p in FAULT_PATHS)
            lines += "".join(f"{self.base}/artikler/{s}.html\n" for s in ARTICLES)
            return self._send(200, lines.encode(), "text/plain")
        if path == "/pause":  # a short wait, so requests overlap when a client lets them
            # Counted around the wait only: a client holds its slot until it has read the
            # answer, so overlapping waits mean overlapping slots, whatever the thread timing.
            state.enter()
            try:
                time.sleep(float(query.get("s", ["0.3"])[0]))
            finally:
                state.leave()
            return self._send(200, b"done", "text/plain")
        if path == "/slow":
            time.sleep(state.slow_seconds)
            return self._send(200, b"too late")
        if path == "/trickle":
            return self._trickle()
        if path.startswith("/flaky/"):
            failures = int(query.get("fail", ["2"])[0])
            return self._send(500, b"oops") if seen < failures else self._send(200, b"recovered")
        if path.startswith("/ratelimited/"):
            return self._send(429, b"", headers={"Retry-After": "1"}) if seen == 0 else self._send(200, b"ok")
        if path.startswith("/ratelimited-long/"):
            return self._send(429, b"", headers={"Retry-After": "3600"}) if seen == 0 else self._send(200, b"ok")
        if path.startswith("/unavailable/"):
            if seen == 0:
                when = datetime.now(timezone.utc) + timedelta(seconds=2)
                return self._send(503, b"", headers={"Retry-After": format_datetime(when, usegmt=True)})
            return self._send(200, b"back")
        if path == "/always-500":
            return self._send(500, b"broken")
        if path == "/truncated":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"x" * 100)
            self.wfile.flush()
            self.close_connection = True
            return None
        if path in ("/large", "/large-unsized"):
            size = int(query.get("bytes", ["100000"])[0])
            return self._send(200, b"a" * size, "text/plain", length=path == "/large")
        if path == "/loop/a":
            return self._redirect("/loop/b")
        if path == "/loop/b":
            return self._redirect(f"{self.base}/loop/a", 301)
        if path.startswith("/chain/"):
            remaining = int(path.rsplit("/", 1)[1])
            return self._redirect(f"/chain/{remaining - 1}") if remaining > 0 else self._send(200, b"end")
        if path == "/redirect-file":
            return self._redirect("file:///etc/passwd")
        if path == "/redirect-private":
            return self._redirect("http://10.255.255.1/")
        if path == "/missing":
            return self._send(404, b"not found")
        if path == "/removed":
            return self._send(410, b"gone")
        if path == "/etag":
            if self.headers.get("If-None-Match") == ETAG:
                return self._send(304, b"", headers={"ETag": ETAG}, length=False)
            return self._send(200, _article("ferje-innstilt") or b"",
                              headers={"ETag": ETAG, "Last-Modified": LAST_MODIFIED})
        if path == "/static":
            return self._send(200, STATIC_BODY)
        return self._send(404, b"no such route")

    def _serve_sample(self, path: str) -> None:
        _, _, kind, name = path.split("/", 3)
        if kind not in ("html", "rss") or "/" in name or name.startswith("."):
            return self._send(404, b"")
        file = SHARED_DATA / "samples" / kind / name
        if not file.is_file():
            return self._send(404, b"")
        content_type = "text/html; charset=utf-8" if kind == "html" else "application/rss+xml"
        return self._send_page(file.read_bytes(), content_type)

    def _trickle(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        try:
            for _ in range(600):
                self.wfile.write(b".")
                self.wfile.flush()
                time.sleep(0.1)
        except (BrokenPipeError, ConnectionResetError):
            pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, state: ServerState):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state


@dataclass
class RunningServer:
    base_url: str
    state: ServerState

    def url(self, path: str) -> str:
        return self.base_url + path


@contextmanager
def serve(slow_seconds: float = 3.0) -> Iterator[RunningServer]:
    state = ServerState(slow_seconds=slow_seconds)
    server = _Server(state)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    try:
        yield RunningServer(f"http://{host}:{port}", state)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

"""Web sources: discover article URLs in feeds and sitemaps, fetch pages politely, remember
what was fetched (validators, content hashes, a fetch log) in PostgreSQL.

Nothing here but the command line (cli.py) knows about Prefect; the flows wrap these functions
in tasks (tasks/fetch.py).
"""

from nyhetsflyt.sources.web.discover import (
    DiscoveredUrl,
    Discovery,
    UnsafeXmlError,
    discover,
    parse_feed,
    parse_sitemap,
    parse_url_list,
)
from nyhetsflyt.sources.web.fetch import (
    Fetcher,
    FetchPolicy,
    HostLimiter,
    IntervalHostLimiter,
)
from nyhetsflyt.sources.web.records import OUTCOMES, FetchResult, Outcome, UrlState

__all__ = [
    "OUTCOMES",
    "DiscoveredUrl",
    "Discovery",
    "FetchPolicy",
    "FetchResult",
    "Fetcher",
    "HostLimiter",
    "IntervalHostLimiter",
    "Outcome",
    "UnsafeXmlError",
    "UrlState",
    "discover",
    "parse_feed",
    "parse_sitemap",
    "parse_url_list",
]

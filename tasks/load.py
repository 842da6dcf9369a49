"""Stage 4: load a batch into PostgreSQL in one transaction, retried when the database is away."""

from __future__ import annotations

import psycopg
from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.tasks import exponential_backoff

from nyhetsflyt.db.connect import resolve_database_url, reused_connection
from nyhetsflyt.db.load import LoadResult, load_articles_isolating_bad
from nyhetsflyt.db.migrate import migrate
from nyhetsflyt.db.stories import fill_prints, fold_backlog
from nyhetsflyt.db.wire import WireExtrasResult, load_pictures_and_packages
from nyhetsflyt.documents import EnrichedArticle, Package, Picture
from nyhetsflyt.settings import Settings
from tasks.timing import record_stage_time, stage_time


def _database_unavailable(task, task_run, state) -> bool:
    """Retry on connection trouble only; content the database refuses will not improve."""
    try:
        state.result()
    except (psycopg.OperationalError, psycopg.InterfaceError):
        return True
    except Exception:
        return False
    return False


@task(
    name="prepare-database",
    cache_policy=NO_CACHE,
    retries=4,
    retry_delay_seconds=exponential_backoff(backoff_factor=2),
    retry_jitter_factor=0.5,
    retry_condition_fn=_database_unavailable,
)
def prepare_database(settings: Settings) -> list[str]:
    """Apply pending migrations to the database these settings name, then give articles stored
    before stories existed their stories, and those stored before the story check kept shingle
    prints their prints (no-ops once the backlogs are empty)."""
    with stage_time("prepare", 1):
        url = resolve_database_url(settings)
        applied = [f"{m.version:04d}_{m.name}" for m in migrate(url)]
        with reused_connection(url) as conn:
            fold_backlog(conn)
            fill_prints(conn)
        return applied


@task(
    name="load-articles",
    cache_policy=NO_CACHE,
    retries=4,
    retry_delay_seconds=exponential_backoff(backoff_factor=2),
    retry_jitter_factor=0.5,
    retry_condition_fn=_database_unavailable,
)
def load_batch(articles: list[EnrichedArticle], settings: Settings, run_id: int | None = None) -> LoadResult:
    # Task parameters stay in the worker (Prefect records only flow parameters), and the
    # settings mask the database URL wherever they are shown.
    with stage_time("load", len(articles)), reused_connection(resolve_database_url(settings)) as conn:
        result = load_articles_isolating_bad(conn, articles, run_id)
    record_stage_time("load.stories", len(articles), result.story_seconds)
    return result


@task(
    name="load-pictures-and-packages",
    cache_policy=NO_CACHE,
    retries=4,
    retry_delay_seconds=exponential_backoff(backoff_factor=2),
    retry_jitter_factor=0.5,
    retry_condition_fn=_database_unavailable,
)
def load_wire_extras(pictures: list[Picture], packages: list[Package], settings: Settings) -> WireExtrasResult:
    """A news agency's picture items and packages, stored as they are (no text to split or enrich)."""
    with stage_time("load", len(pictures) + len(packages)), \
            reused_connection(resolve_database_url(settings)) as conn:
        return load_pictures_and_packages(conn, pictures, packages)

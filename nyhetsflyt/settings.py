"""Every setting Nyhetsflyt takes from its environment, typed once.

This module is the only one that reads the environment. An entry point (a command, a flow
run) makes one `Settings` and hands it, or the values it needs, down to the code it calls;
nothing below reads the environment again, and nothing writes a setting back into it.

Names: `DATABASE_URL` as every PostgreSQL tool spells it, Prefect's own variables under their
own names, everything else `NYHETSFLYT_<FIELD>` (also read from a `.env` file).
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from nyhetsflyt import paths


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NYHETSFLYT_", env_file=".env", extra="ignore")

    # The news database; None: the embedded PostgreSQL under `var_dir`. A secret: it is masked
    # wherever a Settings is shown or stored (a flow run's parameters included).
    database_url: SecretStr | None = Field(default=None, validation_alias="DATABASE_URL")
    # An installed spaCy package or a pipeline folder; None: the shipped model.
    spacy_model: str | None = None
    # Where the embedded PostgreSQL, the local stack and benchmark work files live.
    var_dir: Path = paths.REPO_ROOT / "var"
    # The real sample data beside the checkout (read, never copied into it).
    shared_data: Path = Field(default_factory=lambda: paths.shared_data_beside(paths.REPO_ROOT))
    # The inbox deployment's folders (the local stack and the containers set them).
    inbox: Path | None = None
    archive: Path | None = None
    quarantine: Path | None = None
    # The web source: the User-Agent to send (None: the project's own), and whether hosts that
    # resolve to private or loopback addresses may be fetched (a local test server).
    user_agent: str | None = None
    allow_private: bool = False
    # Where alerts are POSTed by the automations.
    alert_webhook: SecretStr | None = None
    # Drift of a source's quality figures (nyhetsflyt/quality/): a run is judged against the
    # median and MAD of the source's last `quality_baseline_runs` runs, once it has at least
    # `quality_min_history` of them; outside `quality_mad_factor` scaled MADs (and the figure's
    # own least change) is drift.
    quality_baseline_runs: int = Field(default=10, ge=2)
    quality_min_history: int = Field(default=3, ge=1)
    quality_mad_factor: float = Field(default=3.0, gt=0)
    # A source that has published before and then brings no new article for this long is
    # reported by the `nyhetsflyt-source-silent` automation.
    source_quiet_minutes: int = Field(default=360, ge=1)
    # A Dask scheduler to run the NLP stage on (tcp://host:8786).
    dask_address: str | None = None
    # The Prefect server's own database, for `nyhetsflyt stack up`.
    prefect_database_url: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("PREFECT_SERVER_DATABASE_CONNECTION_URL"))
    # The Prefect API the commands talk to (None: an ephemeral one in the process).
    prefect_api_url: str | None = Field(default=None, validation_alias=AliasChoices("PREFECT_API_URL"))

    def database(self) -> str | None:
        """The database URL as given, or None for the embedded default."""
        return self.database_url.get_secret_value() if self.database_url else None

    def with_database(self, url: str | None) -> Settings:
        """These settings with another database (None keeps the current one)."""
        return self.model_copy(update={"database_url": SecretStr(url)}) if url else self


def process_environment() -> dict[str, str]:
    """A copy of this process's environment, for the child processes a command starts."""
    return dict(os.environ)


def keep_prefect_local() -> None:
    """Keep Prefect to the hosts it is given: its server would otherwise send anonymous usage
    statistics to Prefect's hosts (and on a first ephemeral start that write races the
    migrations). A value the user set is left alone."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

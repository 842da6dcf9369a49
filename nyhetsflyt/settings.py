"""Settings read from the environment (and `.env`), typed once."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NYHETSFLYT_", env_file=".env", extra="ignore")

    # DATABASE_URL is read without the prefix, as every PostgreSQL tool does.
    database_url: str | None = Field(default=None, validation_alias="DATABASE_URL")
    spacy_model: str | None = None
    batch_size: int = Field(default=64, ge=1, le=10_000)
    max_file_bytes: int = Field(default=20 * 1024 * 1024, ge=1)


def get_settings() -> Settings:
    return Settings()

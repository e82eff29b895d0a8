"""Every knob of solibot, read from the environment (or a .env file) by pydantic-settings."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.surfaces import SMS_MAX_SEGMENTS
from handlers import HOME_DEPARTMENTS

DEFAULT_URL = "sqlite:///data/solibot.db"
# Soliguide's production API: `https://api.${baseDomain}` in solinumasso/soliguide's deployment workflow
# (.github/workflows/_deploy-to-environment.yml, baseDomain soliguide.fr).
SOLIGUIDE_API_URL = "https://api.soliguide.fr"
SYNC_EVERY_AT_LEAST = timedelta(minutes=5)  # Soliguide's servers are shared by every partner
DEVELOPMENT_SECRET = "solibot-local-development-only"  # noqa: S105 - public on purpose, refused in production


def _default_cache_dir() -> Path:
    """$XDG_CACHE_HOME/solibot, else ~/.cache/solibot (the Docker image's user has a home)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "solibot"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    solibot_env: Literal["development", "production"] = Field(
        default="development",
        description="production refuses the development USER_KEY_SECRET (the Docker image sets it)",
    )
    database_url: str = Field(default=DEFAULT_URL, description="sqlite:///path or postgresql://user@host/db")
    redis_url: str | None = Field(
        default=None, description="redis://host:6379/0: shared sessions and de-duplication"
    )
    user_key_secret: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_SECRET),
        description="HMAC key turning a phone number or chat id into a user key; set it in production",
    )
    session_ttl_seconds: int = Field(default=24 * 3600, ge=60)
    home_departments: tuple[str, ...] = Field(
        default=HOME_DEPARTMENTS, description="tie-break for homonym towns"
    )
    geocoder: Literal["offline", "ban", "nominatim"] = "offline"
    geocoder_domain: str | None = Field(default=None, description="self-hosted addok / Nominatim host")
    geocoder_timeout_seconds: float = Field(default=1.5, gt=0)
    seed_sample: bool = Field(
        default=True,
        description="chat and Telegram polling seed an empty SQLite database with the sample; serve never",
    )

    public_base_url: str | None = Field(
        default=None, description="https://host as Twilio sees it, behind a proxy"
    )
    twilio_auth_token: SecretStr | None = None
    twilio_account_sid: str | None = None
    twilio_from_number: str | None = None
    twilio_api_base: str = Field(
        default="https://api.twilio.com", description="Twilio's REST API; a local stand-in in tests"
    )
    send_sms_per_hour: int = Field(
        default=30, ge=1, description="places an operator may send to people by SMS in an hour"
    )
    sms_max_segments: int = Field(default=SMS_MAX_SEGMENTS, ge=1, le=10)
    reports_per_day: int = Field(
        default=10,
        ge=1,
        description="places one sender may report wrong in a day; more are thanked, not kept",
    )
    sms_rest_threshold_seconds: float = Field(default=8.0, gt=0)
    turn_concurrency: int = Field(default=4, ge=1, description="turns computed at once per worker")
    turn_deadline_seconds: float = Field(
        default=10.0, gt=0, description="past it a turn answers the unavailable notice (Twilio waits 15 s)"
    )

    telegram_bot_token: SecretStr | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_webhook_url: str | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"

    soliguide_api_url: str = Field(default=SOLIGUIDE_API_URL, description="Soliguide's partner API")
    soliguide_api_token: SecretStr | None = Field(
        default=None, description="a partner account's JWT, for `solibot sync soliguide`"
    )
    soliguide_sync_every: timedelta | None = Field(
        default=None, description="solibot serve syncs this often (seconds, or ISO 8601 like PT6H)"
    )
    soliguide_sync_departments: tuple[str, ...] | None = Field(
        default=None, description="department codes the sync covers; HOME_DEPARTMENTS when unset"
    )

    stats_retention_days: int = Field(
        default=400, ge=31, description="raw search events older than this are folded into monthly counts"
    )
    stats_token: SecretStr | None = Field(default=None, description="opens /stats (Bearer or ?token=)")
    webchat_frame_ancestors: str = Field(
        default="*",
        description="who may embed the public /chat in an iframe: CSP frame-ancestors sources, "
        "e.g. 'https://partner.example https://kiosk.example' ('self' for nobody else)",
    )

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "WARNING"
    log_format: Literal["text", "json"] = Field(default="text", description="json: one JSON object a line")
    cache_dir: Path | None = Field(
        default_factory=_default_cache_dir,
        description="where the town, word and crisis-phrase indexes are kept between starts; empty: nowhere",
    )

    def secret_values(self) -> tuple[str, ...]:
        """What the logs must never show (bot/logs.py redacts it)."""
        found = (
            self.user_key_secret,
            self.twilio_auth_token,
            self.telegram_bot_token,
            self.telegram_webhook_secret,
            self.soliguide_api_token,
            self.stats_token,
        )
        return tuple(s.get_secret_value() for s in found if s is not None)

    @field_validator("cache_dir", mode="before")
    @classmethod
    def _no_cache(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _no_development_secret_in_production(self) -> Settings:
        """With the public default, a stored user key is turned back into its phone number in minutes
        (every French mobile number hashed with it): refused wherever real people write."""
        real = self.solibot_env == "production" or self.twilio_auth_token or self.telegram_bot_token
        if real and self.user_key_secret.get_secret_value() == DEVELOPMENT_SECRET:
            raise ValueError(
                "USER_KEY_SECRET is the public development default: set a long random secret "
                "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
            )
        return self

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.telegram_webhook_url and not (self.telegram_bot_token and self.telegram_webhook_secret):
            raise ValueError("TELEGRAM_WEBHOOK_URL needs TELEGRAM_BOT_TOKEN and TELEGRAM_WEBHOOK_SECRET")
        return self

    @field_validator("soliguide_sync_every", mode="before")
    @classmethod
    def _seconds(cls, value: object) -> object:
        """A plain number is seconds, as in every other *_SECONDS variable (pydantic reads a string
        only as ISO 8601 or HH:MM:SS)."""
        if isinstance(value, str) and value.strip().replace(".", "", 1).isdigit():
            return float(value)
        return value

    @field_validator("webchat_frame_ancestors")
    @classmethod
    def _frame_sources(cls, value: str) -> str:
        """Sources only: a ";" or a line break would add directives to the header, or split it."""
        if not value.strip() or any(ch in value for ch in ';,\r\n"') or not value.isprintable():
            raise ValueError("space-separated CSP sources like https://partner.example, * or 'self'")
        return value.strip()

    @field_validator("soliguide_api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("SOLIGUIDE_API_URL must start with https://")
        return value

    @field_validator("twilio_api_base")
    @classmethod
    def _twilio_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("TWILIO_API_BASE must start with https://")
        return value

    @field_validator("soliguide_sync_every")
    @classmethod
    def _not_too_often(cls, value: timedelta | None) -> timedelta | None:
        """A field check, not a model one: pydantic's message then quotes this value alone, never the
        whole input with its secrets."""
        if value is not None and value < SYNC_EVERY_AT_LEAST:
            raise ValueError(f"must be at least {SYNC_EVERY_AT_LEAST.total_seconds():.0f} s")
        return value

    @model_validator(mode="after")
    def _sync_needs_token(self) -> Settings:
        if self.soliguide_sync_every is not None and self.soliguide_api_token is None:
            raise ValueError("SOLIGUIDE_SYNC_EVERY needs SOLIGUIDE_API_TOKEN")
        return self

    def sync_departments(self) -> tuple[str, ...]:
        return self.soliguide_sync_departments or self.home_departments

"""Settings from the environment (pydantic-settings), one cached instance per process."""

from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Relative paths in the settings (the zero-setup SQLite file, broker folder, attachments, mail)
# are taken from the project folder, so every command finds the same files from any directory.
PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Values that must never reach production: the development defaults below.
# The development key is 32+ bytes, as PyJWT wants for HMAC-SHA256 (it warns on each token
# otherwise); it is still refused outside development.
_DEVELOPMENT_SECRET = "development-only-secret-key-never-use-in-production"
_PLACEHOLDER_SECRETS = {
    "change-me",
    "changeme",
    "secret",
    "development-only-secret-key",
    _DEVELOPMENT_SECRET,
}


class Settings(BaseSettings):
    """Everything configurable, read from environment variables (or a `.env` file)."""

    # The project's .env, then one in the working directory (which wins where both set a value).
    model_config = SettingsConfigDict(env_file=(PROJECT_ROOT / ".env", ".env"), extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///var/committee.db"
    # With a host named, kombu does not warn "No hostname was supplied" in every process.
    broker_url: str = "filesystem://localhost/"
    # The zero-setup broker: kombu's filesystem transport keeps messages in this folder.
    broker_folder: Path = Path("var/broker")
    secret_key: str = _DEVELOPMENT_SECRET
    # A token names a server-side session that logout, a password change or deactivation
    # revokes at once; this bounds how long a token that leaked stays usable.
    access_token_minutes: int = Field(default=60, ge=1, le=24 * 60)
    # Log-in throttling (see README, Security): failures are counted per account and per
    # client address over a window; past the limit, log-ins wait a delay that doubles with
    # each further failure, up to LOGIN_LOCKOUT_MAX_SECONDS (short, so an attacker cannot
    # keep a person out of their account for long).
    login_failure_window_seconds: int = Field(default=15 * 60, ge=1)
    login_account_max_failures: int = Field(default=5, ge=1)
    login_client_max_failures: int = Field(default=20, ge=1)
    login_lockout_max_seconds: int = Field(default=5 * 60, ge=1)
    password_min_length: int = Field(default=10, ge=8, le=128)
    # How long the single-use links of an invitation and of a password reset stay valid.
    invitation_hours: int = Field(default=72, ge=1)
    password_reset_minutes: int = Field(default=30, ge=1)
    # Concurrent argon2 runs per process (64 MiB each); more wait, up to the seconds below.
    password_hash_concurrency: int = Field(default=2, ge=1)
    password_hash_wait_seconds: float = Field(default=10.0, gt=0)
    attachments_dir: Path = Path("var/attachments")
    attachment_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1)
    # Storage limits (see README, Security): what one proposal, one organisation may hold.
    attachments_per_proposal_max: int = Field(default=50, ge=1)
    attachments_per_organisation_max: int = Field(default=2000, ge=1)
    webhooks_per_organisation_max: int = Field(default=10, ge=1)
    # Every other request body (JSON, forms) is read into memory: 1 MiB is far above any real
    # proposal or review and keeps one client from filling a worker's memory.
    request_body_max_bytes: int = Field(default=1024 * 1024, ge=1024)
    public_url: str = "http://127.0.0.1:8000"
    # Pagination defaults for every list endpoint.
    page_size_default: int = Field(default=50, ge=1)
    page_size_max: int = Field(default=200, ge=1)
    # Idempotency keys are kept this long, then may be reused.
    idempotency_hours: int = Field(default=24, ge=1)
    # A request retried with the same key while the first still runs waits this long for its
    # answer; a key claimed by a request that died is taken over after IDEMPOTENCY_CLAIM_SECONDS.
    idempotency_wait_seconds: float = Field(default=30.0, gt=0)
    idempotency_claim_seconds: int = Field(default=120, ge=1)
    # Outbox rows older than this and still unsent are re-sent by the sweeper.
    outbox_resend_seconds: int = Field(default=30, ge=1)
    task_time_limit_seconds: int = Field(default=300, ge=10)
    # Just above the longest task's hard time limit, so a running task is never delivered
    # twice, yet a killed worker's unacknowledged message comes back within minutes.
    broker_visibility_timeout_seconds: int = Field(default=360, ge=10)
    # How long (seconds) each state may last before the deadline scan acts: automated stages
    # are re-driven, a late decision is escalated to the chairs. Override as JSON, e.g.
    # SLA_SECONDS='{"screening": 300}'. Review due dates come from REVIEW_DAYS.
    sla_seconds: dict[str, int] = Field(
        default_factory=lambda: {
            "screening": 600,
            "analysis": 600,
            "assignment": 3600,
            "deliberation": 7 * 24 * 3600,
        }
    )
    review_days: int = Field(default=14, ge=1, description="time a reviewer has for a review")
    reminder_hours_before_due: int = Field(default=48, ge=1)
    deadline_scan_seconds: int = Field(default=60, ge=1)
    # A proposal in review whose quorum is in, or with a reviewer's slot empty, and quiet this
    # long has lost its quorum check or replacement (the broker lost it): the scan queues both.
    job_lost_after_seconds: int = Field(default=300, ge=1)
    # A pipeline stage that failed this many times is marked stalled for an admin to re-drive.
    stage_max_attempts: int = Field(default=5, ge=1)
    # Outgoing e-mail; with no SMTP_HOST, e-mails are written to MAIL_DIR and the log and marked
    # `logged`, not `sent` (the zero-setup demo has no mail server).
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_from: str = "committee@localhost"
    # Without SMTP_HOST each e-mail is written here as <notification id>.eml (and logged).
    mail_dir: Path = Path("var/mail")
    webhook_timeout_seconds: float = Field(default=5.0, gt=0)
    # Webhook URLs come from applicants and are called from inside our network, so by default
    # they may only reach public addresses. Tests and local development post to a receiver on
    # 127.0.0.1 and turn this on; production must not.
    webhook_allow_private: bool = False
    notification_max_attempts: int = Field(default=6, ge=1)
    # A notification still pending after this long without a delivery attempt (its batch
    # failed, or its retry could not be sent) is queued again by the deadline scan.
    notification_resend_seconds: int = Field(default=600, ge=60)
    # When set, the API's /metrics wants `Authorization: Bearer <token>` (Prometheus:
    # `authorization: {credentials: ...}`); unset, it is open for a private monitoring network.
    metrics_token: SecretStr | None = None
    # In production /metrics without METRICS_TOKEN is closed unless this says the monitoring
    # network is private enough to leave it open.
    metrics_public: bool = False
    # /docs and /openapi.json: served outside production; in production only when true.
    api_docs: bool | None = None

    @property
    def api_docs_enabled(self) -> bool:
        return self.api_docs if self.api_docs is not None else self.environment != "production"

    # `committee worker` serves its task metrics for Prometheus on this port (0: not served).
    worker_metrics_port: int = Field(default=0, ge=0, le=65535)

    @model_validator(mode="after")
    def _name_the_filesystem_broker_host(self) -> "Settings":
        if self.broker_url == "filesystem://":  # the transport ignores the host: same broker
            self.broker_url = "filesystem://localhost/"
        return self

    @model_validator(mode="after")
    def _anchor_relative_paths(self) -> "Settings":
        sqlite = "sqlite:///"
        relative = not self.database_url.startswith((sqlite + "/", sqlite + ":memory:"))
        if self.database_url.startswith(sqlite) and relative:
            self.database_url = sqlite + str(PROJECT_ROOT / self.database_url.removeprefix(sqlite))
        for name in ("broker_folder", "attachments_dir", "mail_dir"):
            path = getattr(self, name)
            if not path.is_absolute():
                setattr(self, name, PROJECT_ROOT / path)
        return self

    @model_validator(mode="after")
    def _visibility_above_time_limit(self) -> "Settings":
        if self.broker_visibility_timeout_seconds <= self.task_time_limit_seconds:
            raise ValueError(
                "BROKER_VISIBILITY_TIMEOUT_SECONDS must exceed TASK_TIME_LIMIT_SECONDS, or a "
                "running task would be delivered to a second worker"
            )
        return self

    @model_validator(mode="after")
    def _no_private_webhooks_in_production(self) -> "Settings":
        if self.environment == "production" and self.webhook_allow_private:
            raise ValueError(
                "WEBHOOK_ALLOW_PRIVATE=true is refused in production: webhooks would reach the "
                "internal network (database, broker, cloud metadata)"
            )
        return self

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> "Settings":
        if self.environment != "development" and (
            self.secret_key in _PLACEHOLDER_SECRETS or len(self.secret_key) < 32
        ):
            raise ValueError(
                "SECRET_KEY must be set to a random value of at least 32 characters "
                f"outside development (ENVIRONMENT={self.environment})"
            )
        return self


@cache
def get_settings() -> Settings:
    """The process-wide settings; tests clear the cache after changing the environment."""
    return Settings()

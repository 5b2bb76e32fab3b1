"""Settings: embedded defaults overridden by REPAIR_* environment variables.

This is the only module that reads ``os.environ``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

CHECKOUT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class PortalConfig:
    """One credit portal that receives our repair conclusions (互认).

    `workflows` lists the workflows whose conclusions it receives ("*" = all); `denials` the workflows
    whose denials (不予修复) it receives as well — grants and revocations always go to a receiving portal.
    """

    name: str
    adapter: str = "file"  # file | http
    url: str | None = None
    secret: str | None = None
    workflows: tuple[str, ...] = ("*",)
    denials: tuple[str, ...] = ()


SAMR_WORKFLOWS = ("samr_penalty_repair", "anomaly_list_removal")
# GSXT publishes market-regulation items only, and SAMR practice pushes denials there too; 信用中国 and
# the Shanghai platform receive every repair workflow's grants and revocations, but no denials.
DEFAULT_PORTALS = (
    PortalConfig("creditchina"),
    PortalConfig("gsxt", workflows=SAMR_WORKFLOWS, denials=SAMR_WORKFLOWS),
    PortalConfig("shanghai"),
)


@dataclass(frozen=True)
class SecuritySettings:
    """Sign-in, session and proxy policy (README: Security); every value has a REPAIR_* variable."""

    # Addresses or networks of reverse proxies whose X-Forwarded-For/-Proto are believed (empty: none).
    trusted_proxies: tuple[str, ...] = ()
    session_idle_minutes: int = 30
    session_absolute_hours: int = 8
    lock_after_failures: int = 5
    lock_minutes: int = 15
    # Per client address: failures before delays start, and the longest delay (seconds).
    address_free_failures: int = 10
    address_max_delay: int = 60
    password_max_age_days: int = 90  # 0: passwords never expire
    mfa_roles: tuple[str, ...] = ("admin", "security_admin", "audit_admin", "reviewer", "auditor")
    totp_issuer: str = "信用修复系统"


@dataclass(frozen=True)
class OidcSettings:
    """Sign-in through the district's unified identity platform (OpenID Connect); README: Unified identity.

    Off unless REPAIR_OIDC_ISSUER is set. The ID token's `uscc_claim` maps to an enterprise account,
    else its `username_claim` to a staff account; `mfa_acr`/`mfa_amr` name the provider's `acr` values and
    `amr` methods that count as the second factor for roles that need one (empty: our TOTP step still applies).
    """

    issuer: str
    client_id: str
    client_secret: str
    uscc_claim: str = "uscc"
    username_claim: str = "preferred_username"
    scope: str = "openid profile"
    mfa_acr: tuple[str, ...] = ()
    mfa_amr: tuple[str, ...] = ()
    redirect_uri: str | None = None  # default: this site's /login/oidc/callback as the request sees it
    timeout: float = 10.0

    @property
    def metadata_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


@dataclass(frozen=True)
class Settings:
    """Everything configurable, resolved once at start."""

    instance_path: Path
    database_url: str
    workflows_dir: Path = CHECKOUT / "workflows"
    letters_dir: Path = CHECKOUT / "letters"
    templates_dir: Path = CHECKOUT / "templates"
    # Production seals: a folder of <DEPARTMENT_CODE>.p12 files and their shared passphrase.
    seal_p12_dir: Path | None = None
    seal_p12_password: str | None = None
    # Extra trusted root certificates (PEM files) for `repair seal verify`.
    trust_roots: tuple[Path, ...] = ()
    tsa_url: str | None = None
    # Revocation sources for seals (production): an OCSP responder and a CRL to use instead of the URLs
    # in the certificates; unset, the certificates' own URLs (or the development PKI) are used.
    ocsp_url: str | None = None
    crl_url: str | None = None
    secret_key: str | None = None
    # Plain-HTTP deployments (no TLS in front) need session cookies without the Secure flag.
    insecure_cookies: bool = False
    # Named in every letter's remedies sentence (行政复议机关 / 人民法院).
    district_government: str = "上海市某区人民政府"
    district_court: str = "上海市某区人民法院"
    # Local practice, unconfirmed nationally: refuse a repair within this many months of the last one, citing
    # the local rule that says so (both or neither: a refusal names its legal basis).
    repeat_repair_window_months: int | None = None
    repeat_repair_basis: str | None = None
    extra: dict = field(default_factory=dict)
    # Outbound sync (互认): target portals, retry policy (seconds) and HTTP timeouts.
    sync_portals: tuple[PortalConfig, ...] = DEFAULT_PORTALS
    sync_backoff_base: float = 30.0
    sync_backoff_cap: float = 3600.0
    sync_max_attempts: int = 10
    sync_connect_timeout: float = 5.0
    sync_read_timeout: float = 15.0
    sync_lease_seconds: int = 300
    # The department that audits time-limit compliance and seals the audit report (default: the credit office).
    auditing_department: str = "FGW"
    # Departments (认定单位): full names, USCC, remedies bodies, payment account, seal texts (default
    # <instance>/departments.yaml, written by `repair init`); see repair.domain.departments.
    departments_path: Path | None = None
    # 双公示 import: extra "处罚类别=minor|general|serious" items over the Order 36 default mapping.
    tier_map: str = ""
    # National-standard documents (issue 16): formats issued ("pdf", "ofd"), production SM2 seals
    # (<CODE>.key.pem, <CODE>.cert.pem, <CODE>.seal.der) and extra trusted SM2 roots (PEM files).
    document_formats: tuple[str, ...] = ("pdf",)
    sm2_seal_dir: Path | None = None
    sm2_trust_roots: tuple[Path, ...] = ()
    # Several machines (issue 15): where blobs live (fs | postgresql; None = postgresql on PostgreSQL, else fs),
    # how jobs run (inline in the caller's process | queue for `repair worker`) and the workers' heartbeat (s).
    blob_store: str | None = None
    jobs: str = "inline"
    worker_heartbeat: float = 10.0
    security: SecuritySettings = SecuritySettings()
    oidc: OidcSettings | None = None

    @property
    def keys_dir(self) -> Path:
        """Development CA and department keys generated by `repair init`."""
        return self.instance_path / "keys"

    @property
    def departments_file(self) -> Path:
        """The department file (REPAIR_DEPARTMENTS_FILE, else departments.yaml in the instance folder)."""
        return self.departments_path or self.instance_path / "departments.yaml"

    @property
    def documents_dir(self) -> Path:
        """Content-addressed store of generated documents."""
        return self.instance_path / "documents"

    @property
    def outbox_dir(self) -> Path:
        """File-drop sync adapter's folder."""
        return self.instance_path / "outbox"

    @property
    def uploads_dir(self) -> Path:
        """Uploaded materials (file blob store)."""
        return self.instance_path / "uploads"

    def with_overrides(self, **changes) -> "Settings":
        """Return a copy with some fields replaced (tests, CLI options)."""
        return replace(self, **changes)


def _repeat_basis(window: str | None, basis: str | None) -> str | None:
    """REPAIR_REPEAT_REPAIR_BASIS: the citation of the local rule; required with the window, refused without."""
    basis = (basis or "").strip() or None
    if window and not basis:
        raise ValueError("设置 REPAIR_REPEAT_REPAIR_WINDOW_MONTHS 时须以 REPAIR_REPEAT_REPAIR_BASIS 写明本地规则的出处"
                         "（如《某区信用修复管理办法》第十条） / REPAIR_REPEAT_REPAIR_WINDOW_MONTHS needs "
                         "REPAIR_REPEAT_REPAIR_BASIS, the citation of the local rule")
    if basis and not window:
        raise ValueError("REPAIR_REPEAT_REPAIR_BASIS 仅与 REPAIR_REPEAT_REPAIR_WINDOW_MONTHS 一同使用 / "
                         "REPAIR_REPEAT_REPAIR_BASIS applies only with REPAIR_REPEAT_REPAIR_WINDOW_MONTHS")
    return basis


def _path_list(value: str | None) -> tuple[Path, ...]:
    return tuple(Path(p) for p in (value or "").split(os.pathsep) if p)


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def load_settings(environ: dict | None = None) -> Settings:
    """Resolve settings from the environment (defaults: everything under the checkout's instance/)."""
    env = os.environ if environ is None else environ
    instance = Path(env.get("REPAIR_INSTANCE_PATH") or CHECKOUT / "instance").resolve()
    url = env.get("REPAIR_DATABASE_URL") or f"sqlite:///{instance / 'repair.db'}"
    window = env.get("REPAIR_REPEAT_REPAIR_WINDOW_MONTHS")
    return Settings(
        instance_path=instance,
        database_url=url,
        workflows_dir=Path(env.get("REPAIR_WORKFLOWS_DIR") or CHECKOUT / "workflows"),
        letters_dir=Path(env.get("REPAIR_LETTERS_DIR") or CHECKOUT / "letters"),
        seal_p12_dir=Path(env["REPAIR_SEAL_P12_DIR"]) if env.get("REPAIR_SEAL_P12_DIR") else None,
        seal_p12_password=env.get("REPAIR_SEAL_P12_PASSWORD"),
        trust_roots=_path_list(env.get("REPAIR_TRUST_ROOTS")),
        tsa_url=env.get("REPAIR_TSA_URL") or None,
        ocsp_url=env.get("REPAIR_OCSP_URL") or None,
        crl_url=env.get("REPAIR_CRL_URL") or None,
        secret_key=env.get("REPAIR_SECRET_KEY") or None,
        insecure_cookies=_flag(env.get("REPAIR_INSECURE_COOKIES")),
        repeat_repair_window_months=int(window) if window else None,
        repeat_repair_basis=_repeat_basis(window, env.get("REPAIR_REPEAT_REPAIR_BASIS")),
        district_government=env.get("REPAIR_DISTRICT_GOVERNMENT") or "上海市某区人民政府",
        district_court=env.get("REPAIR_DISTRICT_COURT") or "上海市某区人民法院",
        sync_portals=_sync_portals(env),
        sync_backoff_base=float(env.get("REPAIR_SYNC_BACKOFF_BASE") or 30),
        sync_backoff_cap=float(env.get("REPAIR_SYNC_BACKOFF_CAP") or 3600),
        sync_max_attempts=int(env.get("REPAIR_SYNC_MAX_ATTEMPTS") or 10),
        sync_connect_timeout=float(env.get("REPAIR_SYNC_CONNECT_TIMEOUT") or 5),
        sync_read_timeout=float(env.get("REPAIR_SYNC_READ_TIMEOUT") or 15),
        sync_lease_seconds=int(env.get("REPAIR_SYNC_LEASE_SECONDS") or 300),
        auditing_department=(env.get("REPAIR_AUDITING_DEPARTMENT") or "FGW").strip().upper(),
        departments_path=Path(env["REPAIR_DEPARTMENTS_FILE"]) if env.get("REPAIR_DEPARTMENTS_FILE") else None,
        tier_map=env.get("REPAIR_TIER_MAP") or "",
        document_formats=_document_formats(env.get("REPAIR_DOCUMENT_FORMATS")),
        sm2_seal_dir=Path(env["REPAIR_SM2_SEAL_DIR"]) if env.get("REPAIR_SM2_SEAL_DIR") else None,
        sm2_trust_roots=_path_list(env.get("REPAIR_SM2_TRUST_ROOTS")),
        blob_store=(env.get("REPAIR_BLOB_STORE") or "").strip().lower() or None,
        jobs=(env.get("REPAIR_JOBS") or ("queue" if _is_postgresql(url) else "inline")).strip().lower(),
        worker_heartbeat=float(env.get("REPAIR_WORKER_HEARTBEAT") or 10),
        security=_security(env),
        oidc=_oidc(env),
    )


def _security(env) -> SecuritySettings:
    """REPAIR_TRUSTED_PROXIES, REPAIR_SESSION_*, REPAIR_LOCK_*, REPAIR_PASSWORD_MAX_AGE_DAYS, REPAIR_MFA_ROLES."""
    base = SecuritySettings()

    def number(name: str, default: int) -> int:
        value = env.get(name)
        if value is None or not value.strip():
            return default
        if not value.strip().isascii() or not value.strip().isdigit():
            raise ValueError(f"{name} 须为非负整数 / {name} must be a non-negative integer, got {value!r}")
        return int(value)

    return SecuritySettings(
        trusted_proxies=_names(env.get("REPAIR_TRUSTED_PROXIES"), ()),
        session_idle_minutes=number("REPAIR_SESSION_IDLE_MINUTES", base.session_idle_minutes),
        session_absolute_hours=number("REPAIR_SESSION_HOURS", base.session_absolute_hours),
        lock_after_failures=number("REPAIR_LOCK_AFTER_FAILURES", base.lock_after_failures),
        lock_minutes=number("REPAIR_LOCK_MINUTES", base.lock_minutes),
        address_free_failures=number("REPAIR_ADDRESS_FREE_FAILURES", base.address_free_failures),
        address_max_delay=number("REPAIR_ADDRESS_MAX_DELAY", base.address_max_delay),
        password_max_age_days=number("REPAIR_PASSWORD_MAX_AGE_DAYS", base.password_max_age_days),
        mfa_roles=_names(env.get("REPAIR_MFA_ROLES"), base.mfa_roles),
        totp_issuer=env.get("REPAIR_TOTP_ISSUER") or base.totp_issuer,
    )


def _oidc(env) -> OidcSettings | None:
    """REPAIR_OIDC_ISSUER (off when unset), _CLIENT_ID, _CLIENT_SECRET, _USCC_CLAIM, _USERNAME_CLAIM, _SCOPE,
    _MFA_ACR, _MFA_AMR, _REDIRECT_URI, _TIMEOUT."""
    issuer = (env.get("REPAIR_OIDC_ISSUER") or "").strip()
    if not issuer:
        return None
    client_id = (env.get("REPAIR_OIDC_CLIENT_ID") or "").strip()
    secret = env.get("REPAIR_OIDC_CLIENT_SECRET") or ""
    if not client_id or not secret:
        raise ValueError("统一身份认证需要客户端标识和密钥 / REPAIR_OIDC_CLIENT_ID and REPAIR_OIDC_CLIENT_SECRET "
                         "are required with REPAIR_OIDC_ISSUER")
    if not issuer.startswith("https://") and not _loopback(issuer):
        raise ValueError(f"统一身份认证地址须为 https / REPAIR_OIDC_ISSUER must be an https URL "
                         f"(plain http only on loopback), got {issuer!r}")
    base = OidcSettings(issuer=issuer, client_id=client_id, client_secret=secret)
    uscc_claim = env.get("REPAIR_OIDC_USCC_CLAIM")
    username_claim = env.get("REPAIR_OIDC_USERNAME_CLAIM")
    return replace(
        base,
        uscc_claim=base.uscc_claim if uscc_claim is None else uscc_claim.strip(),
        username_claim=base.username_claim if username_claim is None else username_claim.strip(),
        scope=(env.get("REPAIR_OIDC_SCOPE") or base.scope).strip(),
        mfa_acr=_names(env.get("REPAIR_OIDC_MFA_ACR"), ()),
        mfa_amr=_names(env.get("REPAIR_OIDC_MFA_AMR"), ()),
        redirect_uri=(env.get("REPAIR_OIDC_REDIRECT_URI") or "").strip() or None,
        timeout=float(env.get("REPAIR_OIDC_TIMEOUT") or base.timeout),
    )


def _loopback(url: str) -> bool:
    return urlsplit(url).scheme == "http" and urlsplit(url).hostname in ("127.0.0.1", "::1", "localhost")


def _document_formats(value: str | None) -> tuple[str, ...]:
    """REPAIR_DOCUMENT_FORMATS: pdf (default), ofd, or both (also "pdf,ofd")."""
    names = _names((value or "pdf").replace("both", "pdf,ofd"), ("pdf",))
    unknown = [n for n in names if n not in ("pdf", "ofd")]
    if unknown or not names:
        raise ValueError(f"文书格式无效 / REPAIR_DOCUMENT_FORMATS must be pdf, ofd or both, got {value!r}")
    return tuple(f for f in ("pdf", "ofd") if f in names)


def _is_postgresql(url: str) -> bool:
    return url.startswith("postgres")


def _names(value: str | None, default: tuple[str, ...]) -> tuple[str, ...]:
    if value is None:
        return default
    return tuple(n.strip() for n in value.split(",") if n.strip())


def _sync_portals(env) -> tuple[PortalConfig, ...]:
    """REPAIR_SYNC_PORTALS=a,b and per portal REPAIR_SYNC_<NAME>_{ADAPTER,URL,SECRET,WORKFLOWS,DENIALS}."""
    known = {p.name: p for p in DEFAULT_PORTALS}
    portals = []
    for name in _names(env.get("REPAIR_SYNC_PORTALS"), tuple(known)):
        base = known.get(name, PortalConfig(name))
        prefix = f"REPAIR_SYNC_{name.upper()}_"
        portal = PortalConfig(
            name=name, adapter=(env.get(prefix + "ADAPTER") or base.adapter).strip().lower(),
            url=env.get(prefix + "URL") or base.url, secret=env.get(prefix + "SECRET") or base.secret,
            workflows=_names(env.get(prefix + "WORKFLOWS"), base.workflows),
            denials=_names(env.get(prefix + "DENIALS"), base.denials))
        if portal.adapter not in ("file", "http"):
            raise ValueError(f"同步适配器无效 / {prefix}ADAPTER must be file or http, got {portal.adapter!r}")
        if portal.adapter == "http" and not (portal.url and portal.secret):
            raise ValueError(f"HTTP 同步需要地址和密钥 / {prefix}URL and {prefix}SECRET are required for http")
        portals.append(portal)
    return tuple(portals)

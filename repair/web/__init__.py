"""The web application: blueprints per audience; views stay thin."""

from __future__ import annotations

from flask import Flask

from repair.config import Settings, load_settings
from repair.services.setup.runtime import Runtime


def build_app(config: dict | Settings | None = None) -> Flask:
    """Build the Flask app around one Runtime (engine, workflows, calendar cache)."""
    settings = config if isinstance(config, Settings) else load_settings()
    app = Flask(__name__, template_folder=str(settings.templates_dir))
    from repair.web import hardening

    # Before any blueprint: bounded <int:> ids, NFC input, JSON limits, trusted proxies, security headers.
    hardening.install(app, settings.security.trusted_proxies)
    from repair.web import (
        account,
        admin,
        api,
        api_auth,
        api_exchange,
        api_fulfilment,
        audit,
        auth,
        deliveries,
        desk,
        errors,
        i18n,
        oidc,
        portal,
        public,
        verify,
    )

    app.config.update(
        SECRET_KEY=auth.session_secret(settings),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        JSON_AS_ASCII=False,
    )
    if isinstance(config, dict):
        app.config.update(config)
    runtime = Runtime(settings)
    app.extensions["repair"] = runtime
    # A node on PostgreSQL keeps no state of its own: the development keys and trust roots come from the
    # database (encrypted with the secret key) into this node's scratch instance folder.
    from repair.services.cluster.keys import pull_keys

    pull_keys(runtime)
    from repair.web import jobs, observability

    observability.init_app(app)
    app.register_blueprint(jobs.bp)

    app.register_blueprint(public.bp)
    auth.init_app(app, settings)
    oidc.init_app(app, settings)
    app.register_blueprint(api_auth.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(api_exchange.bp)
    app.register_blueprint(api_fulfilment.bp)
    app.register_blueprint(verify.bp)
    app.register_blueprint(deliveries.bp)
    app.register_blueprint(desk.bp)
    app.register_blueprint(portal.bp)
    app.register_blueprint(audit.bp)
    app.register_blueprint(account.bp)
    for blueprint in (admin.admin_bp, admin.security_bp, admin.log_bp):
        app.register_blueprint(blueprint)
    if settings.seal_p12_dir is None:
        # The development PKI's TSA, OCSP responder and CRL at the URLs its certificates name (/pki/…).
        from werkzeug.middleware.dispatcher import DispatcherMiddleware

        from repair.seal.authority import wsgi_app

        app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {"/pki": wsgi_app(settings.keys_dir)})
    app.config["MAX_CONTENT_LENGTH"] = verify.MAX_UPLOAD + 1024 * 1024
    i18n.init_app(app)
    errors.register(app)
    # The navigation links only to audience pages that exist in this build.
    app.jinja_env.globals["nav_endpoints"] = frozenset(app.view_functions)
    return app

"""The whole schema: importing this registers every table and index on `Base.metadata`.

Models live in one module per concern; this module is the one place that gathers them, so SQLAlchemy can
resolve relationships by name and Alembic and the integrity checks see every table.
"""

from repair.store import (  # noqa: F401
    audit_indexes,
    calendar_models,
    cluster_models,
    contact_models,
    document_models,
    evidence_models,
    import_models,
    models,
    security_models,
    sync_models,
    upload_models,
)
from repair.store.base import Base

metadata = Base.metadata

"""The running system's shared parts: settings, database, workflows and calendar cache."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from zoneinfo import ZoneInfo

from repair.config import Settings, load_settings
from repair.store.db import make_engine, make_session_factories
from repair.store.uow import UnitOfWork

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def local_now() -> datetime:
    """The current time in the district's time zone (only entry points call this)."""
    return datetime.now(LOCAL_TZ)


@dataclass
class Runtime:
    """Built once per process by the CLI or the web app and handed to services."""

    settings: Settings
    _calendar_cache: dict = field(default_factory=dict)

    @cached_property
    def engine(self):
        return make_engine(self.settings.database_url)

    @cached_property
    def _factories(self):
        return make_session_factories(self.engine)

    def uow(self, *, read_only: bool = False) -> UnitOfWork:
        """A new unit of work (one transaction)."""
        writer, reader = self._factories
        return UnitOfWork(writer, reader, read_only=read_only)

    @cached_property
    def workflows(self):
        """The workflow registry (current files, plus stored older versions on demand)."""
        from repair.services.cases.workflows import WorkflowRegistry

        return WorkflowRegistry(self.settings.workflows_dir, self.settings.letters_dir)

    def dispose(self) -> None:
        """Close pooled connections (end of a CLI command or test)."""
        if "engine" in self.__dict__:
            self.engine.dispose()


def build_runtime(settings: Settings | None = None) -> Runtime:
    """Runtime from explicit settings or the environment."""
    return Runtime(settings or load_settings())

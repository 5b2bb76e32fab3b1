"""Workflow registry: current definitions from files, older versions from the database."""

from __future__ import annotations

import hashlib
import tempfile
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from repair.domain.workflow import Workflow
from repair.domain.workflow_load import load_workflow, load_workflows
from repair.errors import NotFound, ValidationError, WorkflowConfigError
from repair.store.models import WorkflowVersion
from repair.store.uow import UnitOfWork


class WorkflowRegistry:
    """Loads and validates every workflow once; running cases stay on the version they started with."""

    def __init__(self, directory: Path, letters_dir: Path):
        self.directory = directory
        self.letters_dir = letters_dir
        self.current: dict[str, Workflow] = load_workflows(directory, letters_dir)
        self._versions: dict[tuple[str, int], Workflow] = {
            (wf.name, wf.version): wf for wf in self.current.values()
        }

    def named(self, name: str) -> Workflow:
        """The current version of a workflow."""
        try:
            return self.current[name]
        except KeyError:
            raise NotFound(f"没有名为 {name} 的流程 / no workflow named {name}") from None

    def get(self, uow: UnitOfWork, name: str, version: int) -> Workflow:
        """A specific version: the current file, or the source stored when a case started on it."""
        key = (name, version)
        if key not in self._versions:
            stored = uow.session.get(WorkflowVersion, key)
            if stored is None:
                raise NotFound(f"流程 {name} 第 {version} 版未登记 / workflow {name} v{version} is not registered")
            self._versions[key] = self._load_source(name, stored.source)
        return self._versions[key]

    def for_record(self, kind: str, channel: str) -> Workflow:
        """The repair workflow for a record kind on a channel."""
        matches = [
            wf for wf in self.current.values()
            if kind in wf.applies_to and wf.channel in (channel, None) and wf.name != "paired_delivery"
        ]
        matches.sort(key=lambda wf: wf.channel is None)  # a channel-specific flow wins
        if not matches:
            raise ValidationError(f"{kind} 类信息没有可用的修复流程 / no repair workflow for kind {kind}", "kind")
        return matches[0]

    def repairable_kinds(self) -> frozenset[str]:
        """Record kinds that some repair workflow applies to."""
        return frozenset(k for wf in self.current.values() if wf.name != "paired_delivery" for k in wf.applies_to)

    def register_current(self, uow: UnitOfWork, now: datetime) -> list[str]:
        """Store the source of every current version; a changed file must bump its version."""
        added = []
        for wf in self.current.values():
            source = Path(wf.path).read_text(encoding="utf-8")
            digest = hashlib.sha256(source.encode("utf-8")).hexdigest()
            stored = uow.session.get(WorkflowVersion, (wf.name, wf.version))
            if stored is None:
                uow.session.add(WorkflowVersion(name=wf.name, version=wf.version, digest=digest,
                                                source=source, registered_at=now.replace(tzinfo=None)))
                added.append(f"{wf.name} v{wf.version}")
            elif stored.digest != digest:
                raise WorkflowConfigError(
                    str(wf.path), "version",
                    f"内容已改变但版本号仍为 {wf.version}，请提高版本号 / content changed: bump the version",
                )
        return added

    def known_versions(self, uow: UnitOfWork) -> list[tuple[str, int]]:
        """Every (name, version) registered in the database."""
        rows = uow.session.execute(select(WorkflowVersion.name, WorkflowVersion.version)).all()
        return sorted((r.name, r.version) for r in rows)

    def _load_source(self, name: str, source: str) -> Workflow:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"{name}.yaml"
            path.write_text(source, encoding="utf-8")
            return load_workflow(path, self.letters_dir)

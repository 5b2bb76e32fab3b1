"""The list of commands the `repair` script offers (one module per group)."""

from repair.cli.audit import audit
from repair.cli.calendar import calendar
from repair.cli.cases import case, records
from repair.cli.imports import import_
from repair.cli.letters import letters
from repair.cli.rules import rules, uscc
from repair.cli.seal import seal
from repair.cli.setup import demo, init, serve
from repair.cli.sync import sync
from repair.cli.users import users
from repair.cli.workflows import workflows

ALL = [init, demo, serve, uscc, calendar, rules, workflows, case, records, users, audit, seal, letters, import_, sync]

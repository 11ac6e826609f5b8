"""Rule files: TOML, one table per rule under [rules.NAME]; a bad rule is refused with its error
(file, line, rule, key) while the other rules load."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from command.alerts.rules import Rule, RuleError, check_rule


class RuleFileError(ValueError):
    """The rule file as a whole cannot be used (unreadable, not TOML, or refused rules under
    strict loading); the message names the file."""

    def __init__(self, message: str, errors: tuple[RuleError, ...] = ()) -> None:
        super().__init__(message)
        self.errors = errors


@dataclass(frozen=True)
class RuleSet:
    """The rules that loaded, in file order, and one error per refusal."""

    rules: tuple[Rule, ...]
    errors: tuple[RuleError, ...] = ()

    def by_name(self, name: str) -> Rule:
        """The rule called `name` (KeyError naming the known rules otherwise)."""
        for rule in self.rules:
            if rule.name == name:
                return rule
        known = ", ".join(r.name for r in self.rules) or "none"
        raise KeyError(f"no rule named {name!r} (rules: {known})")


def load_rules(
    path: str | Path,
    *,
    zones: Collection[str] = (),
    stations: Collection[str] = (),
    strict: bool = False,
) -> RuleSet:
    """Read a rule file, checking zone and station names against `zones` and `stations`.

    With `strict`, any refused rule refuses the whole file (RuleFileError listing them all).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RuleFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise RuleFileError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RuleFileError(f"{path}: not valid TOML: {exc}") from None
    found = parse_rules(document, zones=zones, stations=stations, source=str(path), text=text)
    if strict and found.errors:
        listing = "\n".join(str(e) for e in found.errors)
        raise RuleFileError(f"{path}: {len(found.errors)} rule error(s):\n{listing}", found.errors)
    return found


def parse_rules(
    document: Mapping[str, Any],
    *,
    zones: Collection[str] = (),
    stations: Collection[str] = (),
    source: str = "<rules>",
    text: str | None = None,
) -> RuleSet:
    """Rules from a parsed document {'rules': {NAME: {key: value}}}; `text` gives line numbers."""
    errors: list[RuleError] = []
    for key in document:
        if key != "rules":
            errors.append(RuleError(source, "", key, "unknown key (rules go under [rules.NAME])"))
    tables = document.get("rules", {})
    if not isinstance(tables, dict):
        errors.append(RuleError(source, "", "rules", "must be a table of [rules.NAME] tables"))
        tables = {}
    rules: list[Rule] = []
    for name, table in tables.items():
        if not isinstance(table, dict):
            errors.append(RuleError(source, name, "(rule)", "must be a table of keys"))
            continue
        if "name" in table:
            problem = RuleError(source, name, "name", "the name is the table's own: [rules.NAME]")
            errors.append(_placed(problem, text))
            continue
        rule, refused = check_rule(
            {**table, "name": name}, zones=zones, stations=stations, source=source
        )
        errors.extend(_placed(e, text) for e in refused)
        if rule is not None:
            rules.append(rule)
    return RuleSet(tuple(rules), tuple(errors))


def _placed(error: RuleError, text: str | None) -> RuleError:
    """The error with the line of its key (or of its table header) in the file."""
    if text is None or not error.rule:
        return error
    line = _line_of(text, error.rule, error.key.split(".")[0].split("[")[0])
    return RuleError(error.source, error.rule, error.key, error.message, line)


def _line_of(text: str, rule: str, key: str) -> int | None:
    quoted = re.escape(rule)
    header = re.compile(rf"^\s*\[\s*rules\s*\.\s*(?:{quoted}|\"{quoted}\"|'{quoted}')\s*\]")
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if header.match(line)), None)
    if start is None:
        return None
    assignment = re.compile(rf"^\s*(?:{re.escape(key)}|\"{re.escape(key)}\")\s*=")
    for i in range(start + 1, len(lines)):
        if lines[i].lstrip().startswith("["):
            break
        if assignment.match(lines[i]):
            return i + 1
    return start + 1

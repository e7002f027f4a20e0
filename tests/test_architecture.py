"""The layers' rules as ARCHITECTURE.md states them, checked on the source itself.

Each check reads the code with `ast`, so a rule broken anywhere fails here with the file and
line, not in a review.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("app", "bot", "domain", "storage", "scheduler", "importer", "fakegram", "locales")
PACKAGES += ("reports",)
CHECKED = (*PACKAGES, "tests", "benchmarks", "examples", "scripts")


@dataclass(frozen=True, slots=True)
class Source:
    path: Path
    module: str
    tree: ast.Module

    @property
    def where(self) -> str:
        return str(self.path.relative_to(ROOT))


def _sources(*tops: str) -> Iterator[Source]:
    for top in tops:
        yield from _parsed(top)


@functools.cache
def _parsed(top: str) -> tuple[Source, ...]:
    return tuple(_parse(top))


def _parse(top: str) -> Iterator[Source]:
    if True:
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "migrations" in parts and "versions" in parts:
                continue  # history: a migration is as it was written
            module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            yield Source(path=path, module=module, tree=ast.parse(path.read_text("utf-8")))


def _type_checking_only(tree: ast.Module) -> set[int]:
    """Line numbers of imports under `if TYPE_CHECKING:` (types only, no import at run time)."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                for sub in ast.walk(inner):
                    if isinstance(sub, ast.Import | ast.ImportFrom):
                        lines.add(sub.lineno)
    return lines


def _imports(source: Source) -> Iterator[tuple[int, str, list[str]]]:
    """(line, module imported, names) for every import, relative ones resolved."""
    skip = _type_checking_only(source.tree)
    for node in ast.walk(source.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, []
        elif isinstance(node, ast.ImportFrom) and node.lineno not in skip:
            module = node.module or ""
            if node.level:
                base = source.module.split(".")
                if not source.path.name == "__init__.py":
                    base = base[:-1]
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, module] if module else base)
            yield node.lineno, module, [alias.name for alias in node.names]


def _top(module: str) -> str:
    return module.split(".")[0]


# --------------------------------------------------------------------------- layers

ALLOWED = {
    # what each layer may import from the project (besides itself)
    "domain": {"locales"},
    "storage": {"domain"},
    "scheduler": {"domain", "locales", "reports"},
    "bot": {"domain", "locales", "reports", "scheduler"},
    "reports": {"domain", "locales"},
    "importer": {"domain"},
    "locales": {"domain"},
}
FOREIGN_TO_DOMAIN = ("aiogram", "aiogram_dialog", "maxo", "sqlalchemy", "asyncpg", "aiosqlite")


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_a_layer_imports_only_what_it_may(layer: str) -> None:
    wrong = []
    for source in _sources(layer):
        for line, module, _names in _imports(source):
            top = _top(module)
            if top in PACKAGES and top != layer and top not in ALLOWED[layer]:
                wrong.append(f"{source.where}:{line} imports {module}")
            if layer == "domain" and top in FOREIGN_TO_DOMAIN:
                wrong.append(f"{source.where}:{line} imports {module}")
    assert not wrong, "\n".join(wrong)


def test_the_screens_are_written_once_for_every_messenger() -> None:
    """The dialogs and their kit import no messenger's framework: each adapter's kit brings
    its own (`bot/telegram_kit.py`, `bot/max/kit.py`)."""
    wrong = []
    for source in _sources("bot"):
        if not (source.module.startswith("bot.dialogs") or source.module == "bot.kit"):
            continue
        for line, module, _names in _imports(source):
            if _top(module) in ("aiogram", "aiogram_dialog", "maxo"):
                wrong.append(f"{source.where}:{line} imports {module}")
    assert not wrong, "\n".join(wrong)


def test_no_module_imports_a_private_name_of_another() -> None:
    wrong = []
    for source in _sources(*CHECKED):
        for line, module, names in _imports(source):
            if module == source.module or module == "__future__":
                continue
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            if private:
                wrong.append(f"{source.where}:{line} imports {', '.join(private)} from {module}")
    assert not wrong, "\n".join(wrong)


def test_the_domain_has_no_import_cycle() -> None:
    graph: dict[str, set[str]] = {}
    for source in _sources("domain"):
        targets = graph.setdefault(source.module, set())
        for _line, module, names in _imports(source):
            if _top(module) != "domain":
                continue
            for name in names or [""]:
                # `from domain.usecases import teaching` imports the module domain.usecases.teaching
                sub = f"{module}.{name}"
                targets.add(sub if sub in _domain_modules() else module)
    cycle = _find_cycle(graph)
    assert cycle is None, " → ".join(cycle or ())


def _domain_modules() -> set[str]:
    return {s.module for s in _sources("domain")}


_domain_modules = functools.cache(_domain_modules)


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt == node or nxt not in graph:
                continue
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


# --------------------------------------------------------------------------- the domain's words

HTML_TAG = re.compile(r"</?(b|i|u|s|a|code|pre|em|strong|br|blockquote|tg-spoiler)\b[^>]*>")
CALLBACK_PREFIX = re.compile(r"^[a-z]{1,8}:$")


def _strings(tree: ast.AST) -> Iterator[ast.Constant]:
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    # Parts of an f-string are a dedup key's or a log line's pieces, not a whole value.
    pieces = {
        id(part)
        for node in ast.walk(tree)
        if isinstance(node, ast.JoinedStr)
        for part in node.values
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in docstrings and id(node) not in pieces:
                yield node


def test_the_domain_writes_no_markup_and_no_callback_data() -> None:
    wrong = []
    for source in _sources("domain"):
        for node in _strings(source.tree):
            if HTML_TAG.search(node.value):
                wrong.append(f"{source.where}:{node.lineno} HTML {node.value!r}")
            if CALLBACK_PREFIX.match(node.value):
                wrong.append(f"{source.where}:{node.lineno} callback prefix {node.value!r}")
        for node in ast.walk(source.tree):
            if isinstance(node, ast.Name | ast.Attribute):
                name = node.id if isinstance(node, ast.Name) else node.attr
                if name.endswith("_PREFIX") or name == "callback_data":
                    wrong.append(f"{source.where}:{node.lineno} {name}")
    assert not wrong, "\n".join(sorted(set(wrong)))


# --------------------------------------------------------------------------- records


def _records() -> dict[str, int]:
    """Dataclasses of the project by name, with their number of fields (init fields)."""
    fields: dict[str, int] = {}
    for source in _sources(*PACKAGES):
        for node in ast.walk(source.tree):
            if not isinstance(node, ast.ClassDef):
                continue
            if not any("dataclass" in ast.unparse(d) for d in node.decorator_list):
                continue
            count = sum(
                1
                for item in node.body
                if isinstance(item, ast.AnnAssign)
                and isinstance(item.target, ast.Name)
                and "ClassVar" not in ast.unparse(item.annotation)
            )
            fields[node.name] = max(count, fields.get(node.name, 0))
    return fields


def _foreign_names(source: Source) -> set[str]:
    """Names this module binds by importing them from outside the project (aiogram_dialog's Row).

    A call to such a name is not one of the project's records, whatever its spelling; a name
    imported from the project, defined here, or not resolved at all is checked (strict). A
    parameter that is a messenger's kit (`ui: Kit`) holds a framework's widgets (`ui.Row`).
    """
    foreign: set[str] = set()
    for node in ast.walk(source.tree):
        if isinstance(node, ast.arg) and node.annotation is not None:
            if ast.unparse(node.annotation) == "Kit":
                foreign.add(node.arg)
        if isinstance(node, ast.ImportFrom) and not node.level:
            if _top(node.module or "") not in PACKAGES:
                foreign.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if _top(alias.name) not in PACKAGES:
                    foreign.add(alias.asname or alias.name.split(".")[0])
    return foreign


def _project_aliases(source: Source) -> dict[str, str]:
    """Local name -> imported name for `from <project> import X as Y`."""
    return {
        alias.asname: alias.name
        for node in ast.walk(source.tree)
        if isinstance(node, ast.ImportFrom) and (node.level or _top(node.module or "") in PACKAGES)
        for alias in node.names
        if alias.asname
    }


def _called_record(func: ast.expr, foreign: set[str], aliases: dict[str, str]) -> str:
    """The record name a call refers to, or "" when it resolves to something outside the project."""
    if isinstance(func, ast.Name):
        return "" if func.id in foreign else aliases.get(func.id, func.id)
    if isinstance(func, ast.Attribute):
        root = func.value
        while isinstance(root, ast.Attribute):
            root = root.value
        if isinstance(root, ast.Name) and root.id in foreign:
            return ""
        return func.attr
    return ""


def test_records_of_more_than_three_fields_are_built_by_keyword() -> None:
    large = {name for name, count in _records().items() if count > 3}
    wrong = []
    for source in _sources(*CHECKED):
        foreign = _foreign_names(source)
        aliases = _project_aliases(source)
        for node in ast.walk(source.tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = _called_record(node.func, foreign, aliases)
            if name in large and not any(isinstance(a, ast.Starred) for a in node.args):
                wrong.append(f"{source.where}:{node.lineno} {name}(… {len(node.args)} positional)")
    assert not wrong, f"{len(wrong)} calls:\n" + "\n".join(wrong)


# --------------------------------------------------------------------------- type: ignore


def test_every_type_ignore_names_its_code_and_why() -> None:
    wrong = []
    for source in _sources(*CHECKED):
        for number, line in enumerate(source.path.read_text("utf-8").splitlines(), 1):
            found = re.search(r"#\s*type:\s*ignore(\[[^\]]+\])?(.*)", line)
            if found is None:
                continue
            if not found.group(1):
                wrong.append(f"{source.where}:{number} bare type: ignore")
            elif "#" not in found.group(2) and not _reason_above(source.path, number):
                wrong.append(f"{source.where}:{number} type: ignore without a reason")
    assert not wrong, f"{len(wrong)}:\n" + "\n".join(wrong)


def _reason_above(path: Path, number: int) -> bool:
    """A reason may be the comment on the line above (long lines)."""
    lines = path.read_text("utf-8").splitlines()
    return number >= 2 and lines[number - 2].strip().startswith("#")


LONGEST_FUNCTION = 150  # lines: a unit one reads at once


def test_no_function_of_the_journal_is_longer_than_one_reads_at_once() -> None:
    """Issue 17.6: the large units split by what they do (benchmarks and tests aside)."""
    long = [
        f"{source.where}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for source in _sources(*PACKAGES)
        for node in ast.walk(source.tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > LONGEST_FUNCTION
    ]
    assert not long, "\n".join(long)

"""Find every user-facing message in the code, for the catalogs and for the completeness test.

Run `python -m locales.extract` to print the messages the Russian catalog still lacks.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir

ROOT = Path(__file__).parents[1]
PACKAGES = ("app", "bot", "domain", "importer", "reports", "scheduler", "storage")

# Callables whose argument N (1-based) is a msgid.
KEYWORDS: dict[str, tuple[int, ...] | None] = {
    "t": (1,),
    "_": (1,),
    "gettext": (1,),
    "fail": (3,),
    "of": (4,),
    "CellError": (1,),
    "JournalError": (1,),
    "InvalidInput": (1,),
    "NotFound": (1,),
    "AlreadyExists": (1,),
    "Forbidden": (1,),
    "ImportProblem": (4,),
    "N_": (1,),
    "Tr": (1,),
    "Msg": (1,),
    "msg": (1,),
}


def messages() -> dict[str, list[str]]:
    """msgid → places it appears."""
    found: dict[str, list[str]] = {}
    for package in PACKAGES:
        folder = ROOT / package
        if not folder.exists():
            continue
        for filename, lineno, message, _comments, _context in extract_from_dir(
            folder, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            if isinstance(message, str) and message:
                found.setdefault(message, []).append(f"{package}/{filename}:{lineno}")
    for message, places in class_messages().items():
        found.setdefault(message, []).extend(places)
    return found


def class_messages() -> dict[str, list[str]]:
    """`message = "..."` in exception classes: the default refusal of each error type."""
    import ast

    found: dict[str, list[str]] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.ClassDef):
                    continue
                for item in node.body:
                    if (
                        isinstance(item, ast.Assign)
                        and any(isinstance(t, ast.Name) and t.id == "message" for t in item.targets)
                        and isinstance(item.value, ast.Constant)
                        and isinstance(item.value.value, str)
                    ):
                        place = f"{path.relative_to(ROOT)}:{item.lineno}"
                        found.setdefault(item.value.value, []).append(place)
    return found


def missing(language: str = "ru") -> dict[str, list[str]]:
    from locales import translator

    t = translator(language)
    return {m: places for m, places in messages().items() if not t.has(m)}


if __name__ == "__main__":
    for message, places in sorted(missing().items()):
        print(f"#: {' '.join(places)}\nmsgid {message!r}\n")

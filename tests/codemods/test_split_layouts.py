"""Splitting a from-import over many generated layouts: valid syntax, every comment once, every name bound.

The layouts come from a seeded random generator, so each run checks the
same 400 statements. They vary parentheses, trailing commas, comments at line
ends and on lines of their own, blank lines, aliases, indentation and a
statement after a ``;``, and a random subset of their names moves to one or
two modules.
"""

from __future__ import annotations

import ast
import random
from dataclasses import dataclass

import pytest

import codemods.transform as transform_module
from codemods.model import SiteRewrite
from codemods.transform import transform_file_source

DESTINATIONS = ("new.first", "new.second")


@dataclass(frozen=True)
class Layout:
    source: str
    line: int  # line of the statement
    aliases: dict[str, str]  # imported name -> local name
    comments: tuple[str, ...]


class _LayoutWriter:
    def __init__(self, generator: random.Random) -> None:
        self.random = generator
        self.comments: list[str] = []

    def comment(self) -> str:
        text = f"# c{len(self.comments) + 1}"
        self.comments.append(text)
        return text

    def chance(self, probability: float) -> bool:
        return self.random.random() < probability

    def statement(self, names: list[str], aliases: dict[str, str]) -> str:
        parenthesized = self.chance(0.75)
        one_per_line = parenthesized and self.chance(0.7)
        trailing_comma = parenthesized and self.chance(0.5)
        text = "from pkg.mod import " + ("(" if parenthesized else "")
        if parenthesized and self.chance(0.3):
            text += "  " + self.comment() + ("\n" if one_per_line else "\n    ")

        for index, name in enumerate(names):
            spelled = name if aliases[name] == name else f"{name} as {aliases[name]}"
            last = index == len(names) - 1
            if one_per_line:
                if index == 0 and not text.endswith("\n"):
                    text += "\n"
                if self.chance(0.15):
                    text += "\n"
                if self.chance(0.3):
                    text += "    " + self.comment() + "\n"
                text += "    " + spelled + ("," if not last or trailing_comma else "")
                text += ("  " + self.comment() if self.chance(0.4) else "") + "\n"
            else:
                text += spelled
                if not last:
                    text += ",\n    " if parenthesized and self.chance(0.2) else ", "
                elif trailing_comma:
                    text += ","

        if one_per_line and self.chance(0.3):
            text += "    " + self.comment() + "\n"
        text += ")" if parenthesized else ""
        text += "; y = 1" if self.chance(0.2) else ""  # a statement after it on the same line
        return text + ("  " + self.comment() if self.chance(0.3) else "") + "\n"


def generated_layout(seed: int) -> Layout:
    writer = _LayoutWriter(random.Random(seed))
    names = [f"name{index}" for index in range(writer.random.randint(1, 5))]
    aliases = {name: (f"local_{name}" if writer.chance(0.3) else name) for name in names}
    statement = writer.statement(names, aliases)
    if writer.chance(0.3):
        body = "".join("    " + line if line.strip() else line for line in statement.splitlines(keepends=True))
        return Layout("def load():\n" + body + "    return 1\n", 2, aliases, tuple(writer.comments))
    return Layout(statement + "x = 1\n", 1, aliases, tuple(writer.comments))


@pytest.mark.parametrize("first", [pytest.param(first, id=f"layouts-{first}-{first + 99}") for first in (0, 100, 200, 300)])
def test_split_layouts_stay_valid(first: int, monkeypatch: pytest.MonkeyPatch) -> None:
    for number in range(first, first + 100):
        layout = generated_layout(number)
        chooser = random.Random(number + 10_000)
        moved = {name: chooser.choice(DESTINATIONS) for name in layout.aliases if chooser.random() < 0.5}
        if not moved:
            continue
        sites = [
            SiteRewrite(layout.line, "from", "pkg.mod", 0, name, None if local == name else local, "module", moved[name])
            for name, local in layout.aliases.items()
            if name in moved
        ]
        source = layout.source.encode()

        spliced = transform_module.splice_import_rewrites(source, sites)
        with monkeypatch.context() as patched:
            patched.setattr(transform_module, "splice_import_rewrites", lambda source, rewrites: None)
            after, _ = transform_file_source(source, path="x.py", rewrites=sites)
        text = after.decode()

        tree = ast.parse(text)
        for comment in layout.comments:
            assert text.count(comment + "\n") + text.count(comment + " ") == 1, (number, comment, text)
        assert bindings(tree) == {
            local: (moved.get(name, "pkg.mod"), name) for name, local in layout.aliases.items()
        }, (number, text)
        if spliced is not None:
            assert spliced[0] == after, (number, text)


def bindings(tree: ast.Module) -> dict[str, tuple[str, str]]:
    """Return each local name bound by a from-import, with the module and name it comes from."""
    found: dict[str, tuple[str, str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                found[alias.asname or alias.name] = (node.module or "", alias.name)
    return found

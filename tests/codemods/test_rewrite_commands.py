from __future__ import annotations

import pytest

from codemods.rewrite_commands import CommandEdit, rewrite_commands, rewrite_commands_report

PATH = "scripts/etl/scraper_config.py"
NEW = "nba_simulator.etl.config.manager"


def path_edit(line: int = 1, text: str = PATH) -> CommandEdit:
    return CommandEdit(line=line, text=text, target=PATH, new_module=NEW)


def dotted_edit(line: int = 1, text: str = "scripts.etl.scraper_config") -> CommandEdit:
    return CommandEdit(line=line, text=text, target=PATH, new_module=NEW, form="dotted")


REWRITTEN = [
    pytest.param(
        "shell",
        "#!/bin/sh\nset -e\npython3 scripts/etl/scraper_config.py --once \"$@\"\necho done\n",
        [path_edit(3)],
        "#!/bin/sh\nset -e\npython3 -m nba_simulator.etl.config.manager --once \"$@\"\necho done\n",
        id="shell-python3-with-arguments",
    ),
    pytest.param(
        "crontab",
        "0 4 * * * cd /srv/nba && python3 scripts/etl/scraper_config.py >> /var/log/config.log 2>&1\n",
        [path_edit()],
        "0 4 * * * cd /srv/nba && python3 -m nba_simulator.etl.config.manager >> /var/log/config.log 2>&1\n",
        id="crontab-after-cd",
    ),
    pytest.param(
        "shell",
        "python -u ./scripts/etl/scraper_config.py\n",
        [path_edit(text="./scripts/etl/scraper_config.py")],
        "python -u -m nba_simulator.etl.config.manager\n",
        id="flags-and-dot-slash",
    ),
    pytest.param(
        "shell",
        'venv/bin/python "scripts/etl/scraper_config.py" a\n',
        [path_edit()],
        "venv/bin/python -m nba_simulator.etl.config.manager a\n",
        id="quoted-path-and-interpreter-path",
    ),
    pytest.param(
        "systemd",
        "[Service]\r\nExecStart=/usr/bin/python3 scripts/etl/scraper_config.py\r\nUser=nba\r\n",
        [path_edit(2)],
        "[Service]\r\nExecStart=/usr/bin/python3 -m nba_simulator.etl.config.manager\r\nUser=nba\r\n",
        id="systemd-crlf-kept",
    ),
    pytest.param(
        "dockerfile",
        'FROM python:3.11\nCMD ["python", "scripts/etl/scraper_config.py", "--once"]\n',
        [path_edit(2)],
        'FROM python:3.11\nCMD ["python", "-m", "nba_simulator.etl.config.manager", "--once"]\n',
        id="dockerfile-exec-form",
    ),
    pytest.param(
        "compose",
        "services:\n  config:\n    command: python scripts/etl/scraper_config.py\n",
        [path_edit(3)],
        "services:\n  config:\n    command: python -m nba_simulator.etl.config.manager\n",
        id="compose-command",
    ),
    pytest.param(
        "makefile",
        "config:\n\t$(PYTHON) scripts/etl/scraper_config.py\n",
        [path_edit(2)],
        "config:\n\t$(PYTHON) -m nba_simulator.etl.config.manager\n",
        id="makefile-python-variable",
    ),
    pytest.param(
        "ci",
        "steps:\n  - run: python -m scripts.etl.scraper_config --check\n",
        [dotted_edit(2)],
        "steps:\n  - run: python -m nba_simulator.etl.config.manager --check\n",
        id="ci-dotted-module",
    ),
    pytest.param(
        "shell",
        "python scripts/etl/scraper_config.py && python scripts/etl/scraper_config.py --again\n",
        [path_edit()],
        "python -m nba_simulator.etl.config.manager && python -m nba_simulator.etl.config.manager --again\n",
        id="two-commands-on-one-line",
    ),
    pytest.param(
        "shell",
        "(python scripts/etl/scraper_config.py)\n",
        [path_edit()],
        "(python -m nba_simulator.etl.config.manager)\n",
        id="subshell",
    ),
]


@pytest.mark.parametrize(("kind", "before", "edits", "after"), REWRITTEN)
def test_rewrites_command(kind: str, before: str, edits: list[CommandEdit], after: str) -> None:
    text, skipped = rewrite_commands_report(before, kind, edits)

    assert text == after
    assert skipped == ()


UNCHANGED = [
    pytest.param("shell", 'python3 "$SCRIPT_DIR/../etl/scraper_config.py"\n', path_edit(text="$SCRIPT_DIR/../etl/scraper_config.py"), "repository root", id="script-dir-variable"),
    pytest.param("crontab", "0 4 * * * python3 /srv/nba/scripts/etl/scraper_config.py\n", path_edit(text="/srv/nba/scripts/etl/scraper_config.py"), "repository root", id="absolute-path"),
    pytest.param("shell", "exec scripts/etl/scraper_config.py\n", path_edit(), "python", id="exec-without-python"),
    pytest.param("shell", "python -W ignore scripts/etl/scraper_config.py\n", path_edit(), "python", id="option-with-argument"),
    pytest.param("markdown", "See scripts/etl/scraper_config.py for details.\n", path_edit(), "python", id="prose-mention"),
    pytest.param("shell", "python scripts/etl/scraper_config.pyc\n", path_edit(), "not on this line", id="longer-word"),
    pytest.param("shell", "python scripts/etl/other.py\n", path_edit(), "not on this line", id="other-file"),
    pytest.param("shell", "python -c 'import scripts.etl.scraper_config'\n", dotted_edit(), "-m", id="dotted-not-after-m"),
    pytest.param("shell", "python scripts/etl/scraper_config.py\n", path_edit(line=4), "no line 4", id="line-past-end"),
    pytest.param(
        "shell",
        "python -m scripts.etl.scraper_config.cli\n",
        dotted_edit(text="scripts.etl.scraper_config.cli"),
        "names more than the module",
        id="dotted-name-longer-than-module",
    ),
    pytest.param(
        "shell",
        "python scripts/etl/dims/__init__.py\n",
        CommandEdit(1, "scripts/etl/dims/__init__.py", "scripts/etl/dims/__init__.py", "nba_simulator.dims"),
        "__init__",
        id="package-init",
    ),
]


@pytest.mark.parametrize(("kind", "before", "edit", "reason"), UNCHANGED)
def test_leaves_command_alone(kind: str, before: str, edit: CommandEdit, reason: str) -> None:
    text, skipped = rewrite_commands_report(before, kind, [edit])

    assert text == before
    assert [item.line for item in skipped] == [edit.line]
    assert reason in skipped[0].reason


def test_other_bytes_identical() -> None:
    before = "# run python scripts/etl/scraper_config.py nightly\n\n\tpython scripts/etl/scraper_config.py  # nightly \n\x0c\n"

    after = rewrite_commands(before, "shell", [path_edit(3)])

    assert after == before.replace("\tpython scripts/etl/scraper_config.py", "\tpython -m nba_simulator.etl.config.manager")

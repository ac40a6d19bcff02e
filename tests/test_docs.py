"""Every server setting and every CLI option is documented in README.md (a new one fails this test)."""

import argparse
from pathlib import Path

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_every_setting_is_documented():
    from topoalign.api.settings import Settings

    missing = [
        f"TOPOALIGN_{name.upper()}" for name in Settings.model_fields if f"TOPOALIGN_{name.upper()}" not in README
    ]
    assert missing == []


def _subcommands():
    from topoalign.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices


def test_every_cli_command_and_option_is_documented():
    missing = []
    for name, p in _subcommands().items():
        if f"topoalign {name}" not in README:
            missing.append(f"topoalign {name}")
        for action in p._actions:
            for opt in action.option_strings:
                if opt.startswith("--") and opt != "--help" and opt not in README:
                    missing.append(f"{name} {opt}")
    assert missing == []


def _readme_settings() -> dict[str, str]:
    """README's settings table: ``{"TOPOALIGN_X": default cell}``."""
    import re

    return {m.group(1): m.group(2).strip() for m in re.finditer(r"^\| `(TOPOALIGN_\w+)` \| ([^|]*) \|", README, re.M)}


def _same_default(cell: str, default) -> bool:
    import re

    plain = cell.replace(",", "").replace("`", "").strip()
    if default is None:
        return plain.startswith("unset")
    if isinstance(default, bool):
        return plain.split()[0].lower() == str(default).lower()
    if isinstance(default, (int, float)):
        number = re.match(r"-?[0-9.]+(e[+-]?[0-9]+)?", plain)
        return number is not None and float(number.group(0)) == float(default)
    if isinstance(default, str):
        return plain.split(":")[0].strip() == default
    if isinstance(default, list):
        return plain.startswith("none") if not default else all(str(v) in plain for v in default)
    return True  # a path or an object: described in words


IN_WORDS = {
    "TOPOALIGN_DATA": "checked below",
    "TOPOALIGN_STATIC_DIR": "None means the package's static/ folder",
    "TOPOALIGN_MAX_EXPANDED_BYTES": "a share of this machine's memory, computed at import",
}


def test_settings_defaults_in_the_readme_are_the_codes():
    """A changed default (or a renamed setting) fails here until the README says the same."""
    from pydantic_core import PydanticUndefined

    from topoalign.api.settings import Settings

    cells = _readme_settings()
    wrong = []
    for name, field in Settings.model_fields.items():
        key = f"TOPOALIGN_{name.upper()}"
        if field.default is PydanticUndefined or key not in cells or key in IN_WORDS:
            continue  # computed from the machine (default_factory), or described in words
        if not _same_default(cells[key], field.default):
            wrong.append(f"{key}: README {cells[key]!r}, code {field.default!r}")
    assert wrong == []
    assert cells["TOPOALIGN_DATA"].strip("`") == Settings.model_fields["data"].default.as_posix()


def test_cli_defaults_in_the_readme_are_the_codes():
    """``--option`` (default) in the README's command table matches argparse's default."""
    import re

    wrong = []
    for name, p in _subcommands().items():
        row = next((line for line in README.splitlines() if line.startswith(f"| `topoalign {name}")), "")
        for opt, documented in re.findall(r"`(--[a-z-]+)` \(([^)]+)\)", row):
            action = next((a for a in p._actions if opt in a.option_strings), None)
            if action is None or action.default is argparse.SUPPRESS or " " in documented:
                continue
            default = action.default
            if default is None:  # filled in later by the command: its help says the value the code uses
                said = re.search(r"\(default ([^)\s;,]+)\)", action.help or "")
                if said is None:
                    continue
                default = said.group(1)
            value = documented.strip("`")
            numeric = re.fullmatch(r"-?[0-9.]+", value) and re.fullmatch(r"-?[0-9.]+", str(default))
            same = float(value) == float(default) if numeric else value == str(default)
            if not same:
                wrong.append(f"topoalign {name} {opt}: README ({documented}), code {action.default!r}")
    assert wrong == []


def test_demo_conditions_named_in_the_docs_exist():
    """Every ``ood:<corruption>-<severity>`` the README and docs/ name is one the demo zoo builds."""
    import re

    from topoalign.extract.zoo.shifts import CORRUPTIONS, DIGITS_DOMAIN, SEVERITIES

    built = {f"ood:{c}-{s}" for c in CORRUPTIONS for s in SEVERITIES} | {f"ood:{DIGITS_DOMAIN}"}
    docs = Path(__file__).resolve().parents[1] / "docs"
    texts = [README] + [p.read_text() for p in sorted(docs.glob("*.md"))]
    named = {m for text in texts for m in re.findall(r"ood:[a-z][a-z_]*(?:-[0-9a-z]+)?", text)}
    assert named and named <= built, sorted(named - built)

"""Every server setting and every CLI option is documented in README.md (a new one fails this test)."""

import argparse
from pathlib import Path

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_every_setting_is_documented():
    from topoalign.api.settings import Settings

    missing = [f"TOPOALIGN_{name.upper()}" for name in Settings.model_fields
               if f"TOPOALIGN_{name.upper()}" not in README]
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

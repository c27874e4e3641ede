"""Write site_gen/help_text.py: `site-gen --help` as Click prints it, for the start-up fast path.

    python scripts/help_text.py

Run it after changing the commands or their one-line descriptions; tests/test_startup.py fails until you do.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROGRAM = "site-gen-program-name"   # stands for the name the command was started by
TARGET = Path(__file__).resolve().parent.parent / "site_gen" / "help_text.py"


def click_prints(args: list[str], program: str, columns: int) -> str:
    """What site-gen's Click command line prints, in a process of its own, on a terminal `columns` wide."""
    return subprocess.run([sys.executable, "-c", f"from site_gen.cli import main; main(prog_name={program!r})", *args],
                          capture_output=True, text=True, check=True, timeout=60,
                          env={**os.environ, "COLUMNS": str(columns)}).stdout


def help_text() -> str:
    """What Click prints for --help at 80 columns, the program's name as {program}."""
    output = click_prints(["--help"], PROGRAM, 80)
    return output.replace("{", "{{").replace("}", "}}").replace(PROGRAM, "{program}")


def module_text() -> str:
    lines = "".join(f"    {line!r}\n" for line in help_text().splitlines(keepends=True))
    return ('"""`site-gen --help` as Click prints it at 80 columns: made by scripts/help_text.py, never by hand."""\n\n'
            f"HELP = (\n{lines})\n")


if __name__ == "__main__":
    TARGET.write_text(module_text(), encoding="utf-8")
    print(f"wrote {TARGET}")

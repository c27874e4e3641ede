"""How long `site-gen --help` and `site-gen --version` take to start: median and range of 20 interleaved runs.

    python benchmarks/startup.py
Python itself and `import click` are timed alike, for scale; `python -m site_gen` as well as the installed
`site-gen` command (the module runner adds ~10 ms of its own imports). Target (issue 12): under 50 ms. Measure with
compiled bytecode, as an installed package has it (this script compiles site_gen first).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import Runs, compile_site_gen, load, run_command  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    compile_site_gen()
    python = [sys.executable]
    commands = {"python -c pass": [*python, "-c", "pass"], "python -c 'import click'": [*python, "-c", "import click"],
                "python -m site_gen --help": [*python, "-m", "site_gen", "--help"],
                "python -m site_gen --version": [*python, "-m", "site_gen", "--version"]}
    script = Path(sys.executable).parent / "site-gen"   # the command pip installs next to the interpreter
    if script.is_file():
        commands |= {"site-gen --help": [str(script), "--help"], "site-gen --version": [str(script), "--version"]}
    runs = {name: Runs(name) for name in commands}
    print(f"before: {load()}")
    for _ in range(args.runs):
        for name, argv in commands.items():
            run = run_command(argv, pss=False)
            runs[name].add(run.seconds * 1000, cpu_seconds=run.cpu_seconds * 1000)
    print(f"after:  {load()}")
    for each in runs.values():
        print(re.sub(r"(\d) s\b", r"\1 ms", str(each)))


if __name__ == "__main__":
    main()

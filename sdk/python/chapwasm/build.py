"""Builds a model module into a component: `python -m chapwasm.build app.py [-o app.wasm]`.

Runs componentize-py (0.25.1; `pip install componentize-py==0.25.1`) with chapwasm's WIT
contract and world, the module's directory and this SDK on the module path. The module
must define `WitWorld = chapwasm.component(...)`."""

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

SDK = Path(__file__).resolve().parent
WIT = SDK / "wit"
WORLD = "model-runner"


def componentize_py() -> str:
    """The componentize-py command beside this Python, or on the PATH."""
    beside = Path(sys.executable).with_name("componentize-py")
    found = str(beside) if beside.exists() else shutil.which("componentize-py")
    if found is None:
        sys.exit("componentize-py is not installed: pip install componentize-py==0.25.1")
    return found


def build(module: Path, output: Path) -> None:
    if not module.is_file() or module.suffix != ".py":
        sys.exit(f"{module}: not a Python file")
    command = [
        componentize_py(),
        "--wit-path", str(WIT),
        "--world", WORLD,
        "componentize", module.stem,
        "--python-path", str(module.parent),
        "--python-path", str(SDK.parent),
        "--output", str(output),
    ]
    done = subprocess.run(command, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    if done.returncode != 0:
        sys.exit(f"componentize-py failed ({done.returncode})")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m chapwasm.build", description=__doc__.splitlines()[0])
    parser.add_argument("module", type=Path, help="the model's module, e.g. app.py")
    parser.add_argument("-o", "--output", type=Path, help="the component to write (default: <module>.wasm)")
    arguments = parser.parse_args()
    output = arguments.output or arguments.module.with_suffix(".wasm")
    build(arguments.module, output)
    print(f"built {output} ({output.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()

"""Runs notebooks headless, top to bottom, with nbclient, as the tests do.

    python notebooks/tools/execute.py [--output-dir DIR] [--timeout SECONDS] NOTEBOOK...

Each notebook runs in its own directory with a fresh kernel of this Python (so `import treeline_notebook`
works). The first cell that fails stops that notebook; the command then prints the notebook, the cell's
number and source and the error, and exits 1 after trying the others. --output-dir keeps the executed
copies (with their outputs and plots) to look at; the notebooks themselves are never written.
"""

import argparse
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError


def failed_cell(notebook):
    """The code cell whose output holds the error (the last one that ran)."""
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code" and any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            return index, cell
    return None, None


def execute(path, output_dir, timeout):
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    started = time.monotonic()
    error = None
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError) as e:
        error = e
    elapsed = time.monotonic() - started
    if output_dir:
        output_dir.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, output_dir / path.name)
    if error is None:
        print(f"ok {path.name} ({len(notebook.cells)} cells, {elapsed:.1f} s)", flush=True)
        return True
    index, cell = failed_cell(notebook)
    where = f"cell {index}" if index is not None else "a cell"
    source = cell.source if cell is not None else ""
    plain = re.sub(r"\x1b\[[0-9;]*m", "", str(error))  # the kernel colours tracebacks for terminals
    print(f"FAILED {path.name} at {where} after {elapsed:.1f} s:\n--- source ---\n{source}\n--- error ---\n{plain}",
          file=sys.stderr, flush=True)
    return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--output-dir", type=Path)
    parser.add_argument("--timeout", type=int, default=600, help="seconds one cell may take (default 600)")
    args = parser.parse_args()
    results = [execute(path.resolve(), args.output_dir, args.timeout) for path in args.notebooks]
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()

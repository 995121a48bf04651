"""Removes outputs and execution counts from notebooks, so commits carry only what was written.

    python notebooks/tools/strip_outputs.py notebooks/*.ipynb          # strip in place
    python notebooks/tools/strip_outputs.py --check notebooks/*.ipynb  # exit 1 naming those with outputs
"""

import argparse
import sys
from pathlib import Path

import nbformat


def has_outputs(notebook):
    return any(cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count") is not None)
               for cell in notebook.cells)


def strip(notebook):
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)
    return notebook


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true", help="only report notebooks that carry outputs")
    args = parser.parse_args()
    dirty = []
    for path in args.notebooks:
        notebook = nbformat.read(path, as_version=4)
        if not has_outputs(notebook):
            continue
        dirty.append(path)
        if not args.check:
            nbformat.write(strip(notebook), path)
            print(f"stripped {path}")
    if args.check and dirty:
        print("These notebooks carry outputs: " + ", ".join(map(str, dirty))
              + ". Strip them with: python notebooks/tools/strip_outputs.py notebooks/*.ipynb", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()

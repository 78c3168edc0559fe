"""Execute the analysts' notebooks top to bottom, as a new analyst would.

    python notebooks/run.py            # run every notebooks/NN_*.ipynb, store it with its outputs
    python notebooks/run.py --check    # run them in a temporary folder, removed after; tracked files untouched (CI)
    python notebooks/run.py 03_siting_and_scenarios.ipynb   # just these

Each notebook runs in a fresh kernel with notebooks/ as its working directory.
A failing cell stops that notebook and is reported with the notebook's name,
the cell's number and source, and the error; the other notebooks still run,
and the exit status is 1. A failed notebook is never written back: its
partial execution goes to out/notebooks/failed/ for inspection.

Make runs this with the project's .venv (`make notebooks`, `make notebooks-check`).
"""

from __future__ import annotations

import argparse
import base64
import io
import re
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from PIL import Image

NB_DIR = Path(__file__).resolve().parent
REPO = NB_DIR.parent
NOTEBOOK_NAME = re.compile(r"^\d\d_.*\.ipynb$")
# A notebook should run in well under this; past it the runner warns.
BUDGET_SECONDS = 60.0
ANSI = re.compile(r"\x1b\[[0-9;]*m")


class NotebookFailure(Exception):
    """A notebook that did not run through, with where and why."""

    def __init__(self, notebook: Path, cell: int | None, source: str, message: str, partial: nbformat.NotebookNode):
        self.notebook, self.cell, self.source, self.message = notebook, cell, source, message
        self.partial = partial  # the notebook as far as it ran
        where = f"cell {cell}" if cell is not None else "kernel start"
        first = message.strip().splitlines()[0] if message.strip() else "unknown error"
        super().__init__(f"{notebook.name}: {where} failed: {first}")


def execute(path: Path, timeout: int) -> tuple[nbformat.NotebookNode, float]:
    """Run the notebook at path in a fresh kernel (cwd notebooks/) and return it executed, with the seconds taken.

    Raises NotebookFailure naming the cell (numbered from 1, as Jupyter shows
    them, counting markdown cells too) on an error, a timeout or a dead kernel.
    """
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(NB_DIR)}},
        record_timing=False,
    )
    t0 = time.monotonic()
    cell_no, source = None, ""
    try:
        with client.setup_kernel():
            for i, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                cell_no, source = i + 1, cell.source
                client.execute_cell(cell, i)
    except CellExecutionError as e:
        raise NotebookFailure(path, cell_no, source, _error_text(nb.cells[cell_no - 1], str(e)), nb) from e
    except CellTimeoutError as e:
        raise NotebookFailure(path, cell_no, source, f"timed out after {timeout} s", nb) from e
    except DeadKernelError as e:
        raise NotebookFailure(path, cell_no, source, f"the kernel died: {e}", nb) from e
    return nb, time.monotonic() - t0


def shrink_pngs(nb: nbformat.NotebookNode) -> tuple[int, int]:
    """Re-encode the notebook's PNG outputs with a 256-colour palette, in place.

    Charts and maps have few colours, so they look the same at about a third
    of the bytes, and the stored notebooks stay small. Returns the bytes
    before and after.
    """
    before = after = 0
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "image/png" not in data:
                continue
            raw = base64.b64decode(data["image/png"])
            buf = io.BytesIO()
            Image.open(io.BytesIO(raw)).convert("RGB").quantize(256).save(buf, "PNG", optimize=True)
            small = buf.getvalue()
            before += len(raw)
            if len(small) < len(raw):
                data["image/png"] = base64.b64encode(small).decode("ascii")
                raw = small
            after += len(raw)
    return before, after


def _error_text(cell: nbformat.NotebookNode, fallback: str) -> str:
    """The error of an executed cell as 'Name: value' plus its traceback, without colour codes."""
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            tb = ANSI.sub("", "\n".join(out.get("traceback", [])))
            return f"{out['ename']}: {out['evalue']}\n{tb}"
    return ANSI.sub("", fallback)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("notebooks", nargs="*", help="notebook files or names in notebooks/ (default: every NN_*.ipynb)")
    ap.add_argument("--check", action="store_true", help="run into a temporary folder (removed after), never writing the notebooks in place")
    ap.add_argument("--out", type=Path, help="with --check: write the executed notebooks here (kept) instead")
    ap.add_argument("--timeout", type=int, default=180, help="seconds allowed per cell (default 180)")
    args = ap.parse_args(argv)

    if args.notebooks:
        paths = [Path(n) if Path(n).exists() else NB_DIR / n for n in args.notebooks]
    else:
        paths = sorted(p for p in NB_DIR.glob("*.ipynb") if NOTEBOOK_NAME.match(p.name))
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        print(f"notebooks: no such notebook: {', '.join(missing)}", file=sys.stderr)
        return 2
    if not paths:
        print(f"notebooks: no NN_*.ipynb in {NB_DIR}", file=sys.stderr)
        return 2

    if args.check and args.out is None:
        with tempfile.TemporaryDirectory(prefix="rescuegrid-notebooks-") as tmp:
            return run(paths, args.timeout, Path(tmp))
    if args.check:
        args.out.mkdir(parents=True, exist_ok=True)
        return run(paths, args.timeout, args.out)
    return run(paths, args.timeout, None)


def run(paths: list[Path], timeout: int, dest: Path | None) -> int:
    """Execute the notebooks; write each into dest, or back in place when dest is None. Returns the exit status."""
    failed_dir = REPO / "out" / "notebooks" / "failed"

    failures: list[NotebookFailure] = []
    total = 0.0
    for path in paths:
        print(f"notebooks: {path.name} ...", flush=True)
        try:
            nb, took = execute(path, timeout)
        except NotebookFailure as f:
            failures.append(f)
            failed_dir.mkdir(parents=True, exist_ok=True)
            nbformat.write(f.partial, failed_dir / path.name)
            print(f"notebooks: FAILED {f} (partial run in {_rel(failed_dir / path.name)})", file=sys.stderr, flush=True)
            continue
        total += took
        target = path if dest is None else dest / path.name
        shrink_pngs(nb)
        nbformat.write(nb, target)
        note = f"  (over the {BUDGET_SECONDS:.0f} s budget)" if took > BUDGET_SECONDS else ""
        print(f"notebooks: {path.name} ran in {took:.1f} s -> {_rel(target)}{note}", flush=True)

    print(f"notebooks: {len(paths) - len(failures)} of {len(paths)} ran, {total:.1f} s in all")
    if failures:
        for f in failures:
            print(f"\n=== {f.notebook.name}, cell {f.cell} ===", file=sys.stderr)
            if f.source:
                print("--- cell source ---\n" + f.source.rstrip() + "\n--- error ---", file=sys.stderr)
            print(f.message.rstrip(), file=sys.stderr)
        print(f"\nnotebooks: {len(failures)} failed: " + ", ".join(f"{f.notebook.name} (cell {f.cell})" for f in failures), file=sys.stderr)
        return 1
    return 0


def _rel(p: Path) -> str:
    try:
        return str(p.resolve().relative_to(REPO))
    except ValueError:
        return str(p)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

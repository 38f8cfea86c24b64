"""nbgrader's execution step, made robust to dead and stuck kernels and to floods of output.

nbgrader's ``Execute`` preprocessor gives up on the whole notebook when the kernel dies (``os._exit``, killed
for memory) or stays unresponsive after a timeout; the student then gets no grade at all. :class:`SafeExecute`
keeps the work done before: the cell that killed the kernel gets an error output saying why, every later code
cell gets a "not executed" error (so its tests score 0), and the notebook is graded as usual. Each such event
is appended as a JSON line to the file named by ``$DLCOURSE_GRADE_EVENTS`` for the report.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Integer

from dlcourse.grading.feedback import instrument

OUTPUT_TYPES = ("stream", "display_data", "execute_result", "update_display_data")

#: Seconds spent in steps of the last execution (``kernel_start``: until the first cell could run).
TIMINGS: dict[str, float] = {}


def error_output(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def describe_death(status_file: str | None) -> tuple[str, str]:
    """(kind, sentence) for the last kernel end recorded by the sandbox wrapper."""
    record = {}
    if status_file and Path(status_file).exists():
        lines = Path(status_file).read_text().strip().splitlines()
        record = json.loads(lines[-1]) if lines else {}
    reason, code = record.get("reason"), record.get("returncode")
    if reason == "memory":
        return "memory", f"the kernel was killed: it exceeded the memory limit ({record.get('detail')})"
    if reason == "processes":
        return "processes", f"the kernel was killed: too many processes ({record.get('detail')})"
    if reason == "signal" and code is not None:
        return "died", f"the kernel died (killed by signal {-int(code)})"
    if reason == "exit" and code is not None:
        return "died", f"the kernel exited with code {code} (os._exit, sys.exit in C code, or a crash)"
    return "died", "the kernel died"


class SafeExecute(Execute):
    """``nbgrader.preprocessors.Execute`` that never abandons a notebook (see the module docstring)."""

    max_output_bytes = Integer(
        1_000_000, help="Keep at most this many bytes of output per cell; drop the rest (with a note)."
    ).tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        self._aborted = None
        self._output_bytes = {}
        self._notebook = Path((resources or {}).get("unique_key", "notebook")).name
        self._started = time.perf_counter()
        return super().preprocess(nb, resources, km)

    def _event(self, kind: str, cell, index: int, message: str) -> None:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        path = os.environ.get("DLCOURSE_GRADE_EVENTS")
        if path:
            with open(path, "a") as f:
                f.write(json.dumps({"notebook": self._notebook, "cell": index, "grade_id": grade_id,
                                    "kind": kind, "message": message}) + "\n")

    def _kill_kernel(self) -> None:
        from jupyter_core.utils import ensure_async, run_sync

        async def shutdown() -> None:
            await ensure_async(self.km.shutdown_kernel(now=True))

        try:
            if self.km is not None:
                run_sync(shutdown)()
        except Exception:  # noqa: BLE001 - the kernel is gone either way
            pass

    def preprocess_cell(self, cell, resources, index):
        TIMINGS.setdefault("kernel_start", time.perf_counter() - self._started)
        if self._aborted is not None:
            if cell.cell_type == "code" and cell.source.strip():
                cell.outputs = [error_output("NotExecuted", f"not executed: {self._aborted}")]
            return cell, self.resources
        original = cell.source
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade"):
            cell.source = instrument(original)  # marks where the hidden tests' output starts
        try:
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            kind, message = describe_death(os.environ.get("DLCOURSE_SANDBOX_STATUS"))
        except CellTimeoutError:
            kind = "timeout"
            message = (f"the cell ran longer than the {self.timeout} s limit and did not stop when interrupted; "
                       "the kernel was stopped")
            self._kill_kernel()
        finally:
            cell.source = original
        cell.outputs = [*cell.get("outputs", []), error_output("KernelDied" if kind != "timeout" else
                                                                "CellTimeoutError", message)]
        self._aborted = f"{message} (in an earlier cell)"
        self._event(kind, cell, index, message)
        return cell, self.resources

    def on_cell_executed(self, **kwargs):
        super().on_cell_executed(**kwargs)
        reply = kwargs["execute_reply"]
        cell = kwargs["cell"]
        if reply and reply.get("content", {}).get("status") == "ok" and cell.metadata.get("nbgrader", {}).get("grade"):
            # nbgrader scores a test cell 0 if it wrote anything to stderr, even a library warning. Only an
            # exception should fail a test: keep the text, as stdout.
            for output in cell.outputs:
                if output.get("output_type") == "stream" and output.get("name") == "stderr":
                    output["name"] = "stdout"
        if reply and reply.get("content", {}).get("ename") == "CellTimeoutError":
            cell = kwargs["cell"]
            self._event("timeout", cell, kwargs["cell_index"],
                        f"the cell ran longer than the {self.timeout} s limit and was interrupted")

    def process_message(self, msg, cell, cell_index):
        if msg.get("msg_type") in OUTPUT_TYPES:
            content = msg.get("content", {})
            size = len(content.get("text", "")) + sum(len(str(v)) for v in content.get("data", {}).values())
            used = self._output_bytes.get(cell_index, 0)
            self._output_bytes[cell_index] = used + size
            if used + size > self.max_output_bytes:
                if used <= self.max_output_bytes:
                    cell.outputs.append(NotebookNode(
                        output_type="stream", name="stdout",
                        text=f"\n[dlcourse grade: output beyond {self.max_output_bytes} bytes dropped]\n"))
                return None
        return super().process_message(msg, cell, cell_index)

"""The student's kernel in a sandbox: bubblewrap namespaces plus memory and process limits.

nbgrader starts the kernel through a kernel spec whose command is this module
(``python -m dlcourse.grading.sandbox CONNECTION_FILE ...``). The wrapper runs outside the sandbox, reads a
:class:`Spec` (a JSON file named by the environment variable ``DLCOURSE_SANDBOX``) and starts ``ipykernel``
inside ``bwrap`` with:

- its own mount namespace: the system, the Python environment and the ``dlcourse`` package read-only; the course
  data read-only; its own folder (the student's copy of the notebook, nothing else) read-write as
  ``/home/student``; a small private ``/tmp``; nothing else of the host (no solutions, no gradebook, no other
  submissions, no grading workspace);
- its own PID, IPC, UTS and network namespaces (no network; it talks to nbgrader over Unix sockets in a
  folder of its own), a user namespace with no capabilities, and no further user namespaces;
- limits: address space (``RLIMIT_AS``), resident memory of the whole process tree (watched, killed when
  exceeded), number of processes (watched), file size, no core dumps.

When the kernel ends, the wrapper appends one JSON line to ``Spec.status_file`` saying why (exit code, signal,
``memory``, ``processes``), which :mod:`dlcourse.grading.execute` turns into the report line of a dead kernel.

With ``mode="none"`` (no usable bwrap) the same wrapper applies only the limits.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path

SANDBOX_HOME = "/home/student"
SANDBOX_RUNTIME = "/run/kernel"
KERNEL_NAME = "dlcourse-sandbox"

#: Environment variables passed from the grader into the kernel (everything else is cleared).
PASS_ENV = (
    "DLCOURSE_QUICK",
    "DLCOURSE_DATA",
    "KERAS_BACKEND",
    "TF_CPP_MIN_LOG_LEVEL",
    "TF_ENABLE_ONEDNN_OPTS",
    "OMP_NUM_THREADS",
    "CUDA_VISIBLE_DEVICES",
    "PYTHONHASHSEED",
    "NBGRADER_EXECUTION",
    "LANG",
    "LC_ALL",
    "TZ",
)

#: Host paths the kernel may read (when they exist): the system without its secrets.
SYSTEM_PATHS = (
    "/usr",
    "/bin",
    "/sbin",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/etc/alternatives",
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/localtime",
    "/etc/timezone",
    "/etc/passwd",
    "/etc/group",
    "/etc/nsswitch.conf",
    "/etc/hosts",
    "/etc/mime.types",
    "/etc/os-release",
    "/etc/ssl",
    "/etc/ca-certificates",
    "/etc/fonts",
    "/sys/devices/system/cpu",
)

DESCRIPTION = {
    "bwrap": (
        "bubblewrap sandbox: each kernel sees only the system and Python environment (read-only), the course "
        "data (read-only) and its own copy of the notebook (read-write); no network, own PID/IPC namespaces, "
        "no capabilities; memory, process and file-size limits"
    ),
    "none": (
        "NO sandbox (bwrap unavailable): kernels run as the grading user and could read or write any file that "
        "user can; only the memory, process and file-size limits apply. Install bubblewrap "
        "(scripts/install-system-deps.sh) for isolation"
    ),
}


@dataclass
class Spec:
    """What the kernel wrapper needs to know; written as JSON by the grading worker."""

    mode: str  # "bwrap" or "none"
    home: str  # host folder seen as /home/student (read-write): the kernel's own copy of the submission
    workdir: str  # folder inside home where the kernel starts (the assignment folder)
    runtime: str  # host folder with the connection file and the IPC sockets (short path)
    status_file: str  # host file the wrapper appends one JSON line to when the kernel ends
    read_only: list[str] = field(default_factory=list)  # extra host paths visible read-only (course data)
    env: dict[str, str] = field(default_factory=dict)
    memory: int = 0  # bytes of resident memory for the kernel's process tree (0: no limit)
    max_processes: int = 64
    max_file_size: int = 2**30
    tmp_size: int = 256 * 2**20

    def save(self, path: Path) -> None:
        Path(path).write_text(json.dumps(asdict(self), indent=1))

    @classmethod
    def load(cls, path: Path) -> Spec:
        return cls(**json.loads(Path(path).read_text()))


def parse_size(text: str | int) -> int:
    """``"2G"``, ``"512M"``, ``"1.5GiB"``, ``0`` → bytes."""
    if isinstance(text, int):
        return text
    s = str(text).strip().upper().removesuffix("IB").removesuffix("B")
    factor = {"K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}.get(s[-1:], 1)
    number = s[:-1] if s[-1:] in "KMGT" else s
    return int(float(number) * factor)


def format_size(n: int) -> str:
    for unit, factor in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= factor:
            return f"{n / factor:.1f} {unit}"
    return f"{n} B"


# --------------------------------------------------------------------------------------------------------------
# The bwrap command line


def python_paths() -> list[str]:
    """Host folders the kernel's Python needs: the interpreter, the environment, the dlcourse package."""
    import dlcourse

    paths = {Path(sys.base_prefix), Path(sys.prefix), Path(dlcourse.__file__).resolve().parent}
    paths |= {Path(p) for p in sys.path if p and Path(p).is_dir() and "site-packages" in p}
    real = sorted({p.resolve() for p in paths})
    # keep only outermost folders
    return [str(p) for p in real if not any(q != p and q in p.parents for q in real)]


def _bind(kind: str, path: str) -> list[str]:
    p = Path(path)
    if p.is_symlink() and kind.startswith("--ro-bind"):
        return ["--symlink", os.readlink(p), path]
    return [kind, path, path]


def bwrap_command(spec: Spec, command: list[str]) -> list[str]:
    """The ``bwrap`` argument list running ``command`` under ``spec`` (see the module docstring)."""
    bwrap = shutil.which("bwrap") or "bwrap"
    args = [bwrap, "--unshare-user", "--uid", "1000", "--gid", "1000", "--disable-userns",
            "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
            "--hostname", "grader", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--clearenv"]
    for path in SYSTEM_PATHS:
        if os.path.lexists(path):
            args += _bind("--ro-bind", path)
    for path in python_paths():
        args += ["--ro-bind", path, path]
    for path in spec.read_only:
        if os.path.exists(path):
            real = os.path.realpath(path)
            args += ["--ro-bind", real, real]
            if real != os.path.abspath(path):
                args += ["--ro-bind", real, os.path.abspath(path)]
    args += ["--proc", "/proc", "--dev", "/dev",
             "--size", str(spec.tmp_size), "--tmpfs", "/tmp",
             "--size", str(spec.tmp_size), "--tmpfs", "/dev/shm",
             "--bind", spec.home, SANDBOX_HOME,
             "--bind", spec.runtime, SANDBOX_RUNTIME,
             "--remount-ro", "/",
             "--chdir", f"{SANDBOX_HOME}/{spec.workdir}".rstrip("/")]
    for key, value in sandbox_env(spec).items():
        args += ["--setenv", key, value]
    return [*args, "--", *command]


def sandbox_env(spec: Spec) -> dict[str, str]:
    env = {
        "HOME": SANDBOX_HOME,
        "USER": "student",
        "LOGNAME": "student",
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "TMPDIR": "/tmp",
        "MPLBACKEND": "Agg",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
    }
    env.update(spec.env)
    return env


@cache
def probe_bwrap() -> str | None:
    """None if a bwrap sandbox starts here, else why not (one line)."""
    if not shutil.which("bwrap"):
        return "bwrap is not installed (apt-get install bubblewrap, or scripts/install-system-deps.sh)"
    import tempfile

    with tempfile.TemporaryDirectory(prefix="dlg-probe-") as tmp:
        for sub in ("home", "run"):
            os.mkdir(os.path.join(tmp, sub))
        spec = Spec(mode="bwrap", home=f"{tmp}/home", workdir="", runtime=f"{tmp}/run",
                    status_file=f"{tmp}/status")
        cmd = bwrap_command(spec, [sys.executable, "-c", "import os; open('/home/student/ok', 'w').write('1')"])
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.SubprocessError) as exc:
            return f"bwrap failed to start: {exc}"
        if proc.returncode != 0 or not os.path.exists(f"{tmp}/home/ok"):
            return f"bwrap cannot create a sandbox here: {proc.stderr.strip().splitlines()[-1:] or proc.returncode}"
    return None


def choose_mode(requested: str = "auto") -> tuple[str, str]:
    """Resolve ``auto|bwrap|none`` to the mode that will run and a one-line description of what it covers.

    Raises RuntimeError if ``bwrap`` was requested and cannot run.
    """
    if requested not in ("auto", "bwrap", "none"):
        raise ValueError(f"isolation must be auto, bwrap or none, not {requested!r}")
    if requested == "none":
        return "none", DESCRIPTION["none"]
    problem = probe_bwrap()
    if problem is None:
        return "bwrap", DESCRIPTION["bwrap"]
    if requested == "bwrap":
        raise RuntimeError(problem)
    return "none", f"{DESCRIPTION['none']} [{problem}]"


def write_kernelspec(folder: Path) -> Path:
    """Write the kernel spec of the sandboxed kernel into ``folder/kernels/`` (put ``folder`` on JUPYTER_PATH)."""
    spec_dir = Path(folder) / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "dlcourse.grading.sandbox", "{connection_file}"],
        "display_name": "Python 3 (dlcourse grading sandbox)",
        "language": "python",
        "interrupt_mode": "signal",
        "metadata": {"debugger": False},
    }, indent=1))
    return spec_dir


# --------------------------------------------------------------------------------------------------------------
# The kernel wrapper (runs outside the sandbox, as the kernel process nbgrader sees)


def _children(pid: int) -> list[int]:
    kids = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                kids += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return kids


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants."""
    seen, todo = [], [pid]
    while todo:
        p = todo.pop()
        seen.append(p)
        todo += _children(p)
    return seen


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


def _comm(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return ""


def _limits(spec: Spec):
    def apply() -> None:
        if spec.memory:
            cap = 2 * spec.memory + 2**30  # address space: generous (threads reserve much more than they use)
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_FSIZE, (spec.max_file_size, spec.max_file_size))

    return apply


def _kernel_command(spec: Spec, connection_file: str, extra: list[str]) -> tuple[list[str], dict | None, str]:
    """The command (and env, cwd) that starts ipykernel, inside bwrap or not."""
    info = json.loads(Path(connection_file).read_text())
    if spec.mode == "bwrap":
        if info.get("transport") != "ipc":
            raise SystemExit("dlcourse sandbox: the kernel must use the ipc transport (no network inside)")
        ip = Path(info["ip"])
        if ip.parent.resolve() != Path(spec.runtime).resolve():
            raise SystemExit(f"dlcourse sandbox: IPC sockets ({ip}) must live in {spec.runtime}")
        info["ip"] = f"{SANDBOX_RUNTIME}/{ip.name}"
        (Path(spec.runtime) / "sandbox-connection.json").write_text(json.dumps(info))
        kernel = [sys.executable, "-m", "ipykernel_launcher", "-f", f"{SANDBOX_RUNTIME}/sandbox-connection.json",
                  *extra]
        return bwrap_command(spec, kernel), None, "/"
    env = {k: v for k, v in os.environ.items() if k.startswith(("PATH", "LANG", "LC_"))}
    env.update(sandbox_env(spec))
    env["HOME"] = spec.home
    env["PATH"] = os.environ.get("PATH", env["PATH"])
    cwd = str(Path(spec.home) / spec.workdir)
    return [sys.executable, "-m", "ipykernel_launcher", "-f", connection_file, *extra], env, cwd


def run_kernel(connection_file: str, extra: list[str]) -> int:
    """Start the kernel under the spec named by ``$DLCOURSE_SANDBOX``, watch it, report how it ended."""
    spec = Spec.load(Path(os.environ["DLCOURSE_SANDBOX"]))
    command, env, cwd = _kernel_command(spec, connection_file, extra)
    parent = os.getppid()
    child = subprocess.Popen(command, env=env, cwd=cwd, preexec_fn=_limits(spec), start_new_session=True)
    state = {"reason": None, "peak_rss": 0, "detail": ""}

    def kill_tree() -> None:
        for pid in reversed(process_tree(child.pid)):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def forward_interrupt(signum, frame) -> None:  # Ctrl-C from nbclient (timeout) goes to the kernel itself
        for pid in process_tree(child.pid):
            if _comm(pid) != "bwrap":
                try:
                    os.kill(pid, signal.SIGINT)
                except ProcessLookupError:
                    pass

    def terminate(signum, frame) -> None:
        state["reason"] = state["reason"] or "terminated"
        kill_tree()

    signal.signal(signal.SIGINT, forward_interrupt)
    signal.signal(signal.SIGTERM, terminate)
    while child.poll() is None:
        time.sleep(0.1)
        tree = process_tree(child.pid)
        rss = sum(_rss(p) for p in tree)
        state["peak_rss"] = max(state["peak_rss"], rss)
        if os.getppid() != parent:
            state["reason"] = "orphaned"
            kill_tree()
        elif spec.memory and rss > spec.memory:
            state["reason"] = "memory"
            state["detail"] = f"limit {format_size(spec.memory)}"
            kill_tree()
        elif spec.max_processes and len(tree) > spec.max_processes + 3:  # + wrapper, bwrap, bwrap's init
            state["reason"] = "processes"
            state["detail"] = f"limit {spec.max_processes}"
            kill_tree()
    code = child.returncode
    reason = state["reason"] or ("signal" if code < 0 else "exit")
    record = {"time": time.time(), "reason": reason, "returncode": code, "peak_rss": state["peak_rss"],
              "detail": state["detail"]}
    with open(spec.status_file, "a") as f:
        f.write(json.dumps(record) + "\n")
    return 0 if code == 0 else 1


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        print("usage: python -m dlcourse.grading.sandbox CONNECTION_FILE [KERNEL ARGS...]", file=sys.stderr)
        return 2
    return run_kernel(argv[0], argv[1:])


if __name__ == "__main__":
    sys.exit(main())

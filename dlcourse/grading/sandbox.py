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
        "NO sandbox (--isolation none): kernels run as the grading user and could read or write any file that "
        "user can; only the memory, process and file-size limits apply"
    ),
}

#: How to get a sandbox, or to grade without one knowingly (in the error of ``auto`` without bubblewrap).
FIX = ("Install bubblewrap (sudo bash scripts/install-system-deps.sh, or apt-get install bubblewrap) and make sure "
       "unprivileged user namespaces are allowed; or pass --isolation none to grade WITHOUT isolation")

#: One line for every report of a run without isolation (summary, feedback, command output).
NO_ISOLATION_NOTE = ("graded WITHOUT isolation (--isolation none): the notebook ran with the grader's "
                     "permissions, not in a sandbox")


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
    """Host folders the kernel's Python needs, as the kernel names them: the interpreter, the environment, its
    site-packages and the dlcourse package (unresolved: a symlinked folder on the way stays as it is)."""
    import dlcourse

    paths = [sys.base_prefix, sys.prefix, os.path.dirname(sys.executable), os.path.dirname(dlcourse.__file__)]
    paths += [p for p in sys.path if p and "site-packages" in p and os.path.isdir(p)]
    return sorted({os.path.abspath(p) for p in paths})


def mounts(paths: list[str]) -> list[tuple[str, str]]:
    """(host source, sandbox destination) read-only binds that make every path of ``paths`` work inside the
    sandbox as it works outside: the real folder at its real path, and again at the path as given when a
    symbolic link on the way makes them differ. Binds made redundant by an outer one are left out; outer ones
    come first (bwrap mounts in order)."""
    pairs = set()
    for path in paths:
        real = os.path.realpath(path)
        pairs.add((real, real))
        pairs.add((real, os.path.abspath(path)))

    def covered(src: str, dst: str) -> bool:
        for src2, dst2 in pairs:
            if dst2 != dst and Path(dst2) in Path(dst).parents:
                if src == os.path.join(src2, os.path.relpath(dst, dst2)):
                    return True
        return False

    return sorted((p for p in pairs if not covered(*p)), key=lambda p: (p[1].count("/"), p[1]))


def bwrap_command(spec: Spec, command: list[str]) -> list[str]:
    """The ``bwrap`` argument list running ``command`` under ``spec`` (see the module docstring).

    bwrap applies its mount operations in order, so the fresh file systems (``/proc``, ``/dev``, the private
    ``/tmp`` and ``/dev/shm``) come first and the binds of the system, the Python environment, the course data
    and the kernel's own folders after them: an environment or a course under ``/tmp`` stays visible.
    """
    bwrap = shutil.which("bwrap") or "bwrap"
    args = [bwrap, "--unshare-user", "--uid", "1000", "--gid", "1000", "--disable-userns",
            "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
            "--hostname", "grader", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--clearenv",
            "--proc", "/proc", "--dev", "/dev",
            "--size", str(spec.tmp_size), "--tmpfs", "/tmp",
            "--size", str(spec.tmp_size), "--tmpfs", "/dev/shm"]
    system = [path for path in SYSTEM_PATHS if os.path.lexists(path)]
    for path in system:
        if os.path.islink(path):  # /bin -> usr/bin on merged-/usr systems
            args += ["--symlink", os.readlink(path), path]
    wanted = [p for p in system if not os.path.islink(p)] + python_paths()
    wanted += [p for p in spec.read_only if os.path.exists(p)]
    for source, dest in mounts(wanted):
        if source != dest and any(Path(p) in Path(dest).parents for p in system):
            continue  # an alias inside the system's folders: the host's own symbolic links are visible there
        args += ["--ro-bind", source, dest]
    args += ["--bind", spec.home, SANDBOX_HOME,
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
        return "bwrap is not installed"
    import tempfile

    with tempfile.TemporaryDirectory(prefix="dlg-probe-") as tmp:
        for sub in ("home", "run"):
            os.mkdir(os.path.join(tmp, sub))
        spec = Spec(mode="bwrap", home=f"{tmp}/home", workdir="", runtime=f"{tmp}/run",
                    status_file=f"{tmp}/status")
        code = "import dlcourse.grading.sandbox, ipykernel; open('/home/student/ok', 'w').write('1')"
        cmd = bwrap_command(spec, [sys.executable, "-c", code])  # the kernel's Python and packages, in there
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.SubprocessError) as exc:
            return f"bwrap failed to start: {exc}"
        if proc.returncode != 0 or not os.path.exists(f"{tmp}/home/ok"):
            last = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[-1]
            return f"bwrap cannot start the kernel's Python in a sandbox here ({last})"
    return None


def choose_mode(requested: str = "auto") -> tuple[str, str]:
    """Resolve ``auto|bwrap|none`` to the mode that will run and a one-line description of what it covers.

    Grading runs without isolation only when ``none`` is asked for: ``auto`` and ``bwrap`` raise RuntimeError
    (with the probe's reason and the fix) when no bubblewrap sandbox starts here.
    """
    if requested not in ("auto", "bwrap", "none"):
        raise ValueError(f"isolation must be auto, bwrap or none, not {requested!r}")
    if requested == "none":
        return "none", DESCRIPTION["none"]
    problem = probe_bwrap()
    if problem is None:
        return "bwrap", DESCRIPTION["bwrap"]
    raise RuntimeError(f"no sandbox: {problem}. {FIX}")


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


def children(pid: int) -> list[int]:
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
        todo += children(p)
    return seen


# --------------------------------------------------------------------------------------------------------------
# No process a submission started outlives its grading
#
# The batch, each grading worker and each kernel wrapper are "child subreapers": a process orphaned below them
# (a double-forked daemon, the kernel of a wrapper that was killed) is re-parented to them instead of to PID 1,
# so it stays their descendant and :func:`kill_descendants` finds it. In ``none`` mode the kernel also dies with
# its wrapper (``PR_SET_PDEATHSIG``); in ``bwrap`` mode bwrap does that (``--die-with-parent``) and its PID
# namespace ends every process inside when the kernel ends.

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
PR_GET_CHILD_SUBREAPER = 37


def _prctl(option: int, value: int) -> bool:
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(option, value, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def become_subreaper(on: bool = True) -> bool:
    """Make this process the reaper of its orphaned descendants (Linux); True if it worked."""
    return _prctl(PR_SET_CHILD_SUBREAPER, int(on))


def is_subreaper() -> bool:
    import ctypes

    try:
        flag = ctypes.c_int(0)
        ctypes.CDLL(None, use_errno=True).prctl(PR_GET_CHILD_SUBREAPER, ctypes.byref(flag), 0, 0, 0)
        return bool(flag.value)
    except (OSError, AttributeError):
        return False


def die_with_parent() -> None:
    """In a child (``preexec_fn``): be killed when the parent ends."""
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _alive(pid: int) -> bool:
    """Running (not a zombie, not gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False


def kill_descendants(pid: int | None = None, spare: set[int] | frozenset[int] = frozenset()) -> int:
    """SIGKILL every descendant of ``pid`` (default: this process) except the subtrees rooted at ``spare``,
    until none is left (a process may fork while we look); reap those that end up as our children. Returns how
    many processes were killed."""
    me = os.getpid()
    root = me if pid is None else pid
    killed: set[int] = set()
    for _ in range(200):
        victims = []
        todo = [p for p in children(root) if p not in spare]
        while todo:
            p = todo.pop()
            victims.append(p)
            todo += [q for q in children(p) if q not in spare]
        victims = [p for p in victims if _alive(p)]
        if not victims:
            break
        for p in victims:
            try:
                os.kill(p, signal.SIGKILL)
                killed.add(p)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.01)
    for p in children(me):  # reap the zombies we own (orphans re-parented to us), never a spared process
        if p not in spare and not _alive(p):
            try:
                os.waitpid(p, os.WNOHANG)
            except ChildProcessError:
                pass
    return len(killed)


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
        die_with_parent()  # a killed wrapper takes its kernel along (bwrap does the same with --die-with-parent)
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
    become_subreaper()  # whatever the kernel daemonises stays below us, counted and killed with it
    child = subprocess.Popen(command, env=env, cwd=cwd, preexec_fn=_limits(spec), start_new_session=True)
    state = {"reason": None, "peak_rss": 0, "detail": ""}

    def kill_tree() -> None:
        kill_descendants()

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
        tree = process_tree(os.getpid())[1:]
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
    kill_tree()  # the kernel has ended: so does everything it started
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

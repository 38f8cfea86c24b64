"""A real JupyterHub for tests: configuration, start and stop, its REST API, and code run in users' kernels.

:func:`start_hub` writes a ``jupyterhub_config.py`` into a scratch folder and starts ``jupyterhub`` (with
``configurable-http-proxy``) on 127.0.0.1: SharedPasswordAuthenticator (one class password and the list of
users), an admin service token for the REST API, and ``SimpleLocalProcessSpawner`` with every home under the
scratch folder. Each user's
``jupyterhub-singleuser`` runs inside a bubblewrap sandbox (:func:`write_sandbox_launcher`) that gives it what a
Zero to JupyterHub pod gives it: the user is ``jovyan`` (uid 1000 in its own user namespace), the whole machine is
read-only, its own home and the nbgrader exchange are the only writable places, the course data is a read-only
mount, and the other users' homes (and the Hub's database) do not exist in its file system. The Unix users are
not separate (outside the sandbox every process is root's), but the file-system isolation between users is real.

Every process started for a hub carries ``HUB_TEST_MARK=<id>`` in its environment, so :meth:`Hub.stop` can find
and kill anything left behind, even after a failure.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

MARK = "HUB_TEST_MARK"
#: The one account name every user has inside the sandbox, as in the Jupyter Docker Stacks images that Zero to
#: JupyterHub runs (nbgrader then takes the student id from JUPYTERHUB_USER).
SANDBOX_USER = "jovyan"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def missing_tools() -> list[str]:
    """What this machine lacks to run a hub test, each with the fix ([] when all is there)."""
    bindir = Path(sys.executable).parent
    problems = []
    if not (bindir / "jupyterhub").exists():
        problems.append(f"jupyterhub is not installed in {bindir} (fix: make test-env)")
    if not (bindir / "jupyterhub-singleuser").exists():
        problems.append(f"jupyterhub-singleuser is not installed in {bindir} (fix: make test-env)")
    if not shutil.which("configurable-http-proxy"):
        problems.append("configurable-http-proxy is not on PATH (fix: npm install -g configurable-http-proxy, "
                        "which scripts/install-system-deps.sh does)")
    if not shutil.which("bwrap"):
        problems.append("bwrap (bubblewrap) is not installed (fix: sudo bash scripts/install-system-deps.sh)")
    return problems


#: Top-level folders the servers do not see from the host (fresh ones, or none, instead).
HIDDEN = ("proc", "dev", "sys", "tmp", "root", "home", "lost+found")


def write_sandbox_launcher(base: Path, exchange: Path, data: Path, keep_visible: list[Path],
                           graders: list[str]) -> Path:
    """Write ``base/serve-sandboxed`` (a shell script the spawner runs in front of ``jupyterhub-singleuser``).

    The script gives the server a mount namespace where ``/`` is read-only, ``/tmp`` and ``base`` are empty
    private tmpfs (so no other user's home, nor the Hub's files, exist), and only ``$HOME`` (the spawner sets it
    to this user's home) and the exchange are bound writable; ``data`` is bound read-only. ``keep_visible``:
    folders the server must still read although they lie in a hidden place (the course checkout, the Python
    environment and its base interpreter, for example under /tmp or /root).

    Students get their own PID namespace and a fresh /proc. ``graders`` (the instructor) instead share the
    host's /proc, without a PID namespace: `dlcourse grade` starts a bubblewrap sandbox per submission, and the
    kernel refuses to mount the fresh /proc of such a nested sandbox inside a /proc that bwrap has partly covered
    ("Can't mount proc: Operation not permitted"). On Kubernetes the same holds: grading needs a pod that may
    create namespaces, which students' pods should not be.
    """
    etc = base / "sandbox-etc"
    etc.mkdir(parents=True, exist_ok=True)
    (etc / "passwd").write_text(f"root:x:0:0:root:/root:/bin/bash\n{SANDBOX_USER}:x:1000:1000::/home/jovyan:"
                                "/bin/bash\nnobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\n")
    (etc / "group").write_text(f"root:x:0:\n{SANDBOX_USER}:x:1000:\nnogroup:x:65534:\n")
    args = ["--unshare-user", "--uid", "1000", "--gid", "1000", "--unshare-ipc", "--die-with-parent"]
    # The system's top-level folders one by one rather than all of "/": a bind of "/" would carry the host's
    # /proc with its masked entries along, and the kernel then refuses the nested sandbox that `dlcourse grade`
    # starts a fresh /proc for ("Can't mount proc"). /root (secrets) and /home are left out.
    for entry in sorted(Path("/").iterdir()):
        if entry.name in HIDDEN:
            continue
        if entry.is_symlink():
            args += ["--symlink", os.readlink(entry), str(entry)]
        elif entry.is_dir():
            args += ["--ro-bind", str(entry), str(entry)]
    args += ["--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", "/dev/shm", "--tmpfs", str(base)]
    seen = set()
    for path in keep_visible:
        for p in (path.resolve(), path.absolute()):
            if (p.parts[1] in HIDDEN or base in p.parents) and p not in seen and p.exists():
                seen.add(p)
                args += ["--ro-bind", str(p.resolve()), str(p)]
    args += ["--ro-bind", str(etc / "passwd"), "/etc/passwd", "--ro-bind", str(etc / "group"), "/etc/group",
             "--ro-bind", str(data), str(data), "--bind", str(exchange), str(exchange), "--dir", "/home"]
    quoted = " ".join(f"'{a}'" for a in args)
    script = base / "serve-sandboxed"
    script.write_text(textwrap.dedent(f"""\
        #!/bin/sh
        # One user's Jupyter server, as in a Zero to JupyterHub pod: read-only system, own home writable,
        # shared exchange writable, course data read-only, nobody else's home visible.
        case "$JUPYTERHUB_USER" in
            {"|".join(graders) or "-"}) PROC="--bind /proc /proc" ;;
            *) PROC="--unshare-pid --proc /proc" ;;
        esac
        exec bwrap $PROC {quoted} --bind "$HOME" "$HOME" --remount-ro / --chdir "$HOME" -- "$@"
        """))
    script.chmod(0o755)
    return script


@dataclass
class Hub:
    """A running JupyterHub: its public URL (the proxy), its REST API, the admin token, the process."""

    base: Path
    url: str
    admin_token: str
    password: str
    mark: str
    proc: subprocess.Popen
    log: Path
    tokens: dict[str, str] = field(default_factory=dict)

    # ---- the Hub's REST API

    def api(self, method: str, path: str, body=None, token: str | None = None, timeout: float = 30):
        """Call ``/hub/api/<path>``; returns the decoded JSON (None for an empty body)."""
        return json_request(method, f"{self.url}/hub/api/{path.lstrip('/')}", token or self.admin_token, body,
                            timeout=timeout)

    def tail(self, chars: int = 4000) -> str:
        """The end of the Hub's log (it includes the single-user servers' output)."""
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    def start_servers(self, names: list[str], timeout: float = 200) -> None:
        """Ask the Hub to spawn each user's server (all at once), then wait until every one is ready."""
        for name in names:
            self.api("POST", f"users/{name}/server")
        deadline = time.monotonic() + timeout
        waiting = set(names)
        while waiting:
            for name in sorted(waiting):
                server = self.api("GET", f"users/{name}").get("servers", {}).get("")
                if server and server.get("ready"):
                    waiting.discard(name)
            if not waiting:
                break
            if self.proc.poll() is not None:
                raise RuntimeError(f"the Hub exited with code {self.proc.returncode}:\n{self.tail()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"servers of {sorted(waiting)} not ready after {timeout:.0f} s:\n{self.tail()}")
            time.sleep(0.5)

    def server(self, name: str) -> UserServer:
        """A client for ``name``'s server (through the proxy) with a token the Hub issued to that user."""
        if name not in self.tokens:
            reply = self.api("POST", f"users/{name}/tokens", {"note": "hub test", "expires_in": 3600})
            self.tokens[name] = reply["token"]
        return UserServer(f"{self.url}/user/{name}", self.tokens[name])

    def login(self, name: str, password: str) -> tuple[int, list[str]]:
        """Log in through the Hub's login form, as a browser does; returns (HTTP status, names of the cookies set).

        A good login answers 302 with the Hub's login cookie; a bad one 403."""
        import http.cookiejar
        import urllib.parse

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
        opener.open(f"{self.url}/hub/login", timeout=30).read()
        xsrf = next((c.value for c in jar if c.name == "_xsrf"), "")
        form = urllib.parse.urlencode({"username": name, "password": password, "_xsrf": xsrf}).encode()
        try:
            with opener.open(f"{self.url}/hub/login", data=form, timeout=30) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        return status, sorted(c.name for c in jar)

    # ---- stopping

    def stop(self) -> list[str]:
        """Stop every server and the Hub (and its proxy); kill whatever carries the mark 5 s later. Returns what
        had to be killed (empty when the Hub cleaned up after itself)."""
        if self.proc.poll() is None:
            try:
                for user in self.api("GET", "users", timeout=5):
                    if user.get("servers"):
                        try:
                            self.api("DELETE", f"users/{user['name']}/server", timeout=5)
                        except (urllib.error.URLError, OSError):
                            pass
            except (urllib.error.URLError, OSError, ValueError):
                pass
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)  # the Hub stops its servers and proxy on SIGTERM
                self.proc.wait(timeout=20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        # an orphaned kernel notices that its server is gone within a second (ipykernel polls its parent)
        deadline = time.monotonic() + 5
        while marked_pids(self.mark) and time.monotonic() < deadline:
            time.sleep(0.2)
        killed = kill_marked(self.mark)
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait(timeout=10)
        return killed


def marked_pids(mark: str) -> list[int]:
    """Processes whose environment holds ``HUB_TEST_MARK=mark``."""
    needle = f"{MARK}={mark}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if needle in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def kill_marked(mark: str) -> list[str]:
    """SIGKILL every process carrying the mark; returns their command lines."""
    killed = []
    for pid in marked_pids(mark):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")[:100]
            os.kill(pid, signal.SIGKILL)
            killed.append(f"{pid} {cmd}")
        except OSError:
            pass
    return killed


def start_hub(base: Path, users: list[str], *, data: Path, exchange: Path, keep_visible: list[Path],
              environment: dict[str, str], graders: list[str] = (), timeout: float = 60) -> Hub:
    """Configure and start a JupyterHub in ``base/hub`` for ``users`` (homes: ``base/homes/<user>``)."""
    bindir = Path(sys.executable).parent
    hub_dir = base / "hub"
    hub_dir.mkdir(parents=True)
    (base / "homes").mkdir(exist_ok=True)
    launcher = write_sandbox_launcher(base, exchange, data, keep_visible, list(graders))
    mark = uuid.uuid4().hex
    admin_token, password = secrets.token_hex(16), secrets.token_hex(8)
    proxy_port, hub_port, api_port = free_port(), free_port(), free_port()
    env_for_servers = {**environment, MARK: mark}
    (hub_dir / "jupyterhub_config.py").write_text(textwrap.dedent(f"""\
        c = get_config()  # noqa
        c.JupyterHub.ip = "127.0.0.1"
        c.JupyterHub.port = {proxy_port}
        c.JupyterHub.hub_ip = "127.0.0.1"
        c.JupyterHub.hub_port = {hub_port}
        c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
        c.ConfigurableHTTPProxy.auth_token = {secrets.token_hex(16)!r}
        c.ConfigurableHTTPProxy.pid_file = {str(hub_dir / "proxy.pid")!r}
        c.JupyterHub.db_url = "sqlite:///{hub_dir}/jupyterhub.sqlite"
        c.JupyterHub.cookie_secret_file = {str(hub_dir / "cookie_secret")!r}
        c.JupyterHub.pid_file = {str(hub_dir / "hub.pid")!r}
        c.JupyterHub.cleanup_servers = True
        # JupyterHub's own authenticator for a class or workshop: one shared password, a list of users
        c.JupyterHub.authenticator_class = "shared-password"
        c.SharedPasswordAuthenticator.user_password = {password!r}
        c.Authenticator.allowed_users = {set(users)!r}
        # the test drives the Hub through its REST API with this service's token (admin role)
        c.JupyterHub.services = [{{"name": "course-admin", "api_token": {admin_token!r}}}]
        c.JupyterHub.load_roles = [{{"name": "admin", "services": ["course-admin"]}}]
        c.JupyterHub.spawner_class = "simple"
        c.SimpleLocalProcessSpawner.home_dir_template = {str(base / "homes" / "{username}")!r}
        c.Spawner.cmd = [{str(launcher)!r}, {str(bindir / "jupyterhub-singleuser")!r}]
        # generous: three servers start at once on a loaded 2-core CI machine (38 s seen at load 9)
        c.Spawner.start_timeout = 180
        c.Spawner.http_timeout = 150
        c.Spawner.environment = {env_for_servers!r}
        # the per-user writable data cache lives in the user's own home
        c.Spawner.environment["DLCOURSE_CACHE"] = lambda spawner: spawner.home_dir + "/.cache/dlcourse"
        """))
    log = hub_dir / "hub.log"
    env = {**os.environ, MARK: mark, "PATH": f"{bindir}:{os.environ.get('PATH', '')}"}
    with open(log, "w") as out:
        proc = subprocess.Popen([str(bindir / "jupyterhub"), "-f", str(hub_dir / "jupyterhub_config.py")],
                                cwd=hub_dir, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    hub = Hub(base, f"http://127.0.0.1:{proxy_port}", admin_token, password, mark, proc, log)
    deadline = time.monotonic() + timeout
    while True:
        try:
            hub.api("GET", "", timeout=5)
            return hub
        except (urllib.error.URLError, ConnectionError, OSError):
            if proc.poll() is not None or time.monotonic() > deadline:
                hub.stop()
                raise RuntimeError(f"JupyterHub did not start within {timeout:.0f} s:\n{hub.tail()}") from None
            time.sleep(0.3)


def json_request(method: str, url: str, token: str, body=None, *, raw: bytes | None = None, timeout: float = 60):
    """One authenticated call to a Jupyter or Hub REST endpoint; returns the decoded JSON (None for an empty body)."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(url, data=data, method=method, headers={
        "Authorization": f"token {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        text = response.read()
    return json.loads(text) if text else None


@dataclass
class UserServer:
    """One user's Jupyter server, reached through the Hub's proxy with that user's token."""

    url: str
    token: str

    def request(self, method: str, path: str, body=None, timeout: float = 60, raw: bytes | None = None):
        return json_request(method, f"{self.url}/{path.lstrip('/')}", self.token, body, raw=raw, timeout=timeout)

    def start_kernel(self) -> str:
        return self.request("POST", "api/kernels", {"name": "python3"})["id"]

    def execute(self, kernel: str, code: str, timeout: float = 120) -> tuple[str, list[str]]:
        """Run ``code`` in the kernel over its websocket (as JupyterLab does); returns (output, errors)."""
        return asyncio.run(self._execute(kernel, code, timeout))

    async def _execute(self, kernel: str, code: str, timeout: float) -> tuple[str, list[str]]:
        from tornado.httpclient import HTTPRequest
        from tornado.websocket import websocket_connect

        url = self.url.replace("http://", "ws://", 1) + f"/api/kernels/{kernel}/channels"
        conn = await websocket_connect(HTTPRequest(url, headers={"Authorization": f"token {self.token}"},
                                                   connect_timeout=30, request_timeout=timeout))
        msg_id, session = uuid.uuid4().hex, uuid.uuid4().hex
        conn.write_message(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "test", "session": session,
                       "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "version": "5.3"},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True},
        }))
        output, errors, replied, idle = [], [], False, False
        deadline = time.monotonic() + timeout
        try:
            while not (replied and idle):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"no reply from the kernel within {timeout:.0f} s; output so far: "
                                       f"{''.join(output)[-2000:]}")
                raw = await asyncio.wait_for(conn.read_message(), remaining)
                if raw is None:
                    raise ConnectionError(f"the kernel websocket closed; output so far: {''.join(output)[-2000:]}")
                msg = json.loads(raw)
                if msg.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind, content = msg["msg_type"], msg["content"]
                if kind == "stream":
                    output.append(content["text"])
                elif kind in ("execute_result", "display_data"):
                    output.append(content.get("data", {}).get("text/plain", "") + "\n")
                elif kind == "error":
                    errors.append(f"{content['ename']}: {content['evalue']}")
                elif kind == "execute_reply":
                    replied = True
                elif kind == "status" and content.get("execution_state") == "idle":
                    idle = True
        finally:
            conn.close()
        return "".join(output), errors

    def run_command(self, kernel: str, command: str, timeout: float = 180) -> dict:
        """Run a shell command from the user's kernel (as in a notebook's ``!command``), in their home.

        Returns ``{"rc", "out"}`` (stdout and stderr together, the last 6,000 characters)."""
        code = textwrap.dedent(f"""\
            import json, os, subprocess
            _p = subprocess.run({command!r}, shell=True, cwd=os.environ["HOME"], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, timeout={timeout - 5!r})
            print("RESULT" + json.dumps({{"rc": _p.returncode, "out": _p.stdout[-6000:]}}))
            """)
        output, errors = self.execute(kernel, code, timeout)
        if errors or "RESULT" not in output:
            raise RuntimeError(f"could not run {command!r} in the kernel: {errors} {output[-2000:]}")
        return json.loads(output.split("RESULT", 1)[1].strip().splitlines()[0])

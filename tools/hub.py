"""A real JupyterHub on this machine, and a class of learners driving it.

What an instructor does for a class, done here for real and measured:

1. the learner edition (``tools.notebooks.student``) is committed to a local git
   repository, the class's mirror (``file://``: nothing outside this machine);
2. JupyterHub (``.venv-hub``: ``requirements-labs.txt`` plus
   ``hosting/singleuser/requirements.txt``, the same two files the class image
   installs) starts on 127.0.0.1 with its proxy (``configurable-http-proxy``
   from npm, ``hosting/proxy``) and local-process servers, one home folder per
   learner; the learners' accounts are created through the hub's REST API;
3. several learners at once log in through the login form, follow the class's
   nbgitpuller link (:func:`nbgitpuller_link`), wait for their server as the
   spawn page does, receive the learner notebooks through nbgitpuller's own
   endpoint, and run Lab 1 in their server's kernel, cell by cell, to its first
   exercise (the first scaffold a learner fills in);
4. meanwhile every learner's server and kernels are sampled for resident memory
   (RSS, from /proc, every 0.2 s), and the time to a ready server, to the
   notebooks and to the first scaffold is recorded;
5. then the instructor pushes a correction (the README, Lab 2, and the very line
   of Lab 1 in which the first learner has written an answer) and that learner,
   who has also deleted Lab 0, follows the link again (:func:`update_pull`).

The local-process spawner here (``SimpleLocalProcessSpawner``) gives each learner
a home folder, not a Unix account: the right shape for a test, where the class
image and Kubernetes give the isolation (``hosting/z2jh``).

``labs`` runs every lab's full edition in the class environment (``.venv-hub``),
as the class image would, with ``LABKIT_STRICT=1``: the proof that the two
requirements files the image installs are enough for every lab.

Usage::

    python -m tools.hub labs                              # every lab in .venv-hub
    python -m tools.hub run [--learners N] [--json FILE]  # start, drive N learners, stop
    python -m tools.hub serve                             # start and keep running
    python -m tools.hub check                             # exit 0 when the hub can run
    python -m tools.hub link --hub URL --repo URL [--branch B] [--lab NN_slug.ipynb]
    python -m tools.hub show FILE                         # the table of a run's JSON

``make hub`` installs what it needs and runs ``run``. Exit status 0 when every
learner got the notebooks and ran Lab 1 to its first exercise, 1 when one did
not (the message names the learner and the step), 2 for bad arguments or when
jupyterhub or the proxy is missing (the message says how to install them).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlencode

from tools import tasks

ROOT = Path(__file__).resolve().parents[1]
# Where make hub installs the class environment and the proxy (tools/tasks.py).
HUB_VENV, PROXY_DIR, PROXY = tasks.HUB_VENV, tasks.PROXY_DIR, tasks.PROXY
SINGLEUSER_REQUIREMENTS = tasks.HUB_REQUIREMENTS[1]
#: The folder nbgitpuller clones the learner edition into, in each learner's home.
TARGET = "labkit-learner"
FIRST_LAB = "01_build_model.ipynb"
SAMPLE_SECONDS = 0.2
#: One thread per numerical library, as the labs themselves ask (threadpool_limits)
#: and as a shared hub should: a learner's cell never takes every core.
SERVER_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "LABKIT_STRICT": "1"}


class HubFailed(Exception):
    """A step of the class did not work; the message names the learner and the step."""


def missing() -> str | None:
    """What is missing to start the hub here, as one line with the fix; None if nothing."""
    lacking = []
    if not (HUB_VENV / "bin" / "jupyterhub").exists():
        lacking.append(f"jupyterhub ({HUB_VENV.name} with requirements-labs.txt and "
                       f"{SINGLEUSER_REQUIREMENTS.relative_to(ROOT)})")
    if not PROXY.exists():
        lacking.append(f"configurable-http-proxy (npm ci in {PROXY_DIR.relative_to(ROOT)})")
    if shutil.which("git") is None:
        lacking.append("git")
    if not lacking:
        return None
    return "the live hub needs " + " and ".join(lacking) + "; 'make hub' installs them"


def nbgitpuller_link(hub: str, repo: str, branch: str = "main", lab: str = FIRST_LAB,
                     target: str = TARGET) -> str:
    """The link a learner clicks: log in, start a server, pull the learner edition
    from ``repo`` into ``~/target`` (updating it without losing the learner's edits
    when it is already there) and open ``lab`` in JupyterLab.

    >>> nbgitpuller_link("https://hub.example.org", "https://git.example.org/kit.git")
    'https://hub.example.org/hub/user-redirect/git-pull?repo=https%3A%2F%2Fgit.example.org%2Fkit.git&branch=main&targetpath=labkit-learner&urlpath=lab%2Ftree%2Flabkit-learner%2Flabs%2F01_build_model.ipynb'
    """
    query = urlencode({"repo": repo, "branch": branch, "targetpath": target,
                       "urlpath": f"lab/tree/{target}/labs/{lab}"}, quote_via=quote)
    return f"{hub.rstrip('/')}/hub/user-redirect/git-pull?{query}"


def _git(args: list[str], cwd: Path) -> None:
    proc = subprocess.run(["git", "-c", "user.name=labkit", "-c", "user.email=labkit@localhost",
                           "-c", "init.defaultBranch=main", *args], cwd=cwd,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise HubFailed(f"git {args[0]} in {cwd} failed: {proc.stderr.strip()}")


def class_mirror(work: Path) -> tuple[str, Path]:
    """Commit the learner edition to a bare git repository under ``work``, as an
    instructor publishes it for the class; return its file URL and the edition."""
    from tools.notebooks import student

    edition = work / "edition" / TARGET
    student(edition)
    _git(["init", "-q"], edition)
    _git(["add", "-A"], edition)
    _git(["commit", "-q", "-m", "learner edition"], edition)
    bare = work / f"{TARGET}.git"
    _git(["clone", "-q", "--bare", str(edition), str(bare)], work)
    return bare.as_uri(), edition


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def hub_config(work: Path, token: str, password: str, port: int) -> str:
    """jupyterhub_config.py for a hub on 127.0.0.1:``port`` with local-process servers."""
    singleuser = HUB_VENV / "bin" / "jupyterhub-singleuser"
    args = ["--ServerApp.allow_root=True"] if os.geteuid() == 0 else []
    environment = dict(SERVER_ENV, PATH=f"{HUB_VENV / 'bin'}{os.pathsep}/usr/bin:/bin")
    lines = [
        "c.JupyterHub.ip = '127.0.0.1'",
        f"c.JupyterHub.port = {port}",
        "c.JupyterHub.hub_ip = '127.0.0.1'",
        f"c.JupyterHub.hub_port = {_free_port()}",
        f"c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:{_free_port()}'",
        f"c.ConfigurableHTTPProxy.command = [{str(PROXY)!r}]",
        f"c.JupyterHub.db_url = 'sqlite:///{work / 'hub.sqlite'}'",
        f"c.JupyterHub.cookie_secret_file = {str(work / 'cookie_secret')!r}",
        "c.JupyterHub.authenticator_class = 'dummy'",
        f"c.DummyAuthenticator.password = {password!r}",
        # Only the accounts the instructor created may log in.
        "c.Authenticator.allow_existing_users = True",
        "c.JupyterHub.spawner_class = 'simple'",
        f"c.SimpleLocalProcessSpawner.home_dir_template = {str(work / 'home' / '{username}')!r}",
        f"c.Spawner.cmd = [{str(singleuser)!r}]",
        f"c.Spawner.args = {args!r}",
        f"c.Spawner.environment = {environment!r}",
        "c.Spawner.default_url = '/lab'",
        "c.Spawner.start_timeout = 120",
        "c.Spawner.http_timeout = 120",
        f"c.JupyterHub.services = [{{'name': 'class-driver', 'api_token': {token!r}}}]",
        "c.JupyterHub.load_roles = [{'name': 'class-driver', 'services': ['class-driver'],"
        " 'scopes': ['admin:users', 'admin:servers', 'list:users', 'read:users']}]",
    ]
    return "\n".join(lines) + "\n"


class Hub:
    """A running hub; use as a context manager (it stops the hub and every server)."""

    def __init__(self, work: Path, learners: int):
        self.work = work
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = secrets.token_hex(16)
        self.password = secrets.token_urlsafe(9)
        self.names = [f"learner{i + 1}" for i in range(learners)]
        self.proc: subprocess.Popen | None = None
        self.log = work / "hub.log"

    def __enter__(self) -> Hub:
        import requests

        config = self.work / "jupyterhub_config.py"
        config.write_text(hub_config(self.work, self.token, self.password, self.port))
        (self.work / "home").mkdir(exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "VIRTUAL_ENV"))}
        env["PATH"] = f"{HUB_VENV / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen(
                [str(HUB_VENV / "bin" / "jupyterhub"), "-f", str(config)], cwd=self.work,
                env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise HubFailed(f"jupyterhub stopped while starting: {self.tail()}")
            try:
                if requests.get(f"{self.url}/hub/api", timeout=5).ok:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise HubFailed(f"jupyterhub did not answer within 60 s: {self.tail()}")
            time.sleep(0.3)
        reply = self.api("post", "users", json={"usernames": self.names})
        if reply.status_code != 201:
            raise HubFailed(f"creating the learner accounts failed: HTTP {reply.status_code} "
                            f"{reply.text[:200]}")
        return self

    def api(self, method: str, path: str, **kwargs):
        import requests

        return requests.request(method, f"{self.url}/hub/api/{path}", timeout=30,
                                headers={"Authorization": f"token {self.token}"}, **kwargs)

    def tail(self, lines: int = 8) -> str:
        if not self.log.exists():
            return ""
        text = self.log.read_text(errors="replace").strip().splitlines()
        return " | ".join(text[-lines:])

    def __exit__(self, *exc) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        # SIGTERM: the hub stops every learner's server, then the proxy, then itself.
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        for pid in _server_pids():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)


# --- memory ----------------------------------------------------------------------

def _proc_table() -> dict[int, tuple[int, int]]:
    """pid -> (parent pid, resident memory in bytes) for every process we can read."""
    page = os.sysconf("SC_PAGE_SIZE")
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            table[int(entry.name)] = (int(fields[1]), int(fields[21]) * page)
        except (OSError, ValueError, IndexError):
            continue
    return table


def _hub_user(pid: int) -> str | None:
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    if b"jupyterhub-singleuser" not in cmdline:
        return None
    for item in environ:
        if item.startswith(b"JUPYTERHUB_USER="):
            return item.split(b"=", 1)[1].decode()
    return None


def _server_pids() -> list[int]:
    return [pid for pid in _proc_table() if _hub_user(pid)]


class MemorySampler(threading.Thread):
    """Peak resident memory of each learner's server and of its kernels (children), and
    of the hub with its proxy (the hub's process tree without the learners' servers)."""

    def __init__(self, hub_pid: int | None = None) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.peaks: dict[str, dict[str, int]] = {}
        self.hub_peak = 0
        self.hub_pid = hub_pid
        self._owners: dict[int, str] = {}

    def run(self) -> None:
        while not self.stop.wait(SAMPLE_SECONDS):
            self.sample()

    def sample(self) -> None:
        table = _proc_table()
        children: dict[int, list[int]] = {}
        for pid, (ppid, _) in table.items():
            children.setdefault(ppid, []).append(pid)
        for pid in table:
            if pid not in self._owners:
                user = _hub_user(pid)
                if user:
                    self._owners[pid] = user
        for pid, user in list(self._owners.items()):
            if pid not in table:
                continue
            server = table[pid][1]
            kernels, stack = 0, list(children.get(pid, []))
            while stack:
                child = stack.pop()
                kernels += table.get(child, (0, 0))[1]
                stack += children.get(child, [])
            peak = self.peaks.setdefault(user, {"server": 0, "kernels": 0, "total": 0})
            peak["server"] = max(peak["server"], server)
            peak["kernels"] = max(peak["kernels"], kernels)
            peak["total"] = max(peak["total"], server + kernels)
        if self.hub_pid in table:
            hub, stack = 0, [self.hub_pid]
            while stack:
                pid = stack.pop()
                if pid in self._owners:
                    continue  # a learner's server: counted for the learner
                hub += table.get(pid, (0, 0))[1]
                stack += children.get(pid, [])
            self.hub_peak = max(self.hub_peak, hub)


# --- one learner ----------------------------------------------------------------

def _events(response) -> Iterator[dict]:
    """The JSON payloads of a server-sent event stream."""
    for raw in response.iter_lines(decode_unicode=True):
        if raw and raw.startswith("data:"):
            yield json.loads(raw[5:].strip())


def _xsrf(session, path: str) -> str:
    for cookie in session.cookies:
        if cookie.name == "_xsrf" and cookie.path.rstrip("/") == path.rstrip("/"):
            return cookie.value
    raise HubFailed(f"no _xsrf cookie for {path}")


def login(hub: Hub, name: str):
    """A browser-like session of learner ``name``, signed in through the login form."""
    import requests

    s = requests.Session()
    s.trust_env = False  # never through a proxy: everything is on 127.0.0.1
    s.get(f"{hub.url}/hub/login", timeout=30).raise_for_status()
    reply = s.post(f"{hub.url}/hub/login?next=", timeout=30,
                   data={"username": name, "password": hub.password,
                         "_xsrf": _xsrf(s, "/hub/")})
    if reply.status_code != 200 or "/hub/login" in reply.url:
        raise HubFailed(f"the login form did not let {name} in (HTTP {reply.status_code})")
    return s


def pull(hub: Hub, s, name: str, query: str) -> list[dict]:
    """What nbgitpuller's page does: call its API with the link's query and follow
    the events to the end; raise HubFailed unless it finished."""
    with s.get(f"{hub.url}/user/{name}/git-pull/api?{query}", stream=True,
               timeout=180) as response:
        phases = list(_events(response))
    if not phases or phases[-1].get("phase") != "finished":
        last = phases[-1] if phases else {}
        raise HubFailed(f"nbgitpuller did not finish: {last.get('message', last)}")
    return phases


def update_pull(hub: Hub, work: Path, edition: Path, name: str) -> dict:
    """An instructor's correction reaches a learner who has worked on the labs.

    The learner (``name``, whose server is running) has written an answer into
    Lab 1's first exercise and deleted Lab 0; the instructor then corrects the
    README, Lab 2 and the same line of Lab 1, and pushes; the learner clicks the
    class link again. Returns what the learner's folder holds afterwards.
    """
    home = work / "home" / name / TARGET
    lab1, lab0 = home / "labs" / FIRST_LAB, home / "labs" / "00_setup.ipynb"
    answer = "# MY ANSWER: the learner's own line"
    nb = json.loads(lab1.read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if "exercise" in c.get("metadata", {}).get("tags", []))
    first_line = "".join(cell["source"]).splitlines()[0]
    cell["source"] = [answer + "\n"] + cell["source"][1:]
    lab1.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    lab0.unlink()

    # The instructor's correction, in the working copy the class mirror came from.
    correction = "Correction: a sentence the instructor added after the class began."
    with open(edition / "README.md", "a", encoding="utf-8") as readme:
        readme.write(f"\n{correction}\n")
    lab2 = edition / "labs" / "02_evaluate.ipynb"
    lab2.write_text(lab2.read_text(encoding="utf-8").replace("Lab 2 - ", "Lab 2 (corrected) - ", 1),
                    encoding="utf-8")
    source = edition / "labs" / FIRST_LAB
    source.write_text(source.read_text(encoding="utf-8").replace(
        json.dumps(first_line + "\n")[1:-1], "# The instructor's corrected line\\n", 1),
        encoding="utf-8")
    _git(["commit", "-q", "-am", "correction"], edition)
    _git(["push", "-q", str(work / f"{TARGET}.git"), "HEAD:main"], edition)

    s = login(hub, name)
    query = nbgitpuller_link(hub.url, (work / f"{TARGET}.git").as_uri()).split("?", 1)[1]
    pull(hub, s, name, query)
    return {
        "answer_kept": answer in lab1.read_text(encoding="utf-8"),
        "deleted_lab_back": lab0.is_file(),
        "readme_corrected": correction in (home / "README.md").read_text(encoding="utf-8"),
        "lab2_corrected": "Lab 2 (corrected) - " in (home / "labs" / "02_evaluate.ipynb")
        .read_text(encoding="utf-8"),
        "instructor_line_in_source": "The instructor's corrected line" in source.read_text(
            encoding="utf-8"),
    }


def learner_session(hub: Hub, name: str, repo: str) -> dict:
    """Log in, follow the class link, get the notebooks and run Lab 1 to its first
    exercise, as learner ``name``; return the times and what was run."""
    import requests
    import websocket

    step = "login"
    try:
        s = login(hub, name)

        step = "following the class link"
        link = nbgitpuller_link(hub.url, repo)
        started = time.monotonic()
        page = s.get(link, timeout=60)
        if "/hub/spawn-pending/" in page.url:
            # What the spawn page's script does: follow the server's progress events.
            step = "waiting for the server"
            progress = f"{hub.url}/hub/api/users/{name}/server/progress"
            with s.get(progress, stream=True, timeout=180,
                       headers={"X-XSRFToken": _xsrf(s, "/hub/")}) as events:
                for event in _events(events):
                    if event.get("failed"):
                        raise HubFailed(f"the server failed to start: {event.get('message')}")
                    if event.get("ready"):
                        break
            page = s.get(page.url, timeout=60)  # the page reloads, then redirects to the link
        ready = time.monotonic() - started
        user_path = f"/user/{name}/"
        if user_path + "git-pull" not in page.url or page.status_code != 200:
            raise HubFailed(f"the link ended at {page.url} (HTTP {page.status_code}), "
                            "not at nbgitpuller's page")

        step = "pulling the notebooks"
        pull(hub, s, name, page.url.split("?", 1)[1])
        pulled = time.monotonic() - started

        step = "running Lab 1"
        xsrf = _xsrf(s, user_path)
        api = f"{hub.url}{user_path}api"
        path = f"{TARGET}/labs/{FIRST_LAB}"
        notebook = s.get(f"{api}/contents/{path}", timeout=60)
        notebook.raise_for_status()
        cells = notebook.json()["content"]["cells"]
        session = s.post(f"{api}/sessions", timeout=60, headers={"X-XSRFToken": xsrf},
                         json={"path": path, "type": "notebook", "name": FIRST_LAB,
                               "kernel": {"name": "python3"}})
        session.raise_for_status()
        kernel = session.json()["kernel"]["id"]
        cookie = "; ".join(f"{c.name}={c.value}" for c in s.cookies)
        ws = websocket.create_connection(
            f"ws://127.0.0.1:{hub.port}{user_path}api/kernels/{kernel}/channels",
            cookie=cookie, header=[f"X-XSRFToken: {xsrf}"], timeout=300)
        ran = 0
        try:
            for index, cell in enumerate(cells):
                tags = cell.get("metadata", {}).get("tags", [])
                if cell["cell_type"] != "code":
                    continue
                if "exercise" in tags:
                    break
                _execute(ws, "".join(cell["source"]), f"{FIRST_LAB} cell {index}")
                ran += 1
        finally:
            ws.close()
            s.delete(f"{api}/sessions/{session.json()['id']}", timeout=60,
                     headers={"X-XSRFToken": xsrf})
        if ran == 0:
            raise HubFailed(f"{FIRST_LAB} has no code cell before its first exercise")
        scaffold = time.monotonic() - started
    except HubFailed as exc:
        raise HubFailed(f"{name}, {step}: {exc}") from None
    except (requests.RequestException, websocket.WebSocketException, OSError) as exc:
        raise HubFailed(f"{name}, {step}: {type(exc).__name__}: {exc}") from None
    return {"learner": name, "ready_seconds": round(ready, 1),
            "notebooks_seconds": round(pulled, 1),
            "first_exercise_seconds": round(scaffold, 1), "cells_run": ran}


def _execute(ws, code: str, where: str) -> None:
    """Run ``code`` in the kernel behind ``ws``; raise HubFailed on an error or stderr."""
    msg_id = uuid.uuid4().hex
    ws.send(json.dumps({
        "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "",
                   "session": uuid.uuid4().hex, "version": "5.3"},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": code, "silent": False, "store_history": True,
                    "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}}))
    problems, replied, idle = [], False, False
    while not (replied and idle):
        msg = json.loads(ws.recv())
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "error":
            problems.append(f"{content['ename']}: {content['evalue']}")
        elif kind == "stream" and content.get("name") == "stderr":
            problems.append(f"wrote to stderr: {content['text'].strip().splitlines()[0]}")
        elif kind == "execute_reply":
            replied = True
        elif kind == "status" and content.get("execution_state") == "idle":
            idle = True
    if problems:
        raise HubFailed(f"{where}: " + "; ".join(problems))


# --- the class ----------------------------------------------------------------------

def run_class(learners: int = 3, work: Path | None = None) -> dict:
    """Start a hub, let ``learners`` learners at once do the class's first steps,
    stop it; return the measurements. Raises HubFailed naming the step that failed."""
    problem = missing()
    if problem:
        raise HubFailed(problem)
    if learners < 1:
        raise ValueError(f"learners must be at least 1, not {learners}")
    own = work is None
    work = Path(tempfile.mkdtemp(prefix="labkit-hub-")) if own else work
    try:
        repo, edition = class_mirror(work)
        with Hub(work, learners) as hub:
            sampler = MemorySampler(hub.proc.pid if hub.proc else None)
            sampler.start()
            results: dict[str, dict | Exception] = {}
            barrier = threading.Barrier(learners)

            def go(name: str) -> None:
                barrier.wait()
                try:
                    results[name] = learner_session(hub, name, repo)
                except Exception as exc:  # noqa: BLE001 - reported for the learner below
                    results[name] = exc

            threads = [threading.Thread(target=go, args=(n,)) for n in hub.names]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            sampler.sample()
            sampler.stop.set()
            failures = [str(r) if isinstance(r, HubFailed) else f"{n}: {type(r).__name__}: {r}"
                        for n, r in results.items() if isinstance(r, Exception)]
            if failures:
                raise HubFailed("; ".join(failures) + f" (hub log: {hub.tail(3)})")
            homes = {n: work / "home" / n / TARGET for n in hub.names}
            identical = _identical(edition, homes)  # before the correction below
            try:
                update = update_pull(hub, work, edition, hub.names[0])
            except HubFailed as exc:
                raise HubFailed(f"{hub.names[0]}, pulling a correction: {exc}") from None
        delivered = {n: sorted(p.name for p in (h / "labs").glob("*.ipynb"))
                     for n, h in homes.items()}
        mb = 1024 * 1024
        per_learner = []
        for name in sorted(results):
            row = dict(results[name])
            peak = sampler.peaks.get(name, {"server": 0, "kernels": 0, "total": 0})
            row.update(server_mb=round(peak["server"] / mb), kernels_mb=round(peak["kernels"] / mb),
                       peak_mb=round(peak["total"] / mb), notebooks=delivered[name])
            per_learner.append(row)
        return {"learners": learners, "cores": os.cpu_count(),
                "jupyterhub": _version("jupyterhub"), "nbgitpuller": _version("nbgitpuller"),
                "hub_mb": round(sampler.hub_peak / mb), "per_learner": per_learner,
                "edition": sorted(p.name for p in (edition / "labs").glob("*.ipynb")),
                "identical": identical, "update": update}
    finally:
        if own:
            shutil.rmtree(work, ignore_errors=True)


def run_labs() -> dict[str, dict[str, float | None]]:
    """Every lab's full edition run in ``.venv-hub`` (nbconvert, a fresh kernel each),
    in an environment that sees nothing of this repository's ``.venv``; the wall
    time of each and its peak memory (the kernel's, or nbconvert's if larger): what a
    learner's kernel holds in the class image, which installs no pyarrow. A cell that
    raises or writes to stderr fails it (HubFailed)."""
    from tools.learner_setup import SetupFailed, activated, clean_env, execute

    times = {}
    with tempfile.TemporaryDirectory(prefix="labkit-hub-labs-") as tmp:
        work = Path(tmp)
        env = activated(clean_env(dict(os.environ), work / "home"), HUB_VENV)
        env.update(SERVER_ENV)
        labs = work / "labs"
        labs.mkdir()
        for full in sorted((ROOT / "labs").glob("[0-9][0-9]_*.ipynb")):
            # A copy beside the repository's labs/ folder would not find datasets/
            # by a relative path; labkit finds them itself, so any folder will do.
            target = labs / full.name
            shutil.copy2(full, target)
            try:
                seconds, _, peak_mb = execute(target, work, env, HUB_VENV)
            except SetupFailed as exc:
                raise HubFailed(f"in the class environment: {exc}") from None
            times[full.stem] = {"seconds": round(seconds, 1), "peak_rss_mb": peak_mb}
    return times


def _identical(edition: Path, homes: dict[str, Path]) -> dict[str, bool]:
    """Whether each learner's pulled labs are byte for byte the learner edition's."""
    labs = sorted((edition / "labs").glob("*.ipynb"))
    return {name: all((home / "labs" / p.name).is_file()
                      and (home / "labs" / p.name).read_bytes() == p.read_bytes() for p in labs)
            for name, home in homes.items()}


def _version(package: str) -> str:
    proc = subprocess.run([str(HUB_VENV / "bin" / "python"), "-c",
                           f"import importlib.metadata as m; print(m.version({package!r}))"],
                          capture_output=True, text=True)
    return proc.stdout.strip()


def summary(report: dict) -> str:
    """The measurements as a table for the terminal."""
    rows = [f"live hub: {report['learners']} learners at once on {report['cores']} cores "
            f"(JupyterHub {report['jupyterhub']}, nbgitpuller {report['nbgitpuller']}); "
            f"hub and proxy {report['hub_mb']} MiB",
            f"{'learner':<10} {'ready s':>8} {'notebooks s':>12} {'first exercise s':>17} "
            f"{'server MiB':>11} {'kernels MiB':>12} {'peak MiB':>9}"]
    for r in report["per_learner"]:
        rows.append(f"{r['learner']:<10} {r['ready_seconds']:>8} {r['notebooks_seconds']:>12} "
                    f"{r['first_exercise_seconds']:>17} {r['server_mb']:>11} "
                    f"{r['kernels_mb']:>12} {r['peak_mb']:>9}")
    return "\n".join(rows)


def serve(learners: int) -> int:
    work = Path(tempfile.mkdtemp(prefix="labkit-hub-"))
    repo, _ = class_mirror(work)
    with Hub(work, learners) as hub:
        print(f"hub: {hub.url}  accounts: {', '.join(hub.names)}  password: {hub.password}")
        print(f"class link: {nbgitpuller_link(hub.url, repo)}")
        print("Ctrl+C stops the hub and every learner's server.")
        with contextlib.suppress(KeyboardInterrupt):
            while hub.proc and hub.proc.poll() is None:
                time.sleep(1)
    shutil.rmtree(work, ignore_errors=True)
    return 0


def print_link(hub: str | None, repo: str | None, branch: str, lab: str) -> int:
    """Print the class link; 2 with one line when an address or the lab is wrong."""
    for name, value in (("--hub", hub), ("--repo", repo)):
        if not value or not re.match(r"^(https?|file)://[^\s]+$", value):
            print(f"hub: {name} must be an address such as https://example.org/..., "
                  f"not {value!r}", file=sys.stderr)
            return 2
    labs = sorted(p.name for p in (ROOT / "labs").glob("[0-9][0-9]_*.ipynb"))
    if lab not in labs:
        print(f"hub: --lab {lab!r} is not a lab; choose one of {', '.join(labs)}", file=sys.stderr)
        return 2
    if not re.fullmatch(r"[A-Za-z0-9._/-]+", branch):
        print(f"hub: --branch {branch!r} is not a git branch name", file=sys.stderr)
        return 2
    print(nbgitpuller_link(hub, repo, branch, lab))
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.hub",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["run", "serve", "check", "labs", "link", "show"])
    parser.add_argument("report", nargs="?", type=Path, help="show: a JSON file of run")
    parser.add_argument("--learners", type=int, default=3)
    parser.add_argument("--hub", help="link: the hub's address, e.g. https://hub.example.org")
    parser.add_argument("--repo", help="link: the learner edition's git repository")
    parser.add_argument("--branch", default="main", help="link: the edition's branch")
    parser.add_argument("--lab", default=FIRST_LAB, help="link: the lab to open")
    parser.add_argument("--json", type=Path, help="write the measurements to this file")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return 2 if exc.code else 0
    if args.learners < 1:
        print(f"hub: --learners must be at least 1, not {args.learners}", file=sys.stderr)
        return 2
    if args.command == "link":
        return print_link(args.hub, args.repo, args.branch, args.lab)
    if args.command == "show":
        try:
            print(summary(json.loads(args.report.read_text(encoding="utf-8"))))
        except (AttributeError, OSError, ValueError, KeyError) as exc:
            print(f"hub: show needs the JSON file that run --json wrote ({exc})", file=sys.stderr)
            return 2
        return 0
    problem = missing()
    if problem:
        print(f"hub: {problem}", file=sys.stderr)
        return 2
    if args.command == "check":
        print("hub: jupyterhub, the proxy and git are present")
        return 0
    if args.command == "serve":
        return serve(args.learners)
    if args.command == "labs":
        try:
            times = run_labs()
        except HubFailed as exc:
            print(f"hub: {exc}", file=sys.stderr)
            return 1
        for lab, run in times.items():
            peak = "" if run["peak_rss_mb"] is None else f", peak {run['peak_rss_mb']:.0f} MB"
            print(f"class environment: {lab} ran in {run['seconds']:.1f} s{peak}")
        if args.json:
            _write_json(args.json, {"environment": HUB_VENV.name, "labs": times})
        return 0
    try:
        report = run_class(args.learners)
    except HubFailed as exc:
        print(f"hub: {exc}", file=sys.stderr)
        return 1
    print(summary(report))
    if args.json:
        _write_json(args.json, report)
    return 0


def _write_json(path: Path, data: dict) -> None:
    """``data`` as JSON at ``path``, written whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1) + "\n")
    os.replace(tmp, path)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

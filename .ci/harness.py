"""Shared by the process-level checks (replicas.py, crash.py): real `calliyo serve`
processes on a real database, driven over HTTP. Python's standard library only, so the
checks need nothing installed beyond the machine's python3.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

PASSWORD = "correct horse battery"
JWT_SECRET = "process checks secret that is long enough for HS256"


class CheckFailed(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise CheckFailed(message)


def step(text):
    print(f"-- {text}", flush=True)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """One `calliyo serve` process. Its log goes to a file beside the others, printed when a
    check fails."""

    def __init__(self, binary, database_url, log_dir, name, scheduler=False, agent_limit=5):
        self.name = name
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = os.path.join(log_dir, f"{name}.log")
        env = dict(
            os.environ,
            DATABASE_URL=database_url,
            CALLIYO_BIND=f"127.0.0.1:{self.port}",
            CALLIYO_JWT_SECRET=JWT_SECRET,
            CALLIYO_SCHEDULER=str(scheduler).lower(),
            CALLIYO_DEFAULT_AGENT_LIMIT=str(agent_limit),
            # The checks race many sign-ins from one address on purpose.
            CALLIYO_SIGNIN_RATE="100000",
            CALLIYO_SIGNIN_BURST="100000",
            CALLIYO_LOG_FORMAT="json",
        )
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [binary, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()

    def wait_ready(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            expect(self.process.poll() is None, f"{self.name} exited: see {self.log_path}")
            try:
                if request(self.base, "GET", "/readyz")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        raise CheckFailed(f"{self.name} not ready after {timeout} s")

    def kill9(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill9()

    def log(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()


def request(base, method, path, token=None, body=None, timeout=120):
    """(status, parsed JSON body or None). Any status is an answer, not an exception."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    return status, (json.loads(raw) if raw else None)


def ok(answer, status=200):
    expect(answer[0] == status, f"expected {status}, got {answer[0]}: {answer[1]}")
    return answer[1]


def race(calls):
    """Runs every call at once (released together by a barrier); their results in order."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def statuses(answers):
    return sorted(answer[0] for answer in answers)


class Company:
    """A company signed up through `server`, seen through its admin's token."""

    def __init__(self, server, code):
        self.code = code
        self.admin_email = f"admin@{code}.example"
        body = ok(
            request(
                server.base,
                "POST",
                "/api/v1/signup",
                body={
                    "company_name": f"Company {code}",
                    "company_code": code,
                    "admin": {"name": "Asha Admin", "email": self.admin_email, "password": PASSWORD},
                },
            ),
            201,
        )
        self.id = body["company"]["id"]
        self.admin_id = body["user"]["id"]
        self.token = body["tokens"]["access_token"]

    def role_id(self, base, name):
        roles = ok(request(base, "GET", "/api/v1/roles?per_page=200", self.token))
        return next(role["id"] for role in roles["items"] if role["name"] == name)

    def user_body(self, i, role_id, lead_cap=0):
        return {
            "name": f"Agent {i}",
            "email": f"agent{i}@{self.code}.example",
            "role_id": role_id,
            "password": PASSWORD,
            "lead_cap": lead_cap,
        }

    def login(self, base, email, password=PASSWORD):
        return request(
            base,
            "POST",
            "/api/v1/auth/login",
            body={"company": self.code, "email": email, "password": password},
        )

    def total(self, base, path):
        return ok(request(base, "GET", path, self.token))["total"]


def pg_connection():
    host = os.environ.get("PG_HOST", "127.0.0.1")
    port = os.environ.get("PG_PORT", "5432")
    return host, port


def psql(database_name, sql):
    """The first value `sql` returns, as text."""
    host, port = pg_connection()
    command = ["psql", "-h", host, "-p", port, "-U", "postgres", "-d", database_name, "-tAc", sql]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


@contextmanager
def database(kind):
    """A fresh, empty database: a SQLite file in a temp dir, or a PostgreSQL database
    (server from PG_HOST/PG_PORT, default 127.0.0.1:5432, user postgres) dropped afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as directory:
            yield f"sqlite://{os.path.join(directory, 'calliyo.db')}?mode=rwc"
        return
    host, port = pg_connection()
    name = f"calliyo_check_{os.getpid()}_{int(time.time())}"
    psql = ["psql", "-h", host, "-p", port, "-U", "postgres", "-qc"]
    subprocess.run(psql + [f'CREATE DATABASE "{name}"'], check=True)
    try:
        yield f"postgres://postgres@{host}:{port}/{name}"
    finally:
        subprocess.run(psql + [f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'], check=False)


def main(run):
    """Runs `run(binary, kind, log_dir)`: `argv` is BINARY sqlite|postgres."""
    if len(sys.argv) != 3 or sys.argv[2] not in ("sqlite", "postgres"):
        sys.exit(f"usage: {sys.argv[0]} PATH/TO/calliyo sqlite|postgres")
    binary, kind = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as log_dir:
        try:
            run(binary, kind, log_dir)
        except CheckFailed as failure:
            for name in sorted(os.listdir(log_dir)):
                with open(os.path.join(log_dir, name), encoding="utf-8", errors="replace") as f:
                    tail = f.read()[-4000:]
                print(f"\n--- last lines of {name}:\n{tail}", file=sys.stderr)
            print(f"\nFAILED: {failure}", file=sys.stderr)
            sys.exit(1)
    print("passed")

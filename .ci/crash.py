#!/usr/bin/env python3
"""Crash safety: `kill -9` the server in the middle of a 10,000-lead batch and of a
distribution run, start it again on the same database, and find each one either fully applied
or not at all.

    python3 .ci/crash.py PATH/TO/calliyo sqlite|postgres

Each operation is first timed uninterrupted (T), then killed at fractions of T. On
PostgreSQL it is also killed at the moment `pg_stat_activity` shows the server's transaction
holding a transaction id (it has locked or written rows and not committed): proof that the
kill lands mid-write. A kill that lands after the answer proves nothing, so at least one kill per
operation must cut its request off.
"""

import http.client
import threading
import time

from harness import Company, Server, database, expect, main, ok, psql, request, step

KILL_AT = (0.1, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95)
BATCH = 10_000
AGENTS = 20
CAP = 1_000


class InFlight:
    """A request sent from a thread, so the server can be killed while it is being served."""

    def __init__(self, send):
        self.answer = None
        self.thread = threading.Thread(target=self._run, args=(send,))
        self.thread.start()

    def _run(self, send):
        try:
            self.answer = send()
        except (OSError, http.client.HTTPException):
            self.answer = None  # the server died while serving it

    def running(self):
        return self.thread.is_alive()

    def join(self):
        self.thread.join()
        return self.answer


class Crasher:
    """The server on one database, killed and restarted as often as the check needs."""

    def __init__(self, binary, database_url, log_dir):
        self.binary, self.database_url, self.log_dir = binary, database_url, log_dir
        self.lives = 0
        self.server = self._start()

    def _start(self):
        self.lives += 1
        server = Server(self.binary, self.database_url, self.log_dir, f"life-{self.lives}", agent_limit=100)
        return server.wait_ready()

    def kill_during(self, send, moment):
        """Sends `send(base)`, kills the server when `moment(in_flight)` returns, restarts
        it. Whether the request was cut off (no answer came back)."""
        in_flight = InFlight(lambda base=self.server.base: send(base))
        moment(in_flight)
        self.server.kill9()
        cut_off = in_flight.join() is None
        self.server = self._start()
        return cut_off

    def stop(self):
        self.server.stop()


def after(seconds):
    return lambda _in_flight: time.sleep(seconds)


def while_writing(database_url):
    """Waits until one of the server's transactions holds a transaction id: it has locked or
    written rows and not yet committed (PostgreSQL)."""
    name = database_url.rsplit("/", 1)[1]
    sql = (
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
    )

    def moment(in_flight):
        while in_flight.running() and psql(name, sql) == "0":
            pass
        expect(in_flight.running(), "the request was answered before its write transaction was seen")

    return moment


def kill_moments(database_url, took):
    """(label, moment) pairs: fractions of the uninterrupted time, and on PostgreSQL the
    moment a write transaction is open."""
    moments = [(f"at {fraction:.0%} of T", after(fraction * took)) for fraction in KILL_AT]
    if database_url.startswith("postgres"):
        moments.append(("while its write transaction is open", while_writing(database_url)))
    return moments


def batch_body(label):
    return {"leads": [{"name": f"{label} {i}", "source": "crash-check"} for i in range(BATCH)]}


def timed(send):
    started = time.monotonic()
    answer = send()
    return answer, time.monotonic() - started


def leads_batch(crasher):
    step(f"kill -9 during a batch of {BATCH} leads")
    company = Company(crasher.server, "batch")
    base = crasher.server.base
    answer, took = timed(lambda: request(base, "POST", "/api/v1/leads/batch", company.token, batch_body("Timed")))
    ok(answer, 201)
    print(f"   uninterrupted: {took:.2f} s")
    cut_offs = 0
    for label, moment in kill_moments(crasher.database_url, took):
        before = company.total(crasher.server.base, "/api/v1/leads")
        body = batch_body(f"Killed {label}")
        cut_off = crasher.kill_during(
            lambda base: request(base, "POST", "/api/v1/leads/batch", company.token, body), moment
        )
        added = company.total(crasher.server.base, "/api/v1/leads") - before
        print(f"   killed {label}: request cut off: {cut_off}, leads added: {added}")
        expect(added in (0, BATCH), f"a batch was half-applied: {added} of {BATCH} leads")
        expect(cut_off or added == BATCH, "an answered batch is kept")
        cut_offs += cut_off
    expect(cut_offs > 0, "no kill landed before the batch's answer: the check proved nothing")


def company_with_pool(server, code):
    """A company whose 20 agents (cap 1,000 each) can take the 20,000 leads of its pool."""
    company = Company(server, code)
    base = server.base
    ok(request(base, "PATCH", "/api/v1/settings", company.token, {"auto_assign_new_leads": False}))
    agent = company.role_id(base, "Agent")
    for i in range(AGENTS):
        ok(request(base, "POST", "/api/v1/users", company.token, company.user_body(i, agent, lead_cap=CAP)), 201)
    for half in ("first", "second"):
        ok(request(base, "POST", "/api/v1/leads/batch", company.token, batch_body(half)), 201)
    return company


def expect_all_or_nothing(company, base):
    """The lead-load after a distribution: every agent full, or nobody holds anything."""
    load = ok(request(base, "GET", "/api/v1/reports/lead-load?per_page=200", company.token))["items"]
    held = sorted(row["leads_held"] for row in load)
    expect(held in ([0] * (AGENTS + 1), [0] + [CAP] * AGENTS), f"a distribution was half-applied: {held}")
    return held[-1] == CAP


def distribution(crasher):
    step(f"kill -9 during a distribution of {AGENTS * CAP} leads over {AGENTS} agents")
    company = company_with_pool(crasher.server, "spread-timed")
    base = crasher.server.base
    answer, took = timed(lambda: request(base, "POST", "/api/v1/leads/distribute", company.token, {}))
    expect(ok(answer)["assigned"] == AGENTS * CAP, "the uninterrupted run assigns every lead")
    print(f"   uninterrupted: {took:.2f} s")
    cut_offs = 0
    for i, (label, moment) in enumerate(kill_moments(crasher.database_url, took)):
        company = company_with_pool(crasher.server, f"spread-{i}")
        cut_off = crasher.kill_during(
            lambda base: request(base, "POST", "/api/v1/leads/distribute", company.token, {}), moment
        )
        applied = expect_all_or_nothing(company, crasher.server.base)
        print(f"   killed {label}: request cut off: {cut_off}, applied: {applied}")
        expect(cut_off or applied, "an answered distribution is kept")
        cut_offs += cut_off
    expect(cut_offs > 0, "no kill landed before the distribution's answer: the check proved nothing")


def run(binary, kind, log_dir):
    with database(kind) as database_url:
        crasher = Crasher(binary, database_url, log_dir)
        try:
            leads_batch(crasher)
            distribution(crasher)
        finally:
            crasher.stop()


if __name__ == "__main__":
    main(run)

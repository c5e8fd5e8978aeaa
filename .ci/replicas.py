#!/usr/bin/env python3
"""Two `calliyo serve` processes on one database, as two replicas behind a load balancer:
racing requests are split between them, and the invariants still hold because the database's
locks enforce them, not anything inside one process.

    python3 .ci/replicas.py PATH/TO/calliyo postgres

Checks: seats (agent limit), the last Company Admin, lead caps (manual assignment and
concurrent distribution runs), lockout counts, and a day's top-up running once when both
replicas' schedulers wake together.
"""

import time

from harness import (
    Company,
    Server,
    database,
    expect,
    main,
    ok,
    race,
    request,
    statuses,
    step,
)

# The second admin's password.
PASSWORD_OF_BOB = "another horse battery"


def split(servers, i):
    """The replica that request `i` goes to: alternating, like round-robin."""
    return servers[i % len(servers)].base


def seats(servers):
    step("seats: 4 left, 20 creations split between the replicas")
    acme = Company(servers[0], "acme")
    agent = acme.role_id(servers[0].base, "Agent")
    answers = race(
        [
            lambda i=i: request(split(servers, i), "POST", "/api/v1/users", acme.token, acme.user_body(i, agent))
            for i in range(20)
        ]
    )
    expect(statuses(answers) == [201] * 4 + [409] * 16, f"statuses {statuses(answers)}")
    expect(
        all(body["code"] == "agent_limit_reached" for status, body in answers if status == 409),
        "every refusal is agent_limit_reached",
    )
    expect(acme.total(servers[1].base, "/api/v1/users") == 5, "5 users in all")
    return acme


def last_admin(servers):
    step("last admin: two admins ban and delete each other on different replicas")
    duo = Company(servers[0], "duo")
    admin_role = duo.role_id(servers[0].base, "Company Admin")
    bob = ok(
        request(
            servers[0].base,
            "POST",
            "/api/v1/users",
            duo.token,
            {"name": "Bob Admin", "email": "bob@duo.example", "role_id": admin_role, "password": PASSWORD_OF_BOB},
        ),
        201,
    )
    bob_token = ok(duo.login(servers[1].base, "bob@duo.example", PASSWORD_OF_BOB))["access_token"]
    asha = (duo.token, duo.admin_id)
    bobs = (bob_token, bob["id"])
    calls = []
    for i, (actor, target) in enumerate([(asha, bobs), (bobs, asha)] * 3):
        path = f"/api/v1/users/{target[1]}"
        if i % 3 == 2:
            calls.append(lambda i=i, actor=actor, path=path: request(split(servers, i), "DELETE", path, actor[0]))
        else:
            body = {"banned": True}
            calls.append(lambda i=i, actor=actor, path=path, body=body: request(split(servers, i), "PATCH", path, actor[0], body))
    answers = race(calls)
    expect(all(status < 500 for status, _ in answers), f"no 5xx: {statuses(answers)}")
    survivors = [
        token
        for token in (duo.token, bob_token)
        if request(servers[1].base, "GET", "/api/v1/me", token)[0] == 200
    ]
    expect(len(survivors) == 1, f"exactly one admin can still act, {len(survivors)} can")
    active_admins = ok(
        request(
            servers[0].base,
            "GET",
            f"/api/v1/users?role_id={admin_role}&banned=false",
            survivors[0],
        )
    )["total"]
    expect(active_admins == 1, f"one active Company Admin remains, not {active_admins}")


def lead_caps(servers):
    step("lead caps: 10 manual assignments to a cap of 3, then 6 distribution runs at once")
    caps = Company(servers[0], "caps")
    base = servers[0].base
    ok(request(base, "PATCH", "/api/v1/settings", caps.token, {"auto_assign_new_leads": False}))
    agent = caps.role_id(base, "Agent")
    first = ok(request(base, "POST", "/api/v1/users", caps.token, caps.user_body(1, agent, lead_cap=3)), 201)
    leads = [{"name": f"Lead {i}"} for i in range(10)]
    ids = ok(request(base, "POST", "/api/v1/leads/batch", caps.token, {"leads": leads}), 201)["ids"]
    answers = race(
        [
            lambda i=i, lead=lead: request(
                split(servers, i), "PATCH", f"/api/v1/leads/{lead}", caps.token, {"assignee_id": first["id"]}
            )
            for i, lead in enumerate(ids)
        ]
    )
    expect(statuses(answers) == [200] * 3 + [409] * 7, f"statuses {statuses(answers)}")

    for i in (2, 3):
        ok(request(base, "POST", "/api/v1/users", caps.token, caps.user_body(i, agent, lead_cap=5)), 201)
    leads = [{"name": f"Pool lead {i}"} for i in range(100)]
    ok(request(base, "POST", "/api/v1/leads/batch", caps.token, {"leads": leads}), 201)
    runs = race(
        [lambda i=i: request(split(servers, i), "POST", "/api/v1/leads/distribute", caps.token, {}) for i in range(6)]
    )
    expect(all(status == 200 for status, _ in runs), f"every run answers 200: {statuses(runs)}")
    assigned = sum(body["assigned"] for _, body in runs)
    expect(assigned == 10, f"the runs assigned 10 leads between them, not {assigned}")
    load = ok(request(servers[1].base, "GET", "/api/v1/reports/lead-load?per_page=200", caps.token))["items"]
    expect(all(row["leads_held"] <= row["lead_cap"] for row in load), f"a cap was exceeded: {load}")
    expect(sum(row["leads_held"] for row in load) == 13, f"13 leads held in all: {load}")


def lockout(servers, acme):
    step("lockout: 20 wrong passwords split between the replicas")
    answers = race(
        [lambda i=i: acme.login(split(servers, i), acme.admin_email, "wrong password!") for i in range(20)]
    )
    expect(statuses(answers) == [401] * 5 + [423] * 15, f"statuses {statuses(answers)}")


def prepare_top_up(server, code):
    """A company whose top-up is due (00:00 UTC has passed today) with 30 leads in the pool
    and two agents who can take 8 of them."""
    company = Company(server, code)
    settings = {"auto_assign_new_leads": False, "daily_top_up": {"enabled": False}}
    ok(request(server.base, "PATCH", "/api/v1/settings", company.token, settings))
    agent = company.role_id(server.base, "Agent")
    for i in (1, 2):
        ok(request(server.base, "POST", "/api/v1/users", company.token, company.user_body(i, agent, lead_cap=4)), 201)
    leads = [{"name": f"Lead {i}"} for i in range(30)]
    ok(request(server.base, "POST", "/api/v1/leads/batch", company.token, {"leads": leads}), 201)
    due = {"daily_top_up": {"enabled": True, "at": "00:00", "timezone": "UTC"}}
    ok(request(server.base, "PATCH", "/api/v1/settings", company.token, due))
    return company


def top_up_once(binary, database_url, log_dir, server):
    step("daily top-up: both replicas' schedulers wake at once; each company's day runs once")
    companies = [prepare_top_up(server, f"day-{i}") for i in range(4)]
    server.stop()
    replicas = [Server(binary, database_url, log_dir, f"scheduler-{i}", scheduler=True) for i in range(2)]
    try:
        for replica in replicas:
            replica.wait_ready()
        base = replicas[0].base
        deadline = time.monotonic() + 60
        while any(c.total(base, "/api/v1/leads?unassigned=true") != 22 for c in companies):
            expect(time.monotonic() < deadline, "the top-up did not run within 60 s")
            time.sleep(0.5)
        # Both schedulers ticked at start; give a late second run time to show itself.
        time.sleep(2)
        logs = "".join(replica.log() for replica in replicas)
        for company in companies:
            expect(company.total(base, "/api/v1/leads?unassigned=true") == 22, f"{company.code}: 8 assigned")
            runs = sum(
                1 for line in logs.splitlines() if "daily top-up ran" in line and company.id in line
            )
            expect(runs == 1, f"{company.code}: the top-up ran {runs} times")
    finally:
        for replica in replicas:
            replica.stop()


def run(binary, kind, log_dir):
    with database(kind) as database_url:
        # Migrate once first: two processes starting on an empty database would race to
        # migrate it, which is a deployment step, not what this check is about.
        first = Server(binary, database_url, log_dir, "replica-0").wait_ready()
        second = Server(binary, database_url, log_dir, "replica-1").wait_ready()
        servers = [first, second]
        try:
            acme = seats(servers)
            last_admin(servers)
            lead_caps(servers)
            lockout(servers, acme)
            second.stop()
            top_up_once(binary, database_url, log_dir, first)
        finally:
            for server in servers:
                server.stop()


if __name__ == "__main__":
    main(run)

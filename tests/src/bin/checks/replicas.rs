//! Two `calliyo serve` processes on one database, as two replicas behind a load balancer:
//! racing requests are split between them, and the invariants still hold because the
//! database's locks enforce them, not anything inside one process.
//!
//! Checks: seats (agent limit), the last Company Admin, lead caps (manual assignment and
//! concurrent distribution runs), lockout counts, a day's top-up running once when both
//! replicas' schedulers wake together, and every user's maintained `leads_held` still equal
//! to a recount afterwards.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};
use tests::harness::{Database, Process};

use crate::client::{Api, Tenant, race, statuses, times};
use crate::{Error, Setup, step};

/// The second admin's password.
const PASSWORD_OF_BOB: &str = "another horse battery";
/// How long the schedulers get to run every company's top-up before the check gives up.
const TOP_UP_WITHIN: Duration = Duration::from_secs(60);
/// After every top-up was seen: time for a late second run to show itself in the logs.
const LATE_RUN_GRACE: Duration = Duration::from_secs(2);

pub async fn run(setup: &Setup) -> Result<(), Error> {
    let database = setup.fresh_database().await?;
    let config = setup.config(&database)?;
    // Start one after the other: two processes starting on an empty database would race to
    // migrate it, which is a deployment step, not what this check is about.
    let first = setup.start(&config, "replica-0").await?;
    let second = setup.start(&config, "replica-1").await?;
    let api = Api::new()?;
    let servers = [first.base.clone(), second.base.clone()];
    let acme = seats(&api, &servers).await?;
    last_admin(&api, &servers).await?;
    lead_caps(&api, &servers).await?;
    lockout(&servers, &acme).await?;
    drop(second);
    top_up_once(setup, &api, &database, first).await?;
    step("leads held: every user's maintained count equals a recount of their open leads");
    let drift = database.held_drift().await?;
    ensure!(
        drift == 0,
        "{drift} users' leads_held differ from a recount"
    );
    Ok(())
}

/// The replica that request `i` goes to: alternating, like round-robin.
fn split(servers: &[String], i: usize) -> &str {
    &servers[i % servers.len()]
}

async fn seats(api: &Api, servers: &[String]) -> Result<Tenant, Error> {
    step("seats: 4 left, 20 creations split between the replicas");
    let acme = Tenant::sign_up(api, &servers[0], "acme").await?;
    let agent = acme.role_id(&servers[0], "Agent").await?;
    let answers = race((0..20).map(|i| {
        acme.send(
            split(servers, i),
            Method::POST,
            "/api/v1/users",
            acme.user_body(i, &agent, 0),
        )
    }))
    .await?;
    let got = statuses(&answers);
    ensure!(
        got == [times(201, 4), times(409, 16)].concat(),
        "statuses {got:?}"
    );
    ensure!(
        answers
            .iter()
            .filter(|answer| answer.status == 409)
            .all(|answer| answer.body["code"] == "agent_limit_reached"),
        "every refusal is agent_limit_reached"
    );
    let users = acme.total(&servers[1], "/api/v1/users").await?;
    ensure!(users == 5, "5 users in all, not {users}");
    Ok(acme)
}

async fn last_admin(api: &Api, servers: &[String]) -> Result<(), Error> {
    step("last admin: two admins ban and delete each other on different replicas");
    let duo = Tenant::sign_up(api, &servers[0], "duo").await?;
    let admin_role = duo.role_id(&servers[0], "Company Admin").await?;
    let bob = duo
        .send(
            &servers[0],
            Method::POST,
            "/api/v1/users",
            json!({"name": "Bob Admin", "email": "bob@duo.example", "role_id": admin_role,
                   "password": PASSWORD_OF_BOB}),
        )
        .await?
        .ok(201)?;
    let bob_token = text(
        &duo.login(&servers[1], "bob@duo.example", PASSWORD_OF_BOB)
            .await?
            .ok(200)?["access_token"],
    )?;
    let asha = (duo.token().to_owned(), duo.company.admin_id.to_string());
    let bobs = (bob_token, text(&bob["id"])?);
    // Each admin bans the other twice and deletes the other once, all at once.
    let pairs = [(&asha, &bobs), (&bobs, &asha)].repeat(3);
    let answers = race(pairs.iter().enumerate().map(|(i, (actor, target))| {
        let path = format!("/api/v1/users/{}", target.1);
        let (method, body) = if i % 3 == 2 {
            (Method::DELETE, None)
        } else {
            (Method::PATCH, Some(json!({"banned": true})))
        };
        let base = split(servers, i);
        async move { api.send(base, method, &path, Some(&actor.0), body).await }
    }))
    .await?;
    ensure!(
        answers.iter().all(|answer| answer.status < 500),
        "no 5xx: {:?}",
        statuses(&answers)
    );
    let mut survivors = Vec::new();
    for token in [&asha.0, &bobs.0] {
        if api.get(&servers[1], "/api/v1/me", token).await?.status == 200 {
            survivors.push(token);
        }
    }
    ensure!(
        survivors.len() == 1,
        "exactly one admin can still act, {} can",
        survivors.len()
    );
    let path = format!("/api/v1/users?role_id={admin_role}&banned=false");
    let active_admins = api.get(&servers[0], &path, survivors[0]).await?.ok(200)?["total"].clone();
    ensure!(
        active_admins == 1,
        "one active Company Admin remains, not {active_admins}"
    );
    Ok(())
}

async fn lead_caps(api: &Api, servers: &[String]) -> Result<(), Error> {
    step("lead caps: 10 manual assignments to a cap of 3, then 6 distribution runs at once");
    let base = servers[0].as_str();
    let caps = Tenant::sign_up(api, base, "caps").await?;
    let settings = json!({"auto_assign_new_leads": false});
    caps.send(base, Method::PATCH, "/api/v1/settings", settings)
        .await?
        .ok(200)?;
    let agent = caps.role_id(base, "Agent").await?;
    let first = caps.create_agent(base, 1, &agent, 3).await?;
    let first_id = text(&first["id"])?;
    let ids = add_leads(&caps, base, "Lead", 10).await?;
    let answers = race(ids.iter().enumerate().map(|(i, lead)| {
        let path = format!("/api/v1/leads/{lead}");
        let body = json!({"assignee_id": first_id});
        let caps = &caps;
        async move {
            caps.send(split(servers, i), Method::PATCH, &path, body)
                .await
        }
    }))
    .await?;
    let got = statuses(&answers);
    ensure!(
        got == [times(200, 3), times(409, 7)].concat(),
        "statuses {got:?}"
    );

    for i in [2, 3] {
        caps.create_agent(base, i, &agent, 5).await?;
    }
    add_leads(&caps, base, "Pool lead", 100).await?;
    let runs = race((0..6).map(|i| {
        caps.send(
            split(servers, i),
            Method::POST,
            "/api/v1/leads/distribute",
            json!({}),
        )
    }))
    .await?;
    ensure!(
        runs.iter().all(|run| run.status == 200),
        "every run answers 200: {:?}",
        statuses(&runs)
    );
    let assigned: i64 = runs
        .iter()
        .map(|run| run.body["assigned"].as_i64().unwrap_or(-1_000))
        .sum();
    ensure!(
        assigned == 10,
        "the runs assigned 10 leads between them, not {assigned}"
    );
    let load = caps
        .get(&servers[1], "/api/v1/reports/lead-load?per_page=200")
        .await?
        .ok(200)?;
    let rows = load["items"].as_array().cloned().unwrap_or_default();
    let held = |row: &Value| row["leads_held"].as_i64().unwrap_or(i64::MAX);
    ensure!(
        rows.iter()
            .all(|row| held(row) <= row["lead_cap"].as_i64().unwrap_or(-1)),
        "a cap was exceeded: {load}"
    );
    let total: i64 = rows.iter().map(held).sum();
    ensure!(total == 13, "13 leads held in all: {load}");
    Ok(())
}

/// Creates `count` leads named `<label> i` in one batch; their ids.
async fn add_leads(
    tenant: &Tenant,
    base: &str,
    label: &str,
    count: usize,
) -> Result<Vec<String>, Error> {
    let leads: Vec<Value> = (0..count)
        .map(|i| json!({"name": format!("{label} {i}")}))
        .collect();
    let created = tenant
        .send(
            base,
            Method::POST,
            "/api/v1/leads/batch",
            json!({"leads": leads}),
        )
        .await?
        .ok(201)?;
    let ids = created["ids"].as_array().cloned().unwrap_or_default();
    ensure!(ids.len() == count, "{count} ids from the batch: {created}");
    ids.iter().map(text).collect()
}

async fn lockout(servers: &[String], acme: &Tenant) -> Result<(), Error> {
    step("lockout: 20 wrong passwords split between the replicas");
    let email = acme.company.admin_email.as_str();
    let answers =
        race((0..20).map(|i| acme.login(split(servers, i), email, "wrong password!"))).await?;
    let got = statuses(&answers);
    ensure!(
        got == [times(401, 5), times(423, 15)].concat(),
        "statuses {got:?}"
    );
    Ok(())
}

/// A company whose top-up is due (00:00 UTC has passed today) with 30 leads in the pool and
/// two agents who can take 8 of them.
async fn prepare_top_up(api: &Api, base: &str, code: &str) -> Result<Tenant, Error> {
    let company = Tenant::sign_up(api, base, code).await?;
    let off = json!({"auto_assign_new_leads": false, "daily_top_up": {"enabled": false}});
    company
        .send(base, Method::PATCH, "/api/v1/settings", off)
        .await?
        .ok(200)?;
    let agent = company.role_id(base, "Agent").await?;
    for i in [1, 2] {
        company.create_agent(base, i, &agent, 4).await?;
    }
    add_leads(&company, base, "Lead", 30).await?;
    let due = json!({"daily_top_up": {"enabled": true, "at": "00:00", "timezone": "UTC"}});
    company
        .send(base, Method::PATCH, "/api/v1/settings", due)
        .await?
        .ok(200)?;
    Ok(company)
}

async fn top_up_once(
    setup: &Setup,
    api: &Api,
    database: &Database,
    server: Process,
) -> Result<(), Error> {
    step("daily top-up: both replicas' schedulers wake at once; each company's day runs once");
    let mut companies = Vec::new();
    for i in 0..4 {
        companies.push(prepare_top_up(api, &server.base, &format!("day-{i}")).await?);
    }
    drop(server);
    let mut config = setup.config(database)?;
    config.scheduler = true;
    let mut replicas = Vec::new();
    for i in 0..2 {
        replicas.push(setup.start(&config, &format!("scheduler-{i}")).await?);
    }
    let base = replicas[0].base.as_str();
    let unassigned = "/api/v1/leads?unassigned=true";
    let started = Instant::now();
    loop {
        let mut all_ran = true;
        for company in &companies {
            all_ran &= company.total(base, unassigned).await? == 22;
        }
        if all_ran {
            break;
        }
        ensure!(
            started.elapsed() < TOP_UP_WITHIN,
            "the top-up did not run within {} s",
            TOP_UP_WITHIN.as_secs()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // Both schedulers ticked at start; give a late second run time to show itself.
    tokio::time::sleep(LATE_RUN_GRACE).await;
    let mut logs = String::new();
    for replica in &replicas {
        logs += &replica.log()?;
    }
    for company in &companies {
        let left = company.total(base, unassigned).await?;
        ensure!(
            left == 22,
            "{}: 8 assigned, but {left} left",
            company.code()
        );
        let id = company.company.company_id.to_string();
        let runs = logs
            .lines()
            .filter(|line| line.contains("daily top-up ran") && line.contains(&id))
            .count();
        ensure!(runs == 1, "{}: the top-up ran {runs} times", company.code());
    }
    Ok(())
}

fn text(value: &Value) -> Result<String, Error> {
    value
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("{value} is not a string").into())
}

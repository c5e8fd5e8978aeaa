//! Crash safety: `kill -9` the server in the middle of a 10,000-lead batch and of a
//! distribution run, start it again on the same database, and find each one either fully
//! applied or not at all.
//!
//! Each operation is first timed uninterrupted (T), then killed at fractions of T. On
//! PostgreSQL it is also killed at the moment `pg_stat_activity` shows the server's
//! transaction holding a transaction id (it has locked or written rows and not committed):
//! proof that the kill lands mid-write. A kill that lands after the answer proves nothing, so
//! at least one kill per operation must cut its request off.

use std::time::{Duration, Instant};

use api::Config;
use reqwest::Method;
use sea_orm::{ConnectionTrait, Database as Connection, Statement};
use serde_json::{Value, json};
use tests::harness::{Database, Process};
use tokio::task::JoinHandle;

use crate::client::{Answer, Api, Tenant};
use crate::{Error, Setup, step};

const KILL_AT: [f64; 7] = [0.1, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95];
const BATCH: usize = 10_000;
const AGENTS: usize = 20;
const CAP: i64 = 1_000;

pub async fn run(setup: &Setup) -> Result<(), Error> {
    let database = setup.fresh_database().await?;
    let mut config = setup.config(&database)?;
    config.default_agent_limit = 100;
    let mut crasher = Crasher::start(setup, &database, config).await?;
    leads_batch(&mut crasher).await?;
    distribution(&mut crasher).await
}

/// The server on one database, killed and restarted as often as the check needs.
struct Crasher<'a> {
    setup: &'a Setup,
    database: &'a Database,
    config: Config,
    api: Api,
    lives: usize,
    server: Process,
}

/// When to kill the server while its request is in flight.
enum Moment {
    After(Duration),
    /// Once one of the server's transactions holds a transaction id (PostgreSQL only).
    WhileWriting,
}

impl<'a> Crasher<'a> {
    async fn start(
        setup: &'a Setup,
        database: &'a Database,
        config: Config,
    ) -> Result<Self, Error> {
        let server = setup.start(&config, "life-1").await?;
        Ok(Self {
            setup,
            database,
            config,
            api: Api::new()?,
            lives: 1,
            server,
        })
    }

    fn base(&self) -> &str {
        &self.server.base
    }

    /// Sends `method path` as `tenant`'s admin, kills the server (`kill -9`) at `moment`,
    /// and starts it again on the same database. Whether the request was cut off (no answer
    /// came back).
    async fn kill_during(
        &mut self,
        tenant: &Tenant,
        path: &str,
        body: Value,
        moment: &Moment,
    ) -> Result<bool, Error> {
        // Connected before the request is sent, so watching starts at once.
        let watcher = match moment {
            Moment::WhileWriting => Some(Connection::connect(&self.database.url).await?),
            Moment::After(_) => None,
        };
        let in_flight: JoinHandle<Result<Answer, Error>> = tokio::spawn({
            let (api, base, path) = (self.api.clone(), self.base().to_owned(), path.to_owned());
            let token = tenant.token().to_owned();
            async move {
                api.send(&base, Method::POST, &path, Some(&token), Some(body))
                    .await
            }
        });
        match (moment, watcher) {
            (Moment::After(delay), _) => tokio::time::sleep(*delay).await,
            (Moment::WhileWriting, Some(db)) => {
                let sql = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
                           AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()";
                let statement = Statement::from_string(db.get_database_backend(), sql);
                while !in_flight.is_finished() {
                    let row = db.query_one_raw(statement.clone()).await?;
                    let writing = row.map(|row| row.try_get_by_index::<i64>(0)).transpose()?;
                    if writing.unwrap_or(0) > 0 {
                        break;
                    }
                }
                db.close().await?;
                ensure!(
                    !in_flight.is_finished(),
                    "the request was answered before its write transaction was seen"
                );
            }
            (Moment::WhileWriting, None) => return Err("no connection to watch".into()),
        }
        self.server.kill()?;
        // An error is the request cut off by the kill; a status, even 5xx, is an answer.
        let cut_off = in_flight.await?.is_err();
        self.lives += 1;
        let name = format!("life-{}", self.lives);
        self.server = self.setup.start(&self.config, &name).await?;
        Ok(cut_off)
    }

    /// (label, moment) pairs: fractions of the uninterrupted time `took`, and on PostgreSQL
    /// the moment a write transaction is open.
    fn kill_moments(&self, took: Duration) -> Vec<(String, Moment)> {
        let mut moments: Vec<(String, Moment)> = KILL_AT
            .iter()
            .map(|fraction| {
                let label = format!("at {:.0}% of T", fraction * 100.0);
                (label, Moment::After(took.mul_f64(*fraction)))
            })
            .collect();
        if self.database.is_postgres() {
            let label = "while its write transaction is open".to_owned();
            moments.push((label, Moment::WhileWriting));
        }
        moments
    }
}

fn batch_body(label: &str) -> Value {
    let leads: Vec<Value> = (0..BATCH)
        .map(|i| json!({"name": format!("{label} {i}"), "source": "crash-check"}))
        .collect();
    json!({ "leads": leads })
}

async fn leads_batch(crasher: &mut Crasher<'_>) -> Result<(), Error> {
    step(&format!("kill -9 during a batch of {BATCH} leads"));
    let company = Tenant::sign_up(&crasher.api, crasher.base(), "batch").await?;
    let started = Instant::now();
    company
        .send(
            crasher.base(),
            Method::POST,
            "/api/v1/leads/batch",
            batch_body("Timed"),
        )
        .await?
        .ok(201)?;
    let took = started.elapsed();
    println!("   uninterrupted: {:.2} s", took.as_secs_f64());
    let mut cut_offs = 0;
    for (label, moment) in crasher.kill_moments(took) {
        let before = company.total(crasher.base(), "/api/v1/leads").await?;
        let body = batch_body(&format!("Killed {label}"));
        let cut_off = crasher
            .kill_during(&company, "/api/v1/leads/batch", body, &moment)
            .await?;
        let added = company.total(crasher.base(), "/api/v1/leads").await? - before;
        println!("   killed {label}: request cut off: {cut_off}, leads added: {added}");
        ensure!(
            added == 0 || added == BATCH as i64,
            "a batch was half-applied: {added} of {BATCH} leads"
        );
        ensure!(
            cut_off || added == BATCH as i64,
            "an answered batch is kept"
        );
        cut_offs += usize::from(cut_off);
    }
    ensure!(
        cut_offs > 0,
        "no kill landed before the batch's answer: the check proved nothing"
    );
    Ok(())
}

/// A company whose 20 agents (cap 1,000 each) can take the 20,000 leads of its pool.
async fn company_with_pool(crasher: &Crasher<'_>, code: &str) -> Result<Tenant, Error> {
    let base = crasher.base();
    let company = Tenant::sign_up(&crasher.api, base, code).await?;
    let settings = json!({"auto_assign_new_leads": false});
    company
        .send(base, Method::PATCH, "/api/v1/settings", settings)
        .await?
        .ok(200)?;
    let agent = company.role_id(base, "Agent").await?;
    for i in 0..AGENTS {
        company.create_agent(base, i, &agent, CAP).await?;
    }
    for half in ["first", "second"] {
        company
            .send(base, Method::POST, "/api/v1/leads/batch", batch_body(half))
            .await?
            .ok(201)?;
    }
    Ok(company)
}

/// The lead-load after a distribution: every agent full, or nobody holds anything. Whether
/// it was applied.
async fn expect_all_or_nothing(company: &Tenant, base: &str) -> Result<bool, Error> {
    let path = "/api/v1/reports/lead-load?per_page=200";
    let load = company.get(base, path).await?.ok(200)?;
    let mut held: Vec<i64> = load["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|row| row["leads_held"].as_i64().unwrap_or(-1))
        .collect();
    held.sort_unstable();
    let nothing = vec![0; AGENTS + 1];
    let all = [vec![0], vec![CAP; AGENTS]].concat();
    ensure!(
        held == nothing || held == all,
        "a distribution was half-applied: {held:?}"
    );
    Ok(held.last() == Some(&CAP))
}

async fn distribution(crasher: &mut Crasher<'_>) -> Result<(), Error> {
    let assigned = AGENTS as i64 * CAP;
    step(&format!(
        "kill -9 during a distribution of {assigned} leads over {AGENTS} agents"
    ));
    let company = company_with_pool(crasher, "spread-timed").await?;
    let started = Instant::now();
    let answer = company
        .send(
            crasher.base(),
            Method::POST,
            "/api/v1/leads/distribute",
            json!({}),
        )
        .await?
        .ok(200)?;
    let took = started.elapsed();
    ensure!(
        answer["assigned"] == assigned,
        "the uninterrupted run assigns every lead: {answer}"
    );
    println!("   uninterrupted: {:.2} s", took.as_secs_f64());
    let mut cut_offs = 0;
    for (i, (label, moment)) in crasher.kill_moments(took).into_iter().enumerate() {
        let company = company_with_pool(crasher, &format!("spread-{i}")).await?;
        let cut_off = crasher
            .kill_during(&company, "/api/v1/leads/distribute", json!({}), &moment)
            .await?;
        let applied = expect_all_or_nothing(&company, crasher.base()).await?;
        println!("   killed {label}: request cut off: {cut_off}, applied: {applied}");
        ensure!(cut_off || applied, "an answered distribution is kept");
        cut_offs += usize::from(cut_off);
    }
    ensure!(
        cut_offs > 0,
        "no kill landed before the distribution's answer: the check proved nothing"
    );
    Ok(())
}

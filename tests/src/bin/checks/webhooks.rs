//! Webhooks on real `calliyo serve` processes sharing one PostgreSQL database:
//!
//! 1. Two replicas deliver the events of 1,000 changes made through both to a receiver on
//!    127.0.0.1: every event arrives, signed, and none twice (the receiver answers 200 at
//!    once, so no try fails, and a duplicate could only come from a double claim).
//! 2. `kill -9` a replica while its sends are in flight and more events wait in its outbox:
//!    after a restart every committed event arrives; the only events received twice are
//!    those whose try the kill cut off (their lease runs out, then they are sent again).
//! 3. Throughput, printed and not checked: 1,000 events committed by a replica that does not
//!    deliver, then two replicas start and deliver them all; deliveries per second, the two
//!    replicas' start-up included.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};
use tests::harness::{self, Received, Receiver};

use crate::client::{Api, Tenant, race};
use crate::{Error, Setup, step};

const EVENTS: usize = 1_000;
/// Changes sent at once.
const IN_FLIGHT: usize = 20;
/// Events committed around the kill.
const AROUND_THE_KILL: usize = 50;
/// A bound on how long the deliveries may take, leases running out after a kill (60 s)
/// included. Not a measurement.
const WITHIN: Duration = Duration::from_secs(180);

pub async fn run(setup: &Setup) -> Result<(), Error> {
    let database = setup.fresh_database().await?;
    let mut config = setup.config(&database)?;
    harness::config::deliver_webhooks_locally(&mut config);
    let receiver = Receiver::start(&[])?;
    let mut one = setup.start(&config, "replica-1").await?;
    let two = setup.start(&config, "replica-2").await?;
    let api = Api::new()?;
    let tenant = Tenant::sign_up(&api, &one.base, "hooks").await?;
    let body = json!({"url": receiver.url, "events": ["lead.created"]});
    let webhook = tenant
        .send(&one.base, Method::POST, "/api/v1/webhooks", body)
        .await?
        .ok(201)?;
    let secret = webhook["secret"].as_str().unwrap_or_default().to_owned();

    step("1,000 leads created through two replicas: each event arrives once, signed");
    let started = Instant::now();
    create_leads(&tenant, &[&one.base, &two.base], 0..EVENTS).await?;
    let received = distinct_events(&receiver, &secret, EVENTS).await?;
    let elapsed = started.elapsed().as_secs_f64();
    let repeated: Vec<&String> = received
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(id, _)| id)
        .collect();
    ensure!(
        repeated.is_empty(),
        "events delivered twice though no try failed: {repeated:?}"
    );
    println!("   {EVENTS} events committed and delivered in {elapsed:.1} s");

    step("kill -9 a replica with sends in flight and events waiting: all arrive after a restart");
    drop(two);
    receiver.set_delay(Duration::from_secs(3));
    let before = receiver.received().len();
    create_leads(&tenant, &[&one.base], EVENTS..EVENTS + AROUND_THE_KILL).await?;
    receiver.wait_for(before + 1, WITHIN).await?;
    one.kill()?;
    let cut_off: HashSet<String> = receiver.received()[before..]
        .iter()
        .map(|r| event_id(&secret, r))
        .collect::<Result<_, _>>()?;
    receiver.set_delay(Duration::ZERO);
    let three = setup.start(&config, "replica-3").await?;
    let received = distinct_events(&receiver, &secret, EVENTS + AROUND_THE_KILL).await?;
    let repeated: Vec<&String> = received
        .iter()
        .filter(|(id, n)| **n > 1 && !cut_off.contains(*id))
        .map(|(id, _)| id)
        .collect();
    ensure!(
        repeated.is_empty(),
        "events delivered twice though their first try was not cut off: {repeated:?}"
    );
    println!(
        "   {} sends were in flight at the kill; every one of the {} events arrived",
        cut_off.len(),
        EVENTS + AROUND_THE_KILL
    );

    step("throughput: 1,000 events waiting in the outbox, delivered by two replicas");
    drop(three);
    let mut writing_only = config.clone();
    writing_only.webhooks_delivery = false;
    let writer = setup.start(&writing_only, "writer").await?;
    let already = EVENTS + AROUND_THE_KILL;
    create_leads(&tenant, &[&writer.base], already..already + EVENTS).await?;
    let received_before = receiver.received().len();
    let started = Instant::now();
    let _four = setup.start(&config, "replica-4").await?;
    let _five = setup.start(&config, "replica-5").await?;
    distinct_events(&receiver, &secret, already + EVENTS).await?;
    let elapsed = started.elapsed().as_secs_f64();
    // The steady rate: from the first of these deliveries to the last, without the replicas'
    // start-up (migrations check, connection pools) that the wall time above includes.
    let arrivals: Vec<Instant> = receiver.received()[received_before..]
        .iter()
        .map(|received| received.at)
        .collect();
    let delivering = match (arrivals.first(), arrivals.last()) {
        (Some(first), Some(last)) => last.duration_since(*first).as_secs_f64(),
        _ => 0.0,
    };
    println!(
        "   {EVENTS} deliveries in {elapsed:.2} s from the replicas' start ({:.0} per second); \
         {delivering:.2} s from the first arrival to the last ({:.0} per second)",
        EVENTS as f64 / elapsed,
        arrivals.len() as f64 / delivering.max(f64::EPSILON)
    );
    Ok(())
}

/// Creates a lead for each number, `IN_FLIGHT` at a time, spread over `bases`; each must be
/// answered 201 (committed).
async fn create_leads(
    tenant: &Tenant,
    bases: &[&String],
    numbers: std::ops::Range<usize>,
) -> Result<(), Error> {
    let numbers: Vec<usize> = numbers.collect();
    for chunk in numbers.chunks(IN_FLIGHT) {
        let answers = race(chunk.iter().map(|i| {
            let base = bases[i % bases.len()];
            let body = json!({"name": format!("Lead {i}")});
            tenant.send(base, Method::POST, "/api/v1/leads", body)
        }))
        .await?;
        for answer in answers {
            answer.ok(201)?;
        }
    }
    Ok(())
}

/// Waits until `count` distinct events have arrived (at most [`WITHIN`]); how often each did.
async fn distinct_events(
    receiver: &Receiver,
    secret: &str,
    count: usize,
) -> Result<HashMap<String, usize>, Error> {
    let started = Instant::now();
    loop {
        let mut seen: HashMap<String, usize> = HashMap::new();
        for received in receiver.received() {
            *seen.entry(event_id(secret, &received)?).or_default() += 1;
        }
        if seen.len() >= count {
            return Ok(seen);
        }
        ensure!(
            started.elapsed() < WITHIN,
            "{} of {count} events arrived within {} s",
            seen.len(),
            WITHIN.as_secs()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The event id of a POST whose signature checks out.
fn event_id(secret: &str, received: &Received) -> Result<String, Error> {
    let timestamp: i64 = received
        .signature
        .strip_prefix("t=")
        .and_then(|rest| rest.split(',').next())
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| format!("no timestamp in {:?}", received.signature))?;
    let expected = api::webhooks::signature(secret, timestamp, &received.body);
    ensure!(
        received.signature == expected,
        "a bad signature: {:?}",
        received.signature
    );
    let body: Value = serde_json::from_str(&received.body)?;
    ensure!(
        body["type"] == "lead.created",
        "an unexpected event: {body}"
    );
    Ok(body["id"].as_str().unwrap_or_default().to_owned())
}

//! A webhook receiver on 127.0.0.1: records every POST as it arrives and answers each with the
//! next status of its script (then 200), after a delay that can be set (0 at first), so a
//! check can see what was sent, make tries fail, and hold sends in flight.

use std::collections::VecDeque;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};

use super::Error;

/// One POST as received.
#[derive(Debug, Clone)]
pub struct Received {
    pub content_type: String,
    pub signature: String,
    pub body: String,
    /// When it arrived.
    pub at: Instant,
}

#[derive(Default)]
struct Log {
    received: Mutex<Vec<Received>>,
    script: Mutex<VecDeque<u16>>,
    delay: Mutex<Duration>,
}

pub struct Receiver {
    /// Where to point a webhook: `http://127.0.0.1:PORT/hook`.
    pub url: String,
    log: Arc<Log>,
}

impl Receiver {
    /// Listens on a free port of 127.0.0.1, answering the first POSTs with `script`'s
    /// statuses in order and every later one with 200.
    pub fn start(script: &[u16]) -> Result<Self, Error> {
        let log = Arc::new(Log {
            received: Mutex::new(Vec::new()),
            script: Mutex::new(script.iter().copied().collect()),
            delay: Mutex::new(Duration::ZERO),
        });
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let url = format!("http://{}/hook", listener.local_addr()?);
        let shared = web::Data::from(Arc::clone(&log));
        let server = HttpServer::new(move || {
            App::new()
                .app_data(shared.clone())
                .route("/hook", web::post().to(receive))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)?
        .run();
        tokio::spawn(server);
        Ok(Self { url, log })
    }

    /// From now on, answers only `delay` after a POST arrived (it is recorded at once).
    pub fn set_delay(&self, delay: Duration) {
        if let Ok(mut current) = self.log.delay.lock() {
            *current = delay;
        }
    }

    /// What was received so far, in order.
    pub fn received(&self) -> Vec<Received> {
        self.log
            .received
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default()
    }

    /// Waits until `count` POSTs have arrived (at most `within`), and returns them all.
    pub async fn wait_for(&self, count: usize, within: Duration) -> Result<Vec<Received>, Error> {
        let started = Instant::now();
        loop {
            let received = self.received();
            if received.len() >= count {
                return Ok(received);
            }
            if started.elapsed() > within {
                return Err(format!(
                    "{} of {count} deliveries arrived within {} s",
                    received.len(),
                    within.as_secs()
                )
                .into());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

async fn receive(log: web::Data<Log>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let received = Received {
        content_type: header("content-type"),
        signature: header("calliyo-signature"),
        body: String::from_utf8_lossy(&body).into_owned(),
        at: Instant::now(),
    };
    if let Ok(mut all) = log.received.lock() {
        all.push(received);
    }
    let delay = log.delay.lock().map(|d| *d).unwrap_or_default();
    tokio::time::sleep(delay).await;
    let status = log
        .script
        .lock()
        .ok()
        .and_then(|mut script| script.pop_front())
        .unwrap_or(200);
    HttpResponse::build(
        actix_web::http::StatusCode::from_u16(status).unwrap_or(actix_web::http::StatusCode::OK),
    )
    .finish()
}

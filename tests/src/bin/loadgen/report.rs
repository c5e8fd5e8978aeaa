//! The results table, in Markdown so it can be pasted into BENCHMARKS.md.

use std::time::Duration;

use crate::load::Measured;

/// One row: a scenario's label, what it measured, and the server's peak RSS meanwhile.
pub struct Row {
    pub label: &'static str,
    pub measured: Measured,
    pub rss_peak_kib: u64,
}

/// Prints the table; each throughput beside its ratio to `/readyz`'s from the same run.
pub fn print_table(rows: &[Row], connections: usize) {
    let readyz = rows
        .iter()
        .find(|row| row.label == "GET /readyz")
        .map(|row| row.measured.per_second());
    println!(
        "| endpoint ({connections} connections) | req/s | vs `/readyz` | p50 | p99 | errors | server RSS peak |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for row in rows {
        let rate = row.measured.per_second();
        let ratio = readyz
            .filter(|r| *r > 0.0)
            .map_or_else(|| "-".to_owned(), |r| format!("{:.2}", rate / r));
        println!(
            "| `{}` | {rate:.0} | {ratio} | {} | {} | {} | {} |",
            row.label,
            ms(row.measured.percentile(0.50)),
            ms(row.measured.percentile(0.99)),
            row.measured.errors,
            mib(row.rss_peak_kib),
        );
    }
    for row in rows {
        if let Some(error) = &row.measured.first_error {
            println!("first error of {}: {}", row.label, truncate(error, 300));
        }
    }
}

fn ms(latency: Duration) -> String {
    format!("{:.2} ms", latency.as_secs_f64() * 1000.0)
}

pub fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

fn truncate(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

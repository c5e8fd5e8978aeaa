//! What the benchmarks share: an app on a fresh database with a signed-up company, and
//! users seeded through the store. (The HTTP tests have their own harness in tests/api.)

pub mod bench;

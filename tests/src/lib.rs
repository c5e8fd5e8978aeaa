//! What every check of the server shares: `harness` starts things (a fresh database, the app
//! in-process or as a `calliyo serve` process, a signed-up company); `bench` seeds the
//! benchmarks' company through the store.

pub mod bench;
pub mod harness;

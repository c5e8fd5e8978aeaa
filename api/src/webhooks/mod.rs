//! Webhook delivery: a worker on every replica (`worker`) claims due deliveries, renders and
//! freezes each event's body at its first send (`render`), and POSTs it signed, outside any
//! transaction, to addresses the domain's rule allows (`sender`).

mod render;
mod sender;
mod worker;

pub use sender::{Sender, signature};
pub use worker::start;

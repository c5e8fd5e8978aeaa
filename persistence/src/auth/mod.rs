//! The sign-in ports: accounts found by company code and email, lockouts, devices and
//! sessions.

mod accounts;
mod devices;
mod lockout;
mod sessions;

pub(crate) use accounts::account;

//! The sign-in ports: accounts found by company code and email, lockouts, devices and
//! sessions; and the list of a user's own sessions.

mod accounts;
mod devices;
mod lockout;
mod session_list;
mod sessions;

pub(crate) use accounts::account;

//! The sign-in ports: accounts found by company code and email, lockouts, devices and
//! sessions; the list of a user's own sessions; the purge of ended ones.

mod accounts;
mod devices;
mod lockout;
mod purge;
mod session_list;
mod sessions;

pub(crate) use accounts::account;

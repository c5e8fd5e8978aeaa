//! The sign-in ports: accounts found by company code and email, lockouts (of accounts, and of
//! identities that are no account), devices and sessions; the list of a user's own sessions;
//! the purge of ended sessions and forgotten identities.

mod accounts;
mod devices;
mod identity;
mod lockout;
mod purge;
mod session_list;
mod sessions;

pub(crate) use accounts::account;

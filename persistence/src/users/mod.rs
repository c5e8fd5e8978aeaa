//! Users: the listing and views clients read, and the [`domain::ports::Users`] port the use
//! cases write through.

mod read;
mod row;
mod write;

pub(crate) use read::{ROLE_ALIAS, user_view_from_row};
pub(crate) use row::new_user_row;

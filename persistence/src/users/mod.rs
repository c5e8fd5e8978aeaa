//! Users: the listing and views clients read, and the [`domain::ports::Users`] port the use
//! cases write through.

mod read;
mod row;
mod write;

pub(crate) use row::new_user_row;

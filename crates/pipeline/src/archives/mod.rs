//! Working on finished archives: comparing two, listing them, and
//! reproducing one bit for bit.

pub(crate) mod compare;
pub(crate) mod listing;
pub(crate) mod reproduce;

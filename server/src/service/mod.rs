//! The use cases: one function each, called alike by the REST handlers, the sync push, the CLI,
//! the demo loader and the web pages.
//!
//! A use case takes the acting party ([`Caller`]), a typed command and the server's state; it runs
//! in one transaction and returns a typed result or an [`AppError`](crate::error::AppError). It
//! knows nothing of HTTP. Who may see and act on what is asked of [`policy`], never decided here
//! per use case. Functions named `…_in` run inside a transaction their caller holds, so that the
//! sync push can apply several use cases in one commit, each in its own savepoint.

pub mod accounts;
pub mod admin;
pub mod claims;
pub mod console;
mod context;
pub mod devices;
pub mod documents;
pub mod evidence;
pub mod files;
pub mod fund;
pub mod health;
mod input;
pub mod limits;
pub mod notifications;
pub mod parties;
pub mod policy;
pub mod recurrence;
pub mod registry;
pub mod sync;
pub mod work_orders;

pub use context::{Context, Limits};
pub use input::{is_bidi_control, optional_text, parse_id, position, text, utc, Page, Paged};
pub use policy::Caller;

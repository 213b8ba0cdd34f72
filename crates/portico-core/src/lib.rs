//! Domain types shared by every layer: locales, e-mail addresses, roles and permissions, the clock,
//! business hours and validation errors. No I/O lives here, so everything in this crate is cheap to
//! test and to compile.

pub mod calendar;
pub mod clock;
pub mod email;
pub mod error;
pub mod form;
pub mod locale;
pub mod role;
pub mod status;
pub mod text;

pub use clock::{Clock, FixedClock, SystemClock, Timestamp};
pub use email::Email;
pub use error::{FieldError, ValidationErrors};
pub use locale::Locale;
pub use role::{Permission, Role, Scope, UserStatus};
pub use text::Localized;

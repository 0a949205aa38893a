//! Who is asking and what they may do: passwords (argon2id), sessions with CSRF tokens, API
//! tokens, roles at scopes (WEB-90 – WEB-96), login throttling.

mod access;
mod password;
mod principal;
mod throttle;

pub use access::{Access, Perm, ROLES, Scope};
pub use password::{hash_password, random_password, verify_password};
pub use principal::{ClientIp, Principal, PrincipalKind, SESSION_COOKIE, cookie, new_token, resolve};
pub use throttle::Throttle;

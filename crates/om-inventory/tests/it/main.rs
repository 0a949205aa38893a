//! om-inventory against the real thing: goldens made by ansible-core 2.19, errors and
//! warnings users see, compound targeting, the hierarchy.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod api;
mod conformance;
mod errors;
mod export;
mod hierarchy;
mod targeting;

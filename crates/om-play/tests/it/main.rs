//! Loading playbooks: what om accepts, and what it rejects with file:line:column, the
//! offending text and the modern form (PLAY-70).

#![allow(clippy::print_stderr)]

mod features;
mod includes;
mod load;
mod run;

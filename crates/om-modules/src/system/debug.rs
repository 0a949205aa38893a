//! `debug`: printed by the executor on the controller; the schema only.

use crate::{Param, Schema};

pub static SCHEMA: Schema = Schema::new(
    "debug",
    "Print statements during execution",
    &[Param::new("msg", crate::Type::Raw).default_str("Hello world!"), Param::str("var"), Param::int("verbosity").default_int(0)],
)
.exclusive(&[&["msg", "var"]]);

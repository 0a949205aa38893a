//! `script`: a local script streamed to the host and run by the executor; the schema only.

use crate::{Param, Schema};

pub static SCHEMA: Schema = Schema::new(
    "script",
    "Runs a local script on a remote node after transferring it",
    &[
        Param::str("_raw_params").aliases(&["cmd"]),
        Param::path("chdir"),
        Param::path("creates"),
        Param::path("removes"),
        Param::str("executable"),
        Param::bool("decrypt", true),
    ],
)
.free_form();

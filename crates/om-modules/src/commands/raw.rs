//! `raw`: free text run over a plain exec channel by the executor (no agent); the schema only.

use crate::{Param, Schema};

pub static SCHEMA: Schema =
    Schema::new("raw", "Executes a low-down and dirty command", &[Param::str("_raw_params").aliases(&["cmd"]), Param::str("executable")])
        .free_form()
        .no_check_mode();

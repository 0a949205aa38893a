//! `async_status`: answered by the executor from the job files; the schema only.

use crate::{Param, Schema};

pub static SCHEMA: Schema = Schema::new(
    "async_status",
    "Obtain status of asynchronous task",
    &[Param::str("jid").aliases(&["id"]).required(), Param::str("mode").choices(&["status", "cleanup"]).default_str("status")],
);

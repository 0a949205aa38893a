//! `ping`: proves the transport works (and escalation, under `-b`) without running a module.

use async_trait::async_trait;
use om_core::{HostError, Outcome};

use super::{Action, Ctx, outcome, result};
use crate::schema::Schema;

pub(crate) struct Ping;

#[async_trait]
impl Action for Ping {
    fn schema(&self) -> &'static Schema {
        &om_modules::system::ping::SCHEMA
    }

    async fn run(&self, ctx: &Ctx<'_>) -> Result<Outcome, HostError> {
        let data = ctx.str("data").unwrap_or("pong").to_string();
        if data == "crash" {
            return Err(ctx.fail("boom"));
        }
        if ctx.escalation.is_some() {
            let out = ctx.probe("true".into()).await?;
            if out.rc != Some(0) {
                return Err(ctx.fail(format!("`true` exited with {:?} as the become user", out.rc)));
            }
        }
        let mut r = result(false);
        r.insert("ping".into(), data.into());
        Ok(outcome(false, r))
    }
}

//! `async_status`: the state of a background job started with `-B`/`async`.

use async_trait::async_trait;
use chrono::Local;
use om_core::{HostError, Outcome, Status};

use super::{Action, Ctx, result};
use crate::jobs::{self, JobState};
use crate::schema::Schema;

pub(crate) struct AsyncStatus;

#[async_trait]
impl Action for AsyncStatus {
    fn schema(&self) -> &'static Schema {
        &om_modules::system::async_status::SCHEMA
    }

    async fn run(&self, ctx: &Ctx<'_>) -> Result<Outcome, HostError> {
        let jid = ctx.str("jid").unwrap_or_default().to_string();
        if ctx.str("mode") == Some("cleanup") {
            jobs::cleanup(ctx, &jid).await?;
            let mut r = result(false);
            r.insert("ansible_job_id".into(), jid.into());
            r.insert("erased".into(), true.into());
            return Ok(Outcome::new(Status::Ok, r));
        }
        match jobs::status(ctx, &jid).await? {
            JobState::Missing => Ok(super::failed(format!("could not find job {jid}"), result(false))),
            JobState::Running => {
                let mut r = result(false);
                r.insert("ansible_job_id".into(), jid.into());
                r.insert("started".into(), 1.into());
                r.insert("finished".into(), 0.into());
                Ok(Outcome::new(Status::Ok, r))
            }
            JobState::Finished(out) => Ok(jobs::finished(serde_json::Value::Null, &out, Local::now(), &jid)),
            JobState::Module(rc, result) => Ok(jobs::module_finished(rc, result, &jid)),
        }
    }
}

use clap::{Args, Subcommand};

use super::remote::RemoteArgs;

/// The platform's action catalog: list actions, run one on servers and follow its output.
///
///   om action list
///   om action run "Restart service" --servers web1,web2 --param service=nginx --yes
///   om action run 1001 --servers web1 --param lines=20
#[derive(Debug, Args)]
pub struct ActionArgs {
    #[command(flatten)]
    pub remote: RemoteArgs,
    #[command(subcommand)]
    pub command: ActionCommand,
}

#[derive(Debug, Subcommand)]
pub enum ActionCommand {
    /// Every action with its id, group and parameters.
    List,
    /// Run an action (by id or name) and stream each host's output until the job ends.
    Run {
        /// The action's id or name.
        action: String,
        /// Server names or ids, comma-separated.
        #[arg(long, value_delimiter = ',', required = true)]
        servers: Vec<String>,
        /// A parameter, `name=value`; repeat for more.
        #[arg(long = "param", value_name = "NAME=VALUE")]
        params: Vec<String>,
        /// Confirm actions marked dangerous.
        #[arg(long)]
        yes: bool,
        /// Return once the job is queued instead of following it.
        #[arg(long)]
        no_follow: bool,
    },
}

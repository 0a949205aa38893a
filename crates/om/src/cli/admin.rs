use clap::{Args, Subcommand};

use super::serve::PlatformArgs;

/// Administer the platform's database directly (no running server needed).
#[derive(Debug, Args)]
pub struct AdminArgs {
    #[command(flatten)]
    pub platform: PlatformArgs,
    #[command(subcommand)]
    pub command: AdminCommand,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a user with a role; the password is read from stdin or generated and printed.
    ///
    ///   printf '%s' "$PASSWORD" | om admin create-user alice --role operator --scope fun:1 --password-stdin
    CreateUser {
        name: String,
        /// admin, operator, viewer or auditor.
        #[arg(long, default_value = "viewer")]
        role: String,
        /// Where the role holds: global, fun:<id> or app:<id>.
        #[arg(long, default_value = "global")]
        scope: String,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
        #[arg(long)]
        json: bool,
    },
    /// Set a new password for a user (generated and printed unless --password-stdin); the user
    /// must change it at the next sign-in.
    ResetPassword {
        name: String,
        #[arg(long)]
        password_stdin: bool,
        #[arg(long)]
        json: bool,
    },
    /// Create an API token for a user and print it once (for scripts and CI).
    ///
    ///   om admin create-token admin --name ci --scope run
    CreateToken {
        /// The user the token acts as; it never has more rights than this user.
        user: String,
        #[arg(long, default_value = "cli")]
        name: String,
        /// read, run or admin.
        #[arg(long, default_value = "read")]
        scope: String,
        #[arg(long)]
        json: bool,
    },
    /// Check the audit log's hash chain; names the first broken seq.
    VerifyAuditLog {
        #[arg(long)]
        from: Option<i64>,
        #[arg(long)]
        to: Option<i64>,
        #[arg(long)]
        json: bool,
    },
    /// Prune old job events, outputs and jobs by the [retention] policy.
    Retention {
        /// Only count what would go.
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        json: bool,
    },
    /// Apply pending database migrations and print the schema version.
    Migrate {
        #[arg(long)]
        json: bool,
    },
}

//! `om-agent`: `stdio` serves the om protocol on stdin/stdout for one controller (the
//! agentless mode over SSH); `version` prints the version and protocol.

use std::process::ExitCode;

const USAGE: &str = "usage: om-agent stdio | version | job JID\n\n  stdio     serve the om protocol on stdin and stdout (started by om over SSH)\n  version   print the agent and protocol versions\n  job JID   run the background job JID (started by the agent for `async:`)";

fn main() -> ExitCode {
    let arg = std::env::args().nth(1).unwrap_or_default();
    match arg.as_str() {
        "stdio" => stdio(),
        "job" => match om_agent::job::run(&std::env::args().nth(2).unwrap_or_default()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprint_line(&format!("om-agent: {e}"));
                ExitCode::from(1)
            }
        },
        "version" | "--version" | "-V" => {
            print_line(&format!("om-agent {} protocol {}", env!("CARGO_PKG_VERSION"), om_agent::PROTOCOL_VERSION));
            ExitCode::SUCCESS
        }
        "daemon" => {
            eprint_line("om-agent: the daemon mode is not built yet; use `om-agent stdio`");
            ExitCode::from(2)
        }
        _ => {
            eprint_line(USAGE);
            ExitCode::from(2)
        }
    }
}

#[allow(clippy::print_stdout)]
fn print_line(s: &str) {
    println!("{s}");
}

#[allow(clippy::print_stderr)]
fn eprint_line(s: &str) {
    eprintln!("{s}");
}

fn stdio() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .max_blocking_threads(64)
        .thread_keep_alive(std::time::Duration::from_secs(30))
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprint_line(&format!("om-agent: cannot start the runtime: {e}"));
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(om_agent::server::serve(tokio::io::stdin(), tokio::io::stdout()));
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprint_line(&format!("om-agent: {e}"));
            ExitCode::from(1)
        }
    }
}

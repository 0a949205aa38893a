//! Becoming another user (SSH-41): the command is wrapped in `sudo` with a random prompt
//! and a success marker, and [`BecomeFilter`] watches the output: the password goes to
//! stdin only after sudo's prompt appears, a second prompt means a wrong password, and the
//! markers never reach the caller. Transport-neutral: the local transport uses it too.

use om_core::event::Stream;
use om_core::transport::OutputFn;
use om_core::{Escalation, EscalationMethod, ExecOutput, HostError, OutputChunk, Phase};

/// A command wrapped for escalation, and the filter for its output.
pub fn wrap(command: &str, escalation: &Escalation, host: &str) -> Result<(String, BecomeFilter), HostError> {
    if escalation.method == EscalationMethod::Su {
        return Err(
            HostError::new(host, Phase::Become, "become method `su` is not supported yet").with_hint("use sudo (--become-method sudo)")
        );
    }
    let nonce: u64 = rand::random();
    let prompt = format!("[om-sudo-{nonce:016x}] ");
    let success = format!("OM-BECOME-SUCCESS-{nonce:016x}");
    let inner = format!("echo {success}; {command}");
    let non_interactive = if escalation.password.is_none() { " -n" } else { "" };
    let wrapped = format!("sudo -H -S{non_interactive} -p {} -u {} /bin/sh -c {}", quote(&prompt), quote(&escalation.user), quote(&inner));
    let filter = BecomeFilter {
        host: host.to_string(),
        user: escalation.user.clone(),
        prompt: prompt.into_bytes(),
        success: format!("{success}\n").into_bytes(),
        password: escalation.password.as_ref().map(|p| format!("{}\n", p.expose()).into_bytes()),
        state: State::Waiting,
        held_out: Vec::new(),
        held_err: Vec::new(),
        prompts: 0,
    };
    Ok((wrapped, filter))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Waiting,
    Running,
}

/// What the transport should do after feeding a chunk.
#[derive(Debug, Default)]
pub struct Step {
    /// Output for the caller, with markers removed.
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// Bytes to write to the command's stdin now (the password).
    pub send: Option<Vec<u8>>,
    /// The command now runs as the new user: send the caller's stdin.
    pub started: bool,
    /// Escalation failed; close the channel.
    pub failed: Option<HostError>,
}

impl Step {
    /// A chunk of output that passes through unfiltered.
    pub fn passthrough(stream: Stream, data: &[u8]) -> Self {
        match stream {
            Stream::Stdout => Step { stdout: data.to_vec(), ..Step::default() },
            Stream::Stderr => Step { stderr: data.to_vec(), ..Step::default() },
        }
    }

    /// Hands the step's output to the caller and keeps it in `out`.
    pub fn emit(&self, out: &mut ExecOutput, on_output: OutputFn<'_>) {
        if !self.stdout.is_empty() {
            on_output(OutputChunk { stream: Stream::Stdout, data: &self.stdout });
            out.stdout.extend_from_slice(&self.stdout);
        }
        if !self.stderr.is_empty() {
            on_output(OutputChunk { stream: Stream::Stderr, data: &self.stderr });
            out.stderr.extend_from_slice(&self.stderr);
        }
    }
}

/// Feeds a chunk through the filter when there is one.
pub fn feed(filter: &mut Option<BecomeFilter>, stream: Stream, data: &[u8]) -> Step {
    match (filter, stream) {
        (Some(f), Stream::Stdout) => f.stdout(data),
        (Some(f), Stream::Stderr) => f.stderr(data),
        (None, stream) => Step::passthrough(stream, data),
    }
}

/// Watches a wrapped command's output until escalation succeeded or failed.
pub struct BecomeFilter {
    host: String,
    user: String,
    prompt: Vec<u8>,
    success: Vec<u8>,
    password: Option<Vec<u8>>,
    state: State,
    held_out: Vec<u8>,
    held_err: Vec<u8>,
    prompts: u32,
}

impl BecomeFilter {
    /// Whether the command runs as the new user yet.
    pub fn started(&self) -> bool {
        self.state == State::Running
    }

    pub fn stdout(&mut self, data: &[u8]) -> Step {
        if self.state == State::Running {
            return Step { stdout: data.to_vec(), ..Step::default() };
        }
        self.held_out.extend_from_slice(data);
        match find(&self.held_out, &self.success) {
            Some(at) => {
                let mut rest = self.held_out.split_off(at + self.success.len());
                rest.splice(0..0, self.held_out.drain(..at));
                self.held_out.clear();
                self.state = State::Running;
                let stderr = std::mem::take(&mut self.held_err);
                Step { stdout: rest, stderr, started: true, ..Step::default() }
            }
            None => Step::default(),
        }
    }

    pub fn stderr(&mut self, data: &[u8]) -> Step {
        if self.state == State::Running {
            return Step { stderr: data.to_vec(), ..Step::default() };
        }
        self.held_err.extend_from_slice(data);
        let mut step = Step::default();
        while let Some(at) = find(&self.held_err, &self.prompt) {
            self.held_err.drain(at..at + self.prompt.len());
            self.prompts += 1;
            match (&self.password, self.prompts) {
                (Some(password), 1) => step.send = Some(password.clone()),
                (Some(_), _) => step.failed = Some(self.error(format!("incorrect sudo password for becoming `{}`", self.user))),
                (None, _) => step.failed = Some(self.error("sudo asks for a password".into())),
            }
        }
        if step.failed.is_none() {
            step.failed = self.diagnose();
        }
        step
    }

    /// Called when the command ended; a command that never started failed to escalate.
    pub fn finish(&mut self) -> Step {
        if self.state == State::Running {
            return Step::default();
        }
        let failed = self.diagnose().or_else(|| {
            let text = String::from_utf8_lossy(&self.held_err).trim().to_string();
            Some(self.error(if text.is_empty() { "sudo failed without a message".into() } else { text }))
        });
        Step { stdout: std::mem::take(&mut self.held_out), failed, ..Step::default() }
    }

    fn diagnose(&self) -> Option<HostError> {
        let text = String::from_utf8_lossy(&self.held_err);
        let line = text.lines().find(|l| !l.trim().is_empty() && !l.contains("Sorry, try again")).unwrap_or("").trim().to_string();
        if text.contains("a password is required") || text.contains("no password was provided") {
            Some(self.error("sudo needs a password".into()))
        } else if text.contains("incorrect password") {
            Some(self.error(format!("incorrect sudo password for becoming `{}`", self.user)))
        } else if text.contains("not in the sudoers") || text.contains("is not allowed to") || text.contains("unknown user") {
            Some(self.error(line))
        } else if text.contains("sudo: command not found") || text.contains("sudo: not found") {
            Some(self.error("sudo is not installed".into()))
        } else {
            None
        }
    }

    fn error(&self, message: String) -> HostError {
        let hint = if message.contains("password") {
            "give the sudo password with -K (or ansible_become_password), or allow NOPASSWD in sudoers"
        } else {
            "check the sudo rules for this user on the host (sudo -l)"
        };
        HostError::new(&self.host, Phase::Become, message).with_hint(hint)
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Quotes a word for `sh`.
pub fn quote(word: &str) -> String {
    if !word.is_empty() && word.bytes().all(|b| b.is_ascii_alphanumeric() || b"@%+=:,./-_".contains(&b)) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r#"'"'"'"#))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use om_core::Secret;

    fn sudo(password: Option<&str>) -> (String, BecomeFilter) {
        let mut e = Escalation::sudo("root");
        e.password = password.map(|p| Secret::new(p.to_string()));
        wrap("id -u", &e, "h1").expect("wraps")
    }

    #[test]
    fn the_password_is_sent_after_the_prompt_and_never_in_the_command() {
        let (command, mut f) = sudo(Some("hunter2"));
        assert!(!command.contains("hunter2"));
        assert!(command.starts_with("sudo -H -S -p "));
        let prompt = String::from_utf8(f.prompt.clone()).expect("utf-8");
        let step = f.stderr(prompt.as_bytes());
        assert_eq!(step.send.as_deref(), Some(&b"hunter2\n"[..]));
        assert!(step.stderr.is_empty());
        let success = String::from_utf8(f.success.clone()).expect("utf-8");
        let step = f.stdout(format!("{success}0\n").as_bytes());
        assert!(step.started);
        assert_eq!(step.stdout, b"0\n");
    }

    #[test]
    fn a_second_prompt_means_a_wrong_password() {
        let (_, mut f) = sudo(Some("wrong"));
        let prompt = String::from_utf8(f.prompt.clone()).expect("utf-8");
        assert!(f.stderr(prompt.as_bytes()).failed.is_none());
        let step = f.stderr(format!("Sorry, try again.\n{prompt}").as_bytes());
        let err = step.failed.expect("fails");
        assert_eq!(err.phase, Phase::Become);
        assert!(err.message.contains("incorrect sudo password"));
    }

    #[test]
    fn no_password_uses_sudo_n_and_reports_it() {
        let (command, mut f) = sudo(None);
        assert!(command.contains(" -n "));
        f.stderr(b"sudo: a password is required\n");
        let err = f.finish().failed.expect("fails");
        assert_eq!(err.message, "sudo needs a password");
    }

    #[test]
    fn quoting_survives_single_quotes() {
        assert_eq!(quote("it's"), r#"'it'"'"'s'"#);
        assert_eq!(quote("/tmp/x"), "/tmp/x");
    }
}

//! Becoming another user (SSH-41). The command is wrapped with a success marker, and
//! [`BecomeFilter`] watches the output: the password goes to stdin only after the password
//! prompt appears, a wrong password is reported in phase `become`, and neither the prompt
//! nor the markers reach the caller. Transport-neutral: the local transport uses it too.
//!
//! - `sudo`: `sudo -H -S -p <random prompt> -u USER /bin/sh -c '…'` (`-n` without a password);
//!   the prompt comes on stderr, a second prompt means a wrong password.
//! - `su`: `su -s /bin/sh -c '…' USER`, like ansible-core's `su` plugin. su prints a fixed,
//!   possibly localized prompt (`Password:`, `Passwort:`, `密码：` …; ansible-core's list).
//!   util-linux and busybox su read the password from stdin when there is no terminal, so no
//!   PTY is needed and stdout, stderr and binary stdin stay as they are. An su that insists
//!   on a terminal ("must be run from a terminal") fails with [`Step::needs_tty`] set, and
//!   the SSH transport runs it again on a PTY; so does a request that asks for a PTY. On a
//!   PTY stderr comes merged into stdout (a terminal has one output); echo and `\n`→`\r\n`
//!   are switched off through the PTY's terminal modes, and caller stdin passes through a
//!   raw-mode terminal as exactly its length in bytes (`stty raw; head -c N`).

use om_core::event::Stream;
use om_core::transport::OutputFn;
use om_core::{Escalation, EscalationMethod, ExecOutput, HostError, OutputChunk, Phase};

/// The prompts su may print, as ansible-core's `su` plugin knows them; each is followed by
/// optional whitespace and a colon (ASCII or fullwidth), and matched ignoring ASCII case.
const SU_PROMPTS: &[&str] = &[
    "Password",
    "암호",
    "パスワード",
    "Adgangskode",
    "Contraseña",
    "Contrasenya",
    "Hasło",
    "Heslo",
    "Jelszó",
    "Lösenord",
    "Mật khẩu",
    "Mot de passe",
    "Parola",
    "Parool",
    "Pasahitza",
    "Passord",
    "Passwort",
    "Salasana",
    "Sandi",
    "Senha",
    "Wachtwoord",
    "ססמה",
    "Лозинка",
    "Парола",
    "Пароль",
    "गुप्तशब्द",
    "शब्दकूट",
    "సంకేతపదము",
    "හස්පදය",
    "密码",
    "密碼",
    "口令",
];

/// A command wrapped for escalation, and the filter for its output. `stdin` is the length
/// of the caller's stdin, if any: su passes it through a possibly raw terminal by length.
pub fn wrap(command: &str, stdin: Option<usize>, escalation: &Escalation, host: &str) -> Result<(String, BecomeFilter), HostError> {
    let nonce: u64 = rand::random();
    let success = format!("OM-BECOME-SUCCESS-{nonce:016x}");
    let (wrapped, prompt) = match escalation.method {
        EscalationMethod::Sudo => {
            let prompt = format!("[om-sudo-{nonce:016x}] ");
            let inner = format!("echo {success}; {command}");
            let non_interactive = if escalation.password.is_none() { " -n" } else { "" };
            let user = quote(&escalation.user);
            (format!("sudo -H -S{non_interactive} -p {} -u {user} /bin/sh -c {}", quote(&prompt), quote(&inner)), prompt.into_bytes())
        }
        EscalationMethod::Su => {
            if escalation.user.starts_with('-') {
                return Err(HostError::new(host, Phase::Become, format!("`{}` is not a user name su accepts", escalation.user))
                    .with_hint("set become_user to an existing user name"));
            }
            // On a PTY, `stty raw` makes the terminal pass stdin byte for byte (no line
            // editing, no ^C/^D); the marker comes after it so stdin is sent only then.
            let inner = match stdin {
                Some(n) => format!("stty raw -echo 2>/dev/null; echo {success}; head -c {n} | {{ {command}\n}}"),
                None => format!("echo {success}; {{ {command}\n}} </dev/null"),
            };
            (format!("su -s /bin/sh -c {} {}", quote(&inner), quote(&escalation.user)), Vec::new())
        }
    };
    let filter = BecomeFilter {
        method: escalation.method,
        host: host.to_string(),
        user: escalation.user.clone(),
        prompt,
        success: success.into_bytes(),
        password: escalation.password.as_ref().map(|p| format!("{}\n", p.expose()).into_bytes()),
        state: State::Waiting,
        held_out: Vec::new(),
        held_err: Vec::new(),
        prompts: 0,
        needs_tty: false,
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
    /// It failed because su wants a terminal: run it again on a PTY.
    pub needs_tty: bool,
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
    method: EscalationMethod,
    host: String,
    user: String,
    /// sudo's random prompt (su's prompts are [`SU_PROMPTS`]).
    prompt: Vec<u8>,
    /// The success marker, without its line end.
    success: Vec<u8>,
    password: Option<Vec<u8>>,
    state: State,
    held_out: Vec<u8>,
    held_err: Vec<u8>,
    prompts: u32,
    needs_tty: bool,
}

impl BecomeFilter {
    /// Whether the command runs as the new user yet.
    pub fn started(&self) -> bool {
        self.state == State::Running
    }

    /// Whether escalation failed because su wants a terminal (run it again on a PTY).
    pub fn needs_tty(&self) -> bool {
        self.needs_tty
    }

    pub fn stdout(&mut self, data: &[u8]) -> Step {
        if self.state == State::Running {
            return Step { stdout: data.to_vec(), ..Step::default() };
        }
        self.held_out.extend_from_slice(data);
        if let Some((at, end)) = marker(&self.held_out, &self.success) {
            let rest = self.held_out.split_off(end);
            let mut before = std::mem::take(&mut self.held_out);
            before.truncate(at);
            self.state = State::Running;
            let mut stderr = std::mem::take(&mut self.held_err);
            let stdout = match self.method {
                EscalationMethod::Sudo => [before, rest].concat(),
                EscalationMethod::Su => {
                    // su's own words before the marker (a warning) are stderr; the line end
                    // it prints after the password is not.
                    if !before.iter().all(u8::is_ascii_whitespace) {
                        stderr.splice(0..0, before);
                    }
                    rest
                }
            };
            return Step { stdout, stderr, started: true, ..Step::default() };
        }
        match self.method {
            EscalationMethod::Sudo => Step::default(),
            EscalationMethod::Su => self.su_watch(),
        }
    }

    pub fn stderr(&mut self, data: &[u8]) -> Step {
        if self.state == State::Running {
            return Step { stderr: data.to_vec(), ..Step::default() };
        }
        self.held_err.extend_from_slice(data);
        if self.method == EscalationMethod::Su {
            return self.su_watch();
        }
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
        if self.method == EscalationMethod::Su {
            let failed = self.su_diagnose(true).unwrap_or_else(|| {
                let text = self.scrub(&self.held_text(true));
                self.su_error(if text.is_empty() { "su failed without a message".into() } else { text })
            });
            return Step { failed: Some(failed), needs_tty: self.needs_tty, ..Step::default() };
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

    /// su before the marker: answers its prompt (on stderr, or on stdout from a PTY) and
    /// recognises its failures.
    fn su_watch(&mut self) -> Step {
        let mut step = Step::default();
        for stderr in [true, false] {
            loop {
                let held = if stderr { &mut self.held_err } else { &mut self.held_out };
                let Some((start, end)) = su_prompt(held) else { break };
                held.drain(start..end);
                self.prompts += 1;
                match (&self.password, self.prompts) {
                    (Some(password), 1) => step.send = Some(password.clone()),
                    (Some(_), _) => step.failed = Some(self.su_error(format!("incorrect su password for becoming `{}`", self.user))),
                    (None, _) => step.failed = Some(self.su_error(format!("su asks for the password of `{}`", self.user))),
                }
            }
        }
        if step.failed.is_none() {
            step.failed = self.su_diagnose(false);
        }
        step.needs_tty = self.needs_tty;
        step
    }

    /// What su said, from both streams (on a PTY everything comes on stdout); while it runs,
    /// only whole lines, as a message may still be arriving.
    fn held_text(&self, ended: bool) -> String {
        let mut text = String::new();
        for held in [&self.held_err, &self.held_out] {
            let upto = if ended { held.len() } else { held.iter().rposition(|&b| b == b'\n').map_or(0, |n| n + 1) };
            text.push_str(&String::from_utf8_lossy(&held[..upto]));
        }
        text.trim().to_string()
    }

    /// Recognises su's failures.
    fn su_diagnose(&mut self, ended: bool) -> Option<HostError> {
        let text = self.held_text(ended);
        let text = self.scrub(&text);
        let line = |needle: &str| text.lines().find(|l| l.contains(needle)).unwrap_or(needle).trim().to_string();
        if text.contains("Authentication failure") || text.contains("incorrect password") {
            Some(self.su_error(format!("incorrect su password for becoming `{}`", self.user)))
        } else if text.contains("must be run from a terminal") {
            self.needs_tty = true;
            Some(self.su_error(line("must be run from a terminal")))
        } else if text.contains("does not exist") || text.contains("unknown user") || text.contains("Unknown id") {
            Some(self.su_error(line("su:")))
        } else if text.contains("su: command not found") || text.contains("su: not found") {
            Some(self.su_error("su is not installed".into()))
        } else if text.contains("Permission denied") || text.contains("change your password") || text.contains("expired") {
            Some(self.su_error(line("su:")))
        } else {
            None
        }
    }

    fn su_error(&self, message: String) -> HostError {
        let hint = if message.contains("password") {
            format!(
                "give the password of `{}` with -K (--ask-become-pass) or ansible_become_password: su asks for the target user's password, not the login user's",
                self.user
            )
        } else if message.contains("terminal") {
            "this su needs a terminal; over SSH om retries on a PTY, locally use sudo".to_string()
        } else {
            format!("check that user `{}` exists on the host and that the login user may use su there", self.user)
        };
        HostError::new(&self.host, Phase::Become, message).with_hint(hint)
    }

    /// `text` with lines that are the password masked, should a broken su have echoed it.
    fn scrub(&self, text: &str) -> String {
        let Some(password) = self.password.as_deref().map(String::from_utf8_lossy) else { return text.to_string() };
        let password = password.trim_end_matches('\n');
        text.lines().map(|l| if l.trim_end_matches('\r') == password { "********" } else { l }).collect::<Vec<_>>().join("\n")
    }
}

/// Where su's password prompt is in `held`: from the start of its line to after the colon
/// and one space.
fn su_prompt(held: &[u8]) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize)> = None;
    for prompt in SU_PROMPTS {
        let needle = prompt.as_bytes();
        let mut from = 0;
        while let Some(at) = held.get(from..).and_then(|h| h.windows(needle.len()).position(|w| w.eq_ignore_ascii_case(needle))) {
            let at = from + at;
            from = at + 1;
            let mut end = at + needle.len();
            while held.get(end).is_some_and(|&b| b == b' ' || b == b'\t') {
                end += 1;
            }
            let colon = if held.get(end) == Some(&b':') {
                1
            } else if held[end..].starts_with("：".as_bytes()) {
                "：".len()
            } else {
                continue;
            };
            end += colon;
            if held.get(end) == Some(&b' ') {
                end += 1;
            }
            let start = held[..at].iter().rposition(|&b| b == b'\n').map_or(0, |n| n + 1);
            if best.is_none_or(|(s, _)| start < s) {
                best = Some((start, end));
            }
            break;
        }
    }
    best
}

/// Where the success marker and its line end (`\n`, or `\r\n` from a terminal) are.
fn marker(held: &[u8], success: &[u8]) -> Option<(usize, usize)> {
    let at = find(held, success)?;
    let after = &held[at + success.len()..];
    if after.starts_with(b"\n") {
        Some((at, at + success.len() + 1))
    } else if after.starts_with(b"\r\n") {
        Some((at, at + success.len() + 2))
    } else {
        None
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
        wrap("id -u", None, &e, "h1").expect("wraps")
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
        let step = f.stdout(format!("{success}\n0\n").as_bytes());
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

    fn su(password: Option<&str>, stdin: Option<usize>) -> (String, BecomeFilter, String) {
        let e = Escalation { method: EscalationMethod::Su, user: "app".into(), password: password.map(|p| Secret::new(p.to_string())) };
        let (command, f) = wrap("id -un", stdin, &e, "h1").expect("wraps");
        let success = String::from_utf8(f.success.clone()).expect("utf-8");
        (command, f, success)
    }

    #[test]
    fn su_runs_sh_as_the_user_and_keeps_the_password_out_of_the_command() {
        let (command, _, success) = su(Some("hunter2"), None);
        assert!(command.starts_with("su -s /bin/sh -c '"), "{command}");
        assert!(command.ends_with("' app"), "{command}");
        assert!(command.contains(&format!("echo {success}; {{ id -un\n}} </dev/null")), "{command}");
        assert!(!command.contains("hunter2"));
        let (command, _, _) = su(Some("hunter2"), Some(42));
        assert!(command.contains("stty raw -echo 2>/dev/null; echo ") && command.contains("head -c 42 | { id -un"), "{command}");
    }

    #[test]
    fn su_answers_its_prompt_on_stderr_and_hides_prompt_and_marker() {
        let (_, mut f, success) = su(Some("hunter2"), None);
        assert!(f.stderr(b"Pass").send.is_none());
        let step = f.stderr(b"word: ");
        assert_eq!(step.send.as_deref(), Some(&b"hunter2\n"[..]));
        let step = f.stdout(format!("{success}\napp\n").as_bytes());
        assert!(step.started);
        assert_eq!(step.stdout, b"app\n");
        assert!(step.stderr.is_empty(), "{:?}", String::from_utf8_lossy(&step.stderr));
        assert_eq!(f.stderr(b"late\n").stderr, b"late\n");
        assert!(f.finish().failed.is_none());
    }

    #[test]
    fn su_on_a_terminal_finds_the_prompt_on_stdout() {
        let (_, mut f, success) = su(Some("hunter2"), Some(3));
        let step = f.stdout(b"Password: ");
        assert_eq!(step.send.as_deref(), Some(&b"hunter2\n"[..]));
        let step = f.stdout(format!("\r\n{success}\r\napp\n").as_bytes());
        assert!(step.started);
        assert_eq!(step.stdout, b"app\n");
        assert!(step.stderr.is_empty());
    }

    #[test]
    fn su_knows_localized_prompts() {
        for prompt in ["Passwort: ", "密码：", "root's password:", "Mot de passe : "] {
            let (_, mut f, _) = su(Some("pw"), None);
            assert!(f.stderr(prompt.as_bytes()).send.is_some(), "{prompt}");
            assert!(f.held_err.is_empty(), "{prompt} left {:?}", String::from_utf8_lossy(&f.held_err));
        }
    }

    #[test]
    fn su_with_a_wrong_password_fails_in_become_without_showing_it() {
        let (_, mut f, _) = su(Some("hunter2"), None);
        assert!(f.stderr(b"Password: ").send.is_some());
        let err = f.stderr(b"su: Authentication failure\n").failed.expect("fails");
        assert_eq!(err.phase, Phase::Become);
        assert_eq!(err.message, "incorrect su password for becoming `app`");
        assert!(!err.to_string().contains("hunter2"));
        let (_, mut f, _) = su(Some("hunter2"), None);
        f.stdout(b"Password: ");
        let err = f.stdout(b"hunter2\nsu: something else\n").failed;
        assert!(err.is_none());
        let err = f.finish().failed.expect("fails");
        assert!(!err.message.contains("hunter2"), "{err}");
    }

    #[test]
    fn su_without_a_password_asks_for_minus_k() {
        let (_, mut f, _) = su(None, None);
        let err = f.stderr(b"Password: ").failed.expect("fails");
        assert_eq!(err.message, "su asks for the password of `app`");
        assert!(err.hint.as_deref().is_some_and(|h| h.contains("-K")), "{err:?}");
    }

    #[test]
    fn su_failures_are_named() {
        let (_, mut f, _) = su(Some("pw"), None);
        let step = f.stderr(b"su: must be run from a terminal\n");
        assert!(step.needs_tty && f.needs_tty());
        assert!(step.failed.is_some());
        let (_, mut f, _) = su(Some("pw"), None);
        assert!(f.stderr(b"su: user app does not exist").failed.is_none(), "waits for the whole line");
        let err = f.finish().failed.expect("fails");
        assert!(err.message.starts_with("su: user app does not exist"), "{err}");
        let e = Escalation { method: EscalationMethod::Su, user: "-c".into(), password: None };
        assert!(wrap("id", None, &e, "h1").is_err());
    }
}

//! Playbook features on several hosts of this machine (each `ansible_connection=local`):
//! `strategy: free`, `order`, `throttle`, `environment`, `async`/`poll`, `vars_prompt`,
//! `--step`, `--force-handlers`, `add_host`. What the hosts did is read from files they
//! append to, in the order they did it.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Arc, Mutex};

use om_core::{Event, Recap, Status};
use om_inventory::{Inventory, LoadOptions as InventoryOptions, Source};
use om_play::{LoadOptions, PlayError, PlayOptions, Prompter, Runner, load};

/// Runs `site.yml` in `dir` on the local hosts `names`; the events and the run's result.
pub(crate) fn run(dir: &Path, names: &[&str], options: PlayOptions) -> (Vec<Event>, Result<Recap, PlayError>) {
    let hosts: String = names.iter().map(|n| format!("{n} ansible_connection=local\n")).collect();
    std::fs::write(dir.join("hosts"), format!("[lab]\n{hosts}")).expect("write");
    let book = load(&dir.join("site.yml"), &LoadOptions::default()).expect("the playbook loads");
    let loaded = Inventory::load(
        &[Source::parse(&dir.join("hosts").display().to_string())],
        &InventoryOptions { playbook_dir: Some(dir.to_path_buf()), ..Default::default() },
    )
    .expect("inventory");
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let runner = Runner::new(Arc::new(loaded.inventory), Arc::new(om_exec::LocalConnector), options, tx);
    let result = runtime.block_on(runner.run(&book));
    drop(runner);
    let mut events = Vec::new();
    while let Ok(e) = rx.try_recv() {
        events.push(e);
    }
    (events, result)
}

fn write(dir: &Path, site: &str) {
    std::fs::write(dir.join("site.yml"), site.replace("LOG", &dir.join("log").display().to_string())).expect("write");
}

fn log(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("log")).unwrap_or_default()
}

/// Every non-empty `msg` of a result that ran, in order.
pub(crate) fn messages(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::HostResult { outcome, .. } if outcome.status != Status::Skipped => {
                outcome.result.get("msg").map(|m| m.as_str().map(str::to_string).unwrap_or_else(|| m.to_string()))
            }
            _ => None,
        })
        .filter(|m| !m.is_empty())
        .collect()
}

/// Answers questions from a script; records them.
fn scripted(answers: &[&str]) -> (Prompter, Arc<Mutex<Vec<String>>>) {
    let queue: Mutex<VecDeque<String>> = Mutex::new(answers.iter().map(|a| a.to_string()).collect());
    let asked = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&asked);
    let ask = move |question: &str, _private: bool| -> Option<String> {
        seen.lock().expect("lock").push(question.to_string());
        queue.lock().expect("lock").pop_front()
    };
    (Prompter(Arc::new(ask)), asked)
}

const FREE: &str = "- hosts: all\n  gather_facts: false\n  strategy: STRATEGY\n  tasks:\n    - shell: \"{% if inventory_hostname == 'h1' %}sleep 1; {% endif %}echo t1 {{ inventory_hostname }} >> LOG\"\n      notify: h\n    - shell: echo t2 {{ inventory_hostname }} >> LOG\n  handlers:\n    - name: h\n      shell: echo handler {{ inventory_hostname }} >> LOG\n";

#[test]
fn strategy_free_lets_each_host_run_ahead_and_flush_its_own_handlers() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), &FREE.replace("STRATEGY", "free"));
    let (_, recap) = run(dir.path(), &["h1", "h2"], PlayOptions::default());
    let recap = recap.expect("runs");
    assert_eq!(log(dir.path()), "t1 h2\nt2 h2\nhandler h2\nt1 h1\nt2 h1\nhandler h1\n", "h2 does not wait for h1");
    assert_eq!((recap.hosts["h1"].changed, recap.hosts["h2"].changed), (3, 3));
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), &FREE.replace("STRATEGY", "linear"));
    let (_, recap) = run(dir.path(), &["h1", "h2"], PlayOptions::default());
    recap.expect("runs");
    let text = log(dir.path());
    assert!(text.starts_with("t1 h2\nt1 h1\n"), "linear: every host finishes a task before the next starts: {text}");
}

#[test]
fn play_order_sorts_and_reverses_the_hosts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plays: String = ["inventory", "reverse_inventory", "sorted", "reverse_sorted", "shuffle"]
        .iter()
        .map(|o| format!("- hosts: all\n  gather_facts: false\n  order: {o}\n  serial: 1\n  tasks:\n    - shell: echo {{{{ inventory_hostname }}}} >> LOG\n    - debug: msg=\"{{{{ ansible_play_hosts_all | join(',') }}}}\"\n      run_once: true\n"))
        .collect();
    write(dir.path(), &plays);
    let (events, recap) = run(dir.path(), &["hb", "hc", "ha"], PlayOptions::default());
    recap.expect("runs");
    let mut msgs = messages(&events);
    msgs.dedup();
    assert_eq!(&msgs[..4], ["hb,hc,ha", "ha,hc,hb", "ha,hb,hc", "hc,hb,ha"], "{msgs:?}");
    let lines: Vec<String> = log(dir.path()).lines().map(str::to_string).collect();
    assert_eq!(lines[..12].join(" "), "hb hc ha ha hc hb ha hb hc hc hb ha", "serial batches follow the order");
    let mut shuffled = lines[12..].to_vec();
    shuffled.sort();
    assert_eq!(shuffled, ["ha", "hb", "hc"], "shuffle runs every host once");
}

#[test]
fn throttle_limits_hosts_at_once_on_tasks_and_blocks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log2 = dir.path().join("log2").display().to_string();
    write(
        dir.path(),
        &format!(
            "- hosts: all\n  gather_facts: false\n  tasks:\n    - shell: echo start >> LOG; sleep 0.3; echo end >> LOG\n      throttle: 1\n    - block:\n        - shell: echo start >> LOG; sleep 0.3; echo end >> LOG\n      throttle: \"{{{{ 1 }}}}\"\n    - shell: echo start >> {log2}; sleep 0.3; echo end >> {log2}\n"
        ),
    );
    let (_, recap) = run(dir.path(), &["h1", "h2", "h3"], PlayOptions::default());
    recap.expect("runs");
    assert_eq!(log(dir.path()), "start\nend\n".repeat(6), "one host at a time");
    let free = std::fs::read_to_string(&log2).expect("log2");
    assert!(free.starts_with("start\nstart\n"), "without throttle the hosts overlap: {free}");
}

#[test]
fn environment_merges_play_role_block_and_task_with_inner_winning() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::create_dir_all(d.join("roles/r/tasks")).expect("dir");
    std::fs::write(
        d.join("roles/r/tasks/main.yml"),
        "- command: printenv A R\n  register: role_out\n- debug: msg=\"{{ role_out.stdout_lines | join(' ') }}\"\n",
    )
    .expect("write");
    write(
        d,
        "- hosts: all\n  gather_facts: false\n  environment:\n    A: play\n    B: play\n    HOSTNAME_VAR: \"{{ inventory_hostname }}\"\n  roles:\n    - role: r\n      environment:\n        R: role\n  tasks:\n    - block:\n        - shell: echo \"$A $B $C $HOSTNAME_VAR\"\n          environment:\n            C: task\n          register: out\n        - debug: msg=\"{{ out.stdout }}\"\n      environment:\n        B: block\n        C: block\n    - shell: printf '%s' \"$Q\"\n      environment:\n        Q: \"a'b $HOME `id` \\\"c\\\"\"\n      register: quoted\n    - debug: msg=\"{{ quoted.stdout }}\"\n    - command: printenv T\n      environment: {T: true}\n      register: t\n    - debug: msg=\"{{ t.stdout }}\"\n    - shell: 'true'\n      environment: {\"BAD NAME\": x}\n",
    );
    let (events, recap) = run(d, &["h1"], PlayOptions::default());
    let recap = recap.expect("runs");
    let msgs = messages(&events);
    assert_eq!(msgs[0], "play role", "{msgs:?}");
    assert_eq!(msgs[1], "play block task h1", "inner wins: {msgs:?}");
    assert_eq!(msgs[2], "a'b $HOME `id` \"c\"", "values reach the command as data: {msgs:?}");
    assert_eq!(msgs[3], "True", "non-strings as Python's str(): {msgs:?}");
    assert!(msgs[4].contains("`BAD NAME` is not a valid environment variable name"), "{msgs:?}");
    assert_eq!(recap.hosts["h1"].failed, 1);
}

#[test]
fn async_poll_waits_and_poll_zero_returns_a_job_for_async_status() {
    let dir = tempfile::tempdir().expect("tempdir");
    let marker = dir.path().join("bg-done").display().to_string();
    write(
        dir.path(),
        &format!(
            "- hosts: all\n  gather_facts: false\n  tasks:\n    - shell: sleep 1; echo waited\n      async: 10\n      poll: 1\n      register: w\n    - debug: msg=\"{{{{ w.stdout }}}} {{{{ w.finished }}}} {{{{ w.ansible_job_id is defined }}}}\"\n    - shell: sleep 1; echo x > {marker}\n      async: 20\n      poll: 0\n      register: job\n    - debug: msg=\"{{{{ job.finished }}}} {{{{ job.started }}}} {{{{ job.changed }}}} {{{{ job.results_file is defined }}}}\"\n    - async_status: jid={{{{ job.ansible_job_id }}}}\n      register: s\n      until: s.finished\n      retries: 20\n      delay: 0.5\n    - debug: msg=\"{{{{ s.finished }}}} {{{{ s.rc }}}}\"\n    - copy: content=x dest={marker}-copy\n      async: 5\n      poll: 0\n      ignore_errors: true\n    - file: path={marker}-dir state=directory\n      async: 5\n      poll: 1\n    - file: path={marker}-bg state=directory\n      async: 5\n      poll: 0\n"
        ),
    );
    let started = std::time::Instant::now();
    let (events, recap) = run(dir.path(), &["h1"], PlayOptions::default());
    let recap = recap.expect("runs");
    let msgs = messages(&events);
    assert_eq!(msgs[0], "waited True True", "{msgs:?}");
    assert_eq!(msgs[1], "False True True True", "poll 0 returns at once: {msgs:?}");
    assert_eq!(msgs[2], "True 0", "{msgs:?}");
    assert!(Path::new(&marker).exists(), "the background job ran");
    assert_eq!(msgs[3], "This action (copy) does not support async.", "as ansible-core: {msgs:?}");
    assert!(Path::new(&format!("{marker}-dir")).is_dir(), "local transport, poll > 0: in the foreground");
    assert!(msgs[4].contains("runs in the background through om-agent; the local transport has none"), "{msgs:?}");
    assert!(!Path::new(&format!("{marker}-bg")).exists());
    assert_eq!((recap.hosts["h1"].failed, recap.hosts["h1"].ignored), (1, 1));
    assert!(started.elapsed().as_secs() < 15);
}

const PROMPTS: &str = "- hosts: all\n  gather_facts: false\n  vars_prompt:\n    - name: who\n      prompt: Who are you\n      private: false\n      default: nobody\n    - name: secret\n      private: true\n    - name: pw\n      confirm: true\n      encrypt: sha512_crypt\n      salt: saltsalt\n      default: x\n  tasks:\n    - debug: msg=\"{{ who }} {{ secret }} {{ pw[:12] }}\"\n";

#[test]
fn vars_prompt_asks_uses_extra_vars_defaults_or_names_the_missing_variable() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), PROMPTS);
    let (prompter, asked) = scripted(&["", "s3", "p1", "p2", "pw", "pw"]);
    let (events, recap) = run(dir.path(), &["h1"], PlayOptions { prompter: Some(prompter), ..PlayOptions::default() });
    recap.expect("runs");
    assert_eq!(messages(&events), ["nobody s3 $6$saltsalt$"], "empty answer takes the default; confirm asks again on mismatch");
    assert_eq!(
        *asked.lock().expect("lock"),
        ["Who are you [nobody]: ", "secret: ", "pw [x]: ", "confirm pw: ", "pw [x]: ", "confirm pw: "]
    );
    let mut extra = om_core::Vars::new();
    extra.insert("secret".into(), "from-e".into());
    let (events, recap) = run(dir.path(), &["h1"], PlayOptions { extra_vars: extra, ..PlayOptions::default() });
    recap.expect("no terminal: defaults and -e");
    assert_eq!(messages(&events), ["nobody from-e $6$saltsalt$"]);
    let (_, recap) = run(dir.path(), &["h1"], PlayOptions::default());
    let err = recap.expect_err("`secret` has no value").to_string();
    assert!(err.contains("`secret`") && err.contains("site.yml:8:7"), "{err}");
}

#[test]
fn step_asks_before_each_task_until_continue() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: msg=one\n    - debug: msg=two\n    - debug: msg=three\n    - debug: msg=four\n",
    );
    let (prompter, asked) = scripted(&["n", "y", "c"]);
    let (events, recap) = run(dir.path(), &["h1"], PlayOptions { step: true, prompter: Some(prompter), ..PlayOptions::default() });
    recap.expect("runs");
    assert_eq!(messages(&events), ["two", "three", "four"]);
    let asked = asked.lock().expect("lock").clone();
    assert_eq!(asked, ["Perform task: TASK: debug (N)o/(y)es/(c)ontinue: "; 3], "no question after (c)ontinue");
}

#[test]
fn force_handlers_run_on_hosts_that_failed_later() {
    let site = "- hosts: all\n  gather_facts: false\n  tasks:\n    - shell: echo changed\n      notify: h\n    - fail: msg=boom\n      when: inventory_hostname == 'h1'\n  handlers:\n    - name: h\n      shell: echo handler {{ inventory_hostname }} >> LOG\n";
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), site);
    let (_, recap) = run(dir.path(), &["h1", "h2"], PlayOptions::default());
    recap.expect("runs");
    assert_eq!(log(dir.path()), "handler h2\n", "without --force-handlers the failed host skips its handlers");
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), site);
    let (_, recap) = run(dir.path(), &["h1", "h2"], PlayOptions { force_handlers: true, ..PlayOptions::default() });
    recap.expect("runs");
    let mut lines: Vec<&str> = Vec::new();
    let text = log(dir.path());
    lines.extend(text.lines());
    lines.sort();
    assert_eq!(lines, ["handler h1", "handler h2"]);
    // Every host failing in a role section still runs what was notified before.
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("roles/r/tasks")).expect("dir");
    std::fs::write(dir.path().join("roles/r/tasks/main.yml"), "- shell: echo c\n  notify: h\n- fail: msg=boom\n").expect("write");
    write(
        dir.path(),
        "- hosts: all\n  gather_facts: false\n  force_handlers: true\n  roles: [r]\n  handlers:\n    - name: h\n      shell: echo handler {{ inventory_hostname }} >> LOG\n",
    );
    let (_, recap) = run(dir.path(), &["h1"], PlayOptions::default());
    recap.expect("runs");
    assert_eq!(log(dir.path()), "handler h1\n", "play-level force_handlers");
}

#[test]
fn add_host_runs_once_and_later_plays_see_the_host() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - add_host: name=newh groups=g1,g2 ansible_connection=local foo=bar\n      register: r\n    - debug: msg=\"{{ r.add_host.host_name if r is defined else 'undefined' }} {{ groups['g1'] }}\"\n    - add_host:\n        name: newh\n        groups: [g1]\n    - group_by: key=k_{{ inventory_hostname }}\n    - debug: msg=\"{{ groups['k_a'] }} {{ group_names }}\"\n- hosts: g1\n  gather_facts: false\n  tasks:\n    - shell: echo {{ inventory_hostname }} {{ foo }} >> LOG\n    - debug: msg=\"{{ group_names }} {{ groups['g2'] }} {{ groups['all'] }} {{ hostvars['newh'].foo }}\"\n- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: msg=\"{{ ansible_play_hosts_all | join(',') }}\"\n      run_once: true\n",
    );
    let (events, recap) = run(dir.path(), &["a", "b"], PlayOptions::default());
    let recap = recap.expect("runs");
    assert_eq!(log(dir.path()), "newh bar\n", "the new host ran play 2 with its vars, through the local connection");
    let mut msgs = messages(&events);
    msgs[..2].sort();
    msgs[2..4].sort();
    assert_eq!(
        msgs,
        [
            "newh ['newh']",
            "undefined ['newh']",
            "['a'] ['k_a', 'lab']",
            "['a'] ['k_b', 'lab']",
            "['g1', 'g2'] ['newh'] ['newh', 'a', 'b'] bar",
            "newh,a,b"
        ],
        "registered on the first host only (the host loop is bypassed)"
    );
    assert_eq!((recap.hosts["a"].ok, recap.hosts["a"].changed), (5, 2), "once, on the first host; the second add changes nothing");
    assert_eq!(recap.hosts["b"].ok, 3);
    assert_eq!((recap.hosts["newh"].ok, recap.hosts["newh"].changed), (3, 1), "first in `all`, it runs the run_once task");
}

#[test]
fn free_strategy_warns_once_that_run_once_runs_on_every_host() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        d,
        "- hosts: all\n  gather_facts: false\n  strategy: free\n  tasks:\n    - shell: echo {{ inventory_hostname }} >> LOG\n      run_once: true\n    - shell: echo again >> LOG\n      run_once: true\n",
    );
    let (events, result) = run(d, &["h1", "h2"], PlayOptions::default());
    result.expect("runs");
    let warnings = events
        .iter()
        .filter(|e| matches!(e, Event::Warning { message, .. } if message.starts_with("Using run_once with the free strategy is not currently supported.")))
        .count();
    assert_eq!(warnings, 1, "as ansible-core: one warning for the run");
    let mut lines: Vec<String> = log(d).lines().map(str::to_string).collect();
    lines.sort();
    assert_eq!(lines, ["again", "again", "h1", "h2"], "run_once is ignored under strategy free");
}

/// ansible-core 2.19 stops the playbook when a host reaches `add_host` or `pause` under the
/// free strategy (they bypass the host loop), whatever their `when`; under linear they run
/// once, on the first host.
#[test]
fn free_strategy_stops_the_playbook_at_add_host_and_pause() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    for (action, module) in [("add_host: name=extra", "add_host"), ("pause: seconds=0", "pause")] {
        write(
            d,
            &format!(
                "- hosts: all\n  gather_facts: false\n  strategy: free\n  tasks:\n    - shell: echo before >> LOG\n      run_once: false\n    - {action}\n      when: false\n    - shell: echo after >> LOG\n- hosts: all\n  gather_facts: false\n  tasks:\n    - shell: echo next-play >> LOG\n"
            ),
        );
        let _ = std::fs::remove_file(d.join("log"));
        let (events, result) = run(d, &["h1", "h2"], PlayOptions::default());
        match result {
            Err(PlayError::Strategy { span, message }) => {
                assert_eq!((span.line, span.column), (7, 7), "{span}");
                assert_eq!(
                    message,
                    format!(
                        "The '{module}' module bypasses the host loop, which is currently not supported in the free strategy and would instead execute for every host in the inventory list."
                    )
                );
            }
            other => panic!("{module}: {other:?}"),
        }
        assert!(!log(d).contains("after") && !log(d).contains("next-play"), "{module}: nothing runs after it: {}", log(d));
        assert!(log(d).contains("before"), "{}", log(d));
        assert!(!events.iter().any(|e| matches!(e, Event::TaskStarted { module: m, .. } if m == module)), "{module}: no banner");
    }
    write(
        d,
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - pause: seconds=0\n      register: p\n    - shell: echo {{ inventory_hostname }} {{ p is defined }} >> LOG\n",
    );
    let _ = std::fs::remove_file(d.join("log"));
    let (_, result) = run(d, &["h1", "h2"], PlayOptions::default());
    let recap = result.expect("runs");
    let mut lines: Vec<String> = log(d).lines().map(str::to_string).collect();
    lines.sort();
    assert_eq!(lines, ["h1 True", "h2 False"], "linear: pause runs once, on the first host");
    assert_eq!((recap.hosts["h1"].ok, recap.hosts["h2"].ok), (2, 1));
}

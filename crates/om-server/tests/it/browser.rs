//! The UI in headless Chromium, driven over the DevTools protocol through
//! `--remote-debugging-pipe` (commands on fd 3, answers on fd 4, NUL-separated JSON), so no
//! WebSocket or browser-automation crate is needed. The scenario fails if any JavaScript
//! dialog opens.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::lab::{lab_fixture, systemctl_stub};
use crate::support::{Auth, TestPlatform};

pub(crate) struct Chromium {
    child: Child,
    input: Mutex<ChildStdin>,
    next_id: Mutex<u64>,
    pending: Arc<Mutex<HashMap<u64, mpsc::Sender<Value>>>>,
    events: Arc<Mutex<Vec<Value>>>,
    session: String,
    _profile: tempfile::TempDir,
}

impl Drop for Chromium {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn chromium_path() -> Option<&'static str> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"].into_iter().find(|p| std::path::Path::new(p).exists())
}

impl Chromium {
    pub(crate) fn start() -> Option<Chromium> {
        Self::start_with("")
    }

    /// Starts with `extra` command-line flags (e.g. `--ignore-certificate-errors`).
    pub(crate) fn start_with(extra: &str) -> Option<Chromium> {
        let program = chromium_path()?;
        let profile = tempfile::tempdir().expect("a profile directory");
        let flags = "--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync --no-first-run --disable-dev-shm-usage --remote-debugging-pipe";
        // fd 3 reads our commands from stdin's pipe, fd 4 writes answers to stdout's pipe.
        let script = format!(
            "exec 3<&0 4>&1 0</dev/null 1>/dev/null; exec {program} {flags} {extra} --user-data-dir={} about:blank",
            profile.path().display()
        );
        let mut child = Command::new("bash")
            .arg("-c")
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromium starts");
        let input = child.stdin.take().expect("piped");
        let output = child.stdout.take().expect("piped");
        let pending: Arc<Mutex<HashMap<u64, mpsc::Sender<Value>>>> = Arc::default();
        let events: Arc<Mutex<Vec<Value>>> = Arc::default();
        let (p, e) = (Arc::clone(&pending), Arc::clone(&events));
        std::thread::spawn(move || {
            let mut reader = BufReader::new(output);
            let mut buf = Vec::new();
            while reader.read_until(0, &mut buf).map(|n| n > 0).unwrap_or(false) {
                buf.pop_if(|b| *b == 0);
                if let Ok(msg) = serde_json::from_slice::<Value>(&buf) {
                    match msg.get("id").and_then(Value::as_u64) {
                        Some(id) => {
                            if let Some(tx) = p.lock().expect("lock").remove(&id) {
                                let _ = tx.send(msg);
                            }
                        }
                        None => e.lock().expect("lock").push(msg),
                    }
                }
                buf.clear();
            }
        });
        let mut browser = Chromium {
            child,
            input: Mutex::new(input),
            next_id: Mutex::new(0),
            pending,
            events,
            session: String::new(),
            _profile: profile,
        };
        let target = browser.call_on(None, "Target.createTarget", json!({"url": "about:blank"}));
        let attached = browser.call_on(None, "Target.attachToTarget", json!({"targetId": target["targetId"], "flatten": true}));
        browser.session = attached["sessionId"].as_str().expect("a session").to_string();
        for domain in ["Page.enable", "Runtime.enable", "Network.enable"] {
            browser.call(domain, json!({}));
        }
        Some(browser)
    }

    fn call_on(&self, session: Option<&str>, method: &str, params: Value) -> Value {
        let id = {
            let mut n = self.next_id.lock().expect("lock");
            *n += 1;
            *n
        };
        let (tx, rx) = mpsc::channel();
        self.pending.lock().expect("lock").insert(id, tx);
        let mut msg = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        let mut bytes = msg.to_string().into_bytes();
        bytes.push(0);
        self.input.lock().expect("lock").write_all(&bytes).expect("chromium reads commands");
        let answer = rx.recv_timeout(Duration::from_secs(30)).unwrap_or_else(|_| panic!("no answer to {method}"));
        assert!(answer.get("error").is_none(), "{method}: {answer}");
        answer["result"].clone()
    }

    fn try_call(&self, method: &str, params: Value) -> Option<Value> {
        let id = {
            let mut n = self.next_id.lock().expect("lock");
            *n += 1;
            *n
        };
        let (tx, rx) = mpsc::channel();
        self.pending.lock().expect("lock").insert(id, tx);
        let msg = json!({"id": id, "method": method, "params": params, "sessionId": self.session});
        let mut bytes = msg.to_string().into_bytes();
        bytes.push(0);
        self.input.lock().expect("lock").write_all(&bytes).ok()?;
        let answer = rx.recv_timeout(Duration::from_secs(10)).ok()?;
        answer.get("result").cloned()
    }

    pub(crate) fn call(&self, method: &str, params: Value) -> Value {
        self.call_on(Some(&self.session.clone()), method, params)
    }

    pub(crate) fn eval(&self, expression: &str) -> Value {
        let r = self.call("Runtime.evaluate", json!({"expression": expression, "returnByValue": true, "awaitPromise": true}));
        assert!(r.get("exceptionDetails").is_none(), "{expression}: {r}");
        r["result"]["value"].clone()
    }

    pub(crate) fn wait(&self, what: &str, expression: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            // A page being replaced may not answer; that is "not yet".
            let ok = self
                .try_call("Runtime.evaluate", json!({"expression": expression, "returnByValue": true}))
                .is_some_and(|r| r["result"]["value"] == json!(true));
            if ok {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; page: {}",
                self.eval("document.body ? document.body.innerText.slice(0, 2000) : ''")
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub(crate) fn goto(&self, url: &str) {
        self.call("Page.navigate", json!({"url": url}));
        self.wait(url, &format!("document.readyState === 'complete' && location.href.startsWith({})", json!(url)));
    }

    /// Sets a form control and fires `change`, as a user picking a value would.
    pub(crate) fn pick(&self, selector: &str, value: &str) {
        self.eval(&format!("(() => {{ const e = document.querySelector({}); e.value = {}; e.dispatchEvent(new Event('change', {{bubbles: true}})); return true; }})()", json!(selector), json!(value)));
    }

    pub(crate) fn dialogs(&self) -> Vec<Value> {
        self.events.lock().expect("lock").iter().filter(|e| e["method"] == "Page.javascriptDialogOpening").cloned().collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_runs_an_action_in_the_browser_and_nothing_injected_runs() {
    if chromium_path().is_none() {
        eprintln!("skipping: chromium not found (scripts/deps/platform.sh installs Debian's chromium)");
        return;
    }
    let lab = om_test::lab(2);
    let p = TestPlatform::start().await;
    let admin = p.admin().await;
    let stub = systemctl_stub(p.dir.path(), "none");
    lab_fixture(&p, &admin, &lab, &stub).await;
    let apps = p.get("/api/v1/app-categories", Auth::Session(&admin)).await.json();
    let bbs = apps.as_array().expect("apps").iter().find(|a| a["name"] == "bbs.domain.com").expect("bbs").clone();
    let web = bbs["fun_category_id"].as_i64().expect("id");
    let xss_name = "<img src=x onerror=alert(1)>";
    let xss = p
        .post(
            "/api/v1/servers",
            Auth::Session(&admin),
            json!({"hostname": xss_name, "app_category_id": bbs["id"], "vars": {"ansible_connection": "local"}}),
        )
        .await;
    assert_eq!(xss.status, StatusCode::CREATED, "{}", xss.text());
    let echo = json!({"name": "echo <script>alert(5)</script>", "caption": "<script>alert(6)</script>", "params": [{"name": "msg", "type": "string"}],
        "run": {"kind": "shell", "script": "sleep 1; printf '\\033[31m<script>alert(2)</script>\\033[0m %s\\n' {{ msg }}"}});
    let echo_id = p.post("/api/v1/actions", Auth::Session(&admin), echo).await.json()["id"].as_i64().expect("id");
    let viewer_reply = p
        .post(
            "/api/v1/users",
            Auth::Session(&admin),
            json!({"username": "duty", "password": "viewer password", "roles": [{"role": "viewer"}]}),
        )
        .await;
    assert_eq!(viewer_reply.status, StatusCode::CREATED);
    let base = p.url();
    let password = p.admin_password.clone();

    tokio::task::spawn_blocking(move || {
        let b = Chromium::start().expect("chromium starts");
        // Log in: a wrong password gets the generic message, the right one the dashboard.
        b.goto(&format!("{base}/login"));
        b.eval("document.querySelector('#username').value = 'admin'; document.querySelector('#password').value = 'wrong'; document.querySelector('form').submit(); true");
        b.wait("the login error", "!!document.querySelector('#login-error')");
        assert_eq!(b.eval("document.querySelector('#login-error').textContent.trim()"), json!("wrong username or password"));
        b.eval(&format!("document.querySelector('#password').value = {}; document.querySelector('form').submit(); true", json!(password)));
        b.wait("the dashboard", "!!document.querySelector('#whoami')");
        let cookies = b.call("Network.getCookies", json!({"urls": [base]}));
        let session = cookies["cookies"].as_array().expect("cookies").iter().find(|c| c["name"] == "om_session").expect("the session cookie").clone();
        assert_eq!((session["httpOnly"].as_bool(), session["sameSite"].as_str()), (Some(true), Some("Strict")), "{session}");

        // Cascade: function category → application category → servers, then the action form.
        b.goto(&format!("{base}/run"));
        let loaded = |param: &str| format!("location.search.includes({}) && document.readyState === 'complete' && !!document.querySelector('#action')", json!(param));
        b.pick("#fun", &web.to_string());
        b.wait("the application categories", &loaded(&format!("fun={web}")));
        b.pick("#app", &bbs["id"].to_string());
        b.wait("the servers", &loaded(&format!("app={}", bbs["id"])));
        assert_eq!(b.eval("document.querySelectorAll('#server-list input[type=checkbox]').length"), json!(3));
        b.pick("#action", "1007");
        b.wait("the form", &format!("{} && !!document.querySelector('#p-service')", loaded("action=1007")));
        assert_eq!(b.eval("document.querySelectorAll('#server-list .host')[0].textContent"), json!(xss_name), "the server name shows literally");
        b.eval("document.querySelector('#server-filter').value = 'sn2013'; document.querySelector('#server-filter').dispatchEvent(new Event('input')); true");
        b.eval("document.querySelector('#select-all').click(); true");
        assert_eq!(b.eval("document.querySelectorAll('#server-list input:checked').length"), json!(2), "select-all takes the filtered servers");
        b.eval("document.querySelector('#p-service').value = 'nginx'; document.querySelector('#confirm').checked = true; document.querySelector('#run-button').click(); true");
        b.wait("the job page", "location.pathname.startsWith('/jobs/') && !!document.querySelector('#job')");
        let job: i64 = b.eval("Number(document.querySelector('#job').dataset.job)").as_i64().expect("a job id");
        b.wait("live output of both hosts", "[...document.querySelectorAll('#terminal pre')].filter(p => p.textContent.includes('restarted nginx')).length === 2");
        b.wait("the job to end", "document.querySelector('#job-status') && document.querySelector('#job-status').textContent === 'succeeded'");

        // The job later: stored output, then the audit entry.
        b.goto(&format!("{base}/jobs/{job}"));
        assert_eq!(b.eval("[...document.querySelectorAll('#hosts [data-field=status]')].map(e => e.textContent).join(',')"), json!("ok,ok"));
        assert_eq!(b.eval("document.querySelectorAll('#terminal pre')[0].textContent.trim().startsWith('restarted nginx')"), json!(true));
        b.goto(&format!("{base}/audit?verb=job.launch"));
        assert_eq!(b.eval(&format!("[...document.querySelectorAll('#audit tbody tr')].some(r => r.textContent.includes('job.launch') && r.textContent.includes('job {job}') && r.textContent.includes('nginx'))")), json!(true));

        // Injected markup in names, parameters and output stays text.
        b.goto(&format!("{base}/run?fun={web}&app={}&action={echo_id}", bbs["id"]));
        b.eval(&format!(
            "document.querySelector('#server-list input[type=checkbox]').checked = true; document.querySelector('#p-msg').value = {}; document.querySelector('#run-button').click(); true",
            json!("<script>alert(4)</script>")
        ));
        b.wait("the output", "[...document.querySelectorAll('#terminal pre')].some(p => p.textContent.includes('<script>alert(2)</script> <script>alert(4)</script>'))");
        assert_eq!(b.eval("document.querySelectorAll('#terminal pre .a-31').length"), json!(1), "ANSI red became a class");
        b.wait("the job to end", "document.querySelector('#job-status').textContent === 'succeeded'");
        b.goto(b.eval("location.href").as_str().expect("url"));
        assert_eq!(b.eval("document.querySelector('#terminal pre').textContent.includes('<script>alert(2)</script>')"), json!(true));
        for page in ["/inventory", "/jobs", "/actions", "/audit"] {
            b.goto(&format!("{base}{page}"));
            assert_eq!(b.eval("document.scripts.length"), json!(1), "{page}: only app.js runs");
            assert_eq!(b.eval("document.querySelectorAll('img').length"), json!(0), "{page}: no injected image");
        }

        // CSRF: the same session without its token is refused; with it, accepted.
        let forged = b.eval("fetch('/api/v1/fun-categories', {method: 'POST', headers: {'content-type': 'application/json'}, body: '{\"name\":\"forged\"}'}).then(r => r.status)");
        assert_eq!(forged, json!(403));
        let honest = b.eval("fetch('/api/v1/fun-categories', {method: 'POST', headers: {'content-type': 'application/json', 'x-csrf-token': document.querySelector('meta[name=csrf-token]').content}, body: '{\"name\":\"honest\"}'}).then(r => r.status)");
        assert_eq!(honest, json!(201));

        // The book's XML asset files through the inventory page's import form.
        let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../om-inventory/tests/fixtures/omanager");
        let read = |name: &str| std::fs::read_to_string(fixtures.join(name)).expect("a fixture");
        b.goto(&format!("{base}/inventory"));
        b.eval(&format!(
            "const f = document.querySelector('input[name=format][value=omanager]').form; f.elements['categories'].value = {}; f.elements['text'].value = {}; f.submit(); true",
            json!(read("ServerOptioninfo.xml")),
            json!(read("Serverinfo.xml"))
        ));
        b.wait("the imported hierarchy", "location.pathname === '/inventory' && document.querySelector('#tree').textContent.includes('blog.domain.com')");
        b.goto(&format!("{base}/inventory?q=SN2012-07-011"));
        assert_eq!(
            b.eval("[...document.querySelector('#servers tbody tr').cells].slice(0, 4).map(c => c.textContent).join('|')"),
            json!("SN2012-07-011|127.0.0.5|202.106.0.11|CentOS 5.8"),
            "a positional record of Serverinfo.xml"
        );

        // A viewer has no Run button and cannot run through the API either.
        b.eval("document.querySelector('form[action=\"/logout\"]').submit(); true");
        b.wait("the login page", "location.pathname === '/login' && !!document.querySelector('#username')");
        b.eval("document.querySelector('#username').value = 'duty'; document.querySelector('#password').value = 'viewer password'; document.querySelector('form').submit(); true");
        b.wait("the dashboard", "!!document.querySelector('#whoami')");
        assert_eq!(b.eval("!!document.querySelector('a[href=\"/run\"]')"), json!(false));
        let refused = b.eval(
            "fetch('/api/v1/jobs', {method: 'POST', headers: {'content-type': 'application/json', 'x-csrf-token': document.querySelector('meta[name=csrf-token]').content}, body: JSON.stringify({action_id: 1003, targets: {servers: ['sn2013-08-021']}})}).then(r => r.status)",
        );
        assert_eq!(refused, json!(403));
        assert!(b.dialogs().is_empty(), "a JavaScript dialog opened: {:?}", b.dialogs());
    })
    .await
    .expect("the browser scenario");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_one_time_admin_password_is_changed_in_the_browser_first() {
    if chromium_path().is_none() {
        eprintln!("skipped: no chromium");
        return;
    }
    let p = TestPlatform::start_fresh(|_| {}).await;
    let base = p.url();
    let one_time = p.admin_password.clone();
    tokio::task::spawn_blocking(move || {
        let b = Chromium::start().expect("chromium starts");
        b.goto(&format!("{base}/login"));
        b.eval(&format!(
            "document.querySelector('#username').value = 'admin'; document.querySelector('#password').value = {}; document.querySelector('form').submit(); true",
            json!(one_time)
        ));
        b.wait("the change-password page", "location.pathname === '/account/password' && !!document.querySelector('#password-required')");
        // The mark dies with the old document: the wait cannot see the page it left.
        b.eval("window.omOldPage = true; location.href = '/jobs'; true");
        b.wait(
            "the redirect back",
            "!window.omOldPage && location.pathname === '/account/password' && document.readyState === 'complete' && !!document.querySelector('#current-password')",
        );
        let fill = |current: &str, new: &str, repeat: &str| {
            b.eval(&format!(
                "document.querySelector('#current-password').value = {}; document.querySelector('#new-password').value = {}; document.querySelector('#repeat-password').value = {}; document.querySelector('form[action=\"/account/password\"]').submit(); true",
                json!(current), json!(new), json!(repeat)
            ));
        };
        fill(&one_time, "a browser password", "a different one");
        b.wait("the mismatch error", "!!document.querySelector('#password-error')");
        fill(&one_time, "a browser password", "a browser password");
        b.wait("the dashboard", "location.pathname === '/' && !!document.querySelector('#whoami')");
        b.goto(&format!("{base}/jobs"));
        b.wait("the jobs page", "location.pathname === '/jobs'");
        assert!(b.dialogs().is_empty(), "a JavaScript dialog opened: {:?}", b.dialogs());
    })
    .await
    .expect("the browser scenario");
    let admin = p.login("admin", "a browser password").await;
    assert_eq!(p.get("/api/v1/servers", Auth::Session(&admin)).await.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schedules_are_created_with_the_action_form_toggled_and_deleted_in_the_browser() {
    if chromium_path().is_none() {
        eprintln!("skipped: no chromium");
        return;
    }
    let p = TestPlatform::start_with(|c| c.server.scheduler = false).await;
    let admin = p.admin().await;
    p.book_fixture(&admin, crate::support::local()).await;
    let tick = json!({"name": "tick", "group": "bas", "params": [{"name": "word", "type": "string", "pattern": "^[a-z]+$"}],
        "run": {"kind": "shell", "script": "echo {{ word }}"}});
    let action = p.post("/api/v1/actions", Auth::Session(&admin), tick).await.json()["id"].as_i64().expect("id");
    let (base, password) = (p.url(), p.admin_password.clone());
    let schedules = tokio::task::spawn_blocking(move || {
        let b = Chromium::start().expect("chromium starts");
        b.goto(&format!("{base}/login"));
        b.eval(&format!(
            "document.querySelector('#username').value = 'admin'; document.querySelector('#password').value = {}; document.querySelector('form').submit(); true",
            json!(password)
        ));
        b.wait("the dashboard", "!!document.querySelector('#whoami')");
        b.eval("document.querySelector('a[href=\"/schedules\"]').click(); true");
        b.wait("the schedules page", "location.pathname === '/schedules' && !!document.querySelector('#action')");
        b.pick("#action", &action.to_string());
        b.wait("the action's form", "!!document.querySelector('#schedule-form #p-word')");
        let submit = |tz: &str| {
            b.eval(&format!(
                "document.querySelector('#s-name').value = 'nightly <b>tick</b>'; document.querySelector('#s-cron').value = '30 2 * * *'; \
                 document.querySelector('#s-tz').value = {}; document.querySelector('#s-servers').value = 'sn2013-08-021, sn2013-08-022'; \
                 document.querySelector('#p-word').value = 'tick'; document.querySelector('#schedule-button').click(); true",
                json!(tz)
            ));
        };
        submit("Mars/Olympus");
        b.wait("the zone error", "!!document.querySelector('#schedule-error')");
        let message = b.eval("document.querySelector('#s-tz').parentElement.querySelector('.error').textContent");
        assert!(message.as_str().unwrap_or_default().contains("Mars/Olympus"), "{message}");
        assert_eq!(b.eval("document.querySelector('#p-word').value"), json!("tick"), "the form keeps what was typed");
        submit("Europe/Berlin");
        b.wait("the new schedule", "location.pathname === '/schedules' && document.querySelectorAll('#schedules tr[data-schedule]').length === 1");
        let row = "document.querySelector('#schedules tr[data-schedule]')";
        assert_eq!(b.eval(&format!("{row}.querySelector('[data-field=name]').textContent")), json!("nightly <b>tick</b>"));
        let next: Vec<String> = serde_json::from_value(b.eval(&format!("[...{row}.querySelectorAll('[data-field=next] div')].map(d => d.textContent)")))
            .expect("texts");
        b.eval(&format!("{row}.querySelector('button.toggle').click(); true"));
        b.wait("disabled", &format!("{row} && {row}.querySelector('[data-field=enabled]').textContent.includes('disabled')"));
        assert_eq!(b.eval(&format!("{row}.querySelectorAll('[data-field=next] div').length")), json!(0), "a disabled schedule has no next runs");
        b.eval(&format!("{row}.querySelector('button.toggle').click(); true"));
        b.wait("enabled again", &format!("{row} && {row}.querySelectorAll('[data-field=next] div').length === 3"));
        assert!(b.dialogs().is_empty(), "a JavaScript dialog opened: {:?}", b.dialogs());
        (b, next)
    })
    .await
    .expect("the browser scenario");
    let (b, next) = schedules;
    let listed = p.get("/api/v1/schedules", Auth::Session(&admin)).await.json();
    let s = &listed["items"][0];
    assert_eq!(
        (s["timezone"].as_str(), s["enabled"].as_bool(), s["params"]["word"].as_str()),
        (Some("Europe/Berlin"), Some(true), Some("tick")),
        "{s}"
    );
    assert_eq!(s["targets"]["servers"], json!(["sn2013-08-021", "sn2013-08-022"]));
    // The page shows runs as Berlin wall-clock time, as date(1) shows the stored instant.
    let secs = s["next_run"].as_i64().expect("a next run") / 1000;
    let out = std::process::Command::new("date")
        .env("TZ", "Europe/Berlin")
        .args(["-d", &format!("@{secs}"), "+%Y-%m-%d %H:%M %:z"])
        .output()
        .expect("date runs");
    assert_eq!(next.len(), 3, "{next:?}");
    assert_eq!(next[0], String::from_utf8_lossy(&out.stdout).trim(), "{next:?}");
    assert!(next.iter().all(|t| t.contains(" 02:30 +0")), "{next:?}");
    let id = s["id"].as_i64().expect("id");
    tokio::task::spawn_blocking(move || {
        b.eval(&format!("document.querySelector('tr[data-schedule=\"{id}\"] button.delete').click(); true"));
        b.wait("the deletion", "location.pathname === '/schedules' && document.readyState === 'complete' && document.querySelectorAll('#schedules tr[data-schedule]').length === 0");
    })
    .await
    .expect("the browser deletes");
    assert_eq!(p.get("/api/v1/schedules", Auth::Session(&admin)).await.json()["items"], json!([]));
    let audit = p.get("/api/v1/audit-log?verb=schedule.delete", Auth::Session(&admin)).await.json();
    assert_eq!(audit["items"][0]["object_id"].as_str(), Some(id.to_string().as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_manage_users_and_tokens_in_the_browser_and_viewers_get_403() {
    if chromium_path().is_none() {
        eprintln!("skipped: no chromium");
        return;
    }
    let p = TestPlatform::start().await;
    let admin = p.admin().await;
    let viewer = p
        .post(
            "/api/v1/users",
            Auth::Session(&admin),
            json!({"username": "duty", "password": "viewer password", "roles": [{"role": "viewer"}]}),
        )
        .await;
    assert_eq!(viewer.status, StatusCode::CREATED, "{}", viewer.text());
    // Linux.Web → bbs.domain.com → sn2013-08-021 (inside the scoped token's category),
    // Linux.Mysql → db.domain.com → sn2012-07-010 (outside), and an action to run on them.
    let (web, _, _) = p.book_fixture(&admin, crate::support::local()).await;
    let servers = p.get("/api/v1/servers", Auth::Session(&admin)).await.json();
    let server_id = |name: &str| {
        servers.as_array().expect("servers").iter().find(|s| s["hostname"] == name).expect("a server")["id"].as_i64().expect("id")
    };
    let (inside, outside) = (server_id("sn2013-08-021"), server_id("sn2012-07-010"));
    let echo = json!({"name": "echo", "params": [], "run": {"kind": "shell", "script": "echo scoped"}});
    let echo_id = p.post("/api/v1/actions", Auth::Session(&admin), echo).await.json()["id"].as_i64().expect("id");
    let (base, password) = (p.url(), p.admin_password.clone());
    let scoped_token = tokio::task::spawn_blocking(move || {
        let b = Chromium::start().expect("chromium starts");
        let login = |user: &str, password: &str| {
            b.goto(&format!("{base}/login"));
            b.eval(&format!(
                "document.querySelector('#username').value = {}; document.querySelector('#password').value = {}; document.querySelector('form').submit(); true",
                json!(user),
                json!(password)
            ));
        };
        login("admin", &password);
        b.wait("the dashboard", "!!document.querySelector('#whoami')");
        // A user with a role: the generated password is shown once.
        b.goto(&format!("{base}/admin/users"));
        b.eval("const f = document.querySelector('form[action=\"/admin/users\"]'); f.username.value = 'ops1'; f.role.value = 'operator'; f.scope.value = 'global:0'; f.submit(); true");
        b.wait("the one-time password", "!!document.querySelector('#secret') && document.readyState === 'complete'");
        let one_time = b.eval("document.querySelector('#secret').textContent").as_str().expect("a password").to_string();
        assert!(one_time.len() >= 12, "{one_time}");
        assert_eq!(b.eval("[...document.querySelectorAll('#users tr')].some(r => r.textContent.includes('ops1') && r.textContent.includes('operator@global'))"), json!(true));
        // An API token: shown once, works, and stops working once revoked.
        b.eval("const f = document.querySelector('form[action=\"/admin/tokens\"]'); f.name.value = 'ci-token'; f.scope.value = 'read'; f.submit(); true");
        b.wait("the token", "!!document.querySelector('#secret') && document.querySelector('.flash.ok').textContent.includes('ci-token')");
        let token = b.eval("document.querySelector('#secret').textContent").as_str().expect("a token").to_string();
        b.goto(&format!("{base}/admin/users"));
        assert_eq!(b.eval("!!document.querySelector('#secret')"), json!(false), "shown once");
        assert_eq!(b.eval(&format!("document.body.innerHTML.includes({})", json!(token))), json!(false), "the token is not on the page again");
        let with_token = format!(
            "fetch('/api/v1/servers', {{credentials: 'omit', headers: {{authorization: 'Bearer ' + {}}}}}).then(r => r.status)",
            json!(token)
        );
        assert_eq!(b.eval(&with_token), json!(200));
        b.eval("[...document.querySelectorAll('#tokens tr')].find(r => r.textContent.includes('ci-token')).querySelector('button').click(); true");
        b.wait("the revocation", "document.readyState === 'complete' && [...document.querySelectorAll('#tokens tr')].some(r => r.textContent.includes('ci-token') && r.textContent.includes('revoked'))");
        assert_eq!(b.eval(&with_token), json!(401));

        // A token scoped to a category: the server refuses a category that does not exist,
        // then the token reads and runs only inside Linux.Web.
        b.eval("const f = document.querySelector('form[action=\"/admin/tokens\"]'); f.name.value = 'ghost-token'; f.scope.value = 'run'; f.category.add(new Option('ghost', 'fun:999999')); f.category.value = 'fun:999999'; f.submit(); true");
        b.wait("the refusal", "document.readyState === 'complete' && !!document.querySelector('.flash.error')");
        assert!(b.eval("document.querySelector('.flash.error').textContent").as_str().is_some_and(|t| t.contains("no function category 999999")));
        assert_eq!(b.eval("document.querySelector('#tokens').textContent.includes('ghost-token')"), json!(false));
        b.eval(&format!(
            "const f = document.querySelector('form[action=\"/admin/tokens\"]'); f.name.value = 'web-ops'; f.scope.value = 'run'; f.category.value = 'fun:{web}'; f.submit(); true"
        ));
        b.wait("the scoped token", "!!document.querySelector('#secret') && document.querySelector('.flash.ok').textContent.includes('web-ops')");
        let scoped = b.eval("document.querySelector('#secret').textContent").as_str().expect("a token").to_string();
        assert_eq!(
            b.eval("[...document.querySelectorAll('#tokens tr')].find(r => r.textContent.includes('web-ops')).children[2].textContent"),
            json!("run @ Linux.Web"),
            "the list shows the scope and the category by name"
        );
        let as_scoped = |method: &str, path: &str, body: Value| {
            b.eval(&format!(
                "fetch({}, {{method: {}, credentials: 'omit', headers: {{'content-type': 'application/json', authorization: 'Bearer ' + {}}}, body: {}}}).then(r => r.status)",
                json!(path),
                json!(method),
                json!(scoped),
                if body.is_null() { "undefined".to_string() } else { json!(body.to_string()).to_string() }
            ))
        };
        assert_eq!(as_scoped("GET", &format!("/api/v1/servers/{inside}"), Value::Null), json!(200), "inside its category");
        assert_eq!(as_scoped("GET", &format!("/api/v1/servers/{outside}"), Value::Null), json!(404), "outside: hidden");
        let run_on = |host: &str| json!({"action_id": echo_id, "targets": {"servers": [host]}});
        assert_eq!(as_scoped("POST", "/api/v1/jobs", run_on("sn2012-07-010")), json!(403), "outside its category");
        assert_eq!(as_scoped("POST", "/api/v1/jobs", run_on("sn2013-08-021")), json!(202), "inside its category");

        // The new user must change the generated password before anything else.
        b.eval("document.querySelector('form[action=\"/logout\"]').submit(); true");
        b.wait("the login page", "location.pathname === '/login' && document.readyState === 'complete' && !!document.querySelector('#username')");
        login("ops1", &one_time);
        b.wait("the change-password page", "location.pathname === '/account/password' && !!document.querySelector('#password-required')");
        b.eval(&format!(
            "document.querySelector('#current-password').value = {}; document.querySelector('#new-password').value = 'ops1 chose this'; document.querySelector('#repeat-password').value = 'ops1 chose this'; document.querySelector('form[action=\"/account/password\"]').submit(); true",
            json!(one_time)
        ));
        b.wait("the dashboard", "location.pathname === '/' && !!document.querySelector('#whoami')");
        // An operator is no admin either.
        assert_eq!(b.eval("fetch('/admin/users').then(r => r.status)"), json!(403));

        // A viewer opening the admin pages gets 403.
        b.eval("document.querySelector('form[action=\"/logout\"]').submit(); true");
        b.wait("the login page", "location.pathname === '/login' && document.readyState === 'complete' && !!document.querySelector('#username')");
        login("duty", "viewer password");
        b.wait("the dashboard", "!!document.querySelector('#whoami')");
        for page in ["/admin/users", "/admin/workers"] {
            assert_eq!(b.eval(&format!("fetch({}).then(r => r.status)", json!(page))), json!(403), "{page}");
            b.goto(&format!("{base}{page}"));
            assert_eq!(b.eval("!!document.querySelector('#users') || !!document.querySelector('form[action=\"/admin/tokens\"]')"), json!(false), "{page}");
        }
        assert!(b.dialogs().is_empty(), "a JavaScript dialog opened: {:?}", b.dialogs());
        scoped
    })
    .await
    .expect("the browser scenario");
    let ops = p.login("ops1", "ops1 chose this").await;
    assert_eq!(p.get("/api/v1/me", Auth::Session(&ops)).await.status, StatusCode::OK);
    // The job the scoped token started ran inside its category, and its output reads back.
    let jobs = p.get("/api/v1/jobs", Auth::Token(&scoped_token)).await.json();
    let job = jobs["items"].as_array().expect("jobs").iter().find(|j| j["action_id"] == echo_id).expect("the scoped job")["id"]
        .as_i64()
        .expect("id");
    assert_eq!(p.wait_job(&admin, job).await["status"], "succeeded");
    let raw = p.get(&format!("/api/v1/jobs/{job}/output?host=sn2013-08-021&stream=stdout"), Auth::Token(&scoped_token)).await;
    assert_eq!((raw.status, raw.text()), (StatusCode::OK, "scoped\n".to_string()));
}

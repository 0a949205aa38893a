//! A platform per test: its own data directory, SQLite database and port, started with the
//! real start-up code; requests go through the router or over a real socket.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use om_server::{AppState, Config, Platform, StartOptions};
use serde_json::{Value, json};
use tower::ServiceExt;

pub struct TestPlatform {
    pub state: AppState,
    pub addr: SocketAddr,
    pub admin_password: String,
    pub dir: tempfile::TempDir,
}

/// A signed-in browser-like client: cookie and CSRF token.
#[derive(Clone, Debug)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

/// How a request authenticates.
pub enum Auth<'a> {
    None,
    Session(&'a Session),
    /// A session cookie without its CSRF token (a forged cross-site request).
    CookieOnly(&'a Session),
    Token(&'a str),
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|_| panic!("JSON body, got {}: {}", self.status, String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Waits for `check` to hold, or panics with `what` after `limit`.
pub async fn wait_for<F, Fut>(what: &str, limit: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

impl TestPlatform {
    pub async fn start() -> TestPlatform {
        Self::start_with(|_| {}).await
    }

    /// A platform whose admin already replaced the one-time password (WEB-90), as every
    /// test but the first-login one wants.
    pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> TestPlatform {
        let mut p = Self::start_fresh(adjust).await;
        let session = p.login("admin", &p.admin_password).await;
        let new = format!("{}-changed", p.admin_password);
        let body = json!({"current_password": p.admin_password, "new_password": new});
        let reply = p.post("/api/v1/me/password", Auth::Session(&session), body).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        p.admin_password = new;
        p
    }

    /// A platform as first started: the admin still has the one-time password.
    pub async fn start_fresh(adjust: impl FnOnce(&mut Config)) -> TestPlatform {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let mut config = Config::default();
        config.server.data_dir = dir.path().join("data");
        config.server.listen = SocketAddr::from(([127, 0, 0, 1], om_test::free_port()));
        config.workers.local = 2;
        adjust(&mut config);
        let addr = config.server.listen;
        let platform = Platform::start(config, StartOptions::default()).await.expect("the platform starts");
        let admin_password = platform.started.admin_password.clone().expect("a first start prints the admin password");
        let state = platform.state.clone();
        tokio::spawn(async move { platform.serve().await });
        wait_for("the listener", Duration::from_secs(10), || async { tokio::net::TcpStream::connect(addr).await.is_ok() }).await;
        TestPlatform { state, addr, admin_password, dir }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub async fn request(&self, method: Method, path: &str, auth: Auth<'_>, body: Option<Value>) -> Reply {
        let mut builder = Request::builder().method(method).uri(path).header(header::HOST, self.addr.to_string());
        match auth {
            Auth::None => {}
            Auth::Session(s) => builder = builder.header(header::COOKIE, &s.cookie).header("x-csrf-token", &s.csrf),
            Auth::CookieOnly(s) => builder = builder.header(header::COOKIE, &s.cookie),
            Auth::Token(t) => builder = builder.header(header::AUTHORIZATION, format!("Bearer {t}")),
        }
        let body = match body {
            Some(v) => {
                builder = builder.header(header::CONTENT_TYPE, "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        let response =
            om_server::router(self.state.clone()).oneshot(builder.body(body).expect("a request")).await.expect("the router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.expect("a body").to_bytes().to_vec();
        Reply { status, headers, body }
    }

    pub async fn get(&self, path: &str, auth: Auth<'_>) -> Reply {
        self.request(Method::GET, path, auth, None).await
    }

    pub async fn post(&self, path: &str, auth: Auth<'_>, body: Value) -> Reply {
        self.request(Method::POST, path, auth, Some(body)).await
    }

    pub async fn login(&self, username: &str, password: &str) -> Session {
        let reply = self.post("/api/v1/auth/login", Auth::None, json!({"username": username, "password": password})).await;
        assert_eq!(reply.status, StatusCode::OK, "login of {username}: {}", reply.text());
        let cookie = reply.headers.get(header::SET_COOKIE).expect("a session cookie").to_str().expect("ascii").to_string();
        let pair = cookie.split(';').next().expect("name=value").to_string();
        Session { cookie: pair, csrf: reply.json()["csrf"].as_str().expect("a CSRF token").to_string() }
    }

    pub async fn admin(&self) -> Session {
        self.login("admin", &self.admin_password).await
    }

    /// Creates a user with `role` at `scope` (`global:0`, `fun:<id>`, `app:<id>`) and signs in.
    pub async fn user(&self, admin: &Session, name: &str, role: &str, scope: &str) -> Session {
        let (kind, id) = scope.split_once(':').expect("kind:id");
        let body = json!({"username": name, "password": "correct horse battery", "roles": [{"role": role, "scope_kind": kind, "scope_id": id.parse::<i64>().expect("id")}]});
        let reply = self.post("/api/v1/users", Auth::Session(admin), body).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
        self.login(name, "correct horse battery").await
    }

    pub async fn token(&self, session: &Session, scope: &str) -> String {
        let reply = self.post("/api/v1/tokens", Auth::Session(session), json!({"name": format!("t-{scope}"), "scope": scope})).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
        reply.json()["token"].as_str().expect("a token").to_string()
    }

    /// The book's fixture hierarchy with servers on the local transport:
    /// Linux.Web → bbs.domain.com → sn2013-08-021, sn2013-08-022; Linux.Mysql →
    /// db.domain.com → sn2012-07-010. Returns (web fun id, bbs app id, db fun id).
    pub async fn book_fixture(&self, admin: &Session, vars: Value) -> (i64, i64, i64) {
        let web = self.post("/api/v1/fun-categories", Auth::Session(admin), json!({"name": "Linux.Web"})).await.json()["id"]
            .as_i64()
            .expect("id");
        let db = self.post("/api/v1/fun-categories", Auth::Session(admin), json!({"name": "Linux.Mysql"})).await.json()["id"]
            .as_i64()
            .expect("id");
        let bbs = self
            .post("/api/v1/app-categories", Auth::Session(admin), json!({"fun_category_id": web, "name": "bbs.domain.com"}))
            .await
            .json()["id"]
            .as_i64()
            .expect("id");
        let dbapp =
            self.post("/api/v1/app-categories", Auth::Session(admin), json!({"fun_category_id": db, "name": "db.domain.com"})).await.json()
                ["id"]
                .as_i64()
                .expect("id");
        for (name, app, ip) in
            [("sn2013-08-021", bbs, "127.0.0.2"), ("sn2013-08-022", bbs, "127.0.0.3"), ("sn2012-07-010", dbapp, "127.0.0.4")]
        {
            let body = json!({"hostname": name, "app_category_id": app, "ip_internal": ip, "vars": vars});
            let reply = self.post("/api/v1/servers", Auth::Session(admin), body).await;
            assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
        }
        (web, bbs, db)
    }

    pub async fn wait_job(&self, auth: &Session, id: i64) -> Value {
        let terminal = ["succeeded", "failed", "cancelled", "lost", "interrupted"];
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let reply = self.get(&format!("/api/v1/jobs/{id}"), Auth::Session(auth)).await;
            let job = reply.json();
            if terminal.contains(&job["status"].as_str().unwrap_or_default()) {
                return job;
            }
            assert!(Instant::now() < deadline, "job {id} did not end: {job}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// `{"ansible_connection": "local"}`: servers run on this machine.
pub fn local() -> Value {
    json!({"ansible_connection": "local"})
}

//! A small HTTP/1.1 client for `get_url` and `unarchive` with a URL: GET and HEAD, custom
//! headers, basic auth, `If-Modified-Since`, redirects, chunked bodies, a timeout. Plain
//! `http://` is spoken directly (the static agent carries no TLS stack); `https://` goes
//! through the host's `curl`, which also checks certificates against the host's store.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use crate::os::{Command, Os, Watch};

/// One request.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub timeout: Duration,
    pub auth: Option<(String, String)>,
    /// Epoch seconds for `If-Modified-Since`.
    pub if_modified_since: Option<f64>,
    pub validate_certs: bool,
    pub user_agent: String,
}

/// What came back.
#[derive(Debug, Clone, Default)]
pub struct Response {
    pub status: u16,
    pub reason: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The URL after redirects.
    pub url: String,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

const MAX_REDIRECTS: usize = 10;

/// Performs the request, following redirects.
pub fn fetch(os: &dyn Os, req: &Request) -> Result<Response, String> {
    let mut url = req.url.clone();
    for _ in 0..=MAX_REDIRECTS {
        let resp = if url.starts_with("https://") {
            return with_curl(os, req, &url);
        } else if url.starts_with("http://") {
            once(req, &url)?
        } else {
            return Err(format!("unsupported URL scheme in `{url}` (http://, https:// are supported)"));
        };
        if matches!(resp.status, 301 | 302 | 303 | 307 | 308)
            && let Some(loc) = resp.header("location")
        {
            url = join_url(&url, loc);
            continue;
        }
        return Ok(resp);
    }
    Err(format!("too many redirects fetching `{}`", req.url))
}

fn join_url(base: &str, loc: &str) -> String {
    if loc.contains("://") {
        return loc.to_string();
    }
    let (scheme, rest) = base.split_once("://").unwrap_or(("http", base));
    let host = rest.split('/').next().unwrap_or_default();
    if loc.starts_with('/') {
        return format!("{scheme}://{host}{loc}");
    }
    let dir = base.rsplit_once('/').map(|(d, _)| d).unwrap_or(base);
    format!("{dir}/{loc}")
}

fn split_url(url: &str) -> Result<(String, u16, String), String> {
    let rest = url.strip_prefix("http://").ok_or_else(|| format!("not an http URL: `{url}`"))?;
    let (hostport, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let hostport = hostport.rsplit_once('@').map(|(_, h)| h).unwrap_or(hostport);
    let (host, port) = if let Some(h) = hostport.strip_prefix('[') {
        let (h, p) = h.split_once(']').ok_or_else(|| format!("bad host in `{url}`"))?;
        (h.to_string(), p.strip_prefix(':').and_then(|p| p.parse().ok()).unwrap_or(80))
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), p.parse().map_err(|_| format!("bad port in `{url}`"))?),
            None => (hostport.to_string(), 80),
        }
    };
    Ok((host, port, path.to_string()))
}

/// Base64 for basic authentication.
pub fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn http_date(t: f64) -> String {
    chrono::DateTime::from_timestamp(t as i64, 0).map(|d| d.format("%a, %d %b %Y %H:%M:%S GMT").to_string()).unwrap_or_default()
}

fn once(req: &Request, url: &str) -> Result<Response, String> {
    let (host, port, path) = split_url(url)?;
    let addr = (host.as_str(), port)
        .to_socket_addrs()
        .map_err(|e| format!("Request failed: cannot resolve `{host}`: {e}"))?
        .next()
        .ok_or_else(|| format!("Request failed: `{host}` has no address"))?;
    let mut stream = TcpStream::connect_timeout(&addr, req.timeout).map_err(|e| format!("Request failed: <urlopen error {e}>"))?;
    stream.set_read_timeout(Some(req.timeout)).map_err(|e| e.to_string())?;
    stream.set_write_timeout(Some(req.timeout)).map_err(|e| e.to_string())?;
    let host_header = if port == 80 { host } else { format!("{host}:{port}") };
    let mut head = format!(
        "{} {path} HTTP/1.1\r\nHost: {host_header}\r\nUser-Agent: {}\r\nAccept: */*\r\nConnection: close\r\n",
        req.method, req.user_agent
    );
    if let Some((u, p)) = &req.auth {
        head.push_str(&format!("Authorization: Basic {}\r\n", base64(format!("{u}:{p}").as_bytes())));
    }
    if let Some(t) = req.if_modified_since {
        head.push_str(&format!("If-Modified-Since: {}\r\n", http_date(t)));
    }
    for (k, v) in &req.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).map_err(|e| format!("Request failed: {e}"))?;
    let mut reader = BufReader::new(stream);
    let mut status_line = String::new();
    reader.read_line(&mut status_line).map_err(|e| format!("Request failed: {e}"))?;
    let mut parts = status_line.trim_end().splitn(3, ' ');
    let _version = parts.next();
    let status: u16 =
        parts.next().and_then(|s| s.parse().ok()).ok_or_else(|| format!("Request failed: bad status line `{}`", status_line.trim_end()))?;
    let reason = parts.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).map_err(|e| format!("Request failed: {e}"))?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let mut resp = Response { status, reason, headers, body: Vec::new(), url: url.to_string() };
    if req.method == "HEAD" || status == 304 || status == 204 {
        return Ok(resp);
    }
    let chunked = resp.header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
    if chunked {
        loop {
            let mut size_line = String::new();
            reader.read_line(&mut size_line).map_err(|e| format!("Request failed: {e}"))?;
            let size = usize::from_str_radix(size_line.trim().split(';').next().unwrap_or("0"), 16)
                .map_err(|_| "Request failed: bad chunk size".to_string())?;
            if size == 0 {
                break;
            }
            let mut chunk = vec![0u8; size];
            reader.read_exact(&mut chunk).map_err(|e| format!("Request failed: {e}"))?;
            resp.body.extend_from_slice(&chunk);
            let mut crlf = [0u8; 2];
            reader.read_exact(&mut crlf).map_err(|e| format!("Request failed: {e}"))?;
        }
    } else if let Some(len) = resp.header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        resp.body.resize(len, 0);
        reader.read_exact(&mut resp.body).map_err(|e| format!("Request failed: {e}"))?;
    } else {
        reader.read_to_end(&mut resp.body).map_err(|e| format!("Request failed: {e}"))?;
    }
    Ok(resp)
}

fn with_curl(os: &dyn Os, req: &Request, url: &str) -> Result<Response, String> {
    if os.which("curl").is_none() {
        return Err(format!("cannot fetch `{url}`: https needs `curl` on the host"));
    }
    let mut argv =
        vec!["curl".to_string(), "-sS".into(), "-L".into(), "-i".into(), "--max-time".into(), req.timeout.as_secs().max(1).to_string()];
    if req.method == "HEAD" {
        argv.push("-I".into());
    }
    if !req.validate_certs {
        argv.push("-k".into());
    }
    argv.extend(["-A".into(), req.user_agent.clone()]);
    if let Some((u, p)) = &req.auth {
        argv.extend(["-u".into(), format!("{u}:{p}")]);
    }
    if let Some(t) = req.if_modified_since {
        argv.extend(["-H".into(), format!("If-Modified-Since: {}", http_date(t))]);
    }
    for (k, v) in &req.headers {
        argv.extend(["-H".into(), format!("{k}: {v}")]);
    }
    argv.push(url.to_string());
    let out = os.run(&Command::argv(argv), Watch::default()).map_err(|e| e.to_string())?;
    if out.rc != 0 {
        return Err(format!("Request failed: {}", out.stderr_text().trim()));
    }
    // With -L, every hop's head is printed; the last one belongs to the body.
    let mut data = out.stdout.as_slice();
    let mut resp = Response { url: url.to_string(), ..Default::default() };
    while let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
        let head = String::from_utf8_lossy(&data[..end]).into_owned();
        data = &data[end + 4..];
        let mut lines = head.lines();
        let status_line = lines.next().unwrap_or_default();
        let mut parts = status_line.splitn(3, ' ');
        parts.next();
        resp.status = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0);
        resp.reason = parts.next().unwrap_or_default().to_string();
        resp.headers = lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_string(), v.trim().to_string())).collect();
        if !(300..400).contains(&resp.status) && resp.status != 100 {
            break;
        }
    }
    resp.body = data.to_vec();
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_and_join() {
        assert_eq!(split_url("http://127.0.0.1:8080/a/b?x=1").expect("ok"), ("127.0.0.1".into(), 8080, "/a/b?x=1".into()));
        assert_eq!(split_url("http://example.test").expect("ok"), ("example.test".into(), 80, "/".into()));
        assert_eq!(join_url("http://h:1/a/b", "/c"), "http://h:1/c");
        assert_eq!(join_url("http://h:1/a/b", "c"), "http://h:1/a/c");
    }

    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(base64(b"user:pass"), "dXNlcjpwYXNz");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"a"), "YQ==");
    }
}

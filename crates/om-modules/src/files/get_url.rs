//! `get_url`: the host downloads a URL to a file; not changed when the file exists and
//! `force` is off and its checksum matches, or when the downloaded content is what the file
//! already holds.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::http::{self, Request};
use crate::attrs::{self, FileAttrs, StateDiff};
use crate::{Args, Context, Fail, Module, Param, Schema, Type, checksum, file_params, ret};
use om_core::Vars;

pub static SCHEMA: Schema = Schema::new(
    "get_url",
    "Downloads files from HTTP, HTTPS, or FTP to node",
    file_params![
        Param::str("url").required(),
        Param::path("dest").required(),
        Param::bool("force", false),
        Param::str("checksum").default_str(""),
        Param::int("timeout").default_int(10),
        Param::new("headers", Type::Dict),
        Param::str("url_username").aliases(&["username"]),
        Param::str("url_password").aliases(&["password"]).no_log(),
        Param::bool("force_basic_auth", false),
        Param::bool("validate_certs", true),
        Param::bool("use_proxy", true),
        Param::bool("backup", false),
        Param::path("tmp_dest"),
        Param::str("http_agent").default_str("ansible-httpget"),
        Param::bool("decompress", true),
        Param::bool("use_gssapi", false),
        Param::bool("use_netrc", true),
        Param::list("unredirected_headers"),
        Param::str("client_cert"),
        Param::str("client_key"),
        Param::str("ciphers"),
    ],
)
.with_diff()
.agent_only();

pub struct GetUrl;

/// `<algorithm>:<hex>` or `<algorithm>:<url of a checksum file>`.
fn expected_checksum(ctx: &Context<'_>, spec: &str, dest: &str, req: &Request) -> Result<Option<(String, String)>, Fail> {
    if spec.is_empty() {
        return Ok(None);
    }
    let (algo, value) =
        spec.split_once(':').ok_or_else(|| Fail::new("The checksum parameter has to be in format <algorithm>:<checksum>"))?;
    let algo = algo.to_ascii_lowercase();
    if !checksum::ALGORITHMS.contains(&algo.as_str()) {
        return Err(Fail::new(format!("Unsupported hash algorithm `{algo}`; supported: {}", checksum::ALGORITHMS.join(", "))));
    }
    let value = if value.contains("://") {
        let mut r = req.clone();
        r.url = value.to_string();
        r.method = "GET".into();
        r.if_modified_since = None;
        let resp = http::fetch(ctx.os, &r).map_err(Fail::new)?;
        let text = String::from_utf8_lossy(&resp.body).into_owned();
        let file = std::path::Path::new(dest).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let url_file = req.url.rsplit('/').next().unwrap_or_default().to_string();
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();

        if lines.len() == 1 && lines[0].split_whitespace().count() == 1 {
            lines[0].trim().to_string()
        } else {
            lines
                .iter()
                .filter_map(|l| {
                    let mut p = l.split_whitespace();
                    Some((p.next()?, p.next()?.trim_start_matches('*').trim_start_matches("./")))
                })
                .find(|(_, f)| *f == url_file || *f == file)
                .map(|(h, _)| h.to_string())
                .ok_or_else(|| Fail::new(format!("Unable to find a checksum for file '{url_file}' in '{value}'")))?
        }
    } else {
        value.to_string()
    };
    let value = value.trim().to_ascii_lowercase();
    if !value.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Fail::new(format!("The checksum format is invalid: `{value}`")));
    }
    Ok(Some((algo, value)))
}

fn filename_from(resp: &http::Response) -> String {
    if let Some(cd) = resp.header("content-disposition")
        && let Some(i) = cd.find("filename=")
    {
        let name = cd[i + 9..].split(';').next().unwrap_or_default().trim().trim_matches('"');
        if let Some(base) = std::path::Path::new(name).file_name() {
            return base.to_string_lossy().into_owned();
        }
    }
    let path = resp.url.split(['?', '#']).next().unwrap_or_default();
    let base = path.rsplit('/').next().unwrap_or_default();
    if base.is_empty() { "index.html".into() } else { base.to_string() }
}

impl Module for GetUrl {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    fn run(&self, args: &Args, ctx: &mut Context<'_>) -> Result<Vars, Fail> {
        let url = args.string("url");
        let mut dest = super::path_arg(ctx, args, "dest");
        let mut force = args.bool("force");
        let mut headers: Vec<(String, String)> = Vec::new();
        if let Some(h) = args.dict("headers") {
            for (k, v) in h {
                headers.push((k.clone(), v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())));
            }
        }
        let mut req = Request {
            method: "GET".into(),
            url: url.clone(),
            headers,
            timeout: Duration::from_secs(args.int("timeout").unwrap_or(10).max(1) as u64),
            auth: args.str("url_username").map(|u| (u.to_string(), args.string("url_password"))),
            if_modified_since: None,
            validate_certs: args.bool("validate_certs"),
            user_agent: args.string("http_agent"),
        };
        let expected = expected_checksum(ctx, &args.string("checksum"), &dest.to_string_lossy(), &req)?;
        let dest_is_dir = ctx.os.metadata(&dest, true)?.is_some_and(|m| m.is_dir());
        let mut result = ret! {"url" => url, "dest" => dest.to_string_lossy()};
        if !dest_is_dir && let Some(meta) = ctx.os.metadata(&dest, true)? {
            let mut mismatch = false;
            if !force && let Some((algo, sum)) = &expected {
                mismatch = ctx.os.checksum(&dest, algo)? != *sum;
            }
            if !force && expected.is_some() && !mismatch {
                let mut diff = StateDiff::default();
                let changed = attrs::apply(ctx, &dest, &FileAttrs::from_args(args), true, &mut diff)?;
                result.insert("changed".into(), changed.into());
                let msg = if changed { "file already exists but file attributes changed" } else { "file already exists" };
                result.insert("msg".into(), msg.into());
                return Ok(result);
            }
            req.if_modified_since = Some(meta.mtime);
            if mismatch {
                force = true;
            }
        }
        if force {
            req.if_modified_since = None;
        }
        if ctx.check {
            req.method = "HEAD".into();
        }
        let start = Instant::now();
        let resp = http::fetch(ctx.os, &req).map_err(|msg| Fail::new(msg).with_all(result.clone()))?;
        result.insert("elapsed".into(), (start.elapsed().as_secs_f64().round() as u64).into());
        result.insert("status_code".into(), resp.status.into());
        if dest_is_dir {
            dest = dest.join(filename_from(&resp));
            result.insert("dest".into(), dest.to_string_lossy().into());
        }
        if resp.status == 304 {
            result.insert("changed".into(), false.into());
            result.insert("msg".into(), "Not Modified".into());
            return Ok(result);
        }
        if !(200..300).contains(&resp.status) {
            let msg = format!("Request failed: HTTP Error {}: {}", resp.status, resp.reason);
            return Err(Fail::new(msg).with_all(result).with("response", resp.reason));
        }
        let existing = ctx.os.metadata(&dest, true)?.filter(|m| m.is_file());
        let checksum_dest = match existing {
            Some(_) => Some(ctx.os.checksum(&dest, "sha1")?),
            None => None,
        };
        if ctx.check {
            let changed = checksum_dest.is_none() || force;
            result.insert("changed".into(), changed.into());
            result.insert("msg".into(), format!("OK ({} bytes)", resp.header("content-length").unwrap_or("unknown")).into());
            return Ok(result);
        }
        let checksum_src = checksum::sha1(&resp.body);
        result.insert("checksum_src".into(), checksum_src.clone().into());
        result.insert("checksum_dest".into(), checksum_dest.clone().map(Value::from).unwrap_or(Value::Null));
        if let Some((algo, sum)) = &expected {
            let got = checksum::digest(algo, &resp.body).unwrap_or_default();
            if got != *sum {
                return Err(Fail::new(format!("The checksum for {} did not match {sum}; it was {got}.", dest.display())).with_all(result));
            }
        }
        let mut changed = false;
        if checksum_dest.as_deref() != Some(checksum_src.as_str()) {
            if args.bool("backup") && existing.is_some() {
                result.insert("backup_file".into(), super::backup_local(ctx, &dest)?.into());
            }
            let mode = match (existing.is_none(), args.value("mode")) {
                (true, Some(spec)) => Some(attrs::wanted_mode(ctx, spec, None)?),
                _ => None,
            };
            ctx.os.write(&dest, &resp.body, mode)?;
            changed = true;
        }
        let mut diff = StateDiff::default();
        changed |= attrs::apply(ctx, &dest, &FileAttrs::from_args(args), true, &mut diff)?;
        attrs::path_info(ctx, &dest, &mut result);
        result.remove("path");
        result.insert("md5sum".into(), checksum::digest("md5", &resp.body).unwrap_or_default().into());
        result.insert("size".into(), (resp.body.len() as u64).into());
        result.insert("changed".into(), changed.into());
        result.insert("msg".into(), format!("OK ({} bytes)", resp.body.len()).into());
        Ok(result)
    }
}

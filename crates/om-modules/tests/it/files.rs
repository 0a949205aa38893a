//! stat, file, copy, lineinfile, blockinfile, replace, get_url, unarchive on real files.

use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};

use serde_json::json;

use crate::{changed, run, run_on, run_with_input};
use om_modules::os::LocalOs;

fn mode_of(p: &std::path::Path) -> u32 {
    std::fs::metadata(p).expect("exists").permissions().mode() & 0o7777
}

#[test]
fn stat_reports_what_the_kernel_says_and_sha1() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("a");
    std::fs::write(&f, "hello\n").expect("write");
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    let out = run("stat", json!({"path": f}));
    let st = &out.result["stat"];
    let meta = std::fs::metadata(&f).expect("meta");
    assert_eq!(st["exists"], true);
    assert_eq!(st["mode"], "0640");
    assert_eq!(st["isreg"], true);
    assert_eq!(st["size"], 6);
    assert_eq!(st["inode"], meta.ino());
    assert_eq!(st["uid"], meta.uid());
    assert_eq!(st["checksum"], "f572d396fae9206628714fb2ce00f72e94f2258f");
    assert!(st.get("md5").is_none(), "no md5 key");
    assert_eq!(out.result["changed"], false);
    let link = dir.path().join("l");
    std::os::unix::fs::symlink(&f, &link).expect("link");
    let st = &run("stat", json!({"path": link}));
    assert_eq!(st.result["stat"]["islnk"], true);
    assert_eq!(st.result["stat"]["lnk_target"], f.to_string_lossy().as_ref());
    let missing = run("stat", json!({"path": dir.path().join("nope")}));
    assert_eq!(missing.result["stat"], json!({"exists": false}));
}

#[test]
fn file_states_are_idempotent_and_check_mode_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().join("x/y/z");
    let check = run_on(&LocalOs, "file", json!({"path": d, "state": "directory", "mode": "0750"}), true, true);
    assert!(changed(&check));
    assert!(!d.exists(), "check mode created nothing");
    assert!(changed(&run("file", json!({"path": d, "state": "directory", "mode": "0750"}))));
    assert_eq!(mode_of(&d), 0o750);
    assert!(!changed(&run("file", json!({"path": d, "state": "directory", "mode": "0750"}))));
    assert!(changed(&run("file", json!({"path": d, "state": "directory", "mode": "u+w,g-rx"}))));
    assert_eq!(mode_of(&d), 0o700);
    let f = dir.path().join("t");
    let out = run("file", json!({"path": f, "state": "touch", "mode": "0600"}));
    assert!(changed(&out));
    assert_eq!(out.result["state"], "file");
    assert_eq!(mode_of(&f), 0o600);
    let l = dir.path().join("link");
    assert!(changed(&run("file", json!({"path": l, "src": f, "state": "link"}))));
    assert_eq!(std::fs::read_link(&l).expect("link"), f);
    assert!(!changed(&run("file", json!({"path": l, "src": f, "state": "link"}))));
    let refused = run("file", json!({"path": f, "src": d, "state": "link"}));
    assert!(refused.failed());
    assert!(refused.result["msg"].as_str().expect("msg").contains("refusing to convert from file to symlink"), "{:?}", refused.result);
    let h = dir.path().join("hard");
    assert!(changed(&run("file", json!({"path": h, "src": f, "state": "hard"}))));
    assert_eq!(std::fs::metadata(&h).expect("h").ino(), std::fs::metadata(&f).expect("f").ino());
    assert!(changed(&run("file", json!({"path": dir.path().join("x"), "state": "absent"}))));
    assert!(!dir.path().join("x").exists());
    assert!(!changed(&run("file", json!({"path": dir.path().join("x"), "state": "absent"}))));
    let missing = run("file", json!({"path": dir.path().join("nofile")}));
    assert!(missing.failed());
    assert!(missing.result["msg"].as_str().expect("msg").contains("is absent, cannot continue"));
}

#[test]
fn file_recurse_sets_modes_below() {
    let dir = tempfile::tempdir().expect("tempdir");
    let top = dir.path().join("r");
    std::fs::create_dir_all(top.join("a/b")).expect("dirs");
    std::fs::write(top.join("a/b/f"), "x").expect("f");
    assert!(changed(&run("file", json!({"path": top, "state": "directory", "recurse": true, "mode": "u=rwX,g=rX,o="}))));
    assert_eq!(mode_of(&top.join("a/b")), 0o750);
    assert_eq!(mode_of(&top.join("a/b/f")), 0o640);
    assert!(!changed(&run("file", json!({"path": top, "state": "directory", "recurse": true, "mode": "u=rwX,g=rX,o="}))));
}

#[test]
fn copy_changes_only_when_the_checksum_or_attributes_differ() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dest = dir.path().join("etc/app.conf");
    let refused = run_with_input("copy", json!({"dest": dest}), b"a=1\n");
    assert!(refused.failed(), "the parent directory does not exist");
    let dest_dir = format!("{}/etc/", dir.path().display());
    let out = run_with_input("copy", json!({"dest": dest_dir, "src": "app.conf", "mode": "0644"}), b"a=1\n");
    assert!(changed(&out));
    assert_eq!(out.result["dest"], dest.to_string_lossy().as_ref());
    assert_eq!(out.result["checksum"], om_modules::checksum::sha1(b"a=1\n"));
    assert_eq!(std::fs::read(&dest).expect("read"), b"a=1\n");
    assert!(!changed(&run_with_input("copy", json!({"dest": dest, "mode": "0644"}), b"a=1\n")));
    assert!(changed(&run_with_input("copy", json!({"dest": dest, "mode": "0600"}), b"a=1\n")));
    assert_eq!(mode_of(&dest), 0o600);
    let with_backup = run_with_input("copy", json!({"dest": dest, "backup": true}), b"a=2\n");
    assert!(changed(&with_backup));
    let backup = with_backup.result["backup_file"].as_str().expect("backup");
    assert_eq!(std::fs::read(backup).expect("backup"), b"a=1\n");
    let re = regex::Regex::new(r"\.\d+\.\d{4}-\d{2}-\d{2}@\d{2}:\d{2}:\d{2}~$").expect("re");
    assert!(re.is_match(backup), "{backup}");
    let diff = run_on(&LocalOs, "copy", json!({"dest": dest, "content": "a=3\n"}), true, true);
    assert!(changed(&diff));
    assert_eq!(diff.result["diff"]["before"], "a=2\n");
    assert_eq!(diff.result["diff"]["after"], "a=3\n");
    assert_eq!(std::fs::read(&dest).expect("read"), b"a=2\n", "check mode wrote nothing");
    let forced = run("copy", json!({"dest": dest, "content": "zzz", "force": false}));
    assert!(!changed(&forced));
    let invalid = run("copy", json!({"dest": dest, "content": "bad", "validate": "grep -q good %s"}));
    assert!(invalid.failed());
    assert!(invalid.result["msg"].as_str().expect("msg").starts_with("failed to validate"));
    assert_eq!(std::fs::read(&dest).expect("read"), b"a=2\n", "validation failure leaves the file");
}

#[test]
fn template_writes_rendered_content_with_template_diff_headers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dest = dir.path().join("nginx.conf");
    let mut ctx = om_modules::Context::new(&LocalOs);
    ctx.diff = true;
    ctx.input = Some(b"worker_processes 4;\n");
    let out = om_modules::run("template", &crate::args(json!({"src": "nginx.conf.j2", "dest": dest})), &mut ctx).expect("valid");
    assert!(changed(&out));
    assert_eq!(out.result["diff"]["before_header"], format!("before: {}", dest.display()));
    assert_eq!(out.result["diff"]["after_header"], "after: nginx.conf.j2");
}

#[test]
fn get_url_downloads_verifies_checksums_and_is_idempotent() {
    let body = b"payload\n".repeat(1000);
    let server = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = server.local_addr().expect("addr").port();
    let served = body.clone();
    std::thread::spawn(move || {
        for stream in server.incoming().flatten() {
            let mut s = stream;
            let mut buf = [0u8; 4096];
            let n = std::io::Read::read(&mut s, &mut buf).unwrap_or(0);
            let req = String::from_utf8_lossy(&buf[..n]).into_owned();
            if req.starts_with("GET /redirect") {
                let _ = write!(s, "HTTP/1.1 302 Found\r\nLocation: /file.txt\r\nContent-Length: 0\r\n\r\n");
            } else if req.starts_with("GET /missing") {
                let _ = write!(s, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
            } else {
                let _ = write!(s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
                for chunk in served.chunks(3000) {
                    let _ = write!(s, "{:x}\r\n", chunk.len());
                    let _ = s.write_all(chunk);
                    let _ = write!(s, "\r\n");
                }
                let _ = write!(s, "0\r\n\r\n");
            }
        }
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let dest = dir.path().join("file.txt");
    let sha256 = om_modules::checksum::digest("sha256", &body).expect("sha256");
    let url = format!("http://127.0.0.1:{port}/redirect");
    let out = run("get_url", json!({"url": url, "dest": dest, "checksum": format!("sha256:{sha256}"), "mode": "0640"}));
    assert!(changed(&out));
    assert_eq!(std::fs::read(&dest).expect("downloaded"), body);
    assert_eq!(out.result["status_code"], 200);
    assert_eq!(mode_of(&dest), 0o640);
    let again = run("get_url", json!({"url": url, "dest": dest, "checksum": format!("sha256:{sha256}"), "mode": "0640"}));
    assert!(!changed(&again));
    assert_eq!(again.result["msg"], "file already exists");
    let same = run("get_url", json!({"url": url, "dest": dest}));
    assert!(!changed(&same), "same content downloaded again is not a change");
    let bad =
        run("get_url", json!({"url": url, "dest": dir.path().join("other"), "checksum": "sha1:0000000000000000000000000000000000000000"}));
    assert!(bad.failed());
    assert!(bad.result["msg"].as_str().expect("msg").contains("did not match"));
    let missing = run("get_url", json!({"url": format!("http://127.0.0.1:{port}/missing"), "dest": dir.path().join("m")}));
    assert!(missing.failed());
    assert!(missing.result["msg"].as_str().expect("msg").contains("404"));
}

fn tar_gz(files: &[(&str, &[u8], u32)]) -> Vec<u8> {
    let enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut b = tar::Builder::new(enc);
    for (name, data, mode) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(*mode);
        h.set_mtime(1_700_000_000);
        h.set_cksum();
        b.append_data(&mut h, name, *data).expect("append");
    }
    b.into_inner().expect("tar").finish().expect("gz")
}

#[test]
fn unarchive_extracts_tar_gz_and_zip_and_then_reports_no_change() {
    let dir = tempfile::tempdir().expect("tempdir");
    let archive = tar_gz(&[("app/bin/run", b"#!/bin/sh\n", 0o755), ("app/README", b"hi\n", 0o644)]);
    let src = dir.path().join("app.tar.gz");
    std::fs::write(&src, &archive).expect("write");
    let dest = dir.path().join("out");
    std::fs::create_dir(&dest).expect("dest");
    let a = json!({"src": src, "dest": dest, "remote_src": true, "list_files": true});
    let out = run("unarchive", a.clone());
    assert!(changed(&out));
    assert_eq!(out.result["handler"], "TgzArchive");
    assert_eq!(std::fs::read(dest.join("app/README")).expect("file"), b"hi\n");
    assert_eq!(mode_of(&dest.join("app/bin/run")), 0o755);
    assert_eq!(std::fs::metadata(dest.join("app/README")).expect("m").mtime(), 1_700_000_000);
    assert!(!changed(&run("unarchive", a.clone())));
    std::fs::write(dest.join("app/README"), "changed\n").expect("tamper");
    assert!(changed(&run("unarchive", a)));
    // zip, via `zip` from the same crate the agent uses
    let mut zbuf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut zbuf);
        let opts = zip::write::SimpleFileOptions::default().unix_permissions(0o600);
        z.start_file("z/data.txt", opts).expect("start");
        z.write_all(b"zipped\n").expect("write");
        z.finish().expect("finish");
    }
    let zsrc = dir.path().join("a.zip");
    std::fs::write(&zsrc, zbuf.into_inner()).expect("write zip");
    let zout = run("unarchive", json!({"src": zsrc, "dest": dest, "remote_src": true}));
    assert!(changed(&zout));
    assert_eq!(zout.result["handler"], "ZipArchive");
    assert_eq!(std::fs::read(dest.join("z/data.txt")).expect("zip file"), b"zipped\n");
    assert!(!changed(&run("unarchive", json!({"src": zsrc, "dest": dest, "remote_src": true}))));
    let evil = {
        let enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        let mut b = tar::Builder::new(enc);
        let mut h = tar::Header::new_gnu();
        h.as_gnu_mut().expect("gnu").name[..9].copy_from_slice(b"../escape");
        h.set_size(1);
        h.set_mode(0o644);
        h.set_cksum();
        b.append(&h, &b"x"[..]).expect("append");
        b.into_inner().expect("tar").finish().expect("gz")
    };
    let esrc = dir.path().join("evil.tgz");
    std::fs::write(&esrc, evil).expect("write");
    let refused = run("unarchive", json!({"src": esrc, "dest": dest, "remote_src": true}));
    assert!(refused.failed());
    assert!(!dir.path().join("escape").exists());
}

#[test]
fn unarchive_reads_tar_xz_made_by_gnu_tar() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("src")).expect("src");
    std::fs::write(dir.path().join("src/x.txt"), "xz content\n").expect("file");
    let status = std::process::Command::new("tar")
        .arg("-C")
        .arg(dir.path())
        .args(["-cJf", "a.tar.xz", "src"])
        .current_dir(dir.path())
        .status()
        .expect("tar");
    assert!(status.success());
    let dest = dir.path().join("out");
    std::fs::create_dir(&dest).expect("dest");
    let out = run("unarchive", json!({"src": dir.path().join("a.tar.xz"), "dest": dest, "remote_src": true}));
    assert!(changed(&out));
    assert_eq!(out.result["handler"], "TarXzArchive");
    assert_eq!(std::fs::read(dest.join("src/x.txt")).expect("extracted"), b"xz content\n");
}

#[test]
fn modes_given_as_decimal_integers_warn() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("f");
    std::fs::write(&f, "").expect("write");
    let out = run("file", json!({"path": f, "mode": 644}));
    assert!(changed(&out));
    assert_eq!(mode_of(&f), 644);
    let warnings = out.result["warnings"].as_array().expect("warnings");
    assert!(warnings[0].as_str().expect("text").contains("'0644'"), "{warnings:?}");
    assert!(!changed(&run("file", json!({"path": f, "mode": 420}))) || mode_of(&f) == 0o644);
}

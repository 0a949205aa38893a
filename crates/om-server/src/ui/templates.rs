//! Templates compiled into the binary (minijinja, HTML auto-escaped), with filters for times
//! and ANSI-free output, and the English / Simplified Chinese labels.

use minijinja::{Environment, Value as J};
use serde::Serialize;

use crate::error::ApiError;

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("templates/base.html")),
    ("login.html", include_str!("templates/login.html")),
    ("password.html", include_str!("templates/password.html")),
    ("dashboard.html", include_str!("templates/dashboard.html")),
    ("inventory.html", include_str!("templates/inventory.html")),
    ("run.html", include_str!("templates/run.html")),
    ("form.html", include_str!("templates/form.html")),
    ("jobs.html", include_str!("templates/jobs.html")),
    ("job.html", include_str!("templates/job.html")),
    ("actions.html", include_str!("templates/actions.html")),
    ("audit.html", include_str!("templates/audit.html")),
    ("users.html", include_str!("templates/users.html")),
    ("workers.html", include_str!("templates/workers.html")),
    ("schedules.html", include_str!("templates/schedules.html")),
    ("error.html", include_str!("templates/error.html")),
];

/// The compiled templates.
pub struct Templates {
    env: Environment<'static>,
}

impl Default for Templates {
    fn default() -> Self {
        Self::new()
    }
}

impl Templates {
    pub fn new() -> Templates {
        let mut env = Environment::new();
        for (name, text) in TEMPLATES {
            env.add_template(name, text).expect("the built-in templates compile");
        }
        env.add_filter("ts", |ms: Option<i64>| -> String { ms.map(format_ts).unwrap_or_default() });
        env.add_filter("iso", |ms: Option<i64>| -> String {
            ms.and_then(chrono::DateTime::from_timestamp_millis)
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
                .unwrap_or_default()
        });
        env.add_filter("duration", |a: Option<i64>, b: Option<i64>| -> String {
            match (a, b) {
                (Some(a), Some(b)) if b >= a => format_duration(b - a),
                _ => String::new(),
            }
        });
        env.add_filter("noansi", |s: String| -> String { strip_ansi(&s) });
        env.add_filter("tojson_pretty", |v: J| -> String { serde_json::to_string_pretty(&v).unwrap_or_default() });
        env.add_function("t", |lang: String, key: String| -> String { translate(&lang, &key).to_string() });
        Templates { env }
    }

    pub fn render(&self, name: &str, context: impl Serialize) -> Result<String, ApiError> {
        let tmpl = self.env.get_template(name).map_err(|e| ApiError::Internal(e.to_string()))?;
        tmpl.render(context).map_err(|e| ApiError::Internal(format!("template {name}: {e:#}")))
    }
}

/// `2026-12-02 03:04:05 UTC`: the absolute time pages show until the script localises it.
pub fn format_ts(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string()).unwrap_or_default()
}

fn format_duration(ms: i64) -> String {
    match ms {
        ms if ms < 1000 => format!("{ms} ms"),
        ms if ms < 60_000 => format!("{:.1} s", ms as f64 / 1000.0),
        ms => format!("{}m {}s", ms / 60_000, (ms % 60_000) / 1000),
    }
}

/// Output without ANSI escape sequences (stored output is shown as plain text).
pub fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.peek() == Some(&'[') {
                chars.next();
                for d in chars.by_ref() {
                    if ('@'..='~').contains(&d) {
                        break;
                    }
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

const ZH: &[(&str, &str)] = &[
    ("Dashboard", "概览"),
    ("Inventory", "资产"),
    ("Run", "执行"),
    ("Jobs", "任务"),
    ("Schedules", "定时任务"),
    ("Next runs", "下次执行"),
    ("Actions", "功能模块"),
    ("Audit", "审计"),
    ("Users", "用户"),
    ("Workers", "执行节点"),
    ("Sign out", "退出"),
    ("Sign in", "登录"),
    ("Username", "用户名"),
    ("Password", "密码"),
    ("Change password", "修改密码"),
    ("Current password", "当前密码"),
    ("New password", "新密码"),
    ("Repeat the new password", "再次输入新密码"),
    ("Choose a new password before you continue.", "请先设置新密码再继续。"),
    ("Function category", "功能分类"),
    ("Application category", "应用分类"),
    ("Servers", "服务器"),
    ("Action", "功能"),
    ("Status", "状态"),
    ("Started", "开始时间"),
    ("Duration", "耗时"),
    ("Output", "输出"),
    ("Cancel", "取消"),
    ("Re-run failed hosts", "重跑失败主机"),
    ("Select all", "全选"),
    ("Filter", "过滤"),
    ("Show", "显示"),
    ("All hosts", "全部主机"),
    ("Parameters", "参数"),
    ("Requested by", "发起人"),
    ("Older", "更早"),
    ("Verify chain", "校验哈希链"),
    ("Time", "时间"),
    ("Who", "操作者"),
    ("From", "来源"),
    ("What", "操作"),
    ("Object", "对象"),
    ("Details", "详情"),
];

/// A label in `lang` (`en` or `zh`).
pub fn translate<'a>(lang: &str, key: &'a str) -> &'a str {
    if lang == "zh" { ZH.iter().find(|(k, _)| *k == key).map(|(_, v)| *v).unwrap_or(key) } else { key }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ansi_sequences_are_stripped_and_text_kept() {
        assert_eq!(strip_ansi("\u{1b}[31mred\u{1b}[0m <b>"), "red <b>");
    }

    #[test]
    fn every_template_compiles() {
        let t = Templates::new();
        assert!(
            t.render("error.html", minijinja::context! { lang => "en", message => "<script>" })
                .expect("renders")
                .contains("&lt;script&gt;")
        );
    }
}

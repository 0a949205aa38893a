//! `om play --rewrite FILE`: the Ansible 1.x constructs of PLAY-70 rewritten into their
//! modern form, line by line, keeping the rest of the file (comments, layout) as written.

/// The modernised text of a playbook or tasks file, and what was changed (line, what).
pub fn rewrite(text: &str) -> (String, Vec<(usize, String)>) {
    let mut out = String::with_capacity(text.len() + 64);
    let mut changes = Vec::new();
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let (body, newline) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        let indent = body.len() - body.trim_start().len();
        let pad = &body[..indent];
        let trimmed = &body[indent..];
        let (dash, rest) = match trimmed.strip_prefix("- ") {
            Some(r) => ("- ", r.trim_start()),
            None => ("", trimmed),
        };
        let lead = format!("{pad}{dash}");
        let mut new = match key_value(rest) {
            Some(("sudo", v)) => format!("{lead}become: {}", yes(v)),
            Some(("sudo_user", v)) => format!("{lead}become_user: {v}"),
            Some(("su", v)) => format!("{lead}become: {}\n{}become_method: su", yes(v), " ".repeat(lead.len())),
            Some(("su_user", v)) => format!("{lead}become_user: {v}"),
            Some(("include", v)) => include(&lead, v, indent == 0 && !dash.is_empty()),
            Some(("with_flattened", v)) if v.starts_with('"') || v.starts_with('\'') => {
                let inner = v.trim_matches(['"', '\'']).trim();
                let expr = inner.strip_prefix("{{").and_then(|e| e.strip_suffix("}}")).map(str::trim).unwrap_or(inner);
                format!("{lead}loop: \"{{{{ {expr} | flatten }}}}\"")
            }
            _ => body.to_string(),
        };
        new = legacy_tests(&new);
        for (old, modern) in
            [("state=running", "state=started"), ("get_md5=yes", "checksum_algorithm=md5"), ("get_md5=true", "checksum_algorithm=md5")]
        {
            new = new.replace(old, modern);
        }
        new = sha256sum(&new);
        new = drop_word(&new, "checks=");
        if new != body {
            changes.push((index + 1, format!("`{}` → `{}`", body.trim(), new.trim().replace('\n', " "))));
        }
        out.push_str(&new);
        out.push_str(newline);
    }
    (out, changes)
}

fn key_value(text: &str) -> Option<(&str, &str)> {
    let (k, v) = text.split_once(':')?;
    let k = k.trim();
    (!k.is_empty() && k.chars().all(|c| c.is_alphanumeric() || c == '_')).then(|| (k, v.trim()))
}

fn yes(v: &str) -> &'static str {
    if matches!(v.to_ascii_lowercase().as_str(), "no" | "false" | "off" | "0") { "false" } else { "true" }
}

/// `include: file.yml a=1` → `import_tasks: file.yml` with `vars:`; at the top of a
/// playbook, `import_playbook`.
fn include(lead: &str, value: &str, playbook_level: bool) -> String {
    let mut words = value.split_whitespace();
    let file = words.next().unwrap_or_default();
    let params: Vec<(&str, &str)> = words.filter_map(|w| w.split_once('=')).collect();
    let keyword = if playbook_level {
        "import_playbook"
    } else if file.contains("{{") {
        "include_tasks"
    } else {
        "import_tasks"
    };
    let mut out = format!("{lead}{keyword}: {file}");
    if !params.is_empty() {
        let pad = " ".repeat(lead.len());
        out.push_str(&format!("\n{pad}vars:"));
        for (k, v) in params {
            out.push_str(&format!("\n{pad}  {k}: {v}"));
        }
    }
    out
}

/// `x|failed` → `x is failed` (also success, succeeded, skipped, changed).
fn legacy_tests(line: &str) -> String {
    let mut out = line.to_string();
    for test in ["failed", "success", "succeeded", "skipped", "changed"] {
        while let Some(at) = find_filter(&out, test) {
            let end = at.1;
            let before = out[..at.0].trim_end().to_string();
            out = format!("{before} is {test}{}", &out[end..]);
        }
    }
    out
}

fn find_filter(text: &str, test: &str) -> Option<(usize, usize)> {
    let mut from = 0;
    while let Some(pos) = text[from..].find('|') {
        let at = from + pos;
        let rest = &text[at + 1..];
        let skipped = rest.len() - rest.trim_start().len();
        if let Some(after) = rest.trim_start().strip_prefix(test)
            && !after.starts_with(|c: char| c.is_alphanumeric() || c == '_' || c == '(')
        {
            return Some((at, at + 1 + skipped + test.len()));
        }
        from = at + 1;
    }
    None
}

fn sha256sum(line: &str) -> String {
    match line.find("sha256sum=") {
        Some(at) => format!("{}checksum=sha256:{}", &line[..at], &line[at + "sha256sum=".len()..]),
        None => line.to_string(),
    }
}

/// Removes a `word…` token (`checks=before`) from a free-form line.
fn drop_word(line: &str, prefix: &str) -> String {
    let Some(at) = line.find(prefix) else { return line.to_string() };
    if at > 0 && !line[..at].ends_with(' ') {
        return line.to_string();
    }
    let end = line[at..].find(' ').map(|e| at + e).unwrap_or(line.len());
    format!("{}{}", line[..at].trim_end(), &line[end..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_playbook_becomes_modern() {
        let old = "- include: common.yml\n- hosts: web\n  sudo: yes\n  tasks:\n    - include: tasks/x.yml user=timmy\n    - service: name=httpd state=running\n      when: result|failed\n    - get_url: url=http://x dest=/y sha256sum=abc\n";
        let (new, changes) = rewrite(old);
        assert_eq!(
            new,
            "- import_playbook: common.yml\n- hosts: web\n  become: true\n  tasks:\n    - import_tasks: tasks/x.yml\n      vars:\n        user: timmy\n    - service: name=httpd state=started\n      when: result is failed\n    - get_url: url=http://x dest=/y checksum=sha256:abc\n"
        );
        assert_eq!(changes.len(), 6);
    }
}

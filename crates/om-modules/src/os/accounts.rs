//! Users and groups from `/etc/passwd` and `/etc/group`, read as files: the static agent has
//! no libc NSS, and reading the files is what the shell fallback can do too.

use std::path::Path;

use super::Os;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    pub comment: String,
    pub home: String,
    pub shell: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub name: String,
    pub gid: u32,
    pub members: Vec<String>,
}

/// The local user and group databases.
#[derive(Debug, Clone, Default)]
pub struct Accounts {
    pub users: Vec<User>,
    pub groups: Vec<Group>,
}

impl Accounts {
    /// Reads `/etc/passwd` and `/etc/group`; a missing file reads as empty.
    pub fn load(os: &dyn Os) -> Self {
        let text = |p: &str| os.read(Path::new(p)).map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
        Self::parse(&text("/etc/passwd"), &text("/etc/group"))
    }

    pub fn parse(passwd: &str, group: &str) -> Self {
        let users = passwd
            .lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with('+') && !l.starts_with('-'))
            .filter_map(|l| {
                let f: Vec<&str> = l.split(':').collect();
                (f.len() >= 7).then(|| User {
                    name: f[0].into(),
                    uid: f[2].parse().unwrap_or(u32::MAX),
                    gid: f[3].parse().unwrap_or(u32::MAX),
                    comment: f[4].into(),
                    home: f[5].into(),
                    shell: f[6].into(),
                })
            })
            .collect();
        let groups = group
            .lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with('+') && !l.starts_with('-'))
            .filter_map(|l| {
                let f: Vec<&str> = l.split(':').collect();
                (f.len() >= 4).then(|| Group {
                    name: f[0].into(),
                    gid: f[2].parse().unwrap_or(u32::MAX),
                    members: f[3].split(',').filter(|m| !m.is_empty()).map(str::to_string).collect(),
                })
            })
            .collect();
        Self { users, groups }
    }

    pub fn user(&self, name: &str) -> Option<&User> {
        self.users.iter().find(|u| u.name == name)
    }
    pub fn user_by_uid(&self, uid: u32) -> Option<&User> {
        self.users.iter().find(|u| u.uid == uid)
    }
    pub fn group(&self, name: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.name == name)
    }
    pub fn group_by_gid(&self, gid: u32) -> Option<&Group> {
        self.groups.iter().find(|g| g.gid == gid)
    }
    pub fn user_name(&self, uid: u32) -> Option<String> {
        self.user_by_uid(uid).map(|u| u.name.clone())
    }
    pub fn group_name(&self, gid: u32) -> Option<String> {
        self.group_by_gid(gid).map(|g| g.name.clone())
    }
    /// A user name or a numeric uid → uid.
    pub fn resolve_user(&self, spec: &str) -> Option<u32> {
        self.user(spec).map(|u| u.uid).or_else(|| spec.parse().ok())
    }
    /// A group name or a numeric gid → gid.
    pub fn resolve_group(&self, spec: &str) -> Option<u32> {
        self.group(spec).map(|g| g.gid).or_else(|| spec.parse().ok())
    }
    /// Supplementary groups of a user (not the primary group), in file order.
    pub fn groups_of(&self, user: &str) -> Vec<String> {
        self.groups.iter().filter(|g| g.members.iter().any(|m| m == user)).map(|g| g.name.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwd_and_group_lines_parse() {
        let a = Accounts::parse(
            "root:x:0:0:root:/root:/bin/bash\nbob:x:1000:100:Bob,,,:/home/bob:/bin/sh\n",
            "root:x:0:\nusers:x:100:\nadm:x:4:bob,alice\n",
        );
        assert_eq!(a.user("bob").map(|u| u.uid), Some(1000));
        assert_eq!(a.user_name(0).as_deref(), Some("root"));
        assert_eq!(a.group_name(100).as_deref(), Some("users"));
        assert_eq!(a.groups_of("bob"), vec!["adm"]);
        assert_eq!(a.resolve_user("42"), Some(42));
    }
}

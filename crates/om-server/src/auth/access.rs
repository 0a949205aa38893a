//! Permissions, roles and scopes (WEB-95, WEB-96), enforced on the server for every read and
//! write. A role binding gives a role globally, on a function category (with its children) or
//! on an application category; an API token never has more than its owner.

use std::collections::{HashMap, HashSet};

use om_store::{ApiToken, AppCategory, RoleBinding};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Perm {
    InventoryRead,
    InventoryWrite,
    ActionRead,
    ActionWrite,
    JobRun,
    JobRead,
    JobApprove,
    JobCancelAny,
    AuditRead,
    UserAdmin,
    WorkerAdmin,
}

impl Perm {
    pub fn as_str(self) -> &'static str {
        match self {
            Perm::InventoryRead => "inventory.read",
            Perm::InventoryWrite => "inventory.write",
            Perm::ActionRead => "action.read",
            Perm::ActionWrite => "action.write",
            Perm::JobRun => "job.run",
            Perm::JobRead => "job.read",
            Perm::JobApprove => "job.approve",
            Perm::JobCancelAny => "job.cancel_any",
            Perm::AuditRead => "audit.read",
            Perm::UserAdmin => "user.admin",
            Perm::WorkerAdmin => "worker.admin",
        }
    }

    fn is_read(self) -> bool {
        matches!(self, Perm::InventoryRead | Perm::ActionRead | Perm::JobRead | Perm::AuditRead)
    }
}

const ALL: &[Perm] = &[
    Perm::InventoryRead,
    Perm::InventoryWrite,
    Perm::ActionRead,
    Perm::ActionWrite,
    Perm::JobRun,
    Perm::JobRead,
    Perm::JobApprove,
    Perm::JobCancelAny,
    Perm::AuditRead,
    Perm::UserAdmin,
    Perm::WorkerAdmin,
];

/// The roles and what they allow.
pub const ROLES: &[(&str, &[Perm])] = &[
    ("admin", ALL),
    ("operator", &[Perm::InventoryRead, Perm::ActionRead, Perm::JobRun, Perm::JobRead]),
    ("viewer", &[Perm::InventoryRead, Perm::ActionRead, Perm::JobRead]),
    ("auditor", &[Perm::AuditRead, Perm::JobRead, Perm::InventoryRead]),
];

fn role_perms(role: &str) -> &'static [Perm] {
    ROLES.iter().find(|(r, _)| *r == role).map(|(_, p)| *p).unwrap_or(&[])
}

/// Where a thing sits in the hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Scope {
    pub fun_id: i64,
    pub app_id: i64,
}

/// What one principal may do where.
#[derive(Debug, Clone, Default)]
pub struct Access {
    global: HashSet<Perm>,
    fun: HashMap<i64, HashSet<Perm>>,
    app: HashMap<i64, HashSet<Perm>>,
    roles: HashMap<(String, String, i64), ()>,
    /// A token's limits: its scope word and category.
    token: Option<(String, String, i64)>,
}

impl Access {
    pub fn new(bindings: &[RoleBinding], token: Option<&ApiToken>) -> Access {
        let mut access = Access { token: token.map(|t| (t.scope.clone(), t.scope_kind.clone(), t.scope_id)), ..Default::default() };
        for b in bindings {
            let perms = role_perms(&b.role).iter().copied();
            match b.scope_kind.as_str() {
                "global" => access.global.extend(perms),
                "fun" => access.fun.entry(b.scope_id).or_default().extend(perms),
                "app" => access.app.entry(b.scope_id).or_default().extend(perms),
                _ => {}
            }
            access.roles.insert((b.role.clone(), b.scope_kind.clone(), b.scope_id), ());
        }
        access
    }

    fn token_allows(&self, perm: Perm) -> bool {
        match self.token.as_ref().map(|(s, _, _)| s.as_str()) {
            None | Some("admin") => true,
            Some("run") => perm.is_read() || matches!(perm, Perm::JobRun),
            Some("read") => perm.is_read(),
            Some(_) => false,
        }
    }

    fn token_scope_allows(&self, scope: Scope) -> bool {
        match &self.token {
            Some((_, kind, id)) if kind == "fun" => scope.fun_id == *id,
            Some((_, kind, id)) if kind == "app" => scope.app_id == *id,
            _ => true,
        }
    }

    /// Whether `perm` holds at `scope`.
    pub fn allows(&self, perm: Perm, scope: Scope) -> bool {
        if !self.token_allows(perm) || !self.token_scope_allows(scope) {
            return false;
        }
        self.global.contains(&perm)
            || self.fun.get(&scope.fun_id).is_some_and(|p| p.contains(&perm))
            || self.app.get(&scope.app_id).is_some_and(|p| p.contains(&perm))
    }

    /// Whether `perm` holds globally (settings, users, the whole audit log).
    pub fn allows_global(&self, perm: Perm) -> bool {
        self.token_allows(perm) && self.token.as_ref().is_none_or(|(_, kind, _)| kind == "global") && self.global.contains(&perm)
    }

    /// Whether `perm` holds anywhere (menus, list endpoints that then filter).
    pub fn allows_somewhere(&self, perm: Perm) -> bool {
        self.token_allows(perm)
            && (self.global.contains(&perm) || self.fun.values().any(|p| p.contains(&perm)) || self.app.values().any(|p| p.contains(&perm)))
    }

    /// Whether one of `roles` is bound at `scope` (an action's `roles` allow-list).
    pub fn has_role_at(&self, roles: &[String], scope: Scope) -> bool {
        roles.iter().any(|r| {
            self.roles.contains_key(&(r.clone(), "global".into(), 0))
                || self.roles.contains_key(&(r.clone(), "fun".into(), scope.fun_id))
                || self.roles.contains_key(&(r.clone(), "app".into(), scope.app_id))
        })
    }

    /// The application categories where `perm` holds; `None` means everywhere.
    pub fn apps_where(&self, perm: Perm, apps: &[AppCategory]) -> Option<HashSet<i64>> {
        if self.global.contains(&perm) && self.token_allows(perm) && self.token.as_ref().is_none_or(|(_, k, _)| k == "global") {
            return None;
        }
        Some(apps.iter().filter(|a| self.allows(perm, Scope { fun_id: a.fun_category_id, app_id: a.id })).map(|a| a.id).collect())
    }

    /// Permission names that hold somewhere, for `/me`.
    pub fn names(&self) -> Vec<&'static str> {
        ALL.iter().filter(|p| self.allows_somewhere(**p)).map(|p| p.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binding(role: &str, kind: &str, id: i64) -> RoleBinding {
        RoleBinding { id: 1, user_id: 1, role: role.into(), scope_kind: kind.into(), scope_id: id }
    }

    #[test]
    fn an_operator_bound_to_a_category_runs_only_there() {
        let a = Access::new(&[binding("operator", "fun", 1)], None);
        assert!(a.allows(Perm::JobRun, Scope { fun_id: 1, app_id: 10 }));
        assert!(!a.allows(Perm::JobRun, Scope { fun_id: 2, app_id: 20 }));
        assert!(!a.allows_global(Perm::JobRun));
        assert!(!a.allows_somewhere(Perm::UserAdmin));
    }

    #[test]
    fn viewers_read_and_tokens_never_exceed_their_word() {
        let viewer = Access::new(&[binding("viewer", "global", 0)], None);
        assert!(viewer.allows(Perm::JobRead, Scope::default()) && !viewer.allows(Perm::JobRun, Scope::default()));
        let token = ApiToken {
            id: 1,
            name: "t".into(),
            user_id: 1,
            scope: "read".into(),
            scope_kind: "global".into(),
            scope_id: 0,
            expires_at: None,
            last_used_at: None,
            last_used_ip: None,
            revoked: false,
            created_at: 0,
        };
        let admin_read_token = Access::new(&[binding("admin", "global", 0)], Some(&token));
        assert!(admin_read_token.allows(Perm::JobRead, Scope::default()));
        assert!(!admin_read_token.allows(Perm::JobRun, Scope::default()));
    }
}

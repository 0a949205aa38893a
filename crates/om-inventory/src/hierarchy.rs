//! The platform's asset hierarchy as an inventory (INV-60, INV-61): function categories
//! (`Linux.Web`) are groups with `om_level: category`, applications (`bbs.domain.com`) their
//! child groups with `om_level: application`, servers the hosts, with `ansible_host` the
//! internal address and `om_external_ip`, `om_category`, `om_application`, `om_os`.
//!
//! [`Hierarchy`] is that tree as data: read from an inventory, from the book's OManager
//! XML files (`ServerOptioninfo.xml`, `Serverinfo.xml`), written back as a YAML inventory.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::Inventory;
use crate::error::{InventoryError, Problem};
use crate::model::GroupId;

/// Where a host sits in the hierarchy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Placement {
    pub category: String,
    pub application: Option<String>,
}

/// Function categories, their applications and servers.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Hierarchy {
    pub categories: Vec<Category>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Category {
    pub id: Option<i64>,
    pub name: String,
    pub description: Option<String>,
    pub applications: Vec<Application>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Application {
    pub id: Option<i64>,
    pub name: String,
    pub description: Option<String>,
    pub servers: Vec<Server>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Server {
    pub hostname: String,
    pub ip_internal: Option<String>,
    pub ip_external: Option<String>,
    pub os: Option<String>,
    pub location: Option<String>,
}

/// The fields of a server element in `Serverinfo.xml`, in their default positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerField {
    Hostname,
    ExternalIp,
    InternalIp,
    Os,
    Application,
    Location,
    CategoryId,
    /// A child element om does not use.
    Ignore,
}

impl ServerField {
    /// Child element order in the book's `Serverinfo.xml` (LEG-03).
    pub const DEFAULT_ORDER: [ServerField; 7] = [
        ServerField::Hostname,
        ServerField::ExternalIp,
        ServerField::InternalIp,
        ServerField::Os,
        ServerField::Application,
        ServerField::Location,
        ServerField::CategoryId,
    ];

    /// A field by one of its names: `hostname`, `external_ip`/`wip`, `internal_ip`/`lip`/`ip`,
    /// `os`, `application`/`app`, `location`/`idc`, `category_id`/`appclass`, `-` to ignore.
    pub fn from_name(name: &str) -> Option<ServerField> {
        let n = name.to_ascii_lowercase().replace(['-', '_'], "");
        Some(match n.as_str() {
            "hostname" | "host" | "name" | "servername" | "sn" | "hn" => ServerField::Hostname,
            "externalip" | "ipexternal" | "wip" | "wanip" | "outip" | "publicip" | "eip" => ServerField::ExternalIp,
            "internalip" | "ipinternal" | "lip" | "lanip" | "inip" | "privateip" | "ip" | "iip" => ServerField::InternalIp,
            "os" | "system" | "ostype" => ServerField::Os,
            "application" | "app" | "appname" | "appcateg" | "servicename" => ServerField::Application,
            "location" | "idc" | "place" | "room" => ServerField::Location,
            "categoryid" | "category" | "funcateg" | "funcategid" | "appclass" | "classid" | "appclassid" => ServerField::CategoryId,
            "" | "ignore" => ServerField::Ignore,
            _ => return None,
        })
    }
}

impl Inventory {
    /// INV-61: the category and application a host belongs to — its `om_category` and
    /// `om_application` variables, else the groups marked `om_level: category` and
    /// `om_level: application` it is in.
    pub fn placement(&self, host: &str) -> Option<Placement> {
        let id = self.model.host_id(host)?;
        if let Some(Value::String(category)) = self.lookup_var(id, "om_category") {
            let application = self.lookup_var(id, "om_application").and_then(|v| v.as_str().map(str::to_string));
            return Some(Placement { category, application });
        }
        let groups = &self.model.host(id).groups;
        let category = groups.iter().find(|&&g| self.level(g).as_deref() == Some("category"))?;
        let application = groups
            .iter()
            .find(|&&g| self.level(g).as_deref() == Some("application") && self.model.group(g).parents.contains(category))
            .map(|&g| self.model.group(g).name.clone());
        Some(Placement { category: self.model.group(*category).name.clone(), application })
    }

    /// A group's `om_level`, from its definition or its group_vars files.
    fn level(&self, g: GroupId) -> Option<String> {
        let vars = self.group_vars(&self.model.group(g).name)?;
        vars.get("om_level").and_then(Value::as_str).map(str::to_string)
    }

    /// The hierarchy the inventory describes: every `om_level: category` group, its
    /// `om_level: application` children and their hosts.
    pub fn hierarchy(&self) -> Hierarchy {
        let mut out = Hierarchy::default();
        for (i, group) in self.model.groups.iter().enumerate() {
            let g = GroupId(i as u32);
            if self.level(g).as_deref() != Some("category") {
                continue;
            }
            let mut category = Category {
                id: group.vars.get("om_id").and_then(Value::as_i64),
                name: group.name.clone(),
                description: group.vars.get("om_description").and_then(Value::as_str).map(str::to_string),
                applications: Vec::new(),
            };
            for &c in &group.children {
                if self.level(c).as_deref() != Some("application") {
                    continue;
                }
                let app = self.model.group(c);
                let servers = self
                    .group_host_ids(c)
                    .iter()
                    .map(|&h| {
                        let host = self.built(h);
                        let s = |k: &str| host.vars.get(k).and_then(Value::as_str).map(str::to_string);
                        Server {
                            hostname: host.name.clone(),
                            ip_internal: s("ansible_host"),
                            ip_external: s("om_external_ip"),
                            os: s("om_os"),
                            location: s("om_location"),
                        }
                    })
                    .collect();
                category.applications.push(Application {
                    id: app.vars.get("om_id").and_then(Value::as_i64),
                    name: app.name.clone(),
                    description: app.vars.get("om_description").and_then(Value::as_str).map(str::to_string),
                    servers,
                });
            }
            out.categories.push(category);
        }
        out
    }
}

impl Hierarchy {
    /// The hierarchy as the INV-60 YAML inventory.
    pub fn to_inventory_yaml(&self) -> String {
        om_template::yaml::dump_ordered(&self.to_inventory_json())
    }

    /// The same inventory as a JSON value (`{"all": {"children": …}}`).
    pub fn to_inventory_json(&self) -> Value {
        let mut categories = Map::new();
        for c in &self.categories {
            let mut apps = Map::new();
            for a in &c.applications {
                let mut hosts = Map::new();
                for s in &a.servers {
                    let mut vars = Map::new();
                    let mut put = |k: &str, v: &Option<String>| {
                        if let Some(v) = v {
                            vars.insert(k.into(), Value::String(v.clone()));
                        }
                    };
                    put("ansible_host", &s.ip_internal);
                    put("om_external_ip", &s.ip_external);
                    put("om_os", &s.os);
                    put("om_location", &s.location);
                    vars.insert("om_category".into(), Value::String(c.name.clone()));
                    vars.insert("om_application".into(), Value::String(a.name.clone()));
                    hosts.insert(s.hostname.clone(), Value::Object(vars));
                }
                let mut body = Map::new();
                body.insert("vars".into(), Value::Object(level_vars("application", a.id, &a.description)));
                if !hosts.is_empty() {
                    body.insert("hosts".into(), Value::Object(hosts));
                }
                apps.insert(a.name.clone(), Value::Object(body));
            }
            let mut body = Map::new();
            body.insert("vars".into(), Value::Object(level_vars("category", c.id, &c.description)));
            if !apps.is_empty() {
                body.insert("children".into(), Value::Object(apps));
            }
            categories.insert(c.name.clone(), Value::Object(body));
        }
        let mut all = Map::new();
        all.insert("children".into(), Value::Object(categories));
        let mut root = Map::new();
        root.insert("all".into(), Value::Object(all));
        Value::Object(root)
    }

    /// The tree as text, for `--dry-run`: categories, applications, servers.
    pub fn to_tree_text(&self) -> String {
        let mut out = String::new();
        for c in &self.categories {
            out.push_str(&format!("{}{}\n", c.name, c.id.map(|i| format!(" (id {i})")).unwrap_or_default()));
            for a in &c.applications {
                out.push_str(&format!("  {}\n", a.name));
                for s in &a.servers {
                    let addr = [s.ip_internal.as_deref(), s.ip_external.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(", ");
                    out.push_str(&format!("    {} [{addr}]{}\n", s.hostname, s.os.as_ref().map(|o| format!(" {o}")).unwrap_or_default()));
                }
            }
        }
        out
    }

    /// [`Hierarchy::from_omanager_xml`] on two files.
    pub fn import_omanager(
        categories: &std::path::Path,
        servers: &std::path::Path,
        order: &[ServerField],
    ) -> Result<Hierarchy, InventoryError> {
        let read =
            |p: &std::path::Path| std::fs::read_to_string(p).map_err(|source| InventoryError::Read { path: p.to_path_buf(), source });
        Self::from_omanager_xml(
            &categories.display().to_string(),
            &read(categories)?,
            &servers.display().to_string(),
            &read(servers)?,
            order,
        )
    }

    /// Reads OManager's `ServerOptioninfo.xml` (categories: `<AppClass id="N">` whose first
    /// child names the category) and `Serverinfo.xml` (one element per server, fields by
    /// child name when known, else by position in `order`).
    pub fn from_omanager_xml(
        categories_file: &str,
        categories_xml: &str,
        servers_file: &str,
        servers_xml: &str,
        order: &[ServerField],
    ) -> Result<Hierarchy, InventoryError> {
        let mut out = Hierarchy::default();
        let doc = parse_xml(categories_file, categories_xml)?;
        for class in doc.descendants().filter(|n| n.is_element() && n.tag_name().name().eq_ignore_ascii_case("AppClass")) {
            let Some(name) = class.children().find(|n| n.is_element()).and_then(|n| n.text()).map(str::trim).filter(|t| !t.is_empty())
            else {
                continue;
            };
            let id = class.attribute("id").and_then(|i| i.trim().parse().ok());
            let description = class
                .children()
                .filter(|n| n.is_element())
                .find(|n| n.tag_name().name().to_ascii_lowercase().contains("desc"))
                .and_then(|n| n.text())
                .map(|t| t.trim().to_string());
            out.categories.push(Category { id, name: name.to_string(), description, applications: Vec::new() });
        }
        let doc = parse_xml(servers_file, servers_xml)?;
        let root = doc.root_element();
        for server in root.children().filter(roxmltree::Node::is_element) {
            let mut fields: Vec<(ServerField, String)> = Vec::new();
            for (i, child) in server.children().filter(roxmltree::Node::is_element).enumerate() {
                let field =
                    ServerField::from_name(child.tag_name().name()).or_else(|| order.get(i).copied()).unwrap_or(ServerField::Ignore);
                fields.push((field, child.text().unwrap_or_default().trim().to_string()));
            }
            for attr in server.attributes() {
                if let Some(field) = ServerField::from_name(attr.name())
                    && !fields.iter().any(|(f, _)| *f == field)
                {
                    fields.push((field, attr.value().trim().to_string()));
                }
            }
            let get = |f: ServerField| fields.iter().find(|(x, v)| *x == f && !v.is_empty()).map(|(_, v)| v.clone());
            let pos = doc.text_pos_at(server.range().start);
            let span = om_core::Span::new(servers_file, pos.row, pos.col);
            let Some(hostname) = get(ServerField::Hostname) else {
                return Err(InventoryError::syntax(span, Problem::XmlMissing("hostname".into()), server.tag_name().name()));
            };
            let category_id = get(ServerField::CategoryId);
            let category = category_id.as_ref().and_then(|id| {
                let id: i64 = id.parse().ok()?;
                out.categories.iter().position(|c| c.id == Some(id))
            });
            let Some(category) = category else {
                let problem = Problem::XmlUnknownCategory(category_id.unwrap_or_default());
                return Err(InventoryError::syntax(span, problem, hostname));
            };
            let app_name = get(ServerField::Application).unwrap_or_else(|| "ungrouped".into());
            let apps = &mut out.categories[category].applications;
            let app = match apps.iter().position(|a| a.name == app_name) {
                Some(i) => i,
                None => {
                    apps.push(Application { id: None, name: app_name, description: None, servers: Vec::new() });
                    apps.len() - 1
                }
            };
            apps[app].servers.push(Server {
                hostname,
                ip_internal: get(ServerField::InternalIp),
                ip_external: get(ServerField::ExternalIp),
                os: get(ServerField::Os),
                location: get(ServerField::Location),
            });
        }
        Ok(out)
    }
}

fn level_vars(level: &str, id: Option<i64>, description: &Option<String>) -> Map<String, Value> {
    let mut vars = Map::new();
    vars.insert("om_level".into(), Value::String(level.into()));
    if let Some(id) = id {
        vars.insert("om_id".into(), Value::from(id));
    }
    if let Some(d) = description {
        vars.insert("om_description".into(), Value::String(d.clone()));
    }
    vars
}

fn parse_xml<'a>(file: &str, text: &'a str) -> Result<roxmltree::Document<'a>, InventoryError> {
    roxmltree::Document::parse(text).map_err(|e| {
        let pos = e.pos();
        InventoryError::syntax(om_core::Span::new(file, pos.row, pos.col), Problem::XmlSyntax(e.to_string()), "")
    })
}

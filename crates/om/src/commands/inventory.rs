use anyhow::Context;
use om_inventory::{Compound, Hierarchy, Inventory, LoadOptions, Nodegroups, Pattern, ServerField, Source, TargetContext, TargetKind};
use om_template::python::json_dumps;

use crate::ExitStatus;
use crate::cli::{ExportFormat, InventoryArgs, TargetType};
use crate::output::Printer;

pub(crate) fn run(args: InventoryArgs) -> anyhow::Result<ExitStatus> {
    let mut out = Printer::new();
    if let Some(files) = &args.import_omanager {
        return import_omanager(files, &args, &mut out);
    }
    let options = LoadOptions { strict: args.strict, playbook_dir: args.playbook_dir.clone(), no_scripts: false };
    let loaded = match Inventory::load(&sources(&args.inventory)?, &options) {
        Ok(loaded) => loaded,
        // An inventory that does not parse exits 4, as ansible-core's parse errors do.
        Err(err) => {
            crate::output::error(&err.into());
            return Ok(ExitStatus::Unreachable);
        }
    };
    warn(&loaded.warnings);
    let inventory = loaded.inventory;
    let limit = args.limit.as_deref().map(Pattern::parse_limit).transpose()?;
    if let Some(name) = &args.host {
        let Some(vars) = inventory.to_ansible_host_json(name) else {
            return bad_option(format!("you must pass a single valid host to --host, `{name}` is not one"));
        };
        out.line(json_dumps(&vars, 4))?;
    } else if args.graph {
        let group = args.pattern.as_deref().unwrap_or("all");
        let Some(graph) = inventory.to_ansible_graph(group, args.vars) else {
            return bad_option(format!("--graph needs a group name, `{group}` is not one"));
        };
        out.line(graph)?;
    } else if args.list && args.yaml {
        out.raw(om_template::yaml::dump(&inventory.to_ansible_list_yaml(limit.as_ref())?).as_bytes())?;
    } else if args.list {
        inventory.write_ansible_list_json(limit.as_ref(), &mut Stdout(&mut out))?;
    } else if let Some(format) = args.export {
        out.raw(if format == ExportFormat::Ini { inventory.to_ini() } else { inventory.to_yaml() }.as_bytes())?;
    } else {
        let pattern = args.pattern.as_deref().unwrap_or("all");
        let (names, warnings) = select(&inventory, pattern, &args, limit.as_ref())?;
        warn(&warnings);
        if names.is_empty() && limit.is_some() {
            anyhow::bail!("the inventory, host pattern and --limit leave no hosts to target");
        }
        if args.json {
            out.json(&names)?;
        } else {
            for name in names {
                out.line(name)?;
            }
        }
    }
    Ok(ExitStatus::Success)
}

/// An Ansible pattern, or a Salt target of `--tgt-type` with grains from `--fact-cache`.
fn select(
    inventory: &Inventory,
    pattern: &str,
    args: &InventoryArgs,
    limit: Option<&Pattern>,
) -> anyhow::Result<(Vec<String>, Vec<om_inventory::Warning>)> {
    let kind = match args.tgt_type {
        TargetType::Ansible => return Ok(inventory.select_names(&Pattern::parse(pattern)?, limit)?),
        TargetType::Glob => TargetKind::Glob,
        TargetType::Pcre => TargetKind::Pcre,
        TargetType::List => TargetKind::List,
        TargetType::Grain => TargetKind::Grain,
        TargetType::GrainPcre => TargetKind::GrainPcre,
        TargetType::Ipcidr => TargetKind::Ipcidr,
        TargetType::Nodegroup => TargetKind::Nodegroup,
        TargetType::Compound => TargetKind::Compound,
        TargetType::Category => TargetKind::Category,
        TargetType::Func => TargetKind::Func,
    };
    let facts = args.fact_cache.clone().map(crate::env::fact_cache);
    let nodegroups = args.nodegroups.as_deref().map(Nodegroups::load).transpose()?;
    let ctx = TargetContext { data: facts.as_ref().map(|f| f as &dyn om_inventory::TargetData), nodegroups: nodegroups.as_ref() };
    let mut selection = inventory.select_target(&Compound::typed(kind, pattern)?, ctx)?;
    if let Some(limit) = limit {
        let (allowed, _) = inventory.select_names(limit, None)?;
        selection.target.hosts.retain(|h| allowed.contains(&h.name));
    }
    Ok((selection.target.names().map(str::to_string).collect(), selection.warnings))
}

fn import_omanager(files: &[std::path::PathBuf], args: &InventoryArgs, out: &mut Printer) -> anyhow::Result<ExitStatus> {
    let order: Vec<ServerField> = if args.field_order.is_empty() {
        ServerField::DEFAULT_ORDER.to_vec()
    } else {
        args.field_order
            .iter()
            .map(|f| ServerField::from_name(f).with_context(|| format!("unknown field `{f}` in --field-order")))
            .collect::<anyhow::Result<_>>()?
    };
    let tree = Hierarchy::import_omanager(&files[0], &files[1], &order)?;
    if args.dry_run {
        out.line(format!("server fields by position: {order:?}"))?;
        out.raw(tree.to_tree_text().as_bytes())?;
    } else {
        out.raw(tree.to_inventory_yaml().as_bytes())?;
    }
    Ok(ExitStatus::Success)
}

/// `-i` as given, else `ANSIBLE_INVENTORY` (comma-separated), else `inventory` in the first
/// ansible.cfg found, else `/etc/ansible/hosts` if it exists.
pub(crate) fn sources(given: &[String]) -> anyhow::Result<Vec<Source>> {
    if !given.is_empty() {
        return given.iter().map(|s| source(s)).collect();
    }
    if let Ok(list) = std::env::var(crate::env::ANSIBLE_INVENTORY) {
        return list.split(',').filter(|s| !s.is_empty()).map(source).collect();
    }
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    let configs = [
        std::env::var_os(crate::env::ANSIBLE_CONFIG).map(Into::into),
        Some("ansible.cfg".into()),
        home.as_ref().map(|h| h.join(".ansible.cfg")),
        Some("/etc/ansible/ansible.cfg".into()),
    ];
    if let Some(cfg) = configs.into_iter().flatten().find(|c: &std::path::PathBuf| c.is_file())
        && let Some(paths) = om_inventory::ansible_cfg_inventory(&cfg, home.as_deref())
    {
        return Ok(paths.into_iter().map(Source::Path).collect());
    }
    let default = std::path::Path::new("/etc/ansible/hosts");
    Ok(if default.exists() { vec![Source::Path(default.into())] } else { Vec::new() })
}

/// One `-i` argument: `om+http://HOST:PORT` or `om+https://…` is an om platform's inventory
/// (its servers as `GET /api/v1/inventory/ansible` exports them to the token in `OM_TOKEN`: a
/// group per category, CMDB vars as hostvars); anything else as ansible-core reads it.
fn source(arg: &str) -> anyhow::Result<Source> {
    let Some(url) = arg.strip_prefix("om+").filter(|u| u.starts_with("http://") || u.starts_with("https://")) else {
        return Ok(Source::parse(arg));
    };
    let url = url.trim_end_matches('/');
    let token = std::env::var(crate::env::OM_TOKEN).ok().filter(|t| !t.is_empty());
    let client = om_server::ApiClient::new(url, token)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let (status, body) = runtime
        .block_on(client.raw(hyper::Method::GET, "/api/v1/inventory/ansible", None::<&()>))
        .with_context(|| format!("cannot read the inventory of the om platform at {url}"))?;
    if status == 401 || status == 403 {
        anyhow::bail!(
            "the om platform at {url} refused the inventory ({status}): set OM_TOKEN to an API token allowed to read it (`om admin create-token`)"
        );
    }
    anyhow::ensure!(
        status == 200,
        "the om platform at {url} answered {status} for its inventory: {}",
        String::from_utf8_lossy(&body).trim()
    );
    Ok(Source::ScriptOutput { name: arg.to_string(), text: String::from_utf8_lossy(&body).into_owned() })
}

/// The printer as an `io::Write`, for output written piece by piece.
struct Stdout<'a>(&'a mut Printer);

impl std::io::Write for Stdout<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.raw(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// ansible-core's `AnsibleOptionsError`: printed once, exit 5.
fn bad_option(message: String) -> anyhow::Result<ExitStatus> {
    crate::output::error(&anyhow::anyhow!(message));
    Ok(ExitStatus::BadOption)
}

pub(crate) fn warn(warnings: &[om_inventory::Warning]) {
    for warning in warnings {
        tracing::warn!("{warning}");
    }
}

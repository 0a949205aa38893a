use anyhow::Context;
use om_inventory::{Inventory, LoadOptions, Pattern, Source};
use om_template::python::json_dumps;

use crate::ExitStatus;
use crate::cli::{ExportFormat, InventoryArgs};
use crate::output::Printer;

pub(crate) fn run(args: InventoryArgs) -> anyhow::Result<ExitStatus> {
    let options = LoadOptions { strict: args.strict, playbook_dir: args.playbook_dir.clone(), no_scripts: false };
    let loaded = Inventory::load(&sources(&args.inventory), &options)?;
    warn(&loaded.warnings);
    let inventory = loaded.inventory;
    let limit = args.limit.as_deref().map(Pattern::parse_limit).transpose()?;
    let mut out = Printer::new();
    if let Some(name) = &args.host {
        let Some(vars) = inventory.to_ansible_host_json(name) else {
            anyhow::bail!("you must pass a single valid host to --host, `{name}` is not one");
        };
        out.line(json_dumps(&vars, 4))?;
    } else if args.graph {
        let group = args.pattern.as_deref().unwrap_or("all");
        let graph =
            inventory.to_ansible_graph(group, args.vars).with_context(|| format!("--graph needs a group name, `{group}` is not one"))?;
        out.line(graph)?;
    } else if args.list && args.yaml {
        out.raw(om_template::yaml::dump(&inventory.to_ansible_list_yaml(limit.as_ref())?).as_bytes())?;
    } else if args.list {
        out.line(json_dumps(&inventory.to_ansible_list_json(limit.as_ref())?, 4))?;
    } else if let Some(format) = args.export {
        out.raw(
            match format {
                ExportFormat::Ini => inventory.to_ini(),
                ExportFormat::Yaml => inventory.to_yaml(),
            }
            .as_bytes(),
        )?;
    } else {
        let pattern = args.pattern.as_deref().unwrap_or("all");
        let (names, warnings) = inventory.select_names(&Pattern::parse(pattern)?, limit.as_ref())?;
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

/// `-i` as given, else `ANSIBLE_INVENTORY` (comma-separated), else `/etc/ansible/hosts`.
pub(crate) fn sources(given: &[String]) -> Vec<Source> {
    if !given.is_empty() {
        return given.iter().map(|s| Source::parse(s)).collect();
    }
    match std::env::var(crate::env::ANSIBLE_INVENTORY) {
        Ok(list) => list.split(',').filter(|s| !s.is_empty()).map(Source::parse).collect(),
        Err(_) if std::path::Path::new("/etc/ansible/hosts").exists() => vec![Source::parse("/etc/ansible/hosts")],
        Err(_) => Vec::new(),
    }
}

pub(crate) fn warn(warnings: &[om_inventory::Warning]) {
    for warning in warnings {
        tracing::warn!("{warning}");
    }
}

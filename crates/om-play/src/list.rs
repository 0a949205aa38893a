//! `--list-hosts`, `--list-tasks` and `--list-tags`: what a run would touch, without running.

use std::collections::BTreeSet;

use crate::model::{Item, Play, Playbook};

/// One play as the listings show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PlayListing {
    pub index: usize,
    pub name: String,
    pub pattern: String,
    pub tags: Vec<String>,
    pub hosts: Vec<String>,
    /// Display name and tags of each task that `--tags`/`--skip-tags` select.
    pub tasks: Vec<(String, Vec<String>)>,
}

/// The listing of every play; `hosts` gives each play's hosts, `selected` says whether a
/// task with these tags runs.
pub fn listing(
    book: &Playbook,
    mut hosts: impl FnMut(&Play) -> Result<Vec<String>, crate::PlayError>,
    selected: impl Fn(&[String]) -> bool,
) -> Result<Vec<PlayListing>, crate::PlayError> {
    let mut out = Vec::new();
    for (i, play) in book.plays.iter().enumerate() {
        let mut tasks = Vec::new();
        for item in play.pre_tasks.iter().chain(&play.roles).chain(&play.tasks).chain(&play.post_tasks) {
            for task in Item::tasks(item) {
                if task.module == "meta" || !selected(&task.tags) {
                    continue;
                }
                let mut tags: Vec<String> = task.tags.iter().collect::<BTreeSet<_>>().into_iter().cloned().collect();
                tags.dedup();
                tasks.push((task.display_name(), tags));
            }
        }
        out.push(PlayListing {
            index: i + 1,
            name: play.name.clone(),
            pattern: play.hosts.join(","),
            tags: play.tags.clone(),
            hosts: hosts(play)?,
            tasks,
        });
    }
    Ok(out)
}

/// Whether a task with `tags` runs under `--tags only` and `--skip-tags skip`.
pub fn selected(tags: &[String], only: &[String], skip: &[String]) -> bool {
    crate::run::tag_selected(tags, only, skip)
}

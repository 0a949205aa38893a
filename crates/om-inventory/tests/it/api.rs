//! What the executor and the platform use: sharing an inventory, the magic variables.

use om_inventory::{Inventory, LoadOptions, Pattern, Source};

#[test]
fn an_inventory_can_be_shared_between_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Inventory>();
    shareable::<Pattern>();
    shareable::<om_inventory::Compound>();
}

#[test]
fn the_groups_magic_variable_lists_every_group() {
    let source = Source::Text { name: "h".into(), text: "top\n[web]\nw1\n[prod:children]\nweb\n".into() };
    let inv = Inventory::load(&[source], &LoadOptions::default()).unwrap().inventory;
    let groups = inv.groups_dict();
    assert_eq!(groups["all"], ["top", "w1"]);
    assert_eq!(groups["ungrouped"], ["top"]);
    assert_eq!(groups["prod"], ["w1"]);
}

use std::path::{Path, PathBuf};

use om_play::{LoadOptions, PlayError, load};

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("dir");
    }
    std::fs::write(&path, text).expect("write");
    path
}

fn error(text: &str) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "site.yml", text);
    let err = load(&path, &LoadOptions::default()).expect_err("the playbook is rejected");
    err.to_string().replace(&format!("{}/", dir.path().display()), "")
}

#[test]
fn legacy_constructs_name_their_modern_form_and_place() {
    let e = error("- hosts: all\n  sudo: yes\n  tasks: []\n");
    assert_eq!(e, "site.yml:2:9: `sudo` is Ansible 1.x syntax that ansible-core no longer accepts\n  hint: become: true");
    let e = error("- hosts: all\n  tasks:\n    - include: other.yml\n");
    assert!(e.starts_with("site.yml:3:16: `include` is Ansible 1.x syntax"), "{e}");
    assert!(e.contains("include_tasks: other.yml"), "{e}");
    let e = error("- hosts: all\n  tasks:\n    - command: /bin/true\n      register: r\n    - debug: msg=x\n      when: r|failed\n");
    assert!(e.starts_with("site.yml:6:13: `r|failed`"), "{e}");
    assert!(e.contains("`r is failed`"), "{e}");
    let e = error("- hosts: all\n  tasks:\n    - service: name=httpd state=running\n");
    assert!(e.contains("`state=running`") && e.contains("state=started"), "{e}");
    let e = error("- hosts: all\n  tasks:\n    - debug: msg={{ item }}\n      with_flattened: [[1]]\n");
    assert!(e.contains("with_flattened") && e.contains("flatten"), "{e}");
}

#[test]
fn mistakes_say_where_and_what_was_expected() {
    let e = error("- hosts: all\n  tasks:\n    - name: copy it\n      cpoy: src=a dest=/b\n");
    assert_eq!(e, "site.yml:4:13: couldn't resolve module/action 'cpoy'\n  hint: did you mean `copy`?");
    let e = error("- hosts: all\n  taks:\n    - ping:\n");
    assert!(e.starts_with("site.yml:2:3: 'taks' is not a valid attribute for a Play") && e.contains("did you mean `tasks`?"), "{e}");
    let e = error("- hosts: all\n  tasks:\n    - command: uptime\n      notify: restrat\n  handlers:\n    - name: restart\n      ping:\n");
    assert!(e.starts_with("site.yml:3:7: the requested handler 'restrat' was not found"), "{e}");
    assert!(e.contains("did you mean `restart`?"), "{e}");
    let e = error("- hosts: all\n  vars:\n    foo-port: 1\n  tasks: []\n");
    assert!(e.starts_with("site.yml:3:5: invalid variable name `foo-port`"), "{e}");
    let e = error("- hosts: all\n  roles: [missing]\n");
    assert!(e.starts_with("site.yml:2:11: the role `missing` was not found"), "{e}");
    let e = error("- hosts: all\n  tasks:\n    - name: two\n      command: a\n      shell: b\n");
    assert!(e.starts_with("site.yml:5:14: conflicting action statements: command, shell"), "{e}");
    let e = error("- name: no hosts\n  tasks: []\n");
    assert!(e.starts_with("site.yml:1:3: the play has no `hosts`"), "{e}");
}

#[test]
fn roles_imports_and_inherited_keywords_load_into_tasks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(d, "roles/base/tasks/main.yml", "- name: base task\n  ping:\n");
    write(d, "roles/web/meta/main.yml", "dependencies: [base]\n");
    write(d, "roles/web/defaults/main.yml", "port: 80\n");
    write(d, "roles/web/tasks/main.yml", "- name: web task\n  ping:\n  tags: [web]\n- import_tasks: extra.yml\n");
    write(d, "roles/web/tasks/extra.yml", "- name: extra task\n  ping:\n");
    write(d, "roles/web/handlers/main.yml", "- name: restart web\n  ping:\n");
    write(d, "more.yml", "- hosts: db\n  tasks:\n    - ping:\n");
    let path = write(
        d,
        "site.yml",
        "- hosts: web\n  tags: [play]\n  roles:\n    - {role: web, when: x is defined}\n    - base\n  tasks:\n    - block:\n        - ping:\n      rescue:\n        - debug: msg=r\n      when: y\n- import_playbook: more.yml\n",
    );
    let book = load(&path, &LoadOptions::default()).expect("loads");
    assert_eq!(book.plays.len(), 2);
    let play = &book.plays[0];
    let names: Vec<String> = play.roles.iter().flat_map(|i| i.tasks()).map(|t| t.display_name()).collect();
    assert_eq!(names, ["base : base task", "web : web task", "web : extra task"], "base runs once, as a dependency");
    let web = play.roles[0].tasks();
    assert_eq!(web[1].tags, ["play", "web"]);
    assert_eq!(web[1].when.iter().map(|c| c.expr.as_str()).collect::<Vec<_>>(), ["x is defined"]);
    assert_eq!(play.handlers[0].display_name(), "web : restart web");
    let block = play.tasks[0].tasks();
    assert_eq!(block.len(), 2);
    assert_eq!(block[1].when[0].expr, "y");
    assert_eq!(book.plays[1].hosts, ["db"]);
    assert!(matches!(load(&d.join("nope.yml"), &LoadOptions::default()), Err(PlayError::Read { .. })));
}

#[test]
fn includes_load_when_reached_and_imports_stay_static() {
    // A dynamic include's file is read at run time: a templated or missing name loads.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(
        dir.path(),
        "site.yml",
        "- hosts: all\n  tasks:\n    - include_tasks: \"{{ os }}.yml\"\n      loop: [a]\n    - include_role:\n        name: \"{{ r }}\"\n    - include_tasks: not-there.yml\n",
    );
    let book = load(&path, &LoadOptions::default()).expect("dynamic includes load without their files");
    let names: Vec<String> = book.plays[0].tasks.iter().flat_map(|i| i.tasks()).map(|t| t.display_name()).collect();
    assert_eq!(names, ["include_tasks", "include_role : {{ r }}", "include_tasks"]);
    // An import is read at load time: its file name cannot depend on a host.
    let e = error("- hosts: all\n  tasks:\n    - import_tasks: \"{{ os }}.yml\"\n");
    assert!(e.starts_with("site.yml:3:21: `import_tasks: {{ os }}.yml` uses a template in the file name; imports are static"), "{e}");
    assert!(e.contains("use `include_tasks:`"), "{e}");
    let e = error("- hosts: all\n  tasks:\n    - include_role:\n        tasks_from: x\n");
    assert!(e.contains("`include_role` needs `name:`"), "{e}");
}

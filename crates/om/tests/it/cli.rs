use crate::om;

#[test]
fn help_teaches_with_an_example() {
    let out = om().args(["--help"]).run();
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("om lab up --hosts 5"), "{}", out.stdout);
    assert!(out.stdout.contains("completions"));
}

#[test]
fn version_names_the_package_version() {
    let out = om().args(["--version"]).run();
    assert_eq!(out.stdout.trim(), format!("om {}", env!("CARGO_PKG_VERSION")));
}

#[test]
fn completions_are_generated_for_each_shell() {
    for (shell, marker) in [("bash", "complete -F"), ("zsh", "#compdef om"), ("fish", "complete -c om")] {
        let out = om().args(["completions", shell]).run();
        assert_eq!(out.code, 0, "{shell}: {}", out.stderr);
        assert!(out.stdout.contains(marker), "{shell} completion lacks `{marker}`");
    }
}

#[test]
fn a_mistyped_subcommand_gets_a_suggestion() {
    let out = om().args(["lab", "stauts"]).run();
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("similar subcommand exists: 'status'"), "{}", out.stderr);
}

#[test]
fn too_many_lab_hosts_are_refused_with_the_limit_and_why() {
    let dir = om_test::tempdir();
    let out = om().args(["lab", "up", "--hosts", "5000", "--dir"]).arg_path(dir.path()).run();
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("above the limit of 4096"), "{}", out.stderr);
}

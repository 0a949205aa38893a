use serde_json::json;

use super::*;

fn scope(jinja: &Jinja, vars: serde_json::Value) -> Scope {
    Scope::new(jinja, vec![Layer::json(vars.as_object().cloned().unwrap_or_default())])
}

fn render(vars: serde_json::Value, text: &str) -> Result<serde_json::Value, TemplateError> {
    let jinja = Jinja::new();
    jinja.template(&json!(text), &scope(&jinja, vars))
}

#[test]
fn lone_expressions_keep_their_type_and_text_is_text() {
    assert_eq!(render(json!({"n": 3}), "{{ n }}").unwrap(), json!(3));
    assert_eq!(render(json!({"n": 3}), "{{ n }} ").unwrap(), json!("3 "));
    assert_eq!(render(json!({"l": [1, "a"]}), "x={{ l }}").unwrap(), json!("x=[1, 'a']"));
    assert_eq!(render(json!({"b": true}), "{{ b }}/{{ none }}").unwrap(), json!("True/None"));
}

fn text(vars: serde_json::Value, text: &str) -> String {
    match render(vars, text).unwrap() {
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    }
}

#[test]
fn ansible_filters_give_what_ansible_gives() {
    let v = json!({"l": [3, 1, 3, 2], "d": {"a": 1, "b": 2}, "s": "web-01.example.com", "none": null});
    assert_eq!(render(v.clone(), "{{ l | unique }}").unwrap(), json!([3, 1, 2]));
    assert_eq!(render(v.clone(), "{{ l | union([5]) }}").unwrap(), json!([3, 1, 2, 5]));
    assert_eq!(render(v.clone(), "{{ l | difference([3]) }}").unwrap(), json!([1, 2]));
    assert_eq!(render(v.clone(), "{{ [[1, [2]], 3] | flatten }}").unwrap(), json!([1, 2, 3]));
    assert_eq!(render(v.clone(), "{{ d | dict2items }}").unwrap(), json!([{"key": "a", "value": 1}, {"key": "b", "value": 2}]));
    assert_eq!(render(v.clone(), "{{ d | dict2items | items2dict }}").unwrap(), json!({"a": 1, "b": 2}));
    assert_eq!(render(v.clone(), "{{ d | combine({'b': 3, 'c': 4}) }}").unwrap(), json!({"a": 1, "b": 3, "c": 4}));
    assert_eq!(text(v.clone(), "{{ missing | default('x') }}"), "x");
    assert_eq!(text(v.clone(), "{{ s | regex_replace('^web-(\\\\d+).*$', 'n\\\\1') }}"), "n01");
    assert_eq!(text(v.clone(), "{{ s | regex_search('[0-9]+') }}"), "01");
    assert_eq!(text(v.clone(), "{{ 'hi' | b64encode }}"), "aGk=");
    assert_eq!(text(v.clone(), "{{ 'aGk=' | b64decode }}"), "hi");
    assert_eq!(text(v.clone(), "{{ 'abc' | hash('sha1') }}"), "a9993e364706816aba3e25717850c26c9cd0d89d");
    assert_eq!(text(v.clone(), "{{ '/etc/nginx/nginx.conf' | basename }}"), "nginx.conf");
    assert_eq!(text(v.clone(), "{{ '/etc/nginx/nginx.conf' | dirname }}"), "/etc/nginx");
    assert_eq!(text(v.clone(), "{{ \"it's\" | quote }}"), "'it'\"'\"'s'");
    assert_eq!(render(v.clone(), "{{ 'yes' | bool }}").unwrap(), json!(true));
    assert_eq!(render(v.clone(), "{{ '42' | int + 1 }}").unwrap(), json!(43));
    assert_eq!(text(v.clone(), "{{ (1 > 2) | ternary('a', 'b') }}"), "b");
    assert_eq!(text(v.clone(), "{{ d | to_json }}"), r#"{"a": 1, "b": 2}"#);
    assert_eq!(text(v.clone(), "{{ d | to_nice_json }}"), "{\n    \"a\": 1,\n    \"b\": 2\n}");
    assert_eq!(render(v.clone(), "{{ '{\"x\": [1]}' | from_json }}").unwrap(), json!({"x": [1]}));
    assert_eq!(text(v.clone(), "{{ d | to_yaml }}"), "a: 1\nb: 2\n");
    assert_eq!(
        render(v.clone(), "{{ [{'n': 1, 'on': true}, {'n': 2, 'on': false}] | selectattr('on') | map(attribute='n') | list }}").unwrap(),
        json!([1])
    );
    assert_eq!(render(v.clone(), "{{ l | select('gt', 2) | list }}").unwrap(), json!([3, 3]));
    assert_eq!(text(v.clone(), "{{ l | join(',') }}"), "3,1,3,2");
    assert_eq!(text(v, "{{ '192.168.1.10/24' | ansible.utils.ipaddr('network') }}"), "192.168.1.0");
}

#[test]
fn conditions_must_be_booleans_and_undefined_names_are_explained() {
    let jinja = Jinja::new();
    let s = scope(&jinja, json!({"port": 80, "ports": [1], "web_port": 1}));
    assert!(jinja.condition("port == 80 and ports | length > 0", &s).unwrap());
    assert!(jinja.condition("missing is not defined", &s).unwrap());
    assert!(!jinja.condition("port.x is defined", &s).unwrap());
    let err = jinja.condition("ports", &s).unwrap_err();
    assert!(matches!(err, TemplateError::NotBoolean { .. }), "{err}");
    let err = jinja.template(&json!("{{ prot }}"), &s).unwrap_err();
    assert_eq!(err.undefined_name(), Some("prot"));
    assert!(err.to_string().contains("did you mean `port`?"), "{err}");
}

#[test]
fn recursive_variables_are_an_error_not_a_hang() {
    let jinja = Jinja::new();
    let s = scope(&jinja, json!({"a": "{{ b }}", "b": "{{ a }}"}));
    let err = jinja.template(&json!("{{ a }}"), &s).unwrap_err();
    assert!(err.to_string().contains("recursive"), "{err}");
}

#[test]
fn template_files_keep_trailing_newline_and_trim_blocks() {
    let jinja = Jinja::new();
    let s = scope(&jinja, json!({"items": ["a", "b"]}));
    let out = jinja.render_file("{% for i in items %}\n{{ i }}\n{% endfor %}\n", "t.j2", &s, FileOptions::default()).unwrap();
    assert_eq!(out, "a\nb\n");
}

#[test]
fn fuzz_stray_closing_braces_are_a_syntax_error_not_a_panic() {
    let jinja = Jinja::new();
    let s = scope(&jinja, json!({}));
    assert!(matches!(jinja.condition("}}ze", &s), Err(TemplateError::Syntax { .. })));
    assert!(jinja.template(&json!("{{ }}ze }}"), &s).is_err());
    assert_eq!(jinja.template(&json!("{{ {'a': {'b': 1}} }}"), &s).unwrap(), json!({"a": {"b": 1}}));
    assert!(jinja.condition("{'a': 1} == {'a': 1}", &s).unwrap());
}

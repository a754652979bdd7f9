//! `cdev template list | show | validate | init`.

use std::fs;

use crate::support::TestEnv;

#[test]
fn list_shows_builtins_and_user_templates_with_their_origin() {
    let env = TestEnv::new();
    let dir = env.path("config/cdev/templates");
    fs::create_dir_all(&dir).unwrap();
    fs::write(
        dir.join("elixir.toml"),
        "description = \"Elixir\"\nextends = \"generic\"\n[detect]\nfiles = [\"mix.exs\"]\n",
    )
    .unwrap();
    let out = env.cdev(&["template", "list"]).ok();
    for name in ["generic", "go", "node", "python", "react", "rust", "elixir"] {
        assert!(out.lines().any(|l| l.starts_with(&format!("{name} "))), "{name} missing:\n{out}");
    }
    let react = out.lines().find(|l| l.starts_with("react ")).unwrap();
    assert!(react.contains("built-in") && react.contains("package.json containing \"react\""), "{react}");
    let elixir = out.lines().find(|l| l.starts_with("elixir ")).unwrap();
    assert!(
        elixir.contains(&dir.join("elixir.toml").display().to_string()) && elixir.contains("mix.exs"),
        "{out}"
    );
}

#[test]
fn one_broken_user_template_leaves_the_others_and_cdev_new_working() {
    let env = TestEnv::lived_in();
    let dir = env.path("config/cdev/templates");
    fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.toml");
    fs::write(&bad, "name = \"bad\"\n[[windows]\nname = \"x\"\n").unwrap();
    fs::write(dir.join("elixir.toml"), "extends = \"generic\"\n").unwrap();
    let said = format!("{}:2:", bad.display());

    let run = env.cdev(&["template", "list"]);
    assert!(run.ok().lines().any(|l| l.starts_with("elixir ")), "{}", run.stdout());
    assert!(
        run.stderr().contains("could not use template bad: ") && run.stderr().contains(&said),
        "{}",
        run.stderr()
    );

    let good = env.path("good.toml");
    fs::write(&good, "extends = \"elixir\"\n").unwrap();
    let out = env.cdev(&["template", "validate", &good.to_string_lossy()]).ok();
    assert!(out.contains(": ok: template \"good\""), "{out}");

    let project = env.project("plain");
    let run = env.cdev(&["new", "--no-attach", &project.to_string_lossy()]);
    assert_eq!(run.ok().trim(), "claude-dev-plain");
    assert!(
        run.stderr().contains("template bad left out: ") && run.stderr().contains(&said),
        "{}",
        run.stderr()
    );

    // Asked for by name, or extended, it is an error that names the file and line.
    let err = env.cdev(&["template", "show", "bad"]).fails_with(2);
    assert!(err.starts_with("cdev: could not show template bad: ") && err.contains(&said), "{err}");
    let extends_bad = env.path("child.toml");
    fs::write(&extends_bad, "extends = \"bad\"\n").unwrap();
    let err = env.cdev(&["template", "validate", &extends_bad.to_string_lossy()]).fails_with(2);
    assert!(err.contains("extends \"bad\", which cannot be used") && err.contains(&said), "{err}");
}

#[test]
fn show_prints_the_template_after_extends() {
    let env = TestEnv::new();
    let out = env.cdev(&["template", "show", "react"]).ok();
    assert!(out.contains("dev_command = \"npm run dev\""), "inherited from node:\n{out}");
    assert!(out.contains("editor_args = \"src/\""), "{out}");
    assert!(out.contains("role = \"claude\""), "windows from generic:\n{out}");
    let shown: toml::Value = toml::from_str(&out).expect("show prints TOML");
    assert_eq!(shown["name"].as_str(), Some("react"));
    let err = env.cdev(&["template", "show", "nope"]).fails_with(1);
    assert!(err.contains("known: generic, go, node, python, react, rust"), "{err}");
}

#[test]
fn validate_reports_the_line_and_key_of_a_mistake() {
    let env = TestEnv::new();
    let good = env.path("good.toml");
    fs::write(&good, "extends = \"python\"\nhistory_limit = 50000\n").unwrap();
    let out = env.cdev(&["template", "validate", &good.to_string_lossy()]).ok();
    assert_eq!(out.trim(), format!("{}: ok: template \"good\", 2 windows, 5 panes", good.display()));

    let bad = env.path("bad.toml");
    fs::write(&bad, "extends = \"python\"\n\n[[windows]]\n[[windows.panes]]\nrole = \"robot\"\n").unwrap();
    let err = env.cdev(&["template", "validate", &bad.to_string_lossy()]).fails_with(2);
    assert!(
        err.starts_with(&format!("cdev: {}:5: key `role`: unknown variant `robot`", bad.display())),
        "{err}"
    );

    let binary = env.path("binary.toml");
    fs::write(&binary, [0u8, 159, 146, 150, 255]).unwrap();
    let err = env.cdev(&["template", "validate", &binary.to_string_lossy()]).fails_with(2);
    assert!(err.contains("not UTF-8 text"), "{err}");
}

#[test]
fn a_bad_value_deep_in_a_template_names_its_own_line() {
    let env = TestEnv::new();
    let file = env.path("deep.toml");
    let text = [
        "# a template with a mistake far down",
        "name = \"deep\"",
        "env.NODE_ENV = \"development\"",
        "",
        "[[windows]]",
        "name = \"agents\"",
        "[[windows.panes]]",
        "role = \"claude\"",
        "[[windows.panes]]",
        "role = \"git\"",
        "size = \"30%\"",
        "",
        "[[windows]]",
        "name = \"servers\"",
        "panes = [",
        "  { role = \"server\", command = \"npm run dev\" },",
        "  { role = \"shell\", split = \"vertical\", size = \"a third\" },",
        "]",
    ];
    fs::write(&file, text.join("\n") + "\n").unwrap();
    let err = env.cdev(&["template", "validate", &file.to_string_lossy()]).fails_with(2);
    assert!(
        err.starts_with(&format!(
            "cdev: {}:17: key `windows[1].panes[1].size`: \"a third\" is not a size (N cells or N%)",
            file.display()
        )),
        "{err}"
    );

    // A dotted key is found too.
    fs::write(&file, "env.OK = \"1\"\nenv.\"1BAD\" = \"v\"\n[[windows]]\n[[windows.panes]]\n").unwrap();
    let err = env.cdev(&["template", "validate", &file.to_string_lossy()]).fails_with(2);
    assert!(err.starts_with(&format!("cdev: {}:2: key `env.1BAD`", file.display())), "{err}");
}

#[test]
fn init_writes_a_starter_that_validates_and_never_overwrites_by_accident() {
    let env = TestEnv::new();
    let project = env.project("api");
    fs::write(project.join("go.mod"), "module api\n").unwrap();
    let written = env.cdev(&["template", "init", &project.to_string_lossy()]).ok();
    let file = project.join(".cdev.toml");
    assert_eq!(written.trim(), file.display().to_string());
    let text = fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("extends = \"go\"") && text.contains("# dev_command = \"go test ./...\""),
        "{text}"
    );
    env.cdev(&["template", "validate", &file.to_string_lossy()]).ok();

    fs::write(&file, "# mine\nextends = \"generic\"\n").unwrap();
    let err = env.cdev(&["template", "init", &project.to_string_lossy()]).fails_with(1);
    assert!(err.contains("it exists (use --force to replace it)"), "{err}");
    assert_eq!(fs::read_to_string(&file).unwrap(), "# mine\nextends = \"generic\"\n");
    env.cdev(&["template", "init", "--force", "--template", "rust", &project.to_string_lossy()]).ok();
    assert!(fs::read_to_string(&file).unwrap().contains("extends = \"rust\""));
}

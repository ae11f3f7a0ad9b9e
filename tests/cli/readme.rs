//! The README's configuration reference and command table must match the code.

use std::path::Path;

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap()
}

#[test]
fn readme_config_reference_parses() {
    let text = readme();
    let section = text
        .split("## Configuration reference")
        .nth(1)
        .expect("section");
    let block = section
        .split("```toml\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    let config = feedwright::config::Config::parse(block, Path::new("/site/config.toml"))
        .unwrap_or_else(|e| panic!("README config does not parse: {e}"));
    assert_eq!(config.feeds.len(), 2);
    assert!(config.feeds[1].podcast.is_some());
    assert!(config.publish.url.is_some() && !config.publish.hubs.is_empty());
    // Every key the reference shows is one the code knows: an unknown key would have failed.
    for key in [
        "state_file",
        "size_budget_kb",
        "feeds_url",
        "timezone",
        "resolve_lengths",
        "missing_audio",
    ] {
        assert!(block.contains(key), "README config reference lacks `{key}`");
    }
}

#[test]
fn readme_lists_every_command_and_the_test_command() {
    let text = readme();
    let help = assert_cmd::Command::cargo_bin("feedwright")
        .unwrap()
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    let commands = help
        .split("Commands:")
        .nth(1)
        .unwrap()
        .split("Options:")
        .next()
        .unwrap()
        .lines()
        // Command lines are indented by two spaces; wrapped help text by more.
        .filter(|l| l.starts_with("  ") && !l[2..].starts_with(' '))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help");
    for c in commands {
        assert!(
            text.contains(&format!("`feedwright {c}")),
            "README lacks command `{c}`"
        );
    }
    let ci =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/run")).unwrap();
    assert!(text.contains("cargo test --locked"));
    assert!(
        ci.lines().any(|l| l.trim() == "cargo test --locked"),
        ".ci/run runs the README's test command"
    );
}

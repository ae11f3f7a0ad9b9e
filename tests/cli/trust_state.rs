//! Issue 15, "Config sanity" and "State": where the files go, and a state file that cannot be
//! trusted. Each test runs the real binary on a temp site and checks the whole message.

use crate::common;

use common::{CONFIG, Site, review};

const FIX: &str = "feedwright writes and replaces files there and clears its leftovers, and everything in it gets published; give the feeds a folder of their own, like output_dir = \"feeds\"";

fn with_site_key(line: &str) -> String {
    CONFIG.replace("timezone = ", &format!("{line}\ntimezone = "))
}

/// `output_dir = ".."` used to write feeds (and clear temp files) in the folder above the site.
#[test]
fn an_output_dir_holding_the_site_is_a_config_error() {
    let site = Site::with_config(&with_site_key("output_dir = \"..\""));
    site.write("content/reviews/a.md", &review("A", "2026-01-01", "x"));
    let parent = site.dir.path().parent().unwrap().display().to_string();
    assert_eq!(
        site.fails(3, &["build"]),
        format!(
            "error: {}:6: [site] output_dir = \"..\" is {parent}, which holds the config's folder and your content: {FIX}\n",
            site.path("config.toml").display()
        )
    );
    let site = Site::with_config(&with_site_key("output_dir = \"/\""));
    assert_eq!(
        site.fails(3, &["build"]),
        format!(
            "error: {}:6: [site] output_dir = \"/\" is the filesystem root: {FIX}\n",
            site.path("config.toml").display()
        )
    );
}

#[test]
fn a_state_file_inside_the_output_folder_is_a_config_error() {
    let site = Site::with_config(&with_site_key("state_file = \"feeds/state.toml\""));
    site.write("content/reviews/a.md", &review("A", "2026-01-01", "x"));
    assert_eq!(
        site.fails(3, &["build"]),
        format!(
            "error: {}:6: [site] state_file feeds/state.toml is inside [site] output_dir: a build would publish it and could overwrite it; keep it beside config.toml (state_file = \"feedwright-state.toml\"), out of the output folder\n",
            site.path("config.toml").display()
        )
    );
    assert!(!site.path("feeds").exists());
}

#[test]
fn feeds_whose_names_differ_only_in_case_are_a_config_error() {
    let config = format!(
        "{CONFIG}\n[[feed]]\nname = \"Reviews\"\ntitle = \"More\"\nsource = \"content/reviews\"\n"
    );
    let site = Site::with_config(&config);
    assert_eq!(
        site.fails(3, &["build"]),
        format!(
            "error: {}:17: [[feed]] names `reviews` (line 10) and `Reviews` differ only in case: on macOS and Windows both write the file Reviews.rss and one feed overwrites the other; rename one of them\n",
            site.path("config.toml").display()
        )
    );
}

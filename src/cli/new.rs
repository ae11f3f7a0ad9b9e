use std::process::ExitCode;

use super::Context;
use crate::content::slug::slugify;
use crate::error::{Error, Result};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Which feed: its name (`reviews`) or that name without the final s (`review`).
    pub feed: String,
    /// The entry's title.
    pub title: String,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    let config = ctx.load_config()?;
    let feed = config
        .feeds
        .iter()
        .find(|f| f.name == args.feed || f.name == format!("{}s", args.feed))
        .ok_or_else(|| {
            let names: Vec<_> = config.feeds.iter().map(|f| f.name.as_str()).collect();
            Error::config(
                &config.path,
                None,
                format!(
                    "no feed named `{}`; the feeds are: {}",
                    args.feed,
                    names.join(", ")
                ),
            )
        })?;
    let slug = slugify(&args.title);
    if slug.is_empty() {
        return Err(Error::config(
            &config.path,
            None,
            "the title needs at least one letter or digit",
        ));
    }
    let local = ctx.now.with_timezone(&config.site.timezone);
    let path = feed
        .source
        .join(format!("{}-{slug}.md", local.format("%Y-%m-%d")));
    let title = toml::Value::String(args.title.clone()).to_string();
    let text = format!(
        "+++\ntitle = {title}\ndate = \"{}\"\n# summary = \"One line for feed readers\"\n# tags = [\"drama\"]\n# A draft is never published, so a cron build cannot send it out half-written:\n# delete the next line when the review is ready.\ndraft = true\n+++\n\nWrite here.\n",
        local.format("%Y-%m-%d %H:%M")
    );
    std::fs::create_dir_all(&feed.source)
        .map_err(|e| Error::io(&feed.source, "creating the folder", e))?;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| Error::io(&path, "creating the entry (it may already exist)", e))?;
    std::io::Write::write_all(&mut file, text.as_bytes())
        .map_err(|e| Error::io(&path, "writing", e))?;
    ctx.report
        .out(crate::content::display_path(&path).display());
    Ok(ExitCode::SUCCESS)
}

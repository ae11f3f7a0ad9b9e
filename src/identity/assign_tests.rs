//! Tests of [`super::assign`]: the four matching passes, reserved ids and dates.

use super::*;
use crate::content::{BodyKind, Head, More};

fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

fn entry(source: &str, title: &str, body: &str, date: Option<&str>) -> Entry {
    let head = Head {
        source: source.into(),
        title: title.into(),
        date: date.map(at),
        tags: vec![],
        slug: crate::content::slug::slug_from_file_name(source.rsplit('/').next().unwrap()),
        draft: false,
        kind: BodyKind::Markdown,
        fingerprint: blake3::hash(format!("{title}{body}").as_bytes())
            .to_hex()
            .as_str()
            .into(),
    };
    let more = More {
        body: body.into(),
        ..More::default()
    };
    Entry::new(head, more)
}

fn run(state: &State, entries: Vec<Entry>, now: &str) -> Assigned {
    let present = entries.iter().map(|e| e.source.clone()).collect();
    let entries = entries
        .into_iter()
        .map(|e| ("reviews".into(), Box::new(e)))
        .collect();
    assign("tag:example.com,2026:", state, entries, &present, at(now))
}

const T0: &str = "2026-01-01T00:00:00Z";
const T1: &str = "2026-01-02T00:00:00Z";
const T2: &str = "2026-01-03T00:00:00Z";

#[test]
fn a_slug_taken_many_times_over_gets_the_first_free_id() {
    // Ten gone entries held `heat`, `heat-2` … `heat-10`: the new one asks for eleven ids,
    // past the few searched one by one, and gets `heat-11` either way.
    let s0 = State::new("tag:example.com,2026:".into());
    let mut state = s0.clone();
    for n in 1..=10 {
        let file = if n == 1 {
            "heat".to_string()
        } else {
            format!("heat-{n}")
        };
        let made = run(
            &state,
            vec![entry(
                &format!("c/{file}.md"),
                &format!("Heat {n}"),
                &format!("{n}"),
                Some(T0),
            )],
            T0,
        );
        state = made.state;
    }
    let ids: Vec<&str> = state.entries.iter().map(|r| &*r.id).collect();
    assert_eq!(ids.len(), 10);
    let renamed = entry("c/other/heat.md", "Heat again", "new", Some(T1));
    let got = run(&state, vec![renamed], T1);
    assert_eq!(got.items[0].id(), "tag:example.com,2026:reviews/heat-11");
    assert!(got.notes.iter().any(|n| {
        n.0.contains("gets a new id tag:example.com,2026:reviews/heat-11")
    }));
}

/// The new state shares the records this build left alone with the state it started
/// from, copies the ones it changes, and leaves that state as it was.
#[test]
fn unchanged_records_are_shared_and_the_previous_state_is_left_alone() {
    let s0 = State::new("tag:example.com,2026:".into());
    let both = || {
        vec![
            entry("c/a.md", "A", "x", Some(T0)),
            entry("c/b.md", "B", "y", Some(T0)),
        ]
    };
    let a = run(&s0, both(), T0);
    let before = a.state.clone();
    let mut edited = both();
    edited[1] = entry("c/b.md", "B", "y, edited", Some(T0));
    let b = run(&a.state, edited, T1);
    assert_eq!(a.state, before, "the previous state is unchanged");
    assert!(a.state.entries[1].changed.is_none());
    let shared = |k: usize| Arc::ptr_eq(&a.state.entries[k], &b.state.entries[k]);
    assert!(shared(0), "the record left alone is shared");
    assert!(!shared(1), "the edited record is a copy");
    assert_eq!(b.state.entries[1].changed, Some(at(T1)));
    assert_eq!(b.items[1].updated, at(T1));
    assert_eq!(b.state.entries[0], a.state.entries[0]);
    // Each item's record is its record in the new state (new, kept or edited), not a copy.
    for (state, items) in [(&a.state, &a.items), (&b.state, &b.items)] {
        for (k, item) in items.iter().enumerate() {
            assert!(Arc::ptr_eq(&item.record, &state.entries[k]), "item {k}");
        }
    }
}

#[test]
fn undated_entry_keeps_first_seen() {
    let s0 = State::new("tag:example.com,2026:".into());
    let a = run(&s0, vec![entry("c/a.md", "A", "x", None)], T0);
    assert_eq!(a.items[0].published(), at(T0));
    let b = run(&a.state, vec![entry("c/a.md", "A", "x", None)], T1);
    assert_eq!(b.items[0].published(), at(T0));
    assert_eq!(b.items[0].id(), a.items[0].id());
    assert_eq!(b.state, a.state);
}

#[test]
fn rename_keeps_id_and_edit_moves_updated_once() {
    let s0 = State::new("tag:example.com,2026:".into());
    let a = run(&s0, vec![entry("c/a.md", "A", "x", Some(T0))], T0);
    let b = run(&a.state, vec![entry("c/sub/b.md", "A", "x", Some(T0))], T1);
    assert_eq!(b.items[0].id(), a.items[0].id());
    assert!(b.notes[0].0.contains("was c/a.md"));
    let c = run(
        &b.state,
        vec![entry("c/sub/b.md", "A", "edited", Some(T0))],
        T1,
    );
    assert_eq!(c.items[0].updated, at(T1));
    let d = run(
        &c.state,
        vec![entry("c/sub/b.md", "A", "edited", Some(T0))],
        T2,
    );
    assert_eq!(d.items[0].updated, at(T1));
    assert_eq!(d.items[0].id(), a.items[0].id());
}

#[test]
fn rename_with_edit_matches_title_and_date() {
    let s0 = State::new("tag:example.com,2026:".into());
    let a = run(&s0, vec![entry("c/a.md", "A", "x", Some(T0))], T0);
    let b = run(&a.state, vec![entry("c/b.md", "A", "y", Some(T0))], T1);
    assert_eq!(b.items[0].id(), a.items[0].id());
    assert!(b.notes[0].0.contains("same title and date"));
}

#[test]
fn vanished_is_reported_once_and_id_not_reused() {
    let s0 = State::new("tag:example.com,2026:".into());
    let a = run(&s0, vec![entry("c/heat.md", "A", "x", Some(T0))], T0);
    let b = run(&a.state, vec![], T1);
    assert_eq!(b.gone.len(), 1);
    assert!(b.gone[0].message.contains("gone"));
    let c = run(&b.state, vec![], T2);
    assert!(c.notes.is_empty() && c.gone.is_empty());
    // A different file with the same slug does not inherit the retired id.
    let d = run(
        &c.state,
        vec![entry("c/2026-01-03-heat.md", "B", "z", Some(T2))],
        T2,
    );
    assert_ne!(d.items[0].id(), a.items[0].id());
    assert!(d.errors.is_empty());
}

#[test]
fn duplicate_ids_name_both_files() {
    let s0 = State::new("tag:example.com,2026:".into());
    let mut e1 = entry("c/a.md", "A", "x", Some(T0));
    let mut e2 = entry("c/b.md", "B", "y", Some(T0));
    e1.more_mut().id = Some("urn:x".into());
    e2.more_mut().id = Some("urn:x".into());
    let a = run(&s0, vec![e1, e2], T0);
    assert_eq!(a.errors.len(), 1);
    assert!(a.errors[0].to_string().contains("c/b.md"));
    assert!(a.errors[0].to_string().contains("c/a.md"));
}

/// Audit: `café.md` twice (one é precomposed, one decomposed) read as one name said twice.
#[test]
fn duplicate_ids_of_names_that_look_alike_say_why() {
    let s0 = State::new("tag:example.com,2026:".into());
    let mut e1 = entry("c/caf\u{e9}.md", "A", "x", Some(T0));
    let mut e2 = entry("c/cafe\u{301}.md", "B", "y", Some(T0));
    e1.more_mut().id = Some("urn:x".into());
    e2.more_mut().id = Some("urn:x".into());
    let a = run(&s0, vec![e1, e2], T0);
    assert!(
        a.errors[0].to_string().contains("(the two names look the same: one writes an accented letter as one character, the other as a letter and an accent; rename one)"),
        "{}",
        a.errors[0]
    );
}

/// Audit: another review saved under a removed one's file name took its reserved id ("is
/// back"), and readers who had seen the old one skipped it. Back means the same content,
/// title or date; anything else gets an id of its own.
#[test]
fn another_entry_under_a_gone_entrys_name_gets_its_own_id() {
    let s0 = State::new("tag:example.com,2026:".into());
    let a = run(&s0, vec![entry("c/f5.md", "F5", "x", Some(T0))], T0);
    let b = run(&a.state, vec![], T1);
    let other = run(&b.state, vec![entry("c/f5.md", "Other", "y", Some(T2))], T2);
    assert_ne!(other.items[0].id(), a.items[0].id());
    assert!(
        other.notes.iter().all(|n| !n.0.contains("is back")),
        "{:?}",
        other.notes
    );
    for back in [
        entry("c/f5.md", "F5", "edited", Some(T2)),
        entry("c/f5.md", "Renamed", "edited", Some(T0)),
    ] {
        let again = run(&b.state, vec![back], T2);
        assert_eq!(again.items[0].id(), a.items[0].id());
    }
}

/// Audit: two removed entries with one title and date, both renamed and edited: matched to
/// the first without a word that it was a guess.
#[test]
fn an_ambiguous_rename_says_it_is_a_guess() {
    let s0 = State::new("tag:example.com,2026:".into());
    let a = run(
        &s0,
        vec![
            entry("c/a.md", "Same", "x", Some(T0)),
            entry("c/b.md", "Same", "y", Some(T0)),
        ],
        T0,
    );
    let b = run(&a.state, vec![entry("c/c.md", "Same", "z", Some(T0))], T1);
    assert_eq!(b.items[0].id(), a.items[0].id());
    assert!(
        b.notes[0].0.ends_with("(a guess: another removed entry has this title and date too; give them `id` keys to choose)"),
        "{}",
        b.notes[0].0
    );
}

/// A record is held for every source (100,000 on a large site), in an `Arc` (16 bytes more):
/// past 144 bytes the allocator rounds it up from 160 to 192.
#[test]
fn a_record_fits_in_144_bytes() {
    let size = std::mem::size_of::<Record>();
    assert!(size <= 144, "{size}");
}

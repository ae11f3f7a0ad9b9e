//! The identified items the feeds picked, the others dropped before anything is rendered: a
//! feed of the newest 50 items of a site of 100,000 renders 50 of them, and the entries of
//! the others (their metadata, tens of MB) would otherwise be held to the end of the build.

use super::resolve::FeedItems;
use crate::identity::Identified;

/// `items` cut to those some feed picked, in their order; every pick's `at` is moved to
/// where its item now is.
pub(super) fn keep_picked(items: Vec<Identified>, feeds: &mut [FeedItems<'_>]) -> Vec<Identified> {
    let mut places: Vec<&mut usize> = feeds
        .iter_mut()
        .flat_map(|f| &mut f.picks)
        .map(|p| &mut p.at)
        .collect();
    keep_at(items, &mut places)
}

/// `items` cut to those at `places`, in their order, and each place moved to match.
fn keep_at<T>(items: Vec<T>, places: &mut [&mut usize]) -> Vec<T> {
    const DROPPED: usize = usize::MAX;
    let mut moved = vec![DROPPED; items.len()];
    for at in places.iter() {
        moved[**at] = 0;
    }
    let mut kept = 0;
    for at in moved.iter_mut().filter(|at| **at != DROPPED) {
        *at = kept;
        kept += 1;
    }
    if kept == items.len() {
        return items;
    }
    for at in places.iter_mut() {
        **at = moved[**at];
    }
    items
        .into_iter()
        .zip(moved)
        .filter_map(|(item, at)| (at != DROPPED).then_some(item))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_items_kept_are_the_picked_ones_in_order_and_every_pick_still_finds_its_own() {
        let items: Vec<String> = (0..10).map(|k| format!("item {k}")).collect();
        // Two feeds, newest first, sharing an item; one item picked twice by one feed.
        let picks = [vec![7, 2, 9], vec![2, 4, 4]];
        let mut after = picks.clone();
        let mut places: Vec<&mut usize> = after.iter_mut().flatten().collect();
        let kept = keep_at(items.clone(), &mut places);
        assert_eq!(kept, ["item 2", "item 4", "item 7", "item 9"]);
        for (before, after) in picks.iter().flatten().zip(after.iter().flatten()) {
            assert_eq!(kept[*after], items[*before]);
        }
        // Everything picked: nothing moves.
        let mut all: Vec<usize> = (0..10).rev().collect();
        let mut places: Vec<&mut usize> = all.iter_mut().collect();
        assert_eq!(keep_at(items.clone(), &mut places), items);
        assert_eq!(all, (0..10).rev().collect::<Vec<_>>());
        // Nothing picked: nothing kept.
        assert!(keep_at(items, &mut []).is_empty());
    }
}

//! Placement (جایابی) of the quota exam's candidates in the agencies' posts by
//! candidate-proposing deferred acceptance with quotas (Gale and Shapley):
//! each candidate proposes to their posts in the order they ranked them; a post
//! holds its best proposals up to its seats and rejects the rest; a rejected
//! candidate proposes to their next post. The result is **stable** (no candidate
//! and post eligible for each other would both rather be together: the candidate
//! prefers the post to where they are, and the post has a free seat or holds
//! someone it ranks lower) and **candidate-optimal** (every candidate is placed
//! at least as well as in any other stable placement).
//!
//! How a post ranks candidates ([`ranks_above`]): the higher exam score; between
//! equal scores, the more severe disability (the law's priority for those the
//! labour market shuts out most); then the earlier registration (lower candidate
//! id). The order is total, so the result is unique and the same on every run.
//!
//! Eligibility ([`eligible`]): a candidate is placed only in a post whose required
//! education they have (or higher) and that is open to one of the disability
//! types of their current valid assessments. A preference for a post they are
//! not eligible for, or named twice, or not in the round, is not proposed to.

use crate::registry::{DisabilityType, Education};
use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap};

/// A post (an agency's job title with its seats) as placement sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Post {
    pub id: i64,
    pub seats: u32,
    /// The least education it requires.
    pub education: Education,
    /// The disability types it is open to.
    pub kinds: Vec<DisabilityType>,
}

/// A candidate as placement sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applicant {
    pub id: i64,
    /// The exam score in hundredths (0 to 10,000).
    pub score: i64,
    /// The highest severity of their current valid assessments (1 mild … 4 very severe).
    pub severity: i64,
    pub education: Option<Education>,
    /// The disability types of their current valid assessments.
    pub kinds: Vec<DisabilityType>,
    /// Post ids, most wanted first.
    pub preferences: Vec<i64>,
}

/// Whether the candidate may be placed in the post.
pub fn eligible(applicant: &Applicant, post: &Post) -> bool {
    applicant.education.is_some_and(|e| e >= post.education) && applicant.kinds.iter().any(|k| post.kinds.contains(k))
}

/// How posts order candidates: `Less` when `a` ranks above `b`.
pub fn ranks_above(a: &Applicant, b: &Applicant) -> Ordering {
    b.score.cmp(&a.score).then(b.severity.cmp(&a.severity)).then(a.id.cmp(&b.id))
}

/// The key a post keeps its holders by: the greater key ranks higher.
type Key = (i64, i64, Reverse<i64>);

fn key(a: &Applicant) -> Key {
    (a.score, a.severity, Reverse(a.id))
}

/// Each candidate's preferences as post indices: known posts they are eligible
/// for, each once, in their order.
pub fn acceptable(applicant: &Applicant, posts: &[Post], index: &HashMap<i64, usize>) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::with_capacity(applicant.preferences.len());
    for id in &applicant.preferences {
        if let Some(&p) = index.get(id)
            && !out.contains(&p)
            && eligible(applicant, &posts[p])
        {
            out.push(p);
        }
    }
    out
}

/// Places the candidates: for each (in the order given) the id of the post they
/// are placed in, or `None`.
pub fn place(posts: &[Post], applicants: &[Applicant]) -> Vec<Option<i64>> {
    let index: HashMap<i64, usize> = posts.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
    let lists: Vec<Vec<usize>> = applicants.iter().map(|a| acceptable(a, posts, &index)).collect();
    let keys: Vec<Key> = applicants.iter().map(key).collect();
    // Each post's holders, the lowest-ranked on top.
    let mut held: Vec<BinaryHeap<Reverse<(Key, usize)>>> =
        posts.iter().map(|p| BinaryHeap::with_capacity(p.seats as usize)).collect();
    let mut next = vec![0usize; applicants.len()];
    let mut free: Vec<usize> = (0..applicants.len()).rev().collect();
    while let Some(a) = free.pop() {
        let Some(&p) = lists[a].get(next[a]) else { continue };
        next[a] += 1;
        let seats = posts[p].seats as usize;
        let heap = &mut held[p];
        if heap.len() < seats {
            heap.push(Reverse((keys[a], a)));
        } else if let Some(Reverse((worst, w))) = heap.peek().copied()
            && keys[a] > worst
        {
            heap.pop();
            heap.push(Reverse((keys[a], a)));
            free.push(w);
        } else {
            free.push(a);
        }
    }
    let mut out = vec![None; applicants.len()];
    for (p, heap) in held.into_iter().enumerate() {
        for Reverse((_, a)) in heap {
            out[a] = Some(posts[p].id);
        }
    }
    out
}

/// What is wrong with a placement, if anything: a post over its seats, a
/// candidate placed where they are not eligible or did not ask to be, or a
/// blocking pair (a candidate and a post who would both rather be together).
pub fn check(posts: &[Post], applicants: &[Applicant], placed: &[Option<i64>]) -> Result<(), String> {
    let index: HashMap<i64, usize> = posts.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
    let lists: Vec<Vec<usize>> = applicants.iter().map(|a| acceptable(a, posts, &index)).collect();
    let mut holders: Vec<Vec<usize>> = vec![Vec::new(); posts.len()];
    let mut rank = vec![usize::MAX; applicants.len()];
    for (a, post) in placed.iter().enumerate() {
        let Some(id) = post else { continue };
        let p = *index.get(id).ok_or(format!("candidate {} placed in unknown post {id}", applicants[a].id))?;
        rank[a] = lists[a]
            .iter()
            .position(|&q| q == p)
            .ok_or(format!("candidate {} placed in post {id} they may not have", applicants[a].id))?;
        holders[p].push(a);
    }
    for (p, hs) in holders.iter().enumerate() {
        if hs.len() > posts[p].seats as usize {
            return Err(format!("post {} holds {} over {} seats", posts[p].id, hs.len(), posts[p].seats));
        }
    }
    for (a, list) in lists.iter().enumerate() {
        for &p in list.iter().take(rank[a].min(list.len())) {
            let hs = &holders[p];
            let free_seat = hs.len() < posts[p].seats as usize;
            let displaces = hs.iter().any(|&h| ranks_above(&applicants[a], &applicants[h]) == Ordering::Less);
            if free_seat || displaces {
                return Err(format!("candidate {} and post {} block", applicants[a].id, posts[p].id));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const KINDS: [DisabilityType; 3] = [DisabilityType::Motor, DisabilityType::Visual, DisabilityType::Hearing];
    const EDUCATION: [Education; 3] = [Education::Diploma, Education::Bachelor, Education::Master];

    fn instance(
        max_posts: usize,
        max_applicants: usize,
        max_seats: u32,
    ) -> impl Strategy<Value = (Vec<Post>, Vec<Applicant>)> {
        let post = (0..=max_seats, 0..3usize, prop::collection::vec(0..3usize, 1..3));
        let applicant = (
            0..5i64,
            1..5i64,
            0..3usize,
            prop::collection::vec(0..3usize, 0..3),
            prop::collection::vec(0..max_posts as i64 + 1, 0..5),
        );
        (prop::collection::vec(post, 1..=max_posts), prop::collection::vec(applicant, 0..=max_applicants)).prop_map(
            |(posts, applicants)| {
                let posts: Vec<Post> = posts
                    .into_iter()
                    .enumerate()
                    .map(|(i, (seats, e, kinds))| Post {
                        id: i as i64 + 100,
                        seats,
                        education: EDUCATION[e],
                        kinds: kinds.into_iter().map(|k| KINDS[k]).collect(),
                    })
                    .collect();
                let applicants = applicants
                    .into_iter()
                    .enumerate()
                    .map(|(i, (score, severity, e, kinds, prefs))| Applicant {
                        id: i as i64 + 1,
                        // Few distinct scores, so ties are common and the tie-breaks matter.
                        score: score * 1_000,
                        severity,
                        education: Some(EDUCATION[e]),
                        kinds: kinds.into_iter().map(|k| KINDS[k]).collect(),
                        // Some preferences name no post (id 100 + max_posts), some repeat.
                        preferences: prefs.into_iter().map(|p| p + 100).collect(),
                    })
                    .collect();
                (posts, applicants)
            },
        )
    }

    /// Every placement that respects seats and eligibility, by brute force.
    fn every_placement(posts: &[Post], applicants: &[Applicant]) -> Vec<Vec<Option<i64>>> {
        let index: HashMap<i64, usize> = posts.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
        let lists: Vec<Vec<usize>> = applicants.iter().map(|a| acceptable(a, posts, &index)).collect();
        let mut out = Vec::new();
        let mut current = vec![None; applicants.len()];
        fn go(
            a: usize,
            lists: &[Vec<usize>],
            posts: &[Post],
            used: &mut Vec<u32>,
            current: &mut Vec<Option<i64>>,
            out: &mut Vec<Vec<Option<i64>>>,
        ) {
            if a == lists.len() {
                out.push(current.clone());
                return;
            }
            current[a] = None;
            go(a + 1, lists, posts, used, current, out);
            for &p in &lists[a] {
                if used[p] < posts[p].seats {
                    used[p] += 1;
                    current[a] = Some(posts[p].id);
                    go(a + 1, lists, posts, used, current, out);
                    used[p] -= 1;
                }
            }
            current[a] = None;
        }
        go(0, &lists, posts, &mut vec![0; posts.len()], &mut current, &mut out);
        out
    }

    /// How much a candidate wants where they are: their preference's rank, or
    /// past every preference when unplaced.
    fn want(applicant: &Applicant, placed: Option<i64>) -> usize {
        placed.and_then(|id| applicant.preferences.iter().position(|&p| p == id)).unwrap_or(usize::MAX)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// On small instances: the placement is stable, within seats and
        /// eligibility (by the checker), is itself among the stable placements
        /// found by brute force, and no stable placement is better for anyone.
        #[test]
        fn the_placement_is_stable_and_candidate_optimal_by_brute_force((posts, applicants) in instance(3, 5, 2)) {
            let placed = place(&posts, &applicants);
            prop_assert_eq!(check(&posts, &applicants, &placed), Ok(()));
            let stable: Vec<Vec<Option<i64>>> = every_placement(&posts, &applicants)
                .into_iter()
                .filter(|m| check(&posts, &applicants, m).is_ok())
                .collect();
            prop_assert!(stable.contains(&placed), "the placement is not among the stable ones");
            for other in &stable {
                for (a, applicant) in applicants.iter().enumerate() {
                    prop_assert!(want(applicant, placed[a]) <= want(applicant, other[a]),
                        "candidate {} does better in {:?} than in {:?}", applicant.id, other, placed);
                }
            }
        }

        /// On larger instances: stable, within seats and eligibility, and the
        /// same whatever order the candidates come in.
        #[test]
        fn larger_placements_are_stable_and_do_not_depend_on_the_input_order((posts, applicants) in instance(8, 60, 4), seed in any::<u64>()) {
            let placed = place(&posts, &applicants);
            prop_assert_eq!(check(&posts, &applicants, &placed), Ok(()));
            let mut shuffled: Vec<(usize, Applicant)> = applicants.iter().cloned().enumerate().collect();
            let mut state = seed | 1;
            for i in (1..shuffled.len()).rev() {
                state ^= state << 13; state ^= state >> 7; state ^= state << 17;
                shuffled.swap(i, (state % (i as u64 + 1)) as usize);
            }
            let order: Vec<Applicant> = shuffled.iter().map(|(_, a)| a.clone()).collect();
            let again = place(&posts, &order);
            for (j, (i, _)) in shuffled.iter().enumerate() {
                prop_assert_eq!(again[j], placed[*i]);
            }
        }
    }

    fn post(id: i64, seats: u32) -> Post {
        Post { id, seats, education: Education::Diploma, kinds: vec![DisabilityType::Motor] }
    }

    fn applicant(id: i64, score: i64, severity: i64, preferences: Vec<i64>) -> Applicant {
        Applicant {
            id,
            score,
            severity,
            education: Some(Education::Bachelor),
            kinds: vec![DisabilityType::Motor],
            preferences,
        }
    }

    #[test]
    fn ties_go_to_the_more_severe_then_the_earlier_registered() {
        let posts = [post(1, 1), post(2, 1)];
        let same = |id, severity| applicant(id, 7_000, severity, vec![1, 2]);
        // 3 is more severe than 1 and 2; 1 registered before 2.
        let placed = place(&posts, &[same(1, 2), same(2, 2), same(3, 4)]);
        assert_eq!(placed, vec![Some(2), None, Some(1)]);
    }

    #[test]
    fn a_rejected_candidate_moves_down_their_list_and_displaces_a_lower_score() {
        let posts = [post(1, 1), post(2, 1)];
        // 1 wants post 1 then 2; 2 wants post 2; 3 outscores both and wants post 1.
        let placed = place(
            &posts,
            &[applicant(1, 6_000, 1, vec![1, 2]), applicant(2, 5_000, 1, vec![2]), applicant(3, 9_000, 1, vec![1])],
        );
        assert_eq!(placed, vec![Some(2), None, Some(1)]);
    }

    #[test]
    fn nobody_is_placed_where_they_are_not_eligible() {
        let mut master = post(1, 5);
        master.education = Education::Master;
        let visual = Post { id: 2, seats: 5, education: Education::Diploma, kinds: vec![DisabilityType::Visual] };
        let open = post(3, 5);
        let placed = place(&[master, visual, open], &[applicant(1, 9_000, 3, vec![1, 2, 3])]);
        assert_eq!(placed, vec![Some(3)]);
        let none = Applicant { education: None, ..applicant(2, 9_000, 3, vec![3]) };
        assert_eq!(place(&[post(3, 5)], &[none]), vec![None]);
    }

    #[test]
    fn the_checker_finds_a_blocking_pair_and_a_post_over_its_seats() {
        let posts = [post(1, 1)];
        let a = [applicant(1, 9_000, 1, vec![1]), applicant(2, 5_000, 1, vec![1])];
        assert!(check(&posts, &a, &[None, Some(1)]).unwrap_err().contains("block"));
        assert!(check(&posts, &a, &[Some(1), Some(1)]).unwrap_err().contains("seats"));
        assert!(check(&posts, &a, &[None, None]).unwrap_err().contains("block"));
        assert_eq!(check(&posts, &a, &[Some(1), None]), Ok(()));
    }
}

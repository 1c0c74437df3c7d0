//! A synthetic quota exam: fifty public agencies (national ones at HQ, the rest
//! in the provinces) with their staff and posts, exam scores, and candidates'
//! ranked choices among the posts they suit. Deterministic for a seed.

use crate::Rng;
use tavana_domain::employment::placement::{Applicant, Post, eligible};
use tavana_domain::employment::{RawAgency, RawPost};
use tavana_domain::registry::{DisabilityType, Education};

const NATIONAL: [(&str, &str); 10] = [
    ("MOE", "وزارت آموزش و پرورش"),
    ("MOH", "وزارت بهداشت، درمان و آموزش پزشکی"),
    ("MCLS", "وزارت تعاون، کار و رفاه اجتماعی"),
    ("MOI", "وزارت کشور"),
    ("MOJ", "قوه قضاییه"),
    ("MOF", "وزارت امور اقتصادی و دارایی"),
    ("MRUD", "وزارت راه و شهرسازی"),
    ("MOA", "وزارت جهاد کشاورزی"),
    ("MCTH", "وزارت میراث فرهنگی، گردشگری و صنایع دستی"),
    ("MOST", "وزارت علوم، تحقیقات و فناوری"),
];

const PROVINCIAL: [(&str, &str); 4] = [
    ("EDU", "اداره کل آموزش و پرورش"),
    ("MED", "دانشگاه علوم پزشکی"),
    ("TAX", "اداره کل امور مالیاتی"),
    ("GOV", "استانداری"),
];

/// Job titles with the least education they ask and the disability types they suit.
const TITLES: [(&str, Education, &[DisabilityType]); 6] = [
    (
        "کارشناس امور اداری",
        Education::Bachelor,
        &[DisabilityType::Motor, DisabilityType::Hearing, DisabilityType::Speech],
    ),
    (
        "متصدی امور دفتری",
        Education::Diploma,
        &[DisabilityType::Motor, DisabilityType::Hearing, DisabilityType::Speech, DisabilityType::Multiple],
    ),
    ("اپراتور تلفن", Education::Diploma, &[DisabilityType::Visual, DisabilityType::Motor]),
    (
        "کارشناس فناوری اطلاعات",
        Education::Bachelor,
        &[DisabilityType::Motor, DisabilityType::Hearing, DisabilityType::Visual],
    ),
    (
        "نیروی خدماتی",
        Education::Primary,
        &[
            DisabilityType::Intellectual,
            DisabilityType::Hearing,
            DisabilityType::Speech,
            DisabilityType::Autism,
            DisabilityType::Psychiatric,
        ],
    ),
    (
        "کارشناس حسابداری",
        Education::Associate,
        &[DisabilityType::Motor, DisabilityType::Visual, DisabilityType::Hearing],
    ),
];

/// Fifty agencies: ten national ones at HQ and forty in ten provinces, each
/// with its staff; `provinces` are the provinces' unit codes (`P08`).
pub fn agencies(seed: u64, provinces: &[String]) -> Vec<RawAgency> {
    let mut rng = Rng::new(seed);
    let mut out: Vec<RawAgency> = NATIONAL
        .iter()
        .map(|(code, name)| RawAgency {
            code: (*code).into(),
            name: (*name).into(),
            unit: "HQ".into(),
            staff: (5_000 + rng.below(95_000)).to_string(),
        })
        .collect();
    for province in provinces.iter().take(10) {
        for (code, name) in PROVINCIAL {
            out.push(RawAgency {
                code: format!("{code}-{}", province.trim_start_matches('P')),
                name: format!("{name} ({province})"),
                unit: province.clone(),
                staff: (300 + rng.below(9_700)).to_string(),
            });
        }
    }
    out
}

/// Each agency's posts: two to four job titles with their seats, about
/// `seats` in all.
pub fn posts(seed: u64, agencies: &[RawAgency], seats: u64) -> Vec<RawPost> {
    let mut rng = Rng::new(seed ^ 0x5EA7);
    let per_post = (seats / (agencies.len() as u64 * 3)).max(1);
    let mut out = Vec::new();
    for agency in agencies {
        let titles = 2 + rng.below(3) as usize;
        let first = rng.below(TITLES.len() as u64) as usize;
        for k in 0..titles {
            let (title, education, kinds) = TITLES[(first + k) % TITLES.len()];
            out.push(RawPost {
                agency: agency.code.clone(),
                job_title: title.into(),
                seats: (1 + rng.below(per_post * 2)).to_string(),
                education: education.code().into(),
                kinds: kinds.iter().map(|k| k.code()).collect::<Vec<_>>().join(","),
            });
        }
    }
    out
}

/// An exam score in hundredths: most between 40 and 90.
pub fn score(rng: &mut Rng) -> i64 {
    let base = 2_000 + (0..3).map(|_| rng.below(2_700) as i64).sum::<i64>();
    base.min(10_000)
}

/// A candidate's choices: up to ten posts they suit, nearer ones (their
/// province's and the national agencies') more often, in a random order.
pub fn choices(rng: &mut Rng, applicant: &Applicant, posts: &[Post], near: &dyn Fn(i64) -> bool) -> Vec<i64> {
    let mut suits: Vec<(u64, i64)> = posts
        .iter()
        .filter(|p| eligible(applicant, p))
        .map(|p| (rng.below(1_000) + if near(p.id) { 0 } else { 600 }, p.id))
        .collect();
    suits.sort_unstable();
    suits.into_iter().take(tavana_domain::employment::MAX_PREFERENCES).map(|(_, id)| id).collect()
}

/// A placement instance of `candidates` with ten choices each over `agencies`
/// agencies of three posts, for benchmarks: every candidate suits every post,
/// so each ranks ten.
pub fn instance(seed: u64, candidates: usize, agencies: usize) -> (Vec<Post>, Vec<Applicant>) {
    let mut rng = Rng::new(seed);
    let posts: Vec<Post> = (0..agencies * 3)
        .map(|i| Post {
            id: i as i64 + 1,
            seats: 10 + rng.below(20) as u32,
            education: Education::Diploma,
            kinds: DisabilityType::ALL.to_vec(),
        })
        .collect();
    let applicants = (0..candidates)
        .map(|i| {
            let mut preferences: Vec<i64> = Vec::with_capacity(10);
            while preferences.len() < 10 {
                let post = 1 + rng.below(posts.len() as u64) as i64;
                if !preferences.contains(&post) {
                    preferences.push(post);
                }
            }
            Applicant {
                id: i as i64 + 1,
                score: score(&mut rng),
                severity: 1 + rng.below(4) as i64,
                education: Some(Education::Bachelor),
                kinds: vec![*rng.pick(DisabilityType::ALL)],
                preferences,
            }
        })
        .collect();
    (posts, applicants)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tavana_domain::employment::{AgencyFields, PostFields};

    #[test]
    fn fifty_agencies_whose_posts_all_parse() {
        let provinces: Vec<String> = (1..=31).map(|p| format!("P{p:02}")).collect();
        let agencies = agencies(1, &provinces);
        assert_eq!(agencies.len(), 50);
        assert!(agencies.iter().all(|a| AgencyFields::parse(a).is_ok()));
        let posts = posts(1, &agencies, 3_000);
        assert!(posts.iter().all(|p| PostFields::parse(p).is_ok()));
        let seats: i64 = posts.iter().map(|p| p.seats.parse::<i64>().unwrap()).sum();
        assert!((2_000..4_500).contains(&seats), "{seats}");
        assert_eq!(posts, super::posts(1, &agencies, 3_000), "the same seed, the same posts");
    }

    #[test]
    fn a_benchmark_instance_gives_everyone_ten_choices() {
        let (posts, applicants) = instance(7, 5_000, 50);
        assert_eq!((posts.len(), applicants.len()), (150, 5_000));
        assert!(applicants.iter().all(|a| a.preferences.len() == 10));
    }
}

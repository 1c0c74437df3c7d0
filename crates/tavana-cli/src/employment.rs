//! The demo's employment: a national quota exam run from HQ by
//! `employment.chief` with fifty agencies (`tavana_synth::employment`) and
//! 4,300 candidates from the demo registry (adults with a current assessment),
//! their choices among the posts they suit, scores imported, placed and
//! published (the objection window open, two objections lodged in Tehran, one
//! decided); national agencies are chosen more often than provincial ones; the CSR fund's firms, declarations, receipts and projects; and
//! employment records. Also `tavana bench placement`.

use crate::actor_named;
use anyhow::{Result, anyhow};
use std::time::Instant;
use tavana_domain::employment::csr::{
    Declaration, FirmFields, Movement, ProjectFields, RawDeclaration, RawFirm, RawMovement, RawProject,
};
use tavana_domain::employment::placement::{self, Applicant, Post};
use tavana_domain::employment::{
    AgencyFields, JobFields, ObjectionDecision, PostFields, RawJob, RawObjectionDecision, score_text,
};
use tavana_store::Store;
use tavana_store::employment::CandidateFilter;
use tavana_synth::Rng;
use tavana_synth::population::{Population, PopulationConfig};

/// How many candidates the demo's exam holds.
pub const CANDIDATES: usize = 4_300;
/// About how many seats its posts offer.
const SEATS: u64 = 3_000;

/// The national codes of adults (by 1387) with education and an assessment in
/// the demo's synthetic population, in its order.
fn likely_candidates(persons: u64) -> Vec<String> {
    let mut out = Vec::new();
    for h in Population::new(PopulationConfig { persons, ..PopulationConfig::default() }) {
        for p in &h.persons {
            let adult = p.birth_date.get(..4).and_then(|y| y.parse::<i32>().ok()).is_some_and(|y| y <= 1386);
            if adult
                && !p.education.is_empty()
                && p.deceased_on.is_empty()
                && h.disabilities.iter().any(|d| d.national_code == p.national_code)
            {
                out.push(p.national_code.clone());
            }
        }
    }
    out
}

pub async fn seed_demo(store: &Store, persons: u64) -> Result<()> {
    let chief = actor_named(store, "employment.chief").await?;
    let tehran = actor_named(store, "employment").await?;
    let maker = actor_named(store, "maker").await?;
    let provinces: Vec<String> = (1..=31).map(|p| format!("P{p:02}")).collect();
    let agencies = tavana_synth::employment::agencies(1405, &provinces);
    let fields: Vec<AgencyFields> = agencies
        .iter()
        .map(|a| AgencyFields::parse(a).map_err(|e| anyhow!("agency {}: {e:?}", a.code)))
        .collect::<Result<_>>()?;
    store.create_agencies(&chief, &fields).await?;
    let round = store.create_round(&chief, "آزمون استخدامی سهمیهٔ ۳ درصد افراد دارای معلولیت ۱۴۰۵").await?;
    let posts: Vec<PostFields> = tavana_synth::employment::posts(1405, &agencies, SEATS)
        .iter()
        .map(|p| PostFields::parse(p).map_err(|e| anyhow!("post {}: {e:?}", p.job_title)))
        .collect::<Result<_>>()?;
    store.add_exam_posts(&chief, round.id, &posts).await?;

    // Candidates: registered a thousand at a time until the exam has its 4,300.
    let mut registered = 0;
    let mut refused = std::collections::BTreeMap::<String, usize>::new();
    let likely = likely_candidates(persons);
    let mut next = 0;
    while registered < CANDIDATES && next < likely.len() {
        let batch = &likely[next..(next + CANDIDATES - registered).min(likely.len())];
        next += batch.len();
        let done = store.register_candidates(&chief, round.id, batch).await?;
        registered += done.registered.len();
        for (_, e) in done.refused {
            *refused.entry(e.reason.english()).or_default() += 1;
        }
    }
    println!("{} likely candidates in the registry; refused: {refused:?}", likely.len());
    // Choices among the posts each suits (their province's agencies and the national ones first), then scores.
    let (applicants, round_posts) = store.exam_instance(&chief, round.id).await?;
    let exam_posts = store.exam_posts(&chief, round.id).await?;
    let candidates = store.exam_candidates(&chief, round.id, &Default::default(), 10_000).await?;
    let mut rng = Rng::new(1405);
    let mut choices = Vec::with_capacity(applicants.len());
    let mut csv = String::from("national_code,score\n");
    for a in &applicants {
        let Some(c) = candidates.iter().find(|c| c.id == a.id) else { continue };
        // The national agencies (codes without a province) are chosen more often.
        let near = |post: i64| exam_posts.iter().find(|p| p.id == post).is_some_and(|p| !p.agency_code.contains('-'));
        let picked = tavana_synth::employment::choices(&mut rng, a, &round_posts, &near);
        if !picked.is_empty() {
            choices.push((a.id, picked));
        }
        // One in a hundred did not sit the exam.
        if rng.below(100) > 0 {
            csv.push_str(&format!("{},{}\n", c.national_code, score_text(tavana_synth::employment::score(&mut rng))));
        }
    }
    store.set_round_preferences(&chief, round.id, &choices).await?;
    let scores = store.import_scores(&chief, round.id, csv.as_bytes()).await?;
    let started = Instant::now();
    let run = store.place_round(&chief, round.id).await?;
    let placing = started.elapsed();
    let round = store.exam_round(&chief, round.id).await?;
    store.publish_round(&chief, round.id, round.version).await?;
    println!(
        "a quota exam: {} agencies, {} posts, {registered} candidates ({} scored), {} placed, {} not placed \
         (placed in {:.0} ms); results published",
        agencies.len(),
        posts.len(),
        scores.applied,
        run.placed,
        run.not_placed,
        placing.as_secs_f64() * 1_000.0
    );

    // Two of Tehran's candidates object; HQ decides one.
    let unplaced_in_tehran = store
        .exam_candidates(
            &tehran,
            round.id,
            &CandidateFilter::outcome(tavana_domain::employment::PlacementOutcome::NotPlaced),
            2,
        )
        .await?;
    for (n, c) in unplaced_in_tehran.iter().enumerate() {
        let objection =
            store.lodge_objection(&tehran, c.id, "داوطلب می‌گوید پاسخ‌برگ بخش تخصصی او کامل خوانده نشده است").await?;
        if n == 0 {
            let raw = RawObjectionDecision {
                outcome: "dismissed".into(),
                reasons: "پاسخ‌برگ دوباره خوانده شد و نمره درست بود".into(),
                legal_basis: "آیین‌نامهٔ اجرایی آزمون سهمیهٔ ۳ درصد، مادهٔ ۹".into(),
                score: String::new(),
            };
            let decision = ObjectionDecision::parse(&raw).map_err(|e| anyhow!("objection decision: {e:?}"))?;
            store.decide_objection(&chief, objection.id, &decision).await?;
        }
    }

    seed_csr(store, &chief, &maker).await?;
    seed_jobs(store, &chief, &candidates).await
}

/// Forty firms with their 1404 profit declared, most paid in full or in part;
/// eight projects financed, spending from what was received.
async fn seed_csr(store: &Store, officer: &tavana_domain::iam::Actor, maker: &tavana_domain::iam::Actor) -> Result<()> {
    let mut rng = Rng::new(1404);
    let today = store.today();
    let names = ["فولاد", "پتروشیمی", "سیمان", "خودروسازی", "بانک", "بیمه", "معدن", "نساجی"];
    let mut received = 0i64;
    for n in 0..40u64 {
        let unit = format!("P{:02}", 1 + n % 31);
        let raw = RawFirm {
            national_id: format!("{}", 10_100_000_000 + n * 7_919),
            name: format!("شرکت {} {}", names[(n % 8) as usize], unit),
            unit,
        };
        let firm = store.create_firm(officer, &FirmFields::parse(&raw).map_err(|e| anyhow!("firm: {e:?}"))?).await?;
        let profit = (5 + rng.below(500)) * 1_000_000_000;
        let declaration = RawDeclaration { year: "1404".into(), profit: profit.to_string() };
        let firm = store
            .declare_profit(
                officer,
                firm.id,
                &Declaration::parse(&declaration).map_err(|e| anyhow!("declaration: {e:?}"))?,
            )
            .await?;
        let paid = match rng.below(4) {
            0 => 0,
            1 => firm.balance / 2,
            _ => firm.balance,
        };
        if paid > 0 {
            let raw = RawMovement {
                amount: paid.to_string(),
                on: "1405/07/15".into(),
                memo: format!("واریز شرکت {}", firm.national_id),
            };
            store
                .receive_csr(maker, firm.id, &Movement::parse(&raw, today).map_err(|e| anyhow!("receipt: {e:?}"))?)
                .await?;
            received += paid;
        }
    }
    let kinds = ["housing", "rehabilitation_centre", "employment_workshop"];
    for n in 0..8i64 {
        let unit = format!("P{:02}", 1 + (n * 4) % 31);
        let budget = received / 10;
        let raw = RawProject {
            kind: kinds[(n % 3) as usize].into(),
            title: format!("طرح {} {unit}", ["مسکن مددجویان", "مرکز توان‌بخشی", "کارگاه اشتغال"][(n % 3) as usize]),
            unit,
            budget: budget.to_string(),
        };
        let project =
            store.create_project(officer, &ProjectFields::parse(&raw).map_err(|e| anyhow!("project: {e:?}"))?).await?;
        let raw = RawMovement {
            amount: (budget * (n + 2) / 10).to_string(),
            on: "1405/08/10".into(),
            memo: "پیشرفت کار".into(),
        };
        store
            .spend_csr(maker, project.id, &Movement::parse(&raw, today).map_err(|e| anyhow!("spending: {e:?}"))?)
            .await?;
    }
    let fund = store.csr_fund(officer).await?;
    println!("the CSR fund: 40 firms, {} rials received, {} spent on 8 projects", fund.received, fund.spent);
    Ok(())
}

/// A hundred employment records of candidates who found work outside the exam.
async fn seed_jobs(
    store: &Store,
    officer: &tavana_domain::iam::Actor,
    candidates: &[tavana_store::employment::Candidate],
) -> Result<()> {
    let today = store.today();
    let routes = ["employment_support", "csr_workshop", "other"];
    let employers = ["کارگاه خیاطی امید", "شرکت نرم‌افزاری روشنا", "تعاونی تولیدی همدلان", "فروشگاه زنجیره‌ای"];
    let mut recorded = 0;
    for (n, c) in candidates.iter().rev().take(100).enumerate() {
        let raw = RawJob {
            national_code: c.national_code.clone(),
            employer: employers[n % employers.len()].into(),
            started_on: format!("1405/0{}/01", 1 + n % 8),
            route: routes[n % routes.len()].into(),
            ..Default::default()
        };
        let fields = JobFields::parse(&raw, today).map_err(|e| anyhow!("job: {e:?}"))?;
        store.record_job(officer, &fields, None).await?;
        recorded += 1;
    }
    println!("{recorded} employment records");
    Ok(())
}

/// `tavana bench placement`: the domain's placement of `candidates` with ten
/// choices each over `agencies` agencies (three posts each), timed `runs` times.
pub fn bench_placement(candidates: usize, agencies: usize, runs: usize) -> Result<()> {
    let (posts, applicants): (Vec<Post>, Vec<Applicant>) =
        tavana_synth::employment::instance(1405, candidates, agencies);
    let mut times = Vec::with_capacity(runs);
    let mut placed = 0;
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        let result = placement::place(&posts, &applicants);
        times.push(started.elapsed());
        placed = result.iter().filter(|p| p.is_some()).count();
    }
    placement::check(&posts, &applicants, &placement::place(&posts, &applicants)).map_err(|e| anyhow!(e))?;
    times.sort();
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1_000.0;
    println!(
        "placement of {candidates} candidates x 10 choices over {agencies} agencies ({} posts, {} seats): {placed} placed; \
         median {:.2} ms, max {:.2} ms over {} runs; checked stable",
        posts.len(),
        posts.iter().map(|p| u64::from(p.seats)).sum::<u64>(),
        ms(times[times.len() / 2]),
        ms(times[times.len() - 1]),
        times.len()
    );
    Ok(())
}

//! The demo's planning centre: the villages' census imported by the planner
//! (every village of the geography; a few nobody of the synthetic population
//! lives in), and pension beneficiaries who left the program for work, by
//! empowerment, by death or otherwise, so that effectiveness has exits to
//! count.

use crate::actor_named;
use anyhow::{Context, Result};
use tavana_domain::programs::{EnrollmentState, ExitReason};
use tavana_store::Store;
use tavana_store::programs::EnrollmentDecision;
use tavana_synth::geo::{GeographyConfig, geography};

/// How many of the pension's beneficiaries the demo has leave it.
const EXITS: usize = 40;

pub async fn seed_demo(store: &Store) -> Result<()> {
    let planner = actor_named(store, "planner").await?;
    let csv = tavana_synth::planning::census_csv(&geography(&GeographyConfig::default()), 1395);
    let census = store.import_villages(&planner, csv.as_bytes()).await?;
    anyhow::ensure!(census.refused.is_empty(), "the demo's census: {:?}", census.refused.first());
    let officer = actor_named(store, "program").await?;
    let pension =
        store.programs(&officer).await?.into_iter().find(|p| p.code == "PENSION").context("the demo's pension")?;
    let left = exits(store, &officer, pension.id, 10, EXITS, "", "آیین‌نامهٔ مستمری، مادهٔ ۱۲").await?;
    println!("imported the census of {} villages; {left} pension beneficiaries left the program", census.recorded);
    Ok(())
}

/// Has `count` of a program's beneficiaries in force (after the first `skip`)
/// leave it, the reasons in turn (work twice, empowerment, death, other), each by
/// a decision of `officer` with its reasons (`why`, or words fitting the reason
/// when empty) and legal basis. Returns how many left.
pub(crate) async fn exits(
    store: &Store,
    officer: &tavana_domain::iam::Actor,
    program: i64,
    skip: usize,
    count: usize,
    why: &str,
    basis: &str,
) -> Result<usize> {
    let enrolled =
        store.program_enrollments(officer, program, &Default::default(), 0, (skip + count) as i64 * 2).await?;
    let reasons = [ExitReason::Work, ExitReason::Work, ExitReason::Empowerment, ExitReason::Death, ExitReason::Other];
    let leaving = enrolled.iter().filter(|e| e.state == EnrollmentState::Enrolled.code()).skip(skip).take(count);
    let mut left = 0;
    for (row, reason) in leaving.zip(reasons.iter().cycle()) {
        let words = match reason {
            ExitReason::Work => "به کار تمام‌وقت در کارگاه مسئولیت اجتماعی مشغول شد",
            ExitReason::Empowerment => "با وام خوداشتغالی کسب‌وکار خود را راه انداخت",
            ExitReason::Death => "گواهی فوت ثبت شد",
            ExitReason::Other => "به خارج از کشور مهاجرت کرد",
        };
        let exit = EnrollmentDecision {
            to: EnrollmentState::Exited,
            reasons: if why.is_empty() { words } else { why },
            legal_basis: basis,
            exit_reason: Some(*reason),
        };
        store.decide_enrollment(officer, program, row.person_id, &exit).await?;
        left += 1;
    }
    Ok(left)
}

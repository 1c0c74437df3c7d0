//! The demo's applications and waiting list: applications to the employment
//! loan taken over the past two months in the four provinces with the most
//! eligible applicants, each province's monthly budget admitting two, so the
//! rest wait (پشت نوبت) in several counties with waits of different lengths;
//! a few applications still under review (one on the Tehran case worker's
//! desk) and one rejected by an appealable decision.

use crate::actor_named;
use anyhow::{Context, Result};
use std::collections::BTreeMap;
use tavana_domain::applications::{ApplicationState, DocumentKind, PriorityWeights};
use tavana_domain::programs::rule::Value;
use tavana_store::applications::Intake;
use tavana_store::{Clock, Store};

/// A scanned document's stand-in: a one-page PDF.
const SCAN: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// How many each province's budget admits.
const ADMITTED: i64 = 2;

pub async fn seed_demo(store: &Store) -> Result<()> {
    let officer = actor_named(store, "program").await?;
    let chief = actor_named(store, "program.chief").await?;
    let caseworker = actor_named(store, "caseworker").await?;
    let program =
        store.programs(&officer).await?.into_iter().find(|p| p.code == "JOBLOAN").context("the demo's loan")?;
    let intake = Intake {
        documents: vec![DocumentKind::IdentityCard, DocumentKind::DisabilityAssessment],
        weights: PriorityWeights { severity: 10, household_size: 2, poverty: 3, female_headed: 5, elderly: 0 },
    };
    store.set_intake(&chief, program.id, &intake).await?;
    let as_of = store.default_as_of()?;
    let mut proposal = store.propose_enrollments(&officer, program.id, as_of).await?;
    // Eligible both now and two months ago, when the first were taken (an
    // applicant may have turned 51 since).
    let now = store.clock().now();
    let earliest = store.with_clock(Clock::Fixed(now - time::Duration::days(60)));
    let then: std::collections::HashSet<i64> = earliest
        .propose_enrollments(&officer, program.id, earliest.default_as_of()?)
        .await?
        .to_enroll
        .into_iter()
        .collect();
    let (persons, amounts): (Vec<i64>, Vec<i64>) = proposal
        .to_enroll
        .iter()
        .zip(&proposal.amounts)
        .filter(|(p, _)| then.contains(p))
        .map(|(p, a)| (*p, *a))
        .unzip();
    (proposal.to_enroll, proposal.amounts) = (persons, amounts);
    // Where each person lives, from the values the rules read.
    let values: BTreeMap<i64, _> = store.rule_values(&officer, None, as_of).await?.into_iter().collect();
    let place = |person: i64, level: &str| match values.get(&person).and_then(|v| v.get(level)) {
        Some(Value::Str(code)) => code.clone(),
        _ => String::new(),
    };
    let mut by_province: BTreeMap<String, Vec<(i64, i64)>> = BTreeMap::new();
    for (person, amount) in proposal.to_enroll.iter().zip(&proposal.amounts) {
        by_province.entry(place(*person, "place.province")).or_default().push((*person, *amount));
    }
    let mut provinces: Vec<(String, Vec<(i64, i64)>)> = by_province.into_iter().collect();
    provinces.sort_by(|(a, x), (b, y)| y.len().cmp(&x.len()).then(a.cmp(b)));
    provinces.truncate(4);
    let (mut taken, mut waiting) = (0, 0);
    for (code, persons) in &provinces {
        let amount = persons.first().map_or(0, |(_, a)| *a);
        store.set_province_budget(&chief, program.id, code, tavana_domain::Rials::new(ADMITTED * amount)).await?;
        // Taken over the past two months, a few days apart, oldest first.
        for (i, (person, _)) in persons.iter().take(8).enumerate() {
            let days_ago = 60 - 7 * i64::try_from(i)?;
            let then = store.with_clock(Clock::Fixed(now - time::Duration::days(days_ago)));
            let id = then.submit_application(&officer, program.id, *person, "مراجعهٔ حضوری با مدارک").await?;
            for kind in &intake.documents {
                then.attach_document(&officer, id, *kind, "scan.pdf", SCAN).await?;
            }
            then.assign_application(&officer, id, officer.user_id, 1).await?;
            let state = then
                .approve_application(&chief, id, 2, "بیکار، دارای معلولیت ارزیابی‌شده", "آیین‌نامهٔ وام اشتغال، مادهٔ ۳")
                .await?;
            taken += 1;
            waiting += i32::from(state == ApplicationState::Waitlisted);
        }
        // Two more, just taken, still to be reviewed.
        for (person, _) in persons.iter().skip(8).take(2) {
            store.submit_application(&officer, program.id, *person, "").await?;
            taken += 1;
        }
    }
    // One on the Tehran case worker's desk, if Tehran has someone eligible not applied yet.
    let applied = store.applications(&officer, &Default::default(), 1_000).await?;
    let fresh = proposal
        .to_enroll
        .iter()
        .copied()
        .find(|p| place(*p, "place.county") == "08-01" && !applied.iter().any(|a| a.person_id == *p));
    if let Some(person) = fresh {
        let id = store.submit_application(&caseworker, program.id, person, "مراجعه به ادارهٔ شهرستان").await?;
        store.assign_application(&caseworker, id, caseworker.user_id, 1).await?;
        taken += 1;
    }
    // One the rule refuses, rejected by a decision the person may appeal.
    let eligible: std::collections::HashSet<i64> = proposal.to_enroll.iter().copied().collect();
    if let Some(person) = values.keys().find(|id| !eligible.contains(id)) {
        let id = store.submit_application(&officer, program.id, *person, "").await?;
        store.assign_application(&officer, id, officer.user_id, 1).await?;
        store.reject_application(&chief, id, 2, "ارزیابی معلولیت ثبت نشده است", "آیین‌نامهٔ وام اشتغال، مادهٔ ۲").await?;
        taken += 1;
    }
    println!("{taken} loan applications, {waiting} waiting for budget in {} provinces", provinces.len());
    Ok(())
}

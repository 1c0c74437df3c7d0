//! The demo's appeals: two of the pension's beneficiaries cut off by the HQ
//! officer after a reassessment, one of whom has appealed (lodged by the HQ
//! registrar), waiting for a board member who did not decide it; and the
//! intercity travel discount cards of everyone with a severe assessment.

use crate::actor_named;
use anyhow::{Context, Result};
use tavana_domain::programs::EnrollmentState;
use tavana_store::Store;
use tavana_store::programs::EnrollmentDecision;

pub async fn seed_demo(store: &Store) -> Result<()> {
    let officer = actor_named(store, "program").await?;
    let registrar = actor_named(store, "registrar").await?;
    let pension =
        store.programs(&officer).await?.into_iter().find(|p| p.code == "PENSION").context("the demo's pension")?;
    let enrolled = store.program_enrollments(&officer, pension.id, &Default::default(), 0, 2).await?;
    let cut = EnrollmentDecision {
        to: EnrollmentState::NotEligible,
        reasons: "ارزیابی دوبارهٔ کمیسیون پزشکی معلولیت را متوسط دانست",
        legal_basis: "قانون جامع حمایت از حقوق معلولان، مادهٔ ۲۷",
        exit_reason: None,
    };
    let mut decisions = Vec::new();
    for row in &enrolled {
        store.decide_enrollment(&officer, pension.id, row.person_id, &cut).await?;
        decisions.push(store.person_decisions(&officer, row.person_id).await?.remove(0).id);
    }
    if let Some(first) = decisions.first() {
        store.lodge_appeal(&registrar, *first, "کمیسیون دوم معلولیت را شدید ارزیابی کرده است؛ گواهی پیوست است").await?;
    }
    println!("{} pension decisions to appeal, 1 appeal waiting for the board", decisions.len());
    let cards = store.issue_travel_cards(&officer).await?;
    println!("{} intercity travel discount cards issued", cards.issued);
    Ok(())
}

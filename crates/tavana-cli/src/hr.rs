//! The demo's staff: about 19,000 people in positions across HQ, the provinces
//! and the county offices (`tavana_synth::staff`), recorded by the HQ HR officer;
//! and successors named for some critical positions (ready now for a third,
//! within two years for another third), so the succession page has both
//! covered posts and posts at risk.

use crate::actor_named;
use anyhow::{Result, anyhow};
use tavana_domain::hr::{PositionFields, Readiness, StaffFields};
use tavana_store::Store;
use tavana_synth::geo::{GeographyConfig, geography};

pub async fn seed_demo(store: &Store) -> Result<()> {
    let hr = actor_named(store, "hr").await?;
    let units = tavana_synth::staff::units_of(&geography(&GeographyConfig::default()));
    let (positions, staff) = tavana_synth::staff::staff(&units, 1404);
    let positions: Vec<PositionFields> = positions
        .iter()
        .map(|p| PositionFields::parse(p).map_err(|e| anyhow!("demo position {}: {e:?}", p.code)))
        .collect::<Result<_>>()?;
    let today = store.today();
    let staff: Vec<StaffFields> = staff
        .iter()
        .map(|s| StaffFields::parse(s, today).map_err(|e| anyhow!("demo staff {}: {e:?}", s.personnel_number)))
        .collect::<Result<_>>()?;
    let ids = store.create_positions(&hr, &positions).await?;
    store.add_staff(&hr, &staff).await?;
    // For each critical position, a successor from the same unit's experts.
    let mut named = 0;
    for (i, (position, id)) in positions.iter().zip(&ids).enumerate().filter(|(_, (p, _))| p.critical) {
        let readiness = match i % 3 {
            0 => Readiness::ReadyNow,
            1 => Readiness::OneToTwoYears,
            _ => continue,
        };
        // The next position in the unit is held by a colleague who is not its holder.
        let Some(candidate) = staff
            .iter()
            .find(|s| s.unit == position.unit && s.position.as_deref() != Some(&position.code) && s.grade >= 8)
        else {
            continue;
        };
        store
            .name_successor(
                &hr,
                *id,
                &candidate.personnel_number,
                readiness,
                "دورهٔ آموزش مدیریت و همراهی با متصدی",
                None,
            )
            .await?;
        named += 1;
    }
    println!("{} staff in {} positions, {named} successors named", staff.len(), positions.len());
    Ok(())
}

/// What an HR file holds.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum HrFile {
    Positions,
    Staff,
}

/// A row the import refused: its line and why.
type Refused = (usize, String);

/// Imports positions or staff from a CSV file (as `tavana synth` writes them)
/// as `actor`: every row is checked; the good ones are recorded in batches, a
/// batch the store refuses (an unknown unit, a personnel number taken…) split
/// until the rows it refuses are found; every refused row is written to the
/// report with its line and reason. Returns (recorded, refused).
pub async fn import(
    store: &Store,
    actor: &tavana_domain::iam::Actor,
    kind: HrFile,
    file: &std::path::Path,
    report: &std::path::Path,
) -> Result<(usize, usize)> {
    let mut reader = csv::Reader::from_path(file).map_err(|e| anyhow!("opening {}: {e}", file.display()))?;
    let today = store.today();
    let mut refused: Vec<Refused> = Vec::new();
    let recorded = match kind {
        HrFile::Positions => {
            let mut rows = Vec::new();
            for (i, raw) in reader.deserialize::<tavana_domain::hr::RawPosition>().enumerate() {
                let line = i + 2;
                match raw.map_err(|e| e.to_string()).and_then(|r| PositionFields::parse(&r).map_err(|e| fields(&e))) {
                    Ok(p) => rows.push((line, p)),
                    Err(why) => refused.push((line, why)),
                }
            }
            record(&rows, &mut refused, &|batch: Vec<PositionFields>| async move {
                store.create_positions(actor, &batch).await.map(|_| ())
            })
            .await?
        }
        HrFile::Staff => {
            let mut rows = Vec::new();
            for (i, raw) in reader.deserialize::<tavana_domain::hr::RawStaff>().enumerate() {
                let line = i + 2;
                match raw.map_err(|e| e.to_string()).and_then(|r| StaffFields::parse(&r, today).map_err(|e| fields(&e)))
                {
                    Ok(s) => rows.push((line, s)),
                    Err(why) => refused.push((line, why)),
                }
            }
            record(&rows, &mut refused, &|batch: Vec<StaffFields>| async move {
                store.add_staff(actor, &batch).await.map(|_| ())
            })
            .await?
        }
    };
    refused.sort();
    let mut out = csv::Writer::from_path(report).map_err(|e| anyhow!("creating {}: {e}", report.display()))?;
    out.write_record(["line", "reason"])?;
    for (line, why) in &refused {
        out.write_record([line.to_string(), why.clone()])?;
    }
    out.flush()?;
    Ok((recorded, refused.len()))
}

/// Every bad field of a row, as one reason.
fn fields(errors: &[tavana_domain::DomainError]) -> String {
    errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; ")
}

/// Records rows in batches of 1,000; a batch refused for its data is split in
/// halves until each refused row stands alone in the report.
async fn record<T: Clone, F, Fut>(rows: &[(usize, T)], refused: &mut Vec<Refused>, insert: &F) -> Result<usize>
where
    F: Fn(Vec<T>) -> Fut,
    Fut: std::future::Future<Output = tavana_store::Result<()>>,
{
    let mut recorded = 0;
    let mut pending: Vec<&[(usize, T)]> = rows.chunks(1_000).rev().collect();
    while let Some(batch) = pending.pop() {
        match insert(batch.iter().map(|(_, t)| t.clone()).collect()).await {
            Ok(()) => recorded += batch.len(),
            Err(tavana_store::StoreError::Invalid(e)) if batch.len() == 1 => {
                refused.push((batch[0].0, e.to_string()));
            }
            Err(tavana_store::StoreError::Invalid(_)) => {
                let (first, second) = batch.split_at(batch.len() / 2);
                pending.push(second);
                pending.push(first);
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(recorded)
}

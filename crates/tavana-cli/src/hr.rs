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
            .name_successor(&hr, *id, &candidate.personnel_number, readiness, "دورهٔ آموزش مدیریت و همراهی با متصدی")
            .await?;
        named += 1;
    }
    println!("{} staff in {} positions, {named} successors named", staff.len(), positions.len());
    Ok(())
}

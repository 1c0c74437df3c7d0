use crate::support::{seeded, user};
use tavana_domain::iam::Role;
use tavana_domain::org::OrgUnitKind;
use tavana_synth::geo::{GeographyConfig, geography};

#[tokio::test]
async fn geography_makes_the_unit_tree_and_loads_once() {
    let db = seeded().await;
    let store = &db.store;
    let admin = user(store, "root", "HQ", Role::Admin).await;
    let units = store.org_units(&admin).await.unwrap();
    let count = |kind| units.iter().filter(|u| u.kind() == Some(kind)).count();
    assert_eq!(count(OrgUnitKind::Hq), 1);
    assert_eq!(count(OrgUnitKind::Province), 31);
    let counties = geography(&GeographyConfig::default()).iter().map(|p| p.children.len()).sum::<usize>();
    assert_eq!(count(OrgUnitKind::County), counties);
    // Every unit's path runs through its parent's.
    for unit in &units {
        if let Some(parent) = unit.parent_id {
            let parent = units.iter().find(|u| u.id == parent).unwrap();
            assert!(unit.path.starts_with(&parent.path) && unit.path != parent.path);
        }
    }
    let again = store.load_geography(&geography(&GeographyConfig::default())).await.unwrap();
    assert_eq!(again.org_units, 0);
    assert_eq!(store.org_units(&admin).await.unwrap().len(), units.len());
}

#[tokio::test]
async fn places_nest_down_to_villages() {
    let db = seeded().await;
    let provinces = db.store.places(None).await.unwrap();
    assert_eq!(provinces.len(), 31);
    let tehran = provinces.iter().find(|p| p.name_fa == "تهران").unwrap();
    let counties = db.store.places(Some(tehran.id)).await.unwrap();
    assert!(counties.iter().any(|c| c.name_fa == "شمیرانات"));
    let county = &counties[0];
    let below = db.store.places(Some(county.id)).await.unwrap();
    let district = below.iter().find(|p| p.kind == "rural_district").unwrap();
    let villages = db.store.places(Some(district.id)).await.unwrap();
    assert_eq!(villages.len(), 2);
    assert!(villages.iter().all(|v| v.kind == "village" && v.province_id == Some(tehran.id)));
}

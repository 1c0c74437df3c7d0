//! Bounded reads: a read stops at the store's time limit with its own error, and a
//! read nobody waits for any more is stopped in the database, not left running
//! (abandoned simulations used to keep both cores busy for minutes). On SQLite and
//! PostgreSQL.

use crate::support::{load_population, seeded, user};
use std::sync::atomic::Ordering;
use std::time::Duration;
use tavana_domain::iam::Role;
use tavana_domain::programs::rule::{Subject, parse_as};
use tavana_domain::programs::{ProgramTarget, Terms};
use tavana_store::StoreError;

#[tokio::test]
async fn a_read_stops_at_the_time_limit() {
    let db = seeded().await;
    let registrar = user(&db.store, "registrar", "HQ", Role::CaseWorker).await;
    let officer = user(&db.store, "officer", "HQ", Role::ProgramOfficer).await;
    load_population(&db.store, &registrar, 1500, 3).await;
    let as_of = db.store.default_as_of().unwrap();
    let terms = Terms::new(
        ProgramTarget::Household,
        parse_as("household.members_with_severe_disability >= 1", Subject::Rule).unwrap(),
        parse_as("1000 * household.size", Subject::Formula).unwrap(),
    );
    let limited = db.store.with_read_limit(Duration::from_millis(1));
    let err = limited.count_to(1_000_000_000).await.unwrap_err();
    assert!(matches!(err, StoreError::TimedOut), "{err:?}");
    assert!(matches!(limited.outcomes(&officer, &terms, as_of).await, Err(StoreError::TimedOut)));
    assert_eq!(limited.read_counters().timed_out.load(Ordering::Relaxed), 2);
    // The connections are not spoilt: without a limit the same reads finish.
    assert_eq!(db.store.count_to(1000).await.unwrap(), 1000);
    assert!(!db.store.outcomes(&officer, &terms, as_of).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_read_nobody_waits_for_is_stopped() {
    let db = seeded().await;
    let store = &db.store;
    let abandoned = tokio::time::timeout(Duration::from_millis(300), store.count_to(i64::MAX / 2)).await;
    assert!(abandoned.is_err(), "the count cannot have finished");
    assert_eq!(store.read_counters().cancelled.load(Ordering::Relaxed), 1);
    let mut waited = Duration::ZERO;
    while store.read_counters().stopped.load(Ordering::Relaxed) == 0 && waited < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(20)).await;
        waited += Duration::from_millis(20);
    }
    assert_eq!(store.read_counters().stopped.load(Ordering::Relaxed), 1, "the statement was stopped");
    assert_eq!(store.count_to(10).await.unwrap(), 10);
}

/// PostgreSQL plans every statement for the values it is given, on the reading
/// and the writing connections: a generic plan chosen while a table was small (a
/// scan) used to stay with a pooled connection's prepared statement as the table
/// grew, and an import's lookups by lists of keys slowed to a crawl.
#[tokio::test]
async fn postgres_plans_each_statement_for_its_values() {
    let db = crate::support::seeded().await;
    if db.backend() != tavana_store::Backend::Postgres {
        return;
    }
    let custom = "(SELECT 1 AS one) x WHERE current_setting('plan_cache_mode') = 'force_custom_plan'";
    assert_eq!(db.store.count_rows_for_tests(custom).await.unwrap(), 1, "reading connections");
    db.store
        .execute_unaudited_for_tests("CREATE TABLE plan_check AS SELECT current_setting('plan_cache_mode') AS mode")
        .await
        .unwrap();
    let custom = "plan_check WHERE mode = 'force_custom_plan'";
    assert_eq!(db.store.count_rows_for_tests(custom).await.unwrap(), 1, "the writing connection");
}

/// A rule over a population on PostgreSQL sorts and hashes in memory sized for it,
/// and is not JIT-compiled: compiling with optimization took 0.5–0.9 s of a 9 s
/// rule over 7.7 M persons and gained less. Random reads are priced as on
/// solid-state storage.
#[tokio::test]
async fn postgres_runs_a_rule_over_a_population_with_memory_and_without_jit() {
    let db = crate::support::seeded().await;
    if db.backend() != tavana_store::Backend::Postgres {
        return;
    }
    let settings = db.store.analytical_settings_for_tests().await.unwrap();
    assert_eq!(settings, ("256MB".to_string(), "off".to_string(), "1.1".to_string()));
}

/// A rule over a population runs on connections of its own: the settings it
/// takes (work memory, no JIT, its time limit) used to stay with a pooled
/// connection that ordinary reads then took, and long reports could take every
/// connection a lookup needs.
#[tokio::test]
async fn rules_over_a_population_leave_ordinary_reads_as_they_were() {
    let db = crate::support::seeded().await;
    if db.backend() != tavana_store::Backend::Postgres {
        return;
    }
    let ordinary = db.store.work_mem_for_tests().await.unwrap();
    for _ in 0..3 {
        db.store.analytical_settings_for_tests().await.unwrap();
    }
    let reads: Vec<_> = (0..8)
        .map(|_| {
            let store = db.store.clone();
            tokio::spawn(async move { store.work_mem_for_tests().await.unwrap() })
        })
        .collect();
    for read in reads {
        assert_eq!(read.await.unwrap(), ordinary);
    }
    for _ in 0..8 {
        assert_eq!(db.store.work_mem_for_tests().await.unwrap(), ordinary);
    }
}

/// After a bulk load PostgreSQL's planner has the statistics of what it wrote: a
/// rule run right after one was planned as over empty tables, and took 208 s over
/// 100,000 persons instead of 0.1 s.
#[tokio::test]
async fn a_bulk_load_leaves_statistics_for_the_planner() {
    let db = seeded().await;
    if db.backend() != tavana_store::Backend::Postgres {
        return;
    }
    let store = &db.store;
    let registrar = user(store, "registrar", "HQ", Role::CaseWorker).await;
    load_population(store, &registrar, 500, 3).await;
    for table in ["households", "persons", "disabilities", "household_facts"] {
        let stats = store.count_rows_for_tests(&format!("pg_stats WHERE tablename = '{table}'")).await.unwrap();
        assert!(stats > 0, "{table} has no statistics");
    }
}

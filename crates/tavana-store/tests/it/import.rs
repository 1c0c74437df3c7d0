use crate::support::{seeded, user};
use tavana_domain::iam::Role;
use tavana_store::Store;
use tavana_store::registry::PersonQuery;
use tavana_store::registry::import::{FileFormat, ImportKind, ImportSummary, RowError, import};

async fn run(
    store: &Store,
    actor: &tavana_domain::iam::Actor,
    kind: ImportKind,
    format: FileFormat,
    text: &str,
) -> (ImportSummary, Vec<RowError>) {
    let mut errors = Vec::new();
    let mut progress = 0;
    let summary = import(
        store,
        actor,
        kind,
        format,
        Box::new(std::io::Cursor::new(text.as_bytes().to_vec())),
        &mut |e: &RowError| errors.push(e.clone()),
        &mut |_: &ImportSummary| progress += 1,
    )
    .await
    .unwrap();
    assert!(progress >= 1);
    (summary, errors)
}

const HOUSEHOLDS: &str = "\u{feff}file_number,place,address,postal_code,phone
T-1,08-01-C,خیابان آزادی پلاک ۱۲,1314567891,02166554433
T-2,08-01-D1-V1,,,
T-3,99-99-X,,,
T-4,17-01-C,,,
T-1,08-01-C,,,
T-5,08-01-C,,123,
";

const PERSONS: &str =
    "national_code,household,relationship,first_name,last_name,father_name,birth_date,sex,income,sheba
0012345679,T-1,head,علی,کاظمی,حسن,1360/05/12,male,12000000,IR110170000000123456789001
1234567891,T-1,spouse,مریم,احمدی,رضا,1985-02-03,female,,
0012345678,T-1,child,سارا,کاظمی,علی,1390/01/01,female,,
0000000000,T-1,child,رضا,کاظمی,علی,1404/12/30,male,,
0012345679,T-2,head,علی,کاظمی,حسن,1360/05/12,male,,
0067749828,T-9,head,نرگس,نوری,مهدی,1370/01/01,female,,
";

#[tokio::test]
async fn bad_rows_are_reported_good_rows_kept_and_reimport_is_a_no_op() {
    let db = seeded().await;
    let store = &db.store;
    let worker = user(store, "worker", "C08-01", Role::CaseWorker).await;

    let (summary, errors) = run(store, &worker, ImportKind::Households, FileFormat::Csv, HOUSEHOLDS).await;
    assert_eq!(summary, ImportSummary { read: 6, inserted: 2, updated: 0, unchanged: 0, rejected: 4 });
    let lines: Vec<(u64, &str)> = errors.iter().map(|e| (e.line, e.field.as_str())).collect();
    assert_eq!(lines, [(4, "place"), (5, "place"), (6, "file_number"), (7, "postal_code")]);
    assert_eq!(errors[0].value, "99-99-X");
    assert_eq!(errors[1].reason_en, "is outside your org unit");
    assert!(!errors[3].reason_fa.is_empty());

    let (summary, errors) = run(store, &worker, ImportKind::Persons, FileFormat::Csv, PERSONS).await;
    assert_eq!(summary, ImportSummary { read: 6, inserted: 2, updated: 0, unchanged: 0, rejected: 4 });
    let lines: Vec<(u64, &str)> = errors.iter().map(|e| (e.line, e.field.as_str())).collect();
    assert_eq!(
        lines,
        [(4, "national_code"), (5, "national_code"), (5, "birth_date"), (6, "national_code"), (7, "household")]
    );
    let found = store
        .search_persons(&worker, &PersonQuery { last_name: Some("كاظمي".into()), ..Default::default() }, None, 10)
        .await
        .unwrap();
    assert_eq!(found.items.len(), 1);

    // The same files again change nothing.
    let (again, _) = run(store, &worker, ImportKind::Households, FileFormat::Csv, HOUSEHOLDS).await;
    assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, 2));
    let (again, _) = run(store, &worker, ImportKind::Persons, FileFormat::Csv, PERSONS).await;
    assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, 2));

    // A changed row is an update that keeps the previous version.
    let mellat = tavana_domain::Sheba::from_bban([0, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    let changed = PERSONS.replace("IR110170000000123456789001", &mellat.as_string());
    let (third, _) = run(store, &worker, ImportKind::Persons, FileFormat::Csv, &changed).await;
    assert_eq!((third.inserted, third.updated, third.unchanged), (0, 1, 1));
    let ali = store.person_by_national_code(&worker, "0012345679").await.unwrap();
    assert_eq!(ali.version, 2);
    assert_eq!(store.person_history(&worker, ali.id).await.unwrap().len(), 2);
}

#[tokio::test]
async fn json_lines_with_numbers_and_disabilities() {
    let db = seeded().await;
    let store = &db.store;
    let worker = user(store, "worker", "C17-01", Role::CaseWorker).await;
    let households = "{\"file_number\":\"S-1\",\"place\":\"17-01-C\",\"postal_code\":7134567891}\n\n{not json}\n";
    let (summary, errors) = run(store, &worker, ImportKind::Households, FileFormat::JsonLines, households).await;
    assert_eq!((summary.inserted, summary.rejected), (1, 1));
    assert_eq!((errors[0].line, errors[0].field.as_str()), (3, "row"));
    let persons = "{\"national_code\":\"۰۰۱۲۳۴۵۶۷۹\",\"household\":\"S-1\",\"relationship\":\"سرپرست\",\"first_name\":\"زهرا\",\"last_name\":\"نوری\",\"father_name\":\"مهدی\",\"birth_date\":\"۱۳۶۵/۰۲/۳۰\",\"sex\":\"زن\",\"income_decile\":2}\n";
    let (summary, errors) = run(store, &worker, ImportKind::Persons, FileFormat::JsonLines, persons).await;
    assert_eq!(summary.inserted, 1, "{errors:?}");
    let disabilities = "national_code,kind,severity,commission,assessed_on,valid_until
0012345679,بینایی,شدید,کمیسیون شیراز,1402/03/01,1405/03/01
0012345679,motor,extreme,,1402/03/01,
1234567891,motor,mild,,1402/03/01,
";
    let (summary, errors) = run(store, &worker, ImportKind::Disabilities, FileFormat::Csv, disabilities).await;
    assert_eq!((summary.inserted, summary.rejected), (1, 2));
    assert_eq!(errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["severity", "national_code"]);
    let person = store.person_by_national_code(&worker, "0012345679").await.unwrap();
    let list = store.disabilities(&worker, person.id).await.unwrap();
    assert_eq!((list[0].values.kind.as_str(), list[0].values.severity.as_str()), ("visual", "severe"));
    let (again, _) = run(store, &worker, ImportKind::Disabilities, FileFormat::Csv, disabilities).await;
    assert_eq!((again.inserted, again.unchanged), (0, 1));
}

#[tokio::test]
async fn importing_needs_the_case_worker_role() {
    let db = seeded().await;
    let planner = user(&db.store, "planner", "HQ", Role::Planner).await;
    let result = import(
        &db.store,
        &planner,
        ImportKind::Households,
        FileFormat::Csv,
        Box::new(std::io::Cursor::new(HOUSEHOLDS.as_bytes().to_vec())),
        &mut |_: &RowError| {},
        &mut |_: &ImportSummary| {},
    )
    .await;
    assert!(matches!(result, Err(tavana_store::StoreError::Forbidden(_))));
}

#[tokio::test]
async fn an_export_imports_back_unchanged() {
    let db = seeded().await;
    let store = &db.store;
    let worker = user(store, "worker", "C08-01", Role::CaseWorker).await;
    run(store, &worker, ImportKind::Households, FileFormat::Csv, HOUSEHOLDS).await;
    run(store, &worker, ImportKind::Persons, FileFormat::Csv, PERSONS).await;
    let mut households = Vec::new();
    let mut persons = Vec::new();
    assert_eq!(store.export(&worker, ImportKind::Households, FileFormat::Csv, None, &mut households).await.unwrap(), 2);
    assert_eq!(store.export(&worker, ImportKind::Persons, FileFormat::JsonLines, None, &mut persons).await.unwrap(), 2);
    let persons = String::from_utf8(persons).unwrap();
    assert!(persons.contains("\"birth_date\":\"1360/05/12\""), "{persons}");
    // The bank of each SHEBA is written out (and not read back in).
    assert!(persons.contains("\"bank\":\"بانک ملی ایران\""), "{persons}");
    let mut csv = Vec::new();
    store.export(&worker, ImportKind::Persons, FileFormat::Csv, None, &mut csv).await.unwrap();
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.lines().next().unwrap().ends_with(",bank,record_version") && csv.contains("بانک ملی ایران"), "{csv}");

    // Into a fresh database: everything is new; and the same export back into the
    // first one changes nothing.
    let other = seeded().await;
    let worker2 = user(&other.store, "worker", "C08-01", Role::CaseWorker).await;
    let households = String::from_utf8(households).unwrap();
    let (h, _) = run(&other.store, &worker2, ImportKind::Households, FileFormat::Csv, &households).await;
    let (p, errors) = run(&other.store, &worker2, ImportKind::Persons, FileFormat::JsonLines, &persons).await;
    assert_eq!((h.inserted, p.inserted, p.rejected), (2, 2, 0), "{errors:?}");
    let (same, _) = run(store, &worker, ImportKind::Persons, FileFormat::JsonLines, &persons).await;
    assert_eq!((same.inserted, same.updated, same.unchanged), (0, 0, 2));

    // Exports are scoped: Fars's worker gets nothing of Tehran's.
    let fars = user(store, "fars", "C17-01", Role::CaseWorker).await;
    let mut none = Vec::new();
    assert_eq!(store.export(&fars, ImportKind::Persons, FileFormat::Csv, None, &mut none).await.unwrap(), 0);
}

/// Re-importing an older export silently overwrote a bank account and a phone a
/// case worker had corrected minutes before. An exported row carries the version
/// of its record; a row whose record changed since is a conflict, reported and not
/// applied, while the file's other rows are.
#[tokio::test]
async fn a_row_whose_record_changed_since_the_export_is_a_conflict() {
    use tavana_domain::registry::PersonFields;
    let db = seeded().await;
    let store = &db.store;
    let worker = user(store, "worker", "C08-01", Role::CaseWorker).await;
    run(store, &worker, ImportKind::Households, FileFormat::Csv, HOUSEHOLDS).await;
    run(store, &worker, ImportKind::Persons, FileFormat::Csv, PERSONS).await;
    let mut csv = Vec::new();
    store.export(&worker, ImportKind::Persons, FileFormat::Csv, None, &mut csv).await.unwrap();
    let old_file = String::from_utf8(csv).unwrap();
    assert!(old_file.lines().nth(1).unwrap().ends_with(",1"), "{old_file}");

    // Ali's bank account is corrected on his page after the export.
    let ali = store.person_by_national_code(&worker, "0012345679").await.unwrap();
    let corrected = tavana_domain::registry::RawPerson { sheba: "IR820540102680020817909002".into(), ..ali.raw() };
    let fields = PersonFields::parse(&corrected, store.today()).unwrap();
    store.update_person(&worker, ali.id, &fields, ali.version, "bank account corrected").await.unwrap();

    // The old file comes back with a new phone for both persons.
    let mut file = String::new();
    for (i, line) in old_file.lines().enumerate() {
        if i == 0 {
            file.push_str(line);
        } else {
            // The last columns are phone, deceased_on, bank and record_version.
            let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
            let n = cells.len();
            cells[n - 4] = "09351112233".into();
            file.push_str(&cells.join(","));
        }
        file.push('\n');
    }
    let (summary, errors) = run(store, &worker, ImportKind::Persons, FileFormat::Csv, &file).await;
    assert_eq!((summary.updated, summary.rejected), (1, 1), "{errors:?}");
    assert_eq!(errors[0].field, "record_version");
    assert!(errors[0].reason_en.contains("changed since"), "{}", errors[0].reason_en);
    let ali = store.person_by_national_code(&worker, "0012345679").await.unwrap();
    assert_eq!(ali.values.sheba.as_deref(), Some("IR820540102680020817909002"), "the correction stands");
    assert_ne!(ali.values.phone.as_deref(), Some("09351112233"));
    let maryam = store.person_by_national_code(&worker, "1234567891").await.unwrap();
    assert_eq!(maryam.values.phone.as_deref(), Some("09351112233"), "the unchanged record takes the file's row");
    // A file without the column is applied as before.
    let (plain, _) = run(store, &worker, ImportKind::Persons, FileFormat::Csv, PERSONS).await;
    assert_eq!(plain.rejected, 4);
}

/// The indexes a bulk load drops and rebuilds are exactly the migrations' secondary
/// indexes, the foreign keys it checks at its end (PostgreSQL) are the migrations'
/// own, and a bulk load leaves them all in place, every foreign key validated.
#[tokio::test]
async fn bulk_loads_rebuild_exactly_the_migrated_indexes() {
    use tavana_store::registry::import::{DEFERRED_FOREIGN_KEYS, SECONDARY_INDEXES};
    let db = seeded().await;
    let store = &db.store;
    let expected = |list: &[(&str, &str, &str)], table: &str| {
        let mut names: Vec<String> =
            list.iter().filter(|(t, _, _)| *t == table).map(|(_, n, _)| n.to_string()).collect();
        names.sort();
        names
    };
    let postgres = store.backend() == tavana_store::Backend::Postgres;
    let check = async |when: &str| {
        for table in ["households", "persons"] {
            let indexes = store.secondary_index_names(table).await.unwrap();
            assert_eq!(indexes, expected(SECONDARY_INDEXES, table), "{table} {when}");
        }
        for table in ["households", "persons", "disabilities"] {
            let keys = store.foreign_key_names(table).await.unwrap();
            let deferred = expected(DEFERRED_FOREIGN_KEYS, table);
            if postgres {
                assert!(
                    deferred.iter().all(|k| keys.contains(k)),
                    "{table} {when}: {keys:?} lacks one of {deferred:?}"
                );
            } else {
                assert!(keys.is_empty());
            }
        }
    };
    check("as migrated").await;
    let worker = user(store, "worker", "C08-01", Role::CaseWorker).await;
    run(store, &worker, ImportKind::Households, FileFormat::Csv, HOUSEHOLDS).await;
    run(store, &worker, ImportKind::Persons, FileFormat::Csv, PERSONS).await;
    let person = store.person_by_national_code(&worker, "0012345679").await.unwrap();
    let assessment =
        format!("national_code,kind,severity,assessed_on\n{},motor,severe,1402/01/01\n", person.values.national_code);
    let (summary, errors) = run(store, &worker, ImportKind::Disabilities, FileFormat::Csv, &assessment).await;
    assert_eq!(summary.inserted, 1, "{errors:?}");
    check("after a bulk load").await;
}

/// Hundreds of rows at once take the bulk path (COPY on PostgreSQL); what is stored
/// reads back the same as what a row-at-a-time registration stores.
#[tokio::test]
async fn many_rows_at_once_store_what_one_row_stores() {
    use tavana_synth::population::{Population, PopulationConfig};
    let db = seeded().await;
    let store = &db.store;
    let registrar = user(store, "registrar", "HQ", Role::CaseWorker).await;
    let config = PopulationConfig {
        persons: 600,
        geography: tavana_synth::geo::GeographyConfig {
            seed: 1,
            rural_districts_per_county: 1,
            villages_per_rural_district: 2,
        },
        ..Default::default()
    };
    let mut households = csv::Writer::from_writer(Vec::new());
    let mut persons = csv::Writer::from_writer(Vec::new());
    let mut first = None;
    for h in Population::new(config) {
        households.serialize(&h.household).unwrap();
        for p in &h.persons {
            persons.serialize(p).unwrap();
            if p.relationship != "head" {
                first.get_or_insert_with(|| p.clone());
            }
        }
    }
    let text = |w: csv::Writer<Vec<u8>>| String::from_utf8(w.into_inner().unwrap()).unwrap();
    let (h, errors) = run(store, &registrar, ImportKind::Households, FileFormat::Csv, &text(households)).await;
    assert_eq!(h.rejected, 0, "{errors:?}");
    let (p, errors) = run(store, &registrar, ImportKind::Persons, FileFormat::Csv, &text(persons)).await;
    assert_eq!((p.inserted, p.rejected), (600, 0), "{errors:?}");

    // The first member who is not a head, registered again by hand under a new
    // code in the same household, is stored with the same values.
    let first = first.unwrap();
    let bulk = store.person_by_national_code(&registrar, &first.national_code).await.unwrap();
    let by_hand = tavana_domain::registry::PersonFields::parse(
        &tavana_domain::registry::RawPerson { national_code: "0067749828".into(), ..first.clone() },
        time::macros::date!(2026 - 11 - 26),
    )
    .unwrap();
    let single = store.register_person(&registrar, &by_hand, "import").await.unwrap();
    let strip = |p: tavana_store::registry::Person| tavana_store::registry::Person {
        id: 0,
        values: tavana_store::registry::PersonValues { national_code: String::new(), ..p.values },
        updated_at: 0,
        ..p
    };
    assert_eq!(strip(bulk), strip(single));
}

/// A file cannot give a household a second living head, nor date an assessment
/// before the person's birth; the good rows are kept and each bad one is reported.
#[tokio::test]
async fn a_second_head_and_an_assessment_before_birth_are_refused_rows() {
    let db = seeded().await;
    let store = &db.store;
    let worker = user(store, "worker", "C08-01", Role::CaseWorker).await;
    run(store, &worker, ImportKind::Households, FileFormat::Csv, "file_number,place\nT-1,08-01-C\nT-2,08-01-C\n").await;
    let persons = "national_code,household,relationship,first_name,last_name,father_name,birth_date,sex
0012345679,T-1,head,علی,کاظمی,حسن,1360/05/12,male
1234567891,T-1,head,مریم,احمدی,رضا,1364/02/03,female
0067749828,T-2,head,نرگس,نوری,مهدی,1370/01/01,female
0013542419,T-1,child,سارا,کاظمی,علی,1395/01/01,female
";
    let (summary, errors) = run(store, &worker, ImportKind::Persons, FileFormat::Csv, persons).await;
    assert_eq!((summary.inserted, summary.rejected), (3, 1), "{errors:?}");
    assert_eq!((errors[0].line, errors[0].field.as_str()), (3, "relationship"));
    assert!(errors[0].reason_en.contains("already has a living head"), "{errors:?}");
    // Moving the head of T-2 into T-1 in the same file is refused too.
    let moved = "national_code,household,relationship,first_name,last_name,father_name,birth_date,sex
0067749828,T-1,head,نرگس,نوری,مهدی,1370/01/01,female
";
    let (summary, errors) = run(store, &worker, ImportKind::Persons, FileFormat::Csv, moved).await;
    assert_eq!((summary.updated, summary.rejected), (0, 1), "{errors:?}");
    let disabilities = "national_code,kind,severity,assessed_on
0013542419,motor,severe,1394/06/01
0013542419,motor,severe,1404/06/01
";
    let (summary, errors) = run(store, &worker, ImportKind::Disabilities, FileFormat::Csv, disabilities).await;
    assert_eq!((summary.inserted, summary.rejected), (1, 1), "{errors:?}");
    assert_eq!((errors[0].line, errors[0].field.as_str()), (2, "assessed_on"));
    assert_eq!(errors[0].reason_en, "is before the person's birth");
}

/// Cells a spreadsheet would run as formulas are written with an apostrophe in
/// exports and import reports, and read back as they were (they were written as
/// they are before).
#[tokio::test]
async fn formula_cells_are_neutralized_in_exports_and_reports() {
    let db = seeded().await;
    let store = &db.store;
    let worker = user(store, "worker", "C08-01", Role::CaseWorker).await;
    let households =
        "file_number,place,address\nT-1,08-01-C,\"=HYPERLINK(\"\"http://evil.example\"\")\"\nT-2,@SUM(A1),\n";
    let (summary, errors) = run(store, &worker, ImportKind::Households, FileFormat::Csv, households).await;
    assert_eq!((summary.inserted, summary.rejected), (1, 1));
    assert!(errors[0].to_csv_line().contains("\"'@SUM(A1)\""), "{}", errors[0].to_csv_line());
    let mut out = Vec::new();
    store.export(&worker, ImportKind::Households, FileFormat::Csv, None, &mut out).await.unwrap();
    let csv = String::from_utf8(out).unwrap();
    assert!(csv.contains("'=HYPERLINK"), "{csv}");
    assert!(!csv.contains(",=HYPERLINK") && !csv.contains("\"=HYPERLINK"), "{csv}");
    // Imported back, the address is what it was: nothing changes.
    let (again, _) = run(store, &worker, ImportKind::Households, FileFormat::Csv, &csv).await;
    assert_eq!((again.unchanged, again.updated), (1, 0));
}

/// A NUL byte in free text is refused in its row with a reason, and the batch's
/// good rows are kept (on PostgreSQL it used to fail the whole import with 500).
#[tokio::test]
async fn control_characters_are_refused_per_row() {
    let db = seeded().await;
    let store = &db.store;
    let worker = user(store, "worker", "C08-01", Role::CaseWorker).await;
    let households = "file_number,place,address\nT-1,08-01-C,خیابان آزادی\nT-2,08-01-C,bad\u{0}address\nT-3,08-01-C,\n";
    let (summary, errors) = run(store, &worker, ImportKind::Households, FileFormat::Csv, households).await;
    assert_eq!((summary.inserted, summary.rejected), (2, 1), "{errors:?}");
    assert_eq!((errors[0].line, errors[0].field.as_str()), (3, "address"));
    assert!(errors[0].reason_en.contains("control character"), "{errors:?}");
}

/// A header that cannot be right refuses the file before any row, saying why (a
/// wrong delimiter used to read as empty fields, extra columns were ignored).
#[tokio::test]
async fn headers_are_checked_before_any_row() {
    let db = seeded().await;
    let store = &db.store;
    let worker = user(store, "worker", "C08-01", Role::CaseWorker).await;
    for (file, value, says) in [
        ("file_number;place\nT-1;08-01-C\n", "file_number;place", "separated by ';'"),
        ("file_number,place,place\nT-1,08-01-C,08-01-C\n", "place", "appears twice"),
        ("file_number,place,adress\nT-1,08-01-C,x\n", "adress", "is not a column of this file"),
        ("file_number,address\nT-1,x\n", "place", "is missing"),
    ] {
        let (summary, errors) = run(store, &worker, ImportKind::Households, FileFormat::Csv, file).await;
        assert_eq!((summary.inserted, summary.rejected), (0, 1), "{file}: {errors:?}");
        assert_eq!(
            (errors[0].line, errors[0].field.as_str(), errors[0].value.as_str()),
            (1, "header", value),
            "{file}"
        );
        assert!(errors[0].reason_en.contains(says), "{file}: {}", errors[0].reason_en);
    }
    // An export's own columns (persons carry the bank) read back.
    let (summary, errors) =
        run(store, &worker, ImportKind::Households, FileFormat::Csv, "file_number,place\nT-1,08-01-C\n").await;
    assert_eq!(summary.inserted, 1, "{errors:?}");
}

/// A place's name worked in the form and the API but not in an import: every path
/// now decides a typed place the same way (a code, else one village or city of that
/// name), with the same words when it cannot.
#[tokio::test]
async fn an_import_takes_a_place_by_name_as_the_form_does() {
    let db = seeded().await;
    let store = &db.store;
    let worker = user(store, "worker", "C08-01", Role::CaseWorker).await;
    let file = "file_number,place\nN-1,تهران\nN-2,۰۸-۰۱-c\nN-3,ناکجاآباد\n";
    let (summary, errors) = run(store, &worker, ImportKind::Households, FileFormat::Csv, file).await;
    assert_eq!((summary.inserted, summary.rejected), (2, 1), "{errors:?}");
    assert!(errors[0].reason_en.contains("pick it from the list"), "{}", errors[0].reason_en);
}

/// A village's name two counties share was refused as "names several places"
/// even to a case worker whose office registers in one of them only. The name
/// now names the worker's own, on the form's path and an import's alike; for
/// someone whose scope holds both it is still ambiguous.
#[tokio::test]
async fn a_shared_place_name_names_the_one_in_the_workers_scope() {
    let db = seeded().await;
    let store = &db.store;
    let worker = user(store, "worker", "C08-01", Role::CaseWorker).await;
    let national = user(store, "registrar", "HQ", Role::CaseWorker).await;
    let everywhere = store.home_places(&national, None).await.unwrap();
    let (code, name) = store
        .home_places(&worker, None)
        .await
        .unwrap()
        .into_iter()
        .find(|(code, name, _, _)| everywhere.iter().any(|(c, n, _, _)| n == name && c != code))
        .map(|(code, name, _, _)| (code, name))
        .expect("a village name another county shares");
    let fields = |file: &str| {
        tavana_domain::registry::HouseholdFields::parse(&tavana_domain::registry::RawHousehold {
            file_number: file.into(),
            place: name.clone(),
            ..Default::default()
        })
        .unwrap()
    };
    let household = store.create_household(&worker, &fields("S-1"), "registration").await.unwrap();
    assert_eq!(household.values.place_id, store.place_by_code(&code).await.unwrap().id);
    let file = format!("file_number,place\nS-2,{name}\n");
    let (summary, errors) = run(store, &worker, ImportKind::Households, FileFormat::Csv, &file).await;
    assert_eq!(summary.inserted, 1, "{errors:?}");
    let refused = store.create_household(&national, &fields("S-3"), "registration").await.unwrap_err();
    assert!(format!("{refused:?}").contains("several places"), "{refused:?}");
}

//! The knowledge library: items recorded by HR officers for units in their
//! tree, every bad one refused naming its field; found in Persian whatever the
//! spelling (Arabic ي/ك, the zero-width non-joiner written, omitted or typed
//! as a space, diacritics, Persian digits), the words highlighted in the
//! original spelling; filtered by unit, topic, position and year; items
//! recorded after the index was built found too; media known by content. On
//! SQLite and PostgreSQL.

use crate::support::{seeded, user};
use tavana_domain::hr::{PositionFields, RawPosition};
use tavana_domain::iam::Role;
use tavana_domain::library::{ItemFields, RawItem};
use tavana_store::library::LibraryQuery;
use tavana_store::{Clock, StoreError};

const DAY_ONE: time::OffsetDateTime = time::macros::datetime!(2026-11-27 12:00 UTC);

fn item(title: &str, unit: &str, topics: &str, recorded_on: &str, transcript: &str, positions: &str) -> ItemFields {
    let raw = RawItem {
        title: title.into(),
        narrator: "حسن پیشکسوت".into(),
        unit: unit.into(),
        topics: topics.into(),
        recorded_on: recorded_on.into(),
        transcript: transcript.into(),
        positions: positions.into(),
    };
    ItemFields::parse(&raw, DAY_ONE.date()).unwrap()
}

fn ask(q: &str) -> LibraryQuery {
    LibraryQuery { q: q.into(), ..LibraryQuery::default() }
}

#[tokio::test]
async fn the_library_finds_persian_whatever_the_spelling() {
    let db = seeded().await;
    let store = db.store.with_clock(Clock::Fixed(DAY_ONE));
    let hr = user(&store, "hr", "HQ", Role::HrOfficer).await;
    let fars_hr = user(&store, "fars.hr", "P17", Role::HrOfficer).await;
    let worker = user(&store, "worker", "C08-01", Role::CaseWorker).await;
    let raw =
        RawPosition {
            code: "P08-DG".into(), title: "مدیرکل".into(), unit: "P08".into(), critical: "true".into()
        };
    let position = store.create_position(&hr, &PositionFields::parse(&raw).unwrap()).await.unwrap();

    let items = [
        item(
            "راه‌اندازی مرکز روزانهٔ توانبخشی",
            "P08",
            "توانبخشی، مراکز روزانه",
            "1385/03/01",
            "در سال ۱۳۸۵ مرکز را با همکاری خیّرین راه انداختیم و کودکان هر روز به مرکز می‌رفتند.",
            "P08-DG",
        ),
        item(
            "پرداخت مستمری در روستاها",
            "P17",
            "مستمری",
            "1398/07/10",
            "مددکاران برای پرداخت مستمري به روستاهای دور ميرفتند و كارت‌ها را دست به دست می‌دادند.",
            "",
        ),
        item("آموزش کارکنان تازه", "HQ", "آموزش", "1402/01/20", "کتاب‌ها و جزوه‌های آموزشی را خودمان نوشتیم.", ""),
    ];
    let ids = store.record_library_items(&hr, &items).await.unwrap();
    assert_eq!(ids.len(), 3);

    // Only HR officers record, and only for their tree; unknown positions are named.
    assert!(matches!(store.record_library_items(&worker, &items[..1]).await, Err(StoreError::Forbidden(_))));
    let outside = store.record_library_items(&fars_hr, &items[..1]).await.unwrap_err();
    assert!(matches!(outside, StoreError::Invalid(ref e) if e.field == "unit"), "{outside:?}");
    let unknown = item("x", "P08", "", "1400/01/01", "متن", "NO-SUCH");
    let unknown = store.record_library_items(&hr, &[unknown]).await.unwrap_err();
    assert!(matches!(unknown, StoreError::Invalid(ref e) if e.field == "positions"), "{unknown:?}");

    // Every spelling finds the same item.
    let found = |q: &'static str| {
        let store = store.clone();
        let worker = worker.clone();
        async move { store.search_library(&worker, &ask(q), 0, 10).await.unwrap() }
    };
    for (query, expected) in [
        ("می‌رفتند", vec![ids[1], ids[0]]),
        ("میرفتند روستا", vec![ids[1]]),
        ("مي رفتند مستمری", vec![ids[1]]),
        ("کارتها", vec![ids[1]]),
        ("کارت", vec![ids[1]]),
        ("كتابها", vec![ids[2]]),
        ("کتاب ها", vec![ids[2]]),
        ("1385", vec![ids[0]]),
        ("۱۳۸۵ خیرین", vec![ids[0]]),
        ("اموزش", vec![ids[2]]),
        ("حسن", vec![ids[2], ids[1], ids[0]]),
    ] {
        let mut hits: Vec<i64> = found(query).await.hits.iter().map(|h| h.id).collect();
        let mut expected = expected.clone();
        hits.sort();
        expected.sort();
        assert_eq!(hits, expected, "{query}");
    }
    assert!(found("هواپیما").await.hits.is_empty());

    // The words are highlighted as the item spells them.
    let hit = &found("مستمری").await.hits[0];
    let marked: Vec<&str> = hit.snippet.iter().filter(|p| p.hit).map(|p| p.text.as_str()).collect();
    assert_eq!(marked, ["مستمري"], "{:?}", hit.snippet);
    assert!(hit.title.iter().any(|p| p.hit && p.text == "مستمری"), "{:?}", hit.title);

    // Filters: a unit's tree, a topic, a position, years.
    let p08 = store.org_unit_by_code("P08").await.unwrap().id;
    let filtered = |q: LibraryQuery| {
        let store = store.clone();
        let worker = worker.clone();
        async move { store.search_library(&worker, &q, 0, 10).await.unwrap().hits.iter().map(|h| h.id).collect::<Vec<_>>() }
    };
    assert_eq!(filtered(LibraryQuery { unit: Some(p08), ..ask("") }).await, [ids[0]]);
    assert_eq!(filtered(LibraryQuery { topic: Some("مراكز روزانه".into()), ..ask("") }).await, [ids[0]]);
    assert_eq!(filtered(LibraryQuery { position: Some(position.id), ..ask("") }).await, [ids[0]]);
    assert_eq!(filtered(LibraryQuery { year_from: Some(1390), year_to: Some(1399), ..ask("") }).await, [ids[1]]);
    let backwards = LibraryQuery { year_from: Some(1400), year_to: Some(1390), ..ask("") };
    let refused = store.search_library(&worker, &backwards, 0, 10).await.unwrap_err();
    assert!(matches!(refused, StoreError::Invalid(ref e) if e.field == "year_to"), "{refused:?}");
    assert_eq!(store.library_for_position(&worker, position.id).await.unwrap(), [(ids[0], items[0].title.clone())]);

    // Recorded after the index was built: found by the next search.
    let later = item("تجربهٔ سیل خوزستان", "HQ", "بحران", "1398/01/15", "در سیل فروردین اسکان موقت دادیم.", "");
    let later = store.record_library_items(&hr, &[later]).await.unwrap()[0];
    assert_eq!(found("سیل").await.hits.iter().map(|h| h.id).collect::<Vec<_>>(), [later]);
    assert_eq!(found("").await.total, 4);

    // Media known by content, kept with its digest.
    let mp3 = b"ID3\x04\x00\x00\x00\x00\x00\x00recorded voice".to_vec();
    let audio = store.add_library_attachment(&hr, ids[0], "گفتگو.mp3", &mp3).await.unwrap();
    let refused = store.add_library_attachment(&hr, ids[0], "voice.mp3", b"MZ\x90\x00program").await.unwrap_err();
    assert!(matches!(refused, StoreError::Invalid(ref e) if e.field == "file"), "{refused:?}");
    assert!(matches!(
        store.add_library_attachment(&worker, ids[0], "a.mp3", &mp3).await,
        Err(StoreError::Forbidden(_))
    ));
    let whole = store.library_item(&worker, ids[0]).await.unwrap();
    assert_eq!(
        whole.attachments.iter().map(|a| (a.id, a.kind)).collect::<Vec<_>>(),
        [(audio, tavana_domain::library::MediaKind::Audio)]
    );
    assert_eq!(whole.positions.iter().map(|p| p.code.as_str()).collect::<Vec<_>>(), ["P08-DG"]);
    let (meta, content) = store.library_attachment(&worker, ids[0], audio).await.unwrap();
    assert_eq!((content, meta.sha256.len()), (mp3, 64));
}

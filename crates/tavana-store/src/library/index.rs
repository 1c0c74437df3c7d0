//! The library's search index: tantivy, in memory, built from `library_items`
//! on the first search and caught up with the rows added since before every
//! search, so it is never the truth and never stale. Text fields are analyzed
//! by the domain's Persian [`search_tokens`], for items and queries alike.
//!
//! Items are only ever added. Their ids are committed in order: SQLite has one
//! writer, and on PostgreSQL recording items locks the table against other
//! recorders (see `record_library_items`), so "every id above the last one
//! indexed" is exactly what is new.

use crate::{Result, StoreError};
use std::ops::Bound;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, BoostQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::{TextAnalyzer, Token, TokenStream, Tokenizer};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument, Term};
use tavana_domain::library::search_tokens;

/// The analyzer's name in the index.
const PERSIAN: &str = "fa";

#[derive(Clone)]
struct Persian;

/// Tokens in order, handed out one at a time.
struct Tokens {
    rest: Vec<Token>,
    current: Token,
}

impl Tokenizer for Persian {
    type TokenStream<'a> = Tokens;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> Tokens {
        let mut rest: Vec<Token> = search_tokens(text)
            .into_iter()
            .map(|t| Token {
                offset_from: t.from,
                offset_to: t.to,
                position: t.position,
                text: t.text,
                position_length: 1,
            })
            .collect();
        rest.reverse();
        Tokens { rest, current: Token::default() }
    }
}

impl TokenStream for Tokens {
    fn advance(&mut self) -> bool {
        match self.rest.pop() {
            Some(t) => {
                self.current = t;
                true
            }
            None => false,
        }
    }
    fn token(&self) -> &Token {
        &self.current
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.current
    }
}

/// The index's fields.
#[derive(Clone, Copy)]
pub(crate) struct Fields {
    pub id: Field,
    pub title: Field,
    pub narrator: Field,
    pub topics: Field,
    pub transcript: Field,
    /// Each topic whole and normalized, for the topic filter.
    pub topic: Field,
    /// The item's unit and every unit above it (their paths), for the unit filter.
    pub unit: Field,
    pub position: Field,
    /// The Jalali year it was recorded.
    pub year: Field,
}

/// A row to index.
#[derive(sqlx::FromRow)]
pub(crate) struct Row {
    pub id: i64,
    pub title: String,
    pub narrator: String,
    pub topics: String,
    pub recorded_on: String,
    pub transcript: String,
    pub unit_path: String,
}

/// What a search asks, checked.
pub(crate) struct Asked<'a> {
    pub text: &'a str,
    pub unit_path: Option<&'a str>,
    pub topic: Option<&'a str>,
    pub position: Option<i64>,
    pub years: (Option<i32>, Option<i32>),
}

/// The index, once built.
pub(crate) struct Built {
    reader: IndexReader,
    writer: IndexWriter,
    pub fields: Fields,
    /// Every item with an id up to this one is indexed.
    pub up_to: i64,
}

/// The store's handle on the index (built on first use).
#[derive(Default)]
pub(crate) struct LibraryIndex {
    pub(crate) built: tokio::sync::Mutex<Option<Built>>,
}

fn broken(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("library index: {e}"))
}

impl Built {
    pub fn new() -> Result<Built> {
        let mut schema = Schema::builder();
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default().set_tokenizer(PERSIAN).set_index_option(IndexRecordOption::WithFreqs),
        );
        let fields = Fields {
            id: schema.add_u64_field("id", INDEXED | STORED | FAST),
            title: schema.add_text_field("title", text.clone()),
            narrator: schema.add_text_field("narrator", text.clone()),
            topics: schema.add_text_field("topics", text.clone()),
            transcript: schema.add_text_field("transcript", text),
            topic: schema.add_text_field("topic", STRING),
            unit: schema.add_text_field("unit", STRING),
            position: schema.add_u64_field("position", INDEXED),
            year: schema.add_u64_field("year", INDEXED | FAST),
        };
        let index = Index::create_in_ram(schema.build());
        index.tokenizers().register(PERSIAN, TextAnalyzer::from(Persian));
        let writer = index.writer_with_num_threads(1, 64 * 1024 * 1024).map_err(broken)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into().map_err(broken)?;
        Ok(Built { reader, writer, fields, up_to: 0 })
    }

    /// Adds rows (in id order) with their positions, and makes them searchable.
    pub fn add(&mut self, rows: &[Row], positions: &[(i64, i64)]) -> Result<()> {
        let f = self.fields;
        for row in rows {
            let mut doc = TantivyDocument::default();
            doc.add_u64(f.id, u64::try_from(row.id).map_err(broken)?);
            doc.add_text(f.title, &row.title);
            doc.add_text(f.narrator, &row.narrator);
            let topics: Vec<String> = serde_json::from_str(&row.topics).map_err(broken)?;
            for t in &topics {
                doc.add_text(f.topics, t);
                doc.add_text(f.topic, tavana_domain::text::normalize(t));
            }
            doc.add_text(f.transcript, &row.transcript);
            // "/1/8/101/": "/1/", "/1/8/" and "/1/8/101/".
            for (i, _) in row.unit_path.match_indices('/').skip(1) {
                doc.add_text(f.unit, &row.unit_path[..=i]);
            }
            for (_, position) in positions.iter().filter(|(item, _)| *item == row.id) {
                doc.add_u64(f.position, u64::try_from(*position).map_err(broken)?);
            }
            let day = time::Date::parse(&row.recorded_on, &time::format_description::well_known::Iso8601::DATE)
                .map_err(broken)?;
            let year = tavana_domain::jalali::JalaliDate::from_gregorian(day).map_err(broken)?.year();
            doc.add_u64(f.year, u64::try_from(year).map_err(broken)?);
            self.writer.add_document(doc).map_err(broken)?;
            self.up_to = self.up_to.max(row.id);
        }
        if !rows.is_empty() {
            self.writer.commit().map_err(broken)?;
            self.reader.reload().map_err(broken)?;
        }
        Ok(())
    }

    pub fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }
}

/// The query for what was asked: every token of the text in some field (the
/// title counting most), and every filter.
pub(crate) fn query(f: &Fields, asked: &Asked<'_>) -> Box<dyn Query> {
    let mut tokens: Vec<String> = search_tokens(asked.text).into_iter().map(|t| t.text).collect();
    tokens.sort();
    tokens.dedup();
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = tokens
        .iter()
        .map(|t| {
            let any_field: Vec<(Occur, Box<dyn Query>)> =
                [(f.title, 3.0), (f.topics, 2.0), (f.narrator, 2.0), (f.transcript, 1.0)]
                    .into_iter()
                    .map(|(field, boost)| {
                        let term = TermQuery::new(Term::from_field_text(field, t), IndexRecordOption::WithFreqs);
                        (Occur::Should, Box::new(BoostQuery::new(Box::new(term), boost)) as Box<dyn Query>)
                    })
                    .collect();
            (Occur::Must, Box::new(BooleanQuery::new(any_field)) as Box<dyn Query>)
        })
        .collect();
    let exact = |term: Term| Box::new(TermQuery::new(term, IndexRecordOption::Basic)) as Box<dyn Query>;
    if let Some(path) = asked.unit_path {
        clauses.push((Occur::Must, exact(Term::from_field_text(f.unit, path))));
    }
    if let Some(topic) = asked.topic {
        clauses.push((Occur::Must, exact(Term::from_field_text(f.topic, &tavana_domain::text::normalize(topic)))));
    }
    if let Some(position) = asked.position.and_then(|p| u64::try_from(p).ok()) {
        clauses.push((Occur::Must, exact(Term::from_field_u64(f.position, position))));
    }
    let year = |y: Option<i32>, open: Bound<Term>| match y.and_then(|y| u64::try_from(y).ok()) {
        Some(y) => Bound::Included(Term::from_field_u64(f.year, y)),
        None => open,
    };
    if asked.years != (None, None) {
        let range = RangeQuery::new(year(asked.years.0, Bound::Unbounded), year(asked.years.1, Bound::Unbounded));
        clauses.push((Occur::Must, Box::new(range)));
    }
    if tokens.is_empty() {
        clauses.push((Occur::Must, Box::new(AllQuery)));
    }
    Box::new(BooleanQuery::new(clauses))
}

/// What a passage marks: the query's words in `field`, but not an affix alone
/// (indexed so that spellings meet, noise when marked by itself).
pub(crate) fn marks(field: Field, text: &str) -> Box<dyn Query> {
    let words: Vec<(Occur, Box<dyn Query>)> = search_tokens(text)
        .into_iter()
        .filter(|t| !tavana_domain::library::is_affix(&t.text))
        .map(|t| {
            let term = TermQuery::new(Term::from_field_text(field, &t.text), IndexRecordOption::WithFreqs);
            (Occur::Should, Box::new(term) as Box<dyn Query>)
        })
        .collect();
    Box::new(BooleanQuery::new(words))
}

/// The ids of one page of hits, best first, and how many hits in all.
pub(crate) fn run(
    searcher: &Searcher,
    f: &Fields,
    query: &dyn Query,
    offset: usize,
    limit: usize,
) -> Result<(usize, Vec<i64>)> {
    let (total, top) = searcher
        .search(query, &(Count, TopDocs::with_limit(limit.max(1)).and_offset(offset).order_by_score()))
        .map_err(broken)?;
    let mut ids = Vec::with_capacity(top.len());
    for (_, address) in top {
        let doc: TantivyDocument = searcher.doc(address).map_err(broken)?;
        let id = doc.get_first(f.id).and_then(|v| v.as_u64()).ok_or_else(|| broken("a document without its id"))?;
        ids.push(i64::try_from(id).map_err(broken)?);
    }
    Ok((total, ids))
}

/// Highlights the query's words in a text: the best passage of at most
/// `chars` characters, as (text, highlighted) pieces.
pub(crate) fn highlight(
    searcher: &Searcher,
    query: &dyn Query,
    field: Field,
    text: &str,
    chars: usize,
) -> Result<Vec<(String, bool)>> {
    let mut generator = SnippetGenerator::create(searcher, query, field).map_err(broken)?;
    generator.set_max_num_chars(chars);
    let snippet = generator.snippet(text);
    let fragment = snippet.fragment();
    if fragment.is_empty() {
        // No word of the query in this text: its beginning.
        let end = text.char_indices().nth(chars).map_or(text.len(), |(i, _)| i);
        return Ok(vec![(text[..end].to_string(), false)]);
    }
    let mut pieces = Vec::new();
    let mut at = 0;
    // A word and its parts (an affix split off it) overlap: one mark for all.
    for range in &tantivy::snippet::collapse_overlapped_ranges(snippet.highlighted()) {
        let (Some(before), Some(word)) = (fragment.get(at..range.start), fragment.get(range.clone())) else {
            continue;
        };
        if !before.is_empty() {
            pieces.push((before.to_string(), false));
        }
        pieces.push((word.to_string(), true));
        at = range.end;
    }
    if let Some(rest) = fragment.get(at..).filter(|r| !r.is_empty()) {
        pieces.push((rest.to_string(), false));
    }
    Ok(pieces)
}

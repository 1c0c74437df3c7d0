//! The audit page: the chain's state and the newest entries in the user's scope.

use crate::AppState;
use crate::auth::SessionUser;
use crate::i18n::Lang;
use crate::page::{InLang, Layout, PageError, render};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use tavana_domain::iam::Module;
use tavana_store::audit::{AUDIT_SORTS, AuditFilter, ChainReport};

pub struct EntryRow {
    pub seq: String,
    pub when: String,
    pub who: String,
    pub action: String,
    pub object: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    t: &'static super::texts::Texts,
    layout: Layout,
    /// Whether the user sees the national chain's state (HQ only).
    national: bool,
    intact: bool,
    figure: String,
    reason: String,
    rows: Vec<EntryRow>,
    /// The newest reads of sensitive data, from the read log (or those of one person).
    reads: Vec<EntryRow>,
    /// The person whose reads are shown, if one was asked for.
    person: String,
    /// The actions to filter by (code, label, chosen).
    actions: Vec<(&'static str, &'static str, bool)>,
    q: AuditQuery,
    headers: Vec<crate::lists::Header>,
    nav: crate::lists::ListNav,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct AuditQuery {
    /// Show who read this person's data instead of the newest reads.
    #[serde(default)]
    person: Option<i64>,
    /// Entries of this action only.
    #[serde(default)]
    action: String,
    /// Entries by this user only.
    #[serde(default)]
    username: String,
    /// Entries about this object only.
    #[serde(default)]
    object_id: String,
    #[serde(flatten)]
    list: crate::lists::ListParams,
}

impl AuditQuery {
    fn filter(&self) -> AuditFilter {
        // An action not in the list is no filter at all (and no value in SQL).
        let action = tavana_domain::audit::ACTIONS.iter().find(|(c, _, _)| *c == self.action.trim());
        AuditFilter {
            action: action.map(|(c, _, _)| c.to_string()).unwrap_or_default(),
            username: self.username.trim().to_string(),
            object_id: tavana_domain::text::to_ascii_digits(self.object_id.trim()),
        }
    }

    fn filters(&self) -> String {
        use crate::auth::url_encode;
        format!(
            "action={}&username={}&object_id={}",
            url_encode(&self.action),
            url_encode(&self.username),
            url_encode(&self.object_id)
        )
    }

    /// Newest first unless asked otherwise.
    fn order(&self) -> tavana_store::lists::ListOrder {
        let mut order = self.list.order();
        order.descending = self.list.dir != "asc";
        order
    }
}

/// The entries a filter finds, as CSV or XLSX, in the list's order.
pub async fn download(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    axum::extract::Query(q): axum::extract::Query<AuditQuery>,
) -> Result<Response, PageError> {
    let mut out = Vec::new();
    state.store.export_audit(&user.actor, &q.filter(), &q.order(), &mut out).await.in_lang(lang)?;
    Ok(crate::tables::download(lang, "audit", q.list.format, out))
}

pub async fn show(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    axum::extract::Query(q): axum::extract::Query<AuditQuery>,
) -> Result<Response, PageError> {
    let (filter, order) = (q.filter(), q.order());
    let page = state.store.audit_page(&user.actor, &filter, &order).await.in_lang(lang)?;
    let reads = match q.person {
        Some(person) => state.store.reads_of_person(&user.actor, person, 500).await.in_lang(lang)?,
        None => state.store.recent_reads(&user.actor, 100).await.in_lang(lang)?,
    };
    let national = user.actor.unit_path.is_root();
    let (intact, figure, reason) = if national {
        let report = state.store.verify_audit_chain_as(&user.actor).await.in_lang(lang)?;
        match (&report, report.problem()) {
            (ChainReport::Intact { entries, .. }, _) => (true, lang.digits(&entries.to_string()), String::new()),
            (_, problem) => {
                let (seq, reason) = problem.unwrap_or_default();
                (false, lang.digits(&seq.to_string()), reason)
            }
        }
    } else {
        (true, String::new(), String::new())
    };
    let t = super::texts::texts(lang);
    let row = |e: &tavana_store::audit::AuditEntry| EntryRow {
        seq: lang.digits(&e.seq.to_string()),
        when: lang.instant(e.at),
        who: e.actor_username.clone().unwrap_or_else(|| t.system.to_string()),
        action: tavana_domain::audit::action_label(&e.action, lang == Lang::Fa).to_string(),
        object: match &e.after_json {
            // A read says which data it was: `person 12 (person_history)`.
            Some(after) if e.action == "read" => {
                let data = serde_json::from_str::<serde_json::Value>(after).ok();
                let data = data.as_ref().and_then(|v| v["data"].as_str()).unwrap_or_default().to_string();
                format!("{} {} ({data})", e.object_type, e.object_id)
            }
            _ => format!("{} {}", e.object_type, e.object_id),
        },
    };
    let rows = page.rows.iter().map(row).collect();
    let reads = reads.iter().map(row).collect();
    let layout = Layout::new(lang, &user, t.audit_log, Some(Module::Audit), "/audit");
    Ok(render(
        StatusCode::OK,
        &AuditPage {
            t: super::texts::texts(lang),
            layout,
            national,
            intact,
            figure,
            reason,
            rows,
            reads,
            person: q.person.map(|p| p.to_string()).unwrap_or_default(),
            actions: tavana_domain::audit::ACTIONS
                .iter()
                .map(|(code, fa, en)| (*code, if lang == Lang::Fa { *fa } else { *en }, filter.action == *code))
                .collect(),
            headers: crate::lists::headers(
                "/audit",
                &q.filters(),
                &[("seq", "#"), ("when", t.when), ("who", t.who), ("action", t.action), ("object", t.object)],
                AUDIT_SORTS,
                &order,
            ),
            nav: crate::lists::nav(lang, "/audit", "/audit/download", &q.filters(), &order, &page),
            q,
        },
    ))
}

//! The library's API: search, record an item, read one, attach and download media.

use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiError, ApiPath, ApiQuery, Binary, ProblemBody, bad_body, invalid_fields};
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use tavana_domain::library::{ItemFields, MAX_ATTACHMENT, RawItem};
use tavana_store::StoreError;
use tavana_store::library::{Found, Item, LibraryQuery};
use utoipa::{IntoParams, ToSchema};

/// A page of a search.
#[derive(Deserialize, IntoParams)]
pub struct Paging {
    /// Hits to skip.
    #[serde(default)]
    pub offset: usize,
    /// At most 100; 20 when not given.
    #[serde(default)]
    pub limit: Option<usize>,
}

/// Searches the library: every word (however spelled) in an item's title,
/// topics, narrator or transcript, within the filters; best first, with the
/// words highlighted.
#[utoipa::path(get, path = "/api/v1/library/items", tag = "library", params(LibraryQuery, Paging),
    responses((status = 200, body = Found), (status = 422, body = ProblemBody)))]
pub async fn search(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiQuery(q): ApiQuery<LibraryQuery>,
    ApiQuery(page): ApiQuery<Paging>,
) -> Result<Json<Found>, ApiError> {
    Ok(Json(state.store.search_library(&actor, &q, page.offset, page.limit.unwrap_or(20)).await?))
}

/// A new record's id.
#[derive(Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
}

/// Records an item (HR officers, for units in their tree); every bad field is named.
#[utoipa::path(post, path = "/api/v1/library/items", tag = "library", request_body = RawItem,
    responses((status = 201, body = Created), (status = 403, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn record(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    body: Result<Json<RawItem>, JsonRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let Json(raw) = body.map_err(bad_body)?;
    let fields = ItemFields::parse(&raw, state.store.today()).map_err(|e| invalid_fields(&e))?;
    let ids = state.store.record_library_items(&actor, &[fields]).await?;
    let id = ids.first().copied().ok_or_else(|| StoreError::Corrupt("no id recorded".into()))?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// An item, whole: its transcript, positions and attachments.
#[utoipa::path(get, path = "/api/v1/library/items/{id}", tag = "library",
    params(("id" = i64, Path, description = "Item id")),
    responses((status = 200, body = Item), (status = 404, body = ProblemBody)))]
pub async fn item(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Item>, ApiError> {
    Ok(Json(state.store.library_item(&actor, id).await?))
}

/// An attachment's name.
#[derive(Deserialize, IntoParams)]
pub struct AttachmentName {
    /// The file's name (its type is found from its content); required.
    #[serde(default)]
    pub name: String,
}

/// Attaches audio, video or a document (the body, at most 50 MB) to an item.
#[utoipa::path(post, path = "/api/v1/library/items/{id}/attachments", tag = "library",
    params(("id" = i64, Path, description = "Item id"), AttachmentName),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = Created), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 413, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn attach(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<AttachmentName>,
    body: Body,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    // A missing name is the file's problem (422), as any other bad field is.
    tavana_domain::text::required_text("file", &q.name).map_err(StoreError::Invalid)?;
    let bytes =
        axum::body::to_bytes(body, MAX_ATTACHMENT).await.map_err(|_| crate::error::too_large(MAX_ATTACHMENT as u64))?;
    let id = state.store.add_library_attachment(&actor, id, &q.name, &bytes).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// An attachment's content, with its SHA-256 in `x-sha256`.
#[utoipa::path(get, path = "/api/v1/library/items/{id}/attachments/{document}", tag = "library",
    params(("id" = i64, Path, description = "Item id"), ("document" = i64, Path, description = "Attachment id")),
    responses((status = 200, description = "The attachment, as its content says it is (`tavana_domain::library::MEDIA_TYPES`)",
        content((Binary = "application/pdf"), (Binary = "image/jpeg"), (Binary = "image/png"), (Binary = "audio/mpeg"),
            (Binary = "audio/ogg"), (Binary = "audio/wav"), (Binary = "audio/mp4"), (Binary = "video/mp4"),
            (Binary = "video/webm"))),
        (status = 404, body = ProblemBody)))]
pub async fn attachment(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath((id, document)): ApiPath<(i64, i64)>,
) -> Result<Response, ApiError> {
    let (meta, content) = state.store.library_attachment(&actor, id, document).await?;
    Ok(super::ui::attachment_response(&meta, content))
}

//! Static assets embedded in the binary: offices may sit on a closed network, so
//! nothing is loaded from elsewhere.

use crate::AppState;
use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

const CSS: &str = include_str!("../assets/app.css");
const FONT_REGULAR: &[u8] = include_bytes!("../assets/fonts/Vazirmatn-Regular.woff2");
const FONT_BOLD: &[u8] = include_bytes!("../assets/fonts/Vazirmatn-Bold.woff2");
const FONT_LICENCE: &str = include_str!("../assets/fonts/OFL.txt");

const CACHE: &str = "public, max-age=86400";

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/assets/app.css",
            get(|| async {
                ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, CACHE)], CSS)
            }),
        )
        .route("/assets/fonts/Vazirmatn-Regular.woff2", get(|| async { font(FONT_REGULAR) }))
        .route("/assets/fonts/Vazirmatn-Bold.woff2", get(|| async { font(FONT_BOLD) }))
        .route(
            "/assets/fonts/OFL.txt",
            get(|| async { ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], FONT_LICENCE) }),
        )
}

fn font(bytes: &'static [u8]) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "font/woff2"), (header::CACHE_CONTROL, CACHE)], bytes)
}

//! Static assets embedded in the binary: offices may sit on a closed network, so
//! nothing is loaded from elsewhere.

use crate::AppState;
use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

const CSS: &str = include_str!("../assets/app.css");
const IMPORT_JS: &str = include_str!("../assets/import.js");
const PLACES_JS: &str = include_str!("../assets/places.js");
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
        .route("/assets/import.js", get(|| async { script(IMPORT_JS) }))
        .route("/assets/places.js", get(|| async { script(PLACES_JS) }))
        .route("/assets/fonts/Vazirmatn-Regular.woff2", get(|| async { font(FONT_REGULAR) }))
        .route("/assets/fonts/Vazirmatn-Bold.woff2", get(|| async { font(FONT_BOLD) }))
        .route(
            "/assets/fonts/OFL.txt",
            get(|| async { ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], FONT_LICENCE) }),
        )
}

fn script(text: &'static str) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, CACHE)], text)
}

fn font(bytes: &'static [u8]) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "font/woff2"), (header::CACHE_CONTROL, CACHE)], bytes)
}

#[cfg(test)]
mod contrast_tests {
    /// A colour's relative luminance (WCAG 2).
    fn luminance(hex: &str) -> f64 {
        let channel = |i: usize| {
            let v = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0)) / 255.0;
            if v <= 0.03928 { v / 12.92 } else { ((v + 0.055) / 1.055).powf(2.4) }
        };
        0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
    }

    fn contrast(a: &str, b: &str) -> f64 {
        let (x, y) = (luminance(a), luminance(b));
        (x.max(y) + 0.05) / (x.min(y) + 0.05)
    }

    fn variable(css: &str, name: &str) -> String {
        let at = css.find(&format!("--{name}:")).unwrap_or(0);
        css[at..].split(':').nth(1).unwrap_or("").trim().split(';').next().unwrap_or("").trim().to_string()
    }

    /// The focus ring was about 2:1 against the page. Its ring or its halo is now
    /// at least 3:1 against every background it can sit on.
    #[test]
    fn the_focus_ring_stands_out_on_every_background() {
        let css = include_str!("../assets/app.css");
        let (ring, halo) = (variable(css, "focus"), variable(css, "focus-halo"));
        for background in ["ground", "paper", "brand", "notice-ground", "alert-ground"] {
            let ground = variable(css, background);
            let best = contrast(&ring, &ground).max(contrast(&halo, &ground));
            assert!(best >= 3.0, "focus on {background} ({ground}): {best:.2}:1");
        }
    }
}

use crate::support::{PASSWORD, hidden_value, spawn_app};

#[tokio::test]
async fn pages_need_a_session_and_come_back_after_sign_in() {
    let app = spawn_app().await;
    let client = app.client();
    let response = client.get(app.url("/users")).send().await.unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/login?next=/users");
    // The assets and the font's licence are served by the binary itself.
    for path in ["/assets/app.css", "/assets/fonts/Vazirmatn-Regular.woff2", "/assets/fonts/OFL.txt"] {
        assert_eq!(client.get(app.url(path)).send().await.unwrap().status(), 200, "{path}");
    }
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused() {
    let app = spawn_app().await;
    let client = app.signed_in("admin").await;
    let hq = app.db.store.org_unit_by_code("HQ").await.unwrap().id.to_string();
    let fields = [
        ("username", "no.csrf"),
        ("display_name", "x"),
        ("password", PASSWORD),
        ("unit_id", hq.as_str()),
        ("roles", "planner"),
    ];
    let response = client.post(app.url("/users")).form(&fields).send().await.unwrap();
    assert_eq!(response.status(), 403);
    assert!(app.db.store.user_id_by_name("no.csrf").await.is_err());

    // A sign-in form posted without its cookie is refused too.
    let fresh = app.client();
    let response = fresh
        .post(app.url("/login"))
        .form(&[("username", "admin"), ("password", PASSWORD), ("csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn the_new_user_form_keeps_values_and_names_the_field_in_persian() {
    let app = spawn_app().await;
    let client = app.signed_in("admin").await;
    let form = client.get(app.url("/users/new")).send().await.unwrap().text().await.unwrap();
    let csrf = hidden_value(&form, "csrf");
    let hq = app.db.store.org_unit_by_code("HQ").await.unwrap().id.to_string();
    let response = client
        .post(app.url("/users"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", "sara.k"),
            ("display_name", "سارا کریمی"),
            ("password", "short"),
            ("unit_id", &hq),
            ("roles", "planner"),
            ("roles", "auditor"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("id=\"password-error\""), "{page}");
    assert!(page.contains("گذرواژه باید دست‌کم ۱۰ نویسه داشته باشد"), "{page}");
    assert!(page.contains("value=\"سارا کریمی\""));
    assert!(page.contains("value=\"auditor\" checked"));

    let response = client
        .post(app.url("/users"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", "sara.k"),
            ("display_name", "سارا کریمی"),
            ("password", "a long password"),
            ("unit_id", &hq),
            ("roles", "planner"),
            ("roles", "auditor"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let shown = client.get(app.url(&location)).send().await.unwrap().text().await.unwrap();
    assert!(shown.contains("سارا کریمی") && shown.contains("حسابرس"));
}

#[tokio::test]
async fn another_provinces_pages_are_not_found() {
    let app = spawn_app().await;
    let fars = app.signed_in("admin.fars").await;
    let worker = app.db.store.user_id_by_name("caseworker").await.unwrap();
    let tehran = app.db.store.org_unit_by_code("P08").await.unwrap().id;
    for path in [format!("/users/{worker}"), format!("/org-units/{tehran}")] {
        let response = fars.get(app.url(&path)).send().await.unwrap();
        assert_eq!(response.status(), 404, "{path}");
        assert!(response.text().await.unwrap().contains("پیدا نشد"));
    }
    let list = fars.get(app.url("/users")).send().await.unwrap().text().await.unwrap();
    assert!(list.contains("admin.fars") && !list.contains("caseworker"));
}

/// Redirect targets stay on this site: a tab browsers drop (`/%09/host/` becomes
/// `//host/`) used to send users away from the language switch and sign-in, and a
/// line break gave 500 after the session was made.
#[tokio::test]
async fn redirects_cannot_leave_the_site_or_break_headers() {
    let app = spawn_app().await;
    let client = app.client();
    for next in ["/%09/evil.example/", "/%0D%0ASet-Cookie:%20x=y", "//evil.example", "/%20/evil.example"] {
        let response = client.get(app.url(&format!("/lang?to=en&next={next}"))).send().await.unwrap();
        assert_eq!(response.status(), 303, "{next}");
        assert_eq!(response.headers()["location"], "/", "{next}");
    }
    let page = client.get(app.url("/login?next=/%09/evil.example/")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("evil.example"), "the sign-in form keeps no foreign target");
    let csrf = hidden_value(&page, "csrf");
    let signed_in = client
        .post(app.url("/login"))
        .form(&[("csrf", csrf.as_str()), ("username", "admin"), ("password", PASSWORD), ("next", "/\r\nX-Evil: 1")])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 303);
    assert_eq!(signed_in.headers()["location"], "/");
    assert!(signed_in.headers().get("x-evil").is_none());
}

/// Closing a program and disabling a user acted on one click. Each now asks first,
/// and nothing changes until it is confirmed.
#[tokio::test]
async fn closing_a_program_and_disabling_a_user_are_confirmed_first() {
    let app = crate::support::spawn_app().await;
    let officer = app.db.store.actor_for_user(app.db.store.user_id_by_name("program").await.unwrap()).await.unwrap();
    let raw = tavana_domain::programs::RawProgram {
        code: "C1".into(),
        name_fa: "برنامهٔ آزمایشی".into(),
        name_en: "Trial".into(),
        kind: "service".into(),
        target: "person".into(),
        rule: "person.alive".into(),
        formula: "0".into(),
        ..Default::default()
    };
    let fields = tavana_domain::programs::ProgramFields::parse(&raw).unwrap();
    let program = app.db.store.create_program(&officer, &fields, "trial").await.unwrap();
    let client = app.signed_in("program").await;
    let page = client.get(app.url(&format!("/programs/{}", program.id))).send().await.unwrap().text().await.unwrap();
    let csrf = crate::support::hidden_value(&page, "csrf");
    let close = |confirmed: &'static str| {
        client
            .post(app.url(&format!("/programs/{}/status", program.id)))
            .form(&[("csrf", csrf.as_str()), ("status", "closed"), ("confirmed", confirmed)])
            .send()
    };
    let asked = close("").await.unwrap();
    assert_eq!(asked.status(), 200);
    let asked = asked.text().await.unwrap();
    assert!(asked.contains("id=\"confirm-action\"") && asked.contains("برگشت‌پذیر نیست"), "{asked}");
    assert_eq!(app.db.store.program(&officer, program.id).await.unwrap().status.code(), "draft", "nothing changed yet");
    assert_eq!(close("yes").await.unwrap().status(), 303);
    assert_eq!(app.db.store.program(&officer, program.id).await.unwrap().status.code(), "closed");

    let admin = app.signed_in("admin").await;
    let target = app.db.store.user_id_by_name("planner").await.unwrap();
    let page = admin.get(app.url(&format!("/users/{target}"))).send().await.unwrap().text().await.unwrap();
    let csrf = crate::support::hidden_value(&page, "csrf");
    let asked = admin
        .post(app.url(&format!("/users/{target}/active")))
        .form(&[("csrf", csrf.as_str()), ("active", "false")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(asked.contains("id=\"confirm-action\""), "{asked}");
    let admin_actor = app.db.store.actor_for_user(app.db.store.user_id_by_name("admin").await.unwrap()).await.unwrap();
    assert!(app.db.store.user(&admin_actor, target).await.unwrap().active, "still active until confirmed");
}

/// Error pages had no heading, and switching the language dropped a search.
#[tokio::test]
async fn error_pages_have_a_heading_and_the_language_switch_keeps_the_search() {
    let app = crate::support::spawn_app().await;
    let client = app.signed_in("caseworker").await;
    let missing = client.get(app.url("/registry/persons/999999")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    assert!(missing.text().await.unwrap().contains("<h1>پیدا نشد</h1>"));
    let page = client.get(app.url("/registry?last_name=%DA%A9%D8%A7%D8%B8%D9%85%DB%8C")).send().await.unwrap();
    let page = page.text().await.unwrap();
    let marker = "id=\"lang-switch\"";
    let at = page.find(marker).unwrap_or_else(|| panic!("{page}"));
    let tag_start = page[..at].rfind('<').unwrap();
    let tag = &page[tag_start..at + 200];
    assert!(tag.contains("last_name"), "the switch comes back to the search: {tag}");
    let href =
        tag.split("href=\"").nth(1).unwrap().split('"').next().unwrap().replace("&amp;", "&").replace("&#38;", "&");
    let switched = client.get(app.url(&href)).send().await.unwrap();
    let location = switched.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with("/registry?last_name="), "{href} -> {location}");
}

/// The dashboard showed only an org-unit count. It shows each user the figures of
/// their unit and the units below it.
#[tokio::test]
async fn the_dashboard_shows_the_figures_of_the_users_unit() {
    use serde_json::json;
    let app = crate::support::spawn_app().await;
    let registrar = app.token_for("registrar").await;
    let client = app.client();
    for (file, place, code) in [("T-1", "08-01-C", "0012345679"), ("F-1", "17-01-C", "1234567891")] {
        let h = client
            .post(app.url("/api/v1/households"))
            .bearer_auth(&registrar)
            .json(&json!({"file_number": file, "place": place}))
            .send()
            .await
            .unwrap();
        assert_eq!(h.status(), 201);
        let p = client
            .post(app.url("/api/v1/persons"))
            .bearer_auth(&registrar)
            .json(&json!({"national_code": code, "household": file, "relationship": "head", "first_name": "علی",
                "last_name": "کاظمی", "father_name": "حسن", "birth_date": "1360/05/12", "sex": "male"}))
            .send()
            .await
            .unwrap();
        assert_eq!(p.status(), 201);
    }
    let figures = |page: &str| {
        let start = page.find("id=\"figures\"").unwrap_or_else(|| panic!("{page}"));
        page[start..page[start..].find("</dl>").unwrap() + start].to_string()
    };
    let tehran = app.signed_in("caseworker").await;
    let page = tehran.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(figures(&page).contains("<dt>افراد</dt><dd>۱</dd>"), "{}", figures(&page));
    let hq = app.signed_in("registrar").await;
    let page = hq.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(figures(&page).contains("<dt>افراد</dt><dd>۲</dd>"), "{}", figures(&page));
    // A user who opens no registry sees none of its figures.
    let admin = app.signed_in("admin").await;
    let page = admin.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("<dt>افراد</dt>"));
}

/// An administrator changes another user's roles and unit on the user's page;
/// conflicting roles are refused there with the reason.
#[tokio::test]
async fn an_admin_changes_roles_and_unit_on_the_users_page() {
    let app = crate::support::spawn_app().await;
    let admin = app.signed_in("admin").await;
    let target = app.db.store.user_id_by_name("caseworker").await.unwrap();
    let page = admin.get(app.url(&format!("/users/{target}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("id=\"access-form\""), "{page}");
    let csrf = crate::support::hidden_value(&page, "csrf");
    let shemiran = app.db.store.org_unit_by_code("C08-02").await.unwrap().id.to_string();
    let send = |roles: &[&str]| {
        let mut form = vec![("csrf".to_string(), csrf.clone()), ("unit_id".to_string(), shemiran.clone())];
        form.extend(roles.iter().map(|r| ("roles".to_string(), r.to_string())));
        admin.post(app.url(&format!("/users/{target}/access"))).form(&form).send()
    };
    let refused = send(&["finance_maker", "finance_checker"]).await.unwrap();
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("id=\"access-error\""));
    assert_eq!(send(&["case_worker", "planner"]).await.unwrap().status(), 303);
    let actor = app.db.store.actor_for_user(target).await.unwrap();
    assert_eq!(actor.unit_path.unit_id(), Some(shemiran.parse().unwrap()));
    assert!(actor.roles.contains(&tavana_domain::iam::Role::Planner));
    // Their own page offers an administrator no such form.
    let me = app.db.store.user_id_by_name("admin").await.unwrap();
    let own = admin.get(app.url(&format!("/users/{me}"))).send().await.unwrap().text().await.unwrap();
    assert!(!own.contains("id=\"access-form\""));
}

/// The audit page showed action codes in English inside the Persian page, with no
/// way to look for one kind of action.
#[tokio::test]
async fn the_audit_page_names_actions_in_persian_and_filters_them() {
    let app = crate::support::spawn_app().await;
    let auditor = app.signed_in("auditor").await;
    let page = auditor.get(app.url("/audit")).send().await.unwrap().text().await.unwrap();
    let entries = &page[page.find("id=\"entries\"").unwrap()..];
    let entries = &entries[..entries.find("</table>").unwrap()];
    assert!(entries.contains("ایجاد کاربر") && !entries.contains("user.create"), "{entries}");
    let filtered = auditor.get(app.url("/audit?action=geography.load")).send().await.unwrap().text().await.unwrap();
    let entries = &filtered[filtered.find("id=\"entries\"").unwrap()..];
    let entries = &entries[..entries.find("</table>").unwrap()];
    assert!(entries.contains("بارگذاری تقسیمات کشوری") && !entries.contains("ایجاد کاربر"), "{entries}");
    assert!(filtered.contains("یافته‌ها: ۱<"), "the count is of the filtered entries, in scope");

    // By user: the demo users were created by no one (the system); the admin's
    // own actions are found by their name. Oldest first on asking.
    let admin = app.signed_in("admin").await;
    let page = admin.get(app.url("/users/new")).send().await.unwrap().text().await.unwrap();
    let csrf = crate::support::hidden_value(&page, "csrf");
    let form = [
        ("csrf", csrf.as_str()),
        ("username", "clerk"),
        ("display_name", "منشی"),
        ("unit_id", "1"),
        ("roles", "auditor"),
        ("password", "a long enough password"),
    ];
    assert_eq!(admin.post(app.url("/users")).form(&form).send().await.unwrap().status(), 303);
    let by_admin = auditor.get(app.url("/audit?username=admin")).send().await.unwrap().text().await.unwrap();
    // Signing in, then creating the user.
    assert!(by_admin.contains("یافته‌ها: ۲<") && by_admin.contains("ایجاد کاربر"), "{by_admin}");
    let oldest = auditor.get(app.url("/audit?sort=seq&dir=asc")).send().await.unwrap().text().await.unwrap();
    assert!(oldest.contains("aria-sort=\"ascending\""));
    let first_row = &oldest[oldest.find("<tbody>").unwrap()..];
    assert!(first_row.contains("<td>۱</td>"), "entry 1 first");

    // Downloads: the filtered entries, logged as an export.
    let csv =
        auditor.get(app.url("/audit/download?username=admin&action=user.create&format=csv")).send().await.unwrap();
    let csv = csv.text().await.unwrap();
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(lines[0].starts_with("seq,at,user,action,action_fa") && lines[1].contains("user.create"), "{csv}");
    let xlsx = auditor.get(app.url("/audit/download?format=xlsx")).send().await.unwrap();
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));
    let reads = auditor.get(app.url("/audit?action=read")).send().await.unwrap().text().await.unwrap();
    assert!(reads.contains("audit log (export)"), "the download is in the read log");
    // Someone who may not read the log may not download it either.
    let worker = app.signed_in("caseworker").await;
    assert_eq!(worker.get(app.url("/audit/download")).send().await.unwrap().status(), 403);
}

/// An administrator could not reset a password from the UI. On another user's
/// page they set a new one: too short is refused with the reason, a good one ends
/// the user's sessions and tokens.
#[tokio::test]
async fn an_admin_sets_another_users_password() {
    let app = crate::support::spawn_app().await;
    let worker = app.signed_in("caseworker").await;
    let token = app.token_for("caseworker").await;
    let admin = app.signed_in("admin").await;
    let target = app.db.store.user_id_by_name("caseworker").await.unwrap();
    let page = admin.get(app.url(&format!("/users/{target}"))).send().await.unwrap().text().await.unwrap();
    let csrf = crate::support::hidden_value(&page, "csrf");
    let set = |password: &'static str| {
        admin
            .post(app.url(&format!("/users/{target}/password")))
            .form(&[("csrf", csrf.as_str()), ("password", password)])
            .send()
    };
    let short = set("short").await.unwrap();
    assert_eq!(short.status(), 422);
    assert!(short.text().await.unwrap().contains("دست‌کم ۱۰ نویسه"));
    let done = set("a new long password 1405").await.unwrap();
    assert_eq!(done.status(), 303);
    let page =
        admin.get(app.url(done.headers()["location"].to_str().unwrap())).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("id=\"password-set\""));
    // The old session and token no longer work.
    let after = worker.get(app.url("/registry")).send().await.unwrap();
    assert_eq!(after.status(), 303, "signed out");
    let api = app.client().get(app.url("/api/v1/programs")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(api.status(), 401);
}

/// The user list filters, counts, sorts both ways and downloads what it shows
/// as CSV and XLSX, in scope: a province's administrator sees the province only.
#[tokio::test]
async fn the_user_list_filters_sorts_counts_and_downloads() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin").await;
    let get = |client: reqwest::Client, path: String| {
        let url = app.url(&path);
        async move {
            let response = client.get(url).send().await.unwrap();
            assert_eq!(response.status(), 200, "{path}");
            response
        }
    };
    let page =
        get(admin.clone(), "/users?role=program_officer&sort=username&dir=desc".into()).await.text().await.unwrap();
    let names: Vec<&str> = page
        .match_indices("<td dir=\"ltr\"><a href=\"/users/")
        .map(|(i, marker)| {
            let rest = &page[i + marker.len()..];
            &rest[rest.find("\">").unwrap() + 2..rest.find("</a>").unwrap()]
        })
        .collect();
    assert_eq!(names, ["program.tehran", "program.chief", "program"], "{page}");
    assert!(page.contains("<p id=\"result-count\" role=\"status\">یافته‌ها: ۳</p>"), "{page}");
    assert!(page.contains("aria-sort=\"descending\""), "the sorted column says so");
    // The header of the sorted column turns the direction; the filters are kept.
    assert!(
        page.contains("href=\"/users?text=&#38;role=program_officer&#38;active=&#38;sort=username&#38;dir=asc\""),
        "{page}"
    );
    // Disabled users only: none.
    let page = get(admin.clone(), "/users?active=no".into()).await.text().await.unwrap();
    assert!(page.contains("یافته‌ها: ۰"), "{page}");
    // A part of a display name.
    let page = get(admin.clone(), "/users?text=%D8%B1%D8%B6%D8%A7%DB%8C%DB%8C".into()).await.text().await.unwrap();
    assert!(page.contains(">program</a>") && !page.contains(">caseworker</a>"), "رضایی finds علی رضایی only");

    let csv = get(admin.clone(), "/users/download?role=program_officer&sort=username&format=csv".into()).await;
    assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = csv.text().await.unwrap();
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines.len(), 4, "{csv}");
    assert!(lines[0].starts_with("username,display_name,unit,roles") && lines[1].starts_with("program,"), "{csv}");
    let xlsx = get(admin.clone(), "/users/download?role=program_officer&format=xlsx".into()).await;
    assert_eq!(xlsx.headers()["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    let bytes = xlsx.bytes().await.unwrap();
    assert!(bytes.starts_with(b"PK\x03\x04"));
    assert!(String::from_utf8_lossy(&bytes).contains(">program.chief</t>"));

    // Fars's administrator: Fars only.
    let fars = app.signed_in("admin.fars").await;
    let page = get(fars, "/users".into()).await.text().await.unwrap();
    assert!(page.contains("یافته‌ها: ۱") && page.contains(">admin.fars</a>"), "{page}");
}

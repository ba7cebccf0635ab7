//! A browser without the browser, for page-level tests: it keeps cookies, never follows
//! redirects (so a test sees each 303), reads a page whole and pulls the values a test needs out
//! of its HTML (the CSRF token, a field's value).

use std::collections::BTreeMap;
use std::sync::Mutex;

use reqwest::header::{HeaderMap, COOKIE, SET_COOKIE};
use reqwest::StatusCode;

use crate::TestApp;

/// A page as the server answered it.
#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
    /// The body as sent (a PDF's bytes).
    pub bytes: Vec<u8>,
}

impl Page {
    /// Where a redirect sends the browser.
    pub fn location(&self) -> &str {
        self.headers.get("location").and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    /// The value of the first `name="…" value="…"` input with that name.
    pub fn field(&self, name: &str) -> Option<String> {
        let at = self.body.find(&format!("name=\"{name}\" value=\""))?;
        let rest = &self.body[at + name.len() + 15..];
        Some(rest[..rest.find('"')?].to_string())
    }

    /// What the control named `name` inside the form `form_id` shows: an input's value, a
    /// textarea's text, a select's chosen option, the checked radio button's or checkbox's value.
    /// `None` where the form has no such control (or nothing is chosen).
    pub fn shown(&self, form_id: &str, name: &str) -> Option<String> {
        let start = self.body.find(&format!("id=\"{form_id}\""))?;
        let form = &self.body[start..];
        let form = &form[..form.find("</form>").unwrap_or(form.len())];
        let attr = |tag: &str, attr: &str| -> Option<String> {
            let at = tag.find(&format!(" {attr}=\""))? + attr.len() + 3;
            Some(tag[at..at + tag[at..].find('"')?].to_string())
        };
        let needle = format!("name=\"{name}\"");
        let mut from = 0;
        while let Some(found) = form[from..].find(&needle) {
            let at = from + found;
            from = at + needle.len();
            let open = form[..at].rfind('<')?;
            let close = at + form[at..].find('>')?;
            let tag = &form[open..=close];
            if tag.starts_with("<textarea") {
                let text = &form[close + 1..];
                return Some(text[..text.find("</textarea>")?].to_string());
            }
            if tag.starts_with("<select") {
                let options = &form[close + 1..];
                let options = &options[..options.find("</select>")?];
                let chosen = options.split("<option").find(|o| o.contains(" selected"))?;
                return attr(chosen, "value");
            }
            if tag.starts_with("<input") {
                let kind = attr(tag, "type").unwrap_or_default();
                if kind == "radio" || kind == "checkbox" {
                    if tag.contains(" checked") {
                        return attr(tag, "value");
                    }
                    continue;
                }
                return attr(tag, "value");
            }
        }
        None
    }

    /// Asserts that the form `form_id` shows each (name, value).
    pub fn keeps(&self, form_id: &str, typed: &[(&str, &str)]) {
        for (name, value) in typed {
            assert_eq!(
                self.shown(form_id, name).as_deref(),
                Some(*value),
                "#{form_id} [{name}] lost what was typed:\n{}",
                self.body
            );
        }
    }

    /// The form's CSRF token.
    pub fn csrf(&self) -> String {
        self.field("csrf").unwrap_or_else(|| panic!("no CSRF token in {}", self.body))
    }

    /// Whether the page contains `text`.
    pub fn has(&self, text: &str) -> bool {
        self.body.contains(text)
    }

    /// The `Set-Cookie` header that sets `name`, whole.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(str::to_owned)
    }
}

/// A client with a cookie jar.
pub struct Web {
    pub base: String,
    client: reqwest::Client,
    jar: Mutex<BTreeMap<String, String>>,
    /// Sent as `Accept-Language` with every request, if set.
    pub language: Option<&'static str>,
}

impl Web {
    pub fn new(app: &TestApp) -> Web {
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Web { base: app.address.clone(), client, jar: Mutex::new(BTreeMap::new()), language: None }
    }

    /// A cookie the jar holds.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.jar.lock().unwrap().get(name).cloned()
    }

    /// Forgets a cookie, as a browser whose cookie expired.
    pub fn drop_cookie(&self, name: &str) {
        self.jar.lock().unwrap().remove(name);
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Page {
        let cookies = self.jar.lock().unwrap().iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>();
        let mut request = request;
        if !cookies.is_empty() {
            request = request.header(COOKIE, cookies.join("; "));
        }
        if let Some(language) = self.language {
            request = request.header("accept-language", language);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        for value in headers.get_all(SET_COOKIE).iter().filter_map(|v| v.to_str().ok()) {
            let pair = value.split(';').next().unwrap_or("");
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let removed = value.is_empty();
            let mut jar = self.jar.lock().unwrap();
            if removed {
                jar.remove(name);
            } else {
                jar.insert(name.to_string(), value.to_string());
            }
        }
        let bytes = response.bytes().await.unwrap().to_vec();
        Page { status, headers, body: String::from_utf8_lossy(&bytes).into_owned(), bytes }
    }

    pub async fn get(&self, path: &str) -> Page {
        self.send(self.client.get(format!("{}{path}", self.base))).await
    }

    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        self.send(self.client.post(format!("{}{path}", self.base)).form(fields)).await
    }

    /// Posts a multipart form: text fields in order, then one file, as a browser sends a form
    /// with a file input.
    pub async fn post_file(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        (name, filename, content_type, bytes): (&str, &str, &str, Vec<u8>),
    ) -> Page {
        let boundary = format!("----baoxiu{}", uuid::Uuid::now_v7().simple());
        let mut body = Vec::new();
        for (key, value) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{key}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(&bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let request = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", format!("multipart/form-data; boundary={boundary}"))
            .body(body);
        self.send(request).await
    }

    /// Signs in through `/login` as a person would, and checks it worked.
    pub async fn sign_in(app: &TestApp, username: &str) -> Web {
        let web = Web::new(app);
        let page = web.sign_in_as(username, "baoxiu-demo").await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "sign-in as {username}: {}", page.body);
        web
    }

    /// Fills in and posts the sign-in form.
    pub async fn sign_in_as(&self, username: &str, password: &str) -> Page {
        let form = self.get("/login").await;
        let token = form.field("login_token").unwrap();
        self.post(
            "/login",
            &[("username", username), ("password", password), ("login_token", &token), ("next", "/")],
        )
        .await
    }

    /// Posts a form of the page at `page_path`, with that page's CSRF token.
    pub async fn submit(&self, page_path: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        let csrf = self.get(page_path).await.csrf();
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post(action, &all).await
    }
}

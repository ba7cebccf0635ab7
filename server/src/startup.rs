//! Wiring: configuration → database → HTTP server. `Application::build` binds (port 0 works) and
//! reports the address, so tests run the real server.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpResponse, HttpServer};
use utoipa_actix_web::AppExt;

use crate::api;
use crate::auth::throttle::SignInGuards;
use crate::auth::tokens::{load_or_create_secret, TokenKeys};
use crate::config::Config;
use crate::db::{redact_url, Db};
use crate::media::Media;
use crate::service::{Context, Limits};
use crate::state::AppState;

/// A bound, ready-to-run server.
pub struct Application {
    port: u16,
    server: Server,
    db: Db,
    state: web::Data<AppState>,
}

impl Application {
    /// Connects to the database, runs migrations, loads or creates the signing key, and binds.
    pub fn build(config: Config) -> anyhow::Result<Application> {
        let url = config.database_url();
        let db = Db::connect(&url, config.database_pool_size)?;
        tracing::info!(database = %redact_url(&url), backend = ?db.backend(), "database ready");
        Self::build_with_db(config, db)
    }

    /// As [`Application::build`], with a database already connected.
    pub fn build_with_db(config: Config, db: Db) -> anyhow::Result<Application> {
        let secret = load_or_create_secret(&config)?;
        let fonts = match config.pdf_enabled {
            true => Some(crate::printing::Fonts::load(&config.pdf_font, config.pdf_font_index).map_err(|e| {
                anyhow::anyhow!("{e}; install Debian's fonts-noto-cjk (scripts/setup does), set pdf_font, or set pdf_enabled = false")
            })?),
            false => None,
        };
        let ctx = Context {
            db: db.clone(),
            rules: std::sync::Arc::new(config.rule_settings()?),
            media: Media::start(&config, db.clone(), &secret)?,
            fonts,
            limits: Limits::from_config(&config),
            metrics: crate::metrics::Metrics::new(),
            queue_counts: Default::default(),
            insights: Default::default(),
        };
        let state = web::Data::new(AppState {
            ctx,
            tokens: TokenKeys::new(&secret, &config),
            sign_in: SignInGuards::from_config(&config),
            webhook: crate::delivery::Webhook::from_config(&config)?,
            instance: config.instance(),
            config: config.clone(),
        });
        if let Some(webhook) = state.webhook.clone() {
            tokio::spawn(crate::delivery::run(db.clone(), webhook));
        }
        let periodic = state.clone();
        if config.periodic_jobs {
            tokio::spawn(crate::tasks::run_periodic(periodic.clone().into_inner()));
        }
        let document = api::openapi();
        let known_paths = web::Data::new(api::KnownPaths::of(&document));
        let openapi = web::Data::new(document.to_json().map_err(|e| anyhow::anyhow!("openapi: {e}"))?);
        let listener = TcpListener::bind(&config.bind)
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.bind))?;
        let port = listener.local_addr()?.port();
        let json_limit = config.max_json_bytes;
        let mut server = HttpServer::new(move || {
            App::new()
                .into_utoipa_app()
                .configure(api::routes)
                .into_app()
                .configure(crate::web::routes)
                .app_data(state.clone())
                .app_data(api::json_config(json_limit))
                .app_data(api::path_config())
                .app_data(api::query_config())
                .app_data(openapi.clone())
                .app_data(known_paths.clone())
                .route("/api/openapi.json", web::get().to(serve_openapi))
                .default_service(web::to(api::no_such_route))
                .wrap(from_fn(api::middleware::rate_limits))
                .wrap(from_fn(api::middleware::body_deadlines))
                .wrap(from_fn(api::middleware::request_context))
        })
        .listen(listener)?
        .shutdown_timeout(config.shutdown_timeout_secs);
        if let Some(workers) = config.workers {
            server = server.workers(workers);
        }
        tracing::info!(
            instance = %periodic.instance,
            address = %config.bind,
            port,
            blobs = periodic.media.store.kind(),
            "listening"
        );
        Ok(Application { port, server: server.run(), db, state: periodic })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle that stops the server.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// The state every request sees (for tests and tools that drive the server's own work).
    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// The database handle the server uses.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Serves until SIGINT or SIGTERM, then lets in-flight requests finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

async fn serve_openapi(doc: web::Data<String>) -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(doc.get_ref().clone())
}

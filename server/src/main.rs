//! The `baoxiu` command: serve (default), migrate, load the demo estate, add a user.

use std::io::BufRead;
use std::path::PathBuf;

use anyhow::Context;
use baoxiu::auth::password;
use baoxiu::config::Config;
use baoxiu::db::accounts;
use baoxiu::db::{redact_url, write_transaction, Db};
use baoxiu::domain::registry::Role;
use baoxiu::domain::rules::RuleSettings;
use baoxiu::service::accounts::{check_new_account, create_account_in, CreateUserRequest};
use baoxiu::startup::Application;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "baoxiu", version, about = "Baoxiu 保修: warranty-fund repair claims backend")]
struct Cli {
    /// A TOML configuration file (see baoxiu.example.toml). Also BAOXIU_CONFIG.
    #[arg(long, global = true, env = "BAOXIU_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server (the default).
    Serve {
        /// Load the demo estate first (idempotent).
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load the demo estate (idempotent) and exit.
    Demo {
        /// Load this fixture instead of the built-in one.
        #[arg(long)]
        file: Option<PathBuf>,
    },
    /// Post interest on the fund for a period (Art. 27), as a scheduler would each month.
    /// Idempotent: the same period again posts nothing; an overlapping period is refused.
    Interest {
        /// The jurisdiction (six-digit division code).
        #[arg(long)]
        jurisdiction: String,
        /// First day of the period, YYYY-MM-DD.
        #[arg(long)]
        from: chrono::NaiveDate,
        /// The day after the last day of the period, YYYY-MM-DD.
        #[arg(long)]
        to: chrono::NaiveDate,
        /// The reviewer account the entries are recorded under.
        #[arg(long = "as")]
        as_user: String,
    },
    /// Raise the early warnings of recurring defects the last months call for, as the periodic job
    /// does, and send the day's digest if no server has yet; prints how many were new and how long
    /// it took. A second run raises nothing new.
    Warnings,
    /// Copy the database (one consistent snapshot, while the server runs), the local blob folder
    /// and the signing key into an empty folder. On PostgreSQL it runs pg_dump; with an S3 bucket,
    /// the bucket's versioning keeps the blobs and the backup records the time to restore it to.
    Backup {
        #[arg(long)]
        to: PathBuf,
    },
    /// Restore a backup into an empty data folder (and on PostgreSQL an empty database), forgetting
    /// uploads that never became files so that their phones start them again.
    Restore {
        #[arg(long)]
        from: PathBuf,
    },
    /// Check that every blob a row names is in the blob store with its SHA-256; exits 1 if not.
    VerifyStore,
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account, e.g. the first administrator of a real deployment. The password is read
    /// from --password-file, or else from the first line of standard input.
    Add {
        #[arg(long)]
        username: String,
        /// admin, reviewer, developer, property_manager, owner or technician.
        #[arg(long)]
        role: String,
        #[arg(long)]
        display_name: String,
        /// Organisation id to join (required for staff roles other than admin).
        #[arg(long)]
        organisation: Option<String>,
        #[arg(long)]
        phone: Option<String>,
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
}

fn init_logging(config: &Config) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    if config.log_format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::load(cli.config.as_deref()).context("loading configuration")?;
    init_logging(&config);
    match cli.command.unwrap_or(Command::Serve { demo: false }) {
        Command::Serve { demo } => serve(config, demo),
        Command::Migrate => {
            let url = config.database_url();
            // Connecting runs the migrations.
            Db::connect(&url, 1)?;
            println!("migrations applied to {}", redact_url(&url));
            Ok(())
        }
        Command::Backup { to } => {
            let taken = baoxiu::backup::backup(&config, &to)?;
            println!(
                "backup of the {} database taken at {} in {}: {} blobs named, {} files copied ({} blobs){}",
                taken.database,
                taken.taken_at,
                to.display(),
                taken.blobs,
                taken.files_copied,
                taken.blob_store,
                if taken.blob_store == "local" { "" } else { "; restore the bucket's versions to that time" }
            );
            Ok(())
        }
        Command::Restore { from } => {
            let restored = baoxiu::backup::restore(&config, &from)?;
            println!(
                "restored the backup taken at {} into {}; {} unfinished uploads forgotten (their phones start them again)",
                restored.manifest.taken_at,
                config.data_dir.display(),
                restored.unfinished_uploads
            );
            Ok(())
        }
        Command::VerifyStore => {
            let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            let report = runtime.block_on(baoxiu::backup::verify_store(&config))?;
            println!(
                "{} blobs checked: {} missing, {} whose bytes do not match their SHA-256",
                report.checked,
                report.missing.len(),
                report.corrupt.len()
            );
            for hash in report.missing.iter().chain(&report.corrupt) {
                println!("  {hash}");
            }
            if !report.is_sound() {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::Demo { file } => {
            let db = Db::connect(&config.database_url(), 2)?;
            load_demo(&db, &config.rule_settings()?, file)
        }
        Command::Interest { jurisdiction, from, to, as_user } => {
            let db = Db::connect(&config.database_url(), 2)?;
            let rules = config.rule_settings()?;
            let mut conn = db.conn()?;
            let run = write_transaction(&mut conn, |conn| {
                let user = accounts::find_user_by_username(conn, &as_user)?
                    .filter(|u| u.role == Role::Reviewer)
                    .ok_or(baoxiu::error::AppError::invalid("as"))?;
                baoxiu::service::fund::run_interest_in(
                    conn,
                    &rules.rates,
                    &user.id,
                    Some(&jurisdiction),
                    from,
                    to,
                )
            })
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "interest {} – {} for {jurisdiction}: {} ({})",
                run.period_from,
                run.period_to,
                run.total,
                if run.posted_now { "posted" } else { "already posted; nothing changed" }
            );
            Ok(())
        }
        Command::Warnings => {
            let db = Db::connect(&config.database_url(), 2)?;
            let rules = config.rule_settings()?;
            let today = baoxiu::domain::deadlines::shanghai_date(chrono::Utc::now());
            let started = std::time::Instant::now();
            let mut conn = db.conn()?;
            let (raised, told) = write_transaction(&mut conn, |conn| {
                use baoxiu::service::recurrence::warnings::{digest_in, raise_in};
                Ok::<_, baoxiu::error::AppError>((
                    raise_in(conn, &rules, today)?,
                    digest_in(conn, today, "cli")?,
                ))
            })
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "warnings: {raised} new, {told} people told, in {:.2} s",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::User {
            command: UserCommand::Add { username, role, display_name, organisation, phone, password_file },
        } => {
            let role: Role = role.parse().map_err(|_| anyhow::anyhow!("unknown role {role:?}"))?;
            let password = match password_file {
                Some(path) => std::fs::read_to_string(&path)
                    .with_context(|| format!("reading {}", path.display()))?
                    .trim_end_matches(['\r', '\n'])
                    .to_string(),
                None => {
                    eprintln!("password (at least {} characters):", password::MIN_PASSWORD_CHARS);
                    let mut line = String::new();
                    std::io::stdin().lock().read_line(&mut line)?;
                    line.trim_end_matches(['\r', '\n']).to_string()
                }
            };
            // The same checks and the same writes as `POST /api/v1/users`.
            let request = CreateUserRequest {
                username,
                display_name,
                phone,
                password,
                role,
                organisation_id: organisation,
            };
            check_new_account(&request).map_err(|e| anyhow::anyhow!("{e}"))?;
            let hash = password::hash(&request.password)?;
            let db = Db::connect(&config.database_url(), 2)?;
            let mut conn = db.conn()?;
            let created = write_transaction(&mut conn, |conn| create_account_in(conn, &request, &hash))
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let (username, id) = (created.username, created.id);
            println!("created {role} {username} ({id})");
            Ok(())
        }
    }
}

fn load_demo(db: &Db, rules: &RuleSettings, file: Option<PathBuf>) -> anyhow::Result<()> {
    let text = match file {
        Some(path) => {
            std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?
        }
        None => baoxiu::demo::DEMO_ESTATE.to_string(),
    };
    let today = baoxiu::domain::deadlines::shanghai_date(chrono::Utc::now());
    let report = baoxiu::demo::load(db, rules, &text, today)?;
    println!(
        "demo estate loaded: {} organisations, {} accounts, {} buildings, {} units, {} paid deposits \
         created (existing ones kept). Demo accounts: admin, reviewer, developer, property, owner, \
         technician; password baoxiu-demo (demo only).",
        report.organisations, report.users, report.buildings, report.units, report.deposits
    );
    Ok(())
}

fn serve(config: Config, demo: bool) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let app = Application::build(config)?;
        if demo {
            let (db, state) = (app.db().clone(), app.state());
            let rules = state.clone();
            tokio::task::spawn_blocking(move || load_demo(&db, &rules.rules, None)).await??;
            let filed =
                baoxiu::demo::claims::load(&state).await.map_err(|e| anyhow::anyhow!("demo claims: {e}"))?;
            if filed > 0 {
                println!("demo claims filed: {filed}, at stages from filed to paid.");
            }
        }
        app.run_until_stopped().await?;
        tracing::info!("stopped");
        Ok(())
    })
}

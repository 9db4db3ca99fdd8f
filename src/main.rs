//! The `trtc-mock` binary: parse the settings, start the server, stop on SIGINT/SIGTERM.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;

use std::net::SocketAddr;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use tracing_subscriber::EnvFilter;
use trtc_mock::config::{DEFAULT_SECRET_KEY, LogFormat, ServeArgs};
use trtc_mock::{App, Config};

/// jemalloc rather than the system's allocator: glibc's malloc and free (with their
/// consolidation) were a tenth of the server's time under load. (mimalloc was as fast but held
/// twice the memory: 14 MB idle.)
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Local emulator of the Tencent Cloud TRTC server API (API 3.0, version 2019-07-22).
///
/// Point an official SDK at http://127.0.0.1:8080 with the printed SecretId/SecretKey.
/// Every setting is also read from the environment variable named in brackets; a flag wins.
#[derive(Parser, Debug)]
#[command(name = "trtc-mock", version, about, long_about, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the emulator (what `trtc-mock` with no subcommand does).
    Serve(Box<ServeArgs>),
    /// Exit 0 if the emulator answers /_mock/health as ready, 1 otherwise (for a container
    /// HEALTHCHECK: no shell or curl needed).
    Healthcheck(HealthcheckArgs),
    /// Print every action of the API with its editions, status and how the emulator answers it
    /// (a Markdown table, the same as the README's).
    Actions,
}

#[derive(Args, Debug)]
struct HealthcheckArgs {
    /// Address of the emulator; an unspecified address (0.0.0.0) is reached on loopback.
    #[arg(long, env = "TRTC_MOCK_ADDR", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Bearer token of the control plane, if it has one.
    #[arg(long, env = "TRTC_MOCK_CONTROL_TOKEN", hide_env_values = true)]
    control_token: Option<String>,
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 2)]
    timeout: u64,
}

fn healthcheck(args: &HealthcheckArgs) -> ExitCode {
    let timeout = Duration::from_secs(args.timeout.max(1));
    match trtc_mock::control::probe::check(args.addr, args.control_token.as_deref(), timeout) {
        Ok(body) => {
            println!("{body}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("trtc-mock healthcheck: {err}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(format: LogFormat) {
    // One line per request at `info`; `TRTC_MOCK_LOG=warn` silences them (for load runs).
    let filter = EnvFilter::try_from_env("TRTC_MOCK_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let ansi = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false).with_ansi(ansi);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
}

fn banner(config: &Config, app: &App) {
    let clock = app.world.clock.reading();
    let fixtures = app.world.fixtures();
    for account in &config.accounts {
        // The built-in key is printed so a newcomer can copy it; keys someone chose are not.
        let secret_key = if account.secret_key == DEFAULT_SECRET_KEY { DEFAULT_SECRET_KEY } else { "<as configured>" };
        tracing::info!(
            secret_id = %account.secret_id,
            secret_key,
            temporary = account.token.is_some(),
            sdk_app_ids = ?account.sdk_app_ids,
            "credentials"
        );
    }
    tracing::info!(
        seed = config.seed,
        clock = clock.now,
        frozen = clock.frozen,
        auth = ?config.auth,
        rate_limit = %config.rate_limit,
        rooms_per_hour = config.density.rooms_per_hour,
        max_users_per_room = config.density.max_users_per_room,
        long_call_share = config.density.long_call_share,
        incidents_per_hour = config.density.incidents_per_hour,
        "world"
    );
    tracing::info!(
        files = ?fixtures.sources(),
        apps = fixtures.app_count(),
        rooms = fixtures.room_count(),
        "fixtures"
    );
}

/// Resolves on SIGINT or SIGTERM. The handlers are installed here, before the server listens:
/// installed on first poll instead, a signal that arrives before the accept loop first polls
/// the future would kill the process with the default action.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let signals = {
        use tokio::signal::unix::{SignalKind, signal};
        (signal(SignalKind::interrupt()).ok(), signal(SignalKind::terminate()).ok())
    };
    async move {
        #[cfg(unix)]
        {
            let (mut interrupt, mut terminate) = signals;
            let interrupt = async {
                match &mut interrupt {
                    Some(signal) => {
                        signal.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            let terminate = async {
                match &mut terminate {
                    Some(signal) => {
                        signal.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = interrupt => {},
                () = terminate => {},
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        tracing::info!("shutting down");
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let args = match cli.command {
        Some(Command::Healthcheck(args)) => return healthcheck(&args),
        Some(Command::Actions) => {
            print!("{}", trtc_mock::gateway::dispatch::coverage_table());
            return ExitCode::SUCCESS;
        }
        Some(Command::Serve(args)) => *args,
        None => cli.serve,
    };
    match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime.block_on(serve(args)),
        Err(err) => {
            eprintln!("trtc-mock: cannot start the runtime: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: ServeArgs) -> ExitCode {
    init_logging(args.log_format);
    let config = match args.into_config() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("trtc-mock: {err}");
            return ExitCode::FAILURE;
        }
    };
    let app = match App::new(config.clone()) {
        Ok(app) => Arc::new(app),
        Err(err) => {
            eprintln!("trtc-mock: {err}");
            return ExitCode::FAILURE;
        }
    };
    let stop = shutdown_signal();
    let listener = match tokio::net::TcpListener::bind(config.addr).await {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("trtc-mock: cannot listen on {}: {err}", config.addr);
            return ExitCode::FAILURE;
        }
    };
    let addr = listener.local_addr().map_or_else(|_| config.addr.to_string(), |a| a.to_string());
    banner(&config, &app);
    tracing::info!(url = %format!("http://{addr}"), "trtc-mock listening");
    match trtc_mock::serve(listener, app, stop).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("trtc-mock: {err}");
            ExitCode::FAILURE
        }
    }
}

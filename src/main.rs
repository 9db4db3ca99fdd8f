//! The `trtc-mock` binary: parse the settings, start the server, stop on SIGINT/SIGTERM.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use tracing_subscriber::EnvFilter;
use trtc_mock::config::{DEFAULT_SECRET_KEY, LogFormat, ServeArgs};
use trtc_mock::{App, Config};

/// Local emulator of the Tencent Cloud TRTC server API (API 3.0, version 2019-07-22).
///
/// Point an official SDK at http://127.0.0.1:8080 with the printed SecretId/SecretKey.
/// Every setting is also read from the environment variable named in brackets; a flag wins.
#[derive(Parser, Debug)]
#[command(name = "trtc-mock", version, about, long_about)]
struct Cli {
    #[command(flatten)]
    serve: ServeArgs,
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
        rooms_per_hour = config.rooms_per_hour,
        "world"
    );
    tracing::info!(
        files = ?fixtures.sources(),
        apps = fixtures.app_count(),
        rooms = fixtures.room_count(),
        "fixtures"
    );
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.serve.log_format);
    let config = match cli.serve.into_config() {
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
    match trtc_mock::serve(listener, app, shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("trtc-mock: {err}");
            ExitCode::FAILURE
        }
    }
}

//! Errors of the daemon crate. HTTP-facing errors are [`crate::api::ApiError`]; these are
//! the ones an operator sees (start-up, store, shutdown).

/// A bad configuration: printed as one line naming the key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The config file could not be read.
    #[error("config: cannot read {path}: {reason}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The file is not valid TOML.
    #[error("config: invalid TOML: {reason}")]
    Syntax {
        /// The parser's message.
        reason: String,
    },
    /// A section, key or `VOICE_OTP_*` variable that does not exist.
    #[error("config: unknown key {key}")]
    UnknownKey {
        /// The offending key.
        key: String,
    },
    /// A key with a value of the wrong type or out of range.
    #[error("config: {key}: expected {expected}, got {got}")]
    Invalid {
        /// The offending key, as `[section] key`.
        key: String,
        /// What would have been accepted.
        expected: &'static str,
        /// What was given (secrets redacted).
        got: String,
    },
}

/// Failures of the store (SQLite or PostgreSQL).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// An SQLite call failed.
    #[error("store: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A PostgreSQL call failed (the message never holds the URL's password).
    #[error("store: postgres: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    /// No PostgreSQL connection could be had from the pool in time.
    #[error("store: postgres pool: {0}")]
    Pool(#[from] deadpool_postgres::PoolError),
    /// The PostgreSQL connection pool could not be built.
    #[error("store: postgres pool: {0}")]
    PoolBuild(#[from] deadpool_postgres::BuildError),
    /// A schema migration failed.
    #[error("store: migration: {0}")]
    Migration(#[from] refinery::Error),
    /// A row holds a value this binary never writes there.
    #[error("store: column {column} holds a value out of range")]
    Corrupt {
        /// The column.
        column: &'static str,
    },
    /// The database directory could not be created.
    #[error("store: cannot create {path}: {source}")]
    CreateDir {
        /// The directory.
        path: String,
        /// The IO error.
        source: std::io::Error,
    },
    /// The database was written by a newer voice-otp.
    #[error("store: schema version {found} is newer than this binary supports ({supported})")]
    TooNew {
        /// Version found in the file.
        found: i64,
        /// Highest version this binary knows.
        supported: i64,
    },
    /// A blocking store task panicked or was cancelled.
    #[error("store: background task failed")]
    Task,
}

/// Errors starting, running or stopping the daemon.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// Bad configuration.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The HTTP listener could not be bound.
    #[error("http: cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: std::net::SocketAddr,
        /// The IO error.
        source: std::io::Error,
    },
    /// The audio directory could not be created.
    #[error("audio: cannot create {path}: {source}")]
    AudioDir {
        /// The directory.
        path: String,
        /// The IO error.
        source: std::io::Error,
    },
    /// The HTTP client for callbacks could not be built.
    #[error("callbacks: cannot build the HTTP client: {0}")]
    HttpClient(#[from] reqwest::Error),
    /// The HTTP server stopped with an error.
    #[error("http: server failed: {0}")]
    Serve(std::io::Error),
}

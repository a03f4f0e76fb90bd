//! A throwaway PostgreSQL cluster for the cluster-mode tests: `initdb` in a temp dir, the
//! server on a free loopback port with its socket in that dir, stopped and removed when
//! the handle drops. Needs nothing running beforehand, only Debian's `postgresql` package
//! (`scripts/install-deps.sh` installs it).
//!
//! `initdb` and `postgres` refuse to run as root (CI is root): then they run as the
//! `postgres` system user, which gets the temp dir. Clients (`createdb`, the daemon) may
//! be anyone: the cluster trusts loopback connections as its superuser [`USER`].
//!
//! ```no_run
//! use voice_otp_testkit::postgres::Postgres;
//!
//! let pg = Postgres::start();
//! let url = pg.create_database("calls");
//! // ... point the code under test at `url` ...
//! ```

use std::net::TcpListener;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::process::{Command, Output};

/// The superuser role of the cluster (trusted on loopback, no password).
pub const USER: &str = "voiceotp";

/// A running throwaway cluster; stopped and its directory removed on drop.
pub struct Postgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    /// Set when the server runs as the `postgres` system user (the tests run as root).
    as_postgres: bool,
}

impl Postgres {
    /// Creates and starts a cluster. Panics, with the server's log, if it cannot.
    pub fn start() -> Postgres {
        let bin = bindir();
        let dir = tempfile::Builder::new()
            .prefix("voice-otp-pg-")
            .tempdir()
            .expect("temp dir for PostgreSQL");
        let as_postgres = running_as_root();
        if as_postgres {
            let (uid, gid) = postgres_user();
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid))
                .expect("chown the PostgreSQL temp dir to the postgres user");
        }
        let pg = Postgres {
            port: free_port(),
            dir,
            bin,
            as_postgres,
        };
        let data = pg.data_dir();
        let out = pg.server_tool("initdb", |c| {
            c.arg("-D").arg(&data).args([
                "-U",
                USER,
                "--auth=trust",
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
            ]);
        });
        assert!(out.status.success(), "initdb failed: {}", describe(&out));
        let options = format!(
            "-h 127.0.0.1 -p {} -k {} -F -c max_connections=200",
            pg.port,
            pg.dir.path().display()
        );
        let log = pg.log_path();
        let out = pg.server_tool("pg_ctl", |c| {
            c.arg("-D")
                .arg(&data)
                .arg("-l")
                .arg(&log)
                .args(["-w", "-t", "60", "-o", &options, "start"]);
        });
        assert!(
            out.status.success(),
            "pg_ctl start failed: {}\n{}",
            describe(&out),
            pg.log()
        );
        pg
    }

    /// The loopback port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL of database `db` (which must exist; see [`Postgres::create_database`]).
    pub fn url(&self, db: &str) -> String {
        format!("postgres://{USER}@127.0.0.1:{}/{db}", self.port)
    }

    /// Creates an empty database and returns its URL.
    pub fn create_database(&self, name: &str) -> String {
        let out = Command::new(self.bin.join("createdb"))
            .args(["-h", "127.0.0.1", "-U", USER, "-p"])
            .arg(self.port.to_string())
            .arg(name)
            .output()
            .expect("run createdb");
        assert!(
            out.status.success(),
            "createdb {name} failed: {}",
            describe(&out)
        );
        self.url(name)
    }

    /// Everything database `db` holds, as `pg_dump` writes it (schema and rows).
    pub fn dump(&self, db: &str) -> String {
        let out = Command::new(self.bin.join("pg_dump"))
            .args(["-h", "127.0.0.1", "-U", USER, "-p"])
            .arg(self.port.to_string())
            .arg(db)
            .output()
            .expect("run pg_dump");
        assert!(
            out.status.success(),
            "pg_dump {db} failed: {}",
            describe(&out)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The rows `sql` returns on database `db`, one line each, columns separated by `|`
    /// (`psql -At`).
    pub fn query(&self, db: &str, sql: &str) -> String {
        let out = Command::new(self.bin.join("psql"))
            .args([
                "-h",
                "127.0.0.1",
                "-U",
                USER,
                "-At",
                "-v",
                "ON_ERROR_STOP=1",
                "-p",
            ])
            .arg(self.port.to_string())
            .args(["-d", db, "-c", sql])
            .output()
            .expect("run psql");
        assert!(out.status.success(), "psql failed: {}", describe(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Starts `psql` running `sql` on database `db` in the background (a session that
    /// holds a lock for a while, say); the caller waits for or kills the child.
    pub fn spawn_psql(&self, db: &str, sql: &str) -> std::process::Child {
        Command::new(self.bin.join("psql"))
            .args(["-h", "127.0.0.1", "-U", USER, "-v", "ON_ERROR_STOP=1", "-p"])
            .arg(self.port.to_string())
            .args(["-d", db, "-c", sql])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("run psql")
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("server.log")
    }

    /// Runs `initdb` or `pg_ctl`, as the `postgres` user when we are root.
    fn server_tool(&self, tool: &str, args: impl FnOnce(&mut Command)) -> Output {
        let path = self.bin.join(tool);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        };
        cmd.current_dir(self.dir.path());
        args(&mut cmd);
        cmd.output()
            .unwrap_or_else(|e| panic!("cannot run {tool}: {e}"))
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("--- PostgreSQL log ---\n{}", self.log());
        }
        let data = self.data_dir();
        // Immediate: the data is thrown away, so no checkpoint is worth waiting for.
        let _ = self.server_tool("pg_ctl", |c| {
            c.arg("-D")
                .arg(&data)
                .args(["-m", "immediate", "-w", "-t", "30", "stop"]);
        });
    }
}

/// Where Debian keeps the server binaries (`/usr/lib/postgresql/<major>/bin`, the newest
/// major), else `pg_config --bindir`, else the directory of `initdb` on the PATH.
fn bindir() -> PathBuf {
    let mut debian: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let major = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((major, bin))
        })
        .collect();
    debian.sort();
    if let Some((_, bin)) = debian.pop() {
        return bin;
    }
    let from_pg_config = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    if let Some(bin) = from_pg_config.filter(|b| b.join("initdb").exists()) {
        return bin;
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .find(|d| d.join("initdb").exists())
        .expect(
            "PostgreSQL server binaries (Debian package postgresql; run scripts/install-deps.sh)",
        )
}

/// Whether this process runs as root (the owner of `/proc/self` is its effective user).
fn running_as_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// The uid and gid of the `postgres` system user (made by Debian's package).
fn postgres_user() -> (u32, u32) {
    let id = |flag: &str| -> u32 {
        let out = Command::new("id")
            .args([flag, "postgres"])
            .output()
            .expect("run id");
        assert!(
            out.status.success(),
            "no postgres system user: {}",
            describe(&out)
        );
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .expect("numeric id")
    };
    (id("-u"), id("-g"))
}

/// A loopback TCP port nothing listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn describe(out: &Output) -> String {
    format!(
        "{}\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

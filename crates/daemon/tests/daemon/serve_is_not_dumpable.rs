//! The running `voice-otp serve` keeps the codes it holds out of core dumps (issue 11,
//! item 6): the kernel's view of the real process says it is not dumpable (its
//! `/proc/<pid>` files belong to root although the process does not run as root, which
//! is how Linux marks `PR_SET_DUMPABLE` 0) and its core file size limit is 0.
//!
//! Run as root, the test starts the daemon as `nobody` (65534): a root process's
//! `/proc/<pid>` belongs to root whether it is dumpable or not.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::KillOnDrop;

const NOBODY: u32 = 65_534;

fn config(dir: &Path) -> String {
    format!(
        r#"[http]
listen = "127.0.0.1:0"
tokens = ["not-dumpable-token-0123"]

[sip]
listen = "127.0.0.1:0"
trunk = "127.0.0.1:9"

[rtp]
ip = "127.0.0.1"
realtime-priority = 0

[store]
path = "{dir}/store/voice-otp.db"

[audio]
dir = "{dir}/audio"
"#,
        dir = dir.display()
    )
}

/// The first number of the `name:` line of `/proc/<pid>/status`.
fn status_field(status: &str, name: &str) -> u32 {
    status
        .lines()
        .find_map(|l| l.strip_prefix(name))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in\n{status}"))
}

#[test]
fn the_running_daemon_is_not_dumpable_and_has_no_core_limit() {
    let dir = tempfile::tempdir().unwrap();
    // Readable and writable for the daemon whichever user it runs as.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let path = dir.path().join("voice-otp.toml");
    std::fs::write(&path, config(dir.path())).unwrap();
    let stderr_path = dir.path().join("stderr");
    // Run a copy from the test's own directory: the clone the binary was built in may sit
    // under a directory that `nobody` may not enter (CI's clone under /root, say).
    let bin = dir.path().join("voice-otp");
    std::fs::copy(env!("CARGO_BIN_EXE_voice-otp"), &bin).unwrap();
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut command = Command::new(&bin);
    command
        .current_dir(dir.path())
        .arg("serve")
        .arg("--config")
        .arg(&path)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&stderr_path).unwrap());
    let as_root = rustix::process::getuid().is_root();
    if as_root {
        command.uid(NOBODY).gid(NOBODY);
    }
    let daemon = KillOnDrop(command.spawn().expect("voice-otp runs"));
    let pid = daemon.0.id();

    // Up and serving: the marks are made at start, so they are in place by now.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let logs = std::fs::read_to_string(&stderr_path).unwrap_or_default();
        if logs.contains("HTTP API listening") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "voice-otp serve did not start:\n{logs}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    let status_path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&status_path).unwrap();
    let uid = status_field(&status, "Uid:");
    assert_ne!(uid, 0, "the daemon must not run as root for this check");
    if as_root {
        assert_eq!(uid, NOBODY);
    }
    let owner = std::fs::metadata(&status_path).unwrap().uid();
    assert_eq!(
        owner, 0,
        "/proc/{pid} belongs to uid {owner}, the daemon's own user: it is dumpable"
    );

    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let core = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .expect("Max core file size in limits");
    let values: Vec<&str> = core.split_whitespace().skip(4).take(2).collect();
    assert_eq!(values, ["0", "0"], "{core}");
}

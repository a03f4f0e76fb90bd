//! Small helpers for tests that talk to a server over a raw TCP connection.

use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

/// Reads until the server closes `stream` (EOF or reset); returns everything it sent.
pub async fn read_until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return got,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
}

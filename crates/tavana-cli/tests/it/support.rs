use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Runs the tavana binary with `stdin` piped in.
pub fn tavana(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tavana"))
        .args(args)
        .env("TAVANA_LOG", "warn")
        // As operators often have it set: errors must still be a plain report.
        .env("RUST_BACKTRACE", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tavana runs");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
    child.wait_with_output().expect("tavana finishes")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

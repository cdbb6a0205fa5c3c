//! Why a command failed, and the exit code that says it.

use ami_core::Error;

/// Why the command failed, with its exit code.
pub(crate) enum Failure {
    /// 1: Asterisk answered with `Response: Error`; its message.
    Asterisk(String),
    /// 2: the command line is wrong.
    Usage(String),
    /// 3: connecting, logging in or the connection failed.
    Connection(String),
    /// 4: `events` missed this many events (the output was too slow).
    Missed(u64),
    /// 1: an originated call was not answered; why.
    CallFailed(String),
    /// 1: the PBX's release lacks the action or a parameter; nothing was
    /// sent.
    Unsupported(String),
}

impl Failure {
    pub(crate) fn from_error(e: Error, context: &str) -> Failure {
        match e {
            // A failed `Command` says "Command output follows"; what the
            // CLI printed is the error.
            Error::Action { message, response } => {
                let output: Vec<String> = response
                    .get_all("Output")
                    .map(|l| l.to_string_lossy().into_owned())
                    .collect();
                if output.is_empty() {
                    Failure::Asterisk(message)
                } else {
                    Failure::Asterisk(output.join("\n"))
                }
            }
            e @ Error::Unsupported { .. } => Failure::Unsupported(e.to_string()),
            e @ (Error::InvalidUrl(_) | Error::ActionIdSupplied | Error::Encode(_)) => {
                Failure::Usage(e.to_string())
            }
            e => Failure::Connection(format!("{context}{e}")),
        }
    }
}

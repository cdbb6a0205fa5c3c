//! `Command`: the CLI commands the simulator knows, printed as Asterisk
//! prints them.

use super::text;
use crate::calls::{seconds_since, state_interface, QueueLive};
use crate::session::{error, response, Part, Reply, Session};
use crate::{CommandFormat, DemoQueue};
use ami_core::message::{keys, Message};

impl Session {
    pub(super) fn command(&self, req: &Message) -> Reply {
        let Some(cmd) = text(req, "Command") else {
            return Reply::one(error(req, "No command provided"));
        };
        let (ok, lines) = self.cli(&cmd);
        match self.hub.config.command_format {
            CommandFormat::Modern => {
                let mut m = response(req, if ok { "Success" } else { "Error" });
                m.append(keys::MESSAGE, "Command output follows");
                for line in lines {
                    m.append(keys::OUTPUT, line);
                }
                Reply::one(m)
            }
            CommandFormat::Legacy => {
                let mut h = Message::with_capacity(3);
                h.append(keys::RESPONSE, "Follows");
                h.append(keys::PRIVILEGE, "Command");
                if let Some(id) = req.action_id() {
                    h.append(keys::ACTION_ID, id);
                }
                Reply {
                    parts: vec![Part::Legacy(h, lines)],
                    list: false,
                }
            }
        }
    }

    /// Runs a CLI command: whether it exists, and its output lines.
    pub(super) fn cli(&self, cmd: &str) -> (bool, Vec<String>) {
        let words: Vec<&str> = cmd.split_whitespace().collect();
        let config = &self.hub.config;
        match words.as_slice() {
            ["core", "show", "version"] => (
                true,
                vec![format!(
                    "Asterisk {} built by ami-core @ embedded on a x86_64 running Linux on 2025-01-01 00:00:00 UTC",
                    config.asterisk_version
                )],
            ),
            ["core", "show", "uptime"] | ["core", "show", "uptime", "seconds"] => {
                let up = self.hub.world().uptime_secs();
                (
                    true,
                    vec![
                        format!("System uptime: {}", uptime_words(up)),
                        format!("Last reload: {}", uptime_words(up)),
                    ],
                )
            }
            ["core", "show", "channels"] => (true, self.show_channels()),
            ["manager", "show", "user", name] if *name == config.username => (
                true,
                vec![
                    String::new(),
                    format!("          username: {name}"),
                    "            secret: <Set>".to_owned(),
                    "               ACL: no".to_owned(),
                    format!("         read perm: {}", config.read_permissions),
                    "        write perm: all".to_owned(),
                    "   displayconnects: yes".to_owned(),
                    "allowmultiplelogin: yes".to_owned(),
                    "         Variables: ".to_owned(),
                ],
            ),
            ["manager", "show", "user", name] => (
                true,
                vec![format!(" There is no manager called {name}")],
            ),
            ["queue", "show"] => (
                true,
                show_queues(&config.queues, &self.hub.world(), config, None),
            ),
            ["queue", "show", name] => (
                true,
                show_queues(&config.queues, &self.hub.world(), config, Some(name)),
            ),
            _ => (
                false,
                vec![format!(
                    "No such command '{cmd}' (type 'core show help {cmd}' for other possible commands)"
                )],
            ),
        }
    }

    pub(super) fn show_channels(&self) -> Vec<String> {
        let w = self.hub.world();
        let row = |a: &str, b: &str, c: &str, d: &str| {
            format!("{a:<64.64} {b:<32.32} {c:<7.7} {d:<50.50}")
        };
        let mut lines = vec![row("Channel", "Location", "State", "Application(Data)")];
        let mut count = 0;
        for ch in w.channels() {
            count += 1;
            let location = if ch.exten.is_empty() {
                "(None)".to_owned()
            } else {
                format!("{}@{}:{}", ch.exten, ch.context, ch.priority)
            };
            let app = if ch.application.is_empty() {
                "(None)".to_owned()
            } else {
                format!("{}({})", ch.application, ch.app_data)
            };
            lines.push(row(&ch.name, &location, ch.state.desc(), &app));
        }
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        let calls = w.active_calls();
        let processed = w.calls_processed() as usize;
        lines.push(String::new());
        lines.push(format!("{count} active channel{}", plural(count)));
        lines.push(format!("{calls} active call{}", plural(calls)));
        lines.push(format!("{processed} call{} processed", plural(processed)));
        lines
    }
}

fn uptime_words(secs: u64) -> String {
    let parts = [
        (secs / 86_400, "day"),
        ((secs / 3600) % 24, "hour"),
        ((secs / 60) % 60, "minute"),
        (secs % 60, "second"),
    ];
    let words: Vec<String> = parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n} {unit}{}", if *n == 1 { "" } else { "s" }))
        .collect();
    if words.is_empty() {
        "0 seconds".to_owned()
    } else {
        words.join(", ")
    }
}

fn show_queues(
    queues: &[DemoQueue],
    w: &crate::World,
    config: &crate::ServerConfig,
    name: Option<&str>,
) -> Vec<String> {
    let no_live = QueueLive::default();
    let mut lines = Vec::new();
    for q in queues.iter().filter(|q| name.is_none_or(|n| q.name == n)) {
        let live = w.queue_live(&q.name).unwrap_or(&no_live);
        lines.push(format!(
            "{} has {} calls (max unlimited) in '{}' strategy (0s holdtime, 0s talktime), W:0, C:{}, A:{}, SL:0.0%, SL2:0.0% within 0s",
            q.name,
            live.waiting.len(),
            q.strategy,
            live.completed,
            live.abandoned
        ));
        let roster = w.roster(q);
        if roster.is_empty() {
            lines.push("   No Members".into());
        } else {
            lines.push("   Members: ".into());
            for m in &roster {
                let state = live.members.get(&m.location).copied().unwrap_or_default();
                let taken = match state.calls_taken {
                    0 => "has taken no calls yet".to_owned(),
                    n => format!("has taken {n} calls"),
                };
                lines.push(format!(
                    "      {} ({} from {}) (ringinuse disabled){} ({}) {taken}",
                    m.name,
                    m.location,
                    state_interface(&m.location),
                    if m.paused { " (paused)" } else { "" },
                    if state.in_call {
                        "In use"
                    } else {
                        "Not in use"
                    },
                ));
            }
        }
        let callers: Vec<_> = live
            .waiting
            .iter()
            .filter_map(|(id, joined)| Some((w.channel_by_id(*id)?, *joined)))
            .collect();
        if callers.is_empty() {
            lines.push("   No Callers".into());
        } else {
            lines.push("   Callers: ".into());
            for (i, (ch, joined)) in callers.iter().enumerate() {
                let wait = seconds_since(*joined, config);
                lines.push(format!(
                    "      {}. {} (wait: {}:{:02}, prio: 0)",
                    i + 1,
                    ch.name,
                    wait / 60,
                    wait % 60
                ));
            }
        }
        lines.push(String::new());
    }
    if lines.is_empty() {
        if let Some(n) = name {
            lines.push(format!("No such queue: {n}."));
        } else {
            lines.push("No queues.".into());
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uptime_in_words() {
        assert_eq!(uptime_words(123), "2 minutes, 3 seconds");
        assert_eq!(uptime_words(0), "0 seconds");
    }
}

//! An AI conversation as it went, on the virtual clock: when the bot was ready, what it said and
//! what it was asked. QueryAIMessageList lists it; the AI callbacks (903–906) announce it.

use serde_json::Value;

use crate::pure::hash::{below, fnv1a, mix};
use crate::world::running::TaskView;
use crate::world::tasks::State;

/// Seconds a bot prepares (connects speech recognition, the LLM and speech synthesis) once
/// someone it listens to is in the room.
pub const PREPARING_SECS: u64 = 2;
/// Seconds the LLM takes to answer an `InvokeLLM`.
pub const REPLY_SECS: u64 = 1;
/// Characters of text the bot speaks a second.
pub const CHARS_PER_SEC: u64 = 4;

/// When the bot first had someone to listen to.
pub fn first_working(view: &TaskView) -> Option<u64> {
    view.lifecycle.changes.iter().find(|(_, s)| *s == State::Working).map(|(t, _)| *t)
}

/// When the bot began to talk (prepared), if it has by `now`.
pub fn in_progress_since(view: &TaskView, now: u64) -> Option<u64> {
    let end = view.lifecycle.ended.map_or(u64::MAX, |(t, _)| t);
    first_working(view).map(|t| t.saturating_add(PREPARING_SECS)).filter(|t| *t <= now && *t < end)
}

/// Seconds the bot takes to speak `text`.
pub fn speaking_secs(text: &str) -> u64 {
    u64::try_from(text.chars().count()).unwrap_or(u64::MAX).div_ceil(CHARS_PER_SEC).max(1)
}

/// What a message of the conversation was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Said {
    /// The welcome message, when the bot is ready.
    Welcome,
    /// A `ServerPushText` the bot spoke.
    Pushed,
    /// A user's turn (`InvokeLLM`).
    Asked,
    /// The LLM's answer to the turn before it.
    Answered,
}

/// One message: when, who (`user` or `assistant`), what, and the round it belongs to (the
/// control command's place among the task's changes; 0 for the welcome).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub at: u64,
    pub role: &'static str,
    pub content: String,
    pub said: Said,
    pub round: u64,
}

const OPENINGS: [&str; 8] = [
    "Sure.",
    "Good question.",
    "Let me think about that.",
    "Here is what I can tell you.",
    "Of course.",
    "Happy to help.",
    "Right.",
    "Understood.",
];

/// The conversation up to `now`, in the order it was said.
pub fn messages(view: &TaskView, seed: u64, now: u64) -> Vec<Message> {
    let task = &view.task;
    let end = view.lifecycle.ended.map_or(u64::MAX, |(t, _)| t);
    let mut out: Vec<Message> = Vec::new();
    if let Some(t) = in_progress_since(view, now) {
        let welcome = task.params_at(t)["AgentConfig"]["WelcomeMessage"].as_str().unwrap_or_default().to_owned();
        if !welcome.is_empty() {
            out.push(Message { at: t, role: "assistant", content: welcome, said: Said::Welcome, round: 0 });
        }
    }
    for (i, (t, p)) in task.params.iter().enumerate().skip(1) {
        let round = i as u64;
        let control = &p["Control"];
        match control["Command"].as_str() {
            Some("ServerPushText") => {
                let text = control["ServerPushText"]["Text"].as_str().unwrap_or_default();
                if !text.is_empty() {
                    out.push(Message {
                        at: *t,
                        role: "assistant",
                        content: text.to_owned(),
                        said: Said::Pushed,
                        round,
                    });
                }
            }
            Some("InvokeLLM") => {
                let content = control["InvokeLLM"]["Content"].as_str().unwrap_or_default();
                out.push(Message { at: *t, role: "user", content: content.to_owned(), said: Said::Asked, round });
                let at = t.saturating_add(REPLY_SECS);
                if at < end {
                    let content = reply(seed, task.id.as_str(), round, &task.params_at(*t), content);
                    out.push(Message { at, role: "assistant", content, said: Said::Answered, round });
                }
            }
            _ => {}
        }
    }
    out.retain(|m| m.at <= now);
    // Stable: what was said at the same second stays in the order it was asked for.
    out.sort_by_key(|m| m.at);
    out
}

/// What the configured LLM answers `content`: an opening drawn from the seeded hash, the
/// question echoed, and the model (and voice) that answered.
fn reply(seed: u64, task_id: &str, turn: u64, params: &Value, content: &str) -> String {
    let llm: Value = params["LLMConfig"].as_str().and_then(|s| serde_json::from_str(s).ok()).unwrap_or_default();
    let tts: Value = params["TTSConfig"].as_str().and_then(|s| serde_json::from_str(s).ok()).unwrap_or_default();
    let model = llm["Model"].as_str().unwrap_or("llm");
    let opening = OPENINGS[below(mix(seed, &[fnv1a(task_id), turn, fnv1a(content)]), OPENINGS.len() as u64) as usize];
    let voice = match tts["VoiceId"].as_str() {
        Some(v) if !v.is_empty() => format!(", voice {v}"),
        _ => String::new(),
    };
    format!("{opening} You asked: \"{content}\". ({model}{voice})")
}

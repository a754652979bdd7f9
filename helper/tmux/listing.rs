//! Sessions read one line each, their panes folded in by tmux's own loops (`#{W:#{P:…}}`): what
//! `cdev list` shows needs of each pane only its agent's state and cost, and one record per
//! session is far less for tmux to format and cdev to read than one per pane (100 sessions ×
//! 4 panes: a third of the time of `list-panes -a` with the session fields on every line).

use anyhow::{bail, Result};

use super::format::{plain, Field, Fields, Record};
use super::state::{after_session_fields, read_session, Pane, Session};
use crate::spend::Spend;

/// One session, with what `cdev list` needs of each of its panes.
pub type SessionListing = Session<PaneAgent>;

/// A pane's agent: `@cdev_agent_state` and what it cost, unset for panes without one.
#[derive(Debug, Clone, PartialEq)]
pub struct PaneAgent {
    pub state: Option<String>,
    pub spend: Option<Spend>,
    /// An agent with a transcript but no statusLine cost: its cost is in the transcript
    /// (`agent::transcript_usage`), which this listing does not read.
    pub needs_transcript: bool,
}

impl SessionListing {
    /// The listing of `session` read whole (every pane's record), each pane's agent as `agent`
    /// says.
    pub fn of_panes(session: Session<Pane>, agent: impl FnMut(&Pane) -> PaneAgent) -> SessionListing {
        let panes = session.panes.iter().map(agent).collect();
        SessionListing {
            id: session.id,
            name: session.name,
            path: session.path,
            windows: session.windows,
            attached: session.attached,
            created: session.created,
            activity: session.activity,
            project_root: session.project_root,
            template: session.template,
            panes,
        }
    }
}

/// Every pane of the session as `<state>=<cost>=<t> `, each value made safe by tmux itself: a
/// state only when it is lower-case letters (else empty), a cost, when set, as tmux's arithmetic
/// reads it (a number, else empty), `t` for a transcript without a cost. No pane option can put
/// a separator or a newline into the line.
/// (`#{n:…}` cannot length-prefix a loop: tmux measures it wrongly.)
const PANES: &str = "W:#{P:#{?#{m/r:^[a-z]+$,#{@cdev_agent_state}},#{@cdev_agent_state},}=#{?@cdev_cost,#{e|+|f|4:#{@cdev_cost},0},}=#{?@cdev_cost,,#{?@cdev_claude_transcript,t,}} }";

impl Record for SessionListing {
    const FIELDS: &'static [Field] = &after_session_fields::<10, 1>([plain(PANES)]);

    fn from_fields(f: &mut Fields<'_>) -> Result<Self> {
        let session = read_session(f)?;
        Ok(SessionListing { panes: parse_panes(&f.string()?)?, ..session })
    }
}

/// Reads the `PANES` loop's output; anything but whole items is mangled output, an error.
fn parse_panes(text: &str) -> Result<Vec<PaneAgent>> {
    text.split_terminator(' ')
        .map(|item| {
            let mut values = item.split('=');
            let (Some(state), Some(cost), Some(transcript), None) =
                (values.next(), values.next(), values.next(), values.next())
            else {
                bail!("a pane's item {item:?} is not state=cost=transcript");
            };
            let state = Some(state.to_string()).filter(|s| !s.is_empty());
            let spend = cost.parse().ok().map(|usd| Spend { usd, estimated: false });
            Ok(PaneAgent { state, spend, needs_transcript: transcript == "t" })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panes_read_as_tmux_made_them_safe() {
        let panes = parse_panes("=0.0000= working=1.5000= idle==t ").unwrap();
        assert_eq!(panes.len(), 3);
        assert_eq!(
            panes[0],
            PaneAgent {
                state: None,
                spend: Some(Spend { usd: 0.0, estimated: false }),
                needs_transcript: false
            }
        );
        assert_eq!(panes[1].state.as_deref(), Some("working"));
        assert_eq!(panes[1].spend.map(|s| s.usd), Some(1.5));
        assert_eq!(panes[2], PaneAgent { state: Some("idle".into()), spend: None, needs_transcript: true });
        assert_eq!(parse_panes("").unwrap(), vec![]);
        assert!(parse_panes("working ").is_err());
        assert!(parse_panes("a=1=t=x ").is_err());
    }
}

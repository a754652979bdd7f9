//! Claude Code hook payloads (JSON on `cdev claude hook`'s stdin): anything that is not a payload
//! reads as `None`, and any event name maps to a state change or none, without a panic.
#![no_main]

use cdev::agent::{hook, transition};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(payload) = hook::read_payload(data) {
        if let Some(event) = payload.hook_event_name.as_deref() {
            let _ = transition(event, payload.notification_type.as_deref(), payload.source.as_deref());
        }
    }
});

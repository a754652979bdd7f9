//! Template commands: whatever the author wrote, a value placeholder either becomes a variable
//! reference or the template is refused; none is left as text, and turning the references back
//! into values (what a snapshot records) never fails.
#![no_main]

use cdev::template::values::{expand, ordered, refer, Dialect, VALUES};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for dialect in [Dialect::Posix, Dialect::Fish] {
        let Ok(command) = refer(text, dialect) else { continue };
        // A placeholder is left only where its brace was escaped (`\{{x}}`): then it is text,
        // never a value.
        for (name, _) in VALUES {
            let placeholder = format!("{{{{{name}}}}}");
            for (at, _) in command.match_indices(&placeholder) {
                assert!(command[..at].ends_with('\\'), "{placeholder} left in {command:?}");
            }
        }
        let values = ordered(&[("project", "a'b\"c$(x)`y`\\"), ("project_root", "/p q")]);
        let _ = expand(&command, &values);
    }
});

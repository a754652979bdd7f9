//! What a config key is, whatever the key: how its value is read from `config.toml` and from its
//! `@cdev-*` option, checked by the same rule both ways, and shown. The keys themselves are the
//! table in `keys.rs`; the `keys!` macro below turns each row into a `Config` field and a [`Key`].

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{Config, Setting, Source};
use crate::paths::Paths;

/// One config key: what `config.toml` calls it, the tmux option that overrides it, how it is read.
pub struct Key {
    pub name: &'static str,
    pub option: Option<TmuxOption>,
    /// One line saying what the key is for (`cdev config` and README's list of keys show it).
    pub doc: &'static str,
    /// Sets the key from the value `config.toml` gives it; the error is the message alone.
    pub(super) from_file: fn(&mut Config, toml::Value, &Paths, Source) -> Result<(), String>,
    /// Sets the key from its option's text, which is never empty or only spaces.
    pub(super) from_option: fn(&mut Config, &str, &Paths, Source) -> Result<(), String>,
    /// The value as TOML writes it, and where it came from.
    pub(super) shown: fn(&Config) -> (toml::Value, &Source),
    /// The default as TOML writes it (README.md's list is checked against it).
    #[cfg(test)]
    pub(super) default: fn(&Paths) -> toml::Value,
}

/// The `@cdev-*` option of a key, and how a list is written in it (options are text).
#[derive(Debug, Clone, Copy)]
pub struct TmuxOption {
    pub name: &'static str,
    /// The separator of a list's items (`' '`: any whitespace); `None` for a single value.
    pub separator: Option<char>,
}

impl TmuxOption {
    pub const fn value(name: &'static str) -> Option<TmuxOption> {
        Some(TmuxOption { name, separator: None })
    }

    pub const fn list(name: &'static str, separator: char) -> Option<TmuxOption> {
        Some(TmuxOption { name, separator: Some(separator) })
    }
}

/// A value as the user writes it, before the key's rule: what TOML holds, read from text too.
pub(super) trait Written: DeserializeOwned {
    fn from_text(text: &str, separator: Option<char>) -> Result<Self, String>;
}

impl Written for String {
    fn from_text(text: &str, _: Option<char>) -> Result<Self, String> {
        Ok(text.to_string())
    }
}

impl Written for Vec<String> {
    fn from_text(text: &str, separator: Option<char>) -> Result<Self, String> {
        let items: Vec<&str> = match separator {
            Some(' ') | None => text.split_whitespace().collect(),
            Some(separator) => text.split(separator).collect(),
        };
        Ok(items.into_iter().map(str::trim).filter(|i| !i.is_empty()).map(String::from).collect())
    }
}

impl Written for u32 {
    fn from_text(text: &str, _: Option<char>) -> Result<Self, String> {
        text.trim().parse().map_err(|_| format!("{text:?} is not a number"))
    }
}

impl Written for i64 {
    fn from_text(text: &str, _: Option<char>) -> Result<Self, String> {
        text.trim().parse().map_err(|_| format!("{text:?} is not a number"))
    }
}

/// Reads a TOML value as the key's written type, then applies the key's rule.
pub(super) fn from_file<W: Written, T>(
    slot: &mut Setting<T>,
    value: toml::Value,
    rule: impl Fn(W, &Paths) -> Result<T, String>,
    paths: &Paths,
    source: Source,
) -> Result<(), String> {
    let written = W::deserialize(value).map_err(|err| err.message().trim().to_string())?;
    *slot = Setting { value: rule(written, paths)?, source };
    Ok(())
}

/// Reads an option's text as the key's written type, then applies the key's rule.
pub(super) fn from_option<W: Written, T>(
    slot: &mut Setting<T>,
    text: &str,
    separator: Option<char>,
    rule: impl Fn(W, &Paths) -> Result<T, String>,
    paths: &Paths,
    source: Source,
) -> Result<(), String> {
    *slot = Setting { value: rule(W::from_text(text, separator)?, paths)?, source };
    Ok(())
}

/// A value as `config.toml` would say it.
pub(super) fn as_toml<T: Serialize>(value: &T) -> toml::Value {
    toml::Value::try_from(value).expect("config values are TOML values")
}

/// The table of keys (see `keys.rs`): each row becomes a field of [`Config`] (its doc line the
/// field's doc), its default in `Config::defaults`, and a [`Key`] in `KEYS`, in the row's order.
macro_rules! keys {
    ($(
        #[doc = $doc:literal]
        $name:ident: $type:ty = $default:expr,
            rule $rule:expr,
            option $option:expr;
    )*) => {
        /// Everything cdev can be configured with, each value with where it came from.
        #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
        pub struct Config {
            $( #[doc = $doc] pub $name: Setting<$type>, )*
            /// Machines for `cdev remote`, `cdev list --hosts` and `cdev move`, by name.
            pub hosts: std::collections::BTreeMap<String, Host>,
        }

        impl Config {
            pub fn defaults(paths: &Paths) -> Config {
                #[allow(clippy::redundant_closure_call)]
                Config {
                    $( $name: Setting::default(($default)(paths)), )*
                    hosts: std::collections::BTreeMap::new(),
                }
            }
        }

        /// Every key, in the order `cdev config` shows them.
        pub const KEYS: &[Key] = &[$(
            Key {
                name: stringify!($name),
                option: $option,
                doc: $doc,
                from_file: |config, value, paths, source| {
                    key::from_file(&mut config.$name, value, $rule, paths, source)
                },
                from_option: |config, text, paths, source| {
                    let separator = $option.and_then(|o: TmuxOption| o.separator);
                    key::from_option(&mut config.$name, text, separator, $rule, paths, source)
                },
                shown: |config| (key::as_toml(&config.$name.value), &config.$name.source),
                #[cfg(test)]
                #[allow(clippy::redundant_closure_call)]
                default: |paths| key::as_toml::<$type>(&($default)(paths)),
            },
        )*];

        /// The keys `config.toml` may hold at its top level.
        pub(super) const FILE_KEYS: &[&str] = &[$(stringify!($name),)* "hosts"];
    };
}
pub(super) use keys;

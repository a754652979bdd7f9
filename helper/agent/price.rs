//! Anthropic's list prices and context windows by model family: what an estimate from a
//! transcript is made with, for a pane whose Claude does not report its cost.

use super::tally::Tokens;

/// List prices in USD per million tokens.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Price {
    pub input: f64,
    pub output: f64,
}

impl Price {
    /// Cache writes cost 1.25 × input (2 × when kept an hour), cache reads 0.1 × input.
    pub fn cost(&self, tokens: &Tokens, one_hour: u64) -> f64 {
        let one_hour = one_hour.min(tokens.cache_creation) as f64;
        let five_minutes = tokens.cache_creation as f64 - one_hour;
        let input_equivalent =
            tokens.input as f64 + five_minutes * 1.25 + one_hour * 2.0 + tokens.cache_read as f64 * 0.1;
        (input_equivalent * self.input + tokens.output as f64 * self.output) / 1e6
    }
}

/// The price of a model by its family, from Anthropic's published list prices (December 2026):
/// an estimate, for a pane whose Claude does not report its cost. Models of a family not
/// listed have no price (tokens are still counted).
pub fn price(model: &str) -> Option<Price> {
    let model = model.to_ascii_lowercase();
    let is = |part: &str| model.contains(part);
    let (input, output) = if is("opus") {
        // Opus 3, 4 and 4.1 cost three times what later ones do.
        let older = is("3-opus") || is("opus-3") || is("opus-4-0") || is("opus-4-1") || is("opus-4-2025");
        if older {
            (15.0, 75.0)
        } else {
            (5.0, 25.0)
        }
    } else if is("sonnet") {
        (3.0, 15.0)
    } else if is("haiku") {
        if is("3-haiku") {
            (0.25, 1.25)
        } else if is("3-5-haiku") {
            (0.8, 4.0)
        } else {
            (1.0, 5.0)
        }
    } else {
        return None;
    };
    Some(Price { input, output })
}

/// The model's context window: 200k tokens, a million for a `[1m]` model or once a message has
/// used more than 200k.
pub fn window(model: &str, used: u64) -> u64 {
    if model.contains("[1m]") || used > 200_000 {
        1_000_000
    } else {
        200_000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_by_family_and_the_window() {
        let p = |m: &str| price(m).map(|p| (p.input, p.output));
        assert_eq!(p("claude-opus-4-1-20250805"), Some((15.0, 75.0)));
        assert_eq!(p("claude-opus-4-20250514"), Some((15.0, 75.0)));
        assert_eq!(p("claude-3-opus-20240229"), Some((15.0, 75.0)));
        assert_eq!(p("claude-opus-4-5-20251101"), Some((5.0, 25.0)));
        assert_eq!(p("claude-opus-5-5"), Some((5.0, 25.0)));
        assert_eq!(p("claude-sonnet-4-5[1m]"), Some((3.0, 15.0)));
        assert_eq!(p("claude-3-5-haiku-20241022"), Some((0.8, 4.0)));
        assert_eq!(p("claude-3-haiku-20240307"), Some((0.25, 1.25)));
        assert_eq!(p("claude-haiku-4-5"), Some((1.0, 5.0)));
        assert_eq!(p("gpt-5"), None);
        // One hour cache writes at 2 × input.
        let tokens = Tokens { cache_creation: 1_000_000, ..Tokens::default() };
        assert_eq!(Price { input: 3.0, output: 15.0 }.cost(&tokens, 1_000_000), 6.0);
        assert_eq!((window("claude-sonnet-4-5[1m]", 10), window("x", 250_000)), (1_000_000, 1_000_000));
        assert_eq!(window("claude-opus-5-5", 10), 200_000);
    }
}

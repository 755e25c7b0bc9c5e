//! Case conversion (UpperCamelCase, lowerCamelCase, snake_case, kebab-case, SHOUTY_SNAKE_CASE,
//! Title Case, SHOUTY-KEBAB-CASE) with the interface of the `heck` crate: `ToSnakeCase` and
//! friends on `str`, and `AsSnakeCase` and friends for `Display`.
//!
//! Words are runs of letters and digits. Inside a run, a new word starts at an uppercase letter
//! that follows a lowercase letter (digits between them included), and at the last of several uppercase letters when
//! a lowercase letter follows it ("XMLHttpRequest" is XML|Http|Request). Everything else
//! (spaces, punctuation, underscores) only separates words and is dropped.

use std::fmt;

/// How each word is written, and what goes between words.
#[derive(Clone, Copy)]
enum Style {
    Lower,
    Upper,
    Capitalized,
}

#[derive(Clone, Copy)]
struct Case {
    first: Style,
    rest: Style,
    separator: &'static str,
}

const SNAKE: Case = Case { first: Style::Lower, rest: Style::Lower, separator: "_" };
const KEBAB: Case = Case { first: Style::Lower, rest: Style::Lower, separator: "-" };
const SHOUTY_SNAKE: Case = Case { first: Style::Upper, rest: Style::Upper, separator: "_" };
const SHOUTY_KEBAB: Case = Case { first: Style::Upper, rest: Style::Upper, separator: "-" };
const UPPER_CAMEL: Case = Case { first: Style::Capitalized, rest: Style::Capitalized, separator: "" };
const LOWER_CAMEL: Case = Case { first: Style::Lower, rest: Style::Capitalized, separator: "" };
const TITLE: Case = Case { first: Style::Capitalized, rest: Style::Capitalized, separator: " " };

/// Splits `text` into words by the rules in the module documentation.
fn words(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    for run in text.split(|c: char| !c.is_alphanumeric()).filter(|run| !run.is_empty()) {
        let chars: Vec<(usize, char)> = run.char_indices().collect();
        let mut start = 0;
        // digits carry on the case of the letter before them ("abc123DEF" splits, "99BOTTLES"
        // does not)
        let mut after_lower = chars[0].1.is_lowercase();
        for i in 1..chars.len() {
            let (at, current) = chars[i];
            let next_is_lower = chars.get(i + 1).map_or(false, |&(_, c)| c.is_lowercase());
            if current.is_uppercase() && (after_lower || next_is_lower) {
                found.push(&run[start..at]);
                start = at;
            }
            if current.is_lowercase() {
                after_lower = true;
            } else if current.is_uppercase() {
                after_lower = false;
            }
        }
        found.push(&run[start..]);
    }
    found
}

fn write_word(out: &mut fmt::Formatter<'_>, word: &str, style: Style) -> fmt::Result {
    match style {
        Style::Lower => write!(out, "{}", word.to_lowercase()),
        Style::Upper => write!(out, "{}", word.to_uppercase()),
        Style::Capitalized => {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => write!(out, "{}{}", first.to_uppercase(), chars.as_str().to_lowercase()),
                None => Ok(()),
            }
        }
    }
}

/// Writes `text` in `case`.
struct Converted<'a>(&'a str, Case);

impl fmt::Display for Converted<'_> {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Converted(text, case) = *self;
        for (n, word) in words(text).into_iter().enumerate() {
            if n > 0 {
                out.write_str(case.separator)?;
            }
            write_word(out, word, if n == 0 { case.first } else { case.rest })?;
        }
        Ok(())
    }
}

macro_rules! case_api {
    ($(#[$doc:meta] $trait_name:ident :: $method:ident, $wrapper:ident = $case:expr;)*) => {$(
        #[$doc]
        pub trait $trait_name: ToOwned {
            /// Converts this value to the case.
            fn $method(&self) -> Self::Owned;
        }

        impl $trait_name for str {
            fn $method(&self) -> String {
                Converted(self, $case).to_string()
            }
        }

        #[$doc]
        /// (A `Display` wrapper: converts while formatting.)
        pub struct $wrapper<T: AsRef<str>>(pub T);

        impl<T: AsRef<str>> fmt::Display for $wrapper<T> {
            fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
                Converted(self.0.as_ref(), $case).fmt(out)
            }
        }
    )*};
}

case_api! {
    #[doc = "snake_case: lower case words joined by underscores."]
    ToSnakeCase::to_snake_case, AsSnakeCase = SNAKE;
    #[doc = "kebab-case: lower case words joined by hyphens."]
    ToKebabCase::to_kebab_case, AsKebabCase = KEBAB;
    #[doc = "SHOUTY_SNAKE_CASE: upper case words joined by underscores."]
    ToShoutySnakeCase::to_shouty_snake_case, AsShoutySnakeCase = SHOUTY_SNAKE;
    #[doc = "SHOUTY-KEBAB-CASE: upper case words joined by hyphens."]
    ToShoutyKebabCase::to_shouty_kebab_case, AsShoutyKebabCase = SHOUTY_KEBAB;
    #[doc = "UpperCamelCase: capitalized words, nothing between them."]
    ToUpperCamelCase::to_upper_camel_case, AsUpperCamelCase = UPPER_CAMEL;
    #[doc = "lowerCamelCase: as UpperCamelCase, but the first word in lower case."]
    ToLowerCamelCase::to_lower_camel_case, AsLowerCamelCase = LOWER_CAMEL;
    #[doc = "Title Case: capitalized words joined by spaces."]
    ToTitleCase::to_title_case, AsTitleCase = TITLE;
}

/// Another name for [`ToSnakeCase`].
pub use self::ToSnakeCase as ToSnekCase;
/// Another name for [`ToUpperCamelCase`].
pub use self::ToUpperCamelCase as ToPascalCase;

//! Deciding whether a concrete version satisfies a requirement such as `^1.2`, `~0.3.1`
//! or `>=1.0.0, <2.0.0`.

use crate::{Comparator, Op, Version, VersionReq};
use core::cmp::Ordering;

/// A comparator may let a pre-release through only when it names the very same
/// major.minor.patch and carries a pre-release of its own.
fn prerelease_allowed(rule: &Comparator, candidate: &Version) -> bool {
    !rule.pre.is_empty()
        && rule.major == candidate.major
        && rule.minor == Some(candidate.minor)
        && rule.patch == Some(candidate.patch)
}

/// `^`: changes that keep the left-most non-zero component are accepted.
fn caret_range(rule: &Comparator, candidate: &Version) -> bool {
    if candidate.major != rule.major {
        return false;
    }
    let minor = match rule.minor {
        Some(minor) => minor,
        None => return true,
    };
    let patch = match rule.patch {
        Some(patch) => patch,
        None if rule.major > 0 => return candidate.minor >= minor,
        None => return candidate.minor == minor,
    };

    if rule.major == 0 && minor == 0 {
        if candidate.minor != minor || candidate.patch != patch {
            return false;
        }
    } else if rule.major == 0 && candidate.minor != minor {
        return false;
    } else if candidate.minor != minor {
        return candidate.minor > minor;
    } else if candidate.patch != patch {
        return candidate.patch > patch;
    }
    candidate.pre >= rule.pre
}

/// `~`: only patch-level changes (minor-level when no minor is given).
fn tilde_range(rule: &Comparator, candidate: &Version) -> bool {
    let same_minor = rule.minor.map_or(true, |minor| candidate.minor == minor);
    if candidate.major != rule.major || !same_minor {
        return false;
    }
    match rule.patch {
        Some(patch) if candidate.patch != patch => candidate.patch > patch,
        _ => candidate.pre >= rule.pre,
    }
}

/// Is `candidate` strictly on the `side` of the rule? A component the rule leaves out
/// decides nothing, so the answer is then "no".
fn strictly(rule: &Comparator, candidate: &Version, side: Ordering) -> bool {
    if candidate.major != rule.major {
        return candidate.major.cmp(&rule.major) == side;
    }
    for (mine, theirs) in [(candidate.minor, rule.minor), (candidate.patch, rule.patch)] {
        match theirs {
            None => return false,
            Some(theirs) if mine != theirs => return mine.cmp(&theirs) == side,
            Some(_) => {}
        }
    }
    candidate.pre.cmp(&rule.pre) == side
}

/// `=` (and wildcards): every component the rule names must be equal.
fn same_numbers(rule: &Comparator, candidate: &Version) -> bool {
    candidate.major == rule.major
        && rule.minor.map_or(true, |minor| candidate.minor == minor)
        && rule.patch.map_or(true, |patch| candidate.patch == patch)
        && candidate.pre == rule.pre
}

fn holds(rule: &Comparator, candidate: &Version) -> bool {
    match rule.op {
        Op::Caret => caret_range(rule, candidate),
        Op::Tilde => tilde_range(rule, candidate),
        Op::Less => strictly(rule, candidate, Ordering::Less),
        Op::LessEq => same_numbers(rule, candidate) || strictly(rule, candidate, Ordering::Less),
        Op::Greater => strictly(rule, candidate, Ordering::Greater),
        Op::GreaterEq => {
            same_numbers(rule, candidate) || strictly(rule, candidate, Ordering::Greater)
        }
        Op::Exact | Op::Wildcard => same_numbers(rule, candidate),
        #[cfg(no_non_exhaustive)]
        Op::__NonExhaustive => unreachable!(),
    }
}

/// One comparator on its own, with the pre-release rule applied.
pub(crate) fn satisfies_one(rule: &Comparator, candidate: &Version) -> bool {
    holds(rule, candidate) && (candidate.pre.is_empty() || prerelease_allowed(rule, candidate))
}

/// Every comparator must hold; a pre-release also needs one comparator that opts in to it
/// (so `>=1.2.3-alpha` admits `1.2.3-beta` but not `1.2.4-beta`).
pub(crate) fn satisfies_all(requirement: &VersionReq, candidate: &Version) -> bool {
    let rules = &requirement.comparators;
    rules.iter().all(|rule| holds(rule, candidate))
        && (candidate.pre.is_empty() || rules.iter().any(|rule| prerelease_allowed(rule, candidate)))
}

//! Account identifier validation shared by the settlement service and the
//! onboarding API (via the `acme_checksum` Python extension).
//!
//! Three schemes are supported:
//!
//! * IBAN (ISO 13616) with per-country lengths,
//! * US ABA routing transit numbers (3-7-1 weighted checksum),
//! * Acme internal ledger account numbers (`AP` + 10 digits + 2 check
//!   characters), see [`acme_check_chars`].

use std::fmt;

/// Why an identifier was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValidationError {
    Empty,
    InvalidCharacter { position: usize, found: char },
    UnknownCountry(String),
    WrongLength { expected: usize, actual: usize },
    ChecksumMismatch,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValidationError::Empty => write!(f, "identifier is empty"),
            ValidationError::InvalidCharacter { position, found } => {
                write!(f, "invalid character {found:?} at position {position}")
            }
            ValidationError::UnknownCountry(cc) => write!(f, "unknown IBAN country code {cc}"),
            ValidationError::WrongLength { expected, actual } => {
                write!(f, "expected {expected} characters, got {actual}")
            }
            ValidationError::ChecksumMismatch => write!(f, "checksum does not match"),
        }
    }
}

impl std::error::Error for ValidationError {}

/// IBAN lengths for the countries we pay out to. Extend together with the
/// settlement corridors list in `services/settlement`.
const IBAN_LENGTHS: &[(&str, usize)] = &[
    ("AT", 20), ("BE", 16), ("CH", 21), ("CZ", 24), ("DE", 22), ("DK", 18),
    ("ES", 24), ("FI", 18), ("FR", 27), ("GB", 22), ("IE", 22), ("IT", 27),
    ("LU", 20), ("NL", 18), ("NO", 15), ("PL", 28), ("PT", 25), ("SE", 24),
];

/// Strip spaces and upper-case, the way customers type IBANs into forms.
pub fn normalize(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(|c| c.to_uppercase())
        .collect()
}

/// Computes `value mod 97` where `value` is the decimal expansion of the
/// characters (digits as-is, letters A=10 .. Z=35), without big integers.
fn mod97<I: IntoIterator<Item = char>>(chars: I) -> Result<u32, ValidationError> {
    let mut remainder: u32 = 0;
    for (position, c) in chars.into_iter().enumerate() {
        let value = c
            .to_digit(36)
            .ok_or(ValidationError::InvalidCharacter { position, found: c })?;
        remainder = if value < 10 {
            (remainder * 10 + value) % 97
        } else {
            (remainder * 100 + value) % 97
        };
    }
    Ok(remainder)
}

/// Validates an IBAN and returns it in normalised (electronic) form.
pub fn validate_iban(input: &str) -> Result<String, ValidationError> {
    let iban = normalize(input);
    if iban.is_empty() {
        return Err(ValidationError::Empty);
    }
    for (position, c) in iban.chars().enumerate() {
        let ok = if position < 2 { c.is_ascii_uppercase() } else { c.is_ascii_alphanumeric() };
        if !ok {
            return Err(ValidationError::InvalidCharacter { position, found: c });
        }
    }
    if iban.len() < 4 {
        return Err(ValidationError::WrongLength { expected: 15, actual: iban.len() });
    }
    let country = &iban[..2];
    let expected = IBAN_LENGTHS
        .iter()
        .find(|(cc, _)| *cc == country)
        .map(|(_, len)| *len)
        .ok_or_else(|| ValidationError::UnknownCountry(country.to_string()))?;
    if iban.len() != expected {
        return Err(ValidationError::WrongLength { expected, actual: iban.len() });
    }
    let rearranged = iban[4..].chars().chain(iban[..4].chars());
    if mod97(rearranged)? != 1 {
        return Err(ValidationError::ChecksumMismatch);
    }
    Ok(iban)
}

/// Formats a valid IBAN in groups of four for display on statements.
pub fn format_iban(iban: &str) -> String {
    let normalized = normalize(iban);
    normalized
        .as_bytes()
        .chunks(4)
        .map(|chunk| std::str::from_utf8(chunk).unwrap_or_default())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Validates a nine-digit US ABA routing number.
pub fn validate_aba_routing(input: &str) -> Result<(), ValidationError> {
    let digits: Vec<u32> = input
        .chars()
        .enumerate()
        .map(|(position, c)| c.to_digit(10).ok_or(ValidationError::InvalidCharacter { position, found: c }))
        .collect::<Result<_, _>>()?;
    if digits.len() != 9 {
        return Err(ValidationError::WrongLength { expected: 9, actual: digits.len() });
    }
    const WEIGHTS: [u32; 9] = [3, 7, 1, 3, 7, 1, 3, 7, 1];
    let sum: u32 = digits.iter().zip(WEIGHTS.iter()).map(|(d, w)| d * w).sum();
    if sum % 10 != 0 || sum == 0 {
        return Err(ValidationError::ChecksumMismatch);
    }
    Ok(())
}

/// Alphabet for Acme check characters: digits and upper-case letters without
/// the easily confused `I`, `O` and `U` (33 symbols), padded to 37 with
/// `*`, `=`, `#` and `@` so that the modulus is prime.
const CHECK_ALPHABET: &[u8; 37] = b"0123456789ABCDEFGHJKLMNPQRSTVWXYZ*=#@";

/// Two check characters for the ten-digit body of an Acme account number.
///
/// ISO 7064 style hybrid system over modulus 37: the first character
/// detects all single substitutions, the second (computed over the body plus
/// the first) all adjacent transpositions. Designed in 2019 for the card
/// issuing ledger; do not change, account numbers are printed on contracts.
pub fn acme_check_chars(body: &str) -> Result<[char; 2], ValidationError> {
    if body.len() != 10 {
        return Err(ValidationError::WrongLength { expected: 10, actual: body.len() });
    }
    let mut values = Vec::with_capacity(11);
    for (position, c) in body.chars().enumerate() {
        values.push(c.to_digit(10).ok_or(ValidationError::InvalidCharacter { position, found: c })?);
    }
    let first = weighted_mod37(&values);
    values.push(first);
    let second = weighted_mod37(&values);
    Ok([CHECK_ALPHABET[first as usize] as char, CHECK_ALPHABET[second as usize] as char])
}

fn weighted_mod37(values: &[u32]) -> u32 {
    let mut acc: u32 = 36;
    for &v in values {
        acc = (acc + v) % 37;
        if acc == 0 {
            acc = 37;
        }
        acc = (acc * 2) % 38;
    }
    (38 - acc) % 37
}

/// Validates a full Acme account number such as `AP0012345678K7`.
pub fn validate_acme_account(input: &str) -> Result<(), ValidationError> {
    let number = normalize(input);
    if number.is_empty() {
        return Err(ValidationError::Empty);
    }
    if number.len() != 14 {
        return Err(ValidationError::WrongLength { expected: 14, actual: number.len() });
    }
    if !number.starts_with("AP") {
        let found = number.chars().next().unwrap_or(' ');
        return Err(ValidationError::InvalidCharacter { position: 0, found });
    }
    let expected = acme_check_chars(&number[2..12])?;
    let actual: Vec<char> = number[12..].chars().collect();
    if actual != expected {
        return Err(ValidationError::ChecksumMismatch);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_valid_ibans() {
        assert_eq!(validate_iban("DE89 3704 0044 0532 0130 00").unwrap(), "DE89370400440532013000");
        assert!(validate_iban("gb82 west 1234 5698 7654 32").is_ok());
    }

    #[test]
    fn rejects_bad_iban_checksum() {
        assert_eq!(validate_iban("DE89370400440532013001"), Err(ValidationError::ChecksumMismatch));
    }

    #[test]
    fn rejects_wrong_length() {
        assert!(matches!(validate_iban("DE8937040044"), Err(ValidationError::WrongLength { .. })));
    }

    #[test]
    fn aba_routing() {
        assert!(validate_aba_routing("011000015").is_ok());
        assert_eq!(validate_aba_routing("011000016"), Err(ValidationError::ChecksumMismatch));
    }

    #[test]
    fn acme_round_trip_and_transposition() {
        let check = acme_check_chars("0012345678").unwrap();
        let number = format!("AP0012345678{}{}", check[0], check[1]);
        assert!(validate_acme_account(&number).is_ok());
        let swapped = format!("AP0021345678{}{}", check[0], check[1]);
        assert_eq!(validate_acme_account(&swapped), Err(ValidationError::ChecksumMismatch));
    }

    #[test]
    fn formats_in_groups() {
        assert_eq!(format_iban("DE89370400440532013000"), "DE89 3704 0044 0532 0130 00");
    }
}

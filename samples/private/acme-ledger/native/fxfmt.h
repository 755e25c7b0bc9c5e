/*
 * fxfmt - fast fixed-point currency formatting.
 *
 * Used by the statement renderer, which formats tens of millions of amounts
 * per night; snprintf + locale lookups were 40% of its CPU profile.
 *
 * Amounts are signed 64-bit counts of minor units. Nothing here allocates
 * and nothing reads the process locale.
 *
 * Copyright (c) Acme Pay Inc. All rights reserved.
 */
#ifndef ACME_FXFMT_H
#define ACME_FXFMT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Longest possible output: sign/parens, 19 digits, 6 group separators,
 * decimal separator, currency symbol of up to 8 bytes, spaces, NUL. */
#define FXFMT_MAX_OUTPUT 48

typedef enum {
    FXFMT_NEG_MINUS = 0,     /* -1,234.56 */
    FXFMT_NEG_PARENS = 1,    /* (1,234.56) accounting style */
    FXFMT_NEG_TRAILING = 2   /* 1,234.56- as on some bank statements */
} fxfmt_negative_style;

typedef struct {
    uint8_t minor_digits;        /* 0..4 */
    char decimal_sep;            /* '.' or ',' */
    char group_sep;              /* ',', '.', ' ', '\'' or 0 for none */
    uint8_t group_size;          /* usually 3; 0 disables grouping */
    fxfmt_negative_style negative;
    const char *symbol;          /* UTF-8, may be NULL */
    int symbol_after;            /* non-zero: "12,50 EUR" instead of "$12.50" */
    int symbol_space;            /* non-zero: space between symbol and number */
} fxfmt_spec;

/* Error codes (negative return values). */
#define FXFMT_E_BUFFER   (-1)    /* output buffer too small */
#define FXFMT_E_SPEC     (-2)    /* invalid spec */

/*
 * Format `minor` according to `spec` into `out` (capacity `cap`, including
 * the terminating NUL). Returns the number of bytes written excluding the
 * NUL, or a negative FXFMT_E_* code. `out` is always NUL-terminated when
 * cap > 0.
 */
int fxfmt_format(int64_t minor, const fxfmt_spec *spec, char *out, size_t cap);

/* Ready-made specs for the most common presentations. */
extern const fxfmt_spec FXFMT_USD;
extern const fxfmt_spec FXFMT_EUR_DE;
extern const fxfmt_spec FXFMT_CHF;
extern const fxfmt_spec FXFMT_JPY;

#ifdef __cplusplus
}
#endif

#endif /* ACME_FXFMT_H */

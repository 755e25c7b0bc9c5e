/*
 * fxfmt.c - see fxfmt.h.
 *
 * The digits are produced right to left into a scratch buffer, inserting the
 * decimal and group separators on the way, and then copied out together
 * with the sign and symbol. INT64_MIN is handled by working on the unsigned
 * magnitude.
 *
 * Copyright (c) Acme Pay Inc. All rights reserved.
 */
#include "fxfmt.h"

#include <string.h>

const fxfmt_spec FXFMT_USD = { 2, '.', ',', 3, FXFMT_NEG_MINUS, "$", 0, 0 };
const fxfmt_spec FXFMT_EUR_DE = { 2, ',', '.', 3, FXFMT_NEG_MINUS, "\xE2\x82\xAC", 1, 1 };
const fxfmt_spec FXFMT_CHF = { 2, '.', '\'', 3, FXFMT_NEG_MINUS, "CHF", 0, 1 };
const fxfmt_spec FXFMT_JPY = { 0, '.', ',', 3, FXFMT_NEG_MINUS, "\xC2\xA5", 0, 0 };

/* Appends `len` bytes to out at *pos if they fit (leaving room for NUL). */
static int put(char *out, size_t cap, size_t *pos, const char *src, size_t len)
{
    if (*pos + len >= cap) {
        return FXFMT_E_BUFFER;
    }
    memcpy(out + *pos, src, len);
    *pos += len;
    return 0;
}

static int put_char(char *out, size_t cap, size_t *pos, char c)
{
    return put(out, cap, pos, &c, 1);
}

static int spec_is_valid(const fxfmt_spec *spec)
{
    if (spec == NULL || spec->minor_digits > 4) {
        return 0;
    }
    if (spec->decimal_sep == '\0' && spec->minor_digits > 0) {
        return 0;
    }
    if (spec->group_sep != '\0' && spec->group_sep == spec->decimal_sep) {
        return 0;
    }
    if (spec->symbol != NULL && strlen(spec->symbol) > 8) {
        return 0;
    }
    return spec->negative >= FXFMT_NEG_MINUS && spec->negative <= FXFMT_NEG_TRAILING;
}

/*
 * Renders the magnitude into the tail of `scratch` and returns a pointer to
 * the first character. `scratch` must hold at least 32 bytes.
 */
static const char *render_digits(uint64_t magnitude, const fxfmt_spec *spec, char *scratch, size_t size, size_t *len)
{
    char *end = scratch + size;
    char *p = end;
    unsigned frac_left = spec->minor_digits;
    unsigned in_group = 0;
    int grouping = spec->group_sep != '\0' && spec->group_size > 0;

    /* Fractional digits, always printed even when zero. */
    while (frac_left > 0) {
        *--p = (char)('0' + magnitude % 10);
        magnitude /= 10;
        frac_left--;
    }
    if (spec->minor_digits > 0) {
        *--p = spec->decimal_sep;
    }

    /* Integer part: at least one digit, separators every group_size. */
    do {
        if (grouping && in_group == spec->group_size) {
            *--p = spec->group_sep;
            in_group = 0;
        }
        *--p = (char)('0' + magnitude % 10);
        magnitude /= 10;
        in_group++;
    } while (magnitude > 0);

    *len = (size_t)(end - p);
    return p;
}

int fxfmt_format(int64_t minor, const fxfmt_spec *spec, char *out, size_t cap)
{
    char scratch[40];
    size_t digits_len = 0;
    size_t pos = 0;
    size_t symbol_len;
    const char *digits;
    uint64_t magnitude;
    int negative = minor < 0;
    int rc = 0;

    if (out == NULL || cap == 0) {
        return FXFMT_E_BUFFER;
    }
    out[0] = '\0';
    if (!spec_is_valid(spec)) {
        return FXFMT_E_SPEC;
    }

    /* Two's complement negation on the unsigned type is well defined and
     * gives the right magnitude for INT64_MIN too. */
    magnitude = negative ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;
    digits = render_digits(magnitude, spec, scratch, sizeof scratch, &digits_len);
    symbol_len = spec->symbol ? strlen(spec->symbol) : 0;

    if (negative && spec->negative == FXFMT_NEG_PARENS) {
        rc |= put_char(out, cap, &pos, '(');
    } else if (negative && spec->negative == FXFMT_NEG_MINUS) {
        rc |= put_char(out, cap, &pos, '-');
    }

    if (symbol_len > 0 && !spec->symbol_after) {
        rc |= put(out, cap, &pos, spec->symbol, symbol_len);
        if (spec->symbol_space) {
            rc |= put_char(out, cap, &pos, ' ');
        }
    }

    rc |= put(out, cap, &pos, digits, digits_len);

    if (symbol_len > 0 && spec->symbol_after) {
        if (spec->symbol_space) {
            rc |= put_char(out, cap, &pos, ' ');
        }
        rc |= put(out, cap, &pos, spec->symbol, symbol_len);
    }

    if (negative && spec->negative == FXFMT_NEG_PARENS) {
        rc |= put_char(out, cap, &pos, ')');
    } else if (negative && spec->negative == FXFMT_NEG_TRAILING) {
        rc |= put_char(out, cap, &pos, '-');
    }

    if (rc != 0) {
        /* Never hand back a truncated amount: a cut-off "1,234" that should
         * have been "1,234,567.89" is worse than nothing. */
        out[0] = '\0';
        return FXFMT_E_BUFFER;
    }
    out[pos] = '\0';
    return (int)pos;
}

/* The per-file hot path of fingerprinting, in C: parse, token stream, structure, winnowing.
 *
 * Built by setup.py against the tree-sitter core of the pinned py-tree-sitter sdist (which
 * does not export the C API), so it parses with the same code as ``tree_sitter.Parser``. Every
 * result is bit-for-bit what the Python path computes (``normalize.tokenize``,
 * ``structure._function_nodes`` and ``extract``, ``shingles.kgrams`` and ``winnow``);
 * tests/test_native.py checks that on real code of every language and on hostile input. The
 * Python path stays as the fallback and the reference. The leaf walk reads the core's
 * subtrees through its internal headers (``src/``: ``subtree.h``, ``language.h``, ``tree.h``),
 * so it is built against that one pinned core only.
 *
 * ``Tokenizer(capsule, table, function_mask, body, params, name, string, anchors, brace,
 * paren, control_keys, control_codes, definers, type_definers, ident, number, dot, open_paren,
 * min_function_tokens, paint_budget, min_events, format, local, codes, seed=None)`` (fourteen
 * before ``seed``: ``structure``'s constants and ``structure.text_codes``; ``seed`` keys the
 * hash tables' slots, random when None: it changes no output, only where entries sit)
 * ``.tokenize(parse_source, source, structure=True)`` returns, for one file:
 *
 *   (values, raw, line_start, line_end, start_byte, end_byte, error_line, structure, lines)
 *
 * the first six as bytearrays of uint64, uint64, uint32, uint32, int64, int64 (one entry per
 * token), error_line an int or None, structure the bytes ``Structure.to_bytes`` writes (None
 * when not asked for: then the function nodes are not looked for either), lines
 * ``count_lines(source)``.
 *
 * ``blank_comment_lines(source)`` is ``normalize._blank_python_comment_lines``;
 * ``select(values, raw, line_start, line_end, k, w)`` returns the winnowed fingerprints as
 * the bytes of a FINGERPRINT_DTYPE array (``shingles``); ``minima(hashes, a, b)`` a MinHash
 * signature's values (``signature``). ``use_python_allocator()`` (a parser process's, before
 * its first Tokenizer) has tree-sitter allocate from Python's allocator and parse with the GIL.
 *
 * No recursion here (the isolated child parses in a thread with a big stack for tree-sitter's
 * own); every allocation is checked (a child under RLIMIT_AS gets MemoryError, not a crash).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <tree_sitter/api.h>
#include <unistd.h>

#include "language.h" /* tree-sitter's internals: the walk reads subtrees */
#include "subtree.h"
#include "tree.h"

#define FUNCTION_FIELDS 8
/* What the Python side calls here: bumped, with ``fingerprints/native.py``'s ``ABI``, whenever a
 * function, a method or their arguments change, so that an in-place build of an older
 * _native.c is refused by name at import instead of failing on a missing method. */
#define LEAKTRACE_NATIVE_ABI 1
#define CONTROL_CODES 256 /* ``structure.CONTROL_CODES``: hashes are moved above it */
#define RAW_BASE 0x100000001B3ULL
#define KGRAM_BASE 0x9E3779B97F4A7C15ULL

/* splitmix64's finalizer: k-gram hashes, and the slots of the hash tables here */
static uint64_t mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* -- growable arrays ------------------------------------------------------------------------ */

typedef struct {
    void *data;
    size_t count, capacity, item;
} Vec;

static int vec_reserve(Vec *vec, size_t wanted) {
    if (wanted <= vec->capacity) return 0;
    size_t capacity = vec->capacity ? vec->capacity : 256;
    while (capacity < wanted) capacity *= 2;
    void *data = realloc(vec->data, capacity * vec->item);
    if (data == NULL) return -1;
    vec->data = data;
    vec->capacity = capacity;
    return 0;
}

#pragma pack(push, 1)
typedef struct {
    uint64_t hash, raw;
    uint32_t pos, line_start, line_end;
} Fingerprint; /* FINGERPRINT_DTYPE */
#pragma pack(pop)

/* -- one file's tokens ---------------------------------------------------------------------- */

typedef struct {
    const uint64_t *table;
    uint32_t table_len;
    const uint8_t *function_mask;
    uint32_t mask_len;
    TSFieldId body, params, name;
    uint64_t string_value, open_brace, close_paren;
    const uint64_t *anchors;
    size_t anchor_count;
    const uint8_t *anchor_entries; /* per entry of ``table``: its value is one of ``anchors`` */
    uint64_t seed; /* the Tokenizer's: its hash tables' slots */
} Grammar;

typedef struct {
    Vec values, starts, ends; /* uint64, int64, int64 */
    Vec functions;            /* int64 x FUNCTION_FIELDS */
    int64_t error_line;       /* 0: none */
} Tokens;

/* Room for ``wanted`` tokens: one check when there is (the three grow together). */
static int tokens_reserve(Tokens *tokens, size_t wanted) {
    if (wanted <= tokens->values.capacity && wanted <= tokens->starts.capacity &&
        wanted <= tokens->ends.capacity)
        return 0;
    return vec_reserve(&tokens->values, wanted) || vec_reserve(&tokens->starts, wanted) ||
                   vec_reserve(&tokens->ends, wanted)
               ? -1
               : 0;
}

static void tokens_free(Tokens *tokens) {
    free(tokens->values.data);
    free(tokens->starts.data);
    free(tokens->ends.data);
    free(tokens->functions.data);
}

/* The walk reads tree-sitter's subtrees directly (its internal headers; the core is compiled
 * with this file), as ``TSTreeCursor`` would visit them: a child is visible when its subtree
 * is or its parent's production aliases it (not an extra); a hidden child is gone into when
 * it has visible children; a visible node none of whose children is visible or gone into is
 * a leaf. That is ``ts_tree_cursor_goto_first_child`` / ``goto_next_sibling`` /
 * ``current_node`` without the per-step bookkeeping they do for other callers. */
typedef struct {
    const Subtree *subtree;
    Length position, next; /* the node's start; the next child's */
    const TSSymbol *aliases;
    uint32_t child, structural;
    TSSymbol alias;
    uint8_t visible, found; /* found: a child was visible or gone into */
} Frame;

/* An anchor's function, found during the walk: token ``at`` and the node (null: none). */
typedef struct {
    size_t at;
    TSNode node;
} Hit;

static TSSymbol public_symbol(const TSLanguage *language, const Subtree *subtree, TSSymbol alias) {
    return ts_language_public_symbol(language, alias ? alias : ts_subtree_symbol(*subtree));
}

static int is_kind_function(const Grammar *grammar, TSSymbol kind) {
    return kind < grammar->mask_len && grammar->function_mask[kind];
}

/* ``structure._function_nodes``' look-up for the leaf just emitted: the leaf or one of its three
 * nearest visible ancestors (``frames[0..depth)``), the first that is a function. */
static TSNode function_of_leaf(const TSTree *tree, const Grammar *grammar, const Frame *frames,
                               size_t depth, const Subtree *leaf, Length position, TSSymbol alias) {
    const TSLanguage *language = tree->language;
    if (is_kind_function(grammar, public_symbol(language, leaf, alias)))
        return ts_node_new(tree, leaf, position, alias);
    int up = 0;
    for (size_t i = depth; i-- > 0 && up < 3;) {
        const Frame *frame = &frames[i];
        if (!frame->visible) continue;
        up++;
        if (is_kind_function(grammar, public_symbol(language, frame->subtree, frame->alias)))
            return ts_node_new(tree, frame->subtree, frame->position, frame->alias);
    }
    return (TSNode){{0, 0, 0, 0}, NULL, NULL};
}

/* One leaf: mapped through the token table, dropped when its value is 0 or it is empty, runs of
 * string pieces collapsed into one token; a new anchor token's function looked up (``hits``
 * not NULL). */
static int emit_leaf(const TSTree *tree, const Grammar *grammar, Tokens *out, Vec *hits,
                     const Frame *frames, size_t depth, const Subtree *leaf, Length position,
                     TSSymbol alias) {
    uint32_t kind = public_symbol(tree->language, leaf, alias);
    uint32_t entry = kind < grammar->table_len ? kind : grammar->table_len - 1;
    uint64_t value = grammar->table[entry];
    int64_t start = position.bytes, end = start + ts_subtree_size(*leaf).bytes;
    if (value == 0 || end <= start) return 0;
    size_t count = out->values.count;
    if (count && value == grammar->string_value && ((uint64_t *)out->values.data)[count - 1] == value) {
        ((int64_t *)out->ends.data)[count - 1] = end;
        return 0;
    }
    if (tokens_reserve(out, count + 1)) return -1;
    ((uint64_t *)out->values.data)[count] = value;
    ((int64_t *)out->starts.data)[count] = start;
    ((int64_t *)out->ends.data)[count] = end;
    out->values.count = out->starts.count = out->ends.count = count + 1;
    /* no anchor is a string token (``tokenizer_init``), whose range a later piece could grow;
     * an anchor: one of ``anchors`` (``anchor_entries``) or ``{`` right after ``)`` */
    if (hits && (grammar->anchor_entries[entry] ||
                 (count && value == grammar->open_brace &&
                  ((uint64_t *)out->values.data)[count - 1] == grammar->close_paren))) {
        if (vec_reserve(hits, hits->count + 1)) return -1;
        Hit *hit = (Hit *)hits->data + hits->count++;
        hit->at = count;
        hit->node = function_of_leaf(tree, grammar, frames, depth, leaf, position, alias);
    }
    return 0;
}

static int push_frame(Vec *stack, const TSLanguage *language, const Subtree *subtree,
                      Length position, TSSymbol alias, int visible) {
    if (vec_reserve(stack, stack->count + 1)) return -1;
    Frame *frame = (Frame *)stack->data + stack->count++;
    frame->subtree = subtree;
    frame->position = frame->next = position;
    frame->aliases = ts_language_alias_sequence(language, ts_subtree_production_id(*subtree));
    frame->child = frame->structural = 0;
    frame->alias = alias;
    frame->visible = (uint8_t)visible;
    frame->found = 0;
    return 0;
}

/* Every leaf in order (``normalize._walk_leaves``) into ``out``; with ``hits``, the function of
 * every anchor token that is not a string (``function_nodes`` reads them). */
static int walk_leaves(const TSTree *tree, const Grammar *grammar, Tokens *out, Vec *hits) {
    const TSLanguage *language = tree->language;
    Vec stack = {NULL, 0, 0, sizeof(Frame)};
    int failed = push_frame(&stack, language, &tree->root, ts_subtree_padding(tree->root), 0, 1);
    while (!failed && stack.count) {
        Frame *frames = stack.data, *top = &frames[stack.count - 1];
        uint32_t child_count = ts_subtree_child_count(*top->subtree);
        if (top->child == child_count) {
            stack.count--;
            if (top->visible && !top->found)
                failed = emit_leaf(tree, grammar, out, hits, frames, stack.count, top->subtree,
                                   top->position, top->alias);
            continue;
        }
        const Subtree *children = ts_subtree_children(*top->subtree), *child = &children[top->child];
        TSSymbol alias = 0;
        if (!ts_subtree_extra(*child)) {
            if (top->aliases) alias = top->aliases[top->structural];
            top->structural++;
        }
        Length position = top->next;
        top->next = length_add(top->next, ts_subtree_size(*child));
        if (++top->child < child_count)
            top->next = length_add(top->next, ts_subtree_padding(children[top->child]));
        if (ts_subtree_visible(*child) || alias) {
            top->found = 1;
            if (ts_subtree_child_count(*child) == 0)
                failed = emit_leaf(tree, grammar, out, hits, frames, stack.count, child, position, alias);
            else
                failed = push_frame(&stack, language, child, position, alias, 1);
        } else if (ts_subtree_visible_child_count(*child) > 0) {
            top->found = 1;
            failed = push_frame(&stack, language, child, position, 0, 0);
        }
    }
    free(stack.data);
    return failed;
}

/* ``normalize._first_error_line``: down the first child that has an error, to the error. */
static int64_t first_error_line(TSTree *tree) {
    TSNode node = ts_tree_root_node(tree);
    if (!ts_node_has_error(node)) return 0;
    while (!(ts_node_is_error(node) || ts_node_is_missing(node))) {
        TSTreeCursor cursor = ts_tree_cursor_new(node);
        int found = 0;
        if (ts_tree_cursor_goto_first_child(&cursor)) {
            do {
                TSNode child = ts_tree_cursor_current_node(&cursor);
                if (ts_node_has_error(child) || ts_node_is_missing(child)) {
                    node = child;
                    found = 1;
                    break;
                }
            } while (ts_tree_cursor_goto_next_sibling(&cursor));
        }
        ts_tree_cursor_delete(&cursor);
        if (!found) break;
    }
    return (int64_t)ts_node_start_point(node).row + 1;
}

static int is_function(const Grammar *grammar, TSNode node) {
    return is_kind_function(grammar, ts_node_symbol(node));
}

/* Open-addressing set of 64-bit keys ((start, end) byte pairs: a function found from two
 * anchors once; name ids: the file's own names). The slots are keyed by ``seed`` (random per
 * Tokenizer): a file cannot choose keys that all land in one probe chain. */
typedef struct {
    uint64_t *keys; /* key + 1; 0 is empty */
    size_t mask;
    uint64_t seed;
} Seen;

static size_t seen_slot(const Seen *seen, uint64_t key) { return mix(key ^ seen->seed) & seen->mask; }

static int seen_add(Seen *seen, uint64_t key, size_t count) {
    /* grows to keep the load under a half; returns 1 when new, 0 when seen, -1 on no memory */
    if ((count + 1) * 2 > seen->mask + 1 || seen->keys == NULL) {
        size_t size = seen->keys ? (seen->mask + 1) * 2 : 64;
        uint64_t *keys = calloc(size, sizeof(uint64_t));
        if (keys == NULL) return -1;
        uint64_t *old = seen->keys;
        size_t old_mask = seen->mask;
        seen->keys = keys;
        seen->mask = size - 1;
        for (size_t i = 0; old && i <= old_mask; i++) {
            if (!old[i]) continue;
            size_t slot = seen_slot(seen, old[i]);
            while (keys[slot]) slot = (slot + 1) & seen->mask;
            keys[slot] = old[i];
        }
        free(old);
    }
    key += 1;
    size_t slot = seen_slot(seen, key);
    while (seen->keys[slot]) {
        if (seen->keys[slot] == key) return 0;
        slot = (slot + 1) & seen->mask;
    }
    seen->keys[slot] = key;
    return 1;
}

/* ``structure._function_nodes``: each anchor token's function among the node and its three
 * nearest ancestors, with what ``structure.extract`` reads of it. ``hits`` holds exactly the
 * anchor tokens, in order, each with its function (found during the walk: no anchor is a string
 * token, whose range could still grow, ``tokenizer_init`` checks that). */
static int function_nodes(const Grammar *grammar, Tokens *out, const Vec *hits) {
    Seen seen = {NULL, 0, grammar->seed};
    int failed = 0;
    for (const Hit *hit = hits->data, *hits_end = hit + hits->count; hit < hits_end; hit++) {
        TSNode node = hit->node;
        if (ts_node_is_null(node) || !is_function(grammar, node)) continue;
        int64_t start = ts_node_start_byte(node), end = ts_node_end_byte(node);
        size_t count = out->functions.count;
        int added = seen_add(&seen, (uint64_t)start << 32 | (uint64_t)end, count);
        if (added < 0 || (added && vec_reserve(&out->functions, count + 1))) {
            failed = -1;
            break;
        }
        if (!added) continue;
        int64_t *row = (int64_t *)out->functions.data + count * FUNCTION_FIELDS;
        row[0] = start;
        row[1] = end;
        row[2] = ts_node_start_point(node).row;
        row[3] = ts_node_end_point(node).row;
        row[4] = -1;
        row[5] = 0;
        row[6] = row[7] = -1;
        if (grammar->body) {
            TSNode body = ts_node_child_by_field_id(node, grammar->body);
            if (!ts_node_is_null(body)) row[4] = ts_node_start_byte(body);
        }
        if (grammar->params) {
            TSNode params = ts_node_child_by_field_id(node, grammar->params);
            if (!ts_node_is_null(params)) row[5] = ts_node_named_child_count(params);
        }
        if (grammar->name) {
            TSNode name = ts_node_child_by_field_id(node, grammar->name);
            if (!ts_node_is_null(name)) {
                row[6] = ts_node_start_byte(name);
                row[7] = ts_node_end_byte(name);
            }
        }
        out->functions.count = count + 1;
    }
    free(seen.keys);
    return failed;
}

/* Parse and collect; no Python API here but tree-sitter's allocations (it runs without the GIL,
 * or with it after ``use_python_allocator``). 0, -1 no memory, -2 no tree. */
static int tokenize_file(TSParser *parser, const Grammar *grammar, const char *source,
                         uint32_t length, int want_functions, Tokens *out) {
    TSTree *tree = ts_parser_parse_string_encoding(parser, NULL, source, length, TSInputEncodingUTF8);
    if (tree == NULL) return -2;
    Vec hits = {NULL, 0, 0, sizeof(Hit)};
    int failed = walk_leaves(tree, grammar, out, want_functions ? &hits : NULL);
    out->error_line = first_error_line(tree);
    if (!failed && want_functions) failed = function_nodes(grammar, out, &hits);
    free(hits.data);
    ts_tree_delete(tree);
    return failed;
}

/* Raw hash (``normalize._raw_hashes``: sum of b[s + i] * B**i) and lines of every token. */
static void raw_and_lines(const uint8_t *source, size_t length, const Tokens *tokens, uint64_t *raw,
                          uint32_t *line_start, uint32_t *line_end, const int64_t *newlines,
                          size_t newline_count) {
    const int64_t *starts = tokens->starts.data, *ends = tokens->ends.data;
    size_t before = 0; /* newlines before the position last asked about */
    for (size_t i = 0; i < tokens->values.count; i++) {
        uint64_t hash = 0;
        int64_t end = ends[i] < (int64_t)length ? ends[i] : (int64_t)length;
        for (int64_t at = end - 1; at >= starts[i]; at--) hash = hash * RAW_BASE + source[at];
        raw[i] = hash;
        int64_t positions[2] = {starts[i], ends[i] - 1};
        uint32_t *lines[2] = {line_start, line_end};
        for (int j = 0; j < 2; j++) { /* newlines strictly before the position */
            while (before < newline_count && newlines[before] < positions[j]) before++;
            while (before > 0 && newlines[before - 1] >= positions[j]) before--;
            lines[j][i] = (uint32_t)(before + 1);
        }
    }
}

/* -- event codes of plain ASCII texts --------------------------------------------------------- */
/* ``structure._text_code`` for what C can do exactly: ASCII names (``_name``: lower case,
 * underscores dropped, ``CALL_ALIASES``, ``SYNTAX_CALLS``), integer literals of up to 15 digits
 * (``_number``; a float goes to Python for its repr) and printable ASCII strings (``_string``);
 * the hash is BLAKE2b (RFC 7693), as ``hashlib.blake2b(digest_size=4 or 8)``. Any other text
 * is Python's (``structure.text_codes``). */

static const uint64_t BLAKE2B_IV[8] = {
    0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
    0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL, 0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL};

static const uint8_t BLAKE2B_SIGMA[12][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4}, {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13}, {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11}, {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5}, {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3}};

static uint64_t rotr64(uint64_t x, int n) { return (x >> n) | (x << (64 - n)); }

#define BLAKE2B_G(a, b, c, d, x, y)                                                                 \
    do {                                                                                          \
        a += b + (x);                                                                             \
        d = rotr64(d ^ a, 32);                                                                    \
        c += d;                                                                                   \
        b = rotr64(b ^ c, 24);                                                                    \
        a += b + (y);                                                                             \
        d = rotr64(d ^ a, 16);                                                                    \
        c += d;                                                                                   \
        b = rotr64(b ^ c, 63);                                                                    \
    } while (0)

/* One compression (RFC 7693 section 3.2), its state in locals the compiler keeps in registers. */
static void blake2b_compress(uint64_t h[8], const uint8_t block[128], uint64_t counter, int last) {
    uint64_t m[16];
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(m, block, sizeof(m));
#else
    for (int i = 0; i < 16; i++) {
        m[i] = 0;
        for (int j = 0; j < 8; j++) m[i] |= (uint64_t)block[8 * i + j] << (8 * j);
    }
#endif
    uint64_t v0 = h[0], v1 = h[1], v2 = h[2], v3 = h[3], v4 = h[4], v5 = h[5], v6 = h[6], v7 = h[7];
    uint64_t v8 = BLAKE2B_IV[0], v9 = BLAKE2B_IV[1], v10 = BLAKE2B_IV[2], v11 = BLAKE2B_IV[3];
    uint64_t v12 = BLAKE2B_IV[4] ^ counter, v13 = BLAKE2B_IV[5];
    uint64_t v14 = last ? ~BLAKE2B_IV[6] : BLAKE2B_IV[6], v15 = BLAKE2B_IV[7];
    for (int round = 0; round < 12; round++) {
        const uint8_t *s = BLAKE2B_SIGMA[round];
        BLAKE2B_G(v0, v4, v8, v12, m[s[0]], m[s[1]]);
        BLAKE2B_G(v1, v5, v9, v13, m[s[2]], m[s[3]]);
        BLAKE2B_G(v2, v6, v10, v14, m[s[4]], m[s[5]]);
        BLAKE2B_G(v3, v7, v11, v15, m[s[6]], m[s[7]]);
        BLAKE2B_G(v0, v5, v10, v15, m[s[8]], m[s[9]]);
        BLAKE2B_G(v1, v6, v11, v12, m[s[10]], m[s[11]]);
        BLAKE2B_G(v2, v7, v8, v13, m[s[12]], m[s[13]]);
        BLAKE2B_G(v3, v4, v9, v14, m[s[14]], m[s[15]]);
    }
    h[0] ^= v0 ^ v8, h[1] ^= v1 ^ v9, h[2] ^= v2 ^ v10, h[3] ^= v3 ^ v11;
    h[4] ^= v4 ^ v12, h[5] ^= v5 ^ v13, h[6] ^= v6 ^ v14, h[7] ^= v7 ^ v15;
}

/* The first 8 bytes (little-endian) of BLAKE2b with ``digest`` bytes of output (4 or 8) of
 * ``prefix`` then ``text``. */
static uint64_t blake2b_head(int digest, const char *prefix, const uint8_t *text, size_t length) {
    uint64_t h[8];
    uint8_t block[128];
    size_t prefix_length = strlen(prefix), total = prefix_length + length, done = 0;
    memcpy(h, BLAKE2B_IV, sizeof(h));
    h[0] ^= 0x01010000ULL ^ (uint64_t)digest;
    for (;;) {
        size_t fill = total - done < 128 ? total - done : 128, from_prefix = 0;
        memset(block + fill, 0, 128 - fill);
        if (done < prefix_length) { /* the prefix is shorter than a block */
            from_prefix = prefix_length - done < fill ? prefix_length - done : fill;
            memcpy(block, prefix + done, from_prefix);
        }
        if (fill > from_prefix) /* then ``done + from_prefix`` is past the prefix */
            memcpy(block + from_prefix, text + (done + from_prefix - prefix_length), fill - from_prefix);
        done += fill;
        if (done >= total) {
            blake2b_compress(h, block, (uint64_t)total, 1);
            break;
        }
        blake2b_compress(h, block, (uint64_t)done, 0);
    }
    return digest >= 8 ? h[0] : h[0] & ((1ULL << (8 * digest)) - 1);
}

#define TEXT_LONGEST 256 /* longer texts go to Python (but a long string: ``text_code``) */
#define IS_SPACE(c) ((c) == ' ' || ((c) >= '\t' && (c) <= '\r'))

typedef struct {
    char *names; /* "alias\0canonical\0" pairs, then "\0", then "call\0" each, "\0" */
    size_t length;
} Names;

static Names names = {NULL, 0};

static int ascii_only(const uint8_t *text, size_t length, int printable) {
    for (size_t i = 0; i < length; i++)
        if (text[i] >= 0x7f || (printable && text[i] < 0x20) || (!printable && text[i] >= 0x80)) return 0;
    return 1;
}

static uint32_t event_code_of(const char *prefix, const uint8_t *text, size_t length) {
    uint32_t value = (uint32_t)blake2b_head(4, prefix, text, length);
    return value >= CONTROL_CODES ? value : value + CONTROL_CODES;
}

/* (code, private, name id) of a text, as ``structure.text_codes`` answers: 1, or 0 when only
 * Python can tell. */
static int text_code(int kind, const uint8_t *text, size_t length, uint32_t *code, uint8_t *private,
                     uint64_t *name_id) {
    uint8_t clean[TEXT_LONGEST + 1];
    size_t n = 0;
    *private = 0;
    *name_id = 0;
    if (length > TEXT_LONGEST && kind != 2) return 0;
    if (kind == 0) {
        if (names.names == NULL || !ascii_only(text, length, 0)) return 0;
        for (size_t i = 0; i < length; i++)
            if (text[i] != '_') clean[n++] = (uint8_t)(text[i] >= 'A' && text[i] <= 'Z' ? text[i] + 32 : text[i]);
        const char *at = names.names, *end = names.names + names.length;
        while (at < end && *at) { /* CALL_ALIASES */
            const char *canonical = at + strlen(at) + 1;
            if (strlen(at) == n && memcmp(at, clean, n) == 0) {
                n = strlen(canonical);
                memcpy(clean, canonical, n);
                break;
            }
            at = canonical + strlen(canonical) + 1;
        }
        while (at < end && *at) at += strlen(at) + 1 + strlen(at + strlen(at) + 1) + 1;
        int syntax = 0; /* SYNTAX_CALLS */
        for (at++; at < end && *at; at += strlen(at) + 1)
            if (strlen(at) == n && memcmp(at, clean, n) == 0) syntax = 1;
        *code = syntax ? 0 : event_code_of("c:", clean, n);
        *private = length >= 1 && text[0] == '_' && !(length >= 2 && text[length - 1] == '_' && text[length - 2] == '_');
        *name_id = blake2b_head(8, "", clean, n) >> 1;
        return 1;
    }
    if (kind == 1) {
        if (!ascii_only(text, length, 1)) return 0;
        for (size_t i = 0; i < length; i++)
            if (text[i] != '_' && text[i] != '\'') clean[n++] = (uint8_t)(text[i] >= 'A' && text[i] <= 'Z' ? text[i] + 32 : text[i]);
        uint64_t value = 0;
        size_t at = 0, digits = 0;
        int base = 10;
        if (n > 2 && clean[0] == '0' && (clean[1] == 'x' || clean[1] == 'o' || clean[1] == 'b')) {
            base = clean[1] == 'x' ? 16 : clean[1] == 'o' ? 8 : 2;
            at = 2;
        }
        for (; at < n; at++, digits++) {
            int digit = clean[at] >= '0' && clean[at] <= '9' ? clean[at] - '0'
                        : clean[at] >= 'a' && clean[at] <= 'f' ? clean[at] - 'a' + 10 : 99;
            if (digit >= base) break;
            value = value * (uint64_t)base + (uint64_t)digit;
        }
        if (digits == 0 || digits > 15) return 0; /* "0b" alone, a big one: Python's */
        if (base == 10 && at < n && (clean[at] == '.' || clean[at] == 'e')) return 0; /* a float */
        char decimal[24];
        int written = snprintf(decimal, sizeof(decimal), "%llu", (unsigned long long)value);
        *code = event_code_of("n:", (const uint8_t *)decimal, (size_t)written);
        return 1;
    }
    /* a string: ``_string``. Over 280 bytes it has over 70 characters whatever they are (prose:
     * no code); else printable ASCII and ASCII whitespace (``str.split``'s), not ending in a
     * newline (before which ``$`` matches too) */
    if (length > 4 * 70) {
        *code = 0;
        return 1;
    }
    for (size_t i = 0; i < length; i++)
        if (text[i] >= 0x7f || (text[i] < 0x20 && !IS_SPACE(text[i]))) return 0;
    if (length && text[length - 1] == '\n') return 0;
    if (length > 70) {
        *code = 0;
        return 1;
    }
#define IS_QUOTE(c) ((c) == '\'' || (c) == '"' || (c) == '`')
#define IS_LETTER(c) (((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z'))
    size_t start = 0, stop = length, letters = 0;
    while (letters < length && IS_LETTER(text[letters])) letters++;
    if (letters <= 3 && letters < length && IS_QUOTE(text[letters])) { /* ^[a-z]{0,3}(['"`]+) */
        start = letters;
        while (start < length && IS_QUOTE(text[start])) start++;
    }
    size_t tail = length; /* (['"`]+)$ */
    while (tail > 0 && IS_QUOTE(text[tail - 1])) tail--;
    if (tail < length) stop = tail > start ? tail : start;
    int space = 0;
    for (size_t i = start; i < stop; i++) {
        if (IS_SPACE(text[i])) {
            space = n > 0;
            continue;
        }
        if (space) clean[n++] = ' ';
        space = 0;
        clean[n++] = (uint8_t)(text[i] >= 'A' && text[i] <= 'Z' ? text[i] + 32 : text[i]);
    }
    size_t spaces = 0;
    for (size_t i = 0; i < n; i++) spaces += clean[i] == ' ';
    *code = spaces >= 3 || n > 60 ? 0 : event_code_of("s:", clean, n);
    return 1;
}

static PyObject *native_set_names(PyObject *module, PyObject *table) {
    if (!PyBytes_Check(table)) {
        PyErr_SetString(PyExc_TypeError, "bytes expected");
        return NULL;
    }
    char *copy = PyMem_Malloc((size_t)PyBytes_GET_SIZE(table) + 2);
    if (copy == NULL) return PyErr_NoMemory();
    memcpy(copy, PyBytes_AS_STRING(table), (size_t)PyBytes_GET_SIZE(table));
    copy[PyBytes_GET_SIZE(table)] = copy[PyBytes_GET_SIZE(table) + 1] = 0;
    PyMem_Free(names.names);
    names.names = copy;
    names.length = (size_t)PyBytes_GET_SIZE(table);
    Py_RETURN_NONE;
}

static PyObject *native_text_code(PyObject *module, PyObject *args) {
    int kind;
    Py_buffer text;
    if (!PyArg_ParseTuple(args, "iy*", &kind, &text)) return NULL;
    uint32_t code;
    uint8_t private;
    uint64_t name_id;
    int found = text_code(kind, text.buf, (size_t)text.len, &code, &private, &name_id);
    PyBuffer_Release(&text);
    if (!found) Py_RETURN_NONE;
    return Py_BuildValue("(kiK)", (unsigned long)code, (int)private, (unsigned long long)name_id);
}

/* -- the structural signal ------------------------------------------------------------------ */
/* ``structure.extract`` in C: function spans painted over the tokens (outer first, inner over
 * them, within PAINT_BUDGET), control codes, call, member, number and string tokens, the file's
 * own names (LOCAL calls), each function's events, MIN_EVENTS, and the Structure bytes.
 *
 * The event code of a text (blake2b of what ``_name``, ``_number`` or ``_string`` make of it:
 * Unicode lower case, Python's float repr) is Python's own: each Tokenizer keeps the answers
 * for the texts it has seen (the bytes compared, not only a hash) and asks its ``codes``
 * callable, once per file and with the GIL held, about the texts it has not. */

typedef struct {
    uint64_t hash, name_id;
    char *text; /* NULL: an empty slot */
    uint32_t length, code;
    uint8_t kind, private;
} CodeEntry;

typedef struct {
    CodeEntry *slots;
    size_t mask, count;
    uint64_t seed; /* the Tokenizer's */
} CodeCache;

#define CODE_CACHE_SLOTS ((size_t)1 << 16) /* at most half of them full, then emptied */
#define CODE_CACHE_LONGEST 256             /* longer texts are asked again (``_code_of``) */

static void code_cache_clear(CodeCache *cache) {
    for (size_t i = 0; cache->slots && i <= cache->mask; i++) free(cache->slots[i].text);
    free(cache->slots);
    cache->slots = NULL;
    cache->mask = cache->count = 0;
}

/* A text's slot hash: SipHash under the interpreter's key (``hash(bytes)``, random per process
 * unless PYTHONHASHSEED is set), mixed with the Tokenizer's seed. A plain polynomial hash let a
 * file bring thousands of names of one hash into one probe chain (a slow parse: a timeout, an
 * incomplete candidate). Called with the GIL held. */
static uint64_t text_hash(const CodeCache *cache, const uint8_t *text, size_t length, int kind) {
#if PY_VERSION_HEX >= 0x030E0000
    uint64_t hash = (uint64_t)Py_HashBuffer(text, (Py_ssize_t)length);
#else
    uint64_t hash = (uint64_t)_Py_HashBytes(text, (Py_ssize_t)length);
#endif
    return mix(hash ^ cache->seed ^ ((uint64_t)kind << 56));
}

/* The entry of a text, or the empty slot where it would go (NULL: no table yet). */
static CodeEntry *code_cache_find(CodeCache *cache, const uint8_t *text, size_t length, int kind,
                                  uint64_t hash) {
    if (cache->slots == NULL) return NULL;
    for (size_t slot = hash & cache->mask;; slot = (slot + 1) & cache->mask) {
        CodeEntry *entry = &cache->slots[slot];
        if (entry->text == NULL) return entry;
        if (entry->hash == hash && entry->kind == kind && entry->length == length &&
            memcmp(entry->text, text, length) == 0)
            return entry;
    }
}

/* Keeps one text's answer; a half-full table is emptied first. -1: no memory. */
static int code_cache_put(CodeCache *cache, const uint8_t *text, size_t length, int kind,
                          uint32_t code, int private, uint64_t name_id) {
    if (length > CODE_CACHE_LONGEST) return 0;
    if (cache->slots == NULL || (cache->count + 1) * 2 > CODE_CACHE_SLOTS) {
        code_cache_clear(cache);
        cache->slots = calloc(CODE_CACHE_SLOTS, sizeof(CodeEntry));
        if (cache->slots == NULL) return -1;
        cache->mask = CODE_CACHE_SLOTS - 1;
    }
    uint64_t hash = text_hash(cache, text, length, kind);
    CodeEntry *entry = code_cache_find(cache, text, length, kind, hash);
    if (entry->text != NULL) return 0; /* asked about twice in one file */
    char *copy = malloc(length ? length : 1);
    if (copy == NULL) return -1;
    memcpy(copy, text, length);
    *entry = (CodeEntry){hash, name_id, copy, (uint32_t)length, code, (uint8_t)kind, (uint8_t)private};
    cache->count++;
    return 0;
}

typedef struct {
    uint64_t *control_keys; /* sorted, each with its control code */
    uint8_t *control_codes;
    uint64_t *definers, *type_definers;
    size_t control_count, definer_count, type_definer_count;
    uint64_t ident, number, string, dot, open_paren;
    long long min_function_tokens, paint_budget, min_events, format, local;
    uint64_t seed; /* the Tokenizer's */
} StructureGrammar;

typedef struct {
    int64_t start, end; /* its bytes in the source */
    int kind;           /* 0 call or member (or a defined name), 1 number, 2 string */
    uint32_t code;
    uint8_t private;
    uint64_t name_id;
} Text;

typedef struct {
    uint32_t first_line, last_line, arity;
} Unit;

typedef struct {
    Vec units;         /* Unit: the functions that own tokens, in painting order */
    int32_t *owner;    /* per token: its unit, -1 none */
    int32_t *text_of;  /* per owned call, member or constant token: its Text, else -1 */
    Vec texts;         /* Text: the distinct texts of those tokens, then the file's own names */
    size_t name_texts; /* where the names start in ``texts`` */
} Extraction;

static void extraction_free(Extraction *x) {
    free(x->units.data);
    free(x->owner);
    free(x->text_of);
    free(x->texts.data);
}

static size_t lower_bound(const int64_t *sorted, size_t count, int64_t value) {
    size_t low = 0, high = count; /* ``np.searchsorted(..., side="left")`` */
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (sorted[middle] < value)
            low = middle + 1;
        else
            high = middle;
    }
    return low;
}

static int in_list(const uint64_t *list, size_t count, uint64_t value) {
    for (size_t i = 0; i < count; i++)
        if (list[i] == value) return 1;
    return 0;
}

typedef struct {
    int64_t start, end;
    size_t row;
} SortedRow;

static int compare_rows(const void *a, const void *b) {
    /* by start byte, the longer first, then as found: ``np.lexsort((-end, start))`` */
    const SortedRow *x = a, *y = b;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    if (x->end != y->end) return x->end > y->end ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row;
}

static int add_text(Vec *texts, int64_t start, int64_t end, int kind) {
    if (vec_reserve(texts, texts->count + 1)) return -1;
    ((Text *)texts->data)[texts->count++] = (Text){start, end, kind, 0, 0, 0};
    return 0;
}

/* Paints each function's tokens with it (outer functions first, inner ones over them). */
static int paint(const StructureGrammar *g, const Tokens *tokens, Extraction *x) {
    size_t n = tokens->values.count, count = tokens->functions.count;
    const int64_t *starts = tokens->starts.data, *rows = tokens->functions.data;
    SortedRow *order = malloc(count * sizeof(SortedRow));
    x->owner = malloc(n * sizeof(int32_t));
    if (order == NULL || x->owner == NULL) {
        free(order);
        return -1;
    }
    for (size_t i = 0; i < count; i++)
        order[i] = (SortedRow){rows[i * FUNCTION_FIELDS], rows[i * FUNCTION_FIELDS + 1], i};
    qsort(order, count, sizeof(SortedRow), compare_rows);
    for (size_t i = 0; i < n; i++) x->owner[i] = -1;
    int64_t budget = (int64_t)g->paint_budget * (int64_t)n;
    int failed = 0;
    for (size_t k = 0; k < count; k++) {
        const int64_t *row = rows + order[k].row * FUNCTION_FIELDS;
        size_t first = lower_bound(starts, n, row[0]), last = lower_bound(starts, n, row[1]);
        if ((int64_t)(last - first) < g->min_function_tokens) continue;
        budget -= (int64_t)(last - first);
        if (budget < 0) break; /* thousands of nested functions (hostile input) */
        if (row[4] >= 0) first = lower_bound(starts, n, row[4]); /* the body's tokens only */
        if (x->units.count >= INT32_MAX || vec_reserve(&x->units, x->units.count + 1)) {
            failed = -1;
            break;
        }
        for (size_t i = first; i < last; i++) x->owner[i] = (int32_t)x->units.count;
        uint32_t arity = row[5] < 65535 ? (uint32_t)row[5] : 65535;
        ((Unit *)x->units.data)[x->units.count++] =
            (Unit){(uint32_t)row[2] + 1, (uint32_t)row[3] + 1, arity};
    }
    free(order);
    return failed;
}

/* ``extract`` up to the event codes, no Python API (runs without the GIL): the owners, the
 * distinct texts of owned calls, members and constants (keyed as ``_token_events`` keys them:
 * the raw hash of the bytes xor the kind, the first token's bytes), the file's own names
 * (``_local_names``). 0, or -1 on no memory. */
static int extract_texts(const StructureGrammar *g, const Tokens *tokens, const uint64_t *raw,
                         Extraction *x) {
    size_t n = tokens->values.count, count = tokens->functions.count;
    const uint64_t *values = tokens->values.data;
    const int64_t *starts = tokens->starts.data, *ends = tokens->ends.data;
    const int64_t *rows = tokens->functions.data;
    if (n == 0 || count == 0) return 0;
    if (paint(g, tokens, x)) return -1;
    if (x->units.count == 0) return 0;
    size_t size = 64;
    while (size < 2 * n) size *= 2;
    x->text_of = malloc(n * sizeof(int32_t));
    uint64_t *keys = malloc(size * sizeof(uint64_t));
    int32_t *slots = malloc(size * sizeof(int32_t));
    int failed = x->text_of == NULL || keys == NULL || slots == NULL ? -1 : 0;
    for (size_t i = 0; !failed && i < size; i++) slots[i] = -1;
    for (size_t i = 0; i < n && !failed; i++) {
        x->text_of[i] = -1;
        if (x->owner[i] < 0) continue;
        int call = values[i] == g->ident && i + 1 < n && values[i + 1] == g->open_paren &&
                   !(i > 0 && in_list(g->definers, g->definer_count, values[i - 1]));
        call |= values[i] == g->ident && i > 0 && values[i - 1] == g->dot; /* x.name: a member */
        int kind = call ? 0 : values[i] == g->number ? 1 : values[i] == g->string ? 2 : -1;
        if (kind < 0) continue;
        uint64_t key = raw[i] ^ (uint64_t)kind; /* a name and a string of one text differ */
        size_t slot = mix(key ^ g->seed) & (size - 1);
        while (slots[slot] >= 0 && keys[slot] != key) slot = (slot + 1) & (size - 1);
        if (slots[slot] < 0) {
            keys[slot] = key;
            slots[slot] = (int32_t)x->texts.count;
            if (add_text(&x->texts, starts[i], ends[i], kind)) failed = -1;
        }
        x->text_of[i] = slots[slot];
    }
    free(keys);
    free(slots);
    x->name_texts = x->texts.count; /* every function node's name, each identifier after a
                                       definer (``def``, ``class``, ``struct``, ...) */
    for (size_t k = 0; k < count && !failed; k++) {
        const int64_t *row = rows + k * FUNCTION_FIELDS;
        if (row[6] >= 0 && add_text(&x->texts, row[6], row[7], 0)) failed = -1;
    }
    for (size_t i = 1; i < n && !failed; i++)
        if (values[i] == g->ident && in_list(g->type_definers, g->type_definer_count, values[i - 1]) &&
            add_text(&x->texts, starts[i], ends[i], 0))
            failed = -1;
    return failed;
}

/* Each text's code, private flag and name: from the cache, else from ``codes`` (with the GIL;
 * one call per file with a list of (kind, bytes)). -1 with a Python error set. */
static int resolve_texts(CodeCache *cache, PyObject *codes, const uint8_t *source, size_t length,
                         Extraction *x) {
    Text *texts = x->texts.data;
    size_t asked = 0;
    PyObject *questions = PyList_New(0);
    if (questions == NULL) return -1;
    int32_t *missing = malloc((x->texts.count ? x->texts.count : 1) * sizeof(int32_t));
    if (missing == NULL) {
        Py_DECREF(questions);
        PyErr_NoMemory();
        return -1;
    }
    int failed = 0;
    for (size_t i = 0; i < x->texts.count && !failed; i++) {
        Text *text = &texts[i]; /* clamped as Python slices clamp */
        int64_t end = text->end < (int64_t)length ? text->end : (int64_t)length;
        int64_t start = text->start < end ? text->start : end;
        text->start = start;
        text->end = end;
        const uint8_t *bytes = source + start;
        size_t size = (size_t)(end - start);
        CodeEntry *entry = NULL;
        if (size <= CODE_CACHE_LONGEST)
            entry = code_cache_find(cache, bytes, size, text->kind, text_hash(cache, bytes, size, text->kind));
        if (entry != NULL && entry->text != NULL) {
            text->code = entry->code;
            text->private = entry->private;
            text->name_id = entry->name_id;
            continue;
        }
        if (text_code(text->kind, bytes, size, &text->code, &text->private, &text->name_id)) {
            if (code_cache_put(cache, bytes, size, text->kind, text->code, text->private, text->name_id)) {
                PyErr_NoMemory();
                failed = -1;
            }
            continue;
        }
        PyObject *question = Py_BuildValue("(iy#)", text->kind, (const char *)bytes, (Py_ssize_t)size);
        if (question == NULL || PyList_Append(questions, question) < 0) failed = -1;
        Py_XDECREF(question);
        missing[asked++] = (int32_t)i;
    }
    if (!failed && asked) {
        PyObject *answers = PyObject_CallOneArg(codes, questions);
        PyObject *sequence = answers ? PySequence_Fast(answers, "codes must answer a list") : NULL;
        Py_XDECREF(answers);
        if (sequence == NULL) {
            failed = -1;
        } else if ((size_t)PySequence_Fast_GET_SIZE(sequence) != 3 * asked) {
            PyErr_SetString(PyExc_ValueError, "codes must answer three ints per text");
            failed = -1;
        }
        for (size_t j = 0; j < asked && !failed; j++) {
            Text *text = &texts[missing[j]];
            PyObject **items = PySequence_Fast_ITEMS(sequence) + 3 * j;
            unsigned long long code = PyLong_AsUnsignedLongLong(items[0]);
            long private = PyLong_AsLong(items[1]);
            unsigned long long name_id = PyLong_AsUnsignedLongLong(items[2]);
            if (PyErr_Occurred()) {
                failed = -1;
            } else if (code > UINT32_MAX) {
                PyErr_SetString(PyExc_ValueError, "an event code is 32 bits");
                failed = -1;
            } else {
                text->code = (uint32_t)code;
                text->private = private != 0;
                text->name_id = name_id;
                if (code_cache_put(cache, source + text->start, (size_t)(text->end - text->start),
                                   text->kind, text->code, text->private, name_id)) {
                    PyErr_NoMemory();
                    failed = -1;
                }
            }
        }
        Py_XDECREF(sequence);
    }
    free(missing);
    Py_DECREF(questions);
    return failed;
}

static int seen_has(const Seen *seen, uint64_t key) {
    if (seen->keys == NULL) return 0;
    key += 1;
    for (size_t slot = seen_slot(seen, key); seen->keys[slot];
         slot = (slot + 1) & seen->mask)
        if (seen->keys[slot] == key) return 1;
    return 0;
}

static uint32_t control_code(const StructureGrammar *g, uint64_t value) {
    size_t low = 0, high = g->control_count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (g->control_keys[middle] < value)
            low = middle + 1;
        else
            high = middle;
    }
    return low < g->control_count && g->control_keys[low] == value ? g->control_codes[low] : 0;
}

static void put_le(uint8_t *at, uint64_t value, int bytes) {
    for (int i = 0; i < bytes; i++) at[i] = (uint8_t)(value >> (8 * i));
}

/* The rest of ``extract``: each owned token's event, each function's events in token order,
 * the functions with MIN_EVENTS or more, as ``Structure.to_bytes`` writes them. New reference
 * (a bytes object), or NULL with a Python error set. */
static PyObject *structure_bytes(const StructureGrammar *g, const Tokens *tokens, Extraction *x) {
    size_t n = tokens->values.count, units = x->units.count;
    const uint64_t *values = tokens->values.data;
    const Text *texts = x->texts.data;
    Seen local = {NULL, 0, g->seed};
    size_t *counts = calloc(units + 1, sizeof(size_t)), *at = NULL;
    uint32_t *codes = NULL, *events = NULL;
    PyObject *result = NULL;
    size_t total = 0, kept = 0, kept_events = 0;
    if (counts == NULL) goto no_memory;
    for (size_t i = x->name_texts; i < x->texts.count; i++)
        if (seen_add(&local, texts[i].name_id, i - x->name_texts) < 0) goto no_memory;
    codes = malloc((n ? n : 1) * sizeof(uint32_t));
    if (codes == NULL) goto no_memory;
    for (size_t i = 0; i < n; i++) {
        codes[i] = 0;
        if (x->owner == NULL || x->owner[i] < 0) continue;
        if (x->text_of[i] < 0) {
            codes[i] = control_code(g, values[i]);
        } else {
            const Text *text = &texts[x->text_of[i]];
            int own = text->kind == 0 && (text->private || seen_has(&local, text->name_id));
            codes[i] = own ? (uint32_t)g->local : text->code;
        }
        if (codes[i]) counts[x->owner[i]]++, total++;
    }
    at = malloc((units + 1) * sizeof(size_t));
    events = malloc((total ? total : 1) * sizeof(uint32_t));
    if (at == NULL || events == NULL) goto no_memory;
    for (size_t u = 0, sum = 0; u < units; u++) {
        at[u] = sum;
        sum += counts[u];
        if ((long long)counts[u] >= g->min_events) kept++, kept_events += counts[u];
    }
    for (size_t i = 0; i < n; i++)
        if (codes[i]) events[at[x->owner[i]]++] = codes[i];
    result = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(5 + kept * 14 + kept_events * 4));
    if (result == NULL) goto done;
    uint8_t *out = (uint8_t *)PyBytes_AS_STRING(result);
    out[0] = (uint8_t)g->format;
    put_le(out + 1, kept, 4);
    uint8_t *function = out + 5, *event = out + 5 + kept * 14;
    for (size_t u = 0, first = 0; u < units; first += counts[u], u++) {
        if ((long long)counts[u] < g->min_events) continue;
        const Unit *unit = (const Unit *)x->units.data + u;
        put_le(function, unit->first_line, 4);
        put_le(function + 4, unit->last_line, 4);
        put_le(function + 8, unit->arity, 2);
        put_le(function + 10, counts[u], 4);
        function += 14;
        for (size_t e = first; e < first + counts[u]; e++, event += 4) put_le(event, events[e], 4);
    }
    goto done;
no_memory:
    PyErr_NoMemory();
done:
    free(local.keys);
    free(counts);
    free(at);
    free(codes);
    free(events);
    return result;
}

/* -- tree-sitter's allocator ------------------------------------------------------------------ */

/* Off: tree-sitter allocates with malloc and a file is parsed without the GIL (threads of the
 * calling process parse at once). On (``use_python_allocator``, in a parser process, before its
 * first parser): it allocates from Python's small-object allocator, as py-tree-sitter's own core
 * does, and parses with the GIL held (that allocator needs it). A parse makes and frees a
 * node per token: with malloc, a seventh of a parser process's CPU went to malloc and free
 * (``malloc_consolidate`` of the freed nodes at every large request), against a fiftieth
 * in a bare py-tree-sitter parse of the same files (perf, pip 24.2). */
static int python_allocator = 0;
static int parsers_made = 0; /* a parser made with one allocator is never freed by the other */

/* An allocation that fails aborts, saying so, as tree-sitter's own (``isolation`` reads it). */
static void *ts_python_malloc(size_t size) {
    void *result = PyMem_Malloc(size);
    if (size > 0 && !result) {
        fprintf(stderr, "tree-sitter failed to allocate %zu bytes", size);
        abort();
    }
    return result;
}

static void *ts_python_calloc(size_t count, size_t size) {
    void *result = PyMem_Calloc(count, size);
    if (count > 0 && size > 0 && !result) {
        fprintf(stderr, "tree-sitter failed to allocate %zu bytes", count * size);
        abort();
    }
    return result;
}

static void *ts_python_realloc(void *buffer, size_t size) {
    void *result = PyMem_Realloc(buffer, size);
    if (size > 0 && !result) {
        fprintf(stderr, "tree-sitter failed to reallocate %zu bytes", size);
        abort();
    }
    return result;
}

/* Python's allocator hands a fully free arena back to the system at once (``munmap``), and a
 * parse's nodes fill many arenas and free them all when its tree is released: the next parse
 * maps them again and faults every page in, zeroed (the watch stream's files: 490,000 page
 * faults in 363 files). The arenas freed are kept here instead, up to ``KEPT_ARENAS`` (32 MiB:
 * 97,000 faults there, as with 256), for the next ones asked for. Few: what is kept counts
 * against the parser's memory limit (RLIMIT_AS) at the next file, and whether a file is read
 * must not depend on the files before it by more than glibc's own keeping did (its trim
 * threshold grows to 64 MiB). Called with the GIL held, as Python's allocator is. */
#define KEPT_ARENAS 32
static PyObjectArenaAllocator system_arenas;
static void *kept_arenas[KEPT_ARENAS];
static size_t kept_count = 0, kept_size = 0;

static void *arena_alloc(void *ctx, size_t size) {
    if (size == kept_size && kept_count) return kept_arenas[--kept_count];
    return system_arenas.alloc(system_arenas.ctx, size);
}

static void arena_free(void *ctx, void *arena, size_t size) {
    if (!kept_size) kept_size = size; /* one size: Python's ARENA_SIZE */
    if (size == kept_size && kept_count < KEPT_ARENAS)
        kept_arenas[kept_count++] = arena;
    else
        system_arenas.free(system_arenas.ctx, arena, size);
}

static TSParser *new_parser(void) {
    parsers_made = 1;
    return ts_parser_new();
}

static PyObject *native_use_python_allocator(PyObject *module, PyObject *unused) {
    if (!python_allocator) {
        if (parsers_made) {
            PyErr_SetString(PyExc_RuntimeError, "tree-sitter's allocator is changed only before the first parser");
            return NULL;
        }
        ts_set_allocator(ts_python_malloc, ts_python_calloc, ts_python_realloc, PyMem_Free);
        PyObjectArenaAllocator keeping = {NULL, arena_alloc, arena_free};
        PyObject_GetArenaAllocator(&system_arenas);
        PyObject_SetArenaAllocator(&keeping);
        python_allocator = 1;
    }
    Py_RETURN_NONE;
}

/* -- the Python type ------------------------------------------------------------------------ */

typedef struct {
    PyObject_HEAD
    PyObject *capsule;
    const TSLanguage *language;
    Grammar grammar;
    TSParser *parser; /* kept between files; a second thread at once gets its own */
    int busy;
    StructureGrammar structure;
    PyObject *codes;  /* (kind, bytes) list -> code, private, name id per text (``structure``) */
    CodeCache cache;  /* the codes' answers, kept between files (used with the GIL held) */
} Tokenizer;

static void tokenizer_dealloc(Tokenizer *self) {
    if (self->parser) ts_parser_delete(self->parser);
    PyMem_Free((void *)self->grammar.table);
    PyMem_Free((void *)self->grammar.function_mask);
    PyMem_Free((void *)self->grammar.anchors);
    PyMem_Free((void *)self->grammar.anchor_entries);
    PyMem_Free(self->structure.control_keys);
    PyMem_Free(self->structure.control_codes);
    PyMem_Free(self->structure.definers);
    PyMem_Free(self->structure.type_definers);
    code_cache_clear(&self->cache);
    Py_XDECREF(self->codes);
    Py_XDECREF(self->capsule);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* A Tokenizer's seed for its hash tables' slots: random (``getentropy``), else from the clock,
 * the process id and an address. */
static uint64_t random_seed(void) {
    uint64_t seed;
    if (getentropy(&seed, sizeof(seed)) == 0) return seed;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return mix((uint64_t)now.tv_nsec ^ ((uint64_t)now.tv_sec << 30) ^ ((uint64_t)getpid() << 48) ^
               (uint64_t)(uintptr_t)&seed);
}

static void *copy_buffer(PyObject *object, size_t item, size_t *count) {
    Py_buffer view;
    if (PyObject_GetBuffer(object, &view, PyBUF_SIMPLE) < 0) return NULL;
    if (view.len % item || view.len == 0) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_ValueError, "a table of the wrong size");
        return NULL;
    }
    void *copy = PyMem_Malloc(view.len);
    if (copy == NULL) {
        PyBuffer_Release(&view);
        PyErr_NoMemory();
        return NULL;
    }
    memcpy(copy, view.buf, view.len);
    *count = view.len / item;
    PyBuffer_Release(&view);
    return copy;
}

static int tokenizer_init(Tokenizer *self, PyObject *args, PyObject *kwds) {
    PyObject *capsule, *table, *mask, *anchors, *control_keys, *control_codes, *definers,
        *type_definers, *codes;
    unsigned short body, params, name;
    unsigned long long string_value, open_brace, close_paren;
    PyObject *seed = NULL;
    StructureGrammar *g = &self->structure;
    if (self->parser != NULL || self->grammar.table != NULL) { /* its tables are in use */
        PyErr_SetString(PyExc_RuntimeError, "a Tokenizer is initialised once");
        return -1;
    }
    if (!PyArg_ParseTuple(args, "OOOHHHKOKKOOOOKKKKLLLLLO|O", &capsule, &table, &mask, &body,
                          &params, &name, &string_value, &anchors, &open_brace, &close_paren,
                          &control_keys, &control_codes, &definers, &type_definers, &g->ident,
                          &g->number, &g->dot, &g->open_paren, &g->min_function_tokens,
                          &g->paint_budget, &g->min_events, &g->format, &g->local, &codes,
                          &seed))
        return -1;
    uint64_t key = random_seed();
    if (seed != NULL && seed != Py_None) {
        key = PyLong_AsUnsignedLongLongMask(seed);
        if (PyErr_Occurred()) return -1;
    }
    self->grammar.seed = g->seed = self->cache.seed = key;
    if (!PyCallable_Check(codes)) {
        PyErr_SetString(PyExc_TypeError, "codes must be callable");
        return -1;
    }
    g->string = string_value;
    const TSLanguage *language = PyCapsule_GetPointer(capsule, "tree_sitter.Language");
    if (language == NULL) return -1;
    size_t count;
    Grammar *grammar = &self->grammar;
    if (!(grammar->table = copy_buffer(table, sizeof(uint64_t), &count))) return -1;
    grammar->table_len = (uint32_t)count;
    if (!(grammar->function_mask = copy_buffer(mask, 1, &count))) return -1;
    grammar->mask_len = (uint32_t)count;
    if (!(grammar->anchors = copy_buffer(anchors, sizeof(uint64_t), &grammar->anchor_count)))
        return -1;
    int string_anchor = open_brace == string_value;
    for (size_t i = 0; i < grammar->anchor_count; i++) string_anchor |= grammar->anchors[i] == string_value;
    if (string_anchor) { /* the walk finds an anchor's function when it meets the token */
        PyErr_SetString(PyExc_ValueError, "a string token cannot be an anchor");
        return -1;
    }
    if (grammar->table_len == 0) {
        PyErr_SetString(PyExc_ValueError, "an empty token table");
        return -1;
    }
    uint8_t *anchor_entries = PyMem_Calloc(grammar->table_len, 1);
    if (anchor_entries == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (uint32_t entry = 0; entry < grammar->table_len; entry++)
        for (size_t i = 0; i < grammar->anchor_count; i++)
            anchor_entries[entry] |= grammar->table[entry] == grammar->anchors[i];
    grammar->anchor_entries = anchor_entries;
    if (!(g->control_keys = copy_buffer(control_keys, sizeof(uint64_t), &g->control_count)) ||
        !(g->control_codes = copy_buffer(control_codes, 1, &count)))
        return -1;
    if (count != g->control_count) {
        PyErr_SetString(PyExc_ValueError, "a control code per control key");
        return -1;
    }
    if (!(g->definers = copy_buffer(definers, sizeof(uint64_t), &g->definer_count)) ||
        !(g->type_definers = copy_buffer(type_definers, sizeof(uint64_t), &g->type_definer_count)))
        return -1;
    Py_INCREF(codes);
    Py_XSETREF(self->codes, codes);
    grammar->body = body;
    grammar->params = params;
    grammar->name = name;
    grammar->string_value = string_value;
    grammar->open_brace = open_brace;
    grammar->close_paren = close_paren;
    self->parser = new_parser();
    if (!ts_parser_set_language(self->parser, language)) {
        PyErr_SetString(PyExc_ValueError, "the grammar's ABI does not fit this tree-sitter core");
        return -1;
    }
    Py_INCREF(capsule);
    Py_XSETREF(self->capsule, capsule);
    self->language = language;
    return 0;
}

static PyObject *bytearray_of(const void *data, size_t bytes) {
    return PyByteArray_FromStringAndSize(bytes ? data : "", (Py_ssize_t)bytes);
}

/* The newline positions of ``source``: where ``searchsorted`` looks lines up. */
static int64_t *newline_positions(const uint8_t *source, size_t length, size_t *count) {
    size_t found = 0;
    for (const uint8_t *at = source; (at = memchr(at, '\n', source + length - at)); at++) found++;
    int64_t *positions = malloc((found ? found : 1) * sizeof(int64_t));
    if (positions == NULL) return NULL;
    size_t i = 0;
    for (const uint8_t *at = source; (at = memchr(at, '\n', source + length - at)); at++)
        positions[i++] = at - source;
    *count = found;
    return positions;
}

/* One file's tokens with their raw hashes and lines, and its structure: what ``tokenize`` and
 * ``fingerprint`` return, kept in C until the caller made its result (``tokenized_free``). */
typedef struct {
    Tokens tokens;
    uint64_t *raw;
    uint32_t *line_start, *line_end;
    size_t lines;         /* ``count_lines(source)`` */
    PyObject *structure;  /* bytes, or None when not asked for (a new reference) */
} Tokenized;

static void tokenized_free(Tokenized *out) {
    tokens_free(&out->tokens);
    free(out->raw);
    free(out->line_start);
    free(out->line_end);
    Py_CLEAR(out->structure);
}

/* Parse ``parse_view`` and collect ``source_view``'s tokens (the two differ only where the
 * parsed copy was prepared: ``normalize._BLANKED_COMMENTS``) into ``out``: 0, or -1 with a
 * Python error set (``out`` freed either way by ``tokenized_free``). */
static int tokenize_source(Tokenizer *self, const Py_buffer *parse_view, const Py_buffer *source_view,
                           int want_structure, Tokenized *out) {
    Extraction extraction = {{NULL, 0, 0, sizeof(Unit)}, NULL, NULL, {NULL, 0, 0, sizeof(Text)}, 0};
    int64_t *newlines = NULL;
    int result = -1;
    if (self->language == NULL || self->grammar.function_mask == NULL || self->grammar.anchors == NULL ||
        self->codes == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "the Tokenizer was not initialised");
        return -1;
    }
    if (parse_view->len != source_view->len || parse_view->len > UINT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "the parsed and the original source differ in length");
        return -1;
    }
    TSParser *parser = self->parser;
    if (self->busy) {
        parser = new_parser();
        ts_parser_set_language(parser, self->language);
    } else {
        self->busy = 1;
    }
    int failed;
    size_t newline_count = 0;
    const uint8_t *source = source_view->buf;
    size_t length = (size_t)source_view->len;
    Tokens *tokens = &out->tokens;
    PyThreadState *released = python_allocator ? NULL : PyEval_SaveThread();
    failed = tokenize_file(parser, &self->grammar, parse_view->buf, (uint32_t)length, want_structure,
                           tokens);
    if (!failed) {
        size_t count = tokens->values.count ? tokens->values.count : 1;
        out->raw = malloc(count * sizeof(uint64_t));
        out->line_start = malloc(count * sizeof(uint32_t));
        out->line_end = malloc(count * sizeof(uint32_t));
        newlines = newline_positions(source, length, &newline_count);
        if (!out->raw || !out->line_start || !out->line_end || !newlines)
            failed = -1;
        else
            raw_and_lines(source, length, tokens, out->raw, out->line_start, out->line_end, newlines,
                          newline_count);
    }
    if (!failed && want_structure) failed = extract_texts(&self->structure, tokens, out->raw, &extraction);
    if (released) PyEval_RestoreThread(released);
    if (parser == self->parser)
        self->busy = 0;
    else
        ts_parser_delete(parser);
    if (failed == -1) {
        PyErr_NoMemory();
        goto done;
    }
    if (failed == -2) {
        PyErr_SetString(PyExc_RuntimeError, "tree-sitter returned no tree");
        goto done;
    }
    if (want_structure) {
        if (extraction.texts.count &&
            resolve_texts(&self->cache, self->codes, source, length, &extraction) < 0)
            goto done;
        if ((out->structure = structure_bytes(&self->structure, tokens, &extraction)) == NULL) goto done;
    } else {
        out->structure = Py_NewRef(Py_None);
    }
    /* ``count_lines``: the newlines, and one more for a last line without one */
    out->lines = newline_count + (length && source[length - 1] != '\n');
    result = 0;
done:
    extraction_free(&extraction);
    free(newlines);
    return result;
}

static PyObject *error_line_of(const Tokens *tokens) {
    return tokens->error_line ? PyLong_FromLongLong(tokens->error_line) : Py_NewRef(Py_None);
}

static PyObject *tokenizer_tokenize(Tokenizer *self, PyObject *args) {
    Py_buffer parse_view, source_view;
    int want_structure = 1;
    if (!PyArg_ParseTuple(args, "y*y*|p", &parse_view, &source_view, &want_structure)) return NULL;
    PyObject *result = NULL;
    Tokenized out = {{{NULL, 0, 0, sizeof(uint64_t)}, {NULL, 0, 0, sizeof(int64_t)},
                      {NULL, 0, 0, sizeof(int64_t)}, {NULL, 0, 0, FUNCTION_FIELDS * sizeof(int64_t)}, 0},
                     NULL, NULL, NULL, 0, NULL};
    if (tokenize_source(self, &parse_view, &source_view, want_structure, &out) == 0) {
        size_t count = out.tokens.values.count;
        result = Py_BuildValue(
            "(NNNNNNNOn)", bytearray_of(out.tokens.values.data, count * sizeof(uint64_t)),
            bytearray_of(out.raw, count * sizeof(uint64_t)), bytearray_of(out.line_start, count * sizeof(uint32_t)),
            bytearray_of(out.line_end, count * sizeof(uint32_t)),
            bytearray_of(out.tokens.starts.data, count * sizeof(int64_t)),
            bytearray_of(out.tokens.ends.data, count * sizeof(int64_t)), error_line_of(&out.tokens),
            out.structure, (Py_ssize_t)out.lines);
    }
    tokenized_free(&out);
    PyBuffer_Release(&parse_view);
    PyBuffer_Release(&source_view);
    return result;
}

static PyObject *select_fingerprints(const uint64_t *values, const uint64_t *raw, const uint32_t *line_start,
                                     const uint32_t *line_end, size_t n, size_t k, size_t w);
static int minima_into(PyObject **result, const uint8_t *hashes, size_t count, size_t stride,
                       const Py_buffer *a, const Py_buffer *b);

/* ``fingerprinter.fingerprint_file``'s native work in one call: ``tokenize`` then ``select`` and
 * ``minima`` of the selected hashes, without handing the token arrays to Python (the parser
 * process needs only what the store keeps). */
static PyObject *tokenizer_fingerprint(Tokenizer *self, PyObject *args) {
    Py_buffer parse_view, source_view, a, b;
    Py_ssize_t k, w;
    if (!PyArg_ParseTuple(args, "y*y*nny*y*", &parse_view, &source_view, &k, &w, &a, &b)) return NULL;
    PyObject *result = NULL, *selected = NULL, *minima = NULL;
    Tokenized out = {{{NULL, 0, 0, sizeof(uint64_t)}, {NULL, 0, 0, sizeof(int64_t)},
                      {NULL, 0, 0, sizeof(int64_t)}, {NULL, 0, 0, FUNCTION_FIELDS * sizeof(int64_t)}, 0},
                     NULL, NULL, NULL, 0, NULL};
    if (k < 1 || w < 1) {
        PyErr_SetString(PyExc_ValueError, "k or w below 1");
        goto done;
    }
    if (tokenize_source(self, &parse_view, &source_view, 1, &out) < 0) goto done;
    size_t count = out.tokens.values.count;
    selected = select_fingerprints(out.tokens.values.data, out.raw, out.line_start, out.line_end, count,
                                   (size_t)k, (size_t)w);
    if (selected == NULL ||
        minima_into(&minima, (const uint8_t *)PyByteArray_AS_STRING(selected),
                    (size_t)PyByteArray_GET_SIZE(selected) / sizeof(Fingerprint), sizeof(Fingerprint),
                    &a, &b) < 0)
        goto done;
    result = Py_BuildValue("(OONOnn)", selected, minima, error_line_of(&out.tokens), out.structure,
                           (Py_ssize_t)out.lines, (Py_ssize_t)count);
done:
    Py_XDECREF(selected);
    Py_XDECREF(minima);
    tokenized_free(&out);
    PyBuffer_Release(&parse_view);
    PyBuffer_Release(&source_view);
    PyBuffer_Release(&a);
    PyBuffer_Release(&b);
    return result;
}

static PyMethodDef tokenizer_methods[] = {
    {"tokenize", (PyCFunction)tokenizer_tokenize, METH_VARARGS,
     "tokenize(parse_source, source, structure=True) -> (values, raw, line_start, line_end, "
     "start_byte, end_byte, error_line, structure bytes or None, lines)"},
    {"fingerprint", (PyCFunction)tokenizer_fingerprint, METH_VARARGS,
     "fingerprint(parse_source, source, k, w, a, b) -> (FINGERPRINT_DTYPE bytes of select, "
     "minima bytes of their hashes, error_line, structure bytes, lines, tokens)"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject TokenizerType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "fingerprints._native.Tokenizer",
    .tp_basicsize = sizeof(Tokenizer),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "One grammar's parser and token table.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)tokenizer_init,
    .tp_dealloc = (destructor)tokenizer_dealloc,
    .tp_methods = tokenizer_methods,
};

/* -- k-grams and winnowing ------------------------------------------------------------------ */

static uint64_t kgram(const uint64_t *values, size_t at, size_t k) {
    uint64_t acc = values[at];
    for (size_t j = 1; j < k; j++) acc = acc * KGRAM_BASE + values[at + j];
    return acc;
}

/* ``shingles.rolling_hash``: the hash of each of the ``count`` windows of ``k`` values, rolled
 * (the oldest value's term taken off, the next one's added). */
static void rolling_hashes(const uint64_t *values, size_t count, size_t k, uint64_t *hashes) {
    uint64_t power = 1; /* KGRAM_BASE ** (k - 1) */
    for (size_t j = 1; j < k; j++) power *= KGRAM_BASE;
    uint64_t acc = count ? kgram(values, 0, k) : 0;
    for (size_t i = 0; i < count; i++) {
        if (i) acc = (acc - values[i - 1] * power) * KGRAM_BASE + values[i + k - 1];
        hashes[i] = mix(acc);
    }
}

/* ``rolling_hash(values, k, out)``: ``shingles.rolling_hash`` written into ``out`` (uint64, one
 * per window: at least ``k`` values). */
static PyObject *native_rolling_hash(PyObject *module, PyObject *args) {
    Py_buffer values, out;
    Py_ssize_t k;
    if (!PyArg_ParseTuple(args, "y*nw*", &values, &k, &out)) return NULL;
    size_t n = (size_t)values.len / sizeof(uint64_t);
    PyObject *result = NULL;
    if (k < 1 || n < (size_t)k || out.len != (Py_ssize_t)((n - (size_t)k + 1) * sizeof(uint64_t))) {
        PyErr_SetString(PyExc_ValueError, "k below 1, fewer than k values, or out not one uint64 a window");
    } else {
        rolling_hashes(values.buf, n - (size_t)k + 1, (size_t)k, out.buf);
        result = Py_NewRef(Py_None);
    }
    PyBuffer_Release(&values);
    PyBuffer_Release(&out);
    return result;
}

/* ``shingles.kgrams`` then ``winnow`` then ``KGrams.select`` of ``n`` tokens' arrays: the
 * FINGERPRINT_DTYPE bytes (a bytearray), or NULL with a Python error set. */
static PyObject *select_fingerprints(const uint64_t *values, const uint64_t *raw, const uint32_t *line_start,
                                     const uint32_t *line_end, size_t n, size_t k, size_t w) {
    PyObject *result = NULL;
    size_t count = n >= k ? n - k + 1 : 0, chosen = 0;
    uint64_t *hashes = malloc((count ? count : 1) * sizeof(uint64_t));
    Fingerprint *selected = malloc((count ? count : 1) * sizeof(Fingerprint));
    if (!hashes || !selected) {
        PyErr_NoMemory();
        goto done;
    }
    rolling_hashes(values, count, k, hashes);
    size_t window = w < count ? w : count, best = SIZE_MAX;
    for (size_t first = 0; count && first + window <= count; first++) {
        size_t last = first + window - 1;
        if (best == SIZE_MAX || best < first) { /* the minimum left the window: look again */
            best = first;
            for (size_t i = first + 1; i <= last; i++)
                if (hashes[i] <= hashes[best]) best = i;
        } else if (hashes[last] <= hashes[best]) {
            best = last;
        }
        if (chosen && selected[chosen - 1].pos == best) continue;
        Fingerprint *fp = &selected[chosen++];
        fp->hash = hashes[best];
        fp->raw = mix(kgram(raw, best, k));
        fp->pos = (uint32_t)best;
        fp->line_start = line_start[best];
        fp->line_end = line_end[best + k - 1];
    }
    result = bytearray_of(selected, chosen * sizeof(Fingerprint));
done:
    free(hashes);
    free(selected);
    return result;
}

/* ``shingles.kgrams`` then ``winnow`` then ``KGrams.select``: in every window of ``w`` k-gram
 * hashes the rightmost minimum, each position once, in order. */
static PyObject *native_select(PyObject *module, PyObject *args) {
    Py_buffer views[4];
    Py_ssize_t k, w;
    if (!PyArg_ParseTuple(args, "y*y*y*y*nn", &views[0], &views[1], &views[2], &views[3], &k, &w))
        return NULL;
    PyObject *result = NULL;
    size_t n = (size_t)views[0].len / sizeof(uint64_t);
    if (k < 1 || w < 1 || views[1].len != views[0].len || views[2].len != (Py_ssize_t)(n * 4) ||
        views[3].len != (Py_ssize_t)(n * 4))
        PyErr_SetString(PyExc_ValueError, "arrays of different lengths, or k or w below 1");
    else
        result = select_fingerprints(views[0].buf, views[1].buf, views[2].buf, views[3].buf, n,
                                     (size_t)k, (size_t)w);
    for (int i = 0; i < 4; i++) PyBuffer_Release(&views[i]);
    return result;
}

#define MINIMA_LANES 8

/* An AVX2 copy of a function beside the default one, the processor's chosen at load (an ifunc:
 * glibc on x86-64; elsewhere the default one alone, vectorized as the target allows). */
#if defined(__x86_64__) && defined(__GLIBC__)
#define AVX2_CLONE __attribute__((target_clones("avx2", "default")))
#else
#define AVX2_CLONE
#endif

/* One hash's permutations into ``minima``, in blocks of a fixed count of lanes that the
 * compiler vectorizes, the rest one by one. Scalar, 128 permutations took 93 M of the parser
 * processes' 5.42 G instructions on pip 24.2; 14 M so (callgrind). */
AVX2_CLONE static void
permute_into(uint32_t *restrict minima, const uint32_t *restrict mul, const uint32_t *restrict add,
             size_t perms, uint32_t h) {
    size_t whole = perms - perms % MINIMA_LANES;
    for (size_t j = 0; j < whole; j += MINIMA_LANES)
        for (int lane = 0; lane < MINIMA_LANES; lane++) {
            uint32_t permuted = mul[j + lane] * h + add[j + lane];
            minima[j + lane] = permuted < minima[j + lane] ? permuted : minima[j + lane];
        }
    for (size_t j = whole; j < perms; j++) {
        uint32_t permuted = mul[j] * h + add[j];
        if (permuted < minima[j]) minima[j] = permuted;
    }
}

/* ``signature.signature_bytes``'s minima: per permutation the least ``a * fmix32(h) + b``
 * (uint32 arithmetic) over the ``count`` hashes at ``hashes``, ``stride`` bytes apart, each
 * folded to 32 bits (a minimum needs no ``unique``), into a new bytearray: 0, or -1 with a
 * Python error set. */
static int minima_into(PyObject **result, const uint8_t *hashes, size_t count, size_t stride,
                       const Py_buffer *a, const Py_buffer *b) {
    size_t perms = (size_t)a->len / sizeof(uint32_t);
    if (a->len != b->len || a->len % sizeof(uint32_t)) {
        PyErr_SetString(PyExc_ValueError, "permutations of different lengths");
        return -1;
    }
    *result = PyByteArray_FromStringAndSize(NULL, (Py_ssize_t)(perms * sizeof(uint32_t)));
    if (*result == NULL) return -1;
    uint32_t *minima = (uint32_t *)PyByteArray_AS_STRING(*result);
    const uint32_t *mul = a->buf, *add = b->buf;
    for (size_t j = 0; j < perms; j++) minima[j] = 0xFFFFFFFFu;
    for (size_t i = 0; i < count; i++) {
        uint64_t value;
        memcpy(&value, hashes + i * stride, sizeof(value)); /* a packed record's: unaligned */
        uint32_t h = (uint32_t)((value ^ (value >> 32)) & 0xFFFFFFFFu);
        h ^= h >> 16;
        h *= 0x85EBCA6Bu;
        h ^= h >> 13;
        h *= 0xC2B2AE35u;
        h ^= h >> 16;
        permute_into(minima, mul, add, perms, h);
    }
    return 0;
}

static PyObject *native_minima(PyObject *module, PyObject *args) {
    Py_buffer hashes, a, b;
    if (!PyArg_ParseTuple(args, "y*y*y*", &hashes, &a, &b)) return NULL;
    PyObject *result = NULL;
    if (hashes.len % sizeof(uint64_t))
        PyErr_SetString(PyExc_ValueError, "hashes are uint64");
    else if (minima_into(&result, hashes.buf, (size_t)hashes.len / sizeof(uint64_t), sizeof(uint64_t),
                         &a, &b) < 0)
        Py_CLEAR(result);
    PyBuffer_Release(&hashes);
    PyBuffer_Release(&a);
    PyBuffer_Release(&b);
    return result;
}

/* ``normalize._blank_python_comment_lines``: each line of spaces and tabs then ``#`` turned
 * into spaces up to its newline (the regex ``(?m)^[ \t]*#[^\n]*``); ``source`` itself when
 * there is none. */
static PyObject *native_blank_comment_lines(PyObject *module, PyObject *source) {
    if (!PyBytes_Check(source)) {
        PyErr_SetString(PyExc_TypeError, "bytes expected");
        return NULL;
    }
    const char *data = PyBytes_AS_STRING(source);
    size_t length = (size_t)PyBytes_GET_SIZE(source);
    PyObject *result = NULL;
    char *out = NULL;
    for (size_t line = 0; line < length;) {
        size_t at = line;
        while (at < length && (data[at] == ' ' || data[at] == '\t')) at++;
        const char *newline = memchr(data + at, '\n', length - at);
        size_t end = newline ? (size_t)(newline - data) : length;
        if (at < length && data[at] == '#') {
            if (out == NULL) {
                if ((result = PyBytes_FromStringAndSize(data, (Py_ssize_t)length)) == NULL) return NULL;
                out = PyBytes_AS_STRING(result);
            }
            memset(out + line, ' ', end - line);
        }
        line = end + 1;
    }
    return result ? result : Py_NewRef(source);
}

static PyMethodDef native_methods[] = {
    {"set_names", native_set_names, METH_O,
     "set_names(table): CALL_ALIASES and SYNTAX_CALLS for the event codes of ASCII names"},
    {"text_code", native_text_code, METH_VARARGS,
     "text_code(kind, text) -> (code, private, name id) as structure.text_codes, or None"},
    {"blank_comment_lines", native_blank_comment_lines, METH_O,
     "blank_comment_lines(source) -> source with comment-only lines made spaces"},
    {"select", native_select, METH_VARARGS,
     "select(values, raw, line_start, line_end, k, w) -> FINGERPRINT_DTYPE bytes"},
    {"rolling_hash", native_rolling_hash, METH_VARARGS,
     "rolling_hash(values, k, out): shingles.rolling_hash's hashes written into out"},
    {"minima", native_minima, METH_VARARGS, "minima(hashes, a, b) -> uint32 minima bytes"},
    {"use_python_allocator", native_use_python_allocator, METH_NOARGS,
     "use_python_allocator(): tree-sitter allocates from Python's allocator, parsing with the GIL "
     "held (before the first Tokenizer only)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef native_module = {
    PyModuleDef_HEAD_INIT, "_native", "leaktrace's per-file hot path in C.", -1, native_methods,
};

PyMODINIT_FUNC PyInit__native(void) {
    if (PyType_Ready(&TokenizerType) < 0) return NULL;
    PyObject *module = PyModule_Create(&native_module);
    if (module == NULL) return NULL;
    if (PyModule_AddIntConstant(module, "ABI", LEAKTRACE_NATIVE_ABI) < 0 ||
        PyModule_AddIntConstant(module, "FUNCTION_FIELDS", FUNCTION_FIELDS) < 0 ||
        PyModule_AddIntConstant(module, "VERSION", TREE_SITTER_LANGUAGE_VERSION) < 0 ||
        PyModule_AddIntConstant(module, "CONTROL_CODES", CONTROL_CODES) < 0 ||
        PyModule_AddObjectRef(module, "Tokenizer", (PyObject *)&TokenizerType) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}

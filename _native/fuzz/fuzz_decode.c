/* libFuzzer harness for the C core (built by scripts/fuzz.sh with clang,
 * AddressSanitizer and UndefinedBehaviorSanitizer).
 *
 * Input: 2 bytes little-endian = attribute set index (bit 15: kernel=1),
 * then the attribute stream.  The same bytes also go to the encoder (as
 * hostile marshal data) and to the whole-stream decoder as a message stream
 * (rtnetlink and generic netlink tables).  Tables come from every spec in the
 * registry (_native/fuzz/prepare.py writes them as C).  Every mode runs, and
 * each marshal output is checked to be one well-formed object; what decodes
 * (kernel=0: an attribute stream, or a message of a stream) and the C
 * encoder takes must encode to the input bytes. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nlcodec_core.h"

extern const nlc_tables fuzz_tables;
extern const int fuzz_tables_nsets;
extern const nlc_msgdef fuzz_route_defs[], fuzz_genl_defs[];
extern const int32_t fuzz_route_by_type[], fuzz_genl_by_type[];
extern const int32_t fuzz_route_ntypes, fuzz_genl_ntypes;

static const uint8_t *walk(const uint8_t *p, const uint8_t *end, int depth);
static void stream_lossless(const nlc_msgdef *defs, const int32_t *by_type, int32_t n_types,
                            const uint8_t *buf, const uint8_t *m, size_t mlen);

static int32_t i32(const uint8_t *p)
{
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}

#define NEED(n) do { if (end - p < (long)(n)) abort(); } while (0)

static const uint8_t *walk(const uint8_t *p, const uint8_t *end, int depth)
{
    if (depth > 200)
        abort();
    NEED(1);
    uint8_t t = *p++ & 0x7f;
    switch (t) {
    case 'T': case 'F': case 'N':
        return p;
    case 'i': case 'r':
        NEED(4);
        return p + 4;
    case ')': {
        NEED(1);
        uint8_t n = *p++;
        for (uint8_t i = 0; i < n; i++)
            p = walk(p, end, depth + 1);
        return p;
    }
    case 'z': case 'Z':
        NEED(1);
        NEED(1 + p[0]);
        return p + 1 + p[0];
    case 'a': case 'u': {
        NEED(4);
        int32_t n = i32(p);
        if (n < 0)
            abort();
        NEED(4 + (size_t)n);
        return p + 4 + n;
    }
    case 'l': {
        NEED(4);
        int32_t n = i32(p);
        if (n < 0)
            n = -n;
        if (n > 5)
            abort();
        NEED(4 + 2 * (size_t)n);
        return p + 4 + 2 * n;
    }
    case '[': {
        NEED(4);
        int32_t n = i32(p);
        p += 4;
        if (n < 0)
            abort();
        for (int32_t i = 0; i < n; i++)
            p = walk(p, end, depth + 1);
        return p;
    }
    case '{':
        for (;;) {
            NEED(1);
            if (*p == '0')
                return p + 1;
            p = walk(p, end, depth + 1);     /* key */
            p = walk(p, end, depth + 1);     /* value */
        }
    }
    abort();
}

/* the whole-stream decoder: OK (possibly stopping early at err_off) or out
 * of memory, and a well-formed marshal list */
static void stream(const nlc_msgdef *defs, const int32_t *by_type, int32_t n_types,
                   const uint8_t *buf, size_t n, int kernel)
{
    uint8_t *out;
    size_t len, eoff;
    /* kernel=1 runs also leave messages of over 64 bytes of attributes aside,
     * as a lazy decode does */
    int rc = nlc_decode_stream(&fuzz_tables, defs, by_type, n_types, buf, n, kernel,
                               kernel ? 64 : SIZE_MAX, &out, &len, &eoff);
    if (rc == NLC_NOMEM)
        return;
    if (rc != NLC_OK || eoff > n || walk(out, out + len, 0) != out + len)
        abort();
    if (!kernel)
        stream_lossless(defs, by_type, n_types, buf, out, len);
}

/* The decoder writes each attribute or member name once and refers back to
 * it after that (marshal's FLAG_REF / 'r'); the encoder reads marshal
 * without back-references (what marshal.dumps(d, 2) writes).  deref() copies
 * a decoded object with every 'r' replaced by the object it names, so the
 * encoder can take it: without it, every decode that names something twice
 * (most nested sets) went unchecked (the encoder refused the 'r'). */
typedef struct {
    uint8_t *p;
    size_t len, cap;
    size_t *ref_at, *ref_end;           /* ref index -> span of its copy in p */
    size_t nrefs, refcap;
    int bad;
} dcopy;

static void dgrow(dcopy *d, size_t n)
{
    if (d->len + n <= d->cap)
        return;
    size_t cap = d->cap ? d->cap : 256;
    while (cap < d->len + n)
        cap *= 2;
    d->p = realloc(d->p, cap);
    if (!d->p)
        abort();
    d->cap = cap;
}

static void dput(dcopy *d, const uint8_t *p, size_t n)
{
    dgrow(d, n);
    memcpy(d->p + d->len, p, n);
    d->len += n;
}

static const uint8_t *dcopy_obj(dcopy *d, const uint8_t *p, const uint8_t *end, int depth)
{
    if (d->bad || p >= end || depth > 200) {
        d->bad = 1;
        return end;
    }
    uint8_t t = *p & 0x7f;
    size_t slot = (size_t)-1, start = d->len;
    if (*p & 0x80) {                    /* this object gets the next ref index */
        if (d->nrefs == d->refcap) {
            d->refcap = d->refcap ? 2 * d->refcap : 64;
            d->ref_at = realloc(d->ref_at, d->refcap * sizeof(size_t));
            d->ref_end = realloc(d->ref_end, d->refcap * sizeof(size_t));
            if (!d->ref_at || !d->ref_end)
                abort();
        }
        slot = d->nrefs++;
        d->ref_at[slot] = d->ref_end[slot] = (size_t)-1;     /* not complete yet */
    }
    if (t == 'r') {
        uint32_t i;
        memcpy(&i, p + 1, 4);
        if (i >= d->nrefs || d->ref_end[i] == (size_t)-1) {
            d->bad = 1;                 /* a reference to an enclosing object */
            return end;
        }
        size_t a = d->ref_at[i], n = d->ref_end[i] - a;
        dgrow(d, n);                    /* d->p may move: copy by offset */
        memcpy(d->p + d->len, d->p + a, n);
        d->len += n;
        return p + 5;
    }
    dput(d, &t, 1);
    const uint8_t *q = p + 1;
    switch (t) {
    case ')': {
        uint8_t n = *q++;
        dput(d, &n, 1);
        for (uint8_t i = 0; i < n; i++)
            q = dcopy_obj(d, q, end, depth + 1);
        break;
    }
    case '[': {
        int32_t n = i32(q);
        dput(d, q, 4);
        q += 4;
        for (int32_t i = 0; i < n; i++)
            q = dcopy_obj(d, q, end, depth + 1);
        break;
    }
    case '{':
        while (!d->bad && q < end && *q != '0') {
            q = dcopy_obj(d, q, end, depth + 1);
            q = dcopy_obj(d, q, end, depth + 1);
        }
        dput(d, (const uint8_t *)"0", 1);
        q++;
        break;
    default: {                          /* scalars: walk() knows their size */
        const uint8_t *e = walk(p, end, 0);
        dput(d, q, (size_t)(e - q));
        q = e;
    }
    }
    if (slot != (size_t)-1) {
        d->ref_at[slot] = start;
        d->ref_end[slot] = d->len;
    }
    return q;
}

/* the object at p (well-formed: walk() checked the whole output) without
 * back-references, in *out (malloc'd); 0 if it refers outside itself */
static int deref(const uint8_t *p, const uint8_t *end, uint8_t **out, size_t *n)
{
    dcopy d = {0};
    dcopy_obj(&d, p, end, 0);
    free(d.ref_at);
    free(d.ref_end);
    if (d.bad) {
        free(d.p);
        return 0;
    }
    *out = d.p;
    *n = d.len;
    return 1;
}

/* lossless: what decodes encodes to the same bytes.  The C encoder hands
 * bookkeeping keys (_flags, _raw, _pad ...) and anything else unusual to
 * pure.py (NLC_FALLBACK); whatever it encodes itself must be the input.
 * Checked for kernel=0 only: kernel=1 decodes nests with their sets'
 * kernel variants (tables.sets[s].kernel_variant, at any depth), and the C
 * encoder has no such mode (it encodes a set with the sets its attributes
 * name; native.py sends every kernel-form encode to pure.py): the
 * Python-level replay (_native/fuzz/lossless.py) covers kernel=1 on both
 * backends.  NLC_VALIDATE gives no value, NLC_ONLY one attribute's value
 * without its header: neither is a whole input to encode again. */
static void lossless(int set, const uint8_t *buf, size_t n, const uint8_t *m, size_t mlen)
{
    uint8_t *copy, *enc;
    size_t clen, elen;
    if (!deref(m, m + mlen, &copy, &clen))
        return;
    int rc = nlc_encode(&fuzz_tables, set, copy, clen, &enc, &elen);
    if (rc == NLC_OK && (elen != n || (n && memcmp(enc, buf, n) != 0)))
        abort();                       /* decoded, encoded, and not the same bytes */
    free(copy);
}

/* the stream decoder's messages, the same way: each message whose
 * attributes it decoded (kernel=0) gives them back with the set it chose
 * (the rules of nlc_decode_stream: the type's or command's set, alt_set by
 * a header byte; attributes from the header's 4-byte boundary) */
static void stream_lossless(const nlc_msgdef *defs, const int32_t *by_type, int32_t n_types,
                            const uint8_t *buf, const uint8_t *m, size_t mlen)
{
    uint8_t *c;
    size_t clen;
    (void)n_types;
    /* the names are referred back to across messages: the whole list first */
    if (!deref(m, m + mlen, &c, &clen))
        return;
    const uint8_t *p = c + 1, *end = c + clen;
    int32_t count = i32(p);
    p += 4;
    for (int32_t k = 0; k < count; k++) {
        int32_t v[3];
        p += 2;                         /* ')' 8 */
        for (int j = 0; j < 6; j++) {   /* off, len, type ('i'), flags, seq, pid */
            if (j < 3) {
                if (*p != 'i')
                    abort();
                v[j] = i32(p + 1);
            }
            p = walk(p, end, 0);
        }
        const uint8_t *attrs = walk(p, end, 0);     /* after the header */
        p = walk(attrs, end, 0);
        if ((*attrs & 0x7f) == 'N')
            continue;                   /* left to Python */
        size_t off = (size_t)v[0], pos = off + 16, e = off + (uint32_t)v[1];
        const nlc_msgdef *d = &defs[by_type[(uint16_t)v[2]]];
        int32_t header = d->header, set = d->set;
        if (d->genl) {
            const nlc_msgdef *cd = &defs[d->cmd_first + buf[pos]];
            if (cd->header >= 0)
                header = cd->header;
            set = cd->set;
            pos += 4;
        } else if (header >= 0 && d->alt_off >= 0 &&
                   (size_t)d->alt_off < (size_t)fuzz_tables.layouts[header].size &&
                   pos + (size_t)d->alt_off < e && buf[pos + d->alt_off] == d->alt_val) {
            set = d->alt_set;
        }
        if (header >= 0)
            pos += ((size_t)fuzz_tables.layouts[header].size + 3) & ~(size_t)3;
        if (pos > e)
            pos = e;
        if (set >= 0)
            lossless(set, buf + pos, e - pos, attrs, (size_t)(p - attrs));
    }
    free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    int sel = data[0] | (data[1] << 8);
    int set = (sel & 0x7fff) % fuzz_tables_nsets;
    int kernel = sel >> 15;
    size_t n = size - 2;
    /* a copy of exactly n bytes, so that any over-read is caught */
    uint8_t *buf = malloc(n ? n : 1);
    memcpy(buf, data + 2, n);
    uint8_t *out;
    size_t len, eoff;
    int rc = nlc_decode(&fuzz_tables, set, buf, 0, n, kernel, NLC_FULL, -1, &out, &len, &eoff);
    if (rc == NLC_OK) {
        if (walk(out, out + len, 0) != out + len)
            abort();
        if (!kernel)
            lossless(set, buf, n, out, len);
    } else if (rc == NLC_ERR && eoff > n) {
        abort();
    }
    int rc2 = nlc_decode(&fuzz_tables, set, buf, 0, n, kernel, NLC_VALIDATE, -1, &out, &len,
                         &eoff);
    if ((rc == NLC_OK) != (rc2 == NLC_OK))
        abort();                       /* validation and decoding must agree */
    if (rc == NLC_OK && n >= 4) {
        int id = (buf[2] | (buf[3] << 8)) & 0x3fff;
        rc = nlc_decode(&fuzz_tables, set, buf, 0, n, kernel, NLC_ONLY, id, &out, &len, &eoff);
        if (rc == NLC_OK && walk(out, out + len, 0) != out + len)
            abort();
    }
    /* the encoder reads marshal data: hostile input must be refused cleanly */
    rc = nlc_encode(&fuzz_tables, set, buf, n, &out, &len);
    if (rc == NLC_OK && len % 4)
        abort();                       /* attributes are always 4-byte aligned */
    stream(fuzz_route_defs, fuzz_route_by_type, fuzz_route_ntypes, buf, n, kernel);
    stream(fuzz_genl_defs, fuzz_genl_by_type, fuzz_genl_ntypes, buf, n, kernel);
    free(buf);
    return 0;
}

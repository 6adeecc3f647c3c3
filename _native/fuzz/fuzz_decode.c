/* libFuzzer harness for the C core (built by scripts/fuzz.sh with clang,
 * AddressSanitizer and UndefinedBehaviorSanitizer).
 *
 * Input: 2 bytes little-endian = attribute set index (bit 15: kernel=1),
 * then the attribute stream.  The same bytes also go to the encoder (as
 * hostile marshal data) and to the whole-stream decoder as a message stream
 * (rtnetlink and generic netlink tables).  Tables come from every spec in the
 * registry (_native/fuzz/prepare.py writes them as C).  Every mode runs, and
 * each marshal output is checked to be one well-formed object; what decodes
 * (kernel=0) and the C encoder takes must encode to the input bytes. */

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
    int rc = nlc_decode_stream(&fuzz_tables, defs, by_type, n_types, buf, n, kernel, &out,
                               &len, &eoff);
    if (rc == NLC_NOMEM)
        return;
    if (rc != NLC_OK || eoff > n || walk(out, out + len, 0) != out + len)
        abort();
}

/* lossless: what decodes encodes to the same bytes.  The C encoder hands
 * bookkeeping keys (_flags, _raw, _pad ...) and anything else unusual to
 * pure.py (NLC_FALLBACK); whatever it encodes itself must be the input.
 * (kernel=1 decodes with kernel-variant sets, which the C encoder does not
 * choose: the Python-level replay, _native/fuzz/lossless.py, covers those
 * and both backends.) */
static void lossless(int set, const uint8_t *buf, size_t n, const uint8_t *m, size_t mlen)
{
    uint8_t *copy = malloc(mlen ? mlen : 1), *enc;
    size_t elen;
    memcpy(copy, m, mlen);
    int rc = nlc_encode(&fuzz_tables, set, copy, mlen, &enc, &elen);
    if (rc == NLC_OK && (elen != n || (n && memcmp(enc, buf, n) != 0)))
        abort();                       /* decoded, encoded, and not the same bytes */
    free(copy);
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

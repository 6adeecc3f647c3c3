/* nlcodec C core.  See nlcodec_core.h.
 *
 * A set is decoded in two passes, like pure.py's single loop does it in one:
 *  1. walk the attributes, validate their headers, group occurrences of the
 *     same type (the dict keeps the first occurrence's position; multi-attrs
 *     and repeats become lists) and note the bookkeeping pure.py records
 *     (_flags, _repeated, _raw);
 *  2. write the dict as marshal data, recursing into nests.
 * Any malformed input returns NLC_ERR: the Python side then runs pure.py,
 * which raises the DecodeError with its path and offset, so both backends
 * report errors identically by construction.  Rare valid cases return
 * NLC_FALLBACK and are decoded by pure.py too. */

#include <arpa/inet.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nlcodec_core.h"

#define TYPE_MASK 0x3FFF
#define FLAG_MASK 0xC000

/* ---------------------------------------------------------------- output */

/* Values met again in one marshal stream are built once by marshal.loads:
 * the second occurrence is written with FLAG_REF, later ones as back-
 * references ('r').  Ints outside marshal's small-int cache (-5..256) and
 * short strings (MAC, IP, hex text, string attributes) are looked up in a
 * direct-mapped cache (a collision forgets the older value: it is only
 * built again).  A value seen once costs marshal.loads nothing more; a
 * value shared this way is immutable, so the decoded dicts are unchanged. */
#define VC_INTS 512              /* power of two */
#define VC_STRS 256              /* power of two */
#define VC_STR_MAX 40            /* longer strings are written plain */

typedef struct {
    uint32_t gen;
    int32_t idx;                 /* marshal ref, -1: seen once (written plain) */
    uint64_t v;
    int neg;
} vc_int;

typedef struct {
    uint32_t gen;
    int32_t idx;
    uint32_t n, ascii;
    uint8_t s[VC_STR_MAX];
} vc_str;

typedef struct {
    vc_int i[VC_INTS];
    vc_str s[VC_STRS];
} vcache;

typedef struct {
    uint8_t *p;
    size_t len, cap;
    int dry;          /* validate only: write nothing */
    int oom;
    vcache *vc;       /* decoder streams: shared values (NULL: none, the encoder) */
    uint32_t vgen;    /* generation of the stream's refs (ctx.gen) */
    int32_t *nrefs;   /* the stream's ref count (ctx.nrefs) */
} wbuf;

static int wgrow(wbuf *w, size_t n)
{
    size_t cap = w->cap ? w->cap : 4096;
    while (cap < w->len + n)
        cap *= 2;
    uint8_t *p = realloc(w->p, cap);
    if (!p) {
        w->oom = 1;
        return 0;
    }
    w->p = p;
    w->cap = cap;
    return 1;
}

#define WNEED(w, n) \
    do { \
        if ((w)->dry || (w)->oom) return; \
        if ((w)->len + (n) > (w)->cap && !wgrow((w), (n))) return; \
    } while (0)

static inline __attribute__((always_inline)) void wbyte(wbuf *w, uint8_t b)
{
    WNEED(w, 1);
    w->p[w->len++] = b;
}

static inline __attribute__((always_inline)) void wi32(wbuf *w, int32_t v)
{
    WNEED(w, 4);
    memcpy(w->p + w->len, &v, 4);      /* little-endian hosts only (x86, arm64) */
    w->len += 4;
}

/* marshal str: text must be valid UTF-8 (marshal.loads checks) */
static void wstr_plain(wbuf *w, const uint8_t *s, size_t n, int ascii)
{
    WNEED(w, n + 5);
    if (ascii && n < 256) {
        w->p[w->len++] = 'z';
        w->p[w->len++] = (uint8_t)n;
    } else {
        w->p[w->len++] = ascii ? 'a' : 'u';
        uint32_t u = (uint32_t)n;
        memcpy(w->p + w->len, &u, 4);   /* little-endian hosts only (x86, arm64) */
        w->len += 4;
    }
    memcpy(w->p + w->len, s, n);
    w->len += n;
}

/* a shared value's slot in w->vc: 1 written here (as a back-reference), 0
 * write it (with FLAG_REF when *flag is set after the call) */
static inline int vc_seen(wbuf *w, uint32_t *gen, int32_t *idx, int *flag)
{
    *flag = 0;
    if (*gen != w->vgen) {
        *gen = w->vgen;
        *idx = -1;
        return 0;
    }
    if (*idx < 0) {               /* the second time: built once more, kept */
        *idx = (*w->nrefs)++;
        *flag = 1;
        return 0;
    }
    if (w->len + 5 > w->cap && !wgrow(w, 5))
        return 1;                       /* out of memory: w->oom says so */
    w->p[w->len] = 'r';
    memcpy(w->p + w->len + 1, idx, 4);   /* little-endian hosts only */
    w->len += 5;
    return 1;
}

static void wstr(wbuf *w, const uint8_t *s, size_t n, int ascii)
{
    if (!w->vc || n > VC_STR_MAX || w->dry || w->oom) {
        wstr_plain(w, s, n, ascii);
        return;
    }
    uint32_t h = 2166136261u;           /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 16777619u;
    vc_str *e = &w->vc->s[(h ^ (h >> 15)) & (VC_STRS - 1)];
    int flag;
    if (e->gen == w->vgen && (e->n != n || memcmp(e->s, s, n)))
        e->gen = 0;                     /* another value: this one takes the slot */
    if (vc_seen(w, &e->gen, &e->idx, &flag))
        return;
    e->n = (uint32_t)n;
    e->ascii = (uint32_t)ascii;
    memcpy(e->s, s, n);
    size_t at = w->len;
    wstr_plain(w, s, n, ascii);
    if (flag && !w->oom)
        w->p[at] |= 0x80;
}

static void wcstr(wbuf *w, const char *s, size_t n)
{
    wstr(w, (const uint8_t *)s, n, 1);
}

/* marshal int: 'i' for 32-bit values, else 'l' with 15-bit digits */
static inline __attribute__((always_inline)) void wi32tag(wbuf *w, int32_t v)
{
    WNEED(w, 5);
    w->p[w->len] = 'i';
    memcpy(w->p + w->len + 1, &v, 4);  /* little-endian hosts only (x86, arm64) */
    w->len += 5;
}

static void wlong_big(wbuf *w, uint64_t mag, int neg);

static inline __attribute__((always_inline)) void wlong(wbuf *w, uint64_t mag, int neg)
{
    if (!neg && mag <= 0x7fffffffu)
        wi32tag(w, (int32_t)mag);
    else if (neg && mag <= 0x80000000u)
        wi32tag(w, (int32_t)(-(int64_t)mag));
    else
        wlong_big(w, mag, neg);
}

static void wlong_big(wbuf *w, uint64_t mag, int neg)
{
    uint16_t d[5];
    int n = 0;
    while (mag) {
        d[n++] = mag & 0x7fff;
        mag >>= 15;
    }
    WNEED(w, 5 + 2 * n);
    wbyte(w, 'l');
    wi32(w, neg ? -n : n);
    for (int i = 0; i < n; i++) {
        w->p[w->len++] = d[i] & 0xff;
        w->p[w->len++] = d[i] >> 8;
    }
}

static void wint_shared(wbuf *w, uint64_t v, int neg)
{
    uint64_t m = v * 0x9E3779B97F4A7C15ull;
    vc_int *e = &w->vc->i[(m >> 40) & (VC_INTS - 1)];
    int flag;
    if (e->gen == w->vgen && (e->v != v || e->neg != neg))
        e->gen = 0;
    if (vc_seen(w, &e->gen, &e->idx, &flag))
        return;
    e->v = v;
    e->neg = neg;
    size_t at = w->len;
    wlong(w, neg ? (uint64_t)0 - v : v, neg);
    if (flag && !w->oom)
        w->p[at] |= 0x80;
}

static inline __attribute__((always_inline)) void wint(wbuf *w, uint64_t v, int is_signed)
{
    int neg = is_signed && (int64_t)v < 0;
    /* marshal.loads gives -5..256 from CPython's small-int cache */
    if (w->vc && !w->dry && !w->oom && (neg ? (int64_t)v < -5 : v > 256)) {
        wint_shared(w, v, neg);
        return;
    }
    if (neg)
        wlong(w, (uint64_t)0 - v, 1);
    else
        wlong(w, v, 0);
}

static const char HEX[] = "0123456789abcdef";

static void whex(wbuf *w, const uint8_t *b, size_t n)
{
    if (w->vc && 2 * n <= VC_STR_MAX) {
        uint8_t s[VC_STR_MAX];
        for (size_t i = 0; i < n; i++) {
            s[2 * i] = HEX[b[i] >> 4];
            s[2 * i + 1] = HEX[b[i] & 15];
        }
        wstr(w, s, 2 * n, 1);
        return;
    }
    WNEED(w, 2 * n + 5);
    if (2 * n < 256) {
        w->p[w->len++] = 'z';
        w->p[w->len++] = (uint8_t)(2 * n);
    } else {
        w->p[w->len++] = 'a';
        uint32_t u = (uint32_t)(2 * n);
        memcpy(w->p + w->len, &u, 4);
        w->len += 4;
    }
    uint8_t *o = w->p + w->len;
    for (size_t i = 0; i < n; i++) {
        o[2 * i] = HEX[b[i] >> 4];
        o[2 * i + 1] = HEX[b[i] & 15];
    }
    w->len += 2 * n;
}

/* bytes -> text by display hint, exactly as nlcodec/values.py TEXT_OF */
static void wtext(wbuf *w, int hint, const uint8_t *b, size_t n)
{
    char s[64];
    if (w->dry)
        return;
    if (hint == NLC_T_MAC && n > 0 && n <= 21) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            if (i)
                s[k++] = ':';
            s[k++] = HEX[b[i] >> 4];
            s[k++] = HEX[b[i] & 15];
        }
        wcstr(w, s, k);
        return;
    }
    if (hint == NLC_T_MAC && n > 21) {
        /* long "mac" (e.g. infiniband): colon separated as well */
        WNEED(w, 3 * n + 5);
        wbyte(w, 'a');
        wi32(w, (int32_t)(3 * n - 1));
        for (size_t i = 0; i < n; i++) {
            if (i)
                w->p[w->len++] = ':';
            w->p[w->len++] = HEX[b[i] >> 4];
            w->p[w->len++] = HEX[b[i] & 15];
        }
        return;
    }
    if ((hint == NLC_T_IP || hint == NLC_T_IPV6) && n == 4) {
        /* dotted quad by hand: glibc's inet_ntop formats it with sprintf,
         * a tenth of a route dump's decode */
        size_t k = 0;
        for (size_t i = 0; i < 4; i++) {
            unsigned v = b[i];
            if (i)
                s[k++] = '.';
            if (v >= 100)
                s[k++] = (char)('0' + v / 100);
            if (v >= 10)
                s[k++] = (char)('0' + v / 10 % 10);
            s[k++] = (char)('0' + v % 10);
        }
        wcstr(w, s, k);
        return;
    }
    if ((hint == NLC_T_IP || hint == NLC_T_IPV6) && n == 16) {
        if (inet_ntop(n == 4 ? AF_INET : AF_INET6, b, s, sizeof s))
            wcstr(w, s, strlen(s));
        else
            w->oom = 1;
        return;
    }
    if (hint == NLC_T_UUID && n == 16) {
        size_t k = 0;
        for (size_t i = 0; i < 16; i++) {
            if (i == 4 || i == 6 || i == 8 || i == 10)
                s[k++] = '-';
            s[k++] = HEX[b[i] >> 4];
            s[k++] = HEX[b[i] & 15];
        }
        wcstr(w, s, k);
        return;
    }
    whex(w, b, n);
}

static void wkey_id(wbuf *w, uint16_t id)
{
    char s[8];
    int k = 0;
    char tmp[8];
    int n = 0;
    do {
        tmp[n++] = '0' + id % 10;
        id /= 10;
    } while (id);
    while (n)
        s[k++] = tmp[--n];
    wcstr(w, s, k);
}

/* ---------------------------------------------------------------- input */

static inline uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static inline __attribute__((always_inline)) uint64_t rdint(const uint8_t *p, int size,
                                                             int big, int is_signed)
{
    uint64_t v = 0;
    if (!big) {                         /* little-endian hosts only (x86, arm64) */
        if (size == 4) {
            uint32_t u;
            memcpy(&u, p, 4);
            return is_signed ? (uint64_t)(int64_t)(int32_t)u : u;
        }
        if (size == 8) {
            memcpy(&v, p, 8);
            return v;
        }
    }
    if (big)
        for (int i = 0; i < size; i++)
            v = (v << 8) | p[i];
    else
        for (int i = size - 1; i >= 0; i--)
            v = (v << 8) | p[i];
    if (is_signed && size < 8 && (v >> (8 * size - 1)) & 1)
        v |= ~(uint64_t)0 << (8 * size);
    return v;
}

/* strict UTF-8 as Python's decoder: returns 1 valid, 0 invalid; *ascii set */
static int utf8_ok(const uint8_t *s, size_t n, int *ascii)
{
    size_t i = 0;
    *ascii = 1;
    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        *ascii = 0;
        size_t k;
        uint32_t cp;
        if (c >= 0xc2 && c <= 0xdf) {
            k = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            k = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            k = 3;
            cp = c & 0x07;
        } else
            return 0;
        if (i + k >= n)
            return 0;
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + j] & 0x3f);
        }
        if ((k == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
            (k == 3 && (cp < 0x10000 || cp > 0x10ffff)))
            return 0;
        i += k + 1;
    }
    return 1;
}

/* ---------------------------------------------------------------- state */

typedef struct {
    uint32_t off;     /* of the attribute header */
    uint32_t len;     /* nla_len */
    uint16_t type;    /* nla_type with flags */
    int32_t attr;     /* index in attrs, -1 unknown */
    int32_t group;
    int32_t next;     /* next occurrence of the same type, -1 */
} entry;

typedef struct {
    int32_t first, last, count, attr;
    uint16_t id;
    int32_t idx_flags;     /* an indexed array's elements' NLA flags when not the spec's, else -1 */
    int32_t raw_last;      /* entry whose payload goes under _raw */
    uint8_t done_plain, done_idx, done_raw;
} group;

enum { EV_PLAIN, EV_IDX, EV_RAW, EV_REP, EV_PAD };

typedef struct {
    int32_t group, what, value;
} event;

typedef struct {
    uint32_t *gen;
    int32_t *idx;
    size_t n;
} reftab;

typedef struct {
    const nlc_tables *t;
    const uint8_t *buf;
    wbuf w;
    /* per-thread tables, looked up once per call (TLS access is not free) */
    int32_t *gf;          /* g_first */
    reftab *ra, *rf;      /* name back-references: attributes, struct members */
    uint32_t gen;         /* ref generation of this stream */
    int32_t nrefs;        /* marshal back-references handed out in this stream */
    entry *e;
    size_t ne, ce;
    group *g;
    size_t ng, cg;
    event *ev;
    size_t nev, cev;
    int kernel;
    size_t err_off;
} ctx;

/* per set being decoded: for sub-message selectors */
typedef struct {
    size_t ebase, n;
    int32_t sel_id;   /* cached selector lookup */
    int sel_state;    /* 0 none found, 1 string, 2 int, 3 fallback */
    const uint8_t *sel_s;
    size_t sel_n;
    uint64_t sel_v;
    int sel_valid;
} frame;

static __thread int32_t g_first[TYPE_MASK + 1];   /* type -> group + 1 while grouping */

/* Names are written once per stream and referred back to after that
 * (marshal's FLAG_REF / 'r'): marshal.loads then reuses one str object,
 * hash included, for every dict key of the same name. */

static __thread reftab ref_attrs, ref_fields;
static __thread uint32_t ref_gen;
static __thread vcache shared_values;

static inline void wname_ref(ctx *c, reftab *rt, int32_t i, const char *name, size_t n)
{
    wbuf *w = &c->w;
    if (w->dry || w->oom)
        return;
    if ((size_t)i >= rt->n || n >= 256) {
        wcstr(w, name, n);
        return;
    }
    if (rt->gen[i] == c->gen) {
        WNEED(w, 5);
        w->p[w->len] = 'r';
        memcpy(w->p + w->len + 1, &rt->idx[i], 4);   /* little-endian hosts only */
        w->len += 5;
        return;
    }
    rt->gen[i] = c->gen;
    rt->idx[i] = c->nrefs++;
    WNEED(w, n + 2);
    w->p[w->len++] = 'z' | 0x80;
    w->p[w->len++] = (uint8_t)n;
    memcpy(w->p + w->len, name, n);
    w->len += n;
}

static int reftab_fit(reftab *rt, size_t n)
{
    if (rt->n >= n)
        return 1;
    uint32_t *g = calloc(n, sizeof *g);
    int32_t *x = calloc(n, sizeof *x);
    if (!g || !x) {
        free(g);
        free(x);
        return 0;
    }
    free(rt->gen);
    free(rt->idx);
    rt->gen = g;
    rt->idx = x;
    rt->n = n;
    return 1;
}

#define GROW(c, arr, n, cap) \
    do { \
        if ((c)->n >= (c)->cap) { \
            size_t nc = (c)->cap ? (c)->cap * 2 : 256; \
            void *np = realloc((c)->arr, nc * sizeof(*(c)->arr)); \
            if (!np) return NLC_NOMEM; \
            (c)->arr = np; \
            (c)->cap = nc; \
        } \
    } while (0)

static int err_at(ctx *c, size_t off)
{
    c->err_off = off;
    return NLC_ERR;
}

static int dec_set(ctx *c, int32_t s, size_t off, size_t end, int depth, int pairs_only,
                   int32_t only_id);

/* ---------------------------------------------------------------- structs */

static void field_value(ctx *c, const nlc_field *f, const uint8_t *p)
{
    wbuf *w = &c->w;
    if (f->kind == 0) {
        if (f->ip) {
            wtext(w, NLC_T_IP, p, 4);
            return;
        }
        wint(w, rdint(p, f->size, f->big, f->is_signed), f->is_signed);
    } else if (f->kind == 1) {
        wtext(w, f->hint, p, f->size);
    } else if (f->kind == 3) {
        wbyte(w, p[0] ? 'T' : 'F');
    }
}

static void int_list(ctx *c, const nlc_field *f, const uint8_t *p, size_t n)
{
    wbyte(&c->w, '[');
    wi32(&c->w, (int32_t)n);
    if (c->w.dry)
        return;
    for (size_t i = 0; i < n; i++)
        wint(&c->w, rdint(p + i * f->size, f->size, f->big, f->is_signed), f->is_signed);
}

/* kinds 4 (array of ints, count in .end - previous end) and 5 (greedy ints) */
static int dec_layout_x(ctx *c, int32_t li, size_t start, size_t end, int braces);

/* whether a padding member (of the layout or of a nested struct, kind 6 in a
 * layout of native 4) within the first avail bytes holds anything but zeros */
static int pad_dirty(ctx *c, int32_t li, size_t start, size_t avail)
{
    const nlc_layout *L = &c->t->layouts[li];
    const nlc_field *F = &c->t->fields[L->first_field];
    for (int i = 0; i < L->nfields; i++) {
        size_t from = (size_t)(F[i].end - F[i].size);
        if (F[i].kind == 2) {
            for (size_t q = from; q < (size_t)F[i].end && q < avail; q++)
                if (c->buf[start + q])
                    return 1;
        } else if (F[i].kind == 6 && from < avail &&
                   pad_dirty(c, F[i].sub, start + from, avail - from)) {
            return 1;
        }
    }
    return 0;
}

/* kinds 7 (counted by the member at index f->hint) and 8 (to the end):
 * tc_u32_sel.keys, tc_pedit_sel.keys, a list of the element layout's dicts
 * from *pos, as structs.py's _decode_variable.  Anything but the plain case
 * (a count that is no plain unsigned int or overruns the payload, element
 * padding that is not zero) is left to pure, which also raises the error. */
static int dec_struct_array(ctx *c, const nlc_field *F, const nlc_field *f, size_t start,
                            size_t *pos, size_t end)
{
    size_t esz = (size_t)c->t->layouts[f->sub].size, n;
    if (esz == 0)
        return NLC_FALLBACK;
    if (f->kind == 7) {
        const nlc_field *cf = &F[f->hint];
        if (cf->kind != 0 || cf->is_signed || cf->hint || cf->ip)
            return NLC_FALLBACK;
        uint64_t v = rdint(c->buf + start + cf->end - cf->size, cf->size, cf->big, 0);
        if (v > (end - *pos) / esz)
            return NLC_FALLBACK;
        n = (size_t)v;
    } else {
        n = (end - *pos) / esz;
    }
    if (n > INT32_MAX)
        return NLC_FALLBACK;
    for (size_t k = 0; k < n; k++)
        if (pad_dirty(c, f->sub, *pos + k * esz, esz))
            return NLC_FALLBACK;
    wbyte(&c->w, '[');
    wi32(&c->w, (int32_t)n);
    for (size_t k = 0; k < n; k++) {
        int rc = dec_layout_x(c, f->sub, *pos, *pos + esz, 1);
        if (rc != NLC_OK)
            return rc;
        *pos += esz;
    }
    return NLC_OK;
}

static int dec_layout(ctx *c, int32_t li, size_t start, size_t end)
{
    return dec_layout_x(c, li, start, end, 1);
}

/* braces=0: the members only, for a dict the caller opened (genl headers) */
static int dec_layout_x(ctx *c, int32_t li, size_t start, size_t end, int braces)
{
    const nlc_layout *L = &c->t->layouts[li];
    const nlc_field *F = &c->t->fields[L->first_field];
    wbuf *w = &c->w;
    size_t avail = end - start;
    if (!L->native || L->native == 3)
        return NLC_FALLBACK;
    /* padding that is not zero, nested structs' too: pure keeps the bytes raw (_raw) */
    if (pad_dirty(c, li, start, avail))
        return NLC_FALLBACK;
    if (avail < (size_t)L->size) {
        /* struct arrays (5): flat or not, pure decides (a flat one decodes
         * the members that fit, _size) */
        if (L->native == 5)
            return NLC_FALLBACK;
        if (L->native != 1)          /* not flat: every member must fit */
            return err_at(c, start);
        int ok = avail == 0;
        for (int i = 0; i < L->nfields && !ok; i++)
            ok = (size_t)F[i].end == avail;
        if (!ok)
            return err_at(c, start);
        if (braces)
            wbyte(w, '{');
        for (int i = 0; i < L->nfields; i++) {
            if (F[i].kind == 2 || (size_t)F[i].end > avail || F[i].kind == 5)
                continue;
            wname_ref(c, c->rf, L->first_field + i, F[i].name, F[i].name_len);
            field_value(c, &F[i], c->buf + start + F[i].end - F[i].size);
        }
        /* the struct was short on the wire: said in the decoded form, so
         * that encoding gives the short struct again (structs.py) */
        wcstr(w, "_size", 5);
        wint(w, avail, 0);
        if (braces)
            wbyte(w, '0');
        return NLC_OK;
    }
    if (braces)
            wbyte(w, '{');
    size_t pos = start + L->size;
    for (int i = 0; i < L->nfields; i++) {
        const nlc_field *f = &F[i];
        if (f->kind == 2)
            continue;
        wname_ref(c, c->rf, L->first_field + i, f->name, f->name_len);
        if (f->kind == 4) {
            /* fixed array: f->size is the element size, f->end - (previous end) its span */
            size_t span = f->end - (i ? F[i - 1].end : 0);
            int_list(c, f, c->buf + start + f->end - span, span / f->size);
        } else if (f->kind == 5) {
            size_t n = (end - pos) / f->size;
            int_list(c, f, c->buf + pos, n);
            pos += n * f->size;
        } else if (f->kind == 6) {
            /* a nested struct (native 4: fixed, fully inside; a dict of its own) */
            int rc = dec_layout_x(c, f->sub, start + f->end - f->size, start + f->end, 1);
            if (rc != NLC_OK)
                return rc;
        } else if (f->kind == 7 || f->kind == 8) {
            int rc = dec_struct_array(c, F, f, start, &pos, end);
            if (rc != NLC_OK)
                return rc;
        } else {
            field_value(c, f, c->buf + start + f->end - f->size);
        }
    }
    if (pos < end) {
        wcstr(w, "_tail", 5);
        whex(w, c->buf + pos, end - pos);
    }
    if (braces)
            wbyte(w, '0');
    return NLC_OK;
}

/* ---------------------------------------------------------------- values */

static int dec_int(ctx *c, const nlc_attr *a, size_t start, size_t end)
{
    size_t n = end - start;
    int size = a->size;
    if (size == 0) {
        if (n != 4 && n != 8)
            return err_at(c, start - 4);
        size = (int)n;
    } else if (n != (size_t)size)
        return err_at(c, start - 4);
    const uint8_t *p = c->buf + start;
    if (a->hint == NLC_T_IP && size == 4) {
        uint8_t b[4];
        if (a->big)
            memcpy(b, p, 4);
        else
            for (int i = 0; i < 4; i++)
                b[i] = p[3 - i];
        wtext(&c->w, NLC_T_IP, b, 4);
        return NLC_OK;
    }
    uint64_t v = rdint(p, size, a->big, a->is_signed);
    /* a uint/sint in 8 bytes whose value encoding would put in 4 (as
     * nla_put_uint does): pure keeps the payload raw */
    if (a->size == 0 && size == 8 &&
        (a->is_signed ? (int64_t)v >= -((int64_t)1 << 31) && (int64_t)v < ((int64_t)1 << 32)
                      : v < ((uint64_t)1 << 32)))
        return NLC_FALLBACK;
    wint(&c->w, v, a->is_signed);
    return NLC_OK;
}

static int dec_nest(ctx *c, int32_t set, int32_t header, size_t start, size_t end, int depth)
{
    wbuf *w = &c->w;
    if (header < 0) {
        if (set < 0) {
            whex(w, c->buf + start, end - start);
            return NLC_OK;
        }
        return dec_set(c, set, start, end, depth + 1, 0, -1);
    }
    const nlc_layout *L = &c->t->layouts[header];
    size_t hsize = L->size;
    if (end - start < hsize)
        return err_at(c, start - 4);
    wbyte(w, '{');
    size_t astart = start + ((hsize + 3) & ~(size_t)3);
    /* padding after the header not zero or cut short: pure keeps it raw */
    for (size_t q = start + hsize; q < astart; q++)
        if (q >= end || c->buf[q])
            return NLC_FALLBACK;
    wcstr(w, "_header", 7);
    int rc = dec_layout(c, header, start, start + hsize);
    if (rc)
        return rc;
    if (set >= 0 && astart < end) {
        rc = dec_set(c, set, astart, end, depth + 1, 1, -1);
        if (rc)
            return rc;
    } else if (astart < end) {
        wcstr(w, "_tail", 5);
        whex(w, c->buf + astart, end - astart);
    }
    wbyte(w, '0');
    return NLC_OK;
}

/* the text of a string payload up to its first NUL; NLC_FALLBACK if not UTF-8 */
static int string_text(ctx *c, size_t start, size_t end, size_t *tlen, int *ascii)
{
    const uint8_t *p = c->buf + start;
    const uint8_t *z = memchr(p, 0, end - start);
    *tlen = z ? (size_t)(z - p) : end - start;
    if (!utf8_ok(p, *tlen, ascii))
        return NLC_FALLBACK;
    return NLC_OK;
}

static int dec_elem(ctx *c, const nlc_attr *a, int32_t elem, size_t start, size_t end, int depth)
{
    if (elem < 0) {
        if (a->set >= 0)
            return dec_set(c, a->set, start, end, depth + 1, 0, -1);
        whex(&c->w, c->buf + start, end - start);
        return NLC_OK;
    }
    const nlc_attr *e = &c->t->attrs[elem];
    if (e->kind == NLC_K_INT)
        return dec_int(c, e, start, end);
    if (e->kind == NLC_K_STRUCT)
        return dec_layout(c, e->layout, start, end);
    if (e->kind == NLC_K_STRING) {
        size_t n;
        int ascii;
        int rc = string_text(c, start, end, &n, &ascii);
        if (rc)
            return rc;
        if (n + 1 != end - start)
            return NLC_FALLBACK;     /* no NUL, or bytes after it: pure keeps them */
        wstr(&c->w, c->buf + start, n, ascii);
        return NLC_OK;
    }
    wtext(&c->w, e->hint, c->buf + start, end - start);
    return NLC_OK;
}

/* the padding after an element (pend) is not what encoding writes: not
 * zero, or cut short by the container's end; pure keeps the payload raw */
static int pad_odd(const ctx *c, size_t pend, size_t end)
{
    size_t nxt = (pend + 3) & ~(size_t)3;
    if (nxt > end)
        return 1;
    for (size_t q = pend; q < nxt; q++)
        if (c->buf[q])
            return 1;
    return 0;
}

/* an element's index or type seen twice (a dict keeps one): bit set */
static int seen_twice(uint8_t *seen, uint16_t id)
{
    uint8_t bit = (uint8_t)(1u << (id & 7));
    if (seen[id >> 3] & bit)
        return 1;
    seen[id >> 3] |= bit;
    return 0;
}

/* walk a stream of attribute headers only (elements of arrays) */
#define WALK_CHECK(c, pos, end) \
    do { \
        if ((end) - (pos) < 4) return err_at((c), (pos)); \
        ln = rd16((c)->buf + (pos)); \
        if (ln < 4) return err_at((c), (pos)); \
        if ((pos) + ln > (end)) return err_at((c), (pos)); \
    } while (0)

static int dec_indexed(ctx *c, const nlc_attr *a, size_t start, size_t end, int depth)
{
    if (depth + 1 > c->t->max_depth)
        return err_at(c, start);
    size_t pos = start, n = 0, ln;
    int seq = 1;
    uint16_t fl0 = 0;
    while (pos < end) {
        WALK_CHECK(c, pos, end);
        uint16_t ty = rd16(c->buf + pos + 2);
        if ((ty & TYPE_MASK) != n + 1)
            seq = 0;
        if (n == 0)
            fl0 = ty & FLAG_MASK;
        else if ((ty & FLAG_MASK) != fl0)
            return NLC_FALLBACK;     /* NLA_F_* bits by element: pure.py */
        if (pad_odd(c, pos + ln, end))
            return NLC_FALLBACK;
        n++;
        pos = (pos + ln + 3) & ~(size_t)3;
    }
    if (!seq) {
        uint8_t seen[(TYPE_MASK + 1) / 8];
        memset(seen, 0, sizeof seen);
        for (pos = start; pos < end; pos = (pos + rd16(c->buf + pos) + 3) & ~(size_t)3)
            if (seen_twice(seen, rd16(c->buf + pos + 2) & TYPE_MASK))
                return NLC_FALLBACK;
    }
    wbuf *w = &c->w;
    if (seq) {
        wbyte(w, '[');
        wi32(w, (int32_t)n);
    } else
        wbyte(w, '{');
    for (pos = start; pos < end;) {
        ln = rd16(c->buf + pos);
        if (!seq)
            wkey_id(w, rd16(c->buf + pos + 2) & TYPE_MASK);
        int rc = dec_elem(c, a, a->elem, pos + 4, pos + ln, depth + 1);
        if (rc)
            return rc;
        pos = (pos + ln + 3) & ~(size_t)3;
    }
    if (!seq)
        wbyte(w, '0');
    return NLC_OK;
}

static int dec_typevalue(ctx *c, const nlc_attr *a, size_t start, size_t end, int depth,
                         int level)
{
    if (depth + 1 > c->t->max_depth)
        return err_at(c, start);
    wbuf *w = &c->w;
    size_t pos = start, ln;
    uint8_t seen[(TYPE_MASK + 1) / 8];
    memset(seen, 0, sizeof seen);
    wbyte(w, '{');
    while (pos < end) {
        WALK_CHECK(c, pos, end);
        uint16_t ty = rd16(c->buf + pos + 2);
        /* NLA_F_* bits not the spec's, padding not zero or cut short, a type
         * twice: pure keeps the payload raw */
        if ((ty & FLAG_MASK) != a->flags || pad_odd(c, pos + ln, end) ||
            seen_twice(seen, ty & TYPE_MASK))
            return NLC_FALLBACK;
        wkey_id(w, ty & TYPE_MASK);
        int rc = level < a->levels
            ? dec_typevalue(c, a, pos + 4, pos + ln, depth + 1, level + 1)
            : dec_elem(c, a, -1, pos + 4, pos + ln, depth + 1);
        if (rc)
            return rc;
        pos = (pos + ln + 3) & ~(size_t)3;
    }
    wbyte(w, '0');
    return NLC_OK;
}

/* records (RTA_MULTIPATH): a struct header whose first member is the
 * record's length, then attributes; as pure.py's _dec_records */
static int dec_records(ctx *c, const nlc_attr *a, size_t start, size_t end, int depth)
{
    if (depth + 1 > c->t->max_depth)
        return err_at(c, start);
    const nlc_layout *L = &c->t->layouts[a->header];
    const nlc_field *F = &c->t->fields[L->first_field];
    if (L->native != 1 || L->nfields < 1 || F[0].kind != 0)
        return NLC_FALLBACK;
    size_t hsize = L->size, hal = (hsize + 3) & ~(size_t)3, off = start;
    int32_t n = 0;
    while (off < end) {                  /* validate, and count for the list header */
        if (end - off < hsize)
            return err_at(c, off);
        uint64_t ln = rdint(c->buf + off, F[0].size, F[0].big, F[0].is_signed);
        if ((int64_t)ln < (int64_t)hsize || ln > end - off)
            return err_at(c, off);
        n++;
        /* padding (in the header, after it, between records, after the last)
         * that encoding would not write: pure keeps the payload raw */
        for (int i = 0; i < L->nfields; i++)
            if (F[i].kind == 2)
                for (size_t q = (size_t)(F[i].end - F[i].size); q < (size_t)F[i].end; q++)
                    if (c->buf[off + q])
                        return NLC_FALLBACK;
        for (size_t q = off + hsize; q < off + hal && q < off + ln; q++)
            if (c->buf[q])
                return NLC_FALLBACK;
        size_t nxt = (off + ln + 3) & ~(size_t)3;
        if (nxt < end ? pad_odd(c, off + ln, end) : end != off + ln)
            return NLC_FALLBACK;
        off = nxt;
    }
    wbuf *w = &c->w;
    wbyte(w, '[');
    wi32(w, n);
    for (off = start; off < end;) {
        size_t ln = (size_t)rdint(c->buf + off, F[0].size, F[0].big, F[0].is_signed);
        wbyte(w, '{');
        wcstr(w, "_header", 7);
        wbyte(w, '{');
        /* the length is left out when re-encoding would compute it */
        for (int i = (ln >= hal && !(ln & 3)) ? 1 : 0; i < L->nfields; i++) {
            if (F[i].kind == 2)
                continue;
            wname_ref(c, c->rf, L->first_field + i, F[i].name, F[i].name_len);
            field_value(c, &F[i], c->buf + off + F[i].end - F[i].size);
        }
        wbyte(w, '0');
        if (off + hal < off + ln) {
            if (a->set >= 0) {
                int rc = dec_set(c, a->set, off + hal, off + ln, depth + 1, 1, -1);
                if (rc)
                    return rc;
            } else {
                wcstr(w, "_tail", 5);
                whex(w, c->buf + off + hal, ln - hal);
            }
        }
        wbyte(w, '0');
        off = (off + ln + 3) & ~(size_t)3;
    }
    return NLC_OK;
}

/* the selector's value: its first occurrence in this set */
static int find_selector(ctx *c, frame *fr, const nlc_attr *a)
{
    if (fr->sel_valid && fr->sel_id == a->sel_id)
        return NLC_OK;
    fr->sel_valid = 1;
    fr->sel_id = a->sel_id;
    fr->sel_state = 0;
    if (a->sel_kind == NLC_SEL_PY) {
        fr->sel_state = 3;
        return NLC_OK;
    }
    if (a->sel_kind == NLC_SEL_NONE)
        return NLC_OK;
    for (size_t i = 0; i < fr->n; i++) {
        const entry *e = &c->e[fr->ebase + i];
        if ((e->type & TYPE_MASK) != a->sel_id)
            continue;
        size_t ps = e->off + 4, pe = e->off + e->len;
        if (a->sel_kind == NLC_SEL_STRING) {
            size_t n;
            int ascii;
            if (string_text(c, ps, pe, &n, &ascii)) {
                fr->sel_state = 3;
                return NLC_OK;
            }
            fr->sel_state = 1;
            fr->sel_s = c->buf + ps;
            fr->sel_n = n;
        } else {
            size_t n = pe - ps;
            int size = a->sel_size;
            if (size == 0 && (n == 4 || n == 8))
                size = (int)n;
            if ((size_t)size != n)
                return NLC_OK;     /* not an int: no format (the attribute itself errs) */
            fr->sel_state = 2;
            fr->sel_v = rdint(c->buf + ps, size, a->sel_big, a->sel_signed);
            fr->sel_s = NULL;
            fr->sel_n = (size_t)a->sel_signed;
        }
        return NLC_OK;
    }
    return NLC_OK;
}

static int dec_submsg(ctx *c, frame *fr, const nlc_attr *a, size_t start, size_t end, int depth)
{
    find_selector(c, fr, a);
    if (fr->sel_state == 3)
        return NLC_FALLBACK;
    const nlc_fmt *fmt = NULL;
    for (int i = 0; i < a->fmt_count && fr->sel_state; i++) {
        const nlc_fmt *f = &c->t->fmts[a->fmt_first + i];
        if (fr->sel_state == 1 && f->is_str && (size_t)f->skey_len == fr->sel_n &&
            memcmp(f->skey, fr->sel_s, fr->sel_n) == 0)
            fmt = f;
        else if (fr->sel_state == 2 && !f->is_str &&
                 (fr->sel_n ? (int64_t)fr->sel_v == f->ikey
                            : (f->ikey >= 0 && (uint64_t)f->ikey == fr->sel_v)))
            fmt = f;
        if (fmt)
            break;
    }
    if (!fmt) {
        whex(&c->w, c->buf + start, end - start);
        return NLC_OK;
    }
    if (fmt->kind == 0)
        return dec_nest(c, fmt->set, fmt->header, start, end, depth);
    if (fmt->kind == 1)
        return dec_layout(c, fmt->layout, start, end);
    if (start != end)
        whex(&c->w, c->buf + start, end - start);
    else
        wbyte(&c->w, 'N');
    return NLC_OK;
}

static int dec_value(ctx *c, frame *fr, const entry *e, int depth)
{
    size_t start = e->off + 4, end = e->off + e->len;
    wbuf *w = &c->w;
    if (e->attr < 0) {
        whex(w, c->buf + start, end - start);
        return NLC_OK;
    }
    const nlc_attr *a = &c->t->attrs[e->attr];
    switch (a->kind) {
    case NLC_K_INT:
        return dec_int(c, a, start, end);
    case NLC_K_NEST:
        return dec_nest(c, a->set, a->header, start, end, depth);
    case NLC_K_STRING: {
        size_t n;
        int ascii;
        int rc = string_text(c, start, end, &n, &ascii);
        if (rc)
            return rc;
        wstr(w, c->buf + start, n, ascii);
        return NLC_OK;
    }
    case NLC_K_BINARY: {
        size_t n = end - start;
        if ((a->min_len >= 0 && n < (size_t)a->min_len) ||
            (a->max_len >= 0 && n > (size_t)a->max_len))
            return err_at(c, e->off);
        wtext(w, a->hint, c->buf + start, n);
        return NLC_OK;
    }
    case NLC_K_STRUCT:
        return dec_layout(c, a->layout, start, end);
    case NLC_K_FLAG:
        if (end != start)
            return err_at(c, e->off);
        wbyte(w, 'T');
        return NLC_OK;
    case NLC_K_INDEXED:
        return dec_indexed(c, a, start, end, depth);
    case NLC_K_SUBMSG:
        return dec_submsg(c, fr, a, start, end, depth);
    case NLC_K_TYPEVALUE:
        return dec_typevalue(c, a, start, end, depth, 1);
    case NLC_K_PAD:
        wbyte(w, 'N');
        return NLC_OK;
    case NLC_K_RECORDS:
        return dec_records(c, a, start, end, depth);
    }
    return NLC_FALLBACK;
}

/* ---------------------------------------------------------------- sets */

static int add_event(ctx *c, int32_t g, int32_t what, int32_t value)
{
    GROW(c, ev, nev, cev);
    c->ev[c->nev].group = g;
    c->ev[c->nev].what = what;
    c->ev[c->nev].value = value;
    c->nev++;
    return NLC_OK;
}

/* pass 1: walk, validate headers, group */
static int group_set(ctx *c, const nlc_set *S, size_t off, size_t end, size_t gbase,
                     int *interleaved)
{
    const nlc_attr *attrs = c->t->attrs;
    size_t pos = off;
    int32_t prev = -1;
    while (pos < end) {
        if (end - pos < 4)
            return err_at(c, pos);
        const uint8_t *h = c->buf + pos;
        uint16_t len = rd16(h), type = rd16(h + 2);
        if (len < 4 || pos + len > end)
            return err_at(c, pos);
        uint16_t id = type & TYPE_MASK;
        int32_t ai = id < S->n_ids ? S->by_id[id] : -1;
        const nlc_attr *a = ai >= 0 ? &attrs[ai] : NULL;

        GROW(c, e, ne, ce);
        size_t ei = c->ne++;
        entry *en = &c->e[ei];
        en->off = (uint32_t)pos;
        en->len = len;
        en->type = type;
        en->attr = ai;
        en->next = -1;
        int32_t gi = c->gf[id] - 1;
        if (gi < 0) {
            GROW(c, g, ng, cg);
            gi = (int32_t)(c->ng++ - gbase);
            c->gf[id] = gi + 1;
            group *g = &c->g[gbase + gi];
            memset(g, 0, sizeof *g);
            g->first = g->last = (int32_t)ei;
            g->id = id;
            g->attr = ai;
            g->raw_last = -1;
            g->idx_flags = -1;
        } else {
            group *g = &c->g[gbase + gi];
            c->e[g->last].next = (int32_t)ei;
            g->last = (int32_t)ei;
            if (gi != prev)
                *interleaved = 1;        /* a repeat after other attributes */
        }
        prev = gi;
        en->group = gi;
        group *g = &c->g[gbase + gi];
        g->count++;

        int32_t want = a ? a->flags : 0;
        int rc;
        if (a && a->kind == NLC_K_STRING) {
            size_t n;
            int ascii;
            rc = string_text(c, pos + 4, pos + len, &n, &ascii);
            if (rc)
                return rc;
            /* pure.py: raw unless the first NUL is the last byte */
            long nul = n < (size_t)len - 4 ? (long)n : -1;
            if (nul < 0 || nul != (long)len - 4 - 1) {
                g->raw_last = (int32_t)ei;
                if ((rc = add_event(c, gi, EV_RAW, 0)))
                    return rc;
            }
        } else if (a && a->kind == NLC_K_PAD && len > 4) {
            g->raw_last = (int32_t)ei;
            if ((rc = add_event(c, gi, EV_RAW, 0)))
                return rc;
        } else if (a && a->kind == NLC_K_INDEXED) {
            int32_t ef = len - 4 >= 4 ? (rd16(h + 6) & FLAG_MASK) : a->flags;
            /* a repeat whose elements' bits differ from the recorded ones:
             * pure keeps its payload raw */
            if (g->count > 1 && (g->idx_flags >= 0 ? g->idx_flags : want) != ef)
                return NLC_FALLBACK;
            if (ef != want && g->count == 1) {
                g->idx_flags = ef;
                if ((rc = add_event(c, gi, EV_IDX, 0)))
                    return rc;
            }
        }
        if ((type & FLAG_MASK) != want && (rc = add_event(c, gi, EV_PLAIN, type & FLAG_MASK)))
            return rc;
        /* _raw by occurrence (a repeat or multi-attr with one) and _pad
         * (non-zero padding): rare, left to pure */
        if (g->raw_last >= 0 && (g->count > 1 || (a && a->multi)))
            return NLC_FALLBACK;
        /* flags that differ between occurrences: pure keeps them by occurrence */
        if (g->count > 1 && (type & FLAG_MASK) != (c->e[g->first].type & FLAG_MASK))
            return NLC_FALLBACK;
        /* padding not zero, or cut short by the end of the set (the last
         * attribute of a nest whose nla_len leaves it out, a message whose
         * nlmsg_len does: OVS upcalls): pure's _pad, by wire position */
        for (size_t q = pos + len; q < ((pos + len + 3) & ~(size_t)3); q++)
            if (q >= end || c->buf[q]) {
                if ((rc = add_event(c, gi, EV_PAD, (int32_t)ei)))
                    return rc;
                break;
            }
        if (g->count == 2 && !(a && a->multi) && (rc = add_event(c, gi, EV_REP, 0)))
            return rc;
        pos = (pos + len + 3) & ~(size_t)3;
    }
    return NLC_OK;
}

static void wname(ctx *c, const group *g, int brackets)
{
    if (g->attr >= 0) {
        const nlc_attr *a = &c->t->attrs[g->attr];
        if (!brackets) {
            wname_ref(c, c->ra, g->attr, a->name, a->name_len);
        } else {
            char s[256];
            size_t n = a->name_len < 250 ? a->name_len : 250;
            memcpy(s, a->name, n);
            s[n] = '[';
            s[n + 1] = ']';
            wcstr(&c->w, s, n + 2);
        }
    } else if (!brackets) {
        wkey_id(&c->w, g->id);
    }
}

static int dec_set(ctx *c, int32_t s, size_t off, size_t end, int depth, int pairs_only,
                   int32_t only_id)
{
    if (depth > c->t->max_depth)
        return err_at(c, off);
    if (s < 0 || s >= c->t->n_sets)
        return NLC_FALLBACK;            /* tables older than the caller's index */
    if (c->kernel && c->t->sets[s].kernel_variant >= 0)
        s = c->t->sets[s].kernel_variant;
    if (s < 0 || s >= c->t->n_sets)
        return NLC_FALLBACK;
    const nlc_set *S = &c->t->sets[s];
    size_t ebase = c->ne, gbase = c->ng, evbase = c->nev;

    int interleaved = 0;
    int rc = group_set(c, S, off, end, gbase, &interleaved);
    for (size_t i = gbase; i < c->ng; i++)
        c->gf[c->g[i].id] = 0;
    if (rc)
        goto out;

    frame fr = {ebase, c->ne - ebase, -1, 0, NULL, 0, 0, 0};
    wbuf *w = &c->w;
    size_t ng = c->ng - gbase, nev = c->nev - evbase;
    if (!pairs_only)
        wbyte(w, '{');
    for (size_t gi = 0; gi < ng; gi++) {
        group *g = &c->g[gbase + gi];
        if (only_id >= 0 && g->id != only_id)
            continue;
        wname(c, g, 0);
        int many = g->count > 1 || (g->attr >= 0 && c->t->attrs[g->attr].multi);
        if (many) {
            wbyte(w, '[');
            wi32(w, g->count);
        }
        for (int32_t ei = g->first; ei >= 0; ei = c->e[ei].next) {
            rc = dec_value(c, &fr, &c->e[ei], depth);
            if (rc)
                goto out;
            if (!many)
                break;
        }
    }
    if (nev && only_id < 0) {
        /* _flags, then _repeated, then _raw, as pure.py appends them */
        int have[5] = {0, 0, 0, 0, 0};
        for (size_t i = 0; i < nev; i++)
            have[c->ev[evbase + i].what] = 1;
        if (have[EV_PLAIN] || have[EV_IDX]) {
            wcstr(w, "_flags", 6);
            wbyte(w, '{');
            for (size_t i = 0; i < nev; i++) {
                event *ev = &c->ev[evbase + i];
                group *g = &c->g[gbase + ev->group];
                if (ev->what == EV_PLAIN && !g->done_plain) {
                    g->done_plain = 1;
                    wname(c, g, 0);
                    wint(w, (uint64_t)ev->value, 0);
                } else if (ev->what == EV_IDX && !g->done_idx) {
                    g->done_idx = 1;
                    wname(c, g, 1);
                    wint(w, (uint64_t)g->idx_flags, 0);
                }
            }
            wbyte(w, '0');
        }
        if (have[EV_REP]) {
            int n = 0;
            for (size_t i = 0; i < nev; i++)
                n += c->ev[evbase + i].what == EV_REP;
            wcstr(w, "_repeated", 9);
            wbyte(w, '[');
            wi32(w, n);
            for (size_t i = 0; i < nev; i++)
                if (c->ev[evbase + i].what == EV_REP)
                    wname(c, &c->g[gbase + c->ev[evbase + i].group], 0);
        }
        if (have[EV_RAW]) {
            wcstr(w, "_raw", 4);
            wbyte(w, '{');
            for (size_t i = 0; i < nev; i++) {
                event *ev = &c->ev[evbase + i];
                group *g = &c->g[gbase + ev->group];
                if (ev->what == EV_RAW && !g->done_raw) {
                    g->done_raw = 1;
                    wname(c, g, 0);
                    const entry *e = &c->e[g->raw_last];
                    whex(w, c->buf + e->off + 4, e->len - 4);
                }
            }
            wbyte(w, '0');
        }
    }
    if (interleaved && only_id < 0) {
        /* _order: the names in wire order, so that re-encoding keeps it */
        wcstr(w, "_order", 6);
        wbyte(w, '[');
        wi32(w, (int32_t)(c->ne - ebase));
        for (size_t i = ebase; i < c->ne; i++)
            wname(c, &c->g[gbase + c->e[i].group], 0);
    }
    if (nev && only_id < 0) {
        /* _pad: {wire position: the padding's bytes there, as hex} */
        int any = 0;
        for (size_t i = 0; i < nev; i++) {
            const event *ev = &c->ev[evbase + i];
            if (ev->what != EV_PAD)
                continue;
            if (!any) {
                wcstr(w, "_pad", 4);
                wbyte(w, '{');
                any = 1;
            }
            char pos[16];
            int pn = snprintf(pos, sizeof pos, "%d", (int)((size_t)ev->value - ebase));
            wcstr(w, pos, (size_t)pn);
            const entry *e = &c->e[ev->value];
            size_t from = e->off + e->len, to = (from + 3) & ~(size_t)3;
            whex(w, c->buf + from, (to < end ? to : end) - from);
        }
        if (any)
            wbyte(w, '0');
    }
    if (!pairs_only)
        wbyte(w, '0');
    rc = w->oom ? NLC_NOMEM : NLC_OK;
out:
    c->ne = ebase;
    c->ng = gbase;
    c->nev = evbase;
    return rc;
}

/* per-thread scratch, kept between calls (no malloc on the hot path) */
static __thread ctx scratch;

/* Hidden behind a call so that the compiler cannot fold "&scratch" into the
 * callees as a constant, which made every c->field access a __tls_get_addr
 * call (7% of a link dump's decode time in callgrind). */
__attribute__((noinline)) static ctx *scratch_ctx(void)
{
    ctx *c = &scratch;
    __asm__("" : "+r"(c));
    return c;
}

/* a new marshal stream (or a rolled-back part of one): earlier refs are void */
static void next_gen(ctx *c)
{
    if (++ref_gen == 0) {       /* wrapped: forget every old generation */
        memset(ref_attrs.gen, 0, ref_attrs.n * sizeof *ref_attrs.gen);
        memset(ref_fields.gen, 0, ref_fields.n * sizeof *ref_fields.gen);
        memset(&shared_values, 0, sizeof shared_values);
        ref_gen = 1;
    }
    c->gen = ref_gen;
    c->w.vc = &shared_values;
    c->w.vgen = ref_gen;
    c->w.nrefs = &c->nrefs;
    c->gf = g_first;
    c->ra = &ref_attrs;
    c->rf = &ref_fields;
}

static int thread_enter(void);

int nlc_decode(const nlc_tables *t, int32_t set, const uint8_t *buf, size_t start, size_t end,
               int32_t kernel, int32_t mode, int32_t only_id,
               uint8_t **out, size_t *outlen, size_t *err_off)
{
    if (thread_enter())
        return NLC_NOMEM;
    ctx *c = scratch_ctx();
    if (!reftab_fit(&ref_attrs, (size_t)t->n_attrs) ||
        !reftab_fit(&ref_fields, (size_t)t->n_fields))
        return NLC_NOMEM;
    next_gen(c);
    c->t = t;
    c->buf = buf;
    c->kernel = kernel;
    c->err_off = 0;
    c->nrefs = 0;
    c->ne = c->ng = c->nev = 0;
    c->w.len = 0;
    c->w.oom = 0;
    c->w.dry = mode == NLC_VALIDATE;
    int rc = dec_set(c, set, start, end, 0, 0, mode == NLC_ONLY ? only_id : -1);
    *err_off = c->err_off;
    if (rc == NLC_OK && c->w.oom)
        rc = NLC_NOMEM;
    if (rc != NLC_OK) {
        *out = NULL;
        *outlen = 0;
        return rc;
    }
    *out = c->w.p;
    *outlen = c->w.len;
    return NLC_OK;
}


/* ---------------------------------------------------------------- streams */

static void wsmall(wbuf *w, int64_t v)
{
    wint(w, (uint64_t)v, 1);
}

/* the first six items of a message's 8-tuple */
static void msg_head(wbuf *w, size_t off, uint32_t ln, uint16_t type, uint16_t flags,
                     uint32_t seq, uint32_t pid)
{
    wbyte(w, ')');
    wbyte(w, 8);
    wlong(w, off, 0);            /* its own in every message: not a shared value */
    wsmall(w, ln);
    wsmall(w, type);
    wsmall(w, flags);
    wsmall(w, seq);
    wsmall(w, pid);
}

int nlc_decode_stream(const nlc_tables *t, const nlc_msgdef *defs, const int32_t *by_type,
                      int32_t n_types, const uint8_t *buf, size_t len, int32_t kernel,
                      size_t whole_max, uint8_t **out, size_t *outlen, size_t *err_off)
{
    if (thread_enter())
        return NLC_NOMEM;
    ctx *c = scratch_ctx();
    if (!reftab_fit(&ref_attrs, (size_t)t->n_attrs) ||
        !reftab_fit(&ref_fields, (size_t)t->n_fields))
        return NLC_NOMEM;
    c->t = t;
    c->buf = buf;
    c->kernel = kernel;
    c->err_off = 0;
    c->nrefs = 0;
    c->w.len = 0;
    c->w.oom = 0;
    c->w.dry = 0;
    next_gen(c);
    wbuf *w = &c->w;
    wbyte(w, '[');
    size_t count_at = w->len;
    wi32(w, 0);
    int32_t count = 0;
    size_t off = 0;
    while (off < len) {
        if (len - off < 16)
            break;                       /* Python raises the precise error */
        uint32_t ln;
        memcpy(&ln, buf + off, 4);
        if (ln < 16 || ln > len - off)
            break;
        uint16_t type = rd16(buf + off + 4), flags = rd16(buf + off + 6);
        uint32_t seq, pid;
        memcpy(&seq, buf + off + 8, 4);
        memcpy(&pid, buf + off + 12, 4);
        size_t end = off + ln, pos = off + 16;
        size_t mark = w->len;
        int32_t mark_refs = c->nrefs;
        count++;
        msg_head(w, off, ln, type, flags, seq, pid);
        int ok = 0;
        const nlc_msgdef *d = type < n_types && by_type[type] >= 0 ? &defs[by_type[type]] : NULL;
        if (d && type >= 16) {
            int rc = NLC_OK;
            int32_t header = d->header, set = d->set;
            if (d->genl) {
                if (end - pos < 4) {
                    rc = NLC_FALLBACK;
                } else {
                    uint8_t cmd = buf[pos];
                    if (cmd >= d->cmd_count || defs[d->cmd_first + cmd].set < 0) {
                        rc = NLC_FALLBACK;
                    } else {
                        const nlc_msgdef *cd = &defs[d->cmd_first + cmd];
                        if (cd->header >= 0)
                            header = cd->header;
                        set = cd->set;
                        wbyte(w, '{');
                        wcstr(w, "cmd", 3);
                        wsmall(w, cmd);
                        wcstr(w, "version", 7);
                        wsmall(w, buf[pos + 1]);
                        wcstr(w, "reserved", 8);
                        wsmall(w, rd16(buf + pos + 2));
                        pos += 4;
                        if (header >= 0) {
                            size_t hs = c->t->layouts[header].size;
                            size_t hend = pos + hs < end ? pos + hs : end;
                            rc = dec_layout_x(c, header, pos, hend, 0);
                            pos += (hs + 3) & ~(size_t)3;
                        }
                        wbyte(w, '0');
                    }
                }
            } else if (header >= 0) {
                size_t hs = c->t->layouts[header].size;
                size_t hend = pos + hs < end ? pos + hs : end;
                if (d->alt_off >= 0 && pos + (size_t)d->alt_off < hend &&
                    buf[pos + d->alt_off] == d->alt_val)
                    set = d->alt_set;
                rc = dec_layout(c, header, pos, hend);
                pos += (hs + 3) & ~(size_t)3;
            } else {
                wbyte(w, '{');
                wbyte(w, '0');
            }
            if (pos > end)
                pos = end;
            if (end - pos > whole_max)
                rc = NLC_FALLBACK;      /* lazy: left to Python */
            if (rc == NLC_OK && set >= 0) {
                c->ne = c->ng = c->nev = 0;
                rc = dec_set(c, set, pos, end, 0, 0, -1);
                ok = rc == NLC_OK;
            }
            if (rc == NLC_NOMEM || w->oom)
                return NLC_NOMEM;
        }
        if (!ok) {
            /* roll back to the tuple's first six items; forget refs made since */
            w->len = mark;
            c->nrefs = mark_refs;
            next_gen(c);
            msg_head(w, off, ln, type, flags, seq, pid);
            wbyte(w, 'N');
            wbyte(w, 'N');
        }
        off += (ln + 3) & ~(size_t)3;
    }
    if (w->oom)
        return NLC_NOMEM;
    memcpy(w->p + count_at, &count, 4);
    *err_off = off < len ? off : len;      /* the last message may lack its padding */
    *out = w->p;
    *outlen = w->len;
    return NLC_OK;
}

/* ---------------------------------------------------------------- encode
 *
 * The input is marshal data (version 2: no back-references) of the dict
 * the user passed; values are read straight from it.  Only the common,
 * plain forms are encoded here; everything else returns NLC_FALLBACK and
 * pure.py does it (and raises the precise EncodeError). */

typedef struct {
    const uint8_t *p, *end;
} mcur;

/* a parsed marshal object: its type and where its data is */
typedef struct {
    uint8_t t;
    const uint8_t *s;   /* str/bytes data, or the first item of a container */
    int64_t n;          /* str/bytes length, list length; int value */
    int big;            /* an int beyond 64 bits (or a 'l' we do not read) */
    const uint8_t *next;
} mobj;

#define FB NLC_FALLBACK

typedef struct {
    mobj key, val;
} mitem;

/* The encoder's per-thread state, in one thread-local struct whose address
 * each entry point takes once and hands down (E): with one __thread
 * variable per item, every access called __tls_get_addr (an extension
 * module's TLS is dynamic), 7% of a tc request's encode (perf, issue 18). */
typedef struct {
    /* where each container of the input ends (and its item count), memoised
     * by offset: every container is scanned once, not once per nesting level */
    int32_t *memo_next, *memo_n;
    size_t memo_cap;
    const uint8_t *memo_base;
    int mdepth;                 /* hostile input: nesting without end */
    wbuf ebuf;                  /* the output */
    mitem *items_stack;         /* the items of the dicts being encoded */
    size_t items_cap, items_n;
    int fb_on, fb_count;        /* nlc_encode_fb running; parts handed to pure.py */
    size_t *offs;               /* where each attribute starts, for "_pad" */
    size_t offs_n, offs_cap;
    int64_t *occ;               /* occurrences encoded so far, for "_order" */
    size_t occ_cap;
} encstate;

static __thread encstate enc_tls;

/* The thread's state, its address made opaque to the compiler: otherwise it
 * propagates the constant &enc_tls into every function (IPA constprop), each
 * of which computes it again (__tls_get_addr). */
static inline encstate *enc_state(void)
{
    encstate *E = &enc_tls;
    __asm__("" : "+r"(E));
    return E;
}


static int mread(encstate *E, const uint8_t *p, const uint8_t *end, mobj *o);
static int mread_container(encstate *E, const uint8_t *p, const uint8_t *end, mobj *o);

static int memo_reset(encstate *E, const uint8_t *m, size_t mlen)
{
    if (E->memo_cap < mlen + 1) {
        int32_t *a = realloc(E->memo_next, (mlen + 1) * sizeof *a);
        if (a)
            E->memo_next = a;
        int32_t *b = a ? realloc(E->memo_n, (mlen + 1) * sizeof *b) : NULL;
        if (!a || !b)
            return NLC_NOMEM;
        E->memo_n = b;
        E->memo_cap = mlen + 1;
    }
    memset(E->memo_next, 0, (mlen + 1) * sizeof *E->memo_next);
    E->memo_base = m;
    return NLC_OK;
}

static int mskip(encstate *E, const uint8_t *p, const uint8_t *end, const uint8_t **next)
{
    mobj o;
    int rc = mread(E, p, end, &o);
    *next = o.next;
    return rc;
}

static int mread(encstate *E, const uint8_t *p, const uint8_t *end, mobj *o)
{
    if (p >= end)
        return FB;
    o->t = *p++ & 0x7f;
    o->big = 0;
    o->s = p;
    o->n = 0;
    int32_t n;
    switch (o->t) {
    case 'N': case 'T': case 'F':
        o->next = p;
        return NLC_OK;
    case 'i':
        if (end - p < 4)
            return FB;
        memcpy(&n, p, 4);
        o->n = n;
        o->next = p + 4;
        return NLC_OK;
    case 'l': {
        if (end - p < 4)
            return FB;
        memcpy(&n, p, 4);
        int neg = n < 0;
        int64_t k = neg ? -(int64_t)n : n;
        if (end - p - 4 < 2 * k)
            return FB;
        uint64_t v = 0;
        if (k > 5) {
            o->big = 1;
        } else {
            for (int64_t i = k - 1; i >= 0; i--) {
                uint16_t d = p[4 + 2 * i] | (p[5 + 2 * i] << 8);
                if (v >> 49)
                    o->big = 1;
                v = (v << 15) | d;
            }
        }
        /* values beyond int64 are only valid as u64: kept in .n as bits, flag sign */
        o->n = (int64_t)v;
        if (neg) {
            if (v > (uint64_t)1 << 63)
                o->big = 1;
            /* -2**63 itself: its magnitude is no int64, negating it is undefined */
            o->n = v == (uint64_t)1 << 63 ? INT64_MIN : -(int64_t)v;
            o->t = 'm';             /* negative long */
        } else if (v >> 63) {
            o->t = 'U';             /* unsigned beyond int64 */
        }
        o->next = p + 4 + 2 * k;
        return NLC_OK;
    }
    case 'u': case 't': case 's': case 'a': case 'A':
        if (end - p < 4)
            return FB;
        memcpy(&n, p, 4);
        if (n < 0 || end - p - 4 < n)
            return FB;
        o->s = p + 4;
        o->n = n;
        o->next = p + 4 + n;
        if (o->t == 'a' || o->t == 'A' || o->t == 't')
            o->t = 'u';
        return NLC_OK;
    case '[': case '(': case '{': {
        size_t at = (size_t)(p - 1 - E->memo_base);
        if (E->memo_next[at]) {
            o->next = E->memo_base + E->memo_next[at];
            o->n = E->memo_n[at];
            o->s = o->t == '{' ? p : p + 4;
            o->t = o->t == '{' ? '{' : '[';
            return NLC_OK;
        }
        if (E->mdepth > 256)
            return FB;
        E->mdepth++;
        int rc = mread_container(E, p, end, o);
        E->mdepth--;
        if (rc == NLC_OK) {
            E->memo_next[at] = (int32_t)(o->next - E->memo_base);
            E->memo_n[at] = (int32_t)o->n;
        }
        return rc;
    }
    }
    return FB;          /* floats, sets, code objects ... */
}

static int mread_container(encstate *E, const uint8_t *p, const uint8_t *end, mobj *o)
{
    int32_t n;
    switch (o->t) {
    case '[': case '(': {
        if (end - p < 4)
            return FB;
        memcpy(&n, p, 4);
        if (n < 0)
            return FB;
        o->n = n;
        o->s = p + 4;
        const uint8_t *q = p + 4;
        for (int32_t i = 0; i < n; i++)
            if (mskip(E, q, end, &q))
                return FB;
        o->t = '[';
        o->next = q;
        return NLC_OK;
    }
    case '{': {
        const uint8_t *q = p;
        int64_t k = 0;
        while (q < end && *q != '0') {
            if (mskip(E, q, end, &q) || mskip(E, q, end, &q))
                return FB;
            k++;
        }
        if (q >= end)
            return FB;
        o->n = k;
        o->next = q + 1;
        return NLC_OK;
    }
    }
    return FB;          /* floats, sets, code objects ... */
}


/* the items of a dict, pushed on the per-thread stack */
static int dict_items(encstate *E, const mobj *d, size_t *base)
{
    *base = E->items_n;
    if (E->items_n + d->n > E->items_cap) {
        size_t cap = E->items_cap ? E->items_cap : 256;
        while (cap < E->items_n + d->n)
            cap *= 2;
        mitem *p = realloc(E->items_stack, cap * sizeof *p);
        if (!p)
            return NLC_NOMEM;
        E->items_stack = p;
        E->items_cap = cap;
    }
    const uint8_t *q = d->s;
    for (int64_t i = 0; i < d->n; i++) {
        mitem *it = &E->items_stack[E->items_n++];
        mread(E, q, d->next, &it->key);
        mread(E, it->key.next, d->next, &it->val);
        q = it->val.next;
    }
    return NLC_OK;
}

static int find_name(const nlc_set *S, const uint8_t *s, size_t n)
{
    int lo = 0, hi = S->n_names - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        const nlc_name *nm = &S->names[mid];
        size_t k = (size_t)nm->len < n ? (size_t)nm->len : n;
        int c = memcmp(nm->name, s, k);
        if (c == 0)
            c = (nm->len > (int32_t)n) - (nm->len < (int32_t)n);
        if (c == 0)
            return nm->attr;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

static const mobj *dict_get(encstate *E, size_t base, size_t end, const char *key, size_t n)
{
    for (size_t i = base; i < end; i++) {
        const mobj *k = &E->items_stack[i].key;
        if (k->t == 'u' && (size_t)k->n == n && memcmp(k->s, key, n) == 0)
            return &E->items_stack[i].val;
    }
    return NULL;
}

static void eput(encstate *E, const void *p, size_t n)
{
    wbuf *w = &E->ebuf;
    WNEED(w, n);
    memcpy(w->p + w->len, p, n);
    w->len += n;
}

static int fits(const mobj *v, int size, int is_signed)
{
    if (v->big || v->t == 'U')
        return !is_signed && size == 8 && v->t == 'U' && !v->big;
    if (size == 8)
        return is_signed || v->n >= 0;
    int64_t lo = is_signed ? -((int64_t)1 << (8 * size - 1)) : 0;
    int64_t hi = is_signed ? ((int64_t)1 << (8 * size - 1)) - 1 : ((int64_t)1 << (8 * size)) - 1;
    return v->n >= lo && v->n <= hi;
}

static void eint(encstate *E, uint64_t v, int size, int big)
{
    uint8_t b[8];
    for (int i = 0; i < size; i++)
        b[big ? size - 1 - i : i] = (uint8_t)(v >> (8 * i));
    eput(E, b, size);
}

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* pairs of hex digits into tmp, with `sep` allowed between pairs */
static int hex_bytes(const uint8_t *s, size_t len, uint8_t sep, uint8_t *tmp, size_t cap,
                     size_t *n)
{
    size_t k = 0;
    for (size_t i = 0; i < len;) {
        if (s[i] == sep) {
            i++;
            continue;
        }
        if (i + 1 >= len || k >= cap)
            return FB;
        int a = hexval(s[i]), b = hexval(s[i + 1]);
        if (a < 0 || b < 0)
            return FB;
        tmp[k++] = (uint8_t)(a << 4 | b);
        i += 2;
    }
    *n = k;
    return NLC_OK;
}

/* str -> bytes as values.parse_bytes, for the plain forms only */
static int text_bytes(const mobj *v, int hint, uint8_t *tmp, size_t cap, size_t *n)
{
    const uint8_t *s = v->s;
    size_t len = (size_t)v->n;
    int colon = memchr(s, ':', len) != NULL, dot = memchr(s, '.', len) != NULL;
    if (len == 0 || len >= 64 || s[0] == ' ' || s[len - 1] == ' ' || memchr(s, ' ', len))
        return FB;
    if ((hint == NLC_T_IP && (dot || colon)) || (hint == NLC_T_IPV6 && colon)) {
        char z[64];
        memcpy(z, s, len);
        z[len] = 0;
        if (dot && !colon) {
            if (inet_pton(AF_INET, z, tmp) != 1)
                return FB;
            *n = 4;
            return NLC_OK;
        }
        if (inet_pton(AF_INET6, z, tmp) != 1)
            return FB;
        *n = 16;
        return NLC_OK;
    }
    if (hint == NLC_T_UUID && memchr(s, '-', len)) {
        /* the canonical 8-4-4-4-12 form only; Python's uuid takes the rest */
        if (len != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' ||
            cap < 16 || hex_bytes(s, len, '-', tmp, cap, n) || *n != 16)
            return FB;
        return NLC_OK;
    }
    /* hex, with ':' between bytes allowed (mac and plain hex alike) */
    return hex_bytes(s, len, ':', tmp, cap, n);
}

static int enc_set(encstate *E, const nlc_tables *t, int32_t set, const mobj *d, int depth);
static int enc_set_x(encstate *E, const nlc_tables *t, int32_t set, const mobj *d, int depth, int skip);
static int is_int(const mobj *v);

/* keys of a dict that are not attributes: "_header" of a nest with a fixed
 * header, "_tail" of a record (both read by the caller) */
#define SKIP_HEADER 1
#define SKIP_TAIL 2

/* whether list l holds the str k */
static int in_list(encstate *E, const mobj *l, const mobj *k)
{
    const uint8_t *q = l->s;
    for (int64_t i = 0; i < l->n; i++) {
        mobj x;
        mread(E, q, l->next, &x);
        q = x.next;
        if (x.t == 'u' && x.n == k->n && memcmp(x.s, k->s, (size_t)k->n) == 0)
            return 1;
    }
    return 0;
}

/* item k of list l (0: it has fewer) */
static int list_at(encstate *E, const mobj *l, int64_t k, mobj *x)
{
    if (k < 0 || k >= l->n)
        return 0;
    const uint8_t *q = l->s;
    for (int64_t i = 0; i <= k; i++) {
        mread(E, q, l->next, x);
        q = x->next;
    }
    return 1;
}

/* a payload given as hex text (plain pairs of digits; the rest: pure.py) */
static int hex_payload(encstate *E, const mobj *v)
{
    if (v->n & 1)
        return FB;
    for (int64_t i = 0; i < v->n; i += 2) {
        int a = hexval(v->s[i]), b = hexval(v->s[i + 1]);
        if (a < 0 || b < 0)
            return FB;
        uint8_t c = (uint8_t)(a << 4 | b);
        eput(E, &c, 1);
    }
    return NLC_OK;
}


static int enc_layout_x(encstate *E, const nlc_tables *t, int32_t li, const mobj *d, int zero);

/* a struct payload from a dict with every member (layout kinds 0..8) */
static int enc_layout(encstate *E, const nlc_tables *t, int32_t li, const mobj *d)
{
    return enc_layout_x(E, t, li, d, 0);
}

static void ezeros(encstate *E, size_t span)
{
    static const uint8_t z[64];
    for (size_t k = 0; k < span; k += sizeof z)
        eput(E, z, span - k < sizeof z ? span - k : sizeof z);
}

/* Members not given are zero (fixed ones) or empty (arrays to the end), as
 * in structs.Layout.encode; zero: d may be NULL, no member given (the header
 * of pure.py's _enc_nest and _enc_records) */
static int enc_layout_x(encstate *E, const nlc_tables *t, int32_t li, const mobj *d, int zero)
{
    static const uint8_t none[1] = {'0'};    /* an empty dict's items */
    const nlc_layout *L = &t->layouts[li];
    mobj dcopy;
    if (!L->native)
        return FB;
    if (zero && !d) {
        dcopy.t = '{';
        dcopy.s = none;
        dcopy.n = 0;
        dcopy.next = none + 1;
        d = &dcopy;
    }
    if (d->t != '{')
        return FB;
    /* mobjs are copied out of E->items_stack: a nested dict_items may move it */
    dcopy = *d;
    d = &dcopy;
    size_t base;
    int rc = dict_items(E, d, &base);
    if (rc)
        return rc;
    size_t end = E->items_n;
    int64_t used = 0;
    rc = NLC_OK;
    for (int i = 0; i < L->nfields && rc == NLC_OK; i++) {
        const nlc_field *f = &t->fields[L->first_field + i];
        size_t span = f->end - (i ? t->fields[L->first_field + i - 1].end : 0);
        if (f->kind == 2) {
            ezeros(E, span);
            continue;
        }
        const mobj *vp = dict_get(E, base, end, f->name, f->name_len);
        if (!vp) {
            if (f->kind != 5 && f->kind != 7 && f->kind != 8)
                ezeros(E, span);       /* (a counted array's count: read when it is given) */
            continue;
        }
        mobj vcopy = *vp;
        const mobj *v = &vcopy;
        used++;
        if (f->kind == 0) {
            if (v->t == 'u' && f->ip) {
                uint8_t b[16];
                size_t n;
                if (text_bytes(v, NLC_T_IP, b, sizeof b, &n) || n != 4)
                    rc = FB;
                else
                    eput(E, b, 4);
            } else if ((v->t == 'i' || v->t == 'l' || v->t == 'm' || v->t == 'U') &&
                       fits(v, f->size, f->is_signed)) {
                eint(E, (uint64_t)v->n, f->size, f->big);
            } else {
                rc = FB;
            }
        } else if (f->kind == 1) {
            if (v->t == 's' && v->n == f->size) {
                eput(E, v->s, f->size);
            } else if (v->t == 'u') {
                uint8_t b[64];
                size_t n;
                if (text_bytes(v, f->hint, b, sizeof b, &n) || n != (size_t)f->size)
                    rc = FB;
                else
                    eput(E, b, n);
            } else {
                rc = FB;
            }
        } else if (f->kind == 3) {
            if (v->t == 'T' || v->t == 'F')
                eput(E, v->t == 'T' ? "\1" : "\0", 1);
            else
                rc = FB;
        } else if (f->kind == 6) {
            rc = enc_layout(E, t, f->sub, v);
        } else {            /* lists: 4 fixed int array, 5 int array to the end,
                               7 and 8 struct arrays (tc_u32_sel.keys, tc_pedit_sel.keys) */
            size_t span = f->kind == 4 ? f->end - (i ? t->fields[L->first_field + i - 1].end : 0)
                                       : 0;
            if (v->t != '[' || (f->kind == 4 && (size_t)v->n * f->size != span)) {
                rc = FB;
                break;
            }
            if (f->kind == 7) {     /* its count member is given and equals its length */
                const nlc_field *cf = &t->fields[L->first_field + f->hint];
                const mobj *c = dict_get(E, base, end, cf->name, cf->name_len);
                if (!c || c->t != 'i' || c->n != v->n) {
                    rc = FB;
                    break;
                }
            }
            const uint8_t *q = v->s;
            for (int64_t k = 0; k < v->n && rc == NLC_OK; k++) {
                mobj x;
                mread(E, q, v->next, &x);
                q = x.next;
                if (f->kind >= 7)
                    rc = enc_layout(E, t, f->sub, &x);
                else if (is_int(&x) && fits(&x, f->size, f->is_signed))
                    eint(E, (uint64_t)x.n, f->size, f->big);
                else
                    rc = FB;
            }
        }
    }
    if (rc == NLC_OK && used != (int64_t)(end - base)) {
        /* "_tail": the hex of bytes beyond the known members (newer kernels);
         * any other extra key, or a tail that is not plain hex: pure.py */
        const mobj *tail = dict_get(E, base, end, "_tail", 5);
        if (!tail || used + 1 != (int64_t)(end - base) || tail->t != 'u')
            rc = FB;
        else
            rc = hex_payload(E, tail);
    }
    E->items_n = base;
    return rc;
}

static int enc_payload(encstate *E, const nlc_tables *t, const nlc_attr *a, const mobj *v, int depth);
static int enc_submsg(encstate *E, const nlc_tables *t, const nlc_attr *a, const nlc_attr *sel,
                      const mobj *v, size_t base, size_t end, int depth);

/* fill in the nla_len of the attribute started at `at`, then pad */
static int close_attr(encstate *E, size_t at)
{
    static const uint8_t zero[4];
    wbuf *w = &E->ebuf;
    if (w->oom)
        return NLC_NOMEM;
    size_t n = w->len - at;
    if (n > 0xffff)
        return FB;
    w->p[at] = (uint8_t)n;
    w->p[at + 1] = (uint8_t)(n >> 8);
    eput(E, zero, (-n) & 3);
    return NLC_OK;
}

static size_t open_attr(encstate *E, uint16_t type)
{
    size_t at = E->ebuf.len;
    uint8_t hdr[4] = {0, 0, (uint8_t)type, (uint8_t)(type >> 8)};
    eput(E, hdr, 4);
    return at;
}

static int is_int(const mobj *v)
{
    return v->t == 'i' || v->t == 'l' || v->t == 'm' || v->t == 'U';
}

static int enc_elem(encstate *E, const nlc_tables *t, const nlc_attr *a, int32_t elem, const mobj *x,
                    int depth)
{
    if (elem < 0) {
        if (a->set >= 0)
            return enc_set(E, t, a->set, x, depth + 1);
        if (x->t != 's')
            return FB;
        eput(E, x->s, x->n);
        return NLC_OK;
    }
    const nlc_attr *e = &t->attrs[elem];
    if (e->kind == NLC_K_STRING) {
        if (x->t != 'u')
            return FB;
        eput(E, x->s, x->n);
        eput(E, "", 1);
        return NLC_OK;
    }
    if (e->kind == NLC_K_STRUCT)
        return enc_layout(E, t, e->layout, x);
    return enc_payload(E, t, e, x, depth);
}

/* the NLA_F_* bits of occurrence k: "_flags" gives one int for all, or a
 * list by occurrence (an int there, or the default); -1: pure.py's to say */
static int occ_flags(encstate *E, const mobj *fl, int64_t k, int dflt)
{
    mobj e;
    if (!fl || fl->t == 0)
        return dflt;
    if (fl->t == '[') {
        /* an entry that is not an int: the default (bools are ints: pure.py's) */
        if (!list_at(E, fl, k, &e) || (e.t != 'i' && e.t != 'T' && e.t != 'F' && !is_int(&e)))
            return dflt;
    } else {
        e = *fl;
    }
    if (e.t != 'i' || (e.n & ~(int64_t)FLAG_MASK))
        return -1;
    return (int)e.n;
}

/* an indexed array (a list of elements, numbered from 1); ef: the "name[]"
 * entry of _flags, the elements' NLA_F_* bits */
static int enc_indexed(encstate *E, const nlc_tables *t, const nlc_attr *a, const mobj *v, int depth,
                       const mobj *ef)
{
    if (v->t != '[' || depth + 1 > t->max_depth)
        return FB;          /* the decoder refuses it: pure raises */
    const uint8_t *q = v->s;
    for (int64_t i = 0; i < v->n; i++) {
        mobj x;
        mread(E, q, v->next, &x);
        q = x.next;
        if (i + 1 > 0x3fff)
            return FB;
        int fl = occ_flags(E, ef, i, a->flags);
        if (fl < 0)
            return FB;
        size_t at = open_attr(E, (uint16_t)((i + 1) | fl));
        int rc = enc_elem(E, t, a, a->elem, &x, depth + 1);
        if (rc || (rc = close_attr(E, at)))
            return rc;
    }
    return NLC_OK;
}

/* a nest that starts with a fixed header (its members under "_header",
 * those not given 0), then the attributes of `set` (pure.py's _enc_nest) */
static int enc_hnest(encstate *E, const nlc_tables *t, int32_t set, int32_t header, const mobj *v,
                     int depth)
{
    if (v->t == 's') {
        eput(E, v->s, v->n);
        return NLC_OK;
    }
    if (v->t != '{' || set < 0)
        return FB;
    mobj vcopy = *v;
    size_t base;
    int rc = dict_items(E, &vcopy, &base);
    if (rc)
        return rc;
    const mobj *hp = dict_get(E, base, E->items_n, "_header", 7);
    mobj h = hp ? *hp : (mobj){.t = 'N'};
    E->items_n = base;
    rc = h.t == 'N' ? enc_layout_x(E, t, header, NULL, 1) :
         h.t == '{' ? enc_layout_x(E, t, header, &h, 1) : FB;
    if (rc)
        return rc;
    ezeros(E, (-E->ebuf.len) & 3);
    return enc_set_x(E, t, set, &vcopy, depth, SKIP_HEADER);
}

/* write v into `size` bytes at `at` of the output */
static void eint_at(encstate *E, size_t at, uint64_t v, int size, int big)
{
    if (E->ebuf.oom || at + size > E->ebuf.len)
        return;
    for (int i = 0; i < size; i++)
        E->ebuf.p[at + (big ? size - 1 - i : i)] = (uint8_t)(v >> (8 * i));
}

/* records (a header whose first member is the record's length, then the
 * attributes of a->set), as pure.py's _enc_records */
static int enc_records(encstate *E, const nlc_tables *t, const nlc_attr *a, const mobj *v, int depth)
{
    if (v->t != '[' || depth + 1 > t->max_depth || a->header < 0 || a->set < 0)
        return FB;
    const nlc_layout *L = &t->layouts[a->header];
    const nlc_field *f0 = &t->fields[L->first_field];
    if (L->nfields < 1 || f0->kind != 0 || f0->end != f0->size)
        return FB;
    size_t hal = ((size_t)L->size + 3) & ~(size_t)3;
    const uint8_t *q = v->s;
    for (int64_t i = 0; i < v->n; i++) {
        mobj x;
        mread(E, q, v->next, &x);
        q = x.next;
        if (x.t != '{')
            return FB;
        size_t base;
        int rc = dict_items(E, &x, &base);
        if (rc)
            return rc;
        const mobj *hp = dict_get(E, base, E->items_n, "_header", 7);
        mobj h = hp ? *hp : (mobj){.t = 'N'};
        const mobj *lp = NULL;
        if (h.t == '{') {
            size_t hb;
            if ((rc = dict_items(E, &h, &hb)) == NLC_OK) {
                lp = dict_get(E, hb, E->items_n, f0->name, f0->name_len);
                if (lp && (lp->t != 'i' || !fits(lp, f0->size, f0->is_signed)))
                    rc = FB;
            }
        } else if (h.t != 'N') {
            rc = FB;
        }
        int64_t given = lp ? lp->n : -1;
        E->items_n = base;
        if (rc)
            return rc;
        size_t at = E->ebuf.len;
        rc = enc_layout_x(E, t, a->header, h.t == '{' ? &h : NULL, 1);
        if (rc)
            return rc;
        ezeros(E, hal - (E->ebuf.len - at));
        size_t body = E->ebuf.len;
        if ((rc = enc_set_x(E, t, a->set, &x, depth + 1, SKIP_HEADER | SKIP_TAIL)))
            return rc;
        if (E->ebuf.oom)
            return NLC_NOMEM;
        size_t len = E->ebuf.len - at;
        if (given < 0) {
            mobj ln = {.t = 'i', .n = (int64_t)(hal + (E->ebuf.len - body))};
            if (!fits(&ln, f0->size, f0->is_signed))
                return FB;
            eint_at(E, at, (uint64_t)ln.n, f0->size, f0->big);
        } else if ((size_t)given < len) {
            E->ebuf.len = at + (size_t)given;      /* its length leaves out its end */
        }
        if (i + 1 < v->n)
            ezeros(E, (-(E->ebuf.len - at)) & 3);
    }
    return NLC_OK;
}

static int enc_payload(encstate *E, const nlc_tables *t, const nlc_attr *a, const mobj *v, int depth)
{
    if (depth > t->max_depth)
        return FB;
    switch (a->kind) {
    case NLC_K_INT: {
        mobj b = *v;
        if (v->t == 'T' || v->t == 'F') {
            b.t = 'i';
            b.n = v->t == 'T';
        }
        if (v->t == 'u' && a->hint == NLC_T_IP) {
            uint8_t ip[16];
            size_t n;
            if (text_bytes(v, NLC_T_IP, ip, sizeof ip, &n) || n != 4)
                return FB;
            if (a->big) {
                eput(E, ip, 4);
            } else {
                uint8_t r[4] = {ip[3], ip[2], ip[1], ip[0]};
                eput(E, r, 4);
            }
            return NLC_OK;
        }
        if (!is_int(&b))
            return FB;
        int size = a->size;
        if (size == 0)   /* uint/sint: 4 bytes when -2^31 <= v < 2^32, as pure.py */
            size = (b.t == 'i' || (b.t == 'l' && b.n < ((int64_t)1 << 32))) ? 4 : 8;
        if (!fits(&b, size, a->is_signed))
            return FB;
        eint(E, (uint64_t)b.n, size, a->big);
        return NLC_OK;
    }
    case NLC_K_STRING:
        if (v->t != 'u' && v->t != 's')
            return FB;
        eput(E, v->s, v->n);
        eput(E, "", 1);
        return NLC_OK;
    case NLC_K_BINARY:
        if (v->t == 's') {
            eput(E, v->s, v->n);
            return NLC_OK;
        }
        if (v->t == 'u' && v->n >= 64)     /* long: plain hex only (packet data) */
            return hex_payload(E, v);
        if (v->t == 'u') {
            uint8_t b[64];
            size_t n;
            if (text_bytes(v, a->hint, b, sizeof b, &n))
                return FB;
            eput(E, b, n);
            return NLC_OK;
        }
        return FB;
    case NLC_K_STRUCT:
        if (v->t == 's') {
            eput(E, v->s, v->n);
            return NLC_OK;
        }
        return enc_layout(E, t, a->layout, v);
    case NLC_K_NEST:
        if (v->t == 's') {
            eput(E, v->s, v->n);
            return NLC_OK;
        }
        if (a->header >= 0)
            return enc_hnest(E, t, a->set, a->header, v, depth + 1);
        return enc_set(E, t, a->set, v, depth + 1);
    case NLC_K_INDEXED:
        return enc_indexed(E, t, a, v, depth, NULL);
    case NLC_K_RECORDS:
        return enc_records(E, t, a, v, depth);
    case NLC_K_PAD:
        return NLC_OK;
    }
    return FB;          /* nest-type-value, sub-messages outside a set ... */
}

/* a sub-message: the format chosen by the selector, a sibling in this dict */
static int enc_submsg(encstate *E, const nlc_tables *t, const nlc_attr *a, const nlc_attr *sel,
                      const mobj *v, size_t base, size_t end, int depth)
{
    const mobj *key = sel ? dict_get(E, base, end, sel->name, sel->name_len) : NULL;
    const nlc_fmt *fmt = NULL;
    if (key && (key->t == 'u' || key->t == 'i')) {
        for (int i = 0; i < a->fmt_count && !fmt; i++) {
            const nlc_fmt *f = &t->fmts[a->fmt_first + i];
            if (key->t == 'u' ? (f->is_str && f->skey_len == key->n &&
                                 memcmp(f->skey, key->s, key->n) == 0)
                              : (!f->is_str && f->ikey == key->n))
                fmt = f;
        }
    } else if (key && key->t != 'N') {
        return FB;
    }
    if (!fmt || v->t == 'u') {
        if (v->t == 'N')
            return NLC_OK;
        if (v->t == 's') {
            eput(E, v->s, v->n);
            return NLC_OK;
        }
        return FB;
    }
    if (fmt->kind == 0) {
        if (v->t == 's') {
            eput(E, v->s, v->n);
            return NLC_OK;
        }
        if (fmt->header >= 0)
            return enc_hnest(E, t, fmt->set, fmt->header, v, depth + 1);
        return fmt->set >= 0 ? enc_set(E, t, fmt->set, v, depth + 1) : FB;
    }
    if (fmt->kind == 1)
        return enc_layout(E, t, fmt->layout, v);
    return v->t == 'N' || v->t == '{' || v->t == 's' || v->t == '[' || is_int(v) ||
        v->t == 'T' || v->t == 'F' ? NLC_OK : FB;
}

static int truthy(const mobj *v, int *yes)
{
    switch (v->t) {
    case 'T': *yes = 1; return NLC_OK;
    case 'F': case 'N': *yes = 0; return NLC_OK;
    case 'i': *yes = v->n != 0; return NLC_OK;
    }
    return FB;
}

/* the way back to pure.py (nlc_encode_fb), and how often it was taken */
static nlc_fallback_fn fallback_fn;

void nlc_set_fallback(nlc_fallback_fn fn)
{
    fallback_fn = fn;
}

void nlc_put(const uint8_t *p, size_t n)
{
    encstate *E = enc_state();
    eput(E, p, n);
}

int32_t nlc_encode_fallbacks(void)
{
    encstate *E = enc_state();
    return E->fb_count;
}

/* hand one part to pure.py: the bytes written for it so far are dropped */
static int fallback(encstate *E, int kind, int32_t set, int32_t attr, const mobj *d, const uint8_t *v,
                    const uint8_t *vend, int depth, size_t at)
{
    E->ebuf.len = at;
    int rc = fallback_fn(kind, set, attr, d->s - 1, (size_t)(d->next - (d->s - 1)), v,
                         (size_t)(vend - v), depth);
    if (rc == NLC_OK) {
        E->fb_count++;
        if (E->ebuf.oom)
            return NLC_NOMEM;
    }
    return rc == NLC_OK || rc == NLC_ERR ? rc : FB;
}

static int enc_set_c(encstate *E, const nlc_tables *t, int32_t set, const mobj *d, int depth, int skip);

/* a nest's attributes: in C, or (nlc_encode_fb) what C gives up on in one
 * nest by pure.py for that nest alone; the message itself (depth 0) is the
 * caller's */
static int enc_set_x(encstate *E, const nlc_tables *t, int32_t set, const mobj *dp, int depth, int skip)
{
    mobj dcopy = *dp;       /* out of E->items_stack: a nested dict_items may move it */
    const mobj *d = &dcopy;
    size_t at = E->ebuf.len;
    int rc = enc_set_c(E, t, set, d, depth, skip);
    if (rc == FB && E->fb_on && depth > 0 && d->t == '{' && set >= 0 && set < t->n_sets)
        rc = fallback(E, NLC_FB_SET, set, -1, d, NULL, NULL, depth, at);
    return rc;
}

static int enc_set(encstate *E, const nlc_tables *t, int32_t set, const mobj *dp, int depth)
{
    return enc_set_x(E, t, set, dp, depth, 0);
}

/* where each attribute of the sets being encoded starts (for "_pad"), and
 * how many occurrences of each item were encoded so far (for "_order") */

static int offs_push(encstate *E, size_t at)
{
    if (E->offs_n == E->offs_cap) {
        size_t cap = E->offs_cap ? E->offs_cap * 2 : 64;
        size_t *p = realloc(E->offs, cap * sizeof *p);
        if (!p)
            return NLC_NOMEM;
        E->offs = p;
        E->offs_cap = cap;
    }
    E->offs[E->offs_n++] = at;
    return NLC_OK;
}

/* one set being encoded: its dict's items and bookkeeping keys */
typedef struct {
    const nlc_tables *t;
    int32_t set;
    const nlc_set *S;
    const mobj *d;
    int depth;
    size_t base, end;       /* the dict's items on E->items_stack */
    size_t fbase, fend;     /* "_flags" items */
    mobj rep;               /* "_repeated" (t 0: none) */
    size_t rbase, rend;     /* "_raw" items */
    int pad;                /* "_pad" given: attribute offsets pushed on E->offs */
} setctx;

static int set_open(encstate *E, setctx *sc, uint16_t type, size_t *at)
{
    *at = open_attr(E, type);
    return sc->pad ? offs_push(E, *at) : NLC_OK;
}

/* the occurrences of item i as pure.py's encode_set loop writes them: all of
 * them (one 0), or (one 1, "_order") occurrence k alone */
static int enc_item(encstate *E, setctx *sc, size_t i, int64_t k, int one, int *many_out)
{
    const nlc_tables *t = sc->t;
    mobj kcopy = E->items_stack[i].key, vcopy = E->items_stack[i].val;
    const mobj *key = &kcopy, *v = &vcopy;
    if (key->t != 'u' || key->n == 0 || key->s[0] == '_')
        return FB;                  /* odd keys: pure.py */
    int ai = find_name(sc->S, key->s, (size_t)key->n);
    if (ai < 0)
        return FB;                  /* UAPI names, numbers, typos: pure.py */
    const nlc_attr *a = &t->attrs[ai];
    int many = a->multi || (sc->rep.t == '[' && in_list(E, &sc->rep, key));
    *many_out = many;
    mobj fl = {0}, ef = {0};
    if (sc->fend > sc->fbase) {
        const mobj *f = dict_get(E, sc->fbase, sc->fend, (const char *)key->s, (size_t)key->n);
        if (f) {
            fl = *f;
            if (fl.t == 'N' || (fl.t != 'i' && fl.t != '['))
                return FB;
        }
        if (a->kind == NLC_K_INDEXED) {     /* "name[]": its elements' bits */
            char nm[260];
            if (key->n > 256)
                return FB;
            memcpy(nm, key->s, (size_t)key->n);
            memcpy(nm + key->n, "[]", 2);
            f = dict_get(E, sc->fbase, sc->fend, nm, (size_t)key->n + 2);
            if (f) {
                ef = *f;
                if (ef.t != 'i' && ef.t != '[')
                    return FB;
            }
        }
    }
    int rc;
    size_t at;
    if (a->kind == NLC_K_FLAG && !many) {
        int yes;
        if (truthy(v, &yes))
            return FB;
        if (!yes)
            return NLC_OK;
        /* one int: its bits; a list: none (as pure.py's loop) */
        int bits = fl.t == '[' ? 0 : occ_flags(E, &fl, 0, a->flags);
        if (bits < 0)
            return FB;
        if ((rc = set_open(E, sc, (uint16_t)(a->id | bits), &at)))
            return rc;
        return close_attr(E, at);
    }
    if (v->t == 'N' && a->kind != NLC_K_PAD && a->kind != NLC_K_SUBMSG)
        return NLC_OK;
    if (a->kind == NLC_K_FLAG || (many && v->t != '['))
        return FB;
    const nlc_attr *sel = NULL;
    if (a->kind == NLC_K_SUBMSG) {
        const nlc_set *S = sc->S;
        int32_t si = a->sel_id >= 0 && a->sel_id < S->n_ids ? S->by_id[a->sel_id] : -1;
        sel = si >= 0 ? &t->attrs[si] : NULL;
    }
    /* its _raw entry: hex for one value, a list (not a tuple) by occurrence */
    mobj r = {0};
    const mobj *rv = sc->rend > sc->rbase ?
        dict_get(E, sc->rbase, sc->rend, (const char *)key->s, (size_t)key->n) : NULL;
    if (rv) {
        r = *rv;
        if (r.t == 'u' && many)
            r.t = 0;
        else if (r.t == '[' && (!many || (r.s[-5] & 0x7f) != '['))
            r.t = 0;
    }
    int64_t n = many ? (one ? 1 : v->n) : 1;
    if (many && one && k >= v->n)
        return FB;                  /* _order lists it more often than it has values */
    const uint8_t *q = NULL, *vstart = key->next;
    if (many) {                     /* to occurrence k */
        q = v->s;
        for (int64_t j = 0; j < (one ? k : 0); j++) {
            mobj x;
            mread(E, q, v->next, &x);
            q = x.next;
        }
    }
    rc = NLC_OK;
    for (int64_t j = 0; j < n && rc == NLC_OK; j++) {
        int64_t kk = one ? k : j;       /* the occurrence's number */
        mobj x;
        const mobj *val = v;
        if (many) {
            vstart = q;
            mread(E, q, v->next, &x);
            q = x.next;
            val = &x;
        }
        int bits = occ_flags(E, &fl, kk, a->flags);
        if (bits < 0)
            return FB;
        if ((rc = set_open(E, sc, (uint16_t)(a->id | bits), &at)))
            return rc;
        mobj hx = r;
        if (r.t == '[') {   /* this occurrence's entry, when the list has one */
            hx.t = 0;
            if (list_at(E, &r, kk, &hx) && hx.t != 'u' && hx.t != 'N')
                return FB;
        }
        if (hx.t == 'u') {
            rc = hex_payload(E, &hx);
            if (rc == NLC_OK)
                rc = close_attr(E, at);
            continue;
        }
        rc = a->kind == NLC_K_SUBMSG ? enc_submsg(E, t, a, sel, val, sc->base, sc->end, sc->depth)
           : a->kind == NLC_K_INDEXED && ef.t ? enc_indexed(E, t, a, val, sc->depth, &ef)
           : enc_payload(E, t, a, val, sc->depth);
        if (rc == FB && E->fb_on)      /* this payload alone by pure.py */
            rc = fallback(E, NLC_FB_PAYLOAD, sc->set, ai, sc->d, vstart, val->next, sc->depth,
                          at + 4);
        if (rc == NLC_OK)
            rc = close_attr(E, at);
    }
    return rc;
}

/* "_pad": {position: hex} written over the padding after those attributes
 * (the last one's may be cut short), as pure.py's _apply_pad */
static int apply_pad(encstate *E, const mobj *pad, size_t obase)
{
    size_t pb;
    mobj p = *pad;
    int rc = dict_items(E, &p, &pb);
    if (rc)
        return rc;
    size_t pe = E->items_n, nat = E->offs_n - obase;
    if (E->ebuf.oom)
        rc = NLC_NOMEM;
    for (size_t i = pb; i < pe && rc == NLC_OK; i++) {
        const mobj *k = &E->items_stack[i].key, *v = &E->items_stack[i].val;
        int64_t pos = -1;
        if (k->t == 'i') {
            pos = k->n;
        } else if (k->t == 'u' && k->n > 0 && k->n < 10) {
            pos = 0;
            for (int64_t j = 0; j < k->n && pos >= 0; j++)
                pos = k->s[j] >= '0' && k->s[j] <= '9' ? pos * 10 + (k->s[j] - '0') : -1;
        }
        uint8_t b[4];
        size_t bn;
        if (pos < 0 || (size_t)pos >= nat || v->t != 'u' || v->n > 6 ||
            hex_bytes(v->s, (size_t)v->n, 0, b, sizeof b, &bn)) {
            rc = FB;
            break;
        }
        size_t a = E->offs[obase + pos];
        size_t aend = (size_t)pos + 1 < nat ? E->offs[obase + pos + 1] : E->ebuf.len;
        size_t ln = rd16(E->ebuf.p + a);
        size_t plen = aend - a - ln;
        if (bn != plen && !((size_t)pos + 1 == nat && bn < plen)) {
            rc = FB;
            break;
        }
        memcpy(E->ebuf.p + a + ln, b, bn);
        if (bn < plen)
            E->ebuf.len = a + ln + bn;
    }
    E->items_n = pb;
    return rc;
}

static int enc_set_c(encstate *E, const nlc_tables *t, int32_t set, const mobj *d, int depth, int skip)
{
    if (d->t != '{' || depth > t->max_depth || set < 0 || set >= t->n_sets)
        return FB;
    setctx sc = {.t = t, .set = set, .S = &t->sets[set], .d = d, .depth = depth};
    int rc = dict_items(E, d, &sc.base);
    if (rc)
        return rc;
    size_t base = sc.base, end = sc.end = E->items_n, obase = E->offs_n;
    /* the bookkeeping keys (pure.py's module docstring); forms other than
     * the ones read here: pure.py */
    /* (copied: dict_items below may move E->items_stack; t 0: not given) */
    mobj fl = {0}, raw = {0}, order = {0}, pad = {0};
    for (size_t i = base; i < end; i++) {       /* one look at the keys for all of them */
        const mobj *k = &E->items_stack[i].key;
        if (k->t != 'u' || k->n < 4 || k->s[0] != '_')
            continue;
        const mobj *v = &E->items_stack[i].val;
        if (k->n == 6 && memcmp(k->s, "_flags", 6) == 0)
            fl = *v;
        else if (k->n == 9 && memcmp(k->s, "_repeated", 9) == 0)
            sc.rep = *v;
        else if (k->n == 4 && memcmp(k->s, "_raw", 4) == 0)
            raw = *v;
        else if (k->n == 6 && memcmp(k->s, "_order", 6) == 0)
            order = *v;
        else if (k->n == 4 && memcmp(k->s, "_pad", 4) == 0)
            pad = *v;
    }
    int fp = fl.t != 0, rp = sc.rep.t != 0, wp = raw.t != 0, op = order.t != 0, pp = pad.t != 0;
    if (fl.t == '{') {
        if ((rc = dict_items(E, &fl, &sc.fbase)) == NLC_OK)
            sc.fend = E->items_n;
    } else if (fl.t && fl.t != 'N') {
        rc = FB;
    }
    if (sc.rep.t && sc.rep.t != '[' && sc.rep.t != 'N')
        rc = FB;
    if (raw.t == '{' && rc == NLC_OK) {
        if ((rc = dict_items(E, &raw, &sc.rbase)) == NLC_OK)
            sc.rend = E->items_n;
    } else if (raw.t && raw.t != 'N' && raw.t != '{') {
        rc = FB;
    }
    if (order.t && order.t != 'N' && order.t != '[')
        rc = FB;
    if (pad.t == '{' && pad.n > 0)
        sc.pad = 1;
    else if (pad.t && pad.t != 'N' && pad.t != '{')
        rc = FB;
    int ordered = order.t == '[' && order.n > 0;
    if (ordered && rc == NLC_OK) {
        if (E->occ_cap < end) {
            int64_t *p = realloc(E->occ, end * sizeof *p);
            if (!p)
                rc = NLC_NOMEM;
            else {
                E->occ = p;
                E->occ_cap = end;
            }
        }
        if (rc == NLC_OK)
            memset(E->occ + base, 0, (end - base) * sizeof *E->occ);
        /* one occurrence at a time in _order's order */
        const uint8_t *q = order.s;
        for (int64_t j = 0; j < order.n && rc == NLC_OK; j++) {
            mobj o;
            mread(E, q, order.next, &o);
            q = o.next;
            size_t i = base;
            if (o.t == 'u')
                for (; i < end; i++) {
                    const mobj *k = &E->items_stack[i].key;
                    if (k->t == 'u' && k->n == o.n && memcmp(k->s, o.s, (size_t)o.n) == 0)
                        break;
                }
            if (i == end) {
                rc = FB;                /* not there, or not a name: pure.py raises */
                break;
            }
            int many;
            int64_t k = E->occ[i];
            rc = enc_item(E, &sc, i, k, 1, &many);
            E->occ[i] = k + 1;
        }
        /* each list listed as often as it has values */
        for (size_t i = base; i < end && rc == NLC_OK; i++) {
            if (!E->occ[i])
                continue;
            const mobj *k = &E->items_stack[i].key, *v = &E->items_stack[i].val;
            int ai = find_name(sc.S, k->s, (size_t)k->n);
            if (ai >= 0 && (t->attrs[ai].multi || (sc.rep.t == '[' && in_list(E, &sc.rep, k))) &&
                v->t == '[' && v->n != E->occ[i])
                rc = FB;
        }
    }
    for (size_t i = base; i < end && rc == NLC_OK; i++) {
        const mobj *k = &E->items_stack[i].key;
        if (ordered && E->occ[i])
            continue;
        if (k->t == 'u' && k->n > 0 && k->s[0] == '_' &&
            ((fp && k->n == 6 && memcmp(k->s, "_flags", 6) == 0) ||
             (rp && k->n == 9 && memcmp(k->s, "_repeated", 9) == 0) ||
             (wp && k->n == 4 && memcmp(k->s, "_raw", 4) == 0) ||
             (op && k->n == 6 && memcmp(k->s, "_order", 6) == 0) ||
             (pp && k->n == 4 && memcmp(k->s, "_pad", 4) == 0) ||
             ((skip & SKIP_HEADER) && k->n == 7 && memcmp(k->s, "_header", 7) == 0) ||
             ((skip & SKIP_TAIL) && k->n == 5 && memcmp(k->s, "_tail", 5) == 0)))
            continue;
        int many;
        rc = enc_item(E, &sc, i, 0, 0, &many);
    }
    if (rc == NLC_OK && sc.pad)
        rc = apply_pad(E, &pad, obase);
    E->offs_n = obase;
    E->items_n = base;
    return rc;
}

/* the thread's encoder made ready for marshal data m; d: its object */
static int begin(encstate *E, const uint8_t *m, size_t mlen, mobj *d)
{
    if (thread_enter())
        return NLC_NOMEM;
    E->ebuf.len = 0;
    E->ebuf.oom = 0;
    E->ebuf.dry = 0;
    E->items_n = 0;
    if (memo_reset(E, m, mlen))
        return NLC_NOMEM;
    int rc = mread(E, m, m + mlen, d);
    if (rc == NLC_OK && d->next != m + mlen)
        rc = FB;
    return rc;
}

static int finish(encstate *E, int rc, uint8_t **out, size_t *outlen)
{
    if (rc == NLC_OK && E->ebuf.oom)
        rc = NLC_NOMEM;
    if (rc != NLC_OK) {
        *out = NULL;
        *outlen = 0;
        return rc;
    }
    *out = E->ebuf.p;
    *outlen = E->ebuf.len;
    return NLC_OK;
}

int nlc_encode(const nlc_tables *t, int32_t set, const uint8_t *m, size_t mlen,
               uint8_t **out, size_t *outlen)
{
    encstate *E = enc_state();
    mobj d;
    if (E->fb_on)              /* called from a fallback: the thread's encoder is busy */
        return FB;
    int rc = begin(E, m, mlen, &d);
    if (rc == NLC_OK)
        rc = enc_set(E, t, set, &d, 0);
    return finish(E, rc, out, outlen);
}

int nlc_encode_fb(const nlc_tables *t, int32_t set, const uint8_t *m, size_t mlen,
                  uint8_t **out, size_t *outlen)
{
    encstate *E = enc_state();
    mobj d;
    if (E->fb_on || !fallback_fn)
        return FB;
    int rc = begin(E, m, mlen, &d);
    E->fb_on = 1;
    E->fb_count = 0;
    if (rc == NLC_OK)
        rc = enc_set(E, t, set, &d, 0);
    E->fb_on = 0;
    return finish(E, rc, out, outlen);
}

int64_t nlc_encode_msg(const nlc_tables *t, int32_t layout, int32_t set, const uint8_t *m,
                       size_t mlen, int64_t type, int64_t flags, int64_t seq, int64_t pid,
                       uint8_t *dst, size_t cap, uint8_t **out)
{
    encstate *E = enc_state();
    static const uint8_t zero[16];
    mobj d, h, attrs;
    *out = NULL;
    if (E->fb_on || !fallback_fn)
        return -FB;
    if (type < 0 || type > 0xffff || flags < 0 || flags > 0xffff || seq < 0 ||
        seq > 0xffffffffLL || pid < 0 || pid > 0xffffffffLL)
        return -FB;                 /* pure.py's struct.pack raises */
    int rc = begin(E, m, mlen, &d);
    if (rc == NLC_OK && (d.t != '[' || d.n != 2))
        rc = FB;
    if (rc != NLC_OK)
        return -rc;
    mread(E, d.s, d.next, &h);
    mread(E, h.next, d.next, &attrs);
    eput(E, zero, 16);              /* the nlmsghdr, filled in at the end */
    E->fb_on = 1;
    E->fb_count = 0;
    rc = enc_layout(E, t, layout, &h);
    if (rc == NLC_OK) {
        eput(E, zero, (-E->ebuf.len) & 3);
        rc = enc_set(E, t, set, &attrs, 0);
    }
    E->fb_on = 0;
    if (rc == NLC_OK && E->ebuf.oom)
        rc = NLC_NOMEM;
    if (rc == NLC_OK && E->ebuf.len > 0xffffffffu)
        rc = FB;
    if (rc != NLC_OK)
        return -rc;
    uint8_t *p = E->ebuf.p;
    uint32_t len = (uint32_t)E->ebuf.len, sq = (uint32_t)seq, pd = (uint32_t)pid;
    uint16_t ty = (uint16_t)type, fl = (uint16_t)flags;
    memcpy(p, &len, 4);             /* little-endian hosts only, as wi32 */
    memcpy(p + 4, &ty, 2);
    memcpy(p + 6, &fl, 2);
    memcpy(p + 8, &sq, 4);
    memcpy(p + 12, &pd, 4);
    if (E->ebuf.len <= cap)
        memcpy(dst, p, E->ebuf.len);
    else
        *out = p;
    return (int64_t)E->ebuf.len;
}


/* ------------------------------------------------------ per-thread memory */

/* Every thread that calls in gets scratch memory (above), kept between its
 * calls.  A pthread key's destructor frees it when the thread exits: a
 * program that decodes from many short-lived threads keeps a flat RSS. */

static pthread_key_t tls_key;
static pthread_once_t tls_once = PTHREAD_ONCE_INIT;
static int tls_key_ok;
static __thread int tls_entered;

static void tls_free(void *unused)
{
    (void)unused;
    nlc_release();
}

static void tls_init(void)
{
    tls_key_ok = pthread_key_create(&tls_key, tls_free) == 0;
}

static int thread_enter(void)
{
    if (tls_entered)
        return 0;
    pthread_once(&tls_once, tls_init);
    if (!tls_key_ok || pthread_setspecific(tls_key, (void *)1) != 0)
        return 1;
    tls_entered = 1;
    return 0;
}

void nlc_release(void)
{
    encstate *E = enc_state();
    free(scratch.e);
    free(scratch.g);
    free(scratch.ev);
    free(scratch.w.p);
    memset(&scratch, 0, sizeof scratch);
    free(ref_attrs.gen);
    free(ref_attrs.idx);
    free(ref_fields.gen);
    free(ref_fields.idx);
    memset(&ref_attrs, 0, sizeof ref_attrs);
    memset(&ref_fields, 0, sizeof ref_fields);
    memset(&shared_values, 0, sizeof shared_values);
    ref_gen = 0;
    free(E->memo_next);
    free(E->memo_n);
    E->memo_next = E->memo_n = NULL;
    E->memo_cap = 0;
    E->memo_base = NULL;
    free(E->ebuf.p);
    memset(&E->ebuf, 0, sizeof E->ebuf);
    free(E->items_stack);
    E->items_stack = NULL;
    E->items_cap = E->items_n = 0;
    free(E->offs);
    E->offs = NULL;
    E->offs_n = E->offs_cap = 0;
    free(E->occ);
    E->occ = NULL;
    E->occ_cap = 0;
    /* the key stays set: a later call in this thread reallocates as needed */
}

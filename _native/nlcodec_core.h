/* nlcodec C core: walks and validates netlink attribute streams and writes
 * the decoded tree as a Python marshal stream (marshal.loads builds the
 * dicts at C speed).  Semantics are those of nlcodec/pure.py, the reference;
 * the tables are compiled from the specs by nlcodec/native.py.
 *
 * This header is also the cffi cdef: keep it free of preprocessor logic
 * beyond plain #defines. */

#define NLC_OK 0
#define NLC_ERR 1        /* malformed input: the caller re-runs pure for the exact error */
#define NLC_FALLBACK 2   /* valid, but a rare case the C core leaves to pure */
#define NLC_NOMEM 3

/* modes */
#define NLC_FULL 0       /* decode everything */
#define NLC_VALIDATE 1   /* walk and check everything, write nothing */
#define NLC_ONLY 2       /* decode one attribute (all its occurrences) of the top set */

/* kinds: keep in sync with nlcodec/tables.py */
#define NLC_K_UNKNOWN 0
#define NLC_K_INT 1
#define NLC_K_FLAG 2
#define NLC_K_STRING 3
#define NLC_K_BINARY 4
#define NLC_K_STRUCT 5
#define NLC_K_NEST 6
#define NLC_K_INDEXED 7
#define NLC_K_TYPEVALUE 8
#define NLC_K_SUBMSG 9
#define NLC_K_PAD 10
#define NLC_K_RECORDS 11

/* text forms of bytes (display hints) */
#define NLC_T_HEX 0
#define NLC_T_MAC 1
#define NLC_T_IP 2
#define NLC_T_UUID 3
#define NLC_T_IPV6 4     /* decodes as NLC_T_IP; encoding reads IPv6 text only */

/* selector kinds of a sub-message attribute */
#define NLC_SEL_NONE 0      /* no selector value: payload kept as hex */
#define NLC_SEL_STRING 1
#define NLC_SEL_INT 2
#define NLC_SEL_PY 3        /* anything else: leave to pure */

typedef struct {
    int32_t kind, size, is_signed, big, hint, flags, multi, levels;
    int32_t set;          /* nested attribute set, -1 none */
    int32_t header;       /* layout of a nest's fixed header, -1 none */
    int32_t layout;       /* K_STRUCT layout */
    int32_t elem;         /* indexed array of scalars: attr index of the element, -1 nests */
    int32_t sel_id, sel_kind, sel_size, sel_big, sel_signed;
    int32_t fmt_first, fmt_count;
    int32_t min_len, max_len;   /* -1: no check */
    int32_t id;
    int32_t name_len;
    const char *name;
} nlc_attr;

typedef struct {
    int32_t len, attr;
    const char *name;
} nlc_name;

typedef struct {
    int32_t n_ids;        /* by_id has n_ids entries */
    const int32_t *by_id; /* attribute id -> index in attrs, -1 unknown */
    int32_t kernel_variant;
    int32_t n_names;      /* names sorted as Python sorts bytes: for the encoder */
    const nlc_name *names;
} nlc_set;

typedef struct {
    int32_t is_str;
    int64_t ikey;
    int32_t skey_len;
    const char *skey;
    int32_t kind;         /* 0 nest, 1 struct, 2 none */
    int32_t set, header, layout;
} nlc_fmt;

typedef struct {
    int32_t first_field, nfields, size;
    int32_t native;       /* 0: a layout the C core leaves to pure (arrays, nested structs);
                             1 flat, 2 strict; 3: the encoder's only (other nested
                             structs, or nested structs and struct arrays both), the
                             decoder leaves it to pure;
                             4: strict with nested structs (kind 6) of fixed layouts
                             that are 1, 2 or 4 themselves: both encoder and decoder;
                             5: struct arrays (kinds 7, 8) of layouts 1 or 2 (u32
                             and pedit keys): both */
} nlc_layout;

typedef struct {
    int32_t kind;         /* 0 int, 1 bytes, 2 pad, 3 bool, 4 fixed int array, 5 int array
                             to the end; 6 nested struct, 7 struct array counted by the
                             member at index `hint`, 8 struct array to the end; the
                             decoder's in layouts of native 4 (6) and 5 (7, 8) */
    int32_t size, big, is_signed, hint, ip;
    int32_t end;          /* offset just past this member (-1: variable) */
    int32_t name_len;
    const char *name;
    int32_t sub;          /* 6, 7, 8: the (element's) layout */
} nlc_field;

typedef struct {
    const nlc_attr *attrs;
    const nlc_set *sets;
    const nlc_fmt *fmts;
    const nlc_layout *layouts;
    const nlc_field *fields;
    int32_t n_attrs, n_fields;
    int32_t max_depth;
    int32_t n_sets;       /* set indices are bound-checked against it: NLC_FALLBACK */
} nlc_tables;

/* Decode buf[start:end] with attribute set `set`.  On NLC_OK *out holds a
 * marshal stream of *outlen bytes in this thread's scratch buffer, valid
 * until the thread's next call; on NLC_ERR *err_off is the offset of the
 * offending attribute.  nlc_free releases the thread's scratch memory. */
int nlc_decode(const nlc_tables *t, int32_t set, const uint8_t *buf, size_t start, size_t end,
               int32_t kernel, int32_t mode, int32_t only_id,
               uint8_t **out, size_t *outlen, size_t *err_off);
void nlc_release(void);

/* Encode a dict given as a marshal (version 2) stream with attribute set
 * `set`.  NLC_OK: *out holds the attribute bytes (thread scratch, valid until
 * the thread's next nlc_encode).  NLC_FALLBACK: anything unusual (UAPI or
 * unknown keys, _flags/_raw bookkeeping, text forms beyond the plain ones,
 * values out of range): the caller encodes with pure.py, which also raises
 * the precise EncodeError. */
int nlc_encode(const nlc_tables *t, int32_t set, const uint8_t *m, size_t mlen,
               uint8_t **out, size_t *outlen);

/* The encoder's way back to pure.py for one nest.  With nlc_encode_fb, what
 * the C encoder gives up on is handed to `fn` for that part alone, not for
 * the whole message: NLC_FB_PAYLOAD, the payload of attribute `attr` of set
 * `set` (value v, its dict d: the marshal bytes of each); NLC_FB_SET, all
 * the attributes of dict d in set `set` at nesting depth `depth` (a nest
 * with bookkeeping keys or names the C core does not read).  fn appends the
 * bytes with nlc_put and returns NLC_OK; NLC_FALLBACK: leave it to the
 * enclosing nest; NLC_ERR: stop (the caller runs pure.py on the whole
 * message, which raises the precise error).  nlc_encode never calls it. */
#define NLC_FB_PAYLOAD 0
#define NLC_FB_SET 1
typedef int (*nlc_fallback_fn)(int32_t kind, int32_t set, int32_t attr, const uint8_t *d,
                               size_t dlen, const uint8_t *v, size_t vlen, int32_t depth);
void nlc_set_fallback(nlc_fallback_fn fn);
int nlc_encode_fb(const nlc_tables *t, int32_t set, const uint8_t *m, size_t mlen,
                  uint8_t **out, size_t *outlen);
void nlc_put(const uint8_t *p, size_t n);
/* A whole message with nlc_encode_fb's fallbacks, from the marshal of a
 * 2-tuple (header, attrs): the nlmsghdr (its length, then type, flags, seq,
 * pid), the fixed header laid out with `layout` (members not given are
 * zero, as in structs.Layout.encode; any other key: NLC_FALLBACK), padded
 * to 4 bytes, then the attributes of set `set`.  Returns the message's
 * length: the bytes are in dst when they fit in cap, else *out points to
 * them (thread scratch, valid until the thread's next encode); or minus
 * NLC_FALLBACK (also for nlmsghdr values out of their members' range),
 * NLC_ERR or NLC_NOMEM. */
int64_t nlc_encode_msg(const nlc_tables *t, int32_t layout, int32_t set, const uint8_t *m,
                       size_t mlen, int64_t type, int64_t flags, int64_t seq, int64_t pid,
                       uint8_t *dst, size_t cap, uint8_t **out);
/* how many parts the last nlc_encode_fb of this thread handed to fn */
int32_t nlc_encode_fallbacks(void);

/* A message type the stream decoder knows.  Plain protocols: by_type[type]
 * -> index of {genl=0, header, set}.  Generic netlink: by_type[family id]
 * -> {genl=1, header (the family header), cmd_first, cmd_count}, and
 * defs[cmd_first + cmd] -> {header, set} of each command (set -1: unknown).
 * alt_off >= 0: when the header byte at alt_off equals alt_val the
 * attributes are alt_set instead (ifinfomsg.family == AF_BRIDGE). */
typedef struct {
    int32_t genl, header, set, cmd_first, cmd_count, alt_off, alt_val, alt_set;
} nlc_msgdef;

/* Decode a whole stream of netlink messages into one marshal list of
 * tuples (offset, length, type, flags, seq, pid, header, attrs); header and
 * attrs are None for a message left to Python (control messages, unknown
 * types, malformed or rare content: Python decodes those one by one and
 * raises the precise error; and messages with more than whole_max bytes of
 * attributes, which a lazy decode validates and decodes on demand; SIZE_MAX:
 * none).  Returns NLC_ERR only for a broken nlmsghdr. */
int nlc_decode_stream(const nlc_tables *t, const nlc_msgdef *defs, const int32_t *by_type,
                      int32_t n_types, const uint8_t *buf, size_t len, int32_t kernel,
                      size_t whole_max, uint8_t **out, size_t *outlen, size_t *err_off);

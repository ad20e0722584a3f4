/*
 * MD2 (RFC 1319) and HMAC over it (RFC 2104 with MD2's 16-byte block), for the runtime's
 * integrity check (driver_integrity.c). Written from the RFCs' descriptions; the substitution
 * table is the RFC's, built from the digits of pi.
 */
#include <string.h>

#include "driver_md2.h"

static const unsigned char pi_substitution[256] = {
    41,  46,  67,  201, 162, 216, 124, 1,   61,  54,  84,  161, 236, 240, 6,   19,  98,  167, 5,   243, 192, 199,
    115, 140, 152, 147, 43,  217, 188, 76,  130, 202, 30,  155, 87,  60,  253, 212, 224, 22,  103, 66,  111, 24,
    138, 23,  229, 18,  190, 78,  196, 214, 218, 158, 222, 73,  160, 251, 245, 142, 187, 47,  238, 122, 169, 104,
    121, 145, 21,  178, 7,   63,  148, 194, 16,  137, 11,  34,  95,  33,  128, 127, 93,  154, 90,  144, 50,  39,
    53,  62,  204, 231, 191, 247, 151, 3,   255, 25,  48,  179, 72,  165, 181, 209, 215, 94,  146, 42,  172, 86,
    170, 198, 79,  184, 56,  210, 150, 164, 125, 182, 118, 252, 107, 226, 156, 116, 4,   241, 69,  157, 112, 89,
    100, 113, 135, 32,  134, 91,  207, 101, 230, 45,  168, 2,   27,  96,  37,  173, 174, 176, 185, 246, 28,  70,
    97,  105, 52,  64,  126, 15,  85,  71,  163, 35,  221, 81,  175, 58,  195, 92,  249, 206, 186, 197, 234, 38,
    44,  83,  13,  110, 133, 40,  132, 9,   211, 223, 205, 244, 65,  129, 77,  82,  106, 220, 55,  200, 108, 193,
    171, 250, 36,  225, 123, 8,   12,  189, 177, 74,  120, 136, 149, 139, 227, 99,  232, 109, 233, 203, 213, 254,
    59,  0,   29,  57,  242, 239, 183, 14,  102, 88,  208, 228, 166, 119, 114, 248, 235, 117, 75,  10,  49,  68,
    80,  180, 143, 237, 31,  26,  219, 153, 141, 51,  159, 17,  131, 20,
};

typedef struct md2_state {
    unsigned char state[48];
    unsigned char checksum[16];
    unsigned char last; /* the checksum's running byte */
    unsigned char pending[16];
    size_t pending_length;
} md2_state;

/* One 16-byte block: into the checksum, then 18 rounds over the 48-byte state. */
static void absorb(md2_state *md, const unsigned char block[16])
{
    for (int j = 0; j < 16; j++) {
        md->state[16 + j] = block[j];
        md->state[32 + j] = (unsigned char)(block[j] ^ md->state[j]);
        md->checksum[j] ^= pi_substitution[block[j] ^ md->last];
        md->last = md->checksum[j];
    }
    unsigned int t = 0;
    for (int round = 0; round < 18; round++) {
        for (int k = 0; k < 48; k++)
            t = md->state[k] ^= pi_substitution[t];
        t = (t + (unsigned int)round) & 0xFF;
    }
}

static void update(md2_state *md, const unsigned char *data, size_t length)
{
    while (length > 0) {
        size_t take = 16 - md->pending_length < length ? 16 - md->pending_length : length;
        memcpy(md->pending + md->pending_length, data, take);
        md->pending_length += take, data += take, length -= take;
        if (md->pending_length == 16) {
            absorb(md, md->pending);
            md->pending_length = 0;
        }
    }
}

static void finish(md2_state *md, unsigned char digest[16])
{
    /* Padding: n bytes of value n (1 to 16), then the checksum as a last block. */
    unsigned char padding[16];
    size_t n = 16 - md->pending_length;
    memset(padding, (int)n, n);
    update(md, padding, n);
    unsigned char checksum[16];
    memcpy(checksum, md->checksum, 16);
    absorb(md, checksum);
    memcpy(digest, md->state, 16);
}

void driver_md2(const void *data, size_t length, unsigned char digest[16])
{
    md2_state md = {0};
    update(&md, data, length);
    finish(&md, digest);
}

void driver_hmac_md2(const unsigned char key[16], const void *message, size_t length, unsigned char digest[16])
{
    unsigned char pad[16], inner[16];
    md2_state md = {0};
    for (int i = 0; i < 16; i++)
        pad[i] = key[i] ^ 0x36;
    update(&md, pad, 16);
    update(&md, message, length);
    finish(&md, inner);
    md = (md2_state){0};
    for (int i = 0; i < 16; i++)
        pad[i] = key[i] ^ 0x5C;
    update(&md, pad, 16);
    update(&md, inner, 16);
    finish(&md, digest);
}

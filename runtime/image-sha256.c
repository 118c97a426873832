/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SHA-256 for layer digests and image ids, through nettle, as lowercase hex. */
#include "image-internal.h"

void digest_init(struct digest *s)
{
	sha256_init(&s->ctx);
}

void digest_update(struct digest *s, const void *data, size_t n)
{
	sha256_update(&s->ctx, n, data);
}

void digest_final_hex(struct digest *s, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t d[SHA256_DIGEST_SIZE];

	sha256_digest(&s->ctx, sizeof(d), d);
	for (size_t i = 0; i < sizeof(d); i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 0xf];
	}
	out[64] = '\0';
}

void digest_hex(const void *data, size_t n, char out[65])
{
	struct digest s;
	digest_init(&s);
	digest_update(&s, data, n);
	digest_final_hex(&s, out);
}

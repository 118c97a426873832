/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <sys/random.h>
#include "common.h"

int id_generate(char buf[ID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t raw[ID_LEN / 2];
	size_t got = 0;

	while (got < sizeof(raw)) {
		ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)n;
	}
	for (size_t i = 0; i < sizeof(raw); i++) {
		buf[2 * i] = hex[raw[i] >> 4];
		buf[2 * i + 1] = hex[raw[i] & 0xf];
	}
	buf[ID_LEN] = '\0';
	return 0;
}

bool id_is_valid(const char *s)
{
	size_t i;
	for (i = 0; s && s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return i == ID_LEN;
}

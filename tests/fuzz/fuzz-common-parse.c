/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: common's parsers of outside input (numbers, sizes, booleans
 * from the command line; JSON state files). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	uint64_t v;
	bool b;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	(void)!parse_uint(s, 0, UINT64_MAX, &v);
	(void)!parse_uint(s, 1, 65535, &v);
	(void)!parse_size(s, &v);
	(void)!parse_bool(s, &b);
	(void)!id_is_valid(s);
	(void)!log_parse_level(s);
	free(s);
	return 0;
}

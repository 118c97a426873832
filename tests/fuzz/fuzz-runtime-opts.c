/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz the container option parsers: the first byte picks the parser, the rest is the input. */
#include "runtime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = { 0 };
	if (size < 1 || size > 4096)
		return 0;
	char *s = xstrndup((const char *)data + 1, size - 1);
	uint64_t u;
	int64_t i64;
	int n;
	char *out = NULL;
	struct rt_bind b;

	switch (data[0] % 12) {
	case 0:
		(void)!rt_parse_memory(s, &u, &e);
		break;
	case 1:
		(void)!rt_parse_cpus(s, &u, &e);
		break;
	case 2:
		if (rt_parse_cpuset(s, &out, &e) == 0)
			free(out);
		break;
	case 3:
		(void)!rt_parse_cap(s, &n, &e);
		break;
	case 4:
		if (rt_parse_bind(s, &b, &e) == 0)
			rt_bind_done(&b);
		break;
	case 5:
		(void)!rt_parse_user(s, &e);
		break;
	case 6:
		(void)!rt_parse_signal(s, &n, &e);
		break;
	case 7:
		(void)!rt_parse_name(s, &e);
		break;
	case 8:
		(void)!rt_parse_hostname(s, &e);
		break;
	case 9:
		if (rt_parse_env(s, &out, &e) == 0)
			free(out);
		break;
	case 10:
		(void)!rt_parse_pids_limit(s, &i64, &e);
		break;
	default: {
		/* a config.json from disk */
		json_object *o = json_tokener_parse(s);
		if (o) {
			struct rt_config c;
			(void)!rt_config_from_json(o, &c, &e);
			rt_config_done(&c);
			json_object_put(o);
		}
		break;
	}
	}
	free(s);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd, entrypoint and exec strings split into words, as a POSIX shell would
 * (containerlab splits them with shell-words rules too). */
#include "topology.h"

int topo_split_words(const char *s, char ***ret, struct err *e)
{
	_cleanup_strv_ char **v = xcalloc(1, sizeof(char *));
	_cleanup_free_ char *w = xmalloc(strlen(s) + 1);
	const char *p = s;

	for (;;) {
		size_t n = 0;
		bool word = false;
		char q = 0;
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		for (; *p; p++) {
			if (q == '\'') {
				if (*p == '\'')
					q = 0;
				else
					w[n++] = *p;
			} else if (q == '"') {
				if (*p == '"')
					q = 0;
				else if (*p == '\\' && p[1] && strchr("\"\\$`", p[1]))
					w[n++] = *++p;
				else
					w[n++] = *p;
			} else if (*p == ' ' || *p == '\t' || *p == '\n') {
				break;
			} else if (*p == '\'' || *p == '"') {
				q = *p;
				word = true;
			} else if (*p == '\\' && p[1]) {
				w[n++] = *++p;
			} else {
				w[n++] = *p;
			}
			word = true;
		}
		if (q)
			return err_setx(e, EINVAL, "unterminated %c quote in \"%.80s\"", q, s);
		if (word) {
			w[n] = 0;
			strv_push(&v, w);
		}
	}
	*ret = TAKE_PTR(v);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Strict typed reads of JSON members: -EINVAL naming the member otherwise. */
#ifndef NETD_JSONU_H
#define NETD_JSONU_H

#include "common.h"

/* Each returns 0 and sets *ret when present, 0 and leaves *ret when absent
 * and optional, -EINVAL when the type is wrong or a required one is absent. */
int ju_str(json_object *o, const char *key, bool required, const char **ret, struct err *e) _wur_;
int ju_bool(json_object *o, const char *key, bool *ret, struct err *e) _wur_;
int ju_u32(json_object *o, const char *key, uint32_t *ret, struct err *e) _wur_;
/* An array (absent: *ret = NULL). Elements are checked by the caller. */
int ju_array(json_object *o, const char *key, json_object **ret, struct err *e) _wur_;
/* An object whose values are all strings (absent: *ret = NULL). */
int ju_strmap(json_object *o, const char *key, json_object **ret, struct err *e) _wur_;
/* Reject members not in the NULL-terminated list. */
int ju_only(json_object *o, const char *const *keys, const char *what, struct err *e) _wur_;
void ju_add_str(json_object *o, const char *key, const char *value);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "jsonu.h"

int ju_str(json_object *o, const char *key, bool required, const char **ret, struct err *e)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null)) {
		if (required)
			return err_setx(e, EINVAL, "missing \"%s\"", key);
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return err_setx(e, EINVAL, "\"%s\" must be a string", key);
	if (strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v))
		return err_setx(e, EINVAL, "\"%s\" contains a NUL byte", key);
	*ret = json_object_get_string(v);
	return 0;
}

int ju_bool(json_object *o, const char *key, bool *ret, struct err *e)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_boolean))
		return err_setx(e, EINVAL, "\"%s\" must be true or false", key);
	*ret = json_object_get_boolean(v);
	return 0;
}

int ju_u32(json_object *o, const char *key, uint32_t *ret, struct err *e)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_int))
		return err_setx(e, EINVAL, "\"%s\" must be a number", key);
	int64_t x = json_object_get_int64(v);
	if (x < 0 || x > UINT32_MAX)
		return err_setx(e, EINVAL, "\"%s\" out of range", key);
	*ret = (uint32_t)x;
	return 0;
}

int ju_array(json_object *o, const char *key, json_object **ret, struct err *e)
{
	json_object *v;
	*ret = NULL;
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_array))
		return err_setx(e, EINVAL, "\"%s\" must be an array", key);
	*ret = v;
	return 0;
}

int ju_strmap(json_object *o, const char *key, json_object **ret, struct err *e)
{
	json_object *v;
	*ret = NULL;
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_object))
		return err_setx(e, EINVAL, "\"%s\" must be an object", key);
	json_object_object_foreach(v, k, val)
	{
		if (!json_object_is_type(val, json_type_string))
			return err_setx(e, EINVAL, "\"%s\": value of \"%.64s\" must be a string", key, k);
	}
	*ret = v;
	return 0;
}

int ju_only(json_object *o, const char *const *keys, const char *what, struct err *e)
{
	json_object_object_foreach(o, k, v)
	{
		(void)v;
		bool ok = false;
		for (size_t i = 0; keys[i] && !ok; i++)
			ok = strcmp(keys[i], k) == 0;
		if (!ok)
			return err_setx(e, EINVAL, "%s: unknown field \"%.64s\"", what, k);
	}
	return 0;
}

void ju_add_str(json_object *o, const char *key, const char *value)
{
	json_object_object_add(o, key, json_object_new_string(value ? value : ""));
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libarchive, loaded on first use. Only image import/load and the built-in
 * busybox image need it, and linking it would make every pontoon command load
 * libarchive's dependency chain (libxml2, ICU, libstdc++: ~10 ms per exec on a
 * loaded 2-core host). Call sites use the ordinary names: each is #defined to
 * the pointer in a table filled by dlsym(), with the type of libarchive's own
 * declaration, so the compiler still checks every call. A function missing
 * from ARCHIVE_FUNCS fails at link time (libarchive is not linked), never at
 * run time.
 */
#ifndef PONTOON_ARCHIVE_LAZY_H
#define PONTOON_ARCHIVE_LAZY_H

#include <archive.h>
#include <archive_entry.h>

#define ARCHIVE_FUNCS(X) \
	X(archive_entry_filetype) \
	X(archive_entry_free) \
	X(archive_entry_gid) \
	X(archive_entry_hardlink) \
	X(archive_entry_mtime) \
	X(archive_entry_mtime_is_set) \
	X(archive_entry_mtime_nsec) \
	X(archive_entry_new) \
	X(archive_entry_pathname) \
	X(archive_entry_perm) \
	X(archive_entry_rdevmajor) \
	X(archive_entry_rdevminor) \
	X(archive_entry_set_filetype) \
	X(archive_entry_set_hardlink) \
	X(archive_entry_set_mtime) \
	X(archive_entry_set_pathname) \
	X(archive_entry_set_perm) \
	X(archive_entry_set_rdevmajor) \
	X(archive_entry_set_rdevminor) \
	X(archive_entry_set_size) \
	X(archive_entry_set_symlink) \
	X(archive_entry_set_uid) \
	X(archive_entry_size) \
	X(archive_entry_symlink) \
	X(archive_entry_uid) \
	X(archive_entry_xattr_add_entry) \
	X(archive_entry_xattr_count) \
	X(archive_entry_xattr_next) \
	X(archive_entry_xattr_reset) \
	X(archive_errno) \
	X(archive_error_string) \
	X(archive_read_data) \
	X(archive_read_data_block) \
	X(archive_read_free) \
	X(archive_read_new) \
	X(archive_read_next_header) \
	X(archive_read_open) \
	X(archive_read_open_filename) \
	X(archive_read_support_filter_bzip2) \
	X(archive_read_support_filter_gzip) \
	X(archive_read_support_filter_lzma) \
	X(archive_read_support_filter_xz) \
	X(archive_read_support_filter_zstd) \
	X(archive_read_support_format_raw) \
	X(archive_read_support_format_tar) \
	X(archive_set_error) \
	X(archive_write_add_filter_gzip) \
	X(archive_write_close) \
	X(archive_write_data) \
	X(archive_write_free) \
	X(archive_write_header) \
	X(archive_write_new) \
	X(archive_write_open) \
	X(archive_write_set_bytes_in_last_block) \
	X(archive_write_set_format_pax_restricted)

struct archive_lib {
#define X(f) __typeof__(f) *f;
	ARCHIVE_FUNCS(X)
#undef X
};

/* The table; loads libarchive on the first call. A host without libarchive
 * (its package is a dependency of pontoon's) gets one error line and exit 127,
 * as the dynamic loader would have given at start. */
const struct archive_lib *archive_lib(void);

#ifndef ARCHIVE_LAZY_IMPL /* archive-lazy.c fills the table by name */
#define archive_entry_filetype (archive_lib()->archive_entry_filetype)
#define archive_entry_free (archive_lib()->archive_entry_free)
#define archive_entry_gid (archive_lib()->archive_entry_gid)
#define archive_entry_hardlink (archive_lib()->archive_entry_hardlink)
#define archive_entry_mtime (archive_lib()->archive_entry_mtime)
#define archive_entry_mtime_is_set (archive_lib()->archive_entry_mtime_is_set)
#define archive_entry_mtime_nsec (archive_lib()->archive_entry_mtime_nsec)
#define archive_entry_new (archive_lib()->archive_entry_new)
#define archive_entry_pathname (archive_lib()->archive_entry_pathname)
#define archive_entry_perm (archive_lib()->archive_entry_perm)
#define archive_entry_rdevmajor (archive_lib()->archive_entry_rdevmajor)
#define archive_entry_rdevminor (archive_lib()->archive_entry_rdevminor)
#define archive_entry_set_filetype (archive_lib()->archive_entry_set_filetype)
#define archive_entry_set_hardlink (archive_lib()->archive_entry_set_hardlink)
#define archive_entry_set_mtime (archive_lib()->archive_entry_set_mtime)
#define archive_entry_set_pathname (archive_lib()->archive_entry_set_pathname)
#define archive_entry_set_perm (archive_lib()->archive_entry_set_perm)
#define archive_entry_set_rdevmajor (archive_lib()->archive_entry_set_rdevmajor)
#define archive_entry_set_rdevminor (archive_lib()->archive_entry_set_rdevminor)
#define archive_entry_set_size (archive_lib()->archive_entry_set_size)
#define archive_entry_set_symlink (archive_lib()->archive_entry_set_symlink)
#define archive_entry_set_uid (archive_lib()->archive_entry_set_uid)
#define archive_entry_size (archive_lib()->archive_entry_size)
#define archive_entry_symlink (archive_lib()->archive_entry_symlink)
#define archive_entry_uid (archive_lib()->archive_entry_uid)
#define archive_entry_xattr_add_entry (archive_lib()->archive_entry_xattr_add_entry)
#define archive_entry_xattr_count (archive_lib()->archive_entry_xattr_count)
#define archive_entry_xattr_next (archive_lib()->archive_entry_xattr_next)
#define archive_entry_xattr_reset (archive_lib()->archive_entry_xattr_reset)
#define archive_errno (archive_lib()->archive_errno)
#define archive_error_string (archive_lib()->archive_error_string)
#define archive_read_data (archive_lib()->archive_read_data)
#define archive_read_data_block (archive_lib()->archive_read_data_block)
#define archive_read_free (archive_lib()->archive_read_free)
#define archive_read_new (archive_lib()->archive_read_new)
#define archive_read_next_header (archive_lib()->archive_read_next_header)
#define archive_read_open (archive_lib()->archive_read_open)
#define archive_read_open_filename (archive_lib()->archive_read_open_filename)
#define archive_read_support_filter_bzip2 (archive_lib()->archive_read_support_filter_bzip2)
#define archive_read_support_filter_gzip (archive_lib()->archive_read_support_filter_gzip)
#define archive_read_support_filter_lzma (archive_lib()->archive_read_support_filter_lzma)
#define archive_read_support_filter_xz (archive_lib()->archive_read_support_filter_xz)
#define archive_read_support_filter_zstd (archive_lib()->archive_read_support_filter_zstd)
#define archive_read_support_format_raw (archive_lib()->archive_read_support_format_raw)
#define archive_read_support_format_tar (archive_lib()->archive_read_support_format_tar)
#define archive_set_error (archive_lib()->archive_set_error)
#define archive_write_add_filter_gzip (archive_lib()->archive_write_add_filter_gzip)
#define archive_write_close (archive_lib()->archive_write_close)
#define archive_write_data (archive_lib()->archive_write_data)
#define archive_write_free (archive_lib()->archive_write_free)
#define archive_write_header (archive_lib()->archive_write_header)
#define archive_write_new (archive_lib()->archive_write_new)
#define archive_write_open (archive_lib()->archive_write_open)
#define archive_write_set_bytes_in_last_block (archive_lib()->archive_write_set_bytes_in_last_block)
#define archive_write_set_format_pax_restricted (archive_lib()->archive_write_set_format_pax_restricted)
#endif

#endif

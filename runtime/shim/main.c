/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pontoon-shim: the per-container parent process; see runtime/shim.c. */
#include "runtime.h"

int main(int argc, char **argv)
{
	return rt_shim_main(argc, argv);
}

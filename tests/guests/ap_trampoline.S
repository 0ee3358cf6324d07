/*
 * Real-mode code an application processor runs after the SIPI: it counts
 * itself in and halts. Position-independent within its segment (CS is
 * the SIPI vector << 8, IP 0), copied by the BSP to AP_TRAMPOLINE_ADDRESS.
 */
#include "boot_common.h"

	.section .rodata.trampoline, "a"
	.code16
	.globl ap_trampoline_start, ap_trampoline_end
ap_trampoline_start:
	cli
	mov	%cs, %ax
	mov	%ax, %ds
	lock incw (AP_COUNTER_OFFSET)
1:	hlt
	jmp	1b
ap_trampoline_end:

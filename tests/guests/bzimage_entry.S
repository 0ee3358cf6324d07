/*
 * The test guest as a bzImage: a real-mode setup area holding the Linux
 * boot protocol header (fields at the offsets of Documentation/arch/x86/
 * boot.rst), then the protected-mode part loaded at 1 MiB whose 64-bit
 * entry point sits 0x200 bytes in. The VMM enters in long mode with RSI
 * pointing at boot_params.
 */
#include "boot_common.h"

	.section .setup, "a"
	.code16
setup_start:
	.org	0x1f1
	.byte	1			/* setup_sects: one sector after the boot sector */
	.word	0			/* root_flags */
	.long	0			/* syssize (unused by us) */
	.word	0			/* ram_size */
	.word	0xffff			/* vid_mode */
	.word	0			/* root_dev */
	.word	0xaa55			/* boot_flag */
	.byte	0xeb			/* jump over the header ... */
	.byte	setup_header_end - 0x202 - setup_start	/* ... to its end */
	.ascii	"HdrS"			/* 0x202 header */
	.word	0x020f			/* 0x206 version 2.15 */
	.long	0			/* 0x208 realmode_swtch */
	.word	0			/* 0x20c start_sys_seg */
	.word	0			/* 0x20e kernel_version */
	.byte	0			/* 0x210 type_of_loader */
	.byte	0x01			/* 0x211 loadflags: LOADED_HIGH */
	.word	0			/* 0x212 setup_move_size */
	.long	0x100000		/* 0x214 code32_start */
	.long	0			/* 0x218 ramdisk_image */
	.long	0			/* 0x21c ramdisk_size */
	.long	0			/* 0x220 bootsect_kludge */
	.word	0			/* 0x224 heap_end_ptr */
	.byte	0			/* 0x226 ext_loader_ver */
	.byte	0			/* 0x227 ext_loader_type */
	.long	0			/* 0x228 cmd_line_ptr */
	.long	0x7fffffff		/* 0x22c initrd_addr_max */
	.long	0x200000		/* 0x230 kernel_alignment */
	.byte	0			/* 0x234 relocatable_kernel: load at pref_address */
	.byte	0			/* 0x235 min_alignment */
	.word	0x0001			/* 0x236 xloadflags: XLF_KERNEL_64 */
	.long	2047			/* 0x238 cmdline_size */
	.long	0			/* 0x23c hardware_subarch */
	.quad	0			/* 0x240 hardware_subarch_data */
	.long	0			/* 0x248 payload_offset */
	.long	0			/* 0x24c payload_length */
	.quad	0			/* 0x250 setup_data */
	.quad	0x100000		/* 0x258 pref_address */
	.long	guest_image_end - 0x100000	/* 0x260 init_size */
	.long	0			/* 0x264 handover_offset */
	.long	0			/* 0x268 kernel_info_offset */
setup_header_end:
	.org	0x400			/* two sectors: boot sector + setup_sects */

	.section .text.bzimage32, "ax"
	.code32
	/* The 32-bit entry at the load address; we only support the 64-bit one. */
bzimage_start32:
	hlt
	jmp	bzimage_start32
	.org	0x200
	.code64
	.globl bzimage_start64
bzimage_start64:
	cli
	lea	guest_stack_top(%rip), %rsp
	mov	$BOOT_KIND_LINUX64, %edi
	/* RSI already holds the boot_params address. */
	call	guest_main
1:	hlt
	jmp	1b

/*
 * PVH entry of the freestanding test guest. The VMM enters here in 32-bit
 * protected mode with paging off and EBX pointing at hvm_start_info; we
 * switch to long mode on static page tables and call guest_main(1, ebx).
 */
#include "boot_common.h"

	.section .note.pvh, "a"
	.p2align 2
	.long 4			/* name size: "Xen\0" */
	.long 4			/* descriptor size */
	.long 18		/* XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.long pvh_start32

	.section .text.pvh, "ax"
	.code32
	.globl pvh_start32
pvh_start32:
	cli
	mov	%ebx, %esi		/* second argument of guest_main */
	lgdt	pvh_gdt_pointer
	mov	$0x20, %eax		/* CR4.PAE */
	mov	%eax, %cr4
	mov	$guest_pml4, %eax
	mov	%eax, %cr3
	mov	$0xc0000080, %ecx	/* EFER */
	rdmsr
	or	$0x100, %eax		/* LME */
	wrmsr
	mov	%cr0, %eax
	or	$0x80000001, %eax	/* PG | PE */
	mov	%eax, %cr0
	ljmp	$0x08, $pvh_start64

	.code64
pvh_start64:
	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	lea	guest_stack_top(%rip), %rsp
	mov	$BOOT_KIND_PVH, %edi
	call	guest_main
1:	hlt
	jmp	1b

	.section .rodata.pvh, "a"
	.p2align 3
pvh_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
pvh_gdt_pointer:
	.word pvh_gdt_pointer - pvh_gdt - 1
	.long pvh_gdt

	/* Identity map of the first 4 GiB with 2 MiB pages, built at link time. */
	.section .data.pagetables, "aw"
	.p2align 12
guest_pml4:
	.quad guest_pdpt + 3
	.fill 511, 8, 0
guest_pdpt:
	.quad guest_pd + 0x0003
	.quad guest_pd + 0x1003
	.quad guest_pd + 0x2003
	.quad guest_pd + 0x3003
	.fill 508, 8, 0
guest_pd:
	.set page, 0
	.rept 2048
	.quad (page << 21) | 0x83
	.set page, page + 1
	.endr

/* Shared between the test guest's assembly and C++ parts. */
#ifndef TINYRANGE_TEST_GUEST_BOOT_COMMON_H
#define TINYRANGE_TEST_GUEST_BOOT_COMMON_H

#define BOOT_KIND_PVH 1
#define BOOT_KIND_LINUX64 2

/* Where the SMP test copies its real-mode AP trampoline (SIPI vector 0x10). */
#define AP_TRAMPOLINE_ADDRESS 0x10000
#define AP_COUNTER_OFFSET 0x100

#endif

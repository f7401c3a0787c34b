// SPDX-License-Identifier: GPL-2.0
/*
 * Loading an arm64 Linux Image (Documentation/arm64/booting.rst) and an
 * initramfs into guest RAM, and choosing the device tree's place (fdt.c
 * writes it there once the devices are registered).
 *
 * Layout:  RAM_BASE + text_offset   kernel, image_size bytes (BSS included)
 *          ...                      free
 *          below the DTB slot       initramfs, page aligned
 *          last 2 MiB of RAM        DTB (booting.rst: 8-byte aligned, at most
 *                                   2 MiB, in a 2 MiB region of its own)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm.h"

struct arm64_image_header {
	u32	code0;
	u32	code1;
	u64	text_offset;
	u64	image_size;
	u64	flags;
	u64	res2;
	u64	res3;
	u64	res4;
	u32	magic;
	u32	res5;
};

#define ARM64_IMAGE_MAGIC	0x644d5241	/* "ARM\x64" */
#define ARM64_IMAGE_FLAG_BE	BIT(0)

static void *read_file(const char *path, u64 *sizep)
{
	struct stat st;
	void *buf;
	u64 done = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		vmm_err("%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	buf = malloc(st.st_size ? st.st_size : 1);
	if (!buf) {
		close(fd);
		return NULL;
	}
	while (done < (u64)st.st_size) {
		ssize_t n = read(fd, (char *)buf + done, st.st_size - done);

		if (n <= 0) {
			vmm_err("%s: short read", path);
			free(buf);
			close(fd);
			return NULL;
		}
		done += n;
	}
	close(fd);
	*sizep = st.st_size;
	return buf;
}

/* Say what a file that is not an Image looks like, to save a guess. */
static const char *what_is_it(const u8 *p, u64 size)
{
	if (size >= 4 && !memcmp(p, "\177ELF", 4))
		return " (it is an ELF file: pass arch/arm64/boot/Image, not vmlinux)";
	if (size >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return " (it is gzip-compressed: decompress Image.gz first)";
	if (size >= 4 && !memcmp(p, "MZ", 2))
		return " (an EFI stub without the arm64 header?)";
	return "";
}

static int check_header(const char *path, const void *buf, u64 size,
			u64 *text_offset, u64 *image_size)
{
	struct arm64_image_header h;

	if (size < sizeof(h)) {
		vmm_err("%s " ERR_NOT_IMAGE ": only %llu bytes", path,
			(unsigned long long)size);
		return -1;
	}
	memcpy(&h, buf, sizeof(h));
	if (h.magic != ARM64_IMAGE_MAGIC) {
		vmm_err("%s " ERR_NOT_IMAGE ": no \"ARM\\x64\" magic at offset 0x38%s",
			path, what_is_it(buf, size));
		return -1;
	}
	if (h.flags & ARM64_IMAGE_FLAG_BE) {
		vmm_err("%s is a big-endian Image; this VMM runs little-endian guests",
			path);
		return -1;
	}

	*text_offset = h.text_offset;
	*image_size = h.image_size;
	/*
	 * booting.rst: image_size 0 means a pre-3.17 kernel, text_offset
	 * 0x80000 and no size: assume the file and a generous BSS.
	 */
	if (!h.image_size) {
		*text_offset = 0x80000;
		*image_size = ALIGN_UP(size, SZ_2M) + SZ_2M;
	}
	if (*image_size < size)
		*image_size = size;
	return 0;
}

static u64 mib(u64 bytes)
{
	return (bytes + SZ_1M - 1) / SZ_1M;
}

int image_load(struct vm *vm)
{
	u64 ksize, isize = 0, text_offset, image_size, kernel_end, dtb_slot;
	void *kernel, *initrd = NULL;
	int ret = -1;

	kernel = read_file(vm->cfg.kernel, &ksize);
	if (!kernel)
		return -1;
	if (check_header(vm->cfg.kernel, kernel, ksize, &text_offset,
			 &image_size))
		goto out;
	if (vm->cfg.initrd) {
		initrd = read_file(vm->cfg.initrd, &isize);
		if (!initrd)
			goto out;
	}

	vm->kernel_entry = vm->ram_base + text_offset;
	kernel_end = ALIGN_UP(vm->kernel_entry + image_size, 4096);
	dtb_slot = vm->ram_base + vm->ram_size - SZ_2M;
	vm->initrd_size = isize;
	vm->initrd_start = ALIGN_DOWN(dtb_slot - isize, 4096);

	if (vm->ram_size < SZ_2M || dtb_slot < kernel_end + isize ||
	    vm->initrd_start < kernel_end) {
		vmm_err(ERR_SMALL_RAM ": %llu MiB cannot hold the kernel (%llu MiB with its BSS, at offset %#llx), the initramfs (%llu MiB) and the DTB (2 MiB); use --mem=%llu or more",
			(unsigned long long)mib(vm->ram_size),
			(unsigned long long)mib(image_size),
			(unsigned long long)text_offset,
			(unsigned long long)mib(isize),
			(unsigned long long)(mib(kernel_end - vm->ram_base) +
					     mib(isize) + 2 + 16));
		goto out;
	}

	memcpy(kvm_ram_ptr(vm, vm->kernel_entry), kernel, ksize);
	if (isize)
		memcpy(kvm_ram_ptr(vm, vm->initrd_start), initrd, isize);

	vm->dtb_addr = dtb_slot;
	vmm_log(EV_KERNEL_LOADED ": %s at %#llx (%llu bytes, %llu with BSS)",
		vm->cfg.kernel, (unsigned long long)vm->kernel_entry,
		(unsigned long long)ksize, (unsigned long long)image_size);
	if (isize)
		vmm_log("initrd %s at %#llx (%llu bytes)", vm->cfg.initrd,
			(unsigned long long)vm->initrd_start,
			(unsigned long long)isize);
	ret = 0;
out:
	free(kernel);
	free(initrd);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The VM: /dev/kvm, the VM fd, guest RAM, capabilities, and the two pieces
 * of cross-vCPU coordination a VMM needs for SYSTEM_SUSPEND: pausing the
 * other vCPU threads so that their state can be read and cannot change
 * under us, and ending the run from whichever thread saw the reason.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm.h"

int kvm_open(struct vm *vm)
{
	int ver;

	vm->sys_fd = ka_open();
	if (vm->sys_fd < 0) {
		vmm_err(ERR_NO_KVM ": %s", strerror(errno));
		if (errno == ENOENT)
			vmm_err("this kernel has no KVM, or KVM did not come up (the CPU must enter the kernel at EL2: QEMU needs virtualization=on), or devtmpfs is not mounted on /dev");
		return -1;
	}

	ver = ioctl(vm->sys_fd, KVM_GET_API_VERSION, 0);
	if (ver != KVM_API_VERSION) {
		vmm_err("KVM API version %d, expected %d", ver, KVM_API_VERSION);
		return -1;
	}
	return 0;
}

static int check_cap(struct vm *vm, int cap, const char *name)
{
	if (ka_check_cap(vm->sys_fd, cap) > 0)
		return 0;
	vmm_err(ERR_NOCAP " %s", name);
	return -1;
}

int kvm_create_vm(struct vm *vm)
{
	if (check_cap(vm, KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY") ||
	    check_cap(vm, KVM_CAP_ONE_REG, "KVM_CAP_ONE_REG") ||
	    check_cap(vm, KVM_CAP_DEVICE_CTRL, "KVM_CAP_DEVICE_CTRL") ||
	    check_cap(vm, KVM_CAP_ARM_PSCI_0_2, "KVM_CAP_ARM_PSCI_0_2") ||
	    check_cap(vm, KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT"))
		return -1;

	vm->fd = ioctl(vm->sys_fd, KVM_CREATE_VM, 0);
	if (vm->fd < 0) {
		vmm_err("KVM_CREATE_VM: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int kvm_setup_ram(struct vm *vm)
{
	vm->ram_base = RAM_BASE;
	vm->ram_size = vm->cfg.ram_size;
	vm->ram = mmap(NULL, vm->ram_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->ram == MAP_FAILED) {
		vmm_err("cannot allocate %llu MiB of guest RAM: %s",
			(unsigned long long)(vm->ram_size / SZ_1M),
			strerror(errno));
		return -1;
	}

	if (ka_set_mem(vm->fd, 0, vm->ram_base, vm->ram, vm->ram_size) < 0) {
		vmm_err("KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
		return -1;
	}
	return 0;
}

bool kvm_in_ram(struct vm *vm, u64 addr, u64 len)
{
	return addr >= vm->ram_base && len <= vm->ram_size &&
	       addr - vm->ram_base <= vm->ram_size - len;
}

void *kvm_ram_ptr(struct vm *vm, u64 addr)
{
	return (char *)vm->ram + (addr - vm->ram_base);
}

/*
 * Opting in is what makes the guest see SYSTEM_SUSPEND at all: without it
 * KVM keeps answering NOT_SUPPORTED, the guest's PSCI driver doesn't offer
 * "deep" in /sys/power/mem_sleep, and suspend falls back to s2idle.
 */
int kvm_enable_system_suspend(struct vm *vm)
{
	if (ka_check_cap(vm->fd, KVM_CAP_ARM_SYSTEM_SUSPEND) <= 0) {
		vmm_err(ERR_NOCAP " KVM_CAP_ARM_SYSTEM_SUSPEND (%d): this kernel cannot forward PSCI SYSTEM_SUSPEND; use --suspend=off",
			KVM_CAP_ARM_SYSTEM_SUSPEND);
		return -1;
	}
	if (ka_enable_cap(vm->fd, KVM_CAP_ARM_SYSTEM_SUSPEND, 0) < 0) {
		vmm_err("KVM_ENABLE_CAP(KVM_CAP_ARM_SYSTEM_SUSPEND): %s",
			strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Pausing vCPUs.
 *
 * A vCPU thread spends its life in KVM_RUN, and most vCPU ioctls (among them
 * KVM_GET_MP_STATE) wait for KVM_RUN to return, so to look at another vCPU
 * we first have to get its thread out of the kernel and keep it out. The
 * pauser sets immediate_exit in the target's kvm_run (so a thread that is
 * about to enter KVM_RUN returns at once) and sends it a signal (so a thread
 * already inside, running or powered off, returns with -EINTR). The target
 * then parks in vm_check_pause() until vm_resume_others().
 *
 * Only one thread pauses the others at a time. Should two vCPUs ask at
 * once, the second one parks like any other vCPU first, then takes its
 * turn; a thread that is not a vCPU's just waits for its turn.
 */
#define SIG_KICK	SIGUSR1

static void kick_handler(int sig)
{
	(void)sig;
}

static void __attribute__((constructor)) kick_init(void)
{
	struct sigaction sa = { .sa_handler = kick_handler };

	/* No SA_RESTART: the point is to make KVM_RUN return. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIG_KICK, &sa, NULL);
}

/* Makes the vCPU's thread leave KVM_RUN, if it is in there, with -EINTR. */
void vcpu_kick(struct vcpu *vcpu)
{
	pthread_kill(vcpu->thread, SIG_KICK);
}

/* Called with vm->lock held. */
static void park(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;

	vcpu->run->immediate_exit = 0;
	vm->nr_paused++;
	pthread_cond_broadcast(&vm->cond);
	while (vm->pauser && vm->pauser != vcpu)
		pthread_cond_wait(&vm->cond, &vm->lock);
	vm->nr_paused--;
	/* A new pauser may have kicked us again while we were parked. */
	vcpu->run->immediate_exit = 0;
}

/* @self as a vCPU of @vm, or NULL for another thread (the control socket). */
static struct vcpu *self_vcpu(struct vm *vm, const void *self)
{
	int i;

	for (i = 0; i < vm->nr_vcpus; i++)
		if (self == &vm->vcpus[i])
			return &vm->vcpus[i];
	return NULL;
}

/*
 * Pause every vCPU thread but @self's (@self: a vCPU, or any other unique
 * pointer for a thread that is not a vCPU's) until vm_resume_others().
 */
void vm_pause_others(struct vm *vm, const void *self)
{
	struct vcpu *me = self_vcpu(vm, self);
	int i;

	pthread_mutex_lock(&vm->lock);
	while (vm->pauser) {
		if (me)
			park(me);
		else
			pthread_cond_wait(&vm->cond, &vm->lock);
	}

	vm->pauser = self;
	for (i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (v == me)
			continue;
		/* For a thread that is just about to enter KVM_RUN */
		v->run->immediate_exit = 1;
		vcpu_kick(v);
	}
	while (vm->nr_paused < vm->nr_vcpus - (me ? 1 : 0))
		pthread_cond_wait(&vm->cond, &vm->lock);
	pthread_mutex_unlock(&vm->lock);
}

void vm_resume_others(struct vm *vm)
{
	pthread_mutex_lock(&vm->lock);
	vm->pauser = NULL;
	pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
}

/* Each vCPU thread calls this before every KVM_RUN. */
void vm_check_pause(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;

	pthread_mutex_lock(&vm->lock);
	if (vm->pauser && vm->pauser != vcpu)
		park(vcpu);
	pthread_mutex_unlock(&vm->lock);
}

/*
 * The run ends when a vCPU sees SYSTEM_OFF, SYSTEM_RESET or an error. The
 * first reason wins; the main thread, waiting in vm_wait_exit(), reports it.
 */
void vm_exit(struct vm *vm, int status)
{
	pthread_mutex_lock(&vm->lock);
	if (!vm->exiting) {
		vm->exiting = true;
		vm->exit_status = status;
		pthread_cond_broadcast(&vm->cond);
	}
	pthread_mutex_unlock(&vm->lock);
}

int vm_wait_exit(struct vm *vm)
{
	int status;

	pthread_mutex_lock(&vm->lock);
	while (!vm->exiting)
		pthread_cond_wait(&vm->cond, &vm->lock);
	status = vm->exit_status;
	pthread_mutex_unlock(&vm->lock);
	return status;
}

/* A named thread; detached unless the caller wants its id in *@t. */
int vmm_thread_start(pthread_t *t, const char *name, void *(*fn)(void *),
		     void *arg)
{
	pthread_t id;
	int err;

	err = pthread_create(&id, NULL, fn, arg);
	if (err) {
		vmm_err("cannot start the %s thread: %s", name, strerror(err));
		return -1;
	}
	pthread_setname_np(id, name);
	if (t)
		*t = id;
	else
		pthread_detach(id);
	return 0;
}

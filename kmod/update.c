// SPDX-License-Identifier: GPL-2.0
/*
 * Update objects: creation and removal through
 * /sys/kernel/ksplice/control, lookup by id, and the abort bookkeeping
 * every other file uses.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/wait.h>
#include "ksplice_internal.h"

DEFINE_MUTEX(ksplice_mutex);
LIST_HEAD(ksplice_updates);

/*
 * The update an apply or reverse runs on, or NULL: set and cleared under
 * ksplice_mutex.  The operation lets go of the mutex while it sleeps
 * between tries and while the update's hooks run (ksplice_op_unlock()),
 * so that the module notifier, which every module load goes through, does
 * not wait for a whole apply.  Meanwhile nothing else may change that
 * update: its resolve lines and drop are refused, another operation waits
 * (ksplice_op_begin()), and so does a module that concerns it in the
 * notifier (ksplice_op_wait()).
 */
static struct ksplice_update *ksplice_busy;
static DECLARE_WAIT_QUEUE_HEAD(ksplice_idle_wq);

/**
 * ksplice_op_busy() - the update an apply or reverse is running on
 *
 * Caller holds ksplice_mutex.
 *
 * Return: that update, or NULL.
 */
struct ksplice_update *ksplice_op_busy(void)
{
	lockdep_assert_held(&ksplice_mutex);
	return ksplice_busy;
}

/**
 * ksplice_op_wait() - wait until no apply or reverse is running
 *
 * Caller holds ksplice_mutex, which is let go while waiting: whatever the
 * caller looked at before may have changed.
 */
void ksplice_op_wait(void)
{
	lockdep_assert_held(&ksplice_mutex);
	while (ksplice_busy) {
		mutex_unlock(&ksplice_mutex);
		wait_event(ksplice_idle_wq, !READ_ONCE(ksplice_busy));
		mutex_lock(&ksplice_mutex);
	}
}

/**
 * ksplice_op_begin() - start an apply or reverse of an update
 * @u: the update
 *
 * Caller holds ksplice_mutex; waits (letting it go) for the operation
 * running, if any.  One operation at a time, as when the mutex was held
 * throughout.
 */
void ksplice_op_begin(struct ksplice_update *u)
{
	ksplice_op_wait();
	WRITE_ONCE(ksplice_busy, u);
}

/* The end of ksplice_op_begin()'s operation; caller holds ksplice_mutex. */
void ksplice_op_end(void)
{
	lockdep_assert_held(&ksplice_mutex);
	WRITE_ONCE(ksplice_busy, NULL);
	wake_up_all(&ksplice_idle_wq);
}

/*
 * Around the retry sleeps and the hooks of the running operation:
 * ksplice_busy keeps its update as it is meanwhile.
 */
void ksplice_op_unlock(void)
{
	lockdep_assert_held(&ksplice_mutex);
	WARN_ON_ONCE(!ksplice_busy);
	mutex_unlock(&ksplice_mutex);
}

void ksplice_op_relock(void)
{
	mutex_lock(&ksplice_mutex);
}

static struct kobject *ksplice_root;

/* In enum order, so the array index is the cause. */
#define KSPLICE_CAUSE_STRING(sym, str) str,
static const char *const ksplice_cause_names[] = {
	KSPLICE_ABORT_CAUSES(KSPLICE_CAUSE_STRING)
};

#undef KSPLICE_CAUSE_STRING

static const char *const ksplice_stage_names[] = {
	[KSPLICE_STAGE_PREPARED] = "prepared",
	[KSPLICE_STAGE_APPLIED] = "applied",
	[KSPLICE_STAGE_REVERSED] = "reversed",
	[KSPLICE_STAGE_ABORTED] = "aborted",
};

const char *ksplice_cause_name(enum ksplice_abort_cause cause)
{
	BUILD_BUG_ON(ARRAY_SIZE(ksplice_cause_names) != KSPLICE_ABORT_COUNT);
	if (cause >= KSPLICE_ABORT_COUNT)
		return "unexpected";
	return ksplice_cause_names[cause];
}

const char *ksplice_stage_name(enum ksplice_stage stage)
{
	return ksplice_stage_names[stage];
}

/**
 * ksplice_set_abort() - record why an operation on an update failed
 * @u: the update
 * @cause: one of the closed set of abort causes
 * @fmt: the sentence for `message`
 *
 * Also logs the sentence, so the kernel log tells the same story.
 * Must not be called inside the stopped window (it logs).
 */
void ksplice_set_abort(struct ksplice_update *u,
		       enum ksplice_abort_cause cause, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vscnprintf(u->message, KSPLICE_MESSAGE_LEN, fmt, ap);
	va_end(ap);
	u->cause = cause;
	pr_err("update %s: %s: %s\n", u->id, ksplice_cause_name(cause),
	       u->message);
}

void ksplice_clear_abort(struct ksplice_update *u)
{
	u->cause = KSPLICE_ABORT_NONE;
	u->message[0] = '\0';
	u->conflicts[0] = '\0';
}

/* Caller holds ksplice_mutex. */
struct ksplice_update *ksplice_update_find(const char *id)
{
	struct ksplice_update *u;

	lockdep_assert_held(&ksplice_mutex);
	list_for_each_entry(u, &ksplice_updates, list)
		if (!strcmp(u->id, id))
			return u;
	return NULL;
}

/**
 * ksplice_target_get() - find (or create) the part of an update for a target
 * @u: the update
 * @name: "vmlinux" or a module name
 * @create: allocate it when missing
 *
 * Return: the target, or NULL (not found, or out of memory when @create).
 */
struct ksplice_target *ksplice_target_get(struct ksplice_update *u,
					  const char *name, bool create)
{
	struct ksplice_target *t;

	list_for_each_entry(t, &u->targets, list)
		if (!strcmp(t->name, name))
			return t;
	if (!create || strlen(name) >= MODULE_NAME_LEN)
		return NULL;
	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return NULL;
	strscpy(t->name, name, sizeof(t->name));
	INIT_LIST_HEAD(&t->funcs);
	INIT_LIST_HEAD(&t->syms);
	list_add_tail(&t->list, &u->targets);
	return t;
}

/**
 * ksplice_target_detach() - forget the new-code module of a target
 * @t: the target
 *
 * Drops what was copied from the module's descriptor; the resolve lines
 * stay, so the same module can be loaded again.
 */
void ksplice_target_detach(struct ksplice_target *t)
{
	struct ksplice_func_site *f;

	list_for_each_entry(f, &t->funcs, list) {
		kfree(f->name);
		f->name = NULL;
		f->new_addr = 0;
		f->new_size = 0;
	}
	ksplice_hooks_free(t);
	t->desc = NULL;
	t->new_mod = NULL;
}

static void ksplice_target_free(struct ksplice_target *t)
{
	struct ksplice_func_site *f, *fn;
	struct ksplice_sym_site *s, *sn;

	list_for_each_entry_safe(f, fn, &t->funcs, list) {
		kfree(f->name);
		kfree(f->pcode);
		kfree(f->pmask);
		kfree(f);
	}
	list_for_each_entry_safe(s, sn, &t->syms, list)
		kfree(s);
	kfree(t->hooks);
	kfree(t);
}

static void ksplice_update_release(struct kobject *kobj)
{
	struct ksplice_update *u = container_of(kobj, struct ksplice_update,
						kobj);
	struct ksplice_target *t, *tn;

	list_for_each_entry_safe(t, tn, &u->targets, list)
		ksplice_target_free(t);
	kfree(u->message);
	kfree(u->conflicts);
	kfree(u->description);
	kfree(u);
}

static const struct kobj_type ksplice_update_ktype = {
	.release = ksplice_update_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = ksplice_update_groups,
};

static int ksplice_prepare(const char *id)
{
	struct ksplice_update *u;
	int ret;

	u = ksplice_should_fail() ? NULL : kzalloc(sizeof(*u), GFP_KERNEL);
	if (!u)
		return -ENOMEM;
	strscpy(u->id, id, sizeof(u->id));
	INIT_LIST_HEAD(&u->targets);
	u->stage = KSPLICE_STAGE_PREPARED;
	u->message = kzalloc(KSPLICE_MESSAGE_LEN, GFP_KERNEL);
	u->conflicts = kzalloc(KSPLICE_CONFLICTS_LEN, GFP_KERNEL);
	kobject_init(&u->kobj, &ksplice_update_ktype);
	if (!u->message || !u->conflicts) {
		kobject_put(&u->kobj);
		return -ENOMEM;
	}
	mutex_lock(&ksplice_mutex);
	if (ksplice_update_find(id)) {
		mutex_unlock(&ksplice_mutex);
		kobject_put(&u->kobj);
		return -EEXIST;
	}
	ret = kobject_add(&u->kobj, ksplice_root, "%s", id);
	if (ret) {
		mutex_unlock(&ksplice_mutex);
		pr_err("prepare %s: cannot create its sysfs directory (%d)\n",
		       id, ret);
		kobject_put(&u->kobj);
		return ret;
	}
	list_add_tail(&u->list, &ksplice_updates);
	mutex_unlock(&ksplice_mutex);
	pr_info("update %s prepared\n", id);
	return 0;
}

static int ksplice_drop(const char *id)
{
	struct ksplice_update *u;
	struct ksplice_target *t;

	mutex_lock(&ksplice_mutex);
	u = ksplice_update_find(id);
	if (!u) {
		mutex_unlock(&ksplice_mutex);
		return -ENOENT;
	}
	if (u->stage == KSPLICE_STAGE_APPLIED || u == ksplice_busy) {
		mutex_unlock(&ksplice_mutex);
		pr_err("drop %s: the update is applied or being applied; reverse it first\n",
		       id);
		return -EBUSY;
	}
	list_for_each_entry(t, &u->targets, list) {
		if (t->new_mod) {
			mutex_unlock(&ksplice_mutex);
			pr_err("drop %s: new-code module %s is still loaded\n",
			       id, t->new_mod->name);
			return -EBUSY;
		}
	}
	list_del(&u->list);
	u->dropped = true;
	mutex_unlock(&ksplice_mutex);
	/*
	 * Removed from sysfs outside the mutex: removal waits for readers
	 * of the update's files, and those take the mutex.
	 */
	kobject_del(&u->kobj);
	kobject_put(&u->kobj);
	pr_info("update %s dropped\n", id);
	return 0;
}

static ssize_t control_store(struct kobject *kobj, struct kobj_attribute *attr,
			     const char *buf, size_t count)
{
	char cmd[16], id[KSPLICE_ID_MAX + 2];
	int ret;

	if (sscanf(buf, "%15s %33s", cmd, id) != 2 || !ksplice_id_valid(id)) {
		pr_err("control: expected `prepare ID` or `drop ID`\n");
		return -EINVAL;
	}
	if (!strcmp(cmd, "prepare"))
		ret = ksplice_prepare(id);
	else if (!strcmp(cmd, "drop"))
		ret = ksplice_drop(id);
	else
		ret = -EINVAL;
	return ret ? ret : count;
}

static struct kobj_attribute ksplice_control_attr = __ATTR_WO(control);

int ksplice_updates_init(struct kobject *root)
{
	int ret;

	ksplice_root = root;
	ret = sysfs_create_file(root, &ksplice_control_attr.attr);
	if (ret)
		pr_err("cannot create /sys/kernel/ksplice/control (%d)\n", ret);
	return ret;
}

/*
 * Module exit: no new-code module can be loaded (each depends on this
 * module), so no update is applied; remove them all.
 */
void ksplice_updates_exit(void)
{
	struct ksplice_update *u, *un;
	LIST_HEAD(all);

	sysfs_remove_file(ksplice_root, &ksplice_control_attr.attr);
	mutex_lock(&ksplice_mutex);
	list_splice_init(&ksplice_updates, &all);
	list_for_each_entry(u, &all, list)
		u->dropped = true;
	mutex_unlock(&ksplice_mutex);
	list_for_each_entry_safe(u, un, &all, list) {
		kobject_del(&u->kobj);
		kobject_put(&u->kobj);
	}
}

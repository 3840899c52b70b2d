// SPDX-License-Identifier: GPL-2.0
/*
 * The files of /sys/kernel/ksplice/ID/ (docs/sysfs-abi.md).  Every show
 * and store takes ksplice_mutex, so a reader sees one consistent update.
 */
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include "ksplice_internal.h"

static struct ksplice_update *to_update(struct kobject *kobj)
{
	return container_of(kobj, struct ksplice_update, kobj);
}

static ssize_t stage_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	struct ksplice_update *u = to_update(kobj);
	ssize_t n;

	mutex_lock(&ksplice_mutex);
	n = sysfs_emit(buf, "%s\n", ksplice_stage_name(u->stage));
	mutex_unlock(&ksplice_mutex);
	return n;
}

static ssize_t stage_store(struct kobject *kobj, struct kobj_attribute *attr,
			   const char *buf, size_t count)
{
	struct ksplice_update *u = to_update(kobj);
	int ret;

	mutex_lock(&ksplice_mutex);
	/* May let go of the mutex: dropped is checked after. */
	ksplice_op_begin(u);
	if (u->dropped)
		ret = -ENOENT;
	else if (sysfs_streq(buf, "apply"))
		ret = ksplice_apply(u);
	else if (sysfs_streq(buf, "reverse"))
		ret = ksplice_reverse(u);
	else
		ret = -EINVAL;
	ksplice_op_end();
	mutex_unlock(&ksplice_mutex);
	return ret ? ret : count;
}

static ssize_t resolve_store(struct kobject *kobj, struct kobj_attribute *attr,
			     const char *buf, size_t count)
{
	struct ksplice_update *u = to_update(kobj);
	int ret;

	mutex_lock(&ksplice_mutex);
	if (u->dropped)
		ret = -ENOENT;
	else if (u == ksplice_op_busy())
		ret = -EBUSY;	/* its apply or reverse is running */
	else
		ret = ksplice_resolve_write(u, buf, count);
	mutex_unlock(&ksplice_mutex);
	return ret ? ret : count;
}

static ssize_t abort_cause_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	struct ksplice_update *u = to_update(kobj);
	ssize_t n;

	mutex_lock(&ksplice_mutex);
	n = sysfs_emit(buf, "%s\n", ksplice_cause_name(u->cause));
	mutex_unlock(&ksplice_mutex);
	return n;
}

static ssize_t conflicts_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	struct ksplice_update *u = to_update(kobj);
	ssize_t n;

	mutex_lock(&ksplice_mutex);
	n = sysfs_emit(buf, "%s", u->conflicts);
	mutex_unlock(&ksplice_mutex);
	return n;
}

static ssize_t message_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	struct ksplice_update *u = to_update(kobj);
	ssize_t n = 0;

	mutex_lock(&ksplice_mutex);
	if (u->message[0])
		n = sysfs_emit(buf, "%s\n", u->message);
	mutex_unlock(&ksplice_mutex);
	return n;
}

static ssize_t targets_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	struct ksplice_update *u = to_update(kobj);
	struct ksplice_target *t;
	ssize_t n = 0;

	mutex_lock(&ksplice_mutex);
	list_for_each_entry(t, &u->targets, list)
		if (t->new_mod)
			n += sysfs_emit_at(buf, n, "%s %s\n", t->name,
					   t->new_mod->name);
	mutex_unlock(&ksplice_mutex);
	return n;
}

static ssize_t functions_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	struct ksplice_update *u = to_update(kobj);
	struct ksplice_func_site *f;
	struct ksplice_target *t;
	ssize_t n = 0;

	mutex_lock(&ksplice_mutex);
	list_for_each_entry(t, &u->targets, list)
		list_for_each_entry(f, &t->funcs, list)
			if (f->name)
				n += sysfs_emit_at(buf, n, "%s %s 0x%lx 0x%lx\n",
						   t->name, f->name, f->addr,
						   f->new_addr);
	mutex_unlock(&ksplice_mutex);
	return n;
}

static ssize_t pause_ns_show(struct kobject *kobj, struct kobj_attribute *attr,
			     char *buf)
{
	struct ksplice_update *u = to_update(kobj);
	ssize_t n;

	mutex_lock(&ksplice_mutex);
	n = sysfs_emit(buf, "apply %llu\nreverse %llu\n", u->pause_apply_ns,
		       u->pause_reverse_ns);
	mutex_unlock(&ksplice_mutex);
	return n;
}

static ssize_t tries_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	struct ksplice_update *u = to_update(kobj);
	ssize_t n;

	mutex_lock(&ksplice_mutex);
	n = sysfs_emit(buf, "%u\n", u->tries);
	mutex_unlock(&ksplice_mutex);
	return n;
}

static ssize_t description_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	struct ksplice_update *u = to_update(kobj);
	ssize_t n = 0;

	mutex_lock(&ksplice_mutex);
	if (u->description)
		n = sysfs_emit(buf, "%s\n", u->description);
	mutex_unlock(&ksplice_mutex);
	return n;
}

/*
 * Root only, all of them: they hold kernel addresses (functions,
 * message, conflicts) and the state of code being changed.
 */
static struct kobj_attribute stage_attr = __ATTR(stage, 0600, stage_show,
						 stage_store);
static struct kobj_attribute resolve_attr = __ATTR_WO(resolve);
static struct kobj_attribute abort_cause_attr = __ATTR_RO_MODE(abort_cause,
							       0400);
static struct kobj_attribute conflicts_attr = __ATTR_RO_MODE(conflicts, 0400);
static struct kobj_attribute message_attr = __ATTR_RO_MODE(message, 0400);
static struct kobj_attribute targets_attr = __ATTR_RO_MODE(targets, 0400);
static struct kobj_attribute functions_attr = __ATTR_RO_MODE(functions, 0400);
static struct kobj_attribute pause_ns_attr = __ATTR_RO_MODE(pause_ns, 0400);
static struct kobj_attribute tries_attr = __ATTR_RO_MODE(tries, 0400);
static struct kobj_attribute description_attr = __ATTR_RO_MODE(description,
							       0400);

static struct attribute *ksplice_update_attrs[] = {
	&stage_attr.attr,
	&resolve_attr.attr,
	&abort_cause_attr.attr,
	&conflicts_attr.attr,
	&message_attr.attr,
	&targets_attr.attr,
	&functions_attr.attr,
	&pause_ns_attr.attr,
	&tries_attr.attr,
	&description_attr.attr,
	NULL,
};

static const struct attribute_group ksplice_update_group = {
	.attrs = ksplice_update_attrs,
};

const struct attribute_group *ksplice_update_groups[] = {
	&ksplice_update_group,
	NULL,
};

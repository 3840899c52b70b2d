/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /etc/uptrack/uptrack.conf: an INI file.  Every key: docs/uptrack.conf.5.md
 * (rendered from docs/uptrack-conf.md).
 */
#ifndef UPTRACK_CONFIG_H
#define UPTRACK_CONFIG_H

#include <stddef.h>

#define UPTRACK_DEFAULT_CONFIG "/etc/uptrack/uptrack.conf"

struct uptrack_config {
	char *repo_url;		/* update_repo_url: file://, http://, https:// */
	char *public_key;	/* repo_public_key: PEM file of the repository key */
	int autoinstall;	/* autoinstall: --cron installs, not only reports */
	int install_on_reboot;	/* re-apply installed updates at boot */
	int upgrade_on_reboot;	/* also upgrade at boot */
	char *proxy;		/* proxy: URL, "none", or NULL = environment */
	long timeout;		/* timeout: seconds for each download */
	/*
	 * Sentences about lines that were ignored (an unknown key): a stray
	 * line must never stop the boot-time re-apply, so it is a warning.
	 */
	char **warnings;
	size_t nr_warnings;
};

/* Parse TEXT (NAME for messages).  Returns 0 or -1 with err set. */
int uptrack_config_parse(const char *text, const char *name,
			 struct uptrack_config *c, char *err, size_t errlen);
/* Read and parse a file; a missing file is an error. */
int uptrack_config_load(const char *path, struct uptrack_config *c,
			char *err, size_t errlen);
void uptrack_config_free(struct uptrack_config *c);

#endif /* UPTRACK_CONFIG_H */

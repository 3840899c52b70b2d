// SPDX-License-Identifier: GPL-2.0
/* uptrack.conf: a small INI parser with a closed set of keys. */
#include "uptrack/uptrack_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/array.h"
#include "util/fs.h"

static int parse_bool(const char *v, int *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (!strcasecmp(v, yes[i])) {
			*out = 1;
			return 0;
		}
		if (!strcasecmp(v, no[i])) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

/* Which section each key belongs to (the sections document the file). */
static const struct {
	const char *key, *section;
} keys[] = {
	{ "update_repo_url", "Repository" },
	{ "repo_public_key", "Repository" },
	{ "proxy", "Network" },
	{ "timeout", "Network" },
	{ "autoinstall", "Settings" },
	{ "install_on_reboot", "Settings" },
	{ "upgrade_on_reboot", "Settings" },
};

int uptrack_config_parse(const char *text, const char *name,
			 struct uptrack_config *c, char *err, size_t errlen)
{
	char *copy = ks_xstrdup(text), *line, *next, section[64] = "";
	unsigned int lineno = 0;
	size_t k;

	memset(c, 0, sizeof(*c));
	c->install_on_reboot = 1;
	c->timeout = 60;
	for (line = copy; line; line = next) {
		char *key, *val, *eq;

		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		lineno++;
		line = ks_trim(line);
		if (!*line || *line == '#' || *line == ';')
			continue;
		if (*line == '[') {
			char *end = strchr(line, ']');

			if (!end || end[1] || end - line - 1 >= (long)sizeof(section)) {
				snprintf(err, errlen, "%s line %u: bad section header",
					 name, lineno);
				goto bad;
			}
			*end = 0;
			strcpy(section, line + 1);
			continue;
		}
		eq = strchr(line, '=');
		if (!eq) {
			snprintf(err, errlen, "%s line %u: expected 'key = value'",
				 name, lineno);
			goto bad;
		}
		*eq = 0;
		key = ks_trim(line);
		val = ks_trim(eq + 1);
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (!strcmp(key, keys[k].key))
				break;
		if (k == sizeof(keys) / sizeof(keys[0])) {
			KS_PUSH(c->warnings, c->nr_warnings,
				ks_strfmt("%s line %u: unknown key '%s' (ignored)",
					  name, lineno, key));
			continue;
		}
		if (*section && strcasecmp(section, keys[k].section)) {
			snprintf(err, errlen,
				 "%s line %u: '%s' belongs in section [%s], not [%s]",
				 name, lineno, key, keys[k].section, section);
			goto bad;
		}
		if (!strcmp(key, "update_repo_url")) {
			if (strncmp(val, "file://", 7) && strncmp(val, "http://", 7) &&
			    strncmp(val, "https://", 8)) {
				snprintf(err, errlen,
					 "%s line %u: update_repo_url must start with file://, http:// or https://",
					 name, lineno);
				goto bad;
			}
			free(c->repo_url);
			c->repo_url = ks_xstrdup(val);
			/* One trailing slash at most: paths are appended. */
			while (strlen(c->repo_url) > 8 &&
			       c->repo_url[strlen(c->repo_url) - 1] == '/')
				c->repo_url[strlen(c->repo_url) - 1] = 0;
		} else if (!strcmp(key, "repo_public_key")) {
			free(c->public_key);
			c->public_key = ks_xstrdup(val);
		} else if (!strcmp(key, "proxy")) {
			free(c->proxy);
			c->proxy = *val ? ks_xstrdup(val) : NULL;
		} else if (!strcmp(key, "timeout")) {
			char *end;

			errno = 0;
			c->timeout = strtol(val, &end, 10);
			if (errno || *end || c->timeout <= 0) {
				snprintf(err, errlen,
					 "%s line %u: timeout must be a positive number of seconds",
					 name, lineno);
				goto bad;
			}
		} else {
			int *b = !strcmp(key, "autoinstall") ? &c->autoinstall :
				 !strcmp(key, "install_on_reboot") ?
					&c->install_on_reboot :
					&c->upgrade_on_reboot;

			if (parse_bool(val, b)) {
				snprintf(err, errlen,
					 "%s line %u: %s must be yes or no, not '%s'",
					 name, lineno, key, val);
				goto bad;
			}
		}
	}
	free(copy);
	if (!c->repo_url) {
		snprintf(err, errlen, "%s: update_repo_url is not set", name);
		uptrack_config_free(c);
		return -1;
	}
	if (!c->public_key) {
		snprintf(err, errlen, "%s: repo_public_key is not set", name);
		uptrack_config_free(c);
		return -1;
	}
	return 0;
bad:
	free(copy);
	uptrack_config_free(c);
	return -1;
}

int uptrack_config_load(const char *path, struct uptrack_config *c,
			char *err, size_t errlen)
{
	char *text = ks_read_file(path, NULL);
	int ret;

	if (!text) {
		snprintf(err, errlen, "cannot read the configuration %s: %s",
			 path, strerror(errno));
		memset(c, 0, sizeof(*c));
		return -1;
	}
	ret = uptrack_config_parse(text, path, c, err, errlen);
	free(text);
	return ret;
}

void uptrack_config_free(struct uptrack_config *c)
{
	free(c->repo_url);
	free(c->public_key);
	free(c->proxy);
	for (size_t i = 0; i < c->nr_warnings; i++)
		free(c->warnings[i]);
	free(c->warnings);
	memset(c, 0, sizeof(*c));
}

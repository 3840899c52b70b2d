// SPDX-License-Identifier: GPL-2.0
/*
 * uptrack-manager: a small GTK 3 front end for the uptrack client.  It
 * lists installed and available updates (from `uptrack-show --available
 * --json`) and runs `uptrack-upgrade -y --json --progress-fd=3`, feeding
 * its progress lines ("progress ID PERCENT STEP", on descriptor 3) into a
 * progress bar and reading the outcome from its JSON object.  The client's
 * JSON (docs/json.md) is read with json-glib, never its text for people,
 * so rewording a message cannot break the window.  All the work, checks
 * and state stay in the command-line client.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>
#include <gtk/gtk.h>
#include <json-glib/json-glib.h>

static const char *config;	/* --config, passed on to the client */
static const char *bindir;	/* where the uptrack commands are */

struct ui {
	GtkWidget *window, *list, *bar, *status, *upgrade, *refresh;
	GtkListStore *store;
	int nr_available, done_updates;
	char current[64];
	GIOChannel *progress;	/* the client's descriptor 3, while it runs */
	guint progress_watch;
};

static char *tool(const char *name)
{
	return bindir ? g_build_filename(bindir, name, NULL) : g_strdup(name);
}

/*
 * The object a client printed with --json, or NULL when its standard
 * output is not one (it could not be run, or died before the end).
 */
static JsonObject *client_object(JsonParser *p, const char *out)
{
	JsonNode *root;

	if (!out || !json_parser_load_from_data(p, out, -1, NULL))
		return NULL;
	root = json_parser_get_root(p);
	return root && JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root)
						    : NULL;
}

/* A string member, or NULL when it is absent, null or not a string. */
static const char *str_member(JsonObject *o, const char *key)
{
	JsonNode *n = o ? json_object_get_member(o, key) : NULL;

	if (!n || !JSON_NODE_HOLDS_VALUE(n) ||
	    json_node_get_value_type(n) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string(n);
}

static JsonArray *array_member(JsonObject *o, const char *key)
{
	JsonNode *n = o ? json_object_get_member(o, key) : NULL;

	return n && JSON_NODE_HOLDS_ARRAY(n) ? json_node_get_array(n) : NULL;
}

static JsonObject *object_member(JsonObject *o, const char *key)
{
	JsonNode *n = o ? json_object_get_member(o, key) : NULL;

	return n && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
}

/* Rows for the update objects of KEY; returns how many. */
static int add_rows(struct ui *ui, JsonObject *o, const char *key,
		    const char *section)
{
	JsonArray *a = array_member(o, key);
	guint i, n = a ? json_array_get_length(a) : 0;
	int rows = 0;

	for (i = 0; i < n; i++) {
		JsonNode *e = json_array_get_element(a, i);
		JsonObject *u = JSON_NODE_HOLDS_OBJECT(e) ? json_node_get_object(e)
							  : NULL;
		const char *title = str_member(u, "title");
		GtkTreeIter it;

		if (!str_member(u, "id"))
			continue;
		gtk_list_store_append(ui->store, &it);
		gtk_list_store_set(ui->store, &it, 0, section,
				   1, str_member(u, "id"), 2, title ? title : "",
				   -1);
		rows++;
	}
	return rows;
}

/* "Effective kernel version is R (Debian V)" from the "effective" object. */
static char *effective_text(JsonObject *o)
{
	JsonObject *e = object_member(o, "effective");
	const char *rel = str_member(e, "release");
	const char *deb = str_member(e, "debian");

	if (!rel)
		return g_strdup("");
	return deb ? g_strdup_printf("Effective kernel version is %s (Debian %s)",
				     rel, deb)
		   : g_strdup_printf("Effective kernel version is %s", rel);
}

/* The client's reason for a failure: its "message", else its stderr. */
static char *failure_text(JsonObject *o, const char *err, const char *what)
{
	const char *m = str_member(o, "message");
	char *t = g_strdup(m ? m : err && *err ? err : what);

	return g_strchomp(t);
}

/* Fill the list from uptrack-show --available --json. */
static void refresh(struct ui *ui)
{
	char *show = tool("uptrack-show"), *out = NULL, *err = NULL, *text;
	char *cfg = config ? g_strdup_printf("--config=%s", config) : NULL;
	char *argv[] = { show, "--available", "--json", cfg, NULL };
	JsonParser *parser = json_parser_new();
	JsonObject *o;
	int status = 0;

	gtk_list_store_clear(ui->store);
	ui->nr_available = 0;
	if (!g_spawn_sync(NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
			  &err, &status, NULL)) {
		gtk_label_set_text(GTK_LABEL(ui->status), "cannot run uptrack-show");
		goto out;
	}
	o = client_object(parser, out);
	add_rows(ui, o, "installed", "Installed");
	ui->nr_available = add_rows(ui, o, "available", "Available");
	if (o && !g_strcmp0(str_member(o, "result"), "ok") &&
	    g_spawn_check_wait_status(status, NULL))
		text = effective_text(o);
	else
		text = failure_text(o, err, "uptrack-show failed");
	gtk_label_set_text(GTK_LABEL(ui->status), text);
	/* Echoed, so scripts can follow what the window says. */
	printf("uptrack-manager: status: %s\n", text);
	fflush(stdout);
	g_free(text);
	gtk_widget_set_sensitive(ui->upgrade, ui->nr_available > 0);
out:
	g_object_unref(parser);
	g_free(out);
	g_free(err);
	g_free(show);
	g_free(cfg);
}

/* One "progress ID PERCENT STEP" line from the client. */
static void progress_line(struct ui *ui, const char *line)
{
	char id[64], step[64], text[200];
	int pct;

	if (sscanf(line, "progress %63s %d %63s", id, &pct, step) == 3) {
		double total = ui->nr_available ? ui->nr_available : 1;

		if (!strcmp(step, "installed") && strcmp(ui->current, id)) {
			ui->done_updates++;
			g_strlcpy(ui->current, id, sizeof(ui->current));
		}
		/* Each update: 0-50% download and check, 50-100% apply. */
		gtk_progress_bar_set_fraction(GTK_PROGRESS_BAR(ui->bar),
			MIN(1.0, (ui->done_updates + (strcmp(step, "installed") ? pct / 100.0 : 0)) / total));
		snprintf(text, sizeof(text), "%s: %s %d%%", id, step, pct);
		gtk_progress_bar_set_text(GTK_PROGRESS_BAR(ui->bar), text);
		/* Echoed, so scripts can follow what the bar shows. */
		printf("uptrack-manager: bar %.2f %s\n",
		       gtk_progress_bar_get_fraction(GTK_PROGRESS_BAR(ui->bar)),
		       text);
		fflush(stdout);
	}
}

/* Every complete line now in the pipe; the status that stopped it. */
static GIOStatus read_progress(struct ui *ui, GIOChannel *ch)
{
	char *line = NULL;
	GIOStatus s;

	while ((s = g_io_channel_read_line(ch, &line, NULL, NULL, NULL)) ==
	       G_IO_STATUS_NORMAL) {
		progress_line(ui, line);
		g_free(line);
	}
	return s;
}

static gboolean on_progress(GIOChannel *ch, GIOCondition cond, gpointer data)
{
	struct ui *ui = data;

	(void)cond;
	if (read_progress(ui, ch) == G_IO_STATUS_AGAIN)
		return TRUE;
	ui->progress_watch = 0;	/* end of file: GLib drops the watch */
	return FALSE;
}

/*
 * The last progress lines may still wait in the pipe when the client's
 * outcome arrives: read them first, so the bar ends where the client did.
 */
static void progress_close(struct ui *ui)
{
	if (!ui->progress)
		return;
	if (ui->progress_watch) {
		g_source_remove(ui->progress_watch);
		ui->progress_watch = 0;
		read_progress(ui, ui->progress);
	}
	g_io_channel_unref(ui->progress);
	ui->progress = NULL;
}

/* The ids of a JSON array of strings, space separated. */
static char *id_list(JsonObject *o, const char *key)
{
	JsonArray *a = array_member(o, key);
	guint i, n = a ? json_array_get_length(a) : 0;
	GString *s = g_string_new("");

	for (i = 0; i < n; i++) {
		const char *id = json_array_get_string_element(a, i);

		if (id)
			g_string_append_printf(s, "%s%s", s->len ? " " : "", id);
	}
	return g_string_free(s, FALSE);
}

/* uptrack-upgrade ended: its JSON object says how. */
static void on_client_done(GObject *src, GAsyncResult *res, gpointer data)
{
	GSubprocess *proc = G_SUBPROCESS(src);
	struct ui *ui = data;
	char *out = NULL, *err = NULL, *msg, *ids;
	JsonParser *parser = json_parser_new();
	JsonObject *o;
	int ok;

	g_subprocess_communicate_utf8_finish(proc, res, &out, &err, NULL);
	progress_close(ui);
	o = client_object(parser, out);
	ok = o && !g_strcmp0(str_member(o, "result"), "ok") &&
	     g_subprocess_get_if_exited(proc) &&
	     g_subprocess_get_exit_status(proc) == 0;
	refresh(ui);
	if (ok) {
		ids = id_list(o, "installed");
		gtk_progress_bar_set_fraction(GTK_PROGRESS_BAR(ui->bar), 1.0);
		gtk_progress_bar_set_text(GTK_PROGRESS_BAR(ui->bar),
					  "Your kernel is fully up to date.");
		printf("uptrack-manager: upgrade finished, installed: %s\n", ids);
		g_free(ids);
	} else {
		char *why = failure_text(o, err, "uptrack-upgrade failed");

		msg = g_strdup_printf("Upgrade failed: %s", why);
		gtk_progress_bar_set_text(GTK_PROGRESS_BAR(ui->bar), "Upgrade failed");
		gtk_label_set_text(GTK_LABEL(ui->status), msg);
		printf("uptrack-manager: %s\n", msg);
		g_free(msg);
		g_free(why);
	}
	fflush(stdout);
	gtk_widget_set_sensitive(ui->refresh, TRUE);
	g_object_unref(parser);
	g_object_unref(proc);
	g_free(out);
	g_free(err);
}

static void on_upgrade(GtkButton *b, gpointer data)
{
	struct ui *ui = data;
	char *up = tool("uptrack-upgrade");
	char *cfg = config ? g_strdup_printf("--config=%s", config) : NULL;
	/* Progress on descriptor 3 keeps standard output for the JSON. */
	const char *argv[] = { up, "-y", "--json", "--progress-fd=3", cfg, NULL };
	GSubprocessLauncher *l;
	GSubprocess *proc;
	GError *e = NULL;
	int fds[2];

	(void)b;
	ui->done_updates = 0;
	ui->current[0] = 0;
	if (!g_unix_open_pipe(fds, FD_CLOEXEC, &e)) {
		gtk_label_set_text(GTK_LABEL(ui->status), e->message);
		g_error_free(e);
		goto out;
	}
	l = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE |
				      G_SUBPROCESS_FLAGS_STDERR_PIPE);
	/* The launcher closes our copy of the write end when it goes, so
	 * the pipe ends when the client and its children are done. */
	g_subprocess_launcher_take_fd(l, fds[1], 3);
	proc = g_subprocess_launcher_spawnv(l, argv, &e);
	g_object_unref(l);
	if (!proc) {
		close(fds[0]);
		gtk_label_set_text(GTK_LABEL(ui->status), e->message);
		g_error_free(e);
		goto out;
	}
	gtk_widget_set_sensitive(ui->upgrade, FALSE);
	gtk_widget_set_sensitive(ui->refresh, FALSE);
	gtk_progress_bar_set_fraction(GTK_PROGRESS_BAR(ui->bar), 0);
	gtk_progress_bar_set_text(GTK_PROGRESS_BAR(ui->bar), "Starting...");
	ui->progress = g_io_channel_unix_new(fds[0]);
	g_io_channel_set_close_on_unref(ui->progress, TRUE);
	/* Never block the window: read only what is there. */
	g_io_channel_set_flags(ui->progress, G_IO_FLAG_NONBLOCK, NULL);
	ui->progress_watch = g_io_add_watch(ui->progress, G_IO_IN | G_IO_HUP,
					    on_progress, ui);
	g_subprocess_communicate_utf8_async(proc, NULL, NULL, on_client_done, ui);
out:
	g_free(up);
	g_free(cfg);
}

static void on_refresh(GtkButton *b, gpointer data)
{
	(void)b;
	refresh(data);
}

static gboolean start_upgrade(gpointer data)
{
	struct ui *ui = data;

	if (gtk_widget_get_sensitive(ui->upgrade))
		on_upgrade(NULL, ui);
	return G_SOURCE_REMOVE;
}

static void usage(FILE *f)
{
	fputs("Usage: uptrack-manager [--config=FILE] [--bindir=DIR] [--upgrade-now]\n"
	      "\n"
	      "A window listing installed and available Uptrack updates, with an\n"
	      "Upgrade button and a progress bar fed by uptrack-upgrade's progress.\n"
	      "It reads the client's --json output (docs/json.md).\n"
	      "\n"
	      "  --config=FILE   configuration passed to the uptrack commands\n"
	      "  --bindir=DIR    where uptrack-show and uptrack-upgrade are (default: PATH)\n"
	      "  --upgrade-now   press Upgrade once the window is up (for scripts, tests)\n"
	      "  -h, --help      this text\n"
	      "  --version       print the name and version\n", f);
}

int main(int argc, char **argv)
{
	struct ui ui = { 0 };
	GtkWidget *box, *buttons, *scroll;
	GtkCellRenderer *r;
	int i, now = 0;

	for (i = 1; i < argc; i++) {
		if (g_str_has_prefix(argv[i], "--config="))
			config = argv[i] + 9;
		else if (g_str_has_prefix(argv[i], "--bindir="))
			bindir = argv[i] + 9;
		else if (!strcmp(argv[i], "--upgrade-now"))
			now = 1;
		else if (!strcmp(argv[i], "--version")) {
			printf("uptrack-manager %s\n", KSPLICE_VERSION);
			return 0;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (!gtk_init_check(NULL, NULL)) {
		fprintf(stderr, "uptrack-manager: cannot open the display\n");
		return 1;
	}
	ui.window = gtk_window_new(GTK_WINDOW_TOPLEVEL);
	gtk_window_set_title(GTK_WINDOW(ui.window), "Uptrack Manager");
	gtk_window_set_default_size(GTK_WINDOW(ui.window), 760, 360);
	g_signal_connect(ui.window, "destroy", G_CALLBACK(gtk_main_quit), NULL);
	box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 6);
	gtk_container_set_border_width(GTK_CONTAINER(box), 8);
	gtk_container_add(GTK_CONTAINER(ui.window), box);

	ui.store = gtk_list_store_new(3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
	ui.list = gtk_tree_view_new_with_model(GTK_TREE_MODEL(ui.store));
	r = gtk_cell_renderer_text_new();
	gtk_tree_view_insert_column_with_attributes(GTK_TREE_VIEW(ui.list), -1,
						    "Status", r, "text", 0, NULL);
	gtk_tree_view_insert_column_with_attributes(GTK_TREE_VIEW(ui.list), -1,
						    "Update", r, "text", 1, NULL);
	gtk_tree_view_insert_column_with_attributes(GTK_TREE_VIEW(ui.list), -1,
						    "Title", r, "text", 2, NULL);
	scroll = gtk_scrolled_window_new(NULL, NULL);
	gtk_container_add(GTK_CONTAINER(scroll), ui.list);
	gtk_box_pack_start(GTK_BOX(box), scroll, TRUE, TRUE, 0);

	ui.bar = gtk_progress_bar_new();
	gtk_progress_bar_set_show_text(GTK_PROGRESS_BAR(ui.bar), TRUE);
	gtk_progress_bar_set_text(GTK_PROGRESS_BAR(ui.bar), "Idle");
	gtk_box_pack_start(GTK_BOX(box), ui.bar, FALSE, FALSE, 0);
	ui.status = gtk_label_new("");
	gtk_label_set_xalign(GTK_LABEL(ui.status), 0);
	gtk_label_set_line_wrap(GTK_LABEL(ui.status), TRUE);
	gtk_box_pack_start(GTK_BOX(box), ui.status, FALSE, FALSE, 0);

	buttons = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 6);
	ui.refresh = gtk_button_new_with_label("Refresh");
	ui.upgrade = gtk_button_new_with_label("Upgrade");
	g_signal_connect(ui.refresh, "clicked", G_CALLBACK(on_refresh), &ui);
	g_signal_connect(ui.upgrade, "clicked", G_CALLBACK(on_upgrade), &ui);
	gtk_box_pack_end(GTK_BOX(buttons), ui.upgrade, FALSE, FALSE, 0);
	gtk_box_pack_end(GTK_BOX(buttons), ui.refresh, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(box), buttons, FALSE, FALSE, 0);

	refresh(&ui);
	gtk_widget_show_all(ui.window);
	printf("uptrack-manager: window up, %d available\n", ui.nr_available);
	fflush(stdout);
	if (now)
		g_timeout_add(500, start_upgrade, &ui);
	gtk_main();
	return 0;
}

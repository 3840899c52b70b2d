// SPDX-License-Identifier: GPL-2.0
/*
 * uptrack-manager: a small GTK 3 front end for the uptrack client.  It
 * lists installed and available updates (from `uptrack-show --available`)
 * and runs `uptrack-upgrade -y -q --progress-fd=1`, feeding its progress
 * lines ("progress ID PERCENT STEP") into a progress bar.  All the work,
 * checks and state stay in the command-line client.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gtk/gtk.h>

static const char *config;	/* --config, passed on to the client */
static const char *bindir;	/* where the uptrack commands are */

struct ui {
	GtkWidget *window, *list, *bar, *status, *upgrade, *refresh;
	GtkListStore *store;
	int nr_available, done_updates;
	char current[64];
	GString *err;
};

static char *tool(const char *name)
{
	return bindir ? g_build_filename(bindir, name, NULL) : g_strdup(name);
}

/* Fill the list from uptrack-show --available. */
static void refresh(struct ui *ui)
{
	char *show = tool("uptrack-show"), *out = NULL, *err = NULL;
	char *cfg = config ? g_strdup_printf("--config=%s", config) : NULL;
	char *argv[] = { show, "--available", cfg, NULL };
	char **lines, *section = "";
	int status = 0, i;

	gtk_list_store_clear(ui->store);
	ui->nr_available = 0;
	if (!g_spawn_sync(NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
			  &err, &status, NULL)) {
		gtk_label_set_text(GTK_LABEL(ui->status), "cannot run uptrack-show");
		goto out;
	}
	lines = g_strsplit(out, "\n", -1);
	for (i = 0; lines[i]; i++) {
		char *l = lines[i], *close;
		GtkTreeIter it;

		if (!strcmp(l, "Installed updates:"))
			section = "Installed";
		else if (!strcmp(l, "Available updates:"))
			section = "Available";
		else if (g_str_has_prefix(l, "Effective kernel version"))
			gtk_label_set_text(GTK_LABEL(ui->status), l);
		else if (l[0] == '[' && (close = strchr(l, ']'))) {
			*close = 0;
			gtk_list_store_append(ui->store, &it);
			gtk_list_store_set(ui->store, &it, 0, section, 1, l + 1,
					   2, close[1] ? close + 2 : "", -1);
			if (!strcmp(section, "Available"))
				ui->nr_available++;
		}
	}
	g_strfreev(lines);
	if (!g_spawn_check_wait_status(status, NULL)) {
		char *first = g_strdup(err && *err ? err : "uptrack-show failed");

		g_strchomp(first);
		gtk_label_set_text(GTK_LABEL(ui->status), first);
		g_free(first);
	}
	gtk_widget_set_sensitive(ui->upgrade, ui->nr_available > 0);
out:
	g_free(out);
	g_free(err);
	g_free(show);
	g_free(cfg);
}

/* One "progress ID PERCENT STEP" line from the client. */
static gboolean on_progress(GIOChannel *ch, GIOCondition cond, gpointer data)
{
	struct ui *ui = data;
	char *line = NULL, id[64], step[64], text[200];
	int pct;

	(void)cond;
	if (g_io_channel_read_line(ch, &line, NULL, NULL, NULL) !=
	    G_IO_STATUS_NORMAL)
		return FALSE;
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
	g_free(line);
	return TRUE;
}

static gboolean on_stderr(GIOChannel *ch, GIOCondition cond, gpointer data)
{
	struct ui *ui = data;
	char *line = NULL;

	(void)cond;
	if (g_io_channel_read_line(ch, &line, NULL, NULL, NULL) !=
	    G_IO_STATUS_NORMAL)
		return FALSE;
	g_string_append(ui->err, line);
	g_free(line);
	return TRUE;
}

static void on_client_exit(GPid pid, gint status, gpointer data)
{
	struct ui *ui = data;
	GError *e = NULL;
	char *msg;

	g_spawn_close_pid(pid);
	refresh(ui);
	if (g_spawn_check_wait_status(status, &e)) {
		gtk_progress_bar_set_fraction(GTK_PROGRESS_BAR(ui->bar), 1.0);
		gtk_progress_bar_set_text(GTK_PROGRESS_BAR(ui->bar),
					  "Your kernel is fully up to date.");
		printf("uptrack-manager: upgrade finished\n");
	} else {
		msg = g_strdup_printf("Upgrade failed: %s", ui->err->str);
		g_strchomp(msg);
		gtk_progress_bar_set_text(GTK_PROGRESS_BAR(ui->bar), "Upgrade failed");
		gtk_label_set_text(GTK_LABEL(ui->status), msg);
		printf("uptrack-manager: %s\n", msg);
		g_free(msg);
		g_error_free(e);
	}
	fflush(stdout);
	gtk_widget_set_sensitive(ui->refresh, TRUE);
}

static void on_upgrade(GtkButton *b, gpointer data)
{
	struct ui *ui = data;
	char *up = tool("uptrack-upgrade");
	char *cfg = config ? g_strdup_printf("--config=%s", config) : NULL;
	char *argv[] = { up, "-y", "-q", "--progress-fd=1", cfg, NULL };
	int out_fd, err_fd;
	GPid pid;
	GIOChannel *ch;

	(void)b;
	g_string_truncate(ui->err, 0);
	ui->done_updates = 0;
	ui->current[0] = 0;
	if (!g_spawn_async_with_pipes(NULL, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
				      NULL, NULL, &pid, NULL, &out_fd, &err_fd,
				      NULL)) {
		gtk_label_set_text(GTK_LABEL(ui->status), "cannot run uptrack-upgrade");
		goto out;
	}
	gtk_widget_set_sensitive(ui->upgrade, FALSE);
	gtk_widget_set_sensitive(ui->refresh, FALSE);
	gtk_progress_bar_set_fraction(GTK_PROGRESS_BAR(ui->bar), 0);
	gtk_progress_bar_set_text(GTK_PROGRESS_BAR(ui->bar), "Starting...");
	ch = g_io_channel_unix_new(out_fd);
	g_io_channel_set_close_on_unref(ch, TRUE);
	g_io_add_watch(ch, G_IO_IN | G_IO_HUP, on_progress, ui);
	g_io_channel_unref(ch);
	ch = g_io_channel_unix_new(err_fd);
	g_io_channel_set_close_on_unref(ch, TRUE);
	g_io_add_watch(ch, G_IO_IN | G_IO_HUP, on_stderr, ui);
	g_io_channel_unref(ch);
	g_child_watch_add(pid, on_client_exit, ui);
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
	      "\n"
	      "  --config=FILE   configuration passed to the uptrack commands\n"
	      "  --bindir=DIR    where uptrack-show and uptrack-upgrade are (default: PATH)\n"
	      "  --upgrade-now   press Upgrade once the window is up (for scripts, tests)\n"
	      "  -h, --help      this text\n", f);
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
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
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
	ui.err = g_string_new("");
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
	g_string_free(ui.err, TRUE);
	return 0;
}

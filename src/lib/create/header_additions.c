// SPDX-License-Identifier: GPL-2.0
/*
 * Whether a change to a header only adds declarations of new names
 * (header_additions.h).
 *
 * Both texts are cut into tokens (comments dropped, a preprocessor
 * directive one token) and the new one into file-scope items: a
 * declaration up to its ';', a function definition up to its body's '}',
 * a directive.  The lines the change inserts come from aligning the old
 * lines with the new ones; the items wholly on inserted lines are the
 * insertion.  It counts as additions only if the new tokens without the
 * inserted items are exactly the old tokens (nothing removed, nothing
 * re-read differently: an inserted comment opener that hides old code, an
 * #else that moves old code to another branch would both fail this), and
 * every inserted item is a kind whose only effect is a new name.
 */
#include "create/header_additions.h"
#include "util/fs.h"
#include "util/array.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum tok_kind { T_IDENT, T_PUNCT, T_OTHER, T_DIRECTIVE };

struct tok {
	enum tok_kind kind;
	int line, end_line;
	char *text;	/* the token; a directive's whole text */
	char *name;	/* a directive's name: define, if, include... */
	char *arg;	/* #define's macro name */
};

struct toks {
	struct tok *v;
	size_t n;
};

static void push(struct toks *t, enum tok_kind k, int line, int end_line,
		 const char *s, size_t len)
{
	struct tok *x;

	x = KS_PUSH_ZERO(t->v, t->n);
	x->kind = k;
	x->line = line;
	x->end_line = end_line;
	x->text = ks_strfmt("%.*s", (int)len, s);
}

static int is_ident_start(int c)
{
	return isalpha(c) || c == '_';
}

static int is_ident(int c)
{
	return isalnum(c) || c == '_';
}

static char *ident_at(const char *s)
{
	size_t n = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	while (is_ident(s[n]))
		n++;
	return ks_strfmt("%.*s", (int)n, s);
}

/* A directive up to its unescaped newline (continuations included). */
static size_t lex_directive(struct toks *t, const char *s, int *line)
{
	int first = *line;
	size_t i = 0;
	struct tok *x;

	while (s[i] && s[i] != '\n') {
		if (s[i] == '\\' && s[i + 1] == '\n') {
			(*line)++;
			i += 2;
			continue;
		}
		if (s[i] == '/' && s[i + 1] == '*') {
			i += 2;
			while (s[i] && !(s[i] == '*' && s[i + 1] == '/'))
				*line += s[i++] == '\n';
			if (s[i])
				i += 2;
			continue;
		}
		i++;
	}
	push(t, T_DIRECTIVE, first, *line, s, i);
	x = &t->v[t->n - 1];
	x->name = ident_at(s + 1);
	if (!strcmp(x->name, "define"))
		x->arg = ident_at(strstr(s, "define") + 6);
	return i;
}

static void lex(const char *s, struct toks *t)
{
	int line = 1, bol = 1;
	size_t i = 0, j;

	while (s[i]) {
		char c = s[i];

		if (c == '\n') {
			line++;
			bol = 1;
			i++;
		} else if (isspace((unsigned char)c)) {
			i++;
		} else if (c == '/' && s[i + 1] == '*') {
			for (i += 2; s[i] && !(s[i] == '*' && s[i + 1] == '/'); i++)
				line += s[i] == '\n';
			i += s[i] ? 2 : 0;
		} else if (c == '/' && s[i + 1] == '/') {
			while (s[i] && s[i] != '\n')
				i++;
		} else if (c == '#' && bol) {
			i += lex_directive(t, s + i, &line);
		} else if (c == '"' || c == '\'') {
			int first = line;

			for (j = i + 1; s[j] && s[j] != c && s[j] != '\n'; j++)
				if (s[j] == '\\' && s[j + 1])
					line += s[++j] == '\n';
			push(t, T_OTHER, first, line, s + i, j + 1 - i);
			i = s[j] ? j + 1 : j;
			bol = 0;
		} else if (is_ident_start((unsigned char)c) ||
			   isdigit((unsigned char)c)) {
			for (j = i; is_ident((unsigned char)s[j]) || s[j] == '.'; j++)
				;
			push(t, isdigit((unsigned char)c) ? T_OTHER : T_IDENT,
			     line, line, s + i, j - i);
			i = j;
			bol = 0;
		} else {
			push(t, T_PUNCT, line, line, s + i, 1);
			i++;
			bol = 0;
		}
	}
}

static void free_toks(struct toks *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		free(t->v[i].text);
		free(t->v[i].name);
		free(t->v[i].arg);
	}
	free(t->v);
}

/* A file-scope item: tokens t0..t1 on lines first..last. */
struct item {
	size_t t0, t1;
	int first, last;
	int closed;	/* ended by its ';' or '}' (or is a directive) */
};

static int punct(const struct tok *x, char c)
{
	return x->kind == T_PUNCT && x->text[0] == c;
}

static size_t items_of(const struct toks *t, struct item **out)
{
	struct item *v = NULL;
	size_t n = 0, i, start = 0;
	int open = 0, brace = 0, paren = 0, body = 0;

	for (i = 0; i < t->n; i++) {
		const struct tok *x = &t->v[i];
		int close = 0;

		if (x->kind == T_DIRECTIVE && !open) {
			KS_PUSH(v, n, (struct item){ i, i, x->line, x->end_line, 1 });
			continue;
		}
		if (x->kind == T_DIRECTIVE)
			continue;	/* inside a declaration: part of it */
		if (!open) {
			open = 1;
			start = i;
			brace = paren = body = 0;
		}
		if (punct(x, '('))
			paren++;
		else if (punct(x, ')'))
			paren--;
		else if (punct(x, '{')) {
			/* a function's body follows its parameter list */
			if (!brace && !paren && i > start && punct(x - 1, ')'))
				body = 1;
			brace++;
		} else if (punct(x, '}')) {
			brace--;
			close = !brace && !paren && body;
		} else if (punct(x, ';')) {
			close = !brace && !paren;
		}
		if (close) {
			KS_PUSH(v, n, (struct item){ start, i, t->v[start].line,
						     x->end_line, 1 });
			open = 0;
		}
	}
	if (open) {
		KS_PUSH(v, n, (struct item){ start, t->n - 1, t->v[start].line,
					     t->v[t->n - 1].end_line, 0 });
	}
	*out = v;
	return n;
}

/* Lines of s (pointers into the copy *buf, which the caller frees). */
static char **lines_of(const char *s, size_t *n, char **buf)
{
	char **v = NULL, *p;

	*n = 0;
	*buf = ks_xstrdup(s);
	for (p = *buf; p && *p;) {
		char *nl = strchr(p, '\n');

		KS_PUSH(v, *n, p);
		if (nl)
			*nl = 0;
		p = nl ? nl + 1 : NULL;
	}
	return v;
}

/*
 * added[k] for new line k+1: not one of the old lines.  The common
 * beginning and end are old (one inserted block is then exact even when
 * it ends like the line after it, an "#endif" before an "#endif"); in
 * between, the old lines are matched in order, leftmost first, which
 * finds them if they are all there.  -1 when they are not: something
 * was removed or changed.
 */
static int inserted_lines(const char *pre, const char *post, char **added,
			  size_t *npost)
{
	char *pb, *qb;
	size_t np, nq, i = 0, j, head = 0, tail = 0;
	char **p = lines_of(pre, &np, &pb), **q = lines_of(post, &nq, &qb);

	while (head < np && head < nq && !strcmp(p[head], q[head]))
		head++;
	while (tail < np - head && tail < nq - head &&
	       !strcmp(p[np - 1 - tail], q[nq - 1 - tail]))
		tail++;
	*added = ks_xrealloc(NULL, nq + 1);
	memset(*added, 0, nq + 1);
	for (i = j = head; j < nq - tail; j++) {
		int same = i < np - tail && !strcmp(p[i], q[j]);

		(*added)[j] = !same;
		i += same;
	}
	i += tail;
	*npost = nq;
	free(p);
	free(q);
	free(pb);
	free(qb);
	return i == np ? 0 : -1;
}

/* Macros that take arguments but declare nothing (attributes). */
static int is_attribute(const char *s)
{
	static const char *const attrs[] = {
		"__attribute__", "__attribute", "__printf", "__scanf",
		"__alloc_size", "__diagnose_as", "__must_hold", "__acquires",
		"__releases", "__cond_acquires", "__section", "__aligned",
		"__realloc_size", "__assume_aligned", "__counted_by",
	};
	size_t i;

	for (i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++)
		if (!strcmp(s, attrs[i]))
			return 1;
	return 0;
}

/*
 * The name an inserted declaration adds, or NULL with why: a function's
 * name is the first identifier before a '(' at file scope that is not an
 * attribute (a macro that expands to a declaration, DECLARE_PER_CPU(),
 * is taken for the name and then found in the old tree); an extern
 * variable's, the identifier before its ';'; a forward "struct x;"
 * declares nothing ("" is returned).
 */
static char *declared_name(const struct toks *t, const struct item *it,
			   char *why, size_t whylen)
{
	const struct tok *v = t->v + it->t0;
	size_t n = it->t1 - it->t0 + 1, i;
	int paren = 0, brace = 0;

	if (n == 3 && v[0].kind == T_IDENT && v[1].kind == T_IDENT &&
	    punct(&v[2], ';') && (!strcmp(v[0].text, "struct") ||
				  !strcmp(v[0].text, "union") ||
				  !strcmp(v[0].text, "enum")))
		return ks_xstrdup("");
	if (v[0].kind == T_IDENT && !strcmp(v[0].text, "typedef")) {
		snprintf(why, whylen, "a new type (typedef)");
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if (punct(&v[i], '{')) {
			brace++;
		} else if (punct(&v[i], '}')) {
			brace--;
		} else if (punct(&v[i], '(')) {
			if (!paren && !brace && i && v[i - 1].kind == T_IDENT &&
			    !is_attribute(v[i - 1].text))
				return ks_xstrdup(v[i - 1].text);
			paren++;
		} else if (punct(&v[i], ')')) {
			paren--;
		} else if (punct(&v[i], '=') && !paren && !brace) {
			break;
		}
	}
	if (i == n && !strcmp(v[0].text, "extern") && n >= 3 &&
	    v[n - 2].kind == T_IDENT && punct(&v[n - 1], ';'))
		return ks_xstrdup(v[n - 2].text);
	snprintf(why, whylen, "a definition of a struct, enum, variable or type, not only a new name");
	return NULL;
}

static void add_name(char ***names, size_t *n, const char *s)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (!strcmp((*names)[i], s))
			return;
	KS_PUSH(*names, *n, ks_xstrdup(s));
}

/*
 * One inserted item: its names added, the #if nesting of its run of
 * inserted items kept in *depth.  0, or -1 with why.
 */
static int inserted_item(const struct toks *t, const struct item *it,
			 int *depth, char ***names, size_t *n, char *why,
			 size_t whylen)
{
	const struct tok *x = &t->v[it->t0];
	char *name;

	if (x->kind != T_DIRECTIVE) {
		name = declared_name(t, it, why, whylen);
		if (!name)
			return -1;
		if (*name)
			add_name(names, n, name);
		free(name);
		return 0;
	}
	if (!strcmp(x->name, "define")) {
		/* IS_ENABLED() builds these names by pasting tokens */
		if (!*x->arg || !strncmp(x->arg, "CONFIG_", 7) ||
		    !strncmp(x->arg, "__ARG_PLACEHOLDER_", 18)) {
			snprintf(why, whylen, "#define of a configuration name");
			return -1;
		}
		add_name(names, n, x->arg);
		return 0;
	}
	if (!strcmp(x->name, "if") || !strcmp(x->name, "ifdef") ||
	    !strcmp(x->name, "ifndef")) {
		(*depth)++;
		return 0;
	}
	if ((!strcmp(x->name, "else") || !strcmp(x->name, "elif") ||
	     !strcmp(x->name, "endif")) && *depth > 0) {
		*depth -= !strcmp(x->name, "endif");
		return 0;
	}
	snprintf(why, whylen, "#%s%s", x->name,
		 !strcmp(x->name, "else") || !strcmp(x->name, "elif") ||
		 !strcmp(x->name, "endif") ?
		 " of an existing #if (it changes what old code is compiled)" :
		 " (it may change the meaning of old code)");
	return -1;
}

static int same_tok(const struct tok *a, const struct tok *b)
{
	return a->kind == b->kind && !strcmp(a->text, b->text);
}

int ks_header_additions(const char *pre, const char *post, char ***names,
			size_t *n, char *why, size_t whylen)
{
	struct toks tp = { 0 }, tq = { 0 };
	struct item *items = NULL;
	char *added = NULL, *keep = NULL;
	size_t nitems = 0, nlines, i, k = 0;
	int ok = 0, depth = 0, in_run = 0, run_line = 0;

	*names = NULL;
	*n = 0;
	if (inserted_lines(pre, post, &added, &nlines)) {
		snprintf(why, whylen, "the change removes or alters old lines, it does not only insert");
		goto out;
	}
	lex(pre, &tp);
	lex(post, &tq);
	nitems = items_of(&tq, &items);
	keep = ks_xrealloc(NULL, tq.n + 1);
	memset(keep, 1, tq.n + 1);
	for (i = 0; i < nitems; i++) {
		const struct item *it = &items[i];
		int l, ins = 0, old = 0, first_ins = 0;

		for (l = it->first; l <= it->last && l <= (int)nlines; l++) {
			if (added[l - 1] && !ins++)
				first_ins = l;
			old += !added[l - 1];
		}
		if (ins && old) {
			snprintf(why, whylen, "line %d of the new header: the change is inside an existing declaration (of line %d)",
				 first_ins, it->first);
			goto out;
		}
		if (!ins) {
			if (in_run && depth) {
				snprintf(why, whylen, "line %d of the new header: an inserted #if is not closed by the inserted lines",
					 run_line);
				goto out;
			}
			in_run = depth = 0;
			continue;
		}
		if (!in_run)
			run_line = it->first;
		in_run = 1;
		if (!it->closed) {
			snprintf(why, whylen, "line %d of the new header: an inserted declaration does not end",
				 it->first);
			goto out;
		}
		if (inserted_item(&tq, it, &depth, names, n, why, whylen)) {
			char *w = ks_strfmt("line %d of the new header: %s",
					    it->first, why);

			snprintf(why, whylen, "%s", w);
			free(w);
			goto out;
		}
		memset(keep + it->t0, 0, it->t1 - it->t0 + 1);
	}
	if (in_run && depth) {
		snprintf(why, whylen, "line %d of the new header: an inserted #if is not closed by the inserted lines",
			 run_line);
		goto out;
	}
	/* what is left of the new header must be the old one, token by token */
	for (i = 0; i < tq.n; i++) {
		if (!keep[i])
			continue;
		if (k >= tp.n || !same_tok(&tp.v[k], &tq.v[i]))
			break;
		k++;
	}
	if (i < tq.n || k < tp.n) {
		snprintf(why, whylen, "line %d of the old header: old code reads differently around the inserted lines",
			 k < tp.n ? tp.v[k].line : tp.v[tp.n - 1].end_line);
		goto out;
	}
	ok = 1;
out:
	if (!ok) {
		for (i = 0; i < *n; i++)
			free((*names)[i]);
		free(*names);
		*names = NULL;
		*n = 0;
	}
	free(items);
	free(added);
	free(keep);
	free_toks(&tp);
	free_toks(&tq);
	return ok;
}

int ks_names_in_tree(const char *tree, char *const names[], size_t n,
		     const char *log, char **name, char **file)
{
	char **argv = ks_grow(NULL, 2 * n, 8, sizeof(char *));
	char *out, *colon, *nl;
	size_t a = 0, i;
	pid_t pid;
	int st;

	*name = *file = NULL;
	if (!n) {
		free(argv);
		return 0;
	}
	/* "path:name" of the first match in each file: one is enough */
	argv[a++] = "grep";
	argv[a++] = "-rowF";
	argv[a++] = "-m1";
	argv[a++] = "--include=*.[chS]";
	for (i = 0; i < n; i++) {
		argv[a++] = "-e";
		argv[a++] = names[i];
	}
	argv[a++] = ".";
	argv[a] = NULL;
	pid = fork();
	if (pid == 0) {
		FILE *f = freopen(log, "w", stdout);

		if (!f || chdir(tree))
			_exit(2);
		execvp(argv[0], argv);
		_exit(2);
	}
	free(argv);
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) ||
	    WEXITSTATUS(st) > 1)
		return -1;
	if (WEXITSTATUS(st) == 1)
		return 0;
	out = ks_read_file(log, NULL);
	nl = out ? strchr(out, '\n') : NULL;
	if (nl)
		*nl = 0;
	colon = out ? strrchr(out, ':') : NULL;
	if (!colon) {
		free(out);
		return -1;
	}
	*colon = 0;
	*name = ks_xstrdup(colon + 1);
	*file = ks_xstrdup(out + (strncmp(out, "./", 2) ? 0 : 2));
	free(out);
	return 1;
}

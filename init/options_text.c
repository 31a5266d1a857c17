/* What the option table says to people: --help, the hidden --dump-options
 * that the docs are generated from, and the warning for a misspelt KEEL_*
 * variable, so none of this text is kept by hand apart from the table. */
#include <string.h>

#include "common/printable.h"
#include "init/log.h"
#include "init/options_table.h"

/* The word --help and the man page put after a flag that takes a value. */
static const char *options_arg_name(const struct keel_opt_row *row)
{
	switch (row->type) {
	case KEEL_OPT_action:
	case KEEL_OPT_count:
	case KEEL_OPT_bool:
		return "";
	case KEEL_OPT_signal:
		return "SIG";
	case KEEL_OPT_exit_list:
		return "CODE";
	case KEEL_OPT_rewrite_list:
		return "FROM:TO";
	case KEEL_OPT_duration:
		return "TIME";
	case KEEL_OPT_duration_ms:
		return "MS";
	case KEEL_OPT_size_or_percent:
		return "LIMIT";
	case KEEL_OPT_path:
		return "DIR";
	case KEEL_OPT_string_list:
		return "NAMES";
	default:
		return "VALUE";
	}
}

static void options_flag_text(const struct keel_opt_row *row, char *buf,
			      size_t len)
{
	const char *arg = options_arg_name(row);

	if (row->shrt)
		snprintf(buf, len, "-%c, --%s%s%s", row->shrt, row->lng,
			 *arg ? " " : "", arg);
	else
		snprintf(buf, len, "    --%s%s%s", row->lng, *arg ? " " : "",
			 arg);
}

void options_help(FILE *out)
{
	char flag[64];

	fputs("usage: keel [OPTIONS] [--] PROGRAM [ARGS...]\n"
	      "PID 1 for containers: reaps, forwards signals, injects an allocator.\n\n",
	      out);
	for (size_t i = 0; i < options_count; i++) {
		const struct keel_opt_row *row = &options_rows[i];

		options_flag_text(row, flag, sizeof(flag));
		fprintf(out, "  %-26s %s\n", flag, row->help);
		if (row->env || row->tini)
			fprintf(out, "  %-26s   %s%s%s%s%s%s\n", "",
				row->env ? row->env : "",
				row->env && row->tini ? ", " : "",
				row->tini ? row->tini : "",
				*row->def ? " (default " : "", row->def,
				*row->def ? ")" : "");
	}
	fputs("\nFlags win over variables; an empty variable counts as unset.\n",
	      out);
	/* the subcommand has its own arguments: one line points to them */
	fputs("\nkeel stats [--json | --format FORMAT] [--classes] [--watch [SECONDS]]\n"
	      "  where the container's memory is, per process (keel stats --help)\n",
	      out);
}

void options_dump(FILE *out)
{
	for (size_t i = 0; i < options_count; i++) {
		const struct keel_opt_row *row = &options_rows[i];

		const char *arg = options_arg_name(row);

		fprintf(out, "%s\t%c\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", row->lng,
			row->shrt ? row->shrt : '-', row->env ? row->env : "-",
			row->tini ? row->tini : "-", row->type_name,
			*row->def ? row->def : "-",
			*row->range ? row->range : "-", row->help,
			*arg ? arg : "-");
	}
}

/* Edit distance between two short names, for "did you mean". */
static size_t options_distance(const char *a, size_t la, const char *b)
{
	size_t lb = strlen(b), row[64], prev, tmp;

	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t best = prev + (a[i - 1] != b[j - 1]);

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			tmp = row[j];
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb];
}

void options_warn_unknown(char **envp)
{
	for (char **e = envp; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		const char *best = NULL;
		char q[KEEL_PRINTABLE_MAX];
		size_t n, best_d = (size_t)-1;
		bool known = false;

		if (strncmp(*e, "KEEL_", 5) || !eq)
			continue;
		n = (size_t)(eq - *e);
		for (size_t i = 0; i < options_count && !known; i++) {
			const char *env = options_rows[i].env;
			size_t d;

			if (!env)
				continue;
			if (strlen(env) == n && !strncmp(env, *e, n)) {
				known = true;
				break;
			}
			d = options_distance(*e, n, env);
			if (d < best_d) {
				best_d = d;
				best = env;
			}
		}
		/* a suggestion only for a near miss: a typo, not a new name */
		if (known)
			continue;
		printable_n(q, sizeof(q), *e, n);
		if (best && best_d <= 2 + n / 8)
			warning("%s: unknown variable, ignored (did you mean %s?)",
				q, best);
		else
			warning("%s: unknown variable, ignored (keel --help lists them)",
				q);
	}
}

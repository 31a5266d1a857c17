/* tree: build a large binary search tree of small nodes with string
 * payloads, walk it, tear it down, repeat. Many small long-lived objects
 * allocated in one order and freed in another, like a compiler's AST or a
 * document model. */
#include "bench.h"

struct tree_node {
	struct tree_node *left, *right;
	uint64_t key;
	char *name;
};

static struct tree_node *tree_insert(struct tree_node *root,
				     struct tree_node *n)
{
	struct tree_node **at = &root;

	while (*at)
		at = n->key < (*at)->key ? &(*at)->left : &(*at)->right;
	*at = n;
	return root;
}

static uint64_t tree_walk(const struct tree_node *n)
{
	uint64_t sum = 0;

	while (n) {
		sum += n->key ^ (unsigned char)n->name[0];
		sum += tree_walk(n->left);
		n = n->right;
	}
	return sum;
}

/* post-order teardown without recursion depth limits: rotate left links */
static void tree_free(struct tree_node *n)
{
	while (n) {
		if (n->left) {
			struct tree_node *l = n->left;

			n->left = l->right;
			l->right = n;
			n = l;
		} else {
			struct tree_node *r = n->right;

			free(n->name);
			free(n);
			n = r;
		}
	}
}

int main(int argc, char **argv)
{
	double scale = bench_scale(argc, argv);
	int rounds = (int)(5 * scale) < 1 ? 1 : (int)(5 * scale);
	long nodes = 200000;
	uint64_t s = bench_seed(600), sum = 0;

	for (int round = 0; round < rounds; round++) {
		struct tree_node *root = NULL;

		for (long i = 0; i < nodes; i++) {
			struct tree_node *n = bench_xmalloc(sizeof(*n));
			size_t len = 4 + bench_rand(&s) % 40;

			n->left = n->right = NULL;
			n->key = bench_rand(&s);
			n->name = bench_xmalloc(len);
			memset(n->name, 'a' + (int)(n->key % 26), len - 1);
			n->name[len - 1] = 0;
			root = tree_insert(root, n);
		}
		sum += tree_walk(root);
		tree_free(root);
	}
	bench_result(sum);
	return 0;
}

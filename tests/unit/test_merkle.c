/*
 * The ledger's Merkle tree (RFC 9162 §2.1): published vectors, then every
 * proof of every tree up to 130 leaves against the RFC's recursive
 * definitions written out naively here, the frontier, and the cost of a
 * proof in calls for stored subtrees.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>

#include "core/merkle.h"

#define HL MERKLE_HASH_LEN
typedef unsigned char hash_t[HL];

static void unhex(const char *hex, unsigned char *out, size_t n)
{
	size_t len = 0;

	assert_int_equal(strlen(hex), 2 * n);
	assert_int_equal(sodium_hex2bin(out, n, hex, 2 * n, NULL, &len, NULL), 0);
	assert_int_equal(len, n);
}

static void assert_hash(const unsigned char *h, const char *hex)
{
	char got[2 * HL + 1];

	sodium_bin2hex(got, sizeof(got), h, HL);
	assert_string_equal(got, hex);
}

/* ---- a tree in memory, and the RFC's definitions over it, naively ---------- */

#define MAXN 320

struct tree {
	hash_t leaf[MAXN];
	uint64_t size;		/* what get may be asked about */
	unsigned calls;
	unsigned fail_at;	/* the call that fails, 1-based; 0: none */
};

static struct tree T;

/* MTH(D[lo:hi]) by the RFC's recursion (§2.1.1), from the leaf hashes. */
static void mth(const struct tree *t, uint64_t lo, uint64_t hi, unsigned char out[HL])
{
	uint64_t n = hi - lo, k = 1;
	hash_t l, r;

	if (n == 0) {
		merkle_empty_root(out);
		return;
	}
	if (n == 1) {
		memcpy(out, t->leaf[lo], HL);
		return;
	}
	while (2 * k < n)
		k *= 2;
	mth(t, lo, lo + k, l);
	mth(t, lo + k, hi, r);
	merkle_node_hash(l, r, out);
}

/* PATH(m, D[lo:hi]) (§2.1.3.1); returns the number of hashes written. */
static size_t path(const struct tree *t, uint64_t m, uint64_t lo, uint64_t hi, hash_t *out)
{
	uint64_t n = hi - lo, k = 1;
	size_t c;

	if (n == 1)
		return 0;
	while (2 * k < n)
		k *= 2;
	if (m < k) {
		c = path(t, m, lo, lo + k, out);
		mth(t, lo + k, hi, out[c]);
	} else {
		c = path(t, m - k, lo + k, hi, out);
		mth(t, lo, lo + k, out[c]);
	}
	return c + 1;
}

/* SUBPROOF(m, D[lo:hi], b) (§2.1.4.1). */
static size_t subproof(const struct tree *t, uint64_t m, uint64_t lo, uint64_t hi, bool b, hash_t *out)
{
	uint64_t n = hi - lo, k = 1;
	size_t c;

	if (m == n) {
		if (b)
			return 0;
		mth(t, lo, hi, out[0]);
		return 1;
	}
	while (2 * k < n)
		k *= 2;
	if (m <= k) {
		c = subproof(t, m, lo, lo + k, b, out);
		mth(t, lo + k, hi, out[c]);
	} else {
		c = subproof(t, m - k, lo + k, hi, false, out);
		mth(t, lo, lo + k, out[c]);
	}
	return c + 1;
}

/* Serves complete subtrees, refusing any that is not inside the tree's size. */
static int get(void *ctx, unsigned level, uint64_t index, unsigned char out[HL])
{
	struct tree *t = ctx;
	uint64_t lo = index << level, hi = (index + 1) << level;

	assert_true(level < 64);
	assert_true(hi <= t->size);
	if (++t->calls == t->fail_at)
		return -1;
	mth(t, lo, hi, out);
	return 0;
}

static void tree_init(struct tree *t, const char *const *entries, size_t n)
{
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < MAXN; i++) {
		char e[32];

		if (entries && i < n) {
			unsigned char raw[64];
			size_t len = strlen(entries[i]) / 2;

			unhex(entries[i], raw, len);
			merkle_leaf_hash(raw, len, t->leaf[i]);
		} else {
			snprintf(e, sizeof(e), "entry %zu", i);
			merkle_leaf_hash(e, strlen(e), t->leaf[i]);
		}
	}
}

static void root_of(uint64_t size, unsigned char out[HL])
{
	T.size = size;
	assert_int_equal(merkle_root(size, get, &T, out), 0);
}

/* ---- published vectors ------------------------------------------------------ */

/*
 * From github.com/transparency-dev/merkle, testonly/constants.go (the leaves
 * and hashes RFC 6962's reference tests have used since Certificate
 * Transparency's C++ implementation): LeafInputs, NodeHashes (level, index),
 * RootHashes (sizes 0..8) and CompactTrees.
 */
static const char *const leaf_inputs[8] = {
	"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
	"606162636465666768696a6b6c6d6e6f",
};

static const char *const node_hashes[4][8] = {
	{ "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	  "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
	  "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
	  "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
	  "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
	  "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
	  "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
	  "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1" },
	{ "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	  "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	  "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
	  "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0" },
	{ "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	  "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" },
	{ "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328" },
};

static const char *const root_hashes[9] = {
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
	"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
	"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
	"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
	"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

/* CompactTrees: the frontier of each size 0..8, as (level, index) into node_hashes. */
static const int compact[9][3][2] = {
	{ { -1 } }, { { 0, 0 }, { -1 } }, { { 1, 0 }, { -1 } }, { { 1, 0 }, { 0, 2 }, { -1 } },
	{ { 2, 0 }, { -1 } }, { { 2, 0 }, { 0, 4 }, { -1 } }, { { 2, 0 }, { 1, 2 }, { -1 } },
	{ { 2, 0 }, { 1, 2 }, { 0, 6 } }, { { 3, 0 }, { -1 } },
};

static void rfc6962_hasher_vectors(void **state)
{
	hash_t h;

	(void)state;
	/* transparency-dev/merkle, rfc6962/rfc6962_test.go, TestRFC6962Hasher */
	merkle_empty_root(h);
	assert_hash(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	merkle_leaf_hash("", 0, h);
	assert_hash(h, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
	merkle_leaf_hash(NULL, 0, h);
	assert_hash(h, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
	merkle_leaf_hash("L123456", 7, h);
	assert_hash(h, "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56");
}

static void reference_tree_vectors(void **state)
{
	struct merkle_frontier f;
	hash_t h, level[8];

	(void)state;
	tree_init(&T, leaf_inputs, 8);
	for (unsigned i = 0; i < 8; i++) {
		assert_hash(T.leaf[i], node_hashes[0][i]);
		memcpy(level[i], T.leaf[i], HL);
	}
	for (unsigned l = 1; l <= 3; l++)
		for (unsigned i = 0; i < 8u >> l; i++) {
			merkle_fold((const hash_t *)level + (i << l), (size_t)1 << l, h);
			assert_hash(h, node_hashes[l][i]);
		}
	merkle_frontier_init(&f);
	for (uint64_t size = 0; size <= 8; size++) {
		unsigned k = 0;

		root_of(size, h);
		assert_hash(h, root_hashes[size]);
		merkle_frontier_root(&f, h);
		assert_hash(h, root_hashes[size]);
		for (; k < 3 && compact[size][k][0] >= 0; k++)
			assert_hash(f.hash[k], node_hashes[compact[size][k][0]][compact[size][k][1]]);
		assert_int_equal(f.n, k);
		if (size < 8)
			merkle_frontier_append(&f, T.leaf[size], NULL, NULL);
	}
}

/*
 * transparency-dev/merkle, proof/verify_test.go at 022f84cb1f26 (the
 * inclusionProofs and consistencyProofs tables; its leaf numbers are
 * 1-based, here they are indexes), the same proofs as the happy paths of
 * testdata/inclusion/ and testdata/consistency/ today.
 */
static const struct {
	uint64_t a, b;
	const char *proof[3];
} inclusion_vectors[] = {
	{ 0, 1, { NULL } },
	{ 0, 8, { "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
		  "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		  "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" } },
	{ 5, 8, { "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
		  "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
		  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" } },
	{ 2, 3, { "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125" } },
	{ 1, 5, { "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
		  "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		  "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b" } },
}, consistency_vectors[] = {
	{ 1, 1, { NULL } },
	{ 1, 8, { "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
		  "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		  "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" } },
	{ 6, 8, { "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
		  "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
		  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" } },
	{ 2, 5, { "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		  "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b" } },
	{ 6, 7, { "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
		  "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
		  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" } },
};

static size_t vector_len(const char *const proof[3])
{
	size_t n = 0;

	while (n < 3 && proof[n])
		n++;
	return n;
}

static void published_proofs(void **state)
{
	hash_t proof[MERKLE_MAX_PROOF], r1, r2;
	size_t n;

	(void)state;
	tree_init(&T, leaf_inputs, 8);
	for (size_t v = 0; v < sizeof(inclusion_vectors) / sizeof(inclusion_vectors[0]); v++) {
		uint64_t i = inclusion_vectors[v].a, size = inclusion_vectors[v].b;

		root_of(size, r2);
		assert_int_equal(merkle_inclusion_proof(i, size, get, &T, proof, &n), 0);
		assert_int_equal(n, vector_len(inclusion_vectors[v].proof));
		for (size_t k = 0; k < n; k++)
			assert_hash(proof[k], inclusion_vectors[v].proof[k]);
		assert_true(merkle_verify_inclusion(i, size, T.leaf[i], (const hash_t *)proof, n, r2));
	}
	for (size_t v = 0; v < sizeof(consistency_vectors) / sizeof(consistency_vectors[0]); v++) {
		uint64_t m = consistency_vectors[v].a, size = consistency_vectors[v].b;

		root_of(m, r1);
		root_of(size, r2);
		assert_int_equal(merkle_consistency_proof(m, size, get, &T, proof, &n), 0);
		assert_int_equal(n, vector_len(consistency_vectors[v].proof));
		for (size_t k = 0; k < n; k++)
			assert_hash(proof[k], consistency_vectors[v].proof[k]);
		assert_true(merkle_verify_consistency(m, size, r1, r2, (const hash_t *)proof, n));
	}
}

/*
 * Every probe of transparency-dev/merkle testdata/inclusion/ and
 * testdata/consistency/ (commit 417fb0c31475, read by proof/verify_test.go)
 * whose hashes are all 32 bytes: the happy paths and their corruptions.
 * The 53 others give hashes of other lengths (garbage, "WrongLeaf", empty
 * roots), which merkle.h's fixed-size arrays cannot even express.  Hashes
 * are numbered in probe_hash.
 */
static const char *const probe_hash[] = {
	"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",	/* 0 */
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",	/* 1 */
	"abacaba000000000000000000000000000000000000000000060061e00123456",	/* 2 */
	"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",	/* 3 */
	"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",	/* 4 */
	"6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",	/* 5 */
	"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",	/* 6 */
	"9ea296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",	/* 7 */
	"57083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",	/* 8 */
	"6347aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",	/* 9 */
	"4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",	/* 10 */
	"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",	/* 11 */
	"ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",	/* 12 */
	"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",	/* 13 */
	"b41a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",	/* 14 */
	"c2854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",	/* 15 */
	"db7ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",	/* 16 */
	"0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",	/* 17 */
	"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",	/* 18 */
	"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",	/* 19 */
	"f2c54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",	/* 20 */
	"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",	/* 21 */
	"66340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",	/* 22 */
	"0d3aed023148ffd2a259fbd0cdc7fb3cf975658760d3775b82af6f90aacc2dfc",	/* 23 */
	"86a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",	/* 24 */
	"4f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",	/* 25 */
	"7b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",	/* 26 */
	"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",	/* 27 */
	"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",	/* 28 */
	"1ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",	/* 29 */
	"da854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",	/* 30 */
	"c37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",	/* 31 */
	"ac1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",	/* 32 */
	"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",	/* 33 */
	"b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",	/* 34 */
	"a08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",	/* 35 */
};

static const struct probe {
	char kind;		/* i: inclusion (a index, b size, x leaf, y root); c: consistency (a, b sizes, x, y roots) */
	uint64_t a, b;
	int x, y, n, proof[4];
	bool ok;
	const char *name;
} probes[] = {
	{ 'i', 0, 1, 0, 1, 0, { 0 }, false, "inclusion/0/empty-root" },
	{ 'i', 0, 1, 0, 0, 0, { 0 }, true, "inclusion/0/happy-path" },
	{ 'i', 2, 1, 0, 0, 0, { 0 }, false, "inclusion/0/leafIdx-XOR-@2" },
	{ 'i', 1, 1, 0, 0, 0, { 0 }, false, "inclusion/0/leafIdx-plus-@1" },
	{ 'i', UINT64_MAX, 1, 0, 0, 0, { 0 }, false, "inclusion/0/leafIdx-sub-@1" },
	{ 'i', 0, 1, 0, 0, 1, { 0 }, false, "inclusion/0/preceding-root" },
	{ 'i', 0, 1, 0, 2, 0, { 0 }, false, "inclusion/0/random-root" },
	{ 'i', 0, 1, 0, 0, 1, { 0 }, false, "inclusion/0/trailing-root" },
	{ 'i', 0, 0, 0, 0, 0, { 0 }, false, "inclusion/0/treeSize-div-@2" },
	{ 'i', 0, 2, 0, 0, 0, { 0 }, false, "inclusion/0/treeSize-mul-@2" },
	{ 'i', 0, 8, 0, 1, 3, { 3, 4, 5 }, false, "inclusion/1/empty-root" },
	{ 'i', 0, 8, 0, 6, 3, { 3, 4, 5 }, true, "inclusion/1/happy-path" },
	{ 'i', 0, 8, 0, 6, 4, { 3, 2, 4, 5 }, false, "inclusion/1/inserted-component" },
	{ 'i', 2, 8, 0, 6, 3, { 3, 4, 5 }, false, "inclusion/1/leafIdx-XOR-@2" },
	{ 'i', 1, 8, 0, 6, 3, { 3, 4, 5 }, false, "inclusion/1/leafIdx-plus-@1" },
	{ 'i', UINT64_MAX, 8, 0, 6, 3, { 3, 4, 5 }, false, "inclusion/1/leafIdx-sub-@1" },
	{ 'i', 0, 8, 0, 6, 3, { 7, 4, 5 }, false, "inclusion/1/modified-proof[0]-bit-@3" },
	{ 'i', 0, 8, 0, 6, 3, { 3, 8, 5 }, false, "inclusion/1/modified-proof[1]-bit-@3" },
	{ 'i', 0, 8, 0, 6, 3, { 3, 4, 9 }, false, "inclusion/1/modified-proof[2]-bit-@3" },
	{ 'i', 0, 8, 0, 6, 4, { 6, 3, 4, 5 }, false, "inclusion/1/preceding-root" },
	{ 'i', 0, 8, 0, 2, 3, { 3, 4, 5 }, false, "inclusion/1/random-root" },
	{ 'i', 0, 8, 0, 6, 2, { 3, 4 }, false, "inclusion/1/removed-component" },
	{ 'i', 0, 8, 0, 6, 4, { 3, 4, 5, 6 }, false, "inclusion/1/trailing-root" },
	{ 'i', 0, 4, 0, 6, 3, { 3, 4, 5 }, false, "inclusion/1/treeSize-div-@2" },
	{ 'i', 0, 16, 0, 6, 3, { 3, 4, 5 }, false, "inclusion/1/treeSize-mul-@2" },
	{ 'i', 5, 8, 10, 1, 3, { 11, 12, 13 }, false, "inclusion/2/empty-root" },
	{ 'i', 5, 8, 10, 6, 3, { 11, 12, 13 }, true, "inclusion/2/happy-path" },
	{ 'i', 5, 8, 10, 6, 4, { 11, 2, 12, 13 }, false, "inclusion/2/inserted-component" },
	{ 'i', 7, 8, 10, 6, 3, { 11, 12, 13 }, false, "inclusion/2/leafIdx-XOR-@2" },
	{ 'i', 6, 8, 10, 6, 3, { 11, 12, 13 }, false, "inclusion/2/leafIdx-plus-@1" },
	{ 'i', 4, 8, 10, 6, 3, { 11, 12, 13 }, false, "inclusion/2/leafIdx-sub-@1" },
	{ 'i', 5, 8, 10, 6, 3, { 14, 12, 13 }, false, "inclusion/2/modified-proof[0]-bit-@3" },
	{ 'i', 5, 8, 10, 6, 3, { 11, 15, 13 }, false, "inclusion/2/modified-proof[1]-bit-@3" },
	{ 'i', 5, 8, 10, 6, 3, { 11, 12, 16 }, false, "inclusion/2/modified-proof[2]-bit-@3" },
	{ 'i', 5, 8, 10, 6, 4, { 6, 11, 12, 13 }, false, "inclusion/2/preceding-root" },
	{ 'i', 5, 8, 10, 2, 3, { 11, 12, 13 }, false, "inclusion/2/random-root" },
	{ 'i', 5, 8, 10, 6, 2, { 11, 12 }, false, "inclusion/2/removed-component" },
	{ 'i', 5, 8, 10, 6, 4, { 11, 12, 13, 6 }, false, "inclusion/2/trailing-root" },
	{ 'i', 5, 4, 10, 6, 3, { 11, 12, 13 }, false, "inclusion/2/treeSize-div-@2" },
	{ 'i', 5, 16, 10, 6, 3, { 11, 12, 13 }, false, "inclusion/2/treeSize-mul-@2" },
	{ 'i', 2, 3, 17, 1, 1, { 18 }, false, "inclusion/3/empty-root" },
	{ 'i', 2, 3, 17, 19, 1, { 18 }, true, "inclusion/3/happy-path" },
	{ 'i', 0, 3, 17, 19, 1, { 18 }, false, "inclusion/3/leafIdx-XOR-@2" },
	{ 'i', 3, 3, 17, 19, 1, { 18 }, false, "inclusion/3/leafIdx-plus-@1" },
	{ 'i', 1, 3, 17, 19, 1, { 18 }, false, "inclusion/3/leafIdx-sub-@1" },
	{ 'i', 2, 3, 17, 19, 1, { 20 }, false, "inclusion/3/modified-proof[0]-bit-@3" },
	{ 'i', 2, 3, 17, 19, 2, { 19, 18 }, false, "inclusion/3/preceding-root" },
	{ 'i', 2, 3, 17, 2, 1, { 18 }, false, "inclusion/3/random-root" },
	{ 'i', 2, 3, 17, 19, 0, { 0 }, false, "inclusion/3/removed-component" },
	{ 'i', 2, 3, 17, 19, 2, { 18, 19 }, false, "inclusion/3/trailing-root" },
	{ 'i', 2, 1, 17, 19, 1, { 18 }, false, "inclusion/3/treeSize-div-@2" },
	{ 'i', 2, 6, 17, 19, 1, { 18 }, false, "inclusion/3/treeSize-mul-@2" },
	{ 'i', 1, 5, 3, 1, 3, { 0, 4, 11 }, false, "inclusion/4/empty-root" },
	{ 'i', 1, 5, 3, 21, 3, { 0, 4, 11 }, true, "inclusion/4/happy-path" },
	{ 'i', 1, 5, 3, 21, 4, { 0, 2, 4, 11 }, false, "inclusion/4/inserted-component" },
	{ 'i', 3, 5, 3, 21, 3, { 0, 4, 11 }, false, "inclusion/4/leafIdx-XOR-@2" },
	{ 'i', 2, 5, 3, 21, 3, { 0, 4, 11 }, false, "inclusion/4/leafIdx-plus-@1" },
	{ 'i', 0, 5, 3, 21, 3, { 0, 4, 11 }, false, "inclusion/4/leafIdx-sub-@1" },
	{ 'i', 1, 5, 3, 21, 3, { 22, 4, 11 }, false, "inclusion/4/modified-proof[0]-bit-@3" },
	{ 'i', 1, 5, 3, 21, 3, { 0, 8, 11 }, false, "inclusion/4/modified-proof[1]-bit-@3" },
	{ 'i', 1, 5, 3, 21, 3, { 0, 4, 14 }, false, "inclusion/4/modified-proof[2]-bit-@3" },
	{ 'i', 1, 5, 3, 21, 4, { 21, 0, 4, 11 }, false, "inclusion/4/preceding-root" },
	{ 'i', 1, 5, 3, 2, 3, { 0, 4, 11 }, false, "inclusion/4/random-root" },
	{ 'i', 1, 5, 3, 21, 2, { 0, 4 }, false, "inclusion/4/removed-component" },
	{ 'i', 1, 5, 3, 21, 4, { 0, 4, 11, 21 }, false, "inclusion/4/trailing-root" },
	{ 'i', 1, 2, 3, 21, 3, { 0, 4, 11 }, false, "inclusion/4/treeSize-div-@2" },
	{ 'i', 1, 10, 3, 21, 3, { 0, 4, 11 }, false, "inclusion/4/treeSize-mul-@2" },
	{ 'i', 0, 0, 2, 1, 0, { 0 }, false, "inclusion/additional/0/empty-root-and-random-leaf" },
	{ 'i', 0, 1, 2, 1, 0, { 0 }, false, "inclusion/additional/1/empty-root-and-random-leaf" },
	{ 'i', 1, 0, 2, 1, 0, { 0 }, false, "inclusion/additional/2/empty-root-and-random-leaf" },
	{ 'i', 2, 1, 2, 1, 0, { 0 }, false, "inclusion/additional/3/empty-root-and-random-leaf" },
	{ 'i', 0, 1, 23, 23, 0, { 0 }, true, "inclusion/single-entry/matching-root-and-leaf" },
	{ 'c', 1, 1, 0, 0, 0, { 0 }, true, "consistency/0/happy-path" },
	{ 'c', 1, 8, 0, 6, 0, { 0 }, false, "consistency/1/empty-proof" },
	{ 'c', 1, 8, 0, 6, 3, { 3, 4, 5 }, true, "consistency/1/happy-path" },
	{ 'c', 1, 8, 0, 6, 3, { 24, 4, 5 }, false, "consistency/1/modified-proof@0-bit-@4" },
	{ 'c', 1, 8, 0, 6, 3, { 3, 25, 5 }, false, "consistency/1/modified-proof@1-bit-@4" },
	{ 'c', 1, 8, 0, 6, 3, { 3, 4, 26 }, false, "consistency/1/modified-proof@2-bit-@4" },
	{ 'c', 1, 8, 0, 6, 4, { 3, 3, 4, 5 }, false, "consistency/1/preceding-proof-@0" },
	{ 'c', 1, 8, 0, 6, 4, { 0, 3, 4, 5 }, false, "consistency/1/preceding-root1" },
	{ 'c', 1, 8, 0, 6, 4, { 6, 3, 4, 5 }, false, "consistency/1/preceding-root2" },
	{ 'c', 3, 8, 0, 6, 3, { 3, 4, 5 }, false, "consistency/1/size1-XOR-@2" },
	{ 'c', 2, 8, 0, 6, 3, { 3, 4, 5 }, false, "consistency/1/size1-plus-@1" },
	{ 'c', 0, 8, 0, 6, 3, { 3, 4, 5 }, false, "consistency/1/size1-sub-@1" },
	{ 'c', 1, 4, 0, 6, 3, { 3, 4, 5 }, false, "consistency/1/size2-div-@2" },
	{ 'c', 1, 16, 0, 6, 3, { 3, 4, 5 }, false, "consistency/1/size2-mul-@2" },
	{ 'c', 1, 8, 6, 0, 3, { 3, 4, 5 }, false, "consistency/1/swapped-roots" },
	{ 'c', 1, 8, 0, 6, 4, { 3, 4, 5, 0 }, false, "consistency/1/trailing-root1" },
	{ 'c', 1, 8, 0, 6, 4, { 3, 4, 5, 6 }, false, "consistency/1/trailing-root2" },
	{ 'c', 1, 8, 0, 6, 2, { 3, 4 }, false, "consistency/1/truncated-proof" },
	{ 'c', 6, 8, 27, 6, 0, { 0 }, false, "consistency/2/empty-proof" },
	{ 'c', 6, 8, 27, 6, 3, { 28, 12, 13 }, true, "consistency/2/happy-path" },
	{ 'c', 6, 8, 27, 6, 3, { 29, 12, 13 }, false, "consistency/2/modified-proof@0-bit-@4" },
	{ 'c', 6, 8, 27, 6, 3, { 28, 30, 13 }, false, "consistency/2/modified-proof@1-bit-@4" },
	{ 'c', 6, 8, 27, 6, 3, { 28, 12, 31 }, false, "consistency/2/modified-proof@2-bit-@4" },
	{ 'c', 6, 8, 27, 6, 4, { 28, 28, 12, 13 }, false, "consistency/2/preceding-proof-@0" },
	{ 'c', 6, 8, 27, 6, 4, { 27, 28, 12, 13 }, false, "consistency/2/preceding-root1" },
	{ 'c', 6, 8, 27, 6, 4, { 6, 28, 12, 13 }, false, "consistency/2/preceding-root2" },
	{ 'c', 4, 8, 27, 6, 3, { 28, 12, 13 }, false, "consistency/2/size1-XOR-@2" },
	{ 'c', 7, 8, 27, 6, 3, { 28, 12, 13 }, false, "consistency/2/size1-plus-@1" },
	{ 'c', 5, 8, 27, 6, 3, { 28, 12, 13 }, false, "consistency/2/size1-sub-@1" },
	{ 'c', 6, 4, 27, 6, 3, { 28, 12, 13 }, false, "consistency/2/size2-div-@2" },
	{ 'c', 6, 16, 27, 6, 3, { 28, 12, 13 }, false, "consistency/2/size2-mul-@2" },
	{ 'c', 6, 8, 6, 27, 3, { 28, 12, 13 }, false, "consistency/2/swapped-roots" },
	{ 'c', 6, 8, 27, 6, 4, { 28, 12, 13, 27 }, false, "consistency/2/trailing-root1" },
	{ 'c', 6, 8, 27, 6, 4, { 28, 12, 13, 6 }, false, "consistency/2/trailing-root2" },
	{ 'c', 6, 8, 27, 6, 2, { 28, 12 }, false, "consistency/2/truncated-proof" },
	{ 'c', 2, 5, 18, 21, 0, { 0 }, false, "consistency/3/empty-proof" },
	{ 'c', 2, 5, 18, 21, 2, { 4, 11 }, true, "consistency/3/happy-path" },
	{ 'c', 2, 5, 18, 21, 2, { 25, 11 }, false, "consistency/3/modified-proof@0-bit-@4" },
	{ 'c', 2, 5, 18, 21, 2, { 4, 32 }, false, "consistency/3/modified-proof@1-bit-@4" },
	{ 'c', 2, 5, 18, 21, 3, { 4, 4, 11 }, false, "consistency/3/preceding-proof-@0" },
	{ 'c', 2, 5, 18, 21, 3, { 18, 4, 11 }, false, "consistency/3/preceding-root1" },
	{ 'c', 2, 5, 18, 21, 3, { 21, 4, 11 }, false, "consistency/3/preceding-root2" },
	{ 'c', 0, 5, 18, 21, 2, { 4, 11 }, false, "consistency/3/size1-XOR-@2" },
	{ 'c', 3, 5, 18, 21, 2, { 4, 11 }, false, "consistency/3/size1-plus-@1" },
	{ 'c', 1, 5, 18, 21, 2, { 4, 11 }, false, "consistency/3/size1-sub-@1" },
	{ 'c', 2, 2, 18, 21, 2, { 4, 11 }, false, "consistency/3/size2-div-@2" },
	{ 'c', 2, 10, 18, 21, 2, { 4, 11 }, false, "consistency/3/size2-mul-@2" },
	{ 'c', 2, 5, 21, 18, 2, { 4, 11 }, false, "consistency/3/swapped-roots" },
	{ 'c', 2, 5, 18, 21, 3, { 4, 11, 18 }, false, "consistency/3/trailing-root1" },
	{ 'c', 2, 5, 18, 21, 3, { 4, 11, 21 }, false, "consistency/3/trailing-root2" },
	{ 'c', 2, 5, 18, 21, 1, { 4 }, false, "consistency/3/truncated-proof" },
	{ 'c', 6, 7, 27, 33, 0, { 0 }, false, "consistency/4/empty-proof" },
	{ 'c', 6, 7, 27, 33, 3, { 28, 34, 13 }, true, "consistency/4/happy-path" },
	{ 'c', 6, 7, 27, 33, 3, { 29, 34, 13 }, false, "consistency/4/modified-proof@0-bit-@4" },
	{ 'c', 6, 7, 27, 33, 3, { 28, 35, 13 }, false, "consistency/4/modified-proof@1-bit-@4" },
	{ 'c', 6, 7, 27, 33, 3, { 28, 34, 31 }, false, "consistency/4/modified-proof@2-bit-@4" },
	{ 'c', 6, 7, 27, 33, 4, { 28, 28, 34, 13 }, false, "consistency/4/preceding-proof-@0" },
	{ 'c', 6, 7, 27, 33, 4, { 27, 28, 34, 13 }, false, "consistency/4/preceding-root1" },
	{ 'c', 6, 7, 27, 33, 4, { 33, 28, 34, 13 }, false, "consistency/4/preceding-root2" },
	{ 'c', 4, 7, 27, 33, 3, { 28, 34, 13 }, false, "consistency/4/size1-XOR-@2" },
	{ 'c', 7, 7, 27, 33, 3, { 28, 34, 13 }, false, "consistency/4/size1-plus-@1" },
	{ 'c', 5, 7, 27, 33, 3, { 28, 34, 13 }, false, "consistency/4/size1-sub-@1" },
	{ 'c', 6, 3, 27, 33, 3, { 28, 34, 13 }, false, "consistency/4/size2-div-@2" },
	{ 'c', 6, 14, 27, 33, 3, { 28, 34, 13 }, false, "consistency/4/size2-mul-@2" },
	{ 'c', 6, 7, 33, 27, 3, { 28, 34, 13 }, false, "consistency/4/swapped-roots" },
	{ 'c', 6, 7, 27, 33, 4, { 28, 34, 13, 27 }, false, "consistency/4/trailing-root1" },
	{ 'c', 6, 7, 27, 33, 4, { 28, 34, 13, 33 }, false, "consistency/4/trailing-root2" },
	{ 'c', 6, 7, 27, 33, 2, { 28, 34 }, false, "consistency/4/truncated-proof" },
	{ 'c', 0, 1, 1, 1, 1, { 1 }, false, "consistency/additional/consistency-check-on-empty-tree-size1-is-zero-is-useless" },
	{ 'c', 1, 1, 1, 1, 1, { 1 }, false, "consistency/additional/sizes-match-but-proof-is-not-empty-and-sizes-are-one" },
	{ 'c', 0, 0, 1, 1, 1, { 1 }, false, "consistency/additional/sizes-match-but-proof-is-not-empty-and-sizes-are-zero" },
};

static void published_probes(void **state)
{
	(void)state;
	for (size_t p = 0; p < sizeof(probes) / sizeof(probes[0]); p++) {
		const struct probe *pr = &probes[p];
		hash_t x, y, proof[4];
		bool ok;

		unhex(probe_hash[pr->x], x, HL);
		unhex(probe_hash[pr->y], y, HL);
		for (int k = 0; k < pr->n; k++)
			unhex(probe_hash[pr->proof[k]], proof[k], HL);
		if (pr->kind == 'i')
			ok = merkle_verify_inclusion(pr->a, pr->b, x, (const hash_t *)proof, (size_t)pr->n, y);
		else
			ok = merkle_verify_consistency(pr->a, pr->b, x, y, (const hash_t *)proof, (size_t)pr->n);
		if (ok != pr->ok)
			fail_msg("%s: verified %s, expected %s", pr->name, ok ? "true" : "false",
				 pr->ok ? "true" : "false");
	}
}

/* ---- every proof of every small tree --------------------------------------- */

#define EXHAUSTIVE 130

/* Proof of n hashes with hash k's byte b flipped (k == n: none). */
static void corrupt(hash_t *dst, const hash_t *src, size_t n, size_t k, size_t b)
{
	memcpy(dst, src, n * HL);
	if (k < n)
		dst[k][b] ^= 0x01;
}

static void check_inclusion(uint64_t m, uint64_t size, const hash_t *root)
{
	hash_t want[MERKLE_MAX_PROOF], got[MERKLE_MAX_PROOF + 1], bad[MERKLE_MAX_PROOF + 1];
	size_t n, wn = path(&T, m, 0, size, want);
	const unsigned char *leaf = T.leaf[m];

	T.size = size;
	assert_int_equal(merkle_inclusion_proof(m, size, get, &T, got, &n), 0);
	assert_int_equal(n, wn);
	assert_memory_equal(got, want, n * HL);
	assert_true(merkle_verify_inclusion(m, size, leaf, (const hash_t *)got, n, root[size]));

	for (size_t k = 0; k < n; k++)
		for (size_t b = 0; b < HL; b += size <= 16 ? 1 : HL) {
			corrupt(bad, (const hash_t *)got, n, k, (b + m) % HL);
			assert_false(merkle_verify_inclusion(m, size, leaf, (const hash_t *)bad, n, root[size]));
		}
	for (uint64_t w = 0; w < size; w++)
		if (w != m && (size <= 40 || w == m - 1 || w == m + 1 || w == (m ^ 2)))
			assert_false(merkle_verify_inclusion(w, size, leaf, (const hash_t *)got, n, root[size]));
	/* against the root of another size (the size itself comes signed in a checkpoint) */
	for (uint64_t s = m + 1; s <= EXHAUSTIVE; s++)
		if (s != size && ((size <= 40 && s <= 40) || s == size - 1 || s == size + 1 || s == 2 * size || s == size / 2))
			assert_false(merkle_verify_inclusion(m, s, leaf, (const hash_t *)got, n, root[s]));
	if (n > 0) {
		assert_false(merkle_verify_inclusion(m, size, root[size], (const hash_t *)got, n, root[size]));
		assert_false(merkle_verify_inclusion(m, size, leaf, (const hash_t *)got, n - 1, root[size]));
		assert_false(merkle_verify_inclusion(m, size, leaf, (const hash_t *)got + 1, n - 1, root[size]));
		memcpy(got[n], got[n - 1], HL);
		assert_false(merkle_verify_inclusion(m, size, leaf, (const hash_t *)got, n + 1, root[size]));
	}
	memcpy(got[n], leaf, HL);
	assert_false(merkle_verify_inclusion(m, size, leaf, (const hash_t *)got, n + 1, root[size]));
}

static void check_consistency(uint64_t m, uint64_t size, const hash_t *root)
{
	hash_t want[MERKLE_MAX_PROOF + 1], got[MERKLE_MAX_PROOF + 1], bad[MERKLE_MAX_PROOF + 1];
	size_t n, wn = subproof(&T, m, 0, size, true, want);

	T.size = size;
	assert_int_equal(merkle_consistency_proof(m, size, get, &T, got, &n), 0);
	assert_int_equal(n, wn);
	assert_memory_equal(got, want, n * HL);
	assert_true(merkle_verify_consistency(m, size, root[m], root[size], (const hash_t *)got, n));

	for (size_t k = 0; k < n; k++)
		for (size_t b = 0; b < HL; b += size <= 16 ? 1 : HL) {
			corrupt(bad, (const hash_t *)got, n, k, (b + m) % HL);
			assert_false(merkle_verify_consistency(m, size, root[m], root[size], (const hash_t *)bad, n));
		}
	if (m == size)
		return;
	assert_false(merkle_verify_consistency(m, size, root[size], root[size], (const hash_t *)got, n));
	assert_false(merkle_verify_consistency(m, size, root[m], root[m], (const hash_t *)got, n));
	for (uint64_t s = 1; s <= EXHAUSTIVE; s++) {
		if (s != m && s <= size && (size <= 40 || s == m - 1 || s == m + 1 || s == 2 * m || s == m / 2))
			assert_false(merkle_verify_consistency(s, size, root[s], root[size], (const hash_t *)got, n));
		if (s != size && s >= m && ((size <= 40 && s <= 40) || s == size - 1 || s == size + 1 || s == 2 * size))
			assert_false(merkle_verify_consistency(m, s, root[m], root[s], (const hash_t *)got, n));
	}
	assert_false(merkle_verify_consistency(m, size, root[m], root[size], (const hash_t *)got, n - 1));
	assert_false(merkle_verify_consistency(m, size, root[m], root[size], (const hash_t *)got + 1, n - 1));
	memcpy(got[n], got[n - 1], HL);
	assert_false(merkle_verify_consistency(m, size, root[m], root[size], (const hash_t *)got, n + 1));
	memcpy(got[n], root[m], HL);
	assert_false(merkle_verify_consistency(m, size, root[m], root[size], (const hash_t *)got, n + 1));
}

static void every_proof_of_every_small_tree(void **state)
{
	static hash_t root[2 * EXHAUSTIVE + 1];

	(void)state;
	tree_init(&T, NULL, 0);
	for (uint64_t s = 0; s <= 2 * EXHAUSTIVE; s++) {
		hash_t naive;

		root_of(s, root[s]);
		mth(&T, 0, s, naive);
		assert_memory_equal(root[s], naive, HL);
	}
	for (uint64_t size = 1; size <= EXHAUSTIVE; size++)
		for (uint64_t m = 0; m < size; m++) {
			check_inclusion(m, size, (const hash_t *)root);
			check_consistency(m + 1, size, (const hash_t *)root);
		}
}

static void bad_ranges_are_refused(void **state)
{
	hash_t proof[MERKLE_MAX_PROOF], r;
	size_t n = 99;

	(void)state;
	tree_init(&T, NULL, 0);
	T.size = 8;
	assert_int_equal(merkle_inclusion_proof(0, 0, get, &T, proof, &n), -1);
	assert_int_equal(n, 0);
	assert_int_equal(merkle_inclusion_proof(8, 8, get, &T, proof, &n), -1);
	assert_int_equal(merkle_consistency_proof(0, 8, get, &T, proof, &n), -1);
	assert_int_equal(merkle_consistency_proof(0, 0, get, &T, proof, &n), -1);
	assert_int_equal(merkle_consistency_proof(5, 4, get, &T, proof, &n), -1);
	assert_int_equal(merkle_consistency_proof(1, (UINT64_C(1) << 63) + 1, get, &T, proof, &n), -1);
	assert_int_equal(T.calls, 0);
	/* first == second: the empty proof, and it verifies only with equal roots */
	assert_int_equal(merkle_consistency_proof(8, 8, get, &T, proof, &n), 0);
	assert_int_equal(n, 0);
	root_of(8, r);
	assert_true(merkle_verify_consistency(8, 8, r, r, (const hash_t *)proof, 0));
	assert_false(merkle_verify_consistency(8, 8, r, T.leaf[0], (const hash_t *)proof, 0));
	assert_false(merkle_verify_consistency(0, 0, r, r, (const hash_t *)proof, 0));
	assert_false(merkle_verify_inclusion(0, 0, r, (const hash_t *)proof, 0, r));
}

/*
 * The RFC's verification takes the size on trust: a proof for index 0 in
 * a tree of 4 has the same shape as one in a tree of 3, so it verifies
 * against the root it came with at either size.  Callers take the size
 * from the signed checkpoint that holds the root.
 */
static void the_size_comes_from_the_checkpoint(void **state)
{
	hash_t proof[MERKLE_MAX_PROOF], r4;
	size_t n;

	(void)state;
	tree_init(&T, NULL, 0);
	root_of(4, r4);
	assert_int_equal(merkle_inclusion_proof(0, 4, get, &T, proof, &n), 0);
	assert_true(merkle_verify_inclusion(0, 3, T.leaf[0], (const hash_t *)proof, n, r4));
	assert_false(merkle_verify_inclusion(0, 5, T.leaf[0], (const hash_t *)proof, n, r4));
}

/* ---- the frontier ------------------------------------------------------------ */

struct done_log {
	unsigned n;
	unsigned level[64];
	uint64_t index[64];
	hash_t hash[64];
};

static void record(void *ctx, unsigned level, uint64_t index, const unsigned char hash[HL])
{
	struct done_log *d = ctx;

	assert_true(d->n < 64);
	d->level[d->n] = level;
	d->index[d->n] = index;
	memcpy(d->hash[d->n++], hash, HL);
}

static void frontier_grows_like_the_tree(void **state)
{
	struct merkle_frontier f, g;
	hash_t a, b;

	(void)state;
	tree_init(&T, NULL, 0);
	merkle_frontier_init(&f);
	for (uint64_t size = 0; size <= 300; size++) {
		struct done_log d = { 0 };
		unsigned want = 0;

		merkle_frontier_root(&f, a);
		root_of(size, b);
		assert_memory_equal(a, b, HL);
		T.calls = 0;
		assert_int_equal(merkle_frontier_load(&g, size, get, &T), 0);
		assert_int_equal(T.calls, f.n);
		assert_true(g.size == f.size && g.n == f.n);
		assert_memory_equal(g.hash, f.hash, f.n * HL);
		if (size == 300)
			break;
		merkle_frontier_append(&f, T.leaf[size], record, &d);
		/* leaf size completes the subtrees of every level l >= 1 where 2^l divides size + 1 */
		for (unsigned l = 1; ((size + 1) & ((UINT64_C(1) << l) - 1)) == 0; l++, want++) {
			uint64_t idx = ((size + 1) >> l) - 1;

			mth(&T, idx << l, (idx + 1) << l, a);
			assert_int_equal(d.level[want], l);
			assert_int_equal(d.index[want], idx);
			assert_memory_equal(d.hash[want], a, HL);
		}
		assert_int_equal(d.n, want);
		assert_int_equal(f.size, size + 1);
	}
	merkle_frontier_append(&f, T.leaf[0], NULL, NULL);	/* done may be NULL */
	assert_int_equal(f.size, 301);
}

/* ---- cost, and failures of get ------------------------------------------------ */

struct counting {
	uint64_t size;
	unsigned calls;
};

/* Any hash will do: this only counts, and checks each request is a subtree inside size. */
static int count_get(void *ctx, unsigned level, uint64_t index, unsigned char out[HL])
{
	struct counting *c = ctx;

	assert_true(level < 64 && index < c->size >> level);
	c->calls++;
	memset(out, (int)level, HL);
	memcpy(out, &index, sizeof(index));
	return 0;
}

static void proofs_need_few_subtrees(void **state)
{
	const uint64_t size = 1000000;	/* log2 < 20 */
	hash_t proof[MERKLE_MAX_PROOF], r;
	struct counting c = { size, 0 };
	unsigned most = 0;
	size_t n;

	(void)state;
	for (uint64_t i = 0; i < size; i += i < 4096 ? 1 : 997) {
		c.calls = 0;
		assert_int_equal(merkle_inclusion_proof(i, size, count_get, &c, proof, &n), 0);
		assert_true(n <= 20);
		most = c.calls > most ? c.calls : most;
	}
	assert_true(most <= 40);
	for (uint64_t m = 1; m <= size; m += m < 4096 ? 1 : 997) {
		c.calls = 0;
		assert_int_equal(merkle_consistency_proof(m, size, count_get, &c, proof, &n), 0);
		assert_true(c.calls <= 40);
	}
	c.calls = 0;
	assert_int_equal(merkle_root(size, count_get, &c, r), 0);
	assert_int_equal(c.calls, 7);	/* 1000000 has 7 bits set */

	/* and at sizes the ledger will never reach */
	c.size = UINT64_C(1) << 63;
	c.calls = 0;
	assert_int_equal(merkle_consistency_proof(c.size - 1, c.size, count_get, &c, proof, &n), 0);
	assert_int_equal(n, 64);
	c.size = UINT64_MAX;
	c.calls = 0;
	assert_int_equal(merkle_inclusion_proof(0, c.size, count_get, &c, proof, &n), 0);
	assert_int_equal(n, 64);
	assert_true(c.calls <= 128);
}

static void get_failures_propagate(void **state)
{
	hash_t proof[MERKLE_MAX_PROOF], r;
	struct merkle_frontier f;
	unsigned total;
	size_t n;

	(void)state;
	tree_init(&T, NULL, 0);
	T.size = 127;
	assert_int_equal(merkle_inclusion_proof(77, 127, get, &T, proof, &n), 0);
	total = T.calls;
	for (unsigned k = 1; k <= total; k++) {
		T.calls = 0;
		T.fail_at = k;
		assert_int_equal(merkle_inclusion_proof(77, 127, get, &T, proof, &n), -1);
	}
	T.calls = T.fail_at = 0;
	assert_int_equal(merkle_consistency_proof(45, 127, get, &T, proof, &n), 0);
	total = T.calls;
	for (unsigned k = 1; k <= total; k++) {
		T.calls = 0;
		T.fail_at = k;
		assert_int_equal(merkle_consistency_proof(45, 127, get, &T, proof, &n), -1);
		T.calls = 0;
		assert_int_equal(merkle_root(127, get, &T, r), k <= 7 ? -1 : 0);
		T.calls = 0;
		assert_int_equal(merkle_frontier_load(&f, 127, get, &T), k <= 7 ? -1 : 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc6962_hasher_vectors),
		cmocka_unit_test(reference_tree_vectors),
		cmocka_unit_test(published_proofs),
		cmocka_unit_test(published_probes),
		cmocka_unit_test(every_proof_of_every_small_tree),
		cmocka_unit_test(bad_ranges_are_refused),
		cmocka_unit_test(the_size_comes_from_the_checkpoint),
		cmocka_unit_test(frontier_grows_like_the_tree),
		cmocka_unit_test(proofs_need_few_subtrees),
		cmocka_unit_test(get_failures_propagate),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

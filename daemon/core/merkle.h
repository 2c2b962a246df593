/*
 * merkle: the ledger's Merkle tree, as RFC 9162 §2.1 defines it.  Pure: no
 * I/O, no database, no globals.
 *
 * Leaves are SHA-256(0x00 || entry), interior nodes SHA-256(0x01 || left ||
 * right), and the tree of n leaves splits at the largest power of two below
 * n.  The RFC defines roots and proofs recursively over arbitrary ranges;
 * every range its recursion meets, though, starts on a multiple of a power of
 * two at least as large as the range, so each one is a few complete, aligned
 * subtrees (one per set bit of its size).  This module asks for nothing but
 * those, through a merkle_subtree_fn, so a caller can serve them from storage
 * that keeps leaf hashes and some levels of nodes: a root or a proof costs
 * O(log n) calls and never one per leaf.
 *
 * A subtree is named (level, index): the 2^level leaves starting at
 * index * 2^level.  Level 0 is the leaf hashes.
 *
 * Tree sizes are uint64_t; sizes above 2^63 are refused where a proof could
 * then need more than MERKLE_MAX_PROOF hashes.
 */
#ifndef SW_MERKLE_H
#define SW_MERKLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MERKLE_HASH_LEN 32
#define MERKLE_MAX_PROOF 64

/* SHA-256(0x00 || entry) */
void merkle_leaf_hash(const void *entry, size_t len, unsigned char out[MERKLE_HASH_LEN]);
/* SHA-256(0x01 || left || right); out may alias either input. */
void merkle_node_hash(const unsigned char left[MERKLE_HASH_LEN],
		      const unsigned char right[MERKLE_HASH_LEN], unsigned char out[MERKLE_HASH_LEN]);
/* The root of the empty tree, SHA-256 of nothing. */
void merkle_empty_root(unsigned char out[MERKLE_HASH_LEN]);

/*
 * Writes the hash of the complete subtree (level, index) to out, the hash
 * of leaves [index * 2^level, (index + 1) * 2^level).  Returns 0, or -1 on
 * a failure, which the calling function returns in turn.  The module only
 * asks for subtrees inside the tree size it was given.
 */
typedef int (*merkle_subtree_fn)(void *ctx, unsigned level, uint64_t index,
				 unsigned char out[MERKLE_HASH_LEN]);

/*
 * Folds count adjacent sibling hashes (count a power of two, at least 1)
 * into the hash of the subtree they are the bottom level of.
 */
void merkle_fold(const unsigned char (*hashes)[MERKLE_HASH_LEN], size_t count,
		 unsigned char out[MERKLE_HASH_LEN]);

/* MTH(D[0:size]); the empty root when size is 0.  One get per set bit of size. */
int merkle_root(uint64_t size, merkle_subtree_fn get, void *ctx, unsigned char out[MERKLE_HASH_LEN]);

/*
 * PATH(index, D[size]) (RFC 9162 §2.1.3.1): the audit path, leaf level
 * first, into proof (room for MERKLE_MAX_PROOF), its length in *n.  At most
 * 2 ceil(log2(size)) gets.  -1 when index >= size, or on a get failure.
 */
int merkle_inclusion_proof(uint64_t index, uint64_t size, merkle_subtree_fn get, void *ctx,
			   unsigned char (*proof)[MERKLE_HASH_LEN], size_t *n);

/*
 * PROOF(first, D[second]) (RFC 9162 §2.1.4.1) into proof (room for
 * MERKLE_MAX_PROOF), its length in *n; first == second gives the empty
 * proof.  -1 when first is 0 (the RFC defines none), first > second,
 * second > 2^63, or on a get failure.
 */
int merkle_consistency_proof(uint64_t first, uint64_t second, merkle_subtree_fn get, void *ctx,
			     unsigned char (*proof)[MERKLE_HASH_LEN], size_t *n);

/*
 * RFC 9162 §2.1.3.2, step by step: whether proof (n hashes) shows that leaf
 * (a leaf hash) is at index in the tree of size whose root is root.  Also
 * false when the proof is too short or too long.
 */
bool merkle_verify_inclusion(uint64_t index, uint64_t size, const unsigned char leaf[MERKLE_HASH_LEN],
			     const unsigned char (*proof)[MERKLE_HASH_LEN], size_t n,
			     const unsigned char root[MERKLE_HASH_LEN]);

/*
 * RFC 9162 §2.1.4.2, step by step, for 0 < first < second.  The RFC defines
 * no proof from the empty tree (false when first is 0, as transparency-dev's
 * verifier does); first == second holds with an empty proof and equal roots.
 */
bool merkle_verify_consistency(uint64_t first, uint64_t second,
			       const unsigned char first_root[MERKLE_HASH_LEN],
			       const unsigned char second_root[MERKLE_HASH_LEN],
			       const unsigned char (*proof)[MERKLE_HASH_LEN], size_t n);

/*
 * The right edge of a growing tree (a compact range from 0): one complete
 * subtree per set bit of size, largest (leftmost) first.  Plain data: copy
 * it freely.
 */
struct merkle_frontier {
	uint64_t size;
	unsigned n;
	unsigned char hash[64][MERKLE_HASH_LEN];
};

/* Called for each complete subtree an append completes, at levels >= 1. */
typedef void (*merkle_done_fn)(void *ctx, unsigned level, uint64_t index,
			       const unsigned char hash[MERKLE_HASH_LEN]);

void merkle_frontier_init(struct merkle_frontier *f);
/*
 * Appends a leaf hash.  done (may be NULL) hears of every subtree this
 * append completes, lowest level first, so the caller can store those it
 * keeps.
 */
void merkle_frontier_append(struct merkle_frontier *f, const unsigned char leaf[MERKLE_HASH_LEN],
			    merkle_done_fn done, void *ctx);
/* MTH of the frontier's tree (the empty root at size 0). */
void merkle_frontier_root(const struct merkle_frontier *f, unsigned char out[MERKLE_HASH_LEN]);
/* The frontier of the tree of size, from one get per set bit of size; -1 on a get failure. */
int merkle_frontier_load(struct merkle_frontier *f, uint64_t size, merkle_subtree_fn get, void *ctx);

#endif

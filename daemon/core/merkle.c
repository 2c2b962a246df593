#include "core/merkle.h"

#include <assert.h>
#include <sodium.h>
#include <string.h>

#define HL MERKLE_HASH_LEN

void merkle_leaf_hash(const void *entry, size_t len, unsigned char out[HL])
{
	static const unsigned char prefix = 0x00;
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, &prefix, 1);
	if (len)
		crypto_hash_sha256_update(&st, entry, len);
	crypto_hash_sha256_final(&st, out);
}

void merkle_node_hash(const unsigned char left[HL], const unsigned char right[HL], unsigned char out[HL])
{
	unsigned char in[1 + 2 * HL];

	in[0] = 0x01;
	memcpy(in + 1, left, HL);
	memcpy(in + 1 + HL, right, HL);
	crypto_hash_sha256(out, in, sizeof(in));
}

void merkle_empty_root(unsigned char out[HL])
{
	static const unsigned char nothing[1];

	crypto_hash_sha256(out, nothing, 0);
}

/* The largest power of two below n (n >= 2): where the RFC splits D[n]. */
static uint64_t split(uint64_t n)
{
	uint64_t k = 1;

	while (k <= (n - 1) >> 1)
		k <<= 1;
	return k;
}

static unsigned log2_exact(uint64_t pow2)
{
	unsigned l = 0;

	while (pow2 >> l > 1)
		l++;
	return l;
}

/*
 * MTH(D[start:start+len]), len >= 1, for a range the RFC's recursion meets:
 * start is a multiple of a power of two at least len, so the range is one
 * complete subtree per set bit of len, largest first.  Folds them from the
 * right, the way the recursion nests them.
 */
static int range_hash(uint64_t start, uint64_t len, merkle_subtree_fn get, void *ctx, unsigned char out[HL])
{
	uint64_t end = start + len;
	unsigned char h[HL];
	bool first = true;

	for (unsigned level = 0; level < 64; level++) {
		uint64_t w = UINT64_C(1) << level;

		if (!(len & w))
			continue;
		end -= w;
		assert((end & (w - 1)) == 0);
		if (get(ctx, level, end >> level, first ? out : h) != 0)
			return -1;
		if (!first)
			merkle_node_hash(h, out, out);
		first = false;
	}
	return 0;
}

void merkle_fold(const unsigned char (*hashes)[HL], size_t count, unsigned char out[HL])
{
	unsigned char l[HL], r[HL];

	assert(count > 0 && (count & (count - 1)) == 0);
	if (count == 1) {
		memcpy(out, hashes[0], HL);
		return;
	}
	merkle_fold(hashes, count / 2, l);
	merkle_fold(hashes + count / 2, count / 2, r);
	merkle_node_hash(l, r, out);
}

int merkle_root(uint64_t size, merkle_subtree_fn get, void *ctx, unsigned char out[HL])
{
	if (size == 0) {
		merkle_empty_root(out);
		return 0;
	}
	return range_hash(0, size, get, ctx, out);
}

/* The proof was gathered root level first; the RFC lists it leaf level first. */
static void reverse_into(unsigned char (*path)[HL], size_t k, unsigned char (*proof)[HL], size_t *n)
{
	for (size_t i = 0; i < k; i++)
		memcpy(proof[i], path[k - 1 - i], HL);
	*n = k;
}

/*
 * PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n])      for m < k
 *               = PATH(m - k, D[k:n]) : MTH(D[0:k])  for m >= k
 * walked from the root down.  Left siblings are complete subtrees; the one
 * right sibling that may not be is met where the walk first turns left,
 * and below that every range is complete.
 */
int merkle_inclusion_proof(uint64_t index, uint64_t size, merkle_subtree_fn get, void *ctx,
			   unsigned char (*proof)[HL], size_t *n)
{
	unsigned char path[MERKLE_MAX_PROOF][HL];
	uint64_t lo = 0, len = size, m = index;
	size_t k = 0;

	*n = 0;
	if (index >= size)
		return -1;
	while (len > 1) {
		uint64_t s = split(len);

		assert(k < MERKLE_MAX_PROOF);
		if (m < s) {
			if (range_hash(lo + s, len - s, get, ctx, path[k++]) != 0)
				return -1;
			len = s;
		} else {
			if (get(ctx, log2_exact(s), lo >> log2_exact(s), path[k++]) != 0)
				return -1;
			lo += s;
			m -= s;
			len -= s;
		}
	}
	reverse_into(path, k, proof, n);
	return 0;
}

/*
 * SUBPROOF(m, D[n], b) = {} if m == n and b; {MTH(D[n])} if m == n and not b;
 *   SUBPROOF(m, D[0:k], b) : MTH(D[k:n])           for m <= k
 *   SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])   for m > k
 * walked from the root down, like the inclusion path.
 */
int merkle_consistency_proof(uint64_t first, uint64_t second, merkle_subtree_fn get, void *ctx,
			     unsigned char (*proof)[HL], size_t *n)
{
	unsigned char path[MERKLE_MAX_PROOF][HL];
	uint64_t lo = 0, len = second, m = first;
	bool whole = true;	/* b: still on the left edge, where D[0:m] itself is known */
	size_t k = 0;

	*n = 0;
	if (first == 0 || first > second || second > UINT64_C(1) << 63)
		return -1;
	while (m != len) {
		uint64_t s = split(len);

		assert(k < MERKLE_MAX_PROOF);
		if (m <= s) {
			if (range_hash(lo + s, len - s, get, ctx, path[k++]) != 0)
				return -1;
			len = s;
		} else {
			if (range_hash(lo, s, get, ctx, path[k++]) != 0)
				return -1;
			lo += s;
			m -= s;
			len -= s;
			whole = false;
		}
	}
	if (!whole) {
		assert(k < MERKLE_MAX_PROOF);
		if (range_hash(lo, len, get, ctx, path[k++]) != 0)
			return -1;
	}
	reverse_into(path, k, proof, n);
	return 0;
}

static void shift_until_odd_or_zero(uint64_t *fn, uint64_t *sn)
{
	while (!(*fn & 1) && *fn != 0) {
		*fn >>= 1;
		*sn >>= 1;
	}
}

bool merkle_verify_inclusion(uint64_t index, uint64_t size, const unsigned char leaf[HL],
			     const unsigned char (*proof)[HL], size_t n, const unsigned char root[HL])
{
	unsigned char r[HL];
	uint64_t fn, sn;

	if (index >= size)					/* 1 */
		return false;
	fn = index;						/* 2 */
	sn = size - 1;
	memcpy(r, leaf, HL);					/* 3 */
	for (size_t i = 0; i < n; i++) {			/* 4 */
		if (sn == 0)					/* 4a */
			return false;
		if ((fn & 1) || fn == sn) {			/* 4b */
			merkle_node_hash(proof[i], r, r);
			if (!(fn & 1))
				shift_until_odd_or_zero(&fn, &sn);
		} else {
			merkle_node_hash(r, proof[i], r);
		}
		fn >>= 1;					/* 4c */
		sn >>= 1;
	}
	return sn == 0 && memcmp(r, root, HL) == 0;		/* 5 */
}

bool merkle_verify_consistency(uint64_t first, uint64_t second, const unsigned char first_root[HL],
			       const unsigned char second_root[HL], const unsigned char (*proof)[HL], size_t n)
{
	unsigned char fr[HL], sr[HL];
	uint64_t fn, sn;
	size_t i = 0;

	if (first == 0 || first > second)
		return false;
	if (first == second)
		return n == 0 && memcmp(first_root, second_root, HL) == 0;
	if (n == 0)						/* 1 */
		return false;
	if ((first & (first - 1)) == 0) {			/* 2: first_root is path[0] */
		memcpy(fr, first_root, HL);
	} else {
		memcpy(fr, proof[0], HL);
		i = 1;
	}
	fn = first - 1;						/* 3 */
	sn = second - 1;
	while (fn & 1) {					/* 4 */
		fn >>= 1;
		sn >>= 1;
	}
	memcpy(sr, fr, HL);					/* 5 */
	for (; i < n; i++) {					/* 6 */
		if (sn == 0)					/* 6a */
			return false;
		if ((fn & 1) || fn == sn) {			/* 6b */
			merkle_node_hash(proof[i], fr, fr);
			merkle_node_hash(proof[i], sr, sr);
			if (!(fn & 1))
				shift_until_odd_or_zero(&fn, &sn);
		} else {
			merkle_node_hash(sr, proof[i], sr);
		}
		fn >>= 1;					/* 6c */
		sn >>= 1;
	}
	return memcmp(fr, first_root, HL) == 0 && memcmp(sr, second_root, HL) == 0 && sn == 0;	/* 7 */
}

void merkle_frontier_init(struct merkle_frontier *f)
{
	memset(f, 0, sizeof(*f));
}

void merkle_frontier_append(struct merkle_frontier *f, const unsigned char leaf[HL],
			    merkle_done_fn done, void *ctx)
{
	unsigned char h[HL];
	unsigned level = 0;

	assert(f->size < UINT64_MAX && f->n < 64);
	memcpy(h, leaf, HL);
	while (f->size >> level & 1) {
		merkle_node_hash(f->hash[--f->n], h, h);
		level++;
		if (done)
			done(ctx, level, ((f->size + 1) >> level) - 1, h);
	}
	memcpy(f->hash[f->n++], h, HL);
	f->size++;
}

void merkle_frontier_root(const struct merkle_frontier *f, unsigned char out[HL])
{
	if (f->n == 0) {
		merkle_empty_root(out);
		return;
	}
	memcpy(out, f->hash[f->n - 1], HL);
	for (unsigned i = f->n - 1; i > 0; i--)
		merkle_node_hash(f->hash[i - 1], out, out);
}

int merkle_frontier_load(struct merkle_frontier *f, uint64_t size, merkle_subtree_fn get, void *ctx)
{
	uint64_t pos = 0;

	merkle_frontier_init(f);
	for (unsigned level = 64; level-- > 0;) {
		uint64_t w = UINT64_C(1) << level;

		if (!(size & w))
			continue;
		if (get(ctx, level, pos >> level, f->hash[f->n++]) != 0) {
			merkle_frontier_init(f);
			return -1;
		}
		pos += w;
	}
	f->size = size;
	return 0;
}

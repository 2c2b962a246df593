/*
 * webhook_client: one webhook POST with libcurl, made safe to point at
 * the outside world.  Used by the deliverer (publish/webhook_deliver, many
 * at once on a multi handle) and by `supplywatch webhook test` (one,
 * blocking).
 *
 * Every request: signed headers per the Standard Webhooks spec (signed
 * anew with each attempt's timestamp; the body and webhook-id never
 * change), a total timeout, no redirects, http and https only, no proxy,
 * and, unless allow_private, a refusal to connect to any private,
 * loopback or link-local address: checked on the address actually being
 * connected to, after DNS, so a name that resolves inside does not pass.
 * The response body is read up to 64 KiB and ignored.
 */
#ifndef SW_WEBHOOK_CLIENT_H
#define SW_WEBHOOK_CLIENT_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/webhooks.h"
#include "util/strbuf.h"

enum webhook_result { WH_DELIVERED, WH_FAILED, WH_REFUSED, WH_NRESULTS };

struct webhook_request {
	CURL *easy;
	struct curl_slist *headers;
	bool allow_private;
	bool refused;			/* the only addresses tried were private */
	char refused_ip[64];
	size_t received;		/* response bytes read (capped) */
	char error[CURL_ERROR_SIZE];
	void *owner;			/* the caller's */
};

/* Once, before any thread uses libcurl. */
int webhook_client_init(void);

/*
 * Prepares rq to POST body (borrowed: it must outlive the transfer) to t
 * as msg_id, signed at now.  -1 on a malformed secret or URL.
 */
int webhook_request_init(struct webhook_request *rq, const struct webhook_target *t, const char *msg_id,
			 const char *body, int64_t now, long timeout_s, bool allow_private);
void webhook_request_cleanup(struct webhook_request *rq);
/*
 * What the finished transfer (curl's code) came to: delivered on a 2xx
 * answer; *status (0: none) and *error (a static or rq-owned string, NULL
 * when delivered) describe it.
 */
enum webhook_result webhook_request_result(struct webhook_request *rq, CURLcode code, long *status,
					   const char **error);

/*
 * Whether url may be subscribed: its host is resolved, and any private
 * address it has is named in err (unless allow_private).  0 when fine.
 */
int webhook_check_url(const char *url, bool allow_private, struct strbuf *err);

#endif

#include "publish/webhook_client.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "core/webhook.h"
#include "util/version.h"

#define MAX_RESPONSE (64 * 1024)

int webhook_client_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

/* The numeric form of a socket address, "" when it has none. */
static void numeric(const struct sockaddr *sa, char *out, size_t n)
{
	const void *a = sa->sa_family == AF_INET ? (const void *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr
						 : (const void *)&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;

	if ((sa->sa_family != AF_INET && sa->sa_family != AF_INET6) ||
	    !inet_ntop(sa->sa_family, a, out, (socklen_t)n))
		out[0] = '\0';
}

/* Every connection curl opens passes here, with the address it resolved to. */
static curl_socket_t open_socket(void *p, curlsocktype purpose, struct curl_sockaddr *addr)
{
	struct webhook_request *rq = p;
	char ip[64];

	(void)purpose;
	numeric(&addr->addr, ip, sizeof(ip));
	if (!rq->allow_private && webhook_ip_private(ip)) {
		rq->refused = true;
		snprintf(rq->refused_ip, sizeof(rq->refused_ip), "%s", ip);
		return CURL_SOCKET_BAD;
	}
	return socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
}

/* The answer's body is not ours to read: count it, stop at the cap. */
static size_t discard(char *data, size_t size, size_t n, void *p)
{
	struct webhook_request *rq = p;

	(void)data;
	rq->received += size * n;
	return rq->received > MAX_RESPONSE ? 0 : size * n;
}

static struct curl_slist *headers(const char *msg_id, int64_t now, const char *sig)
{
	char h[256];
	struct curl_slist *l = curl_slist_append(NULL, "Content-Type: application/json");

	snprintf(h, sizeof(h), "webhook-id: %s", msg_id);
	l = curl_slist_append(l, h);
	snprintf(h, sizeof(h), "webhook-timestamp: %lld", (long long)now);
	l = curl_slist_append(l, h);
	snprintf(h, sizeof(h), "webhook-signature: %s", sig);
	l = curl_slist_append(l, h);
	l = curl_slist_append(l, "User-Agent: supplywatch/" SW_VERSION);
	return curl_slist_append(l, "Expect:");	/* no 100-continue round trip */
}

int webhook_request_init(struct webhook_request *rq, const struct webhook_target *t, const char *msg_id,
			 const char *body, int64_t now, long timeout_s, bool allow_private)
{
	char sig[WEBHOOK_SIG_LEN + 1];
	size_t len = strlen(body);
	CURL *e;

	memset(rq, 0, sizeof(*rq));
	rq->allow_private = allow_private;
	if (webhook_sign(t->secret, msg_id, now, body, len, sig) != 0 || !(e = curl_easy_init()))
		return -1;
	rq->easy = e;
	rq->headers = headers(msg_id, now, sig);
	curl_easy_setopt(e, CURLOPT_URL, t->url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_PROXY, "");		/* never the environment's proxy */
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, timeout_s);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, timeout_s < 10 ? timeout_s : 10L);
	curl_easy_setopt(e, CURLOPT_POST, 1L);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, rq->headers);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, rq);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, rq);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, rq->error);
	curl_easy_setopt(e, CURLOPT_PRIVATE, rq);
	return 0;
}

void webhook_request_cleanup(struct webhook_request *rq)
{
	if (rq->easy)
		curl_easy_cleanup(rq->easy);
	curl_slist_free_all(rq->headers);
	rq->easy = NULL;
	rq->headers = NULL;
}

enum webhook_result webhook_request_result(struct webhook_request *rq, CURLcode code, long *status,
					   const char **error)
{
	*status = 0;
	curl_easy_getinfo(rq->easy, CURLINFO_RESPONSE_CODE, status);
	*error = NULL;
	/* A 2xx whose body ran past the cap was still received. */
	if (*status >= 200 && *status < 300 && (code == CURLE_OK || rq->received > MAX_RESPONSE))
		return WH_DELIVERED;
	if (rq->refused && code != CURLE_OK) {
		snprintf(rq->error, sizeof(rq->error), "refused: %s is a private address (webhooks.allow_private)",
			 rq->refused_ip);
		*error = rq->error;
		return WH_REFUSED;
	}
	if (code != CURLE_OK)
		*error = rq->error[0] ? rq->error : curl_easy_strerror(code);
	else
		*error = "the receiver did not answer 2xx";
	return WH_FAILED;
}

/* The host of url without IPv6 brackets, in host; -1 when url has none. */
static int host_of(const char *url, char *host, size_t n)
{
	CURLU *u = curl_url();
	char *h = NULL;
	int rc = -1;

	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK && *h) {
		size_t len = strlen(h);

		if (h[0] == '[' && h[len - 1] == ']')
			snprintf(host, n, "%.*s", (int)len - 2, h + 1);
		else
			snprintf(host, n, "%s", h);
		rc = 0;
	}
	curl_free(h);
	curl_url_cleanup(u);
	return rc;
}

int webhook_check_url(const char *url, bool allow_private, struct strbuf *err)
{
	struct addrinfo hints, *res = NULL;
	char host[256], ip[64];
	int rc = 0, g;

	if (host_of(url, host, sizeof(host)) != 0) {
		sb_addf(err, "URL \"%s\" has no host", url);
		return -1;
	}
	if (allow_private)
		return 0;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if ((g = getaddrinfo(host, NULL, &hints, &res)) != 0) {
		sb_addf(err, "cannot resolve host \"%s\": %s", host, gai_strerror(g));
		return -1;
	}
	for (struct addrinfo *a = res; a && rc == 0; a = a->ai_next) {
		numeric(a->ai_addr, ip, sizeof(ip));
		if (webhook_ip_private(ip)) {
			sb_addf(err, "host \"%s\" has the private address %s (set webhooks.allow_private = true to allow it)",
				host, ip);
			rc = -1;
		}
	}
	freeaddrinfo(res);
	return rc;
}

#include "face/web/ws_accept.h"

#include <assert.h>
#include <string.h>

#include <openssl/evp.h>

/* The GUID of RFC 6455 1.3 that a server appends to the client's key before hashing it. */
static const char ws_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

enum {
	WS_SHA1_LEN = 20,        /* bytes of a SHA-1 digest */
	WS_KEY_DIGITS = 22,      /* base64 digits of a 16-byte key before its "==" */
};

static int ws_accept_b64(unsigned char c);

/* The value of a base64 digit (RFC 4648 4), or -1. */
static int ws_accept_b64(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

bool ws_accept_key(const char *key, size_t len, char out[WS_ACCEPT_LEN + 1])
{
	if (len != WS_KEY_LEN || key[WS_KEY_DIGITS] != '=' || key[WS_KEY_DIGITS + 1] != '=')
		return false;
	for (size_t i = 0; i < WS_KEY_DIGITS; i++)
		if (ws_accept_b64((unsigned char)key[i]) < 0)
			return false;
	/* 16 bytes are 128 bits: 21 digits and 2 bits of the 22nd, whose 4 others must be zero
	 * (RFC 4648 3.5; RFC 6455 erratum 3150: a proper key ends in A, Q, g or w before "=="). */
	if (ws_accept_b64((unsigned char)key[WS_KEY_DIGITS - 1]) & 0x0F)
		return false;

	char joined[WS_KEY_LEN + sizeof ws_guid - 1];
	memcpy(joined, key, WS_KEY_LEN);
	memcpy(joined + WS_KEY_LEN, ws_guid, sizeof ws_guid - 1);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	if (!EVP_Digest(joined, sizeof joined, md, &mdlen, EVP_sha1(), NULL) || mdlen != WS_SHA1_LEN)
		return false; /* SHA-1 unavailable (a FIPS-only libcrypto) */
	int n = EVP_EncodeBlock((unsigned char *)out, md, WS_SHA1_LEN); /* writes the NUL too */
	assert(n == WS_ACCEPT_LEN);
	(void)n;
	return true;
}

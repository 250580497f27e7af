// SASL PLAIN for the page (IRCv3 SASL 3.1, RFC 4616): the AUTHENTICATE lines that carry an
// account name and a password. Pure: web/tests/sasl.test.js checks the chunking.

export const SASL_CAP = "sasl";
export const SASL_CHUNK = 400; // AUTHENTICATE payloads are cut into 400-byte lines

// The base64 of "\0account\0password" (no authorization identity: the account is the one we
// log in to), cut into AUTHENTICATE payloads: 400 characters each, and a lone "+" after a last
// piece of exactly 400 so the server knows the payload ended.
export function saslPlainChunks(account, password) {
  const bytes = new TextEncoder().encode(`\0${account}\0${password}`);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  const b64 = btoa(bin);
  const out = [];
  for (let i = 0; i < b64.length; i += SASL_CHUNK) out.push(b64.slice(i, i + SASL_CHUNK));
  if (b64.length % SASL_CHUNK === 0) out.push("+");
  return out;
}

// Numerics that end an exchange: 903 is success, the rest a failure the page reports.
export const SASL_SUCCESS = "903";
export const SASL_FAILURES = new Set(["902", "904", "905", "906"]);

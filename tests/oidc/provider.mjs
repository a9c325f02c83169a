// A real OpenID provider for the tests: panva's certified oidc-provider on a loopback port.
//
// The test setup (tests/oidc/provider.py) starts it with one JSON argument:
//   {"clients": [{client_id, client_secret, redirect_uris}], "accounts": {login: claims}}
// It listens on a loopback port the system chooses (no window in which another process can take a
// port chosen beforehand), and the issuer names that port.
// Logging in uses the package's own development login and consent pages ("devInteractions"): any
// login name from `accounts` is accepted, with any password. The provider signs ID tokens with a
// fresh RSA key each run and publishes it at its jwks_uri, so the client must really verify.
// When it is ready it prints one line, "ready <issuer>", on standard output.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';

import Provider from 'oidc-provider';

const config = JSON.parse(process.argv[2]);
// With "tls": {"cert": path, "key": path} it serves HTTPS, as a production deployment requires of an
// identity provider (scripts/production_path.sh); the tests use plain HTTP on loopback.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-signing-key', use: 'sig', alg: 'RS256' };

const claimNames = new Set(Object.values(config.accounts).flatMap((claims) => Object.keys(claims)));
const pnrClaim = config.personalNumberClaim;
const profileClaims = [...claimNames].filter((name) => name !== pnrClaim);

const server = config.tls
  ? https.createServer({ cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) })
  : http.createServer();

const providerAt = (issuer) => new Provider(issuer, {
  clients: config.clients.map((client) => ({
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    ...client,
  })),
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  // The "profile" scope carries the names and, in this test provider, the HSA-id; the Swedish
  // OIDC profile's scope carries the personal identity number.
  scopes: ['openid', 'profile', config.personalNumberScope],
  claims: {
    openid: ['sub'],
    profile: profileClaims,
    [config.personalNumberScope]: [pnrClaim],
  },
  // Put the scope's claims in the ID token itself, as the Swedish e-ID brokers do.
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    const claims = config.accounts[id];
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
});

server.listen(0, '127.0.0.1', () => {
  const issuer = `${config.tls ? 'https' : 'http'}://127.0.0.1:${server.address().port}`;
  const provider = providerAt(issuer);
  provider.proxy = false;
  server.on('request', provider.callback());
  process.stdout.write(`ready ${issuer}\n`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}

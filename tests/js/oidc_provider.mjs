// Test-only: a real OpenID Provider (the certified `oidc-provider` package) on a loopback port, standing in
// for a district's unified identity platform in tests/web/test_oidc.py. Never used by the product.
//
//   node tests/js/oidc_provider.mjs CONFIG.json
//
// CONFIG.json: {"clients": [{client_id, client_secret, redirect_uris}], "accounts": {"<id>": {claims}}}
// Each account's claims are released as they are (besides `sub`), e.g. {"uscc": "9131…"} for an enterprise's
// legal-person account or {"preferred_username": "fgw_officer"} for staff; "amr"/"acr" there say how the
// person signed in at the provider. The provider listens on 127.0.0.1 (port 0: any free one) and prints one
// line of JSON, {"issuer": "http://127.0.0.1:PORT"}, when it is ready.
//
// The login step is an interaction page of our own (a form with one field, `login`, the account id): the test
// plays the browser. Consent is implicit for the registered first-party clients, as on a district platform.
import { readFileSync } from "node:fs";
import http from "node:http";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { URLSearchParams } from "node:url";

import Provider from "oidc-provider";

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const accounts = config.accounts || {};
const released = [...new Set(Object.values(accounts).flatMap((claims) => Object.keys(claims)))]
  .filter((name) => !["sub", "acr", "amr"].includes(name));

let provider;
const server = http.createServer((req, res) => {
  const match = /^\/interaction\/([A-Za-z0-9_-]+)(\/login)?(\?.*)?$/.exec(req.url);
  if (match) {
    interaction(req, res, Boolean(match[2])).catch((error) => {
      res.statusCode = 500;
      res.end(String(error && error.message));
    });
    return;
  }
  provider.callback()(req, res);
});

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

async function interaction(req, res, submitted) {
  const details = await provider.interactionDetails(req, res);
  const { uid, prompt, params } = details;
  if (prompt.name === "login") {
    if (!submitted || req.method !== "POST") {
      res.setHeader("content-type", "text/html; charset=utf-8");
      res.end(`<!doctype html><title>统一身份认证</title><form method="post" action="/interaction/${escape(uid)}/login">`
        + `<input name="login" autofocus><button>登录</button></form><p>client: ${escape(params.client_id)}</p>`);
      return;
    }
    const form = await readForm(req);
    const accountId = form.get("login") || "";
    if (!accounts[accountId] && !form.get("allow_unknown")) {
      res.statusCode = 400;
      res.end("unknown account");
      return;
    }
    const claims = accounts[accountId] || {};
    const login = { accountId, remember: false };
    if (claims.amr) login.amr = claims.amr;
    if (claims.acr) login.acr = claims.acr;
    await provider.interactionFinished(req, res, { login }, { mergeWithLastSubmission: false });
    return;
  }
  // Consent: first-party clients get what they asked for.
  const grant = details.grantId ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: details.session.accountId, clientId: params.client_id });
  if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(" "));
  if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

server.listen(0, "127.0.0.1", () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  provider = new Provider(issuer, {
    clients: config.clients.map((client) => ({
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
      ...client,
    })),
    jwks: { keys: [privateKey.export({ format: "jwk" })] },
    cookies: { keys: [randomBytes(32).toString("hex")] },
    pkce: { required: () => true },
    scopes: ["openid", "profile"],
    // acr, amr and auth_time ride with the openid scope: the relying party learns how the person signed in.
    claims: { openid: ["sub", "acr", "amr", "auth_time"], sid: null, profile: released },
    // Claims go into the ID token itself (no userinfo call needed), as unified identity platforms do.
    conformIdTokenClaims: false,
    acrValues: ["urn:repair:test:pwd", "urn:repair:test:mfa"],
    findAccount: async (ctx, id) => ({
      accountId: id,
      async claims() {
        const { acr, amr, ...rest } = accounts[id] || {};
        return { sub: id, ...rest };
      },
    }),
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    features: { devInteractions: { enabled: false } },
    ttl: { IdToken: 600, AccessToken: 600, AuthorizationCode: 60, Interaction: 600, Session: 600, Grant: 600 },
  });
  provider.on("server_error", (ctx, error) => process.stderr.write(`server_error ${error.stack}\n`));
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

/**
 * @module NATS credentials from the environment, the same names on every process (gateway,
 * Workers edge, gpu-node, tts-node): NATS_USER + NATS_PASSWORD, NATS_TOKEN, NATS_NKEY_SEED
 * (an nkey seed, "SU…"), or NATS_CREDS (the text of a .creds file: JWT and seed). No Node APIs,
 * so the Workers edge reads them from its secrets the same way.
 */
import { type Authenticator, credsAuthenticator, nkeyAuthenticator, tokenAuthenticator, usernamePasswordAuthenticator } from "@nats-io/nats-core";

export function natsAuthFromEnv(env: Record<string, string | undefined>): Authenticator[] {
  const encode = (s: string) => new TextEncoder().encode(s.trim());
  const out: Authenticator[] = [];
  if (env.NATS_CREDS) out.push(credsAuthenticator(encode(env.NATS_CREDS)));
  if (env.NATS_NKEY_SEED) out.push(nkeyAuthenticator(encode(env.NATS_NKEY_SEED)));
  if (env.NATS_USER) out.push(usernamePasswordAuthenticator(env.NATS_USER, env.NATS_PASSWORD ?? ""));
  if (env.NATS_TOKEN) out.push(tokenAuthenticator(env.NATS_TOKEN));
  return out;
}

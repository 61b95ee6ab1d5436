/**
 * @module This shell's environment for a child the bench starts, without the settings that would
 * change what is measured or reach a real database: the bench sets the ones it wants itself.
 */
const DROPPED = /^(NATS_URL|DATABASE_URL|SWITCHYARD_|SY_|TTS_|VOICE_MAP|VOICES_DIR|MODELS_DIR|LLAMA_|ADMIN_TOKEN|METRICS_|QUEUE_|CORS_ORIGINS|(OPENAI|ANTHROPIC|GROQ)_)/;

export function inheritedEnv(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const k of Object.keys(env)) if (DROPPED.test(k)) delete env[k];
  return env;
}

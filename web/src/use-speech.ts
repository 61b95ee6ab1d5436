/** @module The speak button: a reply read aloud through /v1/audio/speech (WAV), one at a time. */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { type Api, ApiError } from "./api.ts";
import { plainText } from "./markdown.ts";
import { VoiceList } from "./schemas.ts";

export function useSpeech(api: Api, ready: boolean) {
  const [voice, setVoice] = useState<string | null>(null);
  const [speaking, setSpeaking] = useState<string | null>(null);
  const [failure, setFailure] = useState<{ turn: string; error: ApiError } | null>(null);
  const playing = useRef<{ audio: HTMLAudioElement; url: string; controller: AbortController } | null>(null);

  useEffect(() => {
    if (!ready) return;
    // No voice (no tts-node, or an older gateway): no speak buttons.
    api
      .json(VoiceList, "/v1/audio/voices")
      .then((list) => setVoice(list.data[0]?.id ?? null))
      .catch(() => setVoice(null));
  }, [api, ready]);

  const stop = useCallback(() => {
    const p = playing.current;
    playing.current = null;
    setSpeaking(null);
    if (!p) return;
    p.controller.abort();
    p.audio.pause();
    if (p.url) URL.revokeObjectURL(p.url);
  }, []);

  const speak = useCallback(
    async (turn: string, markdown: string) => {
      stop();
      if (!voice) return;
      const controller = new AbortController();
      const audio = new Audio();
      const current = { audio, url: "", controller };
      playing.current = current;
      setSpeaking(turn);
      setFailure(null);
      try {
        const res = await api.request("/v1/audio/speech", {
          method: "POST",
          signal: controller.signal,
          body: JSON.stringify({ model: "tts-1", voice, input: plainText(markdown).slice(0, 4096) || "Nothing to read.", response_format: "wav" }),
        });
        const blob = await res.blob();
        if (playing.current !== current) return;
        current.url = URL.createObjectURL(blob);
        audio.src = current.url;
        audio.onended = () => {
          if (playing.current === current) stop();
        };
        await audio.play();
      } catch (err) {
        if (playing.current !== current) return;
        stop();
        if (err instanceof ApiError) setFailure({ turn, error: err });
      }
    },
    [api, voice, stop],
  );

  return { canSpeak: voice !== null, speaking, failure, speak, stop };
}

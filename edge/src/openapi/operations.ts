/**
 * @module The registry of the gateway's operations for GET /openapi.json: one entry per route in
 * app.ts, with the zod schemas its handler validates and answers with. Adding a route is adding
 * its entry here (tests/openapi.test.ts fails on a route of the app that has none).
 */
import { z } from "zod";
import { AnthropicErrorSchema } from "../anthropic-api/anthropic-error.ts";
import { MessagesRequestSchema } from "../anthropic-api/messages-request.ts";
import { AnthropicMessageSchema } from "../anthropic-api/messages-response.ts";
import { ApiKeyListSchema, ApiKeySchema, CreatedKeySchema, CreateKeySchema, PatchKeySchema } from "../handlers/admin-keys.ts";
import { ModelControlSchema, ModelLoadedSchema, ModelUnloadedSchema } from "../handlers/admin-models.ts";
import { WorkerListSchema } from "../handlers/admin-workers.ts";
import { ConversationIdSchema } from "../handlers/conversation-id.ts";
import {
  ConversationDeletedSchema,
  ConversationListSchema,
  ConversationSchema,
  ConversationWithMessagesSchema,
  CreateConversationSchema,
  ListConversationsQuerySchema,
  TitleConversationSchema,
} from "../handlers/conversations.ts";
import { HealthSchema, ReadySchema } from "../handlers/health.ts";
import { ModelListSchema, ModelSchema } from "../handlers/models.ts";
import { VoiceListSchema } from "../handlers/speech.ts";
import { UsageListSchema, UsageQuerySchema } from "../handlers/usage.ts";
import { InputItemsQuerySchema } from "../handlers/responses.ts";
import { ChatCompletionRequestSchema } from "../openai/chat-request.ts";
import { CompletionRequestSchema } from "../openai/completion-request.ts";
import { EmbeddingsRequestSchema } from "../openai/embeddings-request.ts";
import { EmbeddingsResponseSchema } from "../openai/embeddings-response.ts";
import { TextCompletionSchema } from "../openai/completion-response.ts";
import { InputItemListSchema, ResponseDeletedSchema, ResponseObjectSchema } from "../responses-api/response-object.ts";
import { ResponsesRequestDocSchema } from "../responses-api/responses-request.ts";
import { ChatCompletionSchema } from "../openai/chat-response.ts";
import { SpeechRequestSchema } from "../openai/speech-request.ts";
import { json, named, type Operation } from "./operation.ts";

/** Both chat front doors read `conversation_id` beside their own fields (conversation-id.ts). */
const withConversation = <T extends z.ZodObject>(schema: T) => schema.extend({ conversation_id: ConversationIdSchema.nullish() });
const ConversationHeader = z.object({ "x-conversation-id": ConversationIdSchema.optional() });
const ChatRequest = withConversation(ChatCompletionRequestSchema);
const MessagesRequest = withConversation(MessagesRequestSchema);

const SSE = "text/event-stream";
const ROUTED_ERRORS = [403, 404, 429, 502, 503, 504];

export const OPERATIONS: readonly Operation[] = [
  { id: "chatPage", method: "get", path: "/", tag: "page", summary: "The browser chat page", responses: { 200: { description: "The page.", content: { "text/html": null } }, 304: { description: "Not modified (ETag)." } } },
  {
    id: "pageAsset",
    method: "get",
    path: "/assets/{file}",
    tag: "page",
    summary: "A script or stylesheet of the chat page, named by content hash",
    responses: { 200: { description: "The asset, cached for a year.", content: { "text/javascript": null, "text/css": null } }, 304: { description: "Not modified (ETag)." } },
    errors: [404],
  },
  { id: "health", method: "get", path: "/health", tag: "operations", summary: "The process is up", responses: { 200: { description: "Up.", content: json("Health", HealthSchema) } } },
  {
    id: "ready",
    method: "get",
    path: "/ready",
    tag: "operations",
    summary: "The bus is connected and a worker serves a model",
    responses: { 200: { description: "Ready.", content: json("Ready", ReadySchema) }, 503: { description: "Not ready.", content: json("Ready", ReadySchema) } },
  },
  {
    id: "metrics",
    method: "get",
    path: "/metrics",
    tag: "operations",
    summary: "Prometheus metrics of this gateway",
    auth: "metrics",
    responses: { 200: { description: "Prometheus text format.", content: { "text/plain": null } } },
    errors: [401, 403],
  },
  {
    id: "openApiDocument",
    method: "get",
    path: "/openapi.json",
    tag: "operations",
    summary: "This document",
    responses: { 200: { description: "OpenAPI 3.1, generated from the handlers' zod schemas.", content: { "application/json": null } } },
  },

  { id: "listModels", method: "get", path: "/v1/models", tag: "models", summary: "Models served now", responses: { 200: { description: "Live local models first, then the configured and cloud ones.", content: json("ModelList", ModelListSchema) } } },
  {
    id: "getModel",
    method: "get",
    path: "/v1/models/{model}",
    tag: "models",
    summary: "One model",
    pathParams: { model: "A model id; may contain '/' (groq/llama-3.1-8b-instant)." },
    responses: { 200: { description: "The model.", content: json("Model", ModelSchema) } },
    errors: [404],
  },
  {
    id: "createChatCompletion",
    method: "post",
    path: "/v1/chat/completions",
    tag: "chat",
    summary: "OpenAI chat completions, for any target",
    description:
      "With `stream: true` the answer is server-sent events of `chat.completion.chunk` objects ending with `data: [DONE]`; an error after the first event ends the stream with a `data: {\"error\": …}` event and no `[DONE]`.",
    headers: ConversationHeader,
    body: { content: json("ChatCompletionRequest", ChatRequest) },
    responses: { 200: { description: "A chat.completion, or its chunks as SSE.", content: { ...json("ChatCompletion", ChatCompletionSchema), [SSE]: null } } },
    errors: ROUTED_ERRORS,
  },
  {
    id: "createEmbeddings",
    method: "post",
    path: "/v1/embeddings",
    tag: "embeddings",
    summary: "OpenAI embeddings, for local models that embed and OpenAI-compatible upstreams",
    body: { content: json("EmbeddingsRequest", EmbeddingsRequestSchema) },
    responses: { 200: { description: "A list of embedding objects.", content: json("Embeddings", EmbeddingsResponseSchema) } },
    errors: ROUTED_ERRORS,
  },
  {
    id: "createCompletion",
    method: "post",
    path: "/v1/completions",
    tag: "chat",
    summary: "Legacy text completions: a raw prompt (or a list of them), no chat template",
    description: "Each prompt is a choice of its index. With `stream: true`, server-sent `text_completion` chunks ending with `data: [DONE]`.",
    body: { content: json("CompletionRequest", CompletionRequestSchema) },
    responses: { 200: { description: "A text_completion, or its chunks as SSE.", content: { ...json("TextCompletion", TextCompletionSchema), [SSE]: null } } },
    errors: ROUTED_ERRORS,
  },
  {
    id: "createResponse",
    method: "post",
    path: "/v1/responses",
    tag: "responses",
    summary: "OpenAI's Responses API, for any target; state kept by the gateway",
    description:
      "With `stream: true`, OpenAI's named events with a `sequence_number` (`response.created` … `response.completed`, `response.incomplete` or `error` + `response.failed`).",
    body: { content: json("ResponseCreateRequest", ResponsesRequestDocSchema) },
    responses: { 200: { description: "A response, or its events as SSE.", content: { ...json("Response", ResponseObjectSchema), [SSE]: null } } },
    errors: ROUTED_ERRORS,
  },
  {
    id: "getResponse",
    method: "get",
    path: "/v1/responses/{id}",
    tag: "responses",
    summary: "A stored response (the caller's own)",
    responses: { 200: { description: "The response.", content: json("Response", ResponseObjectSchema) } },
    errors: [404],
  },
  {
    id: "deleteResponse",
    method: "delete",
    path: "/v1/responses/{id}",
    tag: "responses",
    summary: "Delete a stored response",
    responses: { 200: { description: "Deleted.", content: json("ResponseDeleted", ResponseDeletedSchema) } },
    errors: [404],
  },
  {
    id: "listResponseInputItems",
    method: "get",
    path: "/v1/responses/{id}/input_items",
    tag: "responses",
    summary: "A stored response's input items, in pages",
    query: InputItemsQuerySchema,
    responses: { 200: { description: "A page of items.", content: json("InputItemList", InputItemListSchema) } },
    errors: [404],
  },
  {
    id: "createMessage",
    method: "post",
    path: "/v1/messages",
    tag: "anthropic",
    summary: "Anthropic's Messages API, for any target",
    description: "Streams as Anthropic's named events (`message_start`, `content_block_*`, `message_delta`, `message_stop`). Errors are in Anthropic's shape.",
    auth: "key-or-x-api-key",
    headers: ConversationHeader,
    body: { content: json("MessagesRequest", MessagesRequest) },
    responses: { 200: { description: "A message, or its events as SSE.", content: { ...json("Message", AnthropicMessageSchema), [SSE]: null } } },
    errors: ROUTED_ERRORS,
    errorSchema: named("AnthropicError", AnthropicErrorSchema),
  },
  {
    id: "createSpeech",
    method: "post",
    path: "/v1/audio/speech",
    tag: "audio",
    summary: "Text to speech, streamed as it is synthesized",
    body: { content: json("SpeechRequest", SpeechRequestSchema) },
    responses: {
      200: {
        description:
          "`wav`: a WAV header then 16-bit mono PCM; `pcm`: raw samples at the rate in `x-sample-rate`; `stream_format: sse`: `speech.audio.delta` and `speech.audio.done` events.",
        content: { "audio/wav": null, "audio/pcm": null, [SSE]: null },
      },
    },
    errors: [403, 429, 502, 503, 504],
  },
  { id: "listVoices", method: "get", path: "/v1/audio/voices", tag: "audio", summary: "Voices served now", responses: { 200: { description: "The voices.", content: json("VoiceList", VoiceListSchema) } } },
  { id: "getUsage", method: "get", path: "/v1/usage", tag: "usage", summary: "The calling key's usage by model and day", query: UsageQuerySchema, responses: { 200: { description: "Usage rows.", content: json("UsageList", UsageListSchema) } } },
  {
    id: "createConversation",
    method: "post",
    path: "/v1/conversations",
    tag: "conversations",
    summary: "Start a conversation",
    body: { content: json("CreateConversationRequest", CreateConversationSchema), required: false },
    responses: { 201: { description: "The conversation.", content: json("Conversation", ConversationSchema) } },
  },
  {
    id: "listConversations",
    method: "get",
    path: "/v1/conversations",
    tag: "conversations",
    summary: "The caller's conversations, newest first, in cursor pages",
    query: ListConversationsQuerySchema,
    responses: { 200: { description: "A page.", content: json("ConversationList", ConversationListSchema) } },
  },
  {
    id: "getConversation",
    method: "get",
    path: "/v1/conversations/{id}",
    tag: "conversations",
    summary: "A conversation with its messages",
    responses: { 200: { description: "The conversation.", content: json("ConversationWithMessages", ConversationWithMessagesSchema) } },
    errors: [404],
  },
  {
    id: "deleteConversation",
    method: "delete",
    path: "/v1/conversations/{id}",
    tag: "conversations",
    summary: "Delete a conversation",
    responses: { 200: { description: "Deleted.", content: json("ConversationDeleted", ConversationDeletedSchema) } },
    errors: [404],
  },
  {
    id: "titleConversation",
    method: "post",
    path: "/v1/conversations/{id}/title",
    tag: "conversations",
    summary: "Write the conversation's title with a model",
    body: { content: json("TitleConversationRequest", TitleConversationSchema), required: false },
    responses: { 200: { description: "The conversation with its new title.", content: json("Conversation", ConversationSchema) } },
    errors: ROUTED_ERRORS,
  },

  { id: "createKey", method: "post", path: "/admin/keys", tag: "admin", summary: "Create an API key", body: { content: json("CreateKeyRequest", CreateKeySchema) }, responses: { 201: { description: "The key, shown this once.", content: json("CreatedKey", CreatedKeySchema) } } },
  { id: "listKeys", method: "get", path: "/admin/keys", tag: "admin", summary: "Every API key", responses: { 200: { description: "The keys (never the key itself).", content: json("ApiKeyList", ApiKeyListSchema) } } },
  {
    id: "updateKey",
    method: "patch",
    path: "/admin/keys/{id}",
    tag: "admin",
    summary: "Change a key's name or limits",
    body: { content: json("PatchKeyRequest", PatchKeySchema) },
    responses: { 200: { description: "The key.", content: json("ApiKey", ApiKeySchema) } },
    errors: [404],
  },
  { id: "revokeKey", method: "delete", path: "/admin/keys/{id}", tag: "admin", summary: "Revoke a key", responses: { 200: { description: "The revoked key.", content: json("ApiKey", ApiKeySchema) } }, errors: [404] },
  { id: "getAdminUsage", method: "get", path: "/admin/usage", tag: "admin", summary: "Usage by key, model and day", query: UsageQuerySchema, responses: { 200: { description: "Usage rows.", content: json("UsageList", UsageListSchema) } } },
  { id: "listWorkers", method: "get", path: "/admin/workers", tag: "admin", summary: "Live workers and this gateway's queues", responses: { 200: { description: "Workers.", content: json("WorkerList", WorkerListSchema) } } },
  {
    id: "loadModel",
    method: "post",
    path: "/admin/models/{id}/load",
    tag: "admin",
    summary: "Load a model on a worker now",
    pathParams: { id: "A model id; may contain '/'." },
    body: { content: json("ModelControlRequest", ModelControlSchema), required: false },
    responses: { 200: { description: "Loaded.", content: json("ModelLoaded", ModelLoadedSchema) } },
    errors: [404, 500, 503, 507],
  },
  {
    id: "unloadModel",
    method: "post",
    path: "/admin/models/{id}/unload",
    tag: "admin",
    summary: "Unload a model from every worker holding it",
    pathParams: { id: "A model id; may contain '/'." },
    body: { content: json("ModelControlRequest", ModelControlSchema), required: false },
    responses: { 200: { description: "Unloaded.", content: json("ModelUnloaded", ModelUnloadedSchema) } },
    errors: [404, 409, 503],
  },
];

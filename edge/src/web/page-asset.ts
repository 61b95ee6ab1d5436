/** @module One file of the chat page, as the generated page-assets.gen.ts holds it. */
export interface PageAsset {
  contentType: string;
  /** Quoted, as the ETag header carries it. */
  etag: string;
  /** Content-hashed name: cached for a year. The page itself is revalidated every time. */
  immutable: boolean;
  body: string;
}

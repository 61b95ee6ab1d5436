/** @module The model id clients use: the file name without `.gguf`. */
import { basename } from "node:path";

export const modelIdFromPath = (path: string): string => basename(path).replace(/\.gguf$/i, "");
